"""Bad content in a standard workbook: every problem named by sheet, cell, column and what was found.

Each test starts from the bundled example (`example`), breaks one thing with `put`, writes the file and
runs the real command line. Whatever is wrong, the user sees one report line per problem that names the
sheet, the A1 cell, the column header and the value found; no traceback; exit 1 for an error, 0 for a
warning; and the workbook's bytes are never changed.

Cell names used below (the header is row 3, data starts in row 4):
  Employees: A employee_id, B name, C team, D position, E scheme, F salary, G bonus_target, ...;
             rows 4..11 are E001..E008, row 12 is H001.
  Schemes:   A scheme, B kpi, C weight, D cutoff, E accelerator, F cap, G scope;
             rows 4..7 hunter, 8..12 farmer, 13..16 head.
  Plans:     A period, B employee_id, C calls, D meetings, E call_to_meeting, F avg_check, G cycle_days,
             H revenue, I margin; rows 4..11 are 2026-09 (E001..E008), rows 12..19 are 2026-10.
  Facts:     A period, B employee_id, C calls, D meetings, E proposals, F deals, G revenue, H margin,
             I cycle_days, J avg_check, K call_to_meeting; rows as on Plans.
  TeamPlans: A period, B team, C call_to_meeting, D avg_check; row 4 is 2026-09, row 5 is 2026-10.
"""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.workbook import schema
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.template import HEADER_ROW

from conftest import digest, put

PERIOD = "2026-10"
RUN = ("run", "--period", PERIOD)


# --- helpers --------------------------------------------------------------------------------------


def invoke(command: str, path, *extra: str):
    """Run `kpi-reports COMMAND PATH ...` and check what holds for every input: no traceback, file unchanged."""
    before = digest(path)
    args = [command, str(path), *extra]
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args} raised {result.exception!r} instead of printing a clear error:\n{result.output}")
    assert digest(path) == before, f"{args} changed the input file"
    return result


def check(path, exit_code: int) -> str:
    result = invoke("check", path)
    assert result.exit_code == exit_code, f"exit {result.exit_code}, expected {exit_code}:\n{result.output}"
    return result.output


def run(path, exit_code: int) -> str:
    """`run`; when it should succeed, with --dry-run, so that the unchanged bytes still prove nothing was touched."""
    result = invoke("run", path, "--period", PERIOD, *(["--dry-run"] if exit_code == 0 else []))
    assert result.exit_code == exit_code, f"exit {result.exit_code}, expected {exit_code}:\n{result.output}"
    return result.output


def line_for(output: str, where: str, severity: str = "error", *also: str) -> str:
    """The report line of `severity` that names `where` (`Facts!D5 (calls)`, say) and holds each of `also`."""
    lines = [ln for ln in output.splitlines()
             if where in ln and ln.lstrip().startswith(severity) and all(a in ln for a in also)]
    assert lines, f"no {severity} line names {where!r}{' with ' + repr(also) if also else ''}:\n{output}"
    return lines[0]


def assert_names(output: str, sheet: str, cell: str, column: str, found: str, *words: str,
                 severity: str = "error") -> str:
    """One report line names `Sheet!Cell (column)`, the value found and every one of `words`."""
    line = line_for(output, f"{sheet}!{cell} ({column})", severity)
    assert found in line, f"the value found, {found!r}, is not in: {line}"
    for word in words:  # messages, expectations and hints: any case (a hint may start a sentence)
        assert word.lower() in line.lower(), f"{word!r} is not in: {line}"
    return line


def header_cell(data, sheet: str, column: str) -> str:
    col = data.sheets[sheet].columns.index(column)
    return f"{chr(ord('A') + col)}{HEADER_ROW + 1}"


def add_row(data, sheet: str, **values) -> None:
    table = data.sheets[sheet]
    table.rows.append([values.get(c) for c in table.columns])


def delete_row(data, sheet: str, **where) -> None:
    table = data.sheets[sheet]
    cols = {k: table.columns.index(k) for k in where}
    keep = [row for row in table.rows
            if not all(str(row[cols[k]])[:7] == v if hasattr(row[cols[k]], "year") else row[cols[k]] == v
                       for k, v in where.items())]
    assert len(keep) == len(table.rows) - 1
    table.rows[:] = keep


