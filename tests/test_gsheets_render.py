"""The generated sheets drawn for Google Sheets (`render/gsheets/plan.py`): every body is one the real API
accepts (the discovery document and the backend's rules, `sheets_schema`), user text stays text, formulas
are the layout's, a user's tab is never overwritten, only the same family's tabs are replaced, and a
refresh too large for one call is staged — hidden tabs, then one swap — with a cleanup for a failure."""
from __future__ import annotations

import copy
import json
from decimal import Decimal as D

import pytest
import requests

import kpi_reports
from kpi_reports import layout
from kpi_reports.names import col_letter
from kpi_reports.problems import KpiError
from kpi_reports.render.gsheets import formats as sheets_format
from kpi_reports.render.gsheets import plan as gsheets
from kpi_reports.render.gsheets.plan import KEY, STAGING, TabInfo, TabTaken, body_size, plan, tabs_of

from conftest import SAMPLES, put
from support import sheets_fake
from support.sheets_fake import FakeSheets
from support.sheets_schema import Grid, apply_to_grids, check_batch, normalize, validate

PERIOD, QUARTER = "2026-10", "2026-Q4"
USERS = [TabInfo("Employees", 0, 0, rows=40, columns=12), TabInfo("Facts", 11, 1, rows=60, columns=20)]
fake_sheets = sheets_fake.fixture()


def run_sheets(path=SAMPLES / "sales_team.xlsx", lang="en"):
    wb = kpi_reports.load(path, periods=kpi_reports.trend_months(PERIOD))
    return layout.sheets(kpi_reports.period_report(wb, PERIOD), lang, wb.settings.company)


def review_sheets(path=SAMPLES / "sales_team.xlsx", lang="en"):
    wb = kpi_reports.load(path, periods=kpi_reports.review_months(QUARTER))
    return layout.review_sheets(kpi_reports.review(wb, QUARTER), lang, wb.settings.company)


@pytest.fixture(scope="module")
def sample():
    return run_sheets()


@pytest.fixture(scope="module")
def review():
    return review_sheets()


def grids_of(tabs: list[TabInfo]) -> dict[int, Grid]:
    return {t.sheet_id: Grid(t.title, t.rows or 1000, t.columns or 26) for t in tabs}


def applied(bodies: list[dict], grids: dict[int, Grid]) -> dict[int, Grid]:
    """Each body checked as Google checks it against the tabs the bodies before it left, then applied."""
    for i, body in enumerate(bodies):
        assert validate("BatchUpdateSpreadsheetRequest", body) == [], i
        assert check_batch(body, grids) == [], i
        for request in normalize("BatchUpdateSpreadsheetRequest", body)["requests"]:
            apply_to_grids(request, grids)
    return grids


def requests_of(bodies: list[dict], kind: str) -> list[dict]:
    return [r[kind] for body in bodies for r in body["requests"] if kind in r]


def cells(bodies: list[dict]) -> dict[tuple[int, int, int], dict]:
    """(sheetId, row, column) → the userEnteredValue the updateCells requests write there."""
    found = {}
    for update in requests_of(bodies, "updateCells"):
        start = update["start"]
        assert update["fields"] == "userEnteredValue"
        for i, row in enumerate(update["rows"]):
            for j, cell in enumerate(row.get("values", [])):
                if cell:
                    found[start["sheetId"], start["rowIndex"] + i, start["columnIndex"] + j] = cell["userEnteredValue"]
    return found


