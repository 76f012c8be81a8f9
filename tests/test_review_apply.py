"""`review --apply` and `sheets --apply-review`: the review's weights written into the user's own Schemes
sheet as a new version of each changed scheme from the next quarter's first month — rows that look like
the ones above, every other part of the file byte-identical, applying twice adds nothing — and the months
before keep their pay to the kopeck."""
from __future__ import annotations

import re
import shutil
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

import kpi_reports
from kpi_reports.apply import apply_review
from kpi_reports.cli import main
from kpi_reports.gsheets import client
from kpi_reports.gsheets.source import SpreadsheetTabs
from kpi_reports.problems import FileProblem
from kpi_reports.render.xlsx import append

from conftest import SAMPLES
from support import sheets_fake
from support.workbooks import spreadsheet_tabs

QUARTER = "2026-Q4"
SUGGESTED = {"hunter": {"revenue": D("0.45"), "avgcheck": D("0.15"), "calltomeeting": D("0.2"), "calls": D("0.2")},
             "head": {"revenue": D("0.55"), "margin": D("0.2"), "calltomeeting": D("0.15"), "avgcheck": D("0.1")}}
"""What the review of 2026-Q4 suggests for the sample once average check counts as too easy from 60% on
(farmer keeps its weights)."""
BEFORE = {"hunter": {"revenue": D("0.4"), "avgcheck": D("0.2"), "calltomeeting": D("0.2"), "calls": D("0.2")},
          "head": {"revenue": D("0.5"), "margin": D("0.2"), "calltomeeting": D("0.15"), "avgcheck": D("0.15")}}
SCHEMES = "xl/worksheets/sheet3.xml"
FIRST_NEW, LAST_NEW = 17, 24
"""The sample's Schemes rows end at 16: hunter's new version is rows 17–20, head's 21–24."""


def review(*args: str):
    return CliRunner().invoke(main, ["review", *args, "--quarter", QUARTER, "--lang", "en"])


def reviewable(tmp_path: Path, name: str = "team.xlsx", sample: str = "sales_team.xlsx",
               key: str = "review_too_easy", edit=None) -> Path:
    """A copy of the bundled sample whose review changes two schemes' weights (a KPI at or above 100% for 60%
    of person-months is too easy), saved by openpyxl; `edit(book)` changes it more before it is saved."""
    book = openpyxl.load_workbook(SAMPLES / sample)
    book.worksheets[6].append([key, 0.6])
    if edit:
        edit(book)
    book.save(tmp_path / name)
    return tmp_path / name