def delete_column(data, sheet: str, column: str) -> None:
    table = data.sheets[sheet]
    col = table.columns.index(column)
    del table.columns[col]
    for row in table.rows:
        del row[col]


# --- the starting point -----------------------------------------------------------------------------


def test_the_example_has_no_problems(example, write):
    path = write(example)
    assert check(path, 0).strip() == "No problems found."
    assert "119,800.00" in run(path, 0)  # Ivanov's worked case: 60,000 + 58,000 + 1,800


# --- errors: structure --------------------------------------------------------------------------------


@pytest.mark.parametrize("sheet", ["Employees", "KPIs", "Schemes", "Plans", "Facts"])
def test_missing_sheet_is_an_error_naming_the_sheet(example, write, sheet):
    del example.sheets[sheet]
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        line = line_for(output, sheet)
        assert "missing sheet" in line and f"a sheet named {sheet}" in line


def test_missing_column_is_an_error_naming_the_header_row_and_the_column(example, write):
    delete_column(example, "Employees", "salary")
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        line = line_for(output, "Employees!A3:J3")
        assert "missing column" in line and "salary" in line and "оклад" in line
        assert "employee_id, name, team" in line  # what was found: the headers that are there


def test_missing_column_of_facts_is_an_error(example, write):
    delete_column(example, "Facts", "employee_id")
    path = write(example)
    line = line_for(check(path, 1), "Facts!A3:J3")
    assert "missing column" in line and "employee_id" in line


def test_duplicate_employee_id_is_an_error_naming_the_cell(example, write):
    cell = put(example, "Employees", "employee_id", "E001", employee_id="E002")
    assert cell == "A5"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Employees", cell, "employee_id", "E001", "duplicate", "row 4")


@pytest.mark.parametrize("sheet", ["Plans", "Facts"])
def test_duplicate_period_and_employee_row_is_an_error_naming_the_cell(example, write, sheet):
    cell = put(example, sheet, "employee_id", "E001", period=PERIOD, employee_id="E002")
    assert cell == "B13"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, sheet, cell, "employee_id", f"{PERIOD} / E001", "duplicate", "row 12")


def test_duplicate_team_plans_row_is_an_error_naming_the_cell(example, write):
    cell = put(example, "TeamPlans", "period", "2026-09", period=PERIOD)
    path = write(example)
    assert_names(check(path, 1), "TeamPlans", "B5", "team", "2026-09 / Sales department", "duplicate")
    assert cell == "A5"


# --- errors: references -------------------------------------------------------------------------------


def test_unknown_scheme_is_an_error_naming_the_cell(example, write):
    cell = put(example, "Employees", "scheme", "hunterr", employee_id="E003")
    assert cell == "E6"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Employees", cell, "scheme", "hunterr", "unknown scheme", "hunter, farmer, head")


def test_unknown_kpi_in_a_scheme_is_an_error_naming_the_cell(example, write):
    cell = put(example, "Schemes", "kpi", "revenu", scheme="hunter", kpi="revenue")
    assert cell == "B4"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Schemes", cell, "kpi", "revenu", "unknown KPI")


def test_unknown_kpi_column_on_plans_is_an_error_naming_the_header(example, write):
    put(example, "Plans", "revenu", 100, employee_id="E001")
    cell = header_cell(example, "Plans", "revenu")
    assert cell == "J3"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Plans", cell, "revenu", "revenu", "unknown KPI")


@pytest.mark.parametrize("sheet", ["Plans", "Facts"])
def test_unknown_employee_is_an_error_naming_the_cell(example, write, sheet):
    cell = put(example, sheet, "employee_id", "E999", period=PERIOD, employee_id="E003")
    assert cell == "B14"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, sheet, cell, "employee_id", "E999", "unknown employee")


def test_unknown_team_on_team_plans_is_an_error_naming_the_cell(example, write):
    cell = put(example, "TeamPlans", "team", "Sales dept", period=PERIOD)
    assert cell == "B5"
    path = write(example)
    assert_names(check(path, 1), "TeamPlans", cell, "team", "Sales dept", "unknown team")