def a1(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    col = next(i for i in range(26 * 27) if col_letter(i) == letters)
    return int(ref[len(letters):]) - 1, col


# --- one body ------------------------------------------------------------------------------------------------

def test_the_refresh_is_one_body_that_google_accepts(sample, review):
    for sheets in (sample, review, [*sample, *review], run_sheets(lang="ru"), review_sheets(lang="ru")):
        p = plan(sheets, USERS)
        assert not p.staged and len(p.payloads) == 1
        (body,) = p.bodies
        assert len(p.payloads[0]) <= gsheets.LIMIT
        assert body_size(body) <= len(p.payloads[0])  # the payload keeps each Decimal's own digits: 60000.00
        applied(p.bodies, grids_of(USERS))


def test_the_problems_sheet_too(example, write):
    put(example, "Plans", "calls", None, employee_id="E002", period=PERIOD)  # an empty plan: a warning
    sheets = run_sheets(write(example))
    assert [s.kind for s in sheets] == ["payslips", "summary", "problems"]
    p = plan(sheets, USERS)
    applied(p.bodies, grids_of(USERS))
    problems = next(a["properties"] for a in requests_of(p.bodies, "addSheet") if a["properties"]["title"] == sheets[2].name)
    assert problems["gridProperties"]["frozenRowCount"] == 1 and "frozenColumnCount" not in problems["gridProperties"]
    assert any("no plan for calls" in v.get("stringValue", "") for v in cells(p.bodies).values())


def test_every_update_has_a_field_mask_and_every_range_names_its_sheet(sample, review):
    (body,) = plan([*sample, *review], USERS).bodies
    new_ids = {r["addSheet"]["properties"]["sheetId"] for r in body["requests"] if "addSheet" in r}

    def ranges(value):
        if isinstance(value, dict):
            if {"startRowIndex", "endRowIndex"} & value.keys() or {"rowIndex", "columnIndex"} & value.keys() \
                    or "dimension" in value:
                yield value
            for item in value.values():
                yield from ranges(item)
        elif isinstance(value, list):
            for item in value:
                yield from ranges(item)
    for request in body["requests"]:
        (kind, inner), = request.items()
        if kind.startswith("update") or kind == "repeatCell":
            assert inner["fields"], request
        for found in ranges(inner):
            assert found["sheetId"] in new_ids, request


def test_the_grid_is_large_enough_for_every_cell_before_any_is_written(sample, review):
    sheets = [*sample, *review]
    (body,) = plan(sheets, USERS).bodies
    adds = {r["addSheet"]["properties"]["title"]: r["addSheet"]["properties"] for r in body["requests"]
            if "addSheet" in r}
    first_write = min(i for i, r in enumerate(body["requests"]) if "updateCells" in r)
    assert all(i < first_write for i, r in enumerate(body["requests"]) if "addSheet" in r)
    for sheet in sheets:
        grid = adds[sheet.name]["gridProperties"]
        rows = [c.row for c in sheet.cells] + [m.last_row for m in sheet.merges]
        cols = [c.col for c in sheet.cells] + [m.last_col for m in sheet.merges]
        for chart in sheet.charts:
            rows += [chart.names[2], chart.values[2], chart.to[0]]
            cols += [chart.values[0] + 1, chart.to[1]]
        assert grid["rowCount"] > max(rows) and grid["columnCount"] > max(cols), sheet.name
    review_grid = adds[review[0].name]["gridProperties"]
    whatif = max(c.col for c in review[0].cells)  # the what-if block, right of the print area
    assert whatif >= 20 and review_grid["columnCount"] == whatif + 1


def test_cells_carry_the_layouts_values_text_and_formulas(sample, review):
    sheets = [*sample, *review]
    p = plan(sheets, USERS)
    written = cells(p.bodies)
    checked = 0
    for sheet in sheets:
        sid = p.sheet_ids[sheet.name]
        for cell in sheet.cells:
            got = written.get((sid, cell.row, cell.col))
            if cell.formula:
                assert got == {"formulaValue": cell.formula}, (sheet.name, cell)
            elif isinstance(cell.value, str) and cell.value:
                assert got == {"stringValue": cell.value}, (sheet.name, cell)
            elif cell.value is not None and not isinstance(cell.value, str):
                assert set(got) == {"numberValue"} and got["numberValue"] == float(cell.value), (sheet.name, cell)
            else:
                assert got is None, (sheet.name, cell)
            checked += 1
    assert checked == sum(len(s.cells) for s in sheets) > 1500


def test_ivanovs_payslip_carries_119800(sample):
    p = plan(sample, USERS)
    written = cells(p.bodies)
    slips, summary = sample[0], sample[1]
    refs = slips.anchors["E001"]
    by_place = {(c.row, c.col): c for c in slips.cells}
    total = by_place[a1(refs["total"])]
    assert total.value == D("119800.00")
    assert total.formula == f"={refs['salary']}+{refs['bonus']}+{refs['commission']}"
    assert written[p.sheet_ids[slips.name], *a1(refs["total"])] == {"formulaValue": total.formula}
    assert written[p.sheet_ids[slips.name], *a1(refs["salary"])] == {"numberValue": 60000.00}
    assert [by_place[a1(refs[k])].value for k in ("salary", "bonus", "commission")] == \
        [D("60000.00"), D("58000.00"), D("1800.00")]  # Sheets recomputes the formulas; these are what it gets
    in_summary = [c for c in summary.cells if c.formula == f"='{slips.name}'!{refs['total']}"]
    assert len(in_summary) == 1 and in_summary[0].value == D("119800.00")
    assert written[p.sheet_ids[summary.name], in_summary[0].row, in_summary[0].col] == \
        {"formulaValue": f"='Payslips 2026-10'!{refs['total']}"}


@pytest.mark.parametrize("name", ['=IMPORTXML("http://x","//a")', "+1+1", "@SUM(A1)", "=1+1"])
def test_user_text_is_a_string_value_never_a_formula(example, write, name):
    put(example, "Employees", "name", name, employee_id="E001")
    put(example, "KPIs", "title", name, kpi="revenue")
    sheets = run_sheets(write(example))
    values = list(cells(plan(sheets, USERS).bodies).values())
    texts = [v["stringValue"] for v in values if "stringValue" in v]
    assert name in texts and f"{name} (E001)" in texts
    assert not any("IMPORTXML" in v.get("formulaValue", "") or "1+1" in v.get("formulaValue", "")
                   or "SUM(A1)" in v.get("formulaValue", "") for v in values)
    assert any(v.get("formulaValue", "").startswith("='Payslips") for v in values)  # the layout's formulas stay


# --- which tabs ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["Summary 2026-10", "SUMMARY 2026-10", "summary 2026-10", "Payslips 2026-10"])
def test_a_users_tab_named_like_a_generated_one_is_refused(sample, title):
    with pytest.raises(TabTaken) as refused:
        plan(sample, [*USERS, TabInfo(title, 5, 2)])
    assert refused.value.text("en") == (f"the spreadsheet has a tab of its own named {title}; rename it, or write "
                                        "the generated tabs to another spreadsheet")
    assert refused.value.text("ru").startswith(f"в таблице уже есть свой лист {title}")
    assert isinstance(refused.value, KpiError)


def test_only_the_generated_tabs_of_the_same_families_are_replaced(sample, review):
    existing = [*USERS,
                TabInfo("Payslips 2026-10", 20, 2, "run"), TabInfo("Summary 2026-10", 21, 3, "run"),
                TabInfo("Problems 2026-09", 22, 4, "run"),
                TabInfo("Review 2026-Q3", 23, 5, "review 2026-Q3"), TabInfo("Review 2026-Q4", 24, 6, "review 2026-Q4"),
                TabInfo("My notes", 25, 7)]
    run = plan(sample, existing)
    assert {r["sheetId"] for r in requests_of(run.bodies, "deleteSheet")} == {20, 21, 22}
    redo = plan(review, existing)
    assert {r["sheetId"] for r in requests_of(redo.bodies, "deleteSheet")} == {24}
    applied(run.bodies, grids_of(existing))
    applied(redo.bodies, grids_of(existing))
    ids = [r["addSheet"]["properties"] for r in requests_of(run.bodies, "addSheet") for r in [{"addSheet": r}]]
    assert [p["sheetId"] for p in ids] == [1, 2] and [p["index"] for p in ids] == [5, 6]  # after the tabs that stay
    assert plan(sample, existing).payloads == run.payloads  # deterministic


def test_a_review_tab_of_the_same_name_but_another_family_blocks_the_run(sample):
    with pytest.raises(TabTaken):
        plan(sample, [*USERS, TabInfo("summary 2026-10", 30, 2, "review 2026-Q4")])


def test_every_new_tab_is_marked_with_its_family(sample, review):
    p = plan([*sample, *review], USERS)
    marks = requests_of(p.bodies, "createDeveloperMetadata")
    assert [m["developerMetadata"] for m in marks] == [
        {"metadataKey": KEY, "metadataValue": sheet.family, "location": {"sheetId": p.sheet_ids[sheet.name]},
         "visibility": "DOCUMENT"} for sheet in [*sample, *review]]
    assert {s.family for s in [*sample, *review]} == {"run", "review 2026-Q4"}


def test_when_every_visible_tab_is_replaced_one_is_kept_until_the_new_ones_exist(sample):
    existing = [TabInfo("Payslips 2026-10", 3, 0, "run"), TabInfo("Summary 2026-10", 4, 1, "run"),
                TabInfo("Old", 5, 2, hidden=True)]
    (body,) = plan(sample, existing).bodies
    kinds = [next(iter(r)) for r in body["requests"]]
    assert kinds[:3] == ["updateSheetProperties", "deleteSheet", "addSheet"]
    applied([body], grids_of(existing))


def test_a_staging_tab_left_behind_is_deleted(sample):
    existing = [*USERS, TabInfo("kpi-reports staging 1", 1, 2, STAGING + "run", hidden=True)]
    p = plan(sample, existing)
    assert {r["sheetId"] for r in requests_of(p.bodies, "deleteSheet")} == {1}
    assert 1 not in p.sheet_ids.values()
    applied(p.bodies, grids_of(existing))


def test_too_many_cells_is_one_clear_error(sample):
    with pytest.raises(KpiError) as refused:
        plan(sample, [TabInfo("Data", 0, 0, rows=500_000, columns=20)])
    assert "more than the 10,000,000 Google Sheets keeps" in refused.value.text("en")


def test_tabs_are_read_from_the_spreadsheets_metadata():
    metadata = {"sheets": [
        {"properties": {"sheetId": 0, "title": "Employees", "index": 0,
                        "gridProperties": {"rowCount": 100, "columnCount": 10}}},
        {"properties": {"sheetId": 7, "title": "Summary 2026-10", "index": 1, "hidden": True,
                        "gridProperties": {"rowCount": 51, "columnCount": 14}},
         "developerMetadata": [{"metadataId": 3, "metadataKey": KEY, "metadataValue": "run",
                                "location": {"locationType": "SHEET", "sheetId": 7}, "visibility": "DOCUMENT"}]}]}
    assert tabs_of(metadata) == [TabInfo("Employees", 0, 0, None, False, 100, 10),
                                 TabInfo("Summary 2026-10", 7, 1, "run", True, 51, 14)]


# --- formats -----------------------------------------------------------------------------------------------------

def test_number_formats_become_sheets_patterns():
    assert sheets_format.number_format("#,##0.00_)") == {"type": "NUMBER", "pattern": '#,##0.00" "'}
    assert sheets_format.number_format("#,##0.####_)") == {"type": "NUMBER", "pattern": '#,##0.####" "'}
    assert sheets_format.number_format("0.0%_)") == {"type": "PERCENT", "pattern": '0.0%" "'}
    assert sheets_format.number_format("+#,##0.00_);-#,##0.00_);0.00_)") == \
        {"type": "NUMBER", "pattern": '"+"#,##0.00" ";"-"#,##0.00" ";0.00" "'}
    assert sheets_format.number_format("0.00_);-0.00_)") == {"type": "NUMBER", "pattern": '0.00" ";"-"0.00" "'}
    assert sheets_format.number_format('0" pcs"') == {"type": "NUMBER", "pattern": '0" pcs"'}


def test_each_style_is_a_cell_format():
    from kpi_reports.layout.model import STYLES
    for name, props in STYLES.items():
        assert validate("CellFormat", sheets_format.cell_format(props)) == [], name
    header = sheets_format.cell_format(STYLES["header"])
    assert header == {
        "backgroundColorStyle": {"rgbColor": {"red": 0.8667, "green": 0.9216, "blue": 0.9686}},
        "borders": {side: {"style": "SOLID"} for side in ("top", "bottom", "left", "right")},
        "horizontalAlignment": "LEFT", "verticalAlignment": "TOP", "wrapStrategy": "WRAP",
        "padding": {"top": 2, "right": 3, "bottom": 2, "left": 13}, "textFormat": {"bold": True}}
    assert sheets_format.cell_format(STYLES["total"])["borders"] == {"top": {"style": "SOLID_MEDIUM"}}
    assert sheets_format.cell_format(STYLES["title"]) == {"textFormat": {"bold": True, "fontSize": 14}}


def test_formats_widths_heights_merges_colours_validations_and_the_chart(sample, review):
    p = plan([*sample, *review], USERS)
    bodies = p.bodies
    slips, summary = (p.sheet_ids[s.name] for s in sample[:2])
    widths = {(d["range"]["sheetId"], i): d["properties"]["pixelSize"]
              for d in requests_of(bodies, "updateDimensionProperties") if d["range"]["dimension"] == "COLUMNS"
              for i in range(d["range"]["startIndex"], d["range"]["endIndex"])}
    assert widths[slips, 0] == int(7 * sample[0].widths[0] + 0.5) + 5
    assert widths[summary, 13] == int(7 * sample[1].widths[13] + 0.5) + 5
    tall = {r: h for r, h in review[0].heights.items() if int(4 * h / 3) != 20}
    rows = {(d["range"]["sheetId"], i): d["properties"]["pixelSize"]
            for d in requests_of(bodies, "updateDimensionProperties") if d["range"]["dimension"] == "ROWS"
            for i in range(d["range"]["startIndex"], d["range"]["endIndex"])}
    review_id = p.sheet_ids[review[0].name]
    assert tall and all(rows[review_id, r] == int(4 * h / 3) for r, h in tall.items())
    merges = requests_of(bodies, "mergeCells")
    merged = {(m["range"]["sheetId"], r, m["range"]["startColumnIndex"], m["range"]["endColumnIndex"] - 1)
              for m in merges for r in range(m["range"]["startRowIndex"], m["range"]["endRowIndex"])}
    for sheet in [*sample, *review]:
        for m in sheet.merges:
            assert (p.sheet_ids[sheet.name], m.first_row, m.first_col, m.last_col) in merged
    assert all(m["mergeType"] == "MERGE_ROWS" or m["range"]["endRowIndex"] - m["range"]["startRowIndex"] == 1
               for m in merges if m["range"]["sheetId"] == slips)
    rules = [r for r in requests_of(bodies, "addConditionalFormatRule") if r["rule"]["ranges"][0]["sheetId"] == summary]
    assert len(rules) == 3 * len(sample[1].colours) and [r["index"] for r in rules] == list(range(len(rules)))
    first = sample[1].colours[0]
    top_left = f"{col_letter(first.first_col)}{first.first_row + 1}"
    p_, q_ = first.bands[0][2].as_integer_ratio()  # the red band's bound: the people's cut-off
    assert [r["rule"]["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in rules[:3]] == [
        f"=ISNUMBER({top_left})*({top_left}<{p_}/{q_})", f"=ISNUMBER({top_left})*({top_left}<1)",
        f"=ISNUMBER({top_left})*({top_left}>=1)"]
    (validation,) = {json.dumps(v["rule"]) for v in requests_of(bodies, "setDataValidation")}
    assert json.loads(validation)["condition"] == {"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": "0"},
                                                                                       {"userEnteredValue": "1"}]}
    (chart,) = requests_of(bodies, "addChart")
    spec = chart["chart"]["spec"]["basicChart"]
    assert chart["chart"]["spec"]["title"] == sample[1].charts[0].title
    assert [s["type"] for s in spec["series"]] == ["COLUMN", "LINE"] and spec["headerCount"] == 1
    anchor = chart["chart"]["position"]["overlayPosition"]["anchorCell"]
    assert (anchor["rowIndex"], anchor["columnIndex"]) == sample[1].charts[0].anchor
    (summary_add,) = [a["properties"] for a in requests_of(bodies, "addSheet") if a["properties"]["sheetId"] == summary]
    assert summary_add["gridProperties"]["frozenRowCount"] == 1 and summary_add["gridProperties"]["frozenColumnCount"] == 2
    assert requests_of(bodies, "setBasicFilter")[0]["filter"]["range"]["sheetId"] == summary