def parts(path: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every part's bytes, CRC and stored size."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.CRC, i.compress_size) for i in z.infolist()}


def weights(wb, period: str, scheme: str) -> dict[str, D]:
    return {line.kpi: line.weight for line in wb.in_force(period).schemes[scheme]}


def totals(path: Path, period: str) -> dict[str, D]:
    result = kpi_reports.compute(kpi_reports.load(path), period)
    return {e.employee.employee_id: e.total for e in result.employees}


# --- the file ------------------------------------------------------------------------------------------------

def test_apply_appends_a_version_from_next_quarter_with_the_suggested_weights_and_pay_before_stays(tmp_path):
    path = reviewable(tmp_path)
    before, october = parts(path), totals(path, "2026-10")
    done = review(str(path), "--apply")
    assert done.exit_code == 0, done.output
    assert "hunter: a new version from 2027-01, rows 17–20" in done.output
    assert "revenue: 40% → 45% (row 17, the other cells copied from row 4)" in done.output
    assert "farmer: the weights stay as they are; nothing to add" in done.output
    assert "8 row(s) added to Schemes" in done.output

    wb = kpi_reports.load(path)
    for scheme, suggested in SUGGESTED.items():
        assert weights(wb, "2027-01", scheme) == suggested
        assert weights(wb, "2026-12", scheme) == BEFORE[scheme]
    assert wb.in_force("2027-01").schemes["farmer"] == wb.in_force("2026-12").schemes["farmer"]
    assert totals(path, "2026-10") == october and october["E001"] == D("119800.00")
    assert not kpi_reports.check(path).errors

    after = parts(path)
    assert after.keys() == before.keys()
    assert {n: p for n, p in after.items() if n != SCHEMES} == {n: p for n, p in before.items() if n != SCHEMES}


def test_after_apply_the_next_quarters_first_month_pays_by_the_new_weights_and_earlier_months_as_before(tmp_path):
    path = reviewable(tmp_path)
    december = kpi_reports.run(path, kpi_reports.Options(period="2026-12")).report.result
    assert review(str(path), "--apply").exit_code == 0

    book = openpyxl.load_workbook(path)  # January's plans and facts: December's figures again
    for sheet in (book["Plans"], book["TeamPlans"], book["Facts"]):
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
        for row in rows:
            if str(row[0]).startswith("2026-12"):
                sheet.append(["2027-01", *row[1:]])
    book.save(path)

    january = kpi_reports.run(path, kpi_reports.Options(period="2027-01")).report.result
    again = kpi_reports.run(path, kpi_reports.Options(period="2026-12")).report.result
    assert again.employees == december.employees and again.totals == december.totals
    schemes = {e.employee.employee_id: e.employee.scheme for e in january.employees}
    for result in january.employees:
        paid = {k.kpi.replace("_", ""): k.weight for k in result.kpis}
        assert paid == SUGGESTED.get(schemes[result.employee.employee_id], paid)
    ivanov = next(e for e in january.employees if e.employee.employee_id == "E001")
    same = next(e for e in december.employees if e.employee.employee_id == "E001")
    assert [k.completion for k in ivanov.kpis] == [k.completion for k in same.kpis]  # the same figures…
    assert ivanov.bonus != same.bonus  # …paid by other weights


def test_the_new_rows_copy_their_lines_cells_and_styles_and_the_from_column_is_added(tmp_path):
    path = reviewable(tmp_path)
    assert review(str(path), "--apply").exit_code == 0
    sheet = openpyxl.load_workbook(path)["Schemes"]
    assert sheet.max_row == LAST_NEW and sheet["H3"].value == "from"
    assert sheet["H3"].style_id == sheet["G3"].style_id and sheet["H3"].font.b
    assert [sheet.cell(r, 8).value for r in range(4, FIRST_NEW)] == [None] * 13  # always, as before
    sources = [4, 5, 6, 7, 13, 14, 15, 16]
    for row, source in zip(range(FIRST_NEW, LAST_NEW + 1), sources):
        new, old = [c for c in sheet[row]], [c for c in sheet[source]]
        assert [c.value for c in new[:2]] == [c.value for c in old[:2]]  # scheme, KPI
        assert [c.value for c in new[3:7]] == [c.value for c in old[3:7]]  # cutoff, accelerator, cap, scope
        assert [(c.style_id, c.number_format) for c in new[:7]] == [(c.style_id, c.number_format) for c in old[:7]]
        assert new[2].number_format == sheet.cell(row - 1, 3).number_format == "0.0%"
        assert new[7].value == "2027-01"
    assert [sheet.cell(r, 3).value for r in range(FIRST_NEW, LAST_NEW + 1)] == [
        0.45, 0.15, 0.2, 0.2, 0.55, 0.2, 0.15, 0.1]
    assert sheet.calculate_dimension() == f"A1:H{LAST_NEW}"
    assert re.search(rb'<dimension ref="A1:H24" ?/>', zipfile.ZipFile(path).read(SCHEMES))


def test_a_dry_run_prints_the_rows_and_leaves_the_file_byte_identical(tmp_path):
    path = reviewable(tmp_path)
    before = path.read_bytes()
    done = review(str(path), "--apply", "--dry-run")
    assert done.exit_code == 0, done.output
    assert "avg_check: 15% → 10% (row 24, the other cells copied from row 16)" in done.output
    assert "dry run: 8 row(s) would be added to Schemes; nothing was written" in done.output
    assert path.read_bytes() == before


def test_applying_twice_adds_nothing_the_second_time(tmp_path):
    path = reviewable(tmp_path)
    assert review(str(path), "--apply").exit_code == 0
    once = path.read_bytes()
    again = review(str(path), "--apply")
    assert again.exit_code == 0, again.output
    assert "hunter: the version from 2027-01 with these weights is there already (rows 17–20)" in again.output
    assert "nothing to add to Schemes; the file is unchanged" in again.output
    assert path.read_bytes() == once


def test_backup_keeps_the_previous_file(tmp_path):
    path = reviewable(tmp_path)
    before = path.read_bytes()
    done = review(str(path), "--apply", "--backup")
    assert done.exit_code == 0 and "team.bak.xlsx" in done.output
    assert (tmp_path / "team.bak.xlsx").read_bytes() == before != path.read_bytes()


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path):
    path = reviewable(tmp_path)
    planned = apply_review(path, QUARTER, dry_run=True).plan
    before = path.read_bytes()
    with pytest.raises(FileProblem, match="changed while the tool was running"):
        append.write_rows(path, planned, read_as=(0, 0))
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["team.xlsx"]


