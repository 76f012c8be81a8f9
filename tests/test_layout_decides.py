"""The layout decides, the renderers translate (issue 16): the completions' colour bands, the chart's target
line, the pixel sizes and a merged range's style are each defined once in `layout/`, and a change made
there reaches the .xlsx, the Google Sheet and the web page's HTML alike — no renderer keeps a colour, a
threshold or a size of its own."""
from __future__ import annotations

import importlib
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

import kpi_reports
from kpi_reports import layout
from kpi_reports.layout import geometry
from kpi_reports.layout.model import STYLES, Chart, Line, Sheet
from kpi_reports.render import html_sheet
from kpi_reports.render.gsheets.plan import TabInfo, plan
from kpi_reports.render.xlsx.draw import write_workbook

from conftest import SAMPLES

summary = importlib.import_module("kpi_reports.layout.summary")  # the module, not the function the package names so
USERS = [TabInfo("Employees", 0, 0, rows=40, columns=12)]
BLUE = "#BDD7EE"


def summary_sheet() -> Sheet:
    report = kpi_reports.period_report(kpi_reports.load(SAMPLES / "sales_team.xlsx"), "2026-10")
    return next(s for s in layout.sheets(report, "en") if s.kind == "summary")


def requests_of(sheets: list[Sheet], kind: str) -> list[dict]:
    return [r[kind] for body in plan(sheets, USERS).bodies for r in body["requests"] if kind in r]


def cell_of(sheet: Sheet, col: int, value: str):
    """The cell of column `col` whose value is `value` to the digits given."""
    return next(c for c in sheet.cells if c.col == col and str(c.value).startswith(value))


def far_corner(tmp_path, sheet: Sheet) -> tuple[int, ...]:
    """Column, column offset (EMU), row and row offset of the .xlsx chart's bottom right corner."""
    write_workbook(tmp_path / "out.xlsx", [sheet])
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    to = re.search(r"<xdr:to><xdr:col>(\d+)</xdr:col><xdr:colOff>(\d+)</xdr:colOff><xdr:row>(\d+)</xdr:row>"
                   r"<xdr:rowOff>(\d+)</xdr:rowOff></xdr:to>", drawing)
    return tuple(map(int, to.groups()))


def xlsx_fills(tmp_path, sheet: Sheet) -> dict[str, str]:
    """Cell → its fill colour in the .xlsx, read from the sheet XML (openpyxl shows a merged range's other
    cells unstyled, whatever the file says)."""
    write_workbook(tmp_path / "out.xlsx", [sheet])
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        styles, xml = z.read("xl/styles.xml").decode(), z.read("xl/worksheets/sheet1.xml").decode()
    fills = [m.group(1) for m in re.finditer(r'<fill>(?:<patternFill patternType="solid"><fgColor rgb="(\w+)"/>)?',
                                              styles)]
    xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles).group(1)
    fill_of = [int(m.group(1)) for m in re.finditer(r'<xf [^>]*fillId="(\d+)"', xfs)]
    return {ref: fills[fill_of[int(style)]] for ref, style in re.findall(r'<c r="(\w+)" s="(\d+)"', xml)}


@pytest.fixture
def moved_bands(monkeypatch):
    """The layout's one change: the middle band is blue (a new style) and ends at 90%, not 100%."""
    monkeypatch.setitem(STYLES, "blue", {"bg_color": BLUE})
    monkeypatch.setattr(summary, "bands", lambda cutoff: (
        ("red", "<", cutoff), ("blue", "<", Decimal("0.9")), ("green", ">=", Decimal("0.9"))))
    return summary_sheet()


def test_the_summary_colours_completions_red_amber_green_by_default():
    sheet = summary_sheet()
    first = sheet.colours[0]
    assert (first.first_row, first.first_col, first.last_row, first.last_col) == (2, 2, 11, 2)
    assert first.bands == (("red", "<", Decimal("0.8")), ("amber", "<", 1), ("green", ">=", 1))
    assert first.style_of(Decimal("0.79")) == "red" and first.style_of(Decimal("0.8")) == "amber"
    assert first.style_of(Decimal("0.999")) == "amber" and first.style_of(1) == "green"


def test_changing_a_bands_bound_and_style_in_the_layout_reaches_the_xlsx(moved_bands, tmp_path):
    write_workbook(tmp_path / "out.xlsx", [moved_bands])
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    rules = next(cf.rules for cf in ws.conditional_formatting if str(cf.sqref) == "C3:C12")
    assert [rule.formula for rule in rules] == [["AND(ISNUMBER(C3),C3<0.8)"], ["AND(ISNUMBER(C3),C3<0.9)"],
                                                ["AND(ISNUMBER(C3),C3>=0.9)"]]
    assert all(rule.stopIfTrue for rule in rules)
    assert [rule.dxf.fill.bgColor.rgb for rule in rules] == ["FFF8CBAD", "FFBDD7EE", "FFC6EFCE"]


def test_changing_a_bands_bound_and_style_in_the_layout_reaches_the_google_sheet(moved_bands):
    rules = [r["rule"] for r in requests_of([moved_bands], "addConditionalFormatRule")]
    first = [r for r in rules if r["ranges"][0]["startColumnIndex"] == 2 and r["ranges"][0]["startRowIndex"] == 2]
    assert [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in first] == [
        "=ISNUMBER(C3)*(C3<4/5)", "=ISNUMBER(C3)*(C3<9/10)", "=ISNUMBER(C3)*(C3>=9/10)"]
    assert first[1]["booleanRule"]["format"] == {
        "backgroundColorStyle": {"rgbColor": {"red": 0.7412, "green": 0.8431, "blue": 0.9333}}}