def test_repeated_payslip_formats_are_copied_not_drawn_again(sample, monkeypatch):
    (body,) = plan(sample[:1], USERS).bodies
    copies = requests_of([body], "copyPaste")
    assert copies and all(c["pasteType"] == "PASTE_FORMAT" for c in copies)
    assert all(c["source"]["endRowIndex"] <= c["destination"]["startRowIndex"] for c in copies)
    repeats = requests_of([body], "repeatCell")
    monkeypatch.setattr(sheets_format, "MIN_COPY", 10 ** 6)
    (drawn,) = plan(sample[:1], USERS).bodies
    assert not requests_of([drawn], "copyPaste") and 3 * len(repeats) < len(requests_of([drawn], "repeatCell"))
    assert body_size(body) < body_size(drawn)


# --- staged --------------------------------------------------------------------------------------------------

def old_run_tabs():
    return [*USERS, TabInfo("Payslips 2026-10", 30, 2, "run", rows=300, columns=8),
            TabInfo("Summary 2026-10", 31, 3, "run", rows=60, columns=14)]


def test_a_large_refresh_is_staged_in_hidden_tabs_and_swapped_in_with_one_call(sample):
    existing = old_run_tabs()
    p = plan(sample, existing, limit=20_000)
    assert p.staged and len(p.payloads) > 3 and max(p.sizes) <= 20_000
    bodies, swap = p.bodies[:-1], p.bodies[-1]
    adds = requests_of(bodies, "addSheet")
    assert adds == requests_of(bodies[:1], "addSheet")  # the first call makes every staging tab
    assert [a["properties"]["title"] for a in adds] == [p.staging_titles[s.name] for s in sample]
    assert all(a["properties"]["hidden"] and a["properties"]["title"].startswith("kpi-reports staging ") for a in adds)
    assert [m["developerMetadata"]["metadataValue"] for m in requests_of(bodies, "createDeveloperMetadata")] == \
        ["staging:run"] * len(sample)
    assert not requests_of(bodies, "deleteSheet") and not requests_of(bodies, "updateSheetProperties")
    staging_payslips = p.staging_titles["Payslips 2026-10"]
    formulas = [v["formulaValue"] for v in cells(bodies).values() if "formulaValue" in v]
    assert any(f.startswith(f"='{staging_payslips}'!") for f in formulas)
    assert not any("'Payslips 2026-10'!" in f for f in formulas)
    kinds = [next(iter(r)) for r in swap["requests"]]
    n = len(sample)
    assert kinds == ["updateSheetProperties"] * n + ["deleteSheet"] * 2 + ["updateSheetProperties"] * n + \
        ["updateDeveloperMetadata"] * n
    assert [r["updateSheetProperties"] for r in swap["requests"][:n]] == [
        {"properties": {"sheetId": p.sheet_ids[s.name], "hidden": False}, "fields": "hidden"} for s in sample]
    assert {r["deleteSheet"]["sheetId"] for r in swap["requests"][n:n + 2]} == {30, 31}
    assert [r["updateSheetProperties"] for r in swap["requests"][n + 2:2 * n + 2]] == [
        {"properties": {"sheetId": p.sheet_ids[s.name], "title": s.name}, "fields": "title"} for s in sample]
    assert all(r["updateDeveloperMetadata"]["developerMetadata"] == {"metadataValue": "run"}
               for r in swap["requests"][2 * n + 2:])
    assert p.cleanup == {"requests": [{"deleteSheet": {"sheetId": p.sheet_ids[s.name]}} for s in sample]}
    grids = applied(bodies, grids_of(existing))
    assert check_batch(p.cleanup, grids) == []
    grids = applied([swap], grids)
    assert [g.title for g in grids.values()] == ["Employees", "Facts", "Payslips 2026-10", "Summary 2026-10"]