# --- errors: weights -------------------------------------------------------------------------------------


def test_weights_not_adding_up_to_100_percent_is_an_error_naming_the_scheme_and_cell(example, write):
    cell = put(example, "Schemes", "weight", Decimal("0.5"), scheme="hunter", kpi="revenue")
    assert cell == "C4"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Schemes", cell, "weight", "110%", "hunter", "100%")


def test_weights_typed_as_whole_percents_get_a_hint(example, write):
    for kpi, weight in (("revenue", 40), ("avg_check", 20), ("call_to_meeting", 20), ("calls", 20)):
        put(example, "Schemes", "weight", weight, scheme="hunter", kpi=kpi)
    path = write(example)
    line = assert_names(check(path, 1), "Schemes", "C4", "weight", "10000%", "hunter")
    assert "type 40% or 0.4" in line.lower()


# --- errors: numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sheet, column, value, where", [
    ("Employees", "salary", "sixty thousand", {"employee_id": "E002"}),
    ("Employees", "bonus_target", "45 000 USD", {"employee_id": "E002"}),
    ("Employees", "commission_rate", "two percent", {"employee_id": "E002"}),
    ("Schemes", "weight", "forty", {"scheme": "hunter", "kpi": "revenue"}),
    ("Schemes", "cap", "none", {"scheme": "farmer", "kpi": "revenue"}),
    ("Plans", "revenue", "3 mln", {"period": PERIOD, "employee_id": "E002"}),
    ("Facts", "calls", "a lot", {"period": PERIOD, "employee_id": "E002"}),
    ("Facts", "revenue", "1.2.3", {"period": PERIOD, "employee_id": "E002"}),
    ("TeamPlans", "avg_check", "170k", {"period": PERIOD}),
])
def test_non_numeric_amount_is_an_error_naming_the_cell(example, write, sheet, column, value, where):
    cell = put(example, sheet, column, value, **where)
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, sheet, cell, column, value, "expected a number")


def test_non_numeric_fact_names_the_exact_cell(example, write):
    cell = put(example, "Facts", "meetings", "twenty", period=PERIOD, employee_id="E002")
    assert cell == "D13"
    path = write(example)
    assert_names(check(path, 1), "Facts", "D13", "meetings", "twenty")


@pytest.mark.parametrize("sheet, column, value, where", [
    ("Employees", "salary", -60000, {"employee_id": "E002"}),
    ("Employees", "bonus_target", -45000, {"employee_id": "E002"}),
    ("Employees", "commission_rate", "-2%", {"employee_id": "E002"}),
    ("Schemes", "weight", Decimal("-0.2"), {"scheme": "hunter", "kpi": "calls"}),
    ("Facts", "revenue", -3300000, {"period": PERIOD, "employee_id": "E001"}),
    ("Facts", "calls", "−950", {"period": PERIOD, "employee_id": "E001"}),
])
def test_negative_amount_is_an_error_naming_the_cell(example, write, sheet, column, value, where):
    cell = put(example, sheet, column, value, **where)
    path = write(example)
    found = value if isinstance(value, str) else str(value)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, sheet, cell, column, found, "negative", "zero or more")


def test_negative_salary_is_an_error_naming_the_cell(example, write):
    cell = put(example, "Employees", "salary", -60000, employee_id="E002")
    assert cell == "F5"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Employees", "F5", "salary", "-60000", "negative amount")


def test_empty_required_cell_is_an_error_naming_the_cell(example, write):
    cell = put(example, "Employees", "salary", None, employee_id="E002")
    path = write(example)
    assert_names(check(path, 1), "Employees", cell, "salary", "empty", "salary")


@pytest.mark.parametrize("sheet, column, value, where, words", [
    ("Plans", "revenue", 0, {"period": PERIOD, "employee_id": "E002"}, ("plan is zero", "above 0")),
    ("Plans", "calls", -1000, {"period": PERIOD, "employee_id": "E002"}, ("negative",)),
    ("Plans", "revenue", "0 руб.", {"period": PERIOD, "employee_id": "E002"}, ("plan is zero",)),
    ("TeamPlans", "avg_check", 0, {"period": PERIOD}, ("plan is zero",)),
])
def test_plan_of_zero_or_less_is_an_error_naming_the_cell(example, write, sheet, column, value, where, words):
    cell = put(example, sheet, column, value, **where)
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, sheet, cell, column, str(value), *words)