def test_the_sample_as_it_is_gets_nothing_since_its_review_keeps_every_weight(tmp_path):
    path = tmp_path / "team.xlsx"
    shutil.copy(SAMPLES / "sales_team.xlsx", path)
    done = review(str(path), "--apply")
    assert done.exit_code == 0 and "nothing to add" in done.output
    assert path.read_bytes() == (SAMPLES / "sales_team.xlsx").read_bytes()


# --- your weights, typed in the review sheet -------------------------------------------------------------

def typed(path: Path, cells: dict[str, str]) -> None:
    """Types numbers into the review sheet's cells, as its XML holds them (the other parts stay as they are)."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    sheet = next(data for i, data in items if b"Your weight" in data and i.filename.startswith("xl/worksheets/"))
    changed = sheet.decode()
    for ref, value in cells.items():
        changed, n = re.subn(rf'(<c r="{ref}"[^>]*>)<v>[^<]*</v>', rf"\g<1><v>{value}</v>", changed)
        assert n == 1, ref
    path.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info, changed.encode() if data == sheet else data)


def your_weight_cells(path: Path, scheme: str) -> list[str]:
    sheet = openpyxl.load_workbook(path)[f"Review {QUARTER}"]
    heading = next(c.row for c in sheet["A"] if str(c.value).startswith(f"Scheme {scheme} "))
    header = next(c.row for c in sheet["A"] if c.row > heading and c.value == "KPI" and
                  any(h.value == "Your weight" for h in sheet[c.row]))  # the weights' table, below the quarter's
    col = next(c.column_letter for c in sheet[header] if c.value == "Your weight")
    end = next(c.row for c in sheet["A"] if c.row > header and c.value == "Total")
    return [f"{col}{r}" for r in range(header + 1, end)]


def test_weights_typed_in_the_review_sheet_are_applied_to_the_untouched_samples_rows(tmp_path):
    """The sample as XlsxWriter writes it (shared strings): the new rows share the rows' strings, so
    sharedStrings.xml and every other part stay as they are."""
    path = tmp_path / "team.xlsx"
    shutil.copy(SAMPLES / "sales_team.xlsx", path)
    assert review(str(path)).exit_code == 0
    cells = your_weight_cells(path, "farmer")  # revenue, avg_check, cycle_days, meetings, margin
    typed(path, dict(zip(cells, ["0.5", "0.1", "0.1", "0.15", "0.15"])))
    before = parts(path)
    done = review(str(path), "--apply", "--weights", "sheet")
    assert done.exit_code == 0, done.output
    assert "the weights typed in Review 2026-Q4" in done.output and "farmer: a new version from 2027-01" in done.output
    assert "hunter: the weights stay as they are" in done.output
    wb = kpi_reports.load(path)
    assert weights(wb, "2027-01", "farmer") == {"revenue": D("0.5"), "avgcheck": D("0.1"), "cycledays": D("0.1"),
                                                "meetings": D("0.15"), "margin": D("0.15")}
    assert weights(wb, "2026-12", "farmer")["revenue"] == D("0.4")
    xml = zipfile.ZipFile(path).read(SCHEMES).decode()
    assert '<c r="A17" t="s"><v>31</v></c>' in xml and '<c r="C17" s="5"><v>0.5</v></c>' in xml
    after = parts(path)
    assert {n: p for n, p in after.items() if n != SCHEMES} == {n: p for n, p in before.items() if n != SCHEMES}


def test_typed_weights_that_do_not_add_up_to_100_are_refused_naming_the_cells(tmp_path):
    path = tmp_path / "team.xlsx"
    shutil.copy(SAMPLES / "sales_team.xlsx", path)
    assert review(str(path)).exit_code == 0
    cells = your_weight_cells(path, "hunter")
    typed(path, {cells[0]: "0.5"})  # 50 + 20 + 20 + 20
    before = path.read_bytes()
    done = review(str(path), "--apply", "--weights", "sheet")
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert f"Review 2026-Q4!{cells[0]}:{cells[-1]} (Your weight)" in done.output
    assert "the weights typed for scheme hunter do not add up to 100%" in done.output and "'110%'" in done.output
    assert path.read_bytes() == before


def test_weights_from_a_sheet_that_is_not_there_are_refused(tmp_path):
    path = reviewable(tmp_path)
    before = path.read_bytes()
    done = review(str(path), "--apply", "--weights", "sheet")
    assert done.exit_code == 1 and "has no sheet Review 2026-Q4" in done.output
    assert f"kpi-reports review {path} --quarter 2026-Q4 first" in done.output
    assert path.read_bytes() == before


# --- other workbooks ------------------------------------------------------------------------------------------

def test_a_russian_workbook_gets_its_from_column_named_in_russian(tmp_path):
    path = reviewable(tmp_path, sample="sales_team_ru.xlsx", key="пересмотр_слишком_легко")
    done = CliRunner().invoke(main, ["review", str(path), "--quarter", QUARTER, "--apply"])
    assert done.exit_code == 0, done.output
    assert "новая версия с 2027-01" in done.output
    sheet = openpyxl.load_workbook(path)["Схемы"]
    assert sheet["H3"].value == "с" and sheet.cell(sheet.max_row, 8).value == "2027-01"
    assert weights(kpi_reports.load(path), "2027-01", "охотник") == {
        "выручка": D("0.45"), "среднийчек": D("0.15"), "конверсияввстречу": D("0.2"), "звонки": D("0.2")}


def test_a_table_a_drop_down_and_dates_in_the_from_column_are_extended_to_the_new_rows(tmp_path):
    def edit(book):
        sheet = book["Schemes"]
        sheet["H3"] = "from"
        for r in range(4, 17):
            sheet.cell(r, 8).value = openpyxl.utils.datetime.from_excel(46023)  # 2026-01-01
            sheet.cell(r, 8).number_format = "yyyy-mm"
        sheet.add_table(Table(displayName="SchemeLines", ref="A3:H16"))
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
        rule.add("C4:C16")
        sheet.add_data_validation(rule)
    path = reviewable(tmp_path, edit=edit)
    assert review(str(path), "--apply").exit_code == 0
    book = openpyxl.load_workbook(path)
    sheet = book["Schemes"]
    assert sheet.tables["SchemeLines"].ref == f"A3:H{LAST_NEW}"
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation if v.type == "decimal"] == [f"C4:C{LAST_NEW}"]
    assert sheet.cell(FIRST_NEW, 8).value.date().isoformat() == "2027-01-01"
    assert sheet.cell(FIRST_NEW, 8).number_format == "yyyy-mm"
    assert weights(kpi_reports.load(path), "2027-01", "head") == SUGGESTED["head"]


def test_the_applied_file_opens_in_libreoffice_with_the_new_rows(tmp_path, soffice):
    path = reviewable(tmp_path)
    assert review(str(path), "--apply").exit_code == 0
    sheet = openpyxl.load_workbook(soffice(path, "xlsx"))["Schemes"]
    assert [sheet.cell(r, 3).value for r in range(FIRST_NEW, LAST_NEW + 1)] == [
        0.45, 0.15, 0.2, 0.2, 0.55, 0.2, 0.15, 0.1]
    assert sheet["H3"].value == "from" and sheet.cell(LAST_NEW, 8).value == "2027-01"


# --- Google Sheets ----------------------------------------------------------------------------------------------

fake_sheets = sheets_fake.fixture()
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"


@pytest.fixture
def fake(fake_sheets, monkeypatch):
    monkeypatch.setenv(client.BASE_URL_VARIABLE, fake_sheets.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setattr(client, "_sleep", lambda seconds: None)
    tabs = spreadsheet_tabs(SAMPLES / "sales_team.xlsx")
    tabs["Settings"].append(["review_too_easy", 0.6])
    fake_sheets.add_spreadsheet(KEY, tabs)
    schemes = fake_sheets.sheet(KEY, "Schemes")["properties"]["sheetId"]
    fake_sheets.batch_update(KEY, {"requests": [
        {"repeatCell": {"range": {"sheetId": schemes, "startRowIndex": 3, "endRowIndex": 16, "startColumnIndex": 2,
                                  "endColumnIndex": 3},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0.0%"}}},
                        "fields": "userEnteredFormat.numberFormat"}},
        {"setDataValidation": {"range": {"sheetId": schemes, "startRowIndex": 3, "endRowIndex": 16,
                                         "startColumnIndex": 6, "endColumnIndex": 7},
                               "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                                   {"userEnteredValue": "individual"}, {"userEnteredValue": "team"}]}}}}]})
    return fake_sheets


def test_apply_review_appends_the_rows_to_the_schemes_tab_in_one_batch_update(fake):
    done = CliRunner().invoke(main, ["sheets", KEY, "--apply-review", QUARTER, "--lang", "en"])
    assert done.exit_code == 0, done.output
    assert [c.endpoint for c in fake.calls] == ["spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate"]
    assert "8 row(s) added to the tab Schemes in one batchUpdate (3 calls)" in done.output
    grid = fake.values(KEY, "Schemes")
    assert grid[2][7] == "from" and len(grid) == LAST_NEW
    new = grid[FIRST_NEW - 1:]
    assert [row[:3] for row in new] == [
        ["hunter", "revenue", 0.45], ["hunter", "avg_check", 0.15], ["hunter", "call_to_meeting", 0.2],
        ["hunter", "calls", 0.2], ["head", "revenue", 0.55], ["head", "margin", 0.2],
        ["head", "call_to_meeting", 0.15], ["head", "avg_check", 0.1]]
    assert new[4][3:8] == [0.85, 1.3, 1.5, "team", "2027-01"]  # copied from head's revenue line, row 13
    assert all(row[7] == "2027-01" for row in new)
    assert fake.cell(KEY, "Schemes", "C17")["userEnteredFormat"] == fake.cell(KEY, "Schemes", "C4")["userEnteredFormat"]
    assert fake.cell(KEY, "Schemes", "G24")["dataValidation"] == fake.cell(KEY, "Schemes", "G16")["dataValidation"]

    again = CliRunner().invoke(main, ["sheets", KEY, "--apply-review", QUARTER, "--lang", "en"])
    assert again.exit_code == 0 and "nothing to add to the tab Schemes" in again.output
    assert len(fake.calls_to("spreadsheets.batchUpdate")) == 1
    wb, report = SpreadsheetTabs(*client.connect().read(KEY)).read(None)
    assert not report.errors
    assert weights(wb, "2027-01", "hunter") == SUGGESTED["hunter"] and weights(wb, "2026-12", "hunter") == BEFORE["hunter"]


def test_a_table_without_a_from_column_gets_one_and_a_conditional_format_follows_the_rows(tmp_path):
    def edit(book):
        sheet = book["Schemes"]
        sheet.add_table(Table(displayName="SchemeLines", ref="A3:G16"))
        sheet.conditional_formatting.add("C4:C16", CellIsRule(operator="greaterThan", formula=["0.3"],
                                                              fill=PatternFill("solid", fgColor="FFFF00")))
    path = reviewable(tmp_path, edit=edit)
    assert review(str(path), "--apply").exit_code == 0
    sheet = openpyxl.load_workbook(path)["Schemes"]
    table = sheet.tables["SchemeLines"]
    assert table.ref == f"A3:H{LAST_NEW}" and [c.name for c in table.tableColumns][-2:] == ["scope", "from"]
    assert [str(rule.sqref) for rule in sheet.conditional_formatting] == [f"C4:C{LAST_NEW}"]
    assert sheet.column_dimensions["H"].width == sheet.column_dimensions["F"].width == 12.7109375  # F holds F:G


@pytest.mark.parametrize(("args", "said"), [(["--weights", "sheet"], "add --apply"),
                                            (["--apply", "--out", "x.xlsx"], "--out does not go with it"),
                                            (["--apply", "--json", "-"], "--json does not go with it")])
def test_options_that_do_not_go_with_apply_are_refused_before_anything_is_read(tmp_path, args, said):
    path = reviewable(tmp_path)
    before = path.read_bytes()
    done = review(str(path), *args)
    assert done.exit_code == 1 and said in done.output and path.read_bytes() == before


def test_apply_review_is_a_one_off_not_a_watch_and_nothing_is_called(fake):
    done = CliRunner().invoke(main, ["sheets", KEY, "--apply-review", QUARTER, "--watch", "5", "--lang", "en"])
    assert done.exit_code == 1 and "--watch does not go with it" in done.output
    assert not fake.calls_to("spreadsheets.get")


def test_values_right_of_the_last_header_are_not_made_from_months(tmp_path):
    def edit(book):
        book["Schemes"]["H5"] = "ask Maria"
    path = reviewable(tmp_path, edit=edit)
    before = path.read_bytes()
    done = review(str(path), "--apply")
    assert done.exit_code == 1 and "Schemes!H5" in done.output and "'ask Maria'" in done.output
    assert path.read_bytes() == before


# --- Google Sheets: your weights, typed in the Review tab ---------------------------------------------------

def sheets(*args: str):
    return CliRunner().invoke(main, ["sheets", KEY, *args, "--lang", "en"])


def reviewed_tab(fake) -> dict[str, list[str]]:
    """Writes the spreadsheet's Review 2026-Q4 tab (`sheets --review`, its "your weight" cells holding the
    suggested weights) and gives each scheme's "your weight" cells, top to bottom; the calls made are cleared."""
    done = sheets("--period", "2026-12", "--review", QUARTER)
    assert done.exit_code == 0, done.output
    grid = fake.values(KEY, f"Review {QUARTER}")
    cells, scheme = {}, None
    for r, row in enumerate(grid):
        first = str(row[0]) if row else ""
        if first.startswith("Scheme "):
            scheme = first.split()[1]
        elif first == "KPI" and scheme and "Your weight" in row:  # the weights' table, below the quarter's
            col = row.index("Your weight")
            end = next(e for e in range(r + 1, len(grid)) if grid[e] and grid[e][0] == "Total")
            cells[scheme] = [f"{chr(ord('A') + col)}{n + 1}" for n in range(r + 1, end)]
            scheme = None
    fake.calls.clear()
    return cells


