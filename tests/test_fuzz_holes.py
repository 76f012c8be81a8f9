"""Holes a fuzzer found, each closed: a problem naming the cell, found by `check` and by `run`, one clear
line, no traceback, the input's bytes unchanged and no file left behind.

1. Figures the money rounding cannot hold: a plan of 1e-300 or 4.9e-324, a fact of 1e300, a plan of
   0.000000001 whose completion overflows, a formula's tiny denominator, a payout past 1e15.
2. An unknown team in `manages` (a typo of Hunters) measured the head on nobody's totals.
3. Digits of other scripts (Arabic-Indic, fullwidth, Bengali) were read as numbers.
4. 2,000 KPIs in one scheme: the xlsx renderer's column letters stopped at ZZ.

Cell names (the header is row 3, data from row 4), as in test_bad_input.py: Employees F salary,
G bonus_target, H commission_rate, K manages, row 4 E001, row 12 H001; Plans H revenue, rows 12..19 are
2026-10; Facts F deals, G revenue, row 12 E001 in 2026-10, row 13 E002; TeamPlans B team, row 5 2026-10.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import shutil
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.layout.model import Sheet
from kpi_reports.layout.payslip_view import payslip_view
from kpi_reports.names import MAX_COLUMNS, col_letter
from kpi_reports.render.xlsx import draw as xlsx
from kpi_reports.workbook import validate
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.template import SheetData, WorkbookData, write_workbook

from conftest import SAMPLES, digest, put

# the modules (kpi_reports.layout's own names payslips, review and summary are their functions)
payslips_layout = importlib.import_module("kpi_reports.layout.payslips")
review_layout = importlib.import_module("kpi_reports.layout.review")
summary_layout = importlib.import_module("kpi_reports.layout.summary")

PERIOD = "2026-10"
E001 = {"period": PERIOD, "employee_id": "E001"}
E002 = {"period": PERIOD, "employee_id": "E002"}


# --- helpers ----------------------------------------------------------------------------------------


def invoke(*args: str):
    """The command line on `args`; no traceback, whatever happens."""
    result = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args} raised {result.exception!r} instead of printing a clear error:\n{result.output}")
    return result


def refused(path, *words: str, command: str = "") -> dict[str, str]:
    """`check` and a real `run` (not a dry run: it would write) both exit 1 with exactly one error line,
    which holds each of `words`; the file's bytes and its folder are unchanged. Returns the lines."""
    before, files = digest(path), sorted(p.name for p in path.parent.iterdir())
    commands = {"check": ("check", str(path)), "run": ("run", str(path), "--period", PERIOD)}
    if command:
        commands = {command: commands[command]}
    lines = {}
    for name, args in commands.items():
        result = invoke(*args)
        assert result.exit_code == 1, f"{name}: exit {result.exit_code}:\n{result.output}"
        errors = [ln for ln in result.output.splitlines() if ln.startswith("error")]
        assert len(errors) == 1, f"{name}: expected one error line:\n{result.output}"
        for word in words:
            assert word in errors[0], f"{name}: {word!r} is not in: {errors[0]}"
        lines[name] = errors[0]
    assert digest(path) == before, "the input file changed"
    assert sorted(p.name for p in path.parent.iterdir()) == files, "a file was left behind"
    return lines


def the_error(path):
    """The one error of the library's `check`, as (sheet, cell, column, found)."""
    [p] = kpi_reports.check(path).errors
    return p.sheet, p.cell, p.column, p.found


# --- 1. figures the money cannot hold ------------------------------------------------------------------


@pytest.mark.parametrize("plan, found", [(1e-300, "1e-300"), (4.9e-324, "e-324"), ("0,0000000001", "0,0000000001")])
def test_a_tiny_plan_is_an_error_naming_the_cell(example, write, plan, found):
    assert put(example, "Plans", "revenue", plan, **E001) == "H12"
    path = write(example)
    refused(path, "Plans!H12 (revenue)", "expected a plan of at least 0.000000001", found)
    assert the_error(path)[:3] == ("Plans", "H12", "revenue")