@pytest.mark.parametrize("sheet, value", [
    ("Facts", "2026-13"), ("Facts", "October 2026"), ("Facts", "10.26"),
    ("Plans", "2026/10"), ("Plans", "0.2026"), ("TeamPlans", "next month"),
])
def test_bad_period_is_an_error_naming_the_cell(example, write, sheet, value):
    where = {"period": PERIOD} if sheet == "TeamPlans" else {"period": PERIOD, "employee_id": "E003"}
    cell = put(example, sheet, "period", value, **where)
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, sheet, cell, "period", value, "YYYY-MM")


def test_run_with_a_bad_period_option_is_one_clear_line(example, write):
    path = write(example)
    result = invoke("run", path, "--period", "2026-13")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "2026-13" in result.output and "YYYY-MM" in result.output


def test_run_for_a_period_with_no_rows_is_one_clear_line(example, write):
    path = write(example)
    result = invoke("run", path, "--period", "2027-01")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "2027-01" in result.output and "2026-09" in result.output


@pytest.mark.parametrize("sheet, column, value, where", [
    ("Facts", "calls", 1e40, {"period": PERIOD, "employee_id": "E002"}),
    ("Employees", "salary", 1e30, {"employee_id": "E002"}),
    ("KPIs", "formula", "meetings / calls * 1e400", {"kpi": "call_to_meeting"}),
])
def test_absurdly_large_number_is_an_error_naming_the_cell_not_a_traceback(example, write, sheet, column, value,
                                                                          where):
    cell = put(example, sheet, column, value, **where)
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        line_for(output, f"{sheet}!{cell} ({column})")


def test_excel_error_value_in_a_number_cell_is_an_error_naming_the_cell(example, write, tmp_path):
    """A formula that Excel shows as #DIV/0! is not a number: it is not silently taken as empty or zero."""
    cell = put(example, "Facts", "calls", 1, period=PERIOD, employee_id="E002")
    assert cell == "C13"
    written = write(example, name="written.xlsx")
    part = f"xl/worksheets/sheet{[s.key for s in schema.SHEETS if s.key in example.sheets].index('Facts') + 1}.xml"
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(written) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                data, n = re.subn(rb'<c r="C13"[^>]*>.*?</c>', b'<c r="C13" t="e"><f>D13/0</f><v>#DIV/0!</v></c>',
                                  data)
                assert n == 1
            dst.writestr(info.filename, data)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Facts", cell, "calls", "#DIV/0!", "formula", "error")


# --- errors: formulas ----------------------------------------------------------------------------------------


def test_formula_naming_an_unknown_metric_is_an_error_naming_the_cell(example, write):
    cell = put(example, "KPIs", "formula", "meetings / callz", kpi="call_to_meeting")
    assert cell == "D6"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "KPIs", cell, "formula", "callz", "unknown metric", "Facts")


@pytest.mark.parametrize("formula", [
    "meetings ** 2",
    "calls if meetings else 0",
    "meetings.real / calls",
    "sum([meetings, calls])",
    "round(meetings / calls)",
    "lambda: meetings",
    "calls[0]",
    "'meetings' / calls",
    "meetings < calls",
    "meetings / ",
])
def test_formula_with_anything_but_arithmetic_is_an_error_naming_the_cell(example, write, formula):
    cell = put(example, "KPIs", "formula", formula, kpi="call_to_meeting")
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "KPIs", cell, "formula", formula.strip(), "not allowed", "min/max/abs")


def test_formula_is_never_executed(example, write, tmp_path):
    marker = tmp_path / "pwned"
    formula = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    cell = put(example, "KPIs", "formula", formula, kpi="call_to_meeting")
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "KPIs", cell, "formula", formula, "not allowed")
    assert not marker.exists()


