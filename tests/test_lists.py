"""The Deals, Calls and Activities lists, credited to people and months: the sample gives the typed sample's
figures to the kopeck, and each rule of crediting — paid stages, short and missed calls, other months, a Facts
cell typed by hand, matching a person, bad cells — behaves as the issue says."""
import datetime as dt
import json
import shutil
from decimal import Decimal

import pytest
import python_calamine
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.example_lists import lists_data
from kpi_reports.workbook.template import SheetData, write_workbook

from conftest import SAMPLES, digest

OCT = dt.datetime(2026, 10, 14, 11, 30)
SEP = dt.datetime(2026, 9, 20, 15, 0)


def book(tmp_path, deals=(), calls=(), activities=(), settings=(), blank=("calls", "deals", "revenue", "margin"),
         name="lists.xlsx", lang="en", months=(10,)):
    """The two-month example with Facts `blank` emptied in `months` (of 2026) and the lists given (canonical
    columns)."""
    data = example_data(lang, months=("2026-09", "2026-10"))
    facts = data.sheets["Facts"]
    for row in facts.rows:
        if row[0].month in months:
            for key in blank:
                row[facts.columns.index(key)] = None
    if deals:
        data.sheets["Deals"] = SheetData(["deal_id", "employee", "amount", "stage", "closed_on"], [list(d) for d in deals])
    if calls:
        data.sheets["Calls"] = SheetData(["employee", "date", "duration", "status"], [list(c) for c in calls])
    if activities:
        data.sheets["Activities"] = SheetData(["employee", "date", "type"], [list(a) for a in activities])
    data.sheets["Settings"].rows += [list(s) for s in settings]
    path = tmp_path / name
    write_workbook(path, data, lang)
    return path


def facts(path, period="2026-10", employee_id="E001"):
    wb, report = kpi_reports.api.read(path)
    return wb.facts.get((period, employee_id)), report


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# --- the sample -------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, name", [("en", "crm_lists.xlsx"), ("ru", "crm_lists_ru.xlsx")])
def test_committed_lists_sample_matches_the_generator(tmp_path, lang, name):
    fresh = tmp_path / name
    write_workbook(fresh, lists_data(lang), lang)
    read = python_calamine.CalamineWorkbook.from_path
    old, new = read(str(SAMPLES / name)), read(str(fresh))
    assert {s: old.get_sheet_by_name(s).to_python() for s in old.sheet_names} == {
        s: new.get_sheet_by_name(s).to_python() for s in new.sheet_names}, "rebuild with: python samples/build.py"


@pytest.mark.parametrize("lists, typed", [("crm_lists.xlsx", "sales_team.xlsx"),
                                          ("crm_lists_ru.xlsx", "sales_team_ru.xlsx")])
def test_the_crm_sample_pays_exactly_what_the_typed_sample_pays(tmp_path, lists, typed):
    got = {}
    for name in (lists, typed):
        out = tmp_path / f"{name}.json"
        assert cli("run", SAMPLES / name, "--period", "2026-10", "--dry-run", "--json", out).exit_code == 0
        got[name] = json.loads(out.read_text(encoding="utf-8"))
    credited = {p["employee_id"]: p.pop("credited") for p in got[lists]["employees"]}
    assert got[lists] == got[typed]
    ivanov = next(p for p in got[lists]["employees"] if p["employee_id"] == "E001")
    assert ivanov["total"] == "119800.00"
    assert len(credited["E001"]["deals"]) == 16 and credited["E001"]["calls"] == 950
    assert credited["E001"]["typed"] == []


def test_the_sample_lists_hold_deals_not_won_calls_too_short_and_missed_ones():
    wb = kpi_reports.load(SAMPLES / "crm_lists.xlsx")
    why = [r.reason for r in wb.credited.rows()]
    assert {"list_stage_not_paid", "list_call_short", "list_call_status", None} == set(why)


# --- crediting --------------------------------------------------------------------------------------