@pytest.mark.parametrize("sheet, column, value, where, cell", [
    ("Facts", "revenue", 1e300, E001, "G12"),
    ("Employees", "salary", 1e300, {"employee_id": "E001"}, "F4"),
    ("Employees", "bonus_target", 1e300, {"employee_id": "E001"}, "G4"),
])
def test_a_huge_figure_is_an_error_naming_the_cell_and_reads_as_typed(example, write, sheet, column, value, where,
                                                                      cell):
    assert put(example, sheet, column, value, **where) == cell
    path = write(example)
    lines = refused(path, f"{sheet}!{cell} ({column})", "below 1 000 000 000 000 000", "found '1e+300'")
    assert all(len(line) < 300 for line in lines.values())  # not the 301 digits of the float
    assert the_error(path) == (sheet, cell, column, "1e+300")


def test_a_tiny_number_in_another_column_is_an_error_naming_the_cell(example, write):
    cell = put(example, "Facts", "calls", 1e-12, **E002)
    path = write(example)
    refused(path, f"Facts!{cell} (calls)", "0 or a number of at least 0.000000001")


def test_a_plan_at_the_floor_whose_completion_overflows_names_the_plan(example, write):
    """A plan of 0.000000001 passes the floor; fact ÷ plan = 3.3e15 does not."""
    assert put(example, "Plans", "revenue", "0.000000001", **E001) == "H12"
    path = write(example)
    refused(path, "Plans!H12 (revenue)", "completion would be 3.3e+15", "E001", "found '0.000000001'")
    assert the_error(path) == ("Plans", "H12", "revenue", "0.000000001")


def test_a_tiny_denominator_of_a_formula_names_that_cell(example, write):
    """avg_check = revenue / deals, with deals of 0.000000001: an average check of trillions of trillions."""
    assert put(example, "Facts", "deals", "0.000000001", **E002) == "F13"
    path = write(example)
    refused(path, "Facts!F13 (deals)", "avg_check = revenue / deals gives", "a fact below 1 000 000 000 000 000")
    assert the_error(path)[:3] == ("Facts", "F13", "deals")


def test_a_payout_beyond_what_money_holds_names_the_plan(example, write):
    """bonus_target 900 trillion (below the cell limit) × 40% × revenue at 10 times plan × 1.2."""
    put(example, "Employees", "bonus_target", 9e14, employee_id="E001")
    put(example, "Facts", "revenue", 30_000_000, **E001)
    path = write(example)
    refused(path, "Plans!H12 (revenue)", "the payout would be 4.32e+15", "bonus_target 900000000000000",
            "an amount below 1 000 000 000 000 000")
    assert the_error(path)[:3] == ("Plans", "H12", "revenue")


def test_a_commission_rate_above_100_percent_is_an_error_naming_the_cell(example, write):
    assert put(example, "Employees", "commission_rate", 2, employee_id="E001") == "H4"
    path = write(example)
    refused(path, "Employees!H4 (commission_rate)", "a share such as 2% or 0.02", "Type 2% or 0.02")


def test_a_commission_past_what_money_holds_is_an_error_not_a_traceback(example, write):
    """Behind the cell checks: a workbook built in code with a rate of 1e14 stops at the Facts cell."""
    wb = kpi_reports.load(write(example))
    wb.employees["E001"] = dataclasses.replace(wb.employees["E001"], commission_rate=Decimal("1e14"))
    with pytest.raises(kpi_reports.InvalidWorkbook) as caught:
        kpi_reports.compute(wb, PERIOD)
    [problem] = caught.value.report.errors
    assert (problem.sheet, problem.cell, problem.column) == ("Facts", "G12", "revenue")
    assert "commission of E001" in problem.text()


# --- 2. an unknown team in manages -------------------------------------------------------------------------


@pytest.mark.parametrize("manages, found, hint", [
    ("Huntres", "Huntres", "Did you mean Hunters?"),
    ("hunters", "hunters", "Did you mean Hunters?"),
    ("Hunters, Farmrs", "Farmrs", "Did you mean Farmers?"),
    ("*, Hunters", "*", "* stands alone"),
    ("Nobody", "Nobody", "Known: Farmers, Hunters, Sales department."),
])
def test_an_unknown_team_in_manages_is_an_error_naming_the_cell(example, write, manages, found, hint):
    assert put(example, "Employees", "manages", manages, employee_id="H001") == "K12"
    path = write(example)
    refused(path, "Employees!K12 (manages)", "unknown team", f"found '{found}'", hint)
    assert the_error(path) == ("Employees", "K12", "manages", found)