def test_allowed_formula_functions_are_accepted(example, write):
    put(example, "KPIs", "formula", "min(meetings, calls) / max(abs(calls), 1) × 1", kpi="call_to_meeting")
    path = write(example)
    check(path, 0)


# --- errors: percent plans ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sheet, where, cell", [
    ("Plans", {"period": PERIOD, "employee_id": "E001"}, "E12"),
    ("TeamPlans", {"period": PERIOD}, "C5"),
])
def test_percent_plan_above_one_is_an_error_with_a_hint(example, write, sheet, where, cell):
    assert put(example, sheet, "call_to_meeting", 2, **where) == cell
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, sheet, cell, "call_to_meeting", "2", "percent", "type 2% or 0.02")


def test_percent_plan_typed_as_percent_text_is_accepted(example, write):
    put(example, "Plans", "call_to_meeting", "2%", period=PERIOD, employee_id="E001")
    put(example, "Plans", "call_to_meeting", "2,0 %", period=PERIOD, employee_id="E002")
    path = write(example)
    check(path, 0)
    assert "119,800.00" in run(path, 0)


# --- errors found while computing ----------------------------------------------------------------------------


def test_lower_is_better_fact_of_zero_without_cap_is_an_error_naming_the_cell(example, write):
    put(example, "Schemes", "cap", None, scheme="farmer", kpi="cycle_days")
    cell = put(example, "Facts", "cycle_days", 0, period=PERIOD, employee_id="E005")
    assert cell == "I16"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Facts", cell, "cycle_days", "0", "lower-is-better", "E005", "cap")


def test_lower_is_better_fact_of_zero_with_a_cap_counts_as_the_cap(example, write):
    cell = put(example, "Facts", "cycle_days", 0, period=PERIOD, employee_id="E005")
    path = write(example)
    output = check(path, 0)
    assert f"Facts!{cell}" not in output
    run(path, 0)
    result = kpi_reports.compute(kpi_reports.load(path), PERIOD)
    e005 = next(r for r in result.employees if r.employee.employee_id == "E005")
    cycle = next(k for k in e005.kpis if k.kpi == "cycle_days")
    assert cycle.completion == Decimal("1.3")  # the farmer scheme's cap on cycle_days


def test_ratio_team_kpi_without_team_plans_cell_is_an_error_naming_that_cell(example, write):
    cell = put(example, "TeamPlans", "call_to_meeting", None, period=PERIOD)
    assert cell == "C5"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "TeamPlans", cell, "call_to_meeting", "empty", "team plan", "Sales department")


def test_ratio_team_kpi_without_team_plans_row_is_an_error_naming_period_and_team(example, write):
    delete_row(example, "TeamPlans", period=PERIOD)
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        line = line_for(output, "TeamPlans (call_to_meeting)", "error", PERIOD)
        assert "Sales department" in line and "no row" in line


def test_ratio_team_kpi_without_team_plans_sheet_is_an_error(example, write):
    del example.sheets["TeamPlans"]
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        line = line_for(output, "TeamPlans (call_to_meeting)", "error", PERIOD)
        assert "Sales department" in line


# --- numbers typed as text -----------------------------------------------------------------------------------


def test_numbers_typed_as_text_are_read(example, write):
    """Ivanov's worked case typed the way people type it gives the same pay."""
    ivanov = {"period": PERIOD, "employee_id": "E001"}
    put(example, "Employees", "salary", "60 000", employee_id="E001")
    put(example, "Employees", "bonus_target", "50 000 руб.", employee_id="E001")
    put(example, "Plans", "revenue", "3 000 000 руб.", **ivanov)
    put(example, "Plans", "margin", "900 000 ₽", **ivanov)
    put(example, "Plans", "call_to_meeting", "0.02", **ivanov)
    put(example, "Facts", "revenue", "3 300 000", **ivanov)
    put(example, "Facts", "avg_check", "142 500 ₽", **ivanov)
    put(example, "Facts", "call_to_meeting", "2,1%", **ivanov)
    path = write(example)
    assert check(path, 0).strip() == "No problems found."
    output = run(path, 0)
    assert "58,000.00" in output and "1,800.00" in output and "119,800.00" in output