def test_changing_a_bands_bound_and_style_in_the_layout_reaches_the_html(moved_bands):
    grid = html_sheet.grid(moved_bands, "en")
    rows = [*grid.head, *grid.body]
    top = moved_bands.page.print_area[0]

    def classes(cell) -> list[str]:
        return rows[cell.row - top][cell.col].classes.split()
    assert "s-blue" in classes(cell_of(moved_bands, 2, "0.85725"))  # amber before: 80% ≤ 85.7% < 100%
    assert "s-green" in classes(cell_of(moved_bands, 2, "0.9049"))  # amber before, green from 90% now
    assert "s-red" in classes(cell_of(moved_bands, 2, "0.6602"))
    assert not any("s-amber" in c.classes for row in rows for c in row if c)


def test_the_chart_target_line_is_the_layouts_in_the_xlsx_the_google_sheet_and_the_html(tmp_path):
    sheet = Sheet("s")
    for row, (name, value) in enumerate([("Ann", "0.9"), ("Bob", "1.2")]):
        sheet.put(row, 0, name, style="text")
        sheet.put(row, 1, Decimal(value), style="percent")
        sheet.put(row, 2, Decimal(1), style="percent")
    sheet.charts.append(Chart("Completion", (0, 0, 1), (1, 0, 1), Decimal(1), "Plan", (3, 0),
                              line=Line("#00B050", 3)))
    write_workbook(tmp_path / "out.xlsx", [sheet])
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        chart_xml = z.read("xl/charts/chart1.xml").decode()
    line = re.search(r"<c:lineChart>.*</c:lineChart>", chart_xml, re.DOTALL).group(0)
    assert '<a:ln w="38100">' in line and '<a:srgbClr val="00B050"/>' in line  # 3 points
    (added,) = requests_of([sheet], "addChart")
    target = added["chart"]["spec"]["basicChart"]["series"][1]
    assert target["colorStyle"] == {"rgbColor": {"green": 0.6902, "blue": 0.3137}}
    assert target["lineStyle"] == {"width": 3}
    assert html_sheet.grid(sheet, "en").charts[0].line == Line("#00B050", 3)


def test_the_three_renderers_size_columns_by_the_same_pixels():
    sheet = summary_sheet()
    widths = {d["range"]["startIndex"] + i: d["properties"]["pixelSize"]
              for d in requests_of([sheet], "updateDimensionProperties") if d["range"]["dimension"] == "COLUMNS"
              for i in range(d["range"]["endIndex"] - d["range"]["startIndex"])}
    first, last = sheet.page.print_area[1], sheet.page.print_area[3]
    assert [widths[c] for c in range(first, last + 1)] == list(html_sheet.grid(sheet, "en").widths)
    assert widths[0] == geometry.column_px(sheet.widths[0]) and widths[1] == geometry.column_px(sheet.widths[1])
    assert geometry.column_px(8) == 61 and geometry.column_px(30) == 215  # Excel's pixels of 8 and 30 characters
    assert widths == {c: geometry.column_px(sheet.widths.get(c, geometry.DEFAULT_WIDTH)) for c in widths}
    assert geometry.column_px(geometry.DEFAULT_WIDTH) == 64


def test_the_xlsx_chart_is_as_large_as_the_google_sheets_chart(tmp_path):
    sheet = summary_sheet()
    (chart,) = sheet.charts
    (added,) = requests_of([sheet], "addChart")
    overlay = added["chart"]["position"]["overlayPosition"]
    size = (overlay["widthPixels"], overlay["heightPixels"])
    assert size == geometry.chart_px(sheet, chart.anchor, chart.to)
    assert size[1] >= 22 * 20  # CHART_ROWS rows of 15 points at least (on a page of its own, the page)
    # XlsxWriter, given the same pixels, ends the chart exactly where the cells to `chart.to` end
    assert far_corner(tmp_path, sheet) == (chart.to[1] + 1, 0, chart.to[0] + 1, 0)


def test_a_chart_with_no_far_corner_takes_the_one_default_size(tmp_path):
    sheet = Sheet("s")
    sheet.put(0, 0, "Ann")
    sheet.put(0, 1, Decimal("0.5"))
    sheet.put(0, 2, Decimal(1))
    sheet.charts.append(Chart("Completion", (0, 0, 0), (1, 0, 0), Decimal(1), "Plan", (2, 0)))
    (added,) = requests_of([sheet], "addChart")
    overlay = added["chart"]["position"]["overlayPosition"]
    assert (overlay["widthPixels"], overlay["heightPixels"]) == geometry.CHART == (720, 360)
    # 720 px: eleven columns of 64 px and 16 px (152400 EMU) of the twelfth; 360 px: 18 rows of 20 px
    assert far_corner(tmp_path, sheet) == (11, 16 * 9525, 2 + 18, 0)


def test_a_merged_range_takes_its_style_across_in_the_xlsx_and_the_google_sheet(tmp_path):
    sheet = Sheet("s")
    sheet.merge(0, 0, 2, "merged", "header")
    sheet.merges[0].style = "total"  # the layout's word on the range, not its first cell's
    assert xlsx_fills(tmp_path, sheet) == {"A1": "FFDDEBF7", "B1": "FFF2F2F2", "C1": "FFF2F2F2"}
    repeats = [(r["range"]["startColumnIndex"], r["range"]["endColumnIndex"],
                r["cell"]["userEnteredFormat"]["backgroundColorStyle"]["rgbColor"]["red"])
               for r in requests_of([sheet], "repeatCell")]
    assert sorted(repeats) == [(0, 1, 0.8667), (1, 3, 0.949)]