def test_the_head_of_the_english_sample_with_a_typo_in_manages_is_refused(tmp_path):
    """The reported case: 0.00 instead of 73,581.64 for the head of sales, with exit 0."""
    baseline = kpi_reports.compute(kpi_reports.load(SAMPLES / "sales_team.xlsx", periods=[PERIOD]), PERIOD)
    assert next(r.bonus for r in baseline.employees if r.employee.employee_id == "H001") == Decimal("73581.64")
    book = openpyxl.load_workbook(SAMPLES / "sales_team.xlsx")
    sheet = book["Employees"]
    header = next(r for r in range(1, 11) if sheet.cell(r, 1).value == "employee_id")
    col = next(c for c in range(1, sheet.max_column + 1) if sheet.cell(header, c).value == "manages")
    row = next(r for r in range(header + 1, sheet.max_row + 1) if sheet.cell(r, 1).value == "H001")
    sheet.cell(row, col).value = "Huntres"
    path = tmp_path / "sample.xlsx"
    book.save(path)
    cell = f"{col_letter(col - 1)}{row}"
    refused(path, f"Employees!{cell} (manages)", "Did you mean Hunters?")


def test_a_list_of_known_teams_in_manages_is_read(example, write):
    put(example, "Employees", "manages", "Hunters, Farmers", employee_id="H001")
    listed = kpi_reports.compute(kpi_reports.load(write(example, name="listed.xlsx")), PERIOD)
    put(example, "Employees", "manages", "*", employee_id="H001")
    everyone = kpi_reports.compute(kpi_reports.load(write(example, name="all.xlsx")), PERIOD)
    bonus = {r.employee.employee_id: r.bonus for r in listed.employees}
    assert bonus["H001"] > 0 and bonus == {r.employee.employee_id: r.bonus for r in everyone.employees}


def test_an_unknown_team_on_team_plans_gets_the_closest_name(example, write):
    """(The head's ratio KPIs then have no team plan: errors of their own.)"""
    assert put(example, "TeamPlans", "team", "Sales departmnet", period=PERIOD) == "B5"
    path = write(example)
    for args in (("check", str(path)), ("run", str(path), "--period", PERIOD)):
        result = invoke(*args)
        assert result.exit_code == 1
        [line] = [ln for ln in result.output.splitlines() if ln.startswith("error") and "TeamPlans!B5 (team)" in ln]
        assert "unknown team" in line and "found 'Sales departmnet'" in line and "Did you mean Sales department?" in line


# --- 3. digits of other scripts --------------------------------------------------------------------------


@pytest.mark.parametrize("sheet, column, value, where, plain", [
    ("Facts", "revenue", "٣٣٠٠٠٠٠", E001, "3300000"),  # Arabic-Indic
    ("Facts", "revenue", "۳ ۳۰۰ ۰۰۰ ₽", E001, "3 300 000 ₽"),  # Extended Arabic-Indic (Persian)
    ("Employees", "salary", "６００００", {"employee_id": "E001"}, "60000"),  # fullwidth
    ("Plans", "revenue", "৩০০০০০০", E001, "3000000"),  # Bengali
    ("Employees", "commission_rate", "２%", {"employee_id": "E001"}, "2%"),
])
def test_a_number_in_other_digits_is_an_error_naming_the_cell(example, write, sheet, column, value, where, plain):
    cell = put(example, sheet, column, value, **where)
    path = write(example)
    refused(path, f"{sheet}!{cell} ({column})", "expected a number written with the digits 0–9",
            f"found '{value}'", f"Retype it with the digits 0–9: {plain}.")
    assert the_error(path) == (sheet, cell, column, value)


@pytest.mark.parametrize("sheet, value, plain", [
    ("Facts", "٢٠٢٦-١٠", "2026-10"),
    ("Plans", "１０.２０２６", "10.2026"),
])
def test_a_period_in_other_digits_is_an_error_naming_the_cell(example, write, sheet, value, plain):
    """E003's row of 2026-10: the month `run` computes, whose rows it reads."""
    cell = put(example, sheet, "period", value, period=PERIOD, employee_id="E003")
    assert cell == "A14"
    path = write(example)
    refused(path, f"{sheet}!A14 (period)", "a period written with the digits 0–9", f"Retype it with the digits 0–9: {plain}.")