@pytest.mark.parametrize("value", ["3 000 000 USD", "3.000.000", "three million", "3 000 000 руб. 50 коп.", "--5"])
def test_any_other_text_in_a_number_cell_is_an_error_naming_the_cell(example, write, value):
    cell = put(example, "Plans", "revenue", value, period=PERIOD, employee_id="E001")
    assert cell == "H12"
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        assert_names(output, "Plans", "H12", "revenue", value, "3 000 000")


# --- warnings ---------------------------------------------------------------------------------------------------


def test_more_than_seven_kpis_in_a_scheme_is_a_warning(example, write):
    add_row(example, "KPIs", kpi="proposals", title="Proposals sent", group="activity", direction="higher",
            unit="count")
    weights = {"revenue": "0.3", "margin": "0.2", "calls": "0.1", "meetings": "0.1", "proposals": "0.1",
               "avg_check": "0.1", "call_to_meeting": "0.05", "cycle_days": "0.05"}
    for kpi, weight in weights.items():
        add_row(example, "Schemes", scheme="wide", kpi=kpi, weight=Decimal(weight), scope="individual")
    path = write(example)
    output = check(path, 0)
    assert_names(output, "Schemes", "C17", "weight", "8 KPIs", "wide", "at most 7", severity="warning")
    assert "0 error(s), 1 warning(s)" in output


def test_result_kpis_weighing_less_than_activity_is_a_warning(example, write):
    put(example, "Schemes", "weight", Decimal("0.2"), scheme="hunter", kpi="revenue")
    put(example, "Schemes", "weight", Decimal("0.4"), scheme="hunter", kpi="calls")
    path = write(example)
    output = check(path, 0)
    assert_names(output, "Schemes", "C4", "weight", "result 20%, activity 40%", "hunter", severity="warning")
    assert "0 error(s)" in output
    run(path, 0)


def test_scheme_with_no_result_kpi_is_a_warning_not_a_crash(example, write):
    """hunter paid on activity and efficiency only: result 0% against activity 60%."""
    cell = put(example, "Schemes", "kpi", "meetings", scheme="hunter", kpi="revenue")
    assert cell == "B4"
    path = write(example)
    output = check(path, 0)
    assert_names(output, "Schemes", "C4", "weight", "result 0%, activity 60%", "hunter", severity="warning")
    run(path, 0)


@pytest.mark.parametrize("margin, revenue, share", [("0.3", "0.25", "30%"), ("0.05", "0.5", "5%")])
def test_team_share_outside_10_to_20_percent_is_a_warning(example, write, margin, revenue, share):
    put(example, "Schemes", "weight", Decimal(margin), scheme="farmer", kpi="margin")
    put(example, "Schemes", "weight", Decimal(revenue), scheme="farmer", kpi="revenue")
    path = write(example)
    output = check(path, 0)
    assert_names(output, "Schemes", "C8", "weight", share, "farmer", "10–20%", severity="warning")
    run(path, 0)


def test_no_facts_row_for_an_employee_is_a_warning_and_counts_as_zero(example, write):
    delete_row(example, "Facts", period=PERIOD, employee_id="E003")
    path = write(example)
    for output in (check(path, 0), run(path, 0)):
        line = line_for(output, "Facts (employee_id)", severity="warning")
        assert "E003" in line and PERIOD in line and "zero" in line
    result = kpi_reports.compute(kpi_reports.load(path), PERIOD)
    e003 = next(r for r in result.employees if r.employee.employee_id == "E003")
    assert e003.bonus == 0 and e003.commission.amount == 0


def test_empty_plan_is_a_warning_naming_the_cell_and_the_person(example, write):
    cell = put(example, "Plans", "revenue", None, period=PERIOD, employee_id="E003")
    assert cell == "H14"
    path = write(example)
    for output in (check(path, 0), run(path, 0)):
        assert_names(output, "Plans", cell, "Anna Sidorova, revenue", "empty", "no plan", severity="warning")


def test_warnings_alone_exit_zero_and_errors_exit_one(example, write):
    put(example, "Plans", "revenue", None, period=PERIOD, employee_id="E003")
    assert "0 error(s)" in check(write(example, name="warn.xlsx"), 0)
    put(example, "Employees", "salary", -1, employee_id="E002")
    output = check(write(example, name="both.xlsx"), 1)
    assert "1 error(s)" in output