def test_only_deals_of_a_paid_stage_are_credited(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Closed - won", OCT), ("D2", "E001", 50000, "Negotiation", OCT),
                                 ("D3", "E001", 70000, "Closed - lost", OCT), ("D4", "E001", 30000, "Paid", OCT)])
    record, _ = facts(path)
    assert (record.get("deals"), record.get("revenue")) == (2, Decimal(130000))


def test_settings_paid_stages_replace_the_default_ones(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Closed - won", OCT), ("D2", "E001", 50000, "Invoice paid", OCT)],
                settings=[("paid_stages", "Invoice paid; Счёт оплачен")])
    record, _ = facts(path)
    assert (record.get("deals"), record.get("revenue")) == (1, Decimal(50000))


def test_calls_shorter_than_the_minimum_or_not_answered_are_not_counted(tmp_path):
    calls = [("E001", OCT, 45, "answered"), ("E001", OCT, "0:31", "answered"), ("E001", OCT, 29, "answered"),
             ("E001", OCT, 120, "missed"), ("E001", OCT, dt.time(0, 2, 5), "Отвечен")]
    record, _ = facts(book(tmp_path, calls=calls, settings=[("min_call_seconds", 30)]))
    assert record.get("calls") == 3


def test_a_row_of_another_month_is_credited_to_its_own_month(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", OCT), ("D2", "E001", 40000, "Won", SEP)],
                blank=("deals", "revenue"), months=(9, 10))
    october, _ = facts(path)
    september, _ = facts(path, "2026-09")
    assert (october.get("deals"), october.get("revenue")) == (1, Decimal(100000))
    assert (september.get("deals"), september.get("revenue")) == (1, Decimal(40000))


def test_a_person_with_list_rows_and_no_facts_row_needs_none(tmp_path):
    path = book(tmp_path, calls=[("H001", OCT, 60, "answered")])
    record, report = facts(path, employee_id="H001")
    assert record.get("calls") == 1 and not report.errors


def test_a_facts_cell_typed_by_hand_wins_with_a_warning_naming_both_places(tmp_path):
    path = book(tmp_path, calls=[("E001", OCT, 60, "answered")] * 3, blank=())
    record, report = facts(path)
    assert record.get("calls") == 950  # the typed cell
    warning = next(w for w in report.warnings if "typed by hand" in w.text("en"))
    assert (warning.sheet, warning.column) == ("Facts", "calls") and warning.cell.startswith("C")
    assert "950" in warning.text("en") and "3" in warning.text("en") and "Calls" in warning.text("en")


def test_a_month_the_list_covers_credits_zero_to_a_person_without_rows(tmp_path):
    record, _ = facts(book(tmp_path, calls=[("E002", OCT, 60, "answered")]))
    assert record.get("calls") == 0


# --- matching people --------------------------------------------------------------------------------

def test_people_are_matched_by_id_email_or_name_in_any_order_case_and_yo(tmp_path):
    calls = [("E001", OCT, 60, "answered"), ("e001@EXAMPLE.com", OCT, 60, "answered"),
             ("ivanov  ivan", OCT, 60, "answered"), ("IVAN IVANOV", OCT, 60, "answered")]
    record, report = facts(book(tmp_path, calls=calls))
    assert record.get("calls") == 4 and not report.errors


def test_a_russian_name_is_matched_without_its_patronymic_and_with_yo(tmp_path):
    calls = [("Пётр Петров", OCT, 60, "отвечен"), ("Петров Петр Сергеевич", OCT, 60, "отвечен")]
    path = book(tmp_path, calls=calls, lang="ru", blank=())
    wb, report = kpi_reports.api.read(path)
    assert not report.errors
    assert wb.credited.values[("2026-10", "E002")]["звонки"] == 2


def test_a_name_matching_nobody_is_an_error_at_its_cell_with_the_closest_names(tmp_path):
    _, report = facts(book(tmp_path, calls=[("E001", OCT, 60, "answered"), ("Ivan Ivanof", OCT, 60, "answered")]))
    error = next(e for e in report.errors if e.sheet == "Calls")
    assert error.cell == "A5" and error.column == "employee"
    assert "Ivan Ivanov (E001)" in error.text("en")