def test_a_period_option_in_other_digits_is_one_clear_line(example, write):
    path = write(example)
    result = invoke("run", str(path), "--period", "٢٠٢٦-١٠")
    assert result.exit_code == 1 and result.output.strip().count("\n") == 0
    assert "digits 0–9" in result.output and "2026-10" in result.output


def test_ascii_digits_still_read(example, write):
    put(example, "Facts", "revenue", "3 300 000 ₽", **E001)
    put(example, "Employees", "salary", "60 000", employee_id="E001")
    path = write(example)
    assert invoke("check", str(path)).exit_code == 0
    assert "119,800.00" in invoke("run", str(path), "--period", PERIOD, "--dry-run").output


# --- 4. as many columns as Excel has ---------------------------------------------------------------------------


def test_column_letters_are_one_general_function_up_to_xfd():
    assert [col_letter(i) for i in (0, 25, 26, 51, 701, 702, 18277, 16383)] == [
        "A", "Z", "AA", "AZ", "ZZ", "AAA", "ZZZ", "XFD"]
    table = xlsx._letters(16383)
    assert len(table) >= 16384 and table[16383] == "XFD" and table[702] == "AAA"
    assert all(table[i] == col_letter(i) for i in range(0, 16384, 97))
    with pytest.raises(ValueError, match="XFD"):
        xlsx._letters(16384)


def wide(kpis: int, formula: str = "") -> WorkbookData:
    """One person on a scheme of `kpis` result KPIs, each a Facts column (or, with `formula`, computed)."""
    ids = [f"k{i:05d}" for i in range(kpis)]
    weights = [Decimal(1) / kpis] * kpis if not formula else [Decimal(1)] + [Decimal(0)] * (kpis - 1)
    metrics = ["calls"] if formula else ids
    return WorkbookData({
        "Employees": SheetData(["employee_id", "name", "team", "scheme", "salary", "bonus_target"],
                               [["E1", "Ann", "A", "wide", 1000, 20 * kpis]]),
        "KPIs": SheetData(["kpi", "title", "group", "formula", "unit"], [[k, k, "result", formula, "count"] for k in ids]),
        "Schemes": SheetData(["scheme", "kpi", "weight", "scope"], [["wide", k, w, "individual"]
                                                                  for k, w in zip(ids, weights, strict=True)]),
        "Plans": SheetData(["period", "employee_id", *ids], [[PERIOD, "E1", *[10] * kpis]]),
        "Facts": SheetData(["period", "employee_id", *metrics], [[PERIOD, "E1", *[11] * len(metrics)]]),
    })


def test_a_run_with_2000_kpis_writes_a_workbook_that_openpyxl_opens(tmp_path):
    path = tmp_path / "wide.xlsx"
    write_workbook(path, wide(2000))
    assert invoke("check", str(path)).exit_code == 0  # a warning: more than 7 KPIs
    out = tmp_path / "out.xlsx"
    result = invoke("run", str(path), "--period", PERIOD, "--out", str(out))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, read_only=True)
    summary = next(ws for ws in book.worksheets if ws.title.startswith("Summary"))
    assert summary.max_column == summary_layout.columns(2000) == 2007
    rows = list(summary.iter_rows(min_row=1, max_row=3, values_only=True))
    header = next(r for r in rows if r[0] == "ID")
    assert header[2] == "k00000" and header[2001] == "k01999"  # the 2,000th KPI is in column BXZ
    assert col_letter(2001) == "BXZ"


def test_more_kpis_than_the_summary_has_columns_is_an_error_naming_the_schemes_sheet(tmp_path):
    """16,377 KPIs: 2 + 16,377 + 5 + 1 columns (the pay with a month's corrections of closed months), one past
    XFD. Found before anything is computed or written (and quickly: the department view used to be quadratic
    in the KPIs)."""
    path = tmp_path / "wider.xlsx"
    write_workbook(path, wide(MAX_COLUMNS - summary_layout.columns(0, corrections=True) + 1, formula="calls"))
    refused(path, "Schemes!B3 (kpi)", "the Summary sheet would need 16385 columns", "at most 16376 KPIs",
            "found '16377 KPIs'")