# --- all at once ------------------------------------------------------------------------------------------------


def test_several_problems_are_all_reported_at_once(example, write):
    broken = [
        ("Employees", put(example, "Employees", "salary", -60000, employee_id="E002"), "salary", "-60000"),
        ("Employees", put(example, "Employees", "scheme", "hunterr", employee_id="E003"), "scheme", "hunterr"),
        ("KPIs", put(example, "KPIs", "formula", "meetings ** 2", kpi="call_to_meeting"), "formula", "**"),
        ("Schemes", put(example, "Schemes", "kpi", "revenu", scheme="farmer", kpi="revenue"), "kpi", "revenu"),
        ("Plans", put(example, "Plans", "revenue", "3 mln", period=PERIOD, employee_id="E004"), "revenue", "3 mln"),
        ("Plans", put(example, "Plans", "call_to_meeting", 2, period=PERIOD, employee_id="E001"),
         "call_to_meeting", "2"),
        ("Facts", put(example, "Facts", "period", "2026-13", period=PERIOD, employee_id="E006"), "period", "2026-13"),
        ("Facts", put(example, "Facts", "calls", -5, period=PERIOD, employee_id="E007"), "calls", "-5"),
        ("Facts", put(example, "Facts", "employee_id", "E999", period=PERIOD, employee_id="E008"),
         "employee_id", "E999"),
    ]
    path = write(example)
    for output in (check(path, 1), run(path, 1)):
        for sheet, cell, column, found in broken:
            assert_names(output, sheet, cell, column, found)
        errors = [ln for ln in output.splitlines() if ln.startswith("error")]
        assert len(errors) >= len(broken)
        assert f"{len(errors)} error(s)" in output


def test_computation_errors_are_reported_with_validation_errors(example, write):
    """`check` shows every problem at once: one found while computing is not held back by another."""
    salary = put(example, "Employees", "salary", -60000, employee_id="E002")
    put(example, "Schemes", "cap", None, scheme="farmer", kpi="cycle_days")
    fact = put(example, "Facts", "cycle_days", 0, period=PERIOD, employee_id="E005")
    path = write(example)
    output = check(path, 1)
    assert_names(output, "Employees", salary, "salary", "-60000")
    assert_names(output, "Facts", fact, "cycle_days", "0", "lower-is-better")


# --- the library ------------------------------------------------------------------------------------------------


def test_library_raises_invalid_workbook_with_problems_naming_cells(example, write):
    put(example, "Employees", "salary", -60000, employee_id="E002")
    put(example, "Facts", "calls", "a lot", period=PERIOD, employee_id="E002")
    path = write(example)
    before = digest(path)
    with pytest.raises(kpi_reports.InvalidWorkbook) as caught:
        kpi_reports.load(path)
    errors = caught.value.report.errors
    assert all(isinstance(p, kpi_reports.Problem) for p in errors)
    where = {(p.sheet, p.cell, p.column): p for p in errors}
    assert where.keys() == {("Employees", "F5", "salary"), ("Facts", "C13", "calls")}
    assert where["Employees", "F5", "salary"].found == "-60000"
    assert where["Facts", "C13", "calls"].found == "a lot"
    assert "Employees!F5" in str(caught.value)
    report = kpi_reports.check(path)  # check returns the report rather than raising
    assert {(p.sheet, p.cell) for p in report.errors} == {("Employees", "F5"), ("Facts", "C13")}
    assert digest(path) == before


def test_library_compute_raises_invalid_workbook_naming_the_cell(example, write):
    put(example, "Schemes", "cap", None, scheme="farmer", kpi="cycle_days")
    put(example, "Facts", "cycle_days", 0, period=PERIOD, employee_id="E005")
    path = write(example)
    wb = kpi_reports.load(path)
    with pytest.raises(kpi_reports.InvalidWorkbook) as caught:
        kpi_reports.compute(wb, PERIOD)
    [problem] = caught.value.report.errors
    assert (problem.sheet, problem.cell, problem.column, problem.found) == ("Facts", "I16", "cycle_days", "0")