def test_a_name_two_people_share_is_an_error_naming_both(tmp_path):
    data = example_data("en", months=("2026-10",))
    employees = data.sheets["Employees"]
    twin = list(employees.rows[1])
    twin[0], twin[1], twin[9] = "E009", "Ivan Ivanov", "e009@example.com"
    employees.rows.append(twin)
    data.sheets["Calls"] = SheetData(["employee", "date", "duration"], [["Ivan Ivanov", OCT, 60]])
    path = tmp_path / "twins.xlsx"
    write_workbook(path, data, "en")
    _, report = kpi_reports.api.read(path)
    error = next(e for e in report.errors if e.sheet == "Calls")
    assert error.cell == "A4" and "E001" in error.text("en") and "E009" in error.text("en")


def test_a_row_of_a_person_outside_their_months_is_a_warning_and_not_counted(tmp_path):
    data = example_data("en", months=("2026-09", "2026-10"))
    employees = data.sheets["Employees"]
    employees.columns.append("until")
    for row in employees.rows:
        row.append("2026-09" if row[0] == "E004" else None)
    data.sheets["Facts"].rows[:] = [r for r in data.sheets["Facts"].rows if not (r[1] == "E004" and r[0].month == 10)]
    data.sheets["Plans"].rows[:] = [r for r in data.sheets["Plans"].rows if not (r[1] == "E004" and r[0] == "2026-10")]
    data.sheets["Calls"] = SheetData(["employee", "date", "duration"], [["E004", OCT, 60], ["E001", OCT, 60]])
    path = tmp_path / "leaver.xlsx"
    write_workbook(path, data, "en")
    wb, report = kpi_reports.api.read(path)
    assert not report.errors and ("2026-10", "E004") not in wb.credited.values
    warning = next(w for w in report.warnings if w.sheet == "Calls")
    assert warning.cell == "A4" and "E004" in warning.text("en") and "2026-10" in warning.text("en")


# --- bad cells --------------------------------------------------------------------------------------

def test_every_bad_cell_is_one_problem_all_at_once_and_nothing_is_written(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", "a lot", "Won", OCT), ("D2", "E001", 5000, "Won", "yesterday")],
                calls=[("E001", "soon", 60, "answered"), ("E001", OCT, "long", "answered")])
    before = digest(path)
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    for cell in ("Deals!C4", "Deals!E5", "Calls!B4", "Calls!C5"):
        sheet, ref = cell.split("!")
        assert f"{sheet}" in result.output and ref in result.output, cell
    _, report = kpi_reports.api.read(path)
    assert {(e.sheet, e.cell) for e in report.errors} == {("Deals", "C4"), ("Deals", "E5"), ("Calls", "B4"),
                                                          ("Calls", "C5")}
    assert digest(path) == before


def test_a_deal_credited_twice_is_an_error_naming_both_rows(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", OCT), ("D2", "E001", 5, "Won", OCT),
                                 ("D1", "E001", 100000, "Won", OCT)])
    _, report = kpi_reports.api.read(path)
    error = next(e for e in report.errors if e.sheet == "Deals")
    assert error.cell == "A6" and "row 4" in error.text("en")


def test_a_deals_list_without_a_date_column_says_which_columns_it_has(tmp_path):
    data = example_data("en", months=("2026-10",))
    data.sheets["Deals"] = SheetData(["employee", "amount", "stage"], [["E001", 100, "Won"]])
    path = tmp_path / "nodate.xlsx"
    write_workbook(path, data, "en")
    _, report = kpi_reports.api.read(path)
    error = next(e for e in report.errors if e.sheet == "Deals")
    assert "closed" in error.text("en") and "stage" in error.text("en")


# --- the outputs ------------------------------------------------------------------------------------