def test_the_staged_plan_writes_what_the_single_body_writes(sample):
    single, staged = plan(sample, old_run_tabs()), plan(sample, old_run_tabs(), limit=20_000)
    rename = {v: k for k, v in staged.staging_titles.items()}

    def content(bodies):
        found = []
        for r in (r for body in bodies for r in body["requests"]):
            kind = next(iter(r))
            if kind in ("addSheet", "createDeveloperMetadata", "deleteSheet", "updateSheetProperties",
                        "updateDeveloperMetadata"):
                continue
            found.append(r)
        return found
    assert content(single.bodies) != []
    assert len(content(staged.bodies)) >= len(content(single.bodies))
    got = cells(staged.bodies)
    for key, value in cells(single.bodies).items():
        if "formulaValue" in got[key]:
            for temp, name in rename.items():
                got[key] = {"formulaValue": got[key]["formulaValue"].replace(f"'{temp}'!", f"'{name}'!")}
        assert got[key] == value


# --- against the fake server -------------------------------------------------------------------------------------

@pytest.fixture
def fake(fake_sheets, monkeypatch):
    """The fake, with copyPaste (formats only) and setBasicFilter where it does not have them yet."""
    if "copyPaste" not in sheets_fake.APPLY:
        monkeypatch.setitem(sheets_fake.APPLY, "copyPaste", _copy_formats)
    if "setBasicFilter" not in sheets_fake.APPLY:
        monkeypatch.setitem(sheets_fake.APPLY, "setBasicFilter",
                            lambda book, body: setattr(book.sheet(body["filter"]["range"]["sheetId"]), "basic_filter",
                                                       copy.deepcopy(body["filter"])))
    fake_sheets.add_spreadsheet("book", {"Employees": [["employee_id", "name"], ["E001", "Ivan Ivanov"]],
                                         "Facts": [["period", "employee_id", "revenue"]]})
    return fake_sheets