def test_a_review_wider_than_excel_is_refused_naming_the_scheme(example_months, write, monkeypatch):
    """The review's what-if block has four columns per KPI of a scheme (its payouts at 100% and at the three
    funds' weights): 16 + 4 × 5 for the farmer scheme. With a review sheet of 35 columns (Excel's have 16,384),
    the review is refused and nothing is written."""
    path = write(example_months)
    monkeypatch.setattr(review_layout, "MAX_COLUMNS", 35)
    assert invoke("check", str(path)).exit_code == 0
    before, files = digest(path), sorted(p.name for p in path.parent.iterdir())
    result = invoke("review", str(path), "--quarter", "2026-Q4")
    assert result.exit_code == 1, result.output
    [line] = [ln for ln in result.output.splitlines() if ln.startswith("error")]
    assert "Schemes (kpi)" in line and "review of scheme" in line and "36 columns" in line
    assert digest(path) == before and sorted(p.name for p in path.parent.iterdir()) == files


@pytest.fixture
def example_months():
    return example_data("en", months=("2026-10", "2026-11", "2026-12"))


def test_the_layouts_are_as_wide_as_they_say(example_months, write):
    """The widths the check relies on are the widths the layouts lay out."""
    path = write(example_months)
    wb = kpi_reports.load(path)
    report = kpi_reports.period_report(wb, "2026-12")
    sheets = kpi_reports.layout.sheets(report, "en")
    summary = next(s for s in sheets if s.kind == "summary")
    kpis = {k.kpi for r in report.result.employees for k in r.kpis}
    assert max(c.col for c in summary.cells) + 1 == summary_layout.columns(len(kpis))
    assert summary_layout.columns(len(kpis), corrections=True) == validate.SUMMARY_COLUMNS + len(kpis)
    review = kpi_reports.review(wb, "2026-Q4")
    [sheet] = kpi_reports.layout.review_sheets(review, "en")
    widest = max(len(s.kpis) for s in review.schemes)
    assert max(c.col for c in sheet.cells) + 1 == review_layout.columns(widest)


# --- payslips past Excel's last row ---------------------------------------------------------------------------


@pytest.mark.parametrize("test_mode", [False, True])
def test_a_payslip_block_spans_the_rows_it_says(example, write, test_mode):
    report = kpi_reports.period_report(kpi_reports.load(write(example)), PERIOD, test_mode=test_mode)
    spots = set()
    for r in report.result.employees:
        v = payslip_view(r, report, "en", "")
        assert payslips_layout._block(Sheet("x"), 0, r, v, "en") + 1 == payslips_layout._span(v), r.employee.employee_id
        spots.add(bool(v.weak_spots))
    assert spots == {True, False}  # blocks with weak spots and without


def test_payslips_past_excels_last_row_go_on_another_sheet(example, write, monkeypatch):
    """Many KPIs × many people: blocks that would run past row 1,048,576 start the next sheet (here with a
    sheet of 80 rows: two or three blocks a sheet)."""
    report = kpi_reports.period_report(kpi_reports.load(write(example)), PERIOD)
    monkeypatch.setattr(payslips_layout, "MAX_ROWS", 80)
    sheets = payslips_layout.payslips(report, "en")
    assert len(sheets) > 1 and sheets[1].name == f"{sheets[0].name} (2)"
    assert all(max(c.row for c in s.cells) < 80 for s in sheets)
    seated = [e for s in sheets for e in s.anchors]
    assert seated == [r.employee.employee_id for r in report.result.employees]


# --- the reported files, end to end ----------------------------------------------------------------------------


def test_the_sample_still_runs(tmp_path):
    path = tmp_path / "sales_team.xlsx"
    shutil.copy(SAMPLES / "sales_team.xlsx", path)
    assert invoke("check", str(path)).exit_code == 0
    result = invoke("run", str(path), "--period", PERIOD, "--dry-run", "--as-of", dt.date(2026, 10, 15).isoformat())
    assert result.exit_code == 0 and "119,800.00" in result.output