def test_json_lists_the_deals_credited_and_the_calls_counted(tmp_path):
    path = book(tmp_path, deals=[("D-17", "E001", 100000, "Won", OCT), ("D-18", "E001", 1, "Lost", OCT)],
                calls=[("E001", OCT, 60, "answered")] * 2)
    out = tmp_path / "run.json"
    assert cli("run", path, "--period", "2026-10", "--dry-run", "--json", out).exit_code == 0
    ivanov = next(p for p in json.loads(out.read_text())["employees"] if p["employee_id"] == "E001")
    assert ivanov["credited"]["deals"] == ["D-17"] and ivanov["credited"]["calls"] == 2
    assert ivanov["credited"]["metrics"]["revenue"] == "100000"


def test_run_credited_adds_a_sheet_saying_why_each_row_counted_or_not(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", OCT), ("D2", "E001", 5, "Negotiation", OCT),
                                 ("D3", "E001", 7, "Won", SEP)],
                calls=[("E001", OCT, 5, "answered")], settings=[("min_call_seconds", 10)])
    out = tmp_path / "out.xlsx"
    assert cli("run", path, "--period", "2026-10", "--credited", "--out", out).exit_code == 0
    rows = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Credited 2026-10").to_python()
    outcome = {(r[0], r[2] or r[1]): r[8] for r in rows[1:]}
    assert outcome[("Deals", "D1")] == "counted"
    assert "Negotiation" in outcome[("Deals", "D2")] and "not a paid" in outcome[("Deals", "D2")]
    assert outcome[("Deals", "D3")] == "counted in 2026-09, not in this month"
    assert "shorter" in next(v for (sheet, _), v in outcome.items() if sheet == "Calls")
    assert rows[1][4] == "Ivan Ivanov (E001)"


def test_the_payslip_fact_of_a_credited_kpi_is_a_live_formula_with_its_value_cached(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", OCT), ("D2", "E001", 50000, "Closed - won", OCT)],
                calls=[("E001", OCT, 60, "answered"), ("Ivan Ivanov", OCT, 60, "answered")])
    out = path
    assert cli("run", path, "--period", "2026-10").exit_code == 0
    import openpyxl
    sheet = openpyxl.load_workbook(out)["Payslips 2026-10"]
    formulas = {}
    for r in range(1, 40):  # Ivanov's block comes first
        formulas.setdefault(sheet.cell(r, 1).value, sheet.cell(r, 4).value)
    revenue, calls = formulas["Revenue"], formulas["Successful calls"]
    assert revenue.startswith("=(SUMIFS('Deals'!$C:$C,") and revenue.count("SUMIFS(") == 2  # one per paid stage
    assert '"=Closed - won"' in revenue and '"=Won"' in revenue and '">="&DATE(2026,10,1)' in revenue
    assert "{" not in revenue + calls and "SUMPRODUCT" not in revenue + calls  # no array: Gnumeric sums them too
    assert calls.startswith("=(COUNTIFS('Calls'!$A:$A,\"=E001\",") and '"=Ivan Ivanov"' in calls
    cached = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Payslips 2026-10").to_python()
    values = {}
    for row in cached:
        values.setdefault(row[0], row[3])
    assert values["Revenue"] == 150000 and values["Successful calls"] == 2