def _copy_formats(book, body):
    assert body["pasteType"] == "PASTE_FORMAT"
    sheet, source, dest = book.sheet(body["source"]["sheetId"]), body["source"], body["destination"]
    height = source["endRowIndex"] - source["startRowIndex"]
    width = source["endColumnIndex"] - source["startColumnIndex"]
    for r in range(dest["startRowIndex"], dest["endRowIndex"]):
        for c in range(dest["startColumnIndex"], dest["endColumnIndex"]):
            origin = sheet.cells.get((source["startRowIndex"] + (r - dest["startRowIndex"]) % height,
                                      source["startColumnIndex"] + (c - dest["startColumnIndex"]) % width), {})
            cell = sheet.cells.setdefault((r, c), {})
            cell.pop("userEnteredFormat", None)
            if "userEnteredFormat" in origin:
                cell["userEnteredFormat"] = copy.deepcopy(origin["userEnteredFormat"])
            if not cell:
                sheet.cells.pop((r, c))


def post(fake: FakeSheets, payload: bytes) -> requests.Response:
    return requests.post(f"{fake.url}/v4/spreadsheets/book:batchUpdate", data=payload,
                         headers={"Content-Type": "application/json; charset=utf-8"}, timeout=30)


def existing_tabs(fake: FakeSheets) -> list[TabInfo]:
    answer = requests.get(f"{fake.url}/v4/spreadsheets/book",
                          params={"fields": "sheets(properties,developerMetadata)"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return tabs_of(answer.json())


def test_the_fake_server_takes_the_single_body_and_holds_the_tabs(fake, sample):
    p = plan(sample, existing_tabs(fake))
    answer = post(fake, p.payloads[0])
    assert answer.status_code == 200, answer.text
    assert fake.tabs("book") == ["Employees", "Facts", "Payslips 2026-10", "Summary 2026-10"]
    slips = fake.values("book", "Payslips 2026-10")
    assert slips[1][1] == "Ivan Ivanov (E001)"
    refs = sample[0].anchors["E001"]
    row, col = a1(refs["total"])
    assert slips[row][col] == f"={refs['salary']}+{refs['bonus']}+{refs['commission']}"
    assert slips[a1(refs["salary"])[0]][a1(refs["salary"])[1]] == 60000
    total = fake.cell("book", "Payslips 2026-10", refs["total"])
    assert total["userEnteredFormat"]["textFormat"] == {"bold": True}
    assert total["userEnteredFormat"]["numberFormat"] == {"type": "NUMBER", "pattern": '#,##0.00" "'}
    for employee, anchors in sample[0].anchors.items():  # every block's formats, drawn or copied
        assert fake.cell("book", "Payslips 2026-10", anchors["total"])["userEnteredFormat"] == \
            total["userEnteredFormat"], employee
        assert fake.cell("book", "Payslips 2026-10", anchors["salary"])["userEnteredFormat"]["textFormat"] == \
            {"bold": True}, employee
    tabs = {t.title: t for t in existing_tabs(fake)}
    assert tabs["Summary 2026-10"].family == "run" and tabs["Employees"].family is None
    summary = fake.sheet("book", "Summary 2026-10")
    assert summary["properties"]["gridProperties"]["frozenRowCount"] == 1 and len(summary["charts"]) == 1
    assert len(summary["conditionalFormats"]) == 3 * len(sample[1].colours)
    again = plan(sample, existing_tabs(fake))  # a re-run replaces the tabs, and only them
    assert post(fake, again.payloads[0]).status_code == 200
    assert fake.tabs("book") == ["Employees", "Facts", "Payslips 2026-10", "Summary 2026-10"]
    assert fake.values("book", "Payslips 2026-10") == slips


def test_the_fake_server_sees_old_tabs_or_new_ones_through_a_staged_refresh(fake, sample):
    assert post(fake, plan(sample, existing_tabs(fake)).payloads[0]).status_code == 200
    before = fake.values("book", "Summary 2026-10")
    p = plan(sample, existing_tabs(fake), limit=20_000)
    for payload in p.payloads[:-1]:
        assert post(fake, payload).status_code == 200
        visible = [t.title for t in existing_tabs(fake) if not t.hidden]
        assert visible == ["Employees", "Facts", "Payslips 2026-10", "Summary 2026-10"]
        assert fake.values("book", "Summary 2026-10") == before
    assert post(fake, p.payloads[-1]).status_code == 200
    tabs = existing_tabs(fake)
    assert [(t.title, t.hidden, t.family) for t in tabs] == [
        ("Employees", False, None), ("Facts", False, None), ("Payslips 2026-10", False, "run"),
        ("Summary 2026-10", False, "run")]
    salary = fake.values("book", "Summary 2026-10")[2][9]
    # Written as a reference to the staging tab; Google rewrites references to a tab it renames (the fake
    # keeps the text as written).
    assert salary in (f"='{title}'!{sample[0].anchors['E001']['salary']}"
                      for title in ("Payslips 2026-10", p.staging_titles["Payslips 2026-10"]))


def test_a_failure_before_the_swap_is_cleaned_up(fake, sample):
    p = plan(sample, existing_tabs(fake), limit=20_000)
    for payload in p.payloads[:2]:
        assert post(fake, payload).status_code == 200
    assert len(fake.tabs("book")) == 4
    assert post(fake, p.cleanup_payload).status_code == 200
    assert fake.tabs("book") == ["Employees", "Facts"]
