"""A Google spreadsheet read as the standard workbook: the tabs' values of one values:batchGet go through
the .xlsx path's reader and checks, so the same content gives the same `Workbook`, the same pay and the
same problems — each naming the tab and the A1 cell.

The spreadsheets here are what Sheets answers for a workbook uploaded to it: `as_sheets` reads a
workbook written by the template writer and gives the metadata and the values:batchGet response the API
would (UNFORMATTED_VALUE, dates as FORMATTED_STRING: the sample's `yyyy-mm` month cells read `2026-10`;
whole numbers as JSON integers; trailing empty cells and rows left out).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal

import pytest
import python_calamine

import kpi_reports
from kpi_reports.gsheets.source import (
    input_ranges,
    read_spreadsheet_tables,
    read_workbook,
    sheet_rows,
    split_range,
)
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.reader import read_tables
from kpi_reports.workbook.validate import validate

from conftest import put

PERIOD = "2026-10"


def shown(value):
    """A cell as the API gives it: a date as its `yyyy-mm` format shows it, a whole number as an integer."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def trimmed(rows: list[list]) -> list[list]:
    """Rows as the API sends them: no trailing empty cells, no trailing empty rows."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def tabs_of(path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: trimmed([[shown(v) for v in row] for row in book.get_sheet_by_name(name).to_python(
        skip_empty_area=False)]) for name in book.sheet_names}


def spreadsheet(tabs: dict[str, list[list]], locale: str = "en_US", extra_tabs=()) -> tuple[dict, dict]:
    """The metadata and the values:batchGet response (for `input_ranges`) of a spreadsheet with `tabs`."""
    titles = [*tabs, *extra_tabs]
    metadata = {"spreadsheetId": "key", "properties": {"title": "Team", "locale": locale},
                "sheets": [{"properties": {"sheetId": 100 + i, "title": t, "index": i, "sheetType": "GRID",
                                           "gridProperties": {"rowCount": 1000, "columnCount": 26}}}
                           for i, t in enumerate(titles)]}
    ranges = input_ranges(metadata)
    value_ranges = []
    for asked in ranges:
        title, _ = split_range(asked)
        values = tabs.get(title, [])
        got = {"range": f"{asked}!A1:Z1000", "majorDimension": "ROWS"}
        if values:
            got["values"] = values
        value_ranges.append(got)
    response = json.loads(json.dumps({"spreadsheetId": "key", "valueRanges": value_ranges}))  # as JSON gives it
    return metadata, response


def as_sheets(path, locale: str = "en_US", extra_tabs=()) -> tuple[dict, dict]:
    return spreadsheet(tabs_of(path), locale, extra_tabs)


def both(path, **kwargs):
    """(workbook, report) read from the file and from the same content as a spreadsheet."""
    tables, report = read_tables(path)
    from_file = validate(tables, report, source="x")
    from_sheets, sheets_report = read_workbook(*as_sheets(path, **kwargs), source="x")
    return (from_file, report), (from_sheets, sheets_report)


def comparable(wb):
    """The workbook with each KPI formula as its text (a parsed tree compares by identity)."""
    return replace(wb, kpis={k: replace(v, formula=v.formula and v.formula.text) for k, v in wb.kpis.items()})


def rendered(report) -> list[str]:
    return [p.render("en") for p in report.problems]


# --- the same content, the same workbook and pay ---------------------------------------------------------


def test_a_spreadsheet_gives_the_workbook_the_same_data_as_xlsx_gives(example, write):
    (from_file, report), (from_sheets, sheets_report) = both(write(example))
    assert not report.problems and not sheets_report.problems
    assert comparable(from_sheets) == comparable(from_file)
    file_pay, sheets_pay = kpi_reports.compute(from_file, PERIOD), kpi_reports.compute(from_sheets, PERIOD)
    assert sheets_pay == file_pay
    ivanov = next(p for p in sheets_pay.employees if p.employee.employee_id == "E001")
    assert ivanov.total == Decimal("119800.00")
    assert (ivanov.salary, ivanov.bonus, ivanov.commission.amount) == (Decimal(60000), Decimal("58000.00"), Decimal("1800.00"))


def test_the_russian_workbook_reads_the_same_from_russian_tab_names(write):
    data = example_data("ru", months=("2026-09", "2026-10"))
    path = write(data, lang="ru")
    (from_file, _), (from_sheets, sheets_report) = both(path, locale="ru_RU")
    assert from_sheets.employees and not sheets_report.errors
    assert "Факты" in input_ranges(as_sheets(path)[0])[5]
    assert comparable(from_sheets) == comparable(from_file)
    assert kpi_reports.compute(from_sheets, PERIOD) == kpi_reports.compute(from_file, PERIOD)


def test_only_the_input_tabs_are_asked_for_and_never_the_generated_ones(example, write):
    metadata, _ = as_sheets(write(example), extra_tabs=("Payslips 2026-10", "Summary 2026-10", "Problems 2026-10",
                                                        "Review 2026-Q4", "My notes", "facts"))
    assert input_ranges(metadata) == ["'Employees'", "'KPIs'", "'Schemes'", "'Plans'", "'TeamPlans'", "'Facts'",
                                      "'Settings'"]


def test_a_tab_title_with_a_quote_is_quoted_as_a1_wants_and_read_back():
    metadata = {"sheets": [{"properties": {"title": "Bob's Facts", "index": 0}},
                           {"properties": {"title": "Facts", "index": 1}},
                           {"properties": {"title": "Chart", "index": 2, "sheetType": "OBJECT"}}]}
    assert input_ranges(metadata) == ["'Facts'"]
    assert split_range("'Bob''s Facts'!A1:C3") == ("Bob's Facts", "A1:C3")
    assert split_range("Facts!B2") == ("Facts", "B2")
    assert split_range("'A!B'") == ("A!B", "")


def test_tab_titles_are_matched_like_sheet_names_in_any_case_and_spacing(example, write):
    tabs = tabs_of(write(example))
    tabs = {{"TeamPlans": "Team plans", "Facts": "FACTS", "Employees": "employees"}.get(k, k): v
            for k, v in tabs.items()}
    wb, report = read_workbook(*spreadsheet(tabs))
    assert not report.errors, rendered(report)
    assert wb.team_plans and wb.facts and wb.employees
    assert {r.sheet for r in wb.facts.values()} == {"FACTS"}


# --- problems name the tab and the A1 cell, exactly as for the file -------------------------------------


def test_a_bad_facts_cell_is_named_by_tab_and_cell_as_in_the_file(example, write):
    cell = put(example, "Facts", "calls", "lots", period="2026-10", employee_id="E002")
    (_, report), (_, sheets_report) = both(write(example))
    assert rendered(sheets_report) == rendered(report)
    bad = sheets_report.errors
    assert len(bad) == 1 and (bad[0].sheet, bad[0].cell, bad[0].column) == ("Facts", cell, "calls")
    assert str(bad[0]) == f"Facts!{cell} (calls): wrong value: expected a number such as 3 000 000, 142 500 ₽, 2,1% or 0.021, found 'lots'"


def test_many_problems_read_the_same_from_a_spreadsheet_as_from_the_file(example, write):
    put(example, "Employees", "salary", -5, employee_id="E002")
    put(example, "Employees", "scheme", "nobody", employee_id="E003")
    put(example, "Plans", "revenue", 0, period="2026-10", employee_id="E004")
    put(example, "Facts", "period", "Octember", employee_id="E005")
    put(example, "Facts", "employee_id", "E999", period="2026-09", employee_id="E006")
    put(example, "Schemes", "weight", 0.5, scheme="hunter", kpi="revenue")
    put(example, "Facts", "Calls", 5)  # a second calls column
    (_, report), (_, sheets_report) = both(write(example))
    assert len(report.errors) >= 7
    assert rendered(sheets_report) == rendered(report)


def test_a_missing_tab_is_named_with_the_tabs_of_the_spreadsheet(example, write):
    del example.sheets["Schemes"]
    _, report = read_workbook(*as_sheets(write(example), extra_tabs=("Notes",)))
    assert [str(p) for p in report.errors] == [
        ("Schemes: missing sheet: expected a sheet named Schemes or Схемы. Tabs in the spreadsheet: Employees, KPIs, "
         "Plans, TeamPlans, Facts, Settings, Notes.")]


def test_an_error_value_of_a_formula_is_reported_at_its_cell():
    tabs = _small()
    tabs["Facts"][1][2] = "#DIV/0!"  # what UNFORMATTED_VALUE gives for a formula's error
    _, report = read_workbook(*spreadsheet(tabs))
    assert [(p.sheet, p.cell, p.found) for p in report.errors] == [("Facts", "C2", "#DIV/0!")]


# --- headers, dates, ragged rows ----------------------------------------------------------------------


def _small(header_at: int = 0) -> dict[str, list[list]]:
    """A one-person spreadsheet with its headers in row `header_at + 1` (0: the first row)."""
    title = [["A title"], []][:header_at] + [[] for _ in range(max(0, header_at - 2))]
    return {
        "Employees": title + [["employee_id", "name", "team", "scheme", "salary", "bonus_target"],
                              ["E1", "Ann", "North", "s", 50000, 10000]],
        "KPIs": title + [["kpi", "title", "group"], ["revenue", "Revenue", "result"]],
        "Schemes": title + [["scheme", "kpi", "weight"], ["s", "revenue", 1]],
        "Plans": title + [["period", "employee_id", "revenue"], ["2026-10", "E1", 1000]],
        "Facts": title + [["period", "employee_id", "revenue"], ["2026-10", "E1", 900]],
    }


@pytest.mark.parametrize("header_at", [0, 1, 4, 9])
def test_the_header_row_may_be_any_of_the_first_ten(header_at):
    tabs = _small(header_at)
    tabs["Facts"][header_at + 1][2] = "n/a"
    wb, report = read_workbook(*spreadsheet(tabs))
    assert [(p.sheet, p.cell) for p in report.errors] == [("Facts", f"C{header_at + 2}")]
    assert wb.employees["E1"].salary == 50000 and wb.kpis["revenue"].group == "result"


def test_a_header_below_the_tenth_row_is_not_found():
    tabs = _small()
    tabs["Facts"] = [[]] * 10 + tabs["Facts"]
    _, report = read_workbook(*spreadsheet(tabs))
    assert [(p.sheet, str(p.message)) for p in report.errors] == [("Facts", "no header row in the first 10 rows")]


@pytest.mark.parametrize("shown_as, locale", [
    ("2026-10", "en_US"), ("2026-10-01", "en_US"), ("01.10.2026", "ru_RU"), ("10.2026", "ru_RU"),
    ("10/2026", "en_US"), ("10/1/2026", "en_US"), ("10/31/2026", "en_US"), ("01/10/2026", "en_GB"),
    ("31/10/2026", "ru_RU"), ("10/1/2026 0:00:00", "en_US"),
])
def test_a_month_cell_reads_as_sheets_shows_it(shown_as, locale):
    tabs = _small()
    tabs["Facts"][1][0] = tabs["Plans"][1][0] = shown_as
    wb, report = read_workbook(*spreadsheet(tabs, locale=locale))
    assert not report.errors, rendered(report)
    assert wb.periods == ["2026-10"] and ("2026-10", "E1") in wb.facts


def test_a_slashed_date_that_is_no_date_in_the_locale_is_a_bad_period_at_its_cell():
    tabs = _small()
    tabs["Facts"][1][0] = "10/31/2026"  # month first, in a day-first locale
    _, report = read_workbook(*spreadsheet(tabs, locale="en_GB"))
    assert [(p.sheet, p.cell, p.found) for p in report.errors] == [("Facts", "A2", "10/31/2026")]


def test_holidays_typed_as_dates_in_settings_are_read():
    tabs = _small()
    tabs["Settings"] = [["key", "value"], ["holidays", "11/4/2026"], ["workdays", "2026-11-07"]]
    wb, report = read_workbook(*spreadsheet(tabs))
    assert not report.errors, rendered(report)
    assert wb.settings.holidays == frozenset({dt.date(2026, 11, 4)})
    assert wb.settings.workdays == frozenset({dt.date(2026, 11, 7)})


def test_ragged_rows_read_as_a_rectangle_with_empty_cells():
    tabs = _small()
    tabs["Employees"] = [["employee_id", "name", "team", "scheme", "salary", "bonus_target", "commission_rate",
                          "email"],
                         ["E1", "Ann", "North", "s", 50000, 10000],  # trailing cells left out
                         [],  # an empty row in between
                         ["E2", "Bob", "North", "s", 40000, 8000, 0.02, "bob@example.com"],
                         ["E3", "", "North", "s", 1, 1]]  # an empty cell in the middle
    tabs["Plans"].append(["2026-10", "E2"])
    tabs["Facts"].append(["2026-10", "E2", 100])
    wb, report = read_workbook(*spreadsheet(tabs))
    assert [(p.sheet, p.cell, p.column) for p in report.errors] == [("Employees", "B5", "name")]
    assert wb.employees["E1"].commission_rate == 0 and wb.employees["E1"].email == ""
    assert wb.employees["E2"].commission_rate == Decimal("0.02")
    assert wb.plans[("2026-10", "E2")].values == {"revenue": None}
    assert ("2026-10", "E2") in wb.facts


def test_a_missing_header_column_names_the_header_row_as_in_the_file():
    tabs = _small()
    tabs["Facts"] = [["period", "revenue"], ["2026-10", 900, "", "x"]]
    _, report = read_workbook(*spreadsheet(tabs))
    assert [(p.sheet, p.cell) for p in report.errors] == [("Facts", "A1:D1")]


def test_rows_of_a_value_range_are_those_calamine_gives():
    assert sheet_rows([["a"], [], [1, 2.5, True, "x"]]) == [["a", "", "", ""], ["", "", "", ""],
                                                            [1.0, 2.5, True, "x"]]
    assert sheet_rows([[7]], start=(1, 2)) == [["", "", ""], ["", "", 7.0]]
    assert type(sheet_rows([[3]])[0][0]) is float
    assert sheet_rows([]) == []


def test_a_value_range_not_starting_at_a1_is_placed_where_it_is():
    tabs = _small()
    metadata, response = spreadsheet(tabs)
    facts = next(r for r in response["valueRanges"] if r["range"].startswith("'Facts'"))
    facts["range"] = "'Facts'!B3:D4"
    facts["values"] = [["period", "employee_id", "revenue"], ["2026-10", "E1", "bad"]]
    _, report = read_workbook(metadata, response)
    assert [(p.sheet, p.cell) for p in report.errors] == [("Facts", "D4")]


def test_tables_come_from_the_response_list_as_well_and_an_absent_tab_reads_as_empty():
    tabs = _small()
    metadata, response = spreadsheet(tabs)
    tables, report = read_spreadsheet_tables(metadata, response["valueRanges"][:4])  # Facts not answered
    assert set(tables) == {"Employees", "KPIs", "Schemes", "Plans"}
    assert [(p.sheet, str(p.message)) for p in report.errors] == [("Facts", "no header row in the first 10 rows")]