def type_in_tab(fake, cells: dict[str, float]) -> None:
    """Types numbers into the Review tab's cells, as Sheets keeps a typed 45% (the cell's format kept)."""
    tab = fake.sheet(KEY, f"Review {QUARTER}")["properties"]["sheetId"]
    requests = []
    for ref, value in cells.items():
        row, col = int(ref[1:]) - 1, ord(ref[0]) - ord("A")
        requests.append({"updateCells": {
            "range": {"sheetId": tab, "startRowIndex": row, "endRowIndex": row + 1, "startColumnIndex": col,
                      "endColumnIndex": col + 1},
            "rows": [{"values": [{"userEnteredValue": {"numberValue": value}}]}], "fields": "userEnteredValue"}})
    fake.batch_update(KEY, {"requests": requests})


def test_apply_review_with_the_weights_typed_in_the_review_tab_reads_it_in_the_same_batch_get(fake):
    cells = reviewed_tab(fake)
    type_in_tab(fake, dict(zip(cells["farmer"], [0.5, 0.1, 0.1, 0.15, 0.15])))  # revenue … margin
    type_in_tab(fake, dict(zip(cells["hunter"], [0.4, 0.2, 0.2, 0.2])))  # hunter's weights as they are
    done = sheets("--apply-review", QUARTER, "--weights", "sheet")  # head's cells: the suggested weights
    assert done.exit_code == 0, done.output
    assert [c.endpoint for c in fake.calls] == ["spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate"]
    read = fake.calls_to("values.batchGet")[0].query
    assert read["ranges"][-1] == f"'Review {QUARTER}'" and read["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert "the weights typed in Review 2026-Q4" in done.output
    assert "farmer: a new version from 2027-01, rows 17–21" in done.output
    assert "hunter: the weights stay as they are; nothing to add" in done.output
    assert "9 row(s) added to the tab Schemes in one batchUpdate (3 calls)" in done.output
    wb, report = SpreadsheetTabs(*client.connect().read(KEY)).read(None)
    assert not report.errors
    assert weights(wb, "2027-01", "farmer") == {"revenue": D("0.5"), "avgcheck": D("0.1"), "cycledays": D("0.1"),
                                                "meetings": D("0.15"), "margin": D("0.15")}
    assert weights(wb, "2027-01", "head") == SUGGESTED["head"]
    assert weights(wb, "2027-01", "hunter") == weights(wb, "2026-12", "hunter") == BEFORE["hunter"]
    assert weights(wb, "2026-12", "farmer")["revenue"] == D("0.4")


def test_weights_typed_in_the_review_tab_that_do_not_add_up_to_100_are_refused_and_nothing_is_written(fake):
    cells = reviewed_tab(fake)["hunter"]
    type_in_tab(fake, {cells[0]: 0.6})  # 60 + 15 + 20 + 20
    schemes = fake.values(KEY, "Schemes")
    done = sheets("--apply-review", QUARTER, "--weights", "sheet")
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert f"Review 2026-Q4!{cells[0]}:{cells[-1]} (Your weight)" in done.output
    assert "the weights typed for scheme hunter do not add up to 100%" in done.output and "'115%'" in done.output
    assert [c.endpoint for c in fake.calls] == ["spreadsheets.get", "values.batchGet"]
    assert fake.values(KEY, "Schemes") == schemes


def test_weights_from_a_review_tab_that_is_not_there_are_refused_and_nothing_is_written(fake):
    schemes = fake.values(KEY, "Schemes")
    done = sheets("--apply-review", QUARTER, "--weights", "sheet")
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert "the spreadsheet has no tab Review 2026-Q4 to take your weights from" in done.output
    assert f"kpi-reports sheets {KEY} --review 2026-Q4 first" in done.output
    assert [c.endpoint for c in fake.calls] == ["spreadsheets.get", "values.batchGet"]
    assert fake.calls_to("values.batchGet")[0].query["ranges"][-1] == "'Settings'"
    assert fake.values(KEY, "Schemes") == schemes


def test_weights_without_apply_review_are_refused_before_anything_is_called(fake):
    done = sheets("--weights", "sheet")
    assert done.exit_code == 1 and "add --apply-review" in done.output
    assert not fake.calls