def test_a_facts_value_typed_as_text_is_shown_as_a_value_not_a_formula(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", "100 000", "Won", OCT)])
    out = path
    assert cli("run", path, "--period", "2026-10").exit_code == 0
    import openpyxl
    sheet = openpyxl.load_workbook(out)["Payslips 2026-10"]
    revenue = next(sheet.cell(r, 4).value for r in range(1, 40) if sheet.cell(r, 1).value == "Revenue")
    assert revenue == 100000


def test_libreoffice_recalculates_the_list_formulas_to_their_cached_values(tmp_path, soffice):
    out = tmp_path / "sample.xlsx"
    shutil.copyfile(SAMPLES / "crm_lists.xlsx", out)
    assert cli("run", out, "--period", "2026-10").exit_code == 0
    import openpyxl
    written = openpyxl.load_workbook(out)["Payslips 2026-10"]
    live = [(r, c) for r in range(1, written.max_row + 1) for c in range(1, 9)
            if str(written.cell(r, c).value).startswith(("=COUNTIFS", "=SUMIFS", "=(COUNTIFS", "=(SUMIFS", "=(("))]
    assert len(live) >= 8 * 2  # every manager's calls or meetings, and revenue at least
    cached = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Payslips 2026-10").to_python()
    recalculated = soffice(out, "xlsx")
    again = python_calamine.CalamineWorkbook.from_path(str(recalculated)).get_sheet_by_name(
        "Payslips 2026-10").to_python()
    for r, c in live:
        assert again[r - 1][c - 1] == pytest.approx(cached[r - 1][c - 1], abs=0.005), (r, c)
    totals = [i for i, row in enumerate(cached) if row[0] == "Total"]
    assert [again[i][7] for i in totals] == pytest.approx([cached[i][7] for i in totals], abs=0.005)


def test_a_closed_month_sees_a_deal_added_to_its_list(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", SEP)], blank=("deals", "revenue"), months=(9,))
    assert cli("close", path, "--period", "2026-09", "--by", "Accountant").exit_code == 0
    wb = kpi_reports.load(path, periods=["2026-10"])
    assert kpi_reports.api.corrections(wb, "2026-10") == {}
    import openpyxl
    workbook = openpyxl.load_workbook(path)
    workbook["Deals"].append(["D2", "E001", 900000, "Won", SEP])
    workbook.save(path)
    wb = kpi_reports.load(path, periods=["2026-10"])
    assert "E001" in kpi_reports.api.corrections(wb, "2026-10")


def test_a_new_workbook_of_the_sheets_alone_keeps_the_list_facts_as_values(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", OCT)])
    out = tmp_path / "out.xlsx"
    assert cli("run", path, "--period", "2026-10", "--out", out).exit_code == 0
    import openpyxl
    sheet = openpyxl.load_workbook(out)["Payslips 2026-10"]
    revenue = next(sheet.cell(r, 4).value for r in range(1, 40) if sheet.cell(r, 1).value == "Revenue")
    assert revenue == 100000  # the Deals sheet is not in it


def test_gnumeric_recalculates_the_list_formulas_of_two_spellings_and_two_stages_to_their_cached_values(tmp_path):
    import subprocess

    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", OCT), ("D2", "E001", 50000, "Closed - won", OCT)],
                calls=[("E001", OCT, 60, "answered"), ("Ivan Ivanov", OCT, 60, "answered")])
    assert cli("run", path, "--period", "2026-10").exit_code == 0
    program = shutil.which("ssconvert")
    assert program, "Gnumeric is needed: apt-get install gnumeric (.ci/run installs it)"
    again = tmp_path / "gnumeric.xlsx"
    subprocess.run([program, "--recalc", str(path), str(again)], check=True, capture_output=True, timeout=180)
    read = python_calamine.CalamineWorkbook.from_path
    ours = read(str(path)).get_sheet_by_name("Payslips 2026-10").to_python()
    theirs = read(str(again)).get_sheet_by_name("Payslips 2026-10").to_python()
    assert ours[5][3] == 150000 and ours[8][3] == 2  # Ivanov's revenue and calls, as credited
    for r, (mine, gnumerics) in enumerate(zip(ours, theirs, strict=True)):
        for c, (x, y) in enumerate(zip(mine, gnumerics, strict=True)):
            assert abs(x - y) < 0.005 if isinstance(x, float) and isinstance(y, float) else x == y, (r, c, x, y)


def test_a_person_with_rows_in_one_list_only_did_none_of_the_others(tmp_path):
    path = book(tmp_path, deals=[("D1", "E001", 100000, "Won", OCT)], calls=[("H001", OCT, 60, "answered")])
    wb, report = kpi_reports.api.read(path)
    assert not report.errors
    assert wb.credited.values[("2026-10", "H001")] == {"calls": 1, "deals": 0, "revenue": 0}


def test_a_name_in_a_live_formula_matches_itself_alone_wildcards_and_quotes_escaped():
    from kpi_reports.layout.model import exact_criterion

    assert exact_criterion('Ivan "Jr" *?~') == '"=Ivan ""Jr"" ~*~?~~"'
    assert exact_criterion("x" * 300) is None