def test_library_rejects_a_bad_period_argument(example, write):
    wb = kpi_reports.load(write(example))
    with pytest.raises(kpi_reports.UsageError):
        kpi_reports.compute(wb, "October")


# --- --debug ------------------------------------------------------------------------------------------------------


def test_debug_shows_the_traceback(example, write):
    put(example, "Employees", "salary", -60000, employee_id="E002")
    path = write(example)
    before = digest(path)
    plain = subprocess.run([sys.executable, "-m", "kpi_reports", "run", str(path), "--period", PERIOD],
                           capture_output=True, text=True, check=False)
    debug = subprocess.run([sys.executable, "-m", "kpi_reports", "--debug", "run", str(path), "--period", PERIOD],
                           capture_output=True, text=True, check=False)
    assert plain.returncode == 1 and "Traceback" not in plain.stdout + plain.stderr
    assert "Employees!F5 (salary)" in plain.stderr
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr and "InvalidWorkbook" in debug.stderr
    assert digest(path) == before


def test_debug_in_the_test_runner_lets_the_exception_through(example, write):
    put(example, "Employees", "salary", -60000, employee_id="E002")
    path = write(example)
    result = CliRunner().invoke(main, ["--debug", "run", str(path), "--period", PERIOD])
    assert isinstance(result.exception, kpi_reports.InvalidWorkbook)


# --- Russian workbook ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sheet, column, ru_sheet, ru_column, value, where", [
    ("Employees", "salary", "Сотрудники", "оклад", -60000, {"employee_id": "E002"}),
    ("Facts", "calls", "Факты", "звонки", "много", {"period": PERIOD, "employee_id": "E002"}),
    ("Plans", "revenue", "Планы", "выручка", 0, {"period": PERIOD, "employee_id": "E002"}),
    ("Facts", "period", "Факты", "период", "2026-13", {"period": PERIOD, "employee_id": "E003"}),
    ("Employees", "employee_id", "Сотрудники", "табельный_номер", "E001", {"employee_id": "E002"}),
])
def test_russian_sheet_names_give_the_same_cell_names(example, write, sheet, column, ru_sheet, ru_column, value,
                                                       where):
    ru = example_data("ru", months=("2026-09", "2026-10"))
    ru_key = {"calls": "звонки", "revenue": "выручка"}.get(column, column)
    cell = put(example, sheet, column, value, **where)
    ru_cell = put(ru, sheet, ru_key, value, **where)
    assert cell == ru_cell
    en_path, ru_path = write(example, name="en.xlsx"), write(ru, lang="ru", name="ru.xlsx")
    assert_names(check(en_path, 1), sheet, cell, column, str(value))
    assert_names(check(ru_path, 1), ru_sheet, cell, ru_column, str(value), severity="ошибка")
    assert_names(run(ru_path, 1), ru_sheet, cell, ru_column, str(value), severity="ошибка")


def test_russian_workbook_names_the_same_cells_for_problems_found_while_computing(example, write):
    ru = example_data("ru", months=("2026-09", "2026-10"))
    cell = put(example, "TeamPlans", "call_to_meeting", None, period=PERIOD)
    assert put(ru, "TeamPlans", "конверсия_в_встречу", None, period=PERIOD) == cell == "C5"
    ru_path = write(ru, lang="ru", name="ru.xlsx")
    for output in (check(ru_path, 1), run(ru_path, 1)):
        assert_names(output, "ПланыКоманд", cell, "конверсия_в_встречу", "пуста", "Отдел продаж", severity="ошибка")


def test_russian_workbook_without_problems_is_clean(write):
    path = write(example_data("ru", months=("2026-09", "2026-10")), lang="ru")
    assert check(path, 0).strip() == "Проблем не найдено."


# --- the input is only read -----------------------------------------------------------------------------------------


def test_run_with_json_output_onto_the_input_does_not_touch_it_on_error(example, write):
    put(example, "Employees", "salary", -60000, employee_id="E002")
    path = write(example)
    result = invoke("run", path, "--period", PERIOD, "--json", str(path))
    assert result.exit_code == 1
