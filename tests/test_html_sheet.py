"""The web page draws the generated sheets' own layouts as HTML tables (render/html_sheet.py): the print
area's cells with the sheet's number formats, merges as spans, the conditional colours as the spreadsheet
decides them, charts as bars — one layout, several renderers."""
from decimal import Decimal

import pytest

import kpi_reports
from kpi_reports import i18n, layout
from kpi_reports.layout.model import STYLES, Colour, Sheet
from kpi_reports.layout.summary import bands
from kpi_reports.render import html_sheet

from conftest import SAMPLES


@pytest.fixture(scope="module")
def sheets():
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    report = kpi_reports.period_report(wb, "2026-10")
    return report, layout.sheets(report, "en", wb.settings.company)


def summary_of(sheets) -> Sheet:
    return next(s for s in sheets[1] if s.kind == "summary")


def shown(grid) -> list:
    return [c for row in (*grid.head, *grid.body) for c in row if c is not None]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_money_and_percent_cells_read_as_the_payslips_do(lang):
    value = Decimal(119800)
    assert i18n.formatted(value, STYLES["money"]["num_format"], lang) == i18n.amount(value, lang)
    assert i18n.formatted(Decimal("0.9555"), STYLES["percent"]["num_format"], lang) == i18n.percent(
        Decimal("0.9555"), lang)
    assert i18n.formatted(Decimal("-0.25"), STYLES["signed_percent"]["num_format"], lang) == i18n.percent(
        Decimal("-0.25"), lang, signed=True)


def test_signed_formats_mark_a_gain_and_leave_zero_bare():
    fmt = STYLES["signed"]["num_format"]
    assert i18n.formatted(Decimal(1500), fmt, "en") == "+1,500.00"
    assert i18n.formatted(Decimal(-1500), fmt, "en") == "−1,500.00"
    assert i18n.formatted(Decimal(0), fmt, "en") == "0.00"


def test_optional_decimals_show_only_when_there_are_some():
    fmt = STYLES["number"]["num_format"]
    assert i18n.formatted(Decimal(12), fmt, "en") == "12"
    assert i18n.formatted(Decimal("1234.5"), fmt, "ru") == "1\u00a0234,5"
    assert i18n.formatted(Decimal("0.123456"), fmt, "en") == "0.1235"


def test_the_summary_shows_every_persons_pay_as_the_engine_computed_it(sheets):
    report, _ = sheets
    grid = html_sheet.grid(summary_of(sheets), "en")
    texts = [c.text for c in shown(grid)]
    for r in report.result.employees:
        assert r.employee.name in texts
        assert i18n.amount(r.total, "en") in texts
    assert i18n.amount(report.result.totals.total, "en") in texts
    ivanov = next(r for r in report.result.employees if r.employee.employee_id == "E001")
    assert i18n.amount(ivanov.total, "en") == "119,800.00"


def test_only_the_print_area_is_drawn_and_the_header_stays_in_view(sheets):
    sheet = summary_of(sheets)
    grid = html_sheet.grid(sheet, "en")
    _, _, last_row, last_col = sheet.page.print_area
    assert all(len(row) == last_col + 1 for row in (*grid.head, *grid.body))
    beyond = {c.value for c in sheet.cells if c.row > last_row and isinstance(c.value, str)}
    assert beyond, "the chart's data lies below the print area"
    header = [c.text for c in grid.head[-1] if c]
    assert header[:2] == ["ID", "Employee"] and all(c.classes == "s-header" for c in grid.head[-1] if c)


def test_completions_are_coloured_as_the_spreadsheet_colours_them(sheets):
    sheet = summary_of(sheets)
    grid = html_sheet.grid(sheet, "en")
    coloured = [c for c in sheet.cells if any(k.first_row <= c.row <= k.last_row and k.first_col <= c.col <= k.last_col
                                              for k in sheet.colours) and isinstance(c.value, Decimal)]
    assert coloured
    drawn = {}
    first_row = sheet.page.print_area[0]
    rows = [*grid.head, *grid.body]
    for cell in coloured:
        colour = next(k for k in sheet.colours if k.first_col <= cell.col <= k.last_col)
        (red, _, cutoff), *_ = colour.bands
        assert red == "red"
        wanted = "s-red" if cell.value < cutoff else "s-amber" if cell.value < 1 else "s-green"
        drawn[wanted] = drawn.get(wanted, 0) + 1
        assert wanted in rows[cell.row - first_row][cell.col].classes.split()
    assert set(drawn) == {"s-red", "s-amber", "s-green"}


def test_the_chart_has_a_bar_per_person_with_the_completion_shown(sheets):
    report, _ = sheets
    chart = html_sheet.grid(summary_of(sheets), "en").charts[0]
    assert chart.target == 1
    assert len(chart.bars) == len(report.result.employees)
    bars = {b.name: b for b in chart.bars}
    for r in report.result.employees:
        k = next(k for k in r.kpis if k.group == "result")
        if k.completion is not None:
            assert bars[r.employee.name].value == k.completion
            assert bars[r.employee.name].text == i18n.percent(k.completion, "en")


def test_merges_span_and_a_text_that_does_not_wrap_runs_on_over_empty_cells():
    sheet = Sheet("s", widths={0: 10, 1: 10, 2: 10, 3: 10})
    sheet.merge(0, 0, 2, "merged", "header")
    sheet.put(1, 0, "a long title that runs on", style="title")
    sheet.put(1, 2, Decimal(5), style="number")
    sheet.put(2, 0, "wraps in its cell", style="text")
    grid = html_sheet.grid(sheet, "en")
    first, second, third = grid.body
    assert first[0].colspan == 3 and first[1] is None and first[2] is None and first[3].text == ""
    assert second[0].colspan == 2 and second[1] is None and second[2].text == "5"
    assert third[0].colspan == 1 and third[1].text == ""


def test_a_link_is_given_to_the_cells_asked_for_and_texts_stay_plain():
    sheet = Sheet("s")
    sheet.put(0, 0, "<script>alert(1)</script>", style="text")
    sheet.put(0, 1, "x", style="text")
    grid = html_sheet.grid(sheet, "en", {(0, 1): "/r/t/payslip/0"})
    cells = grid.body[0]
    assert cells[0].text == "<script>alert(1)</script>" and cells[0].link is None  # escaped by the template
    assert cells[1].link == "/r/t/payslip/0"


def test_every_style_has_a_css_class_and_the_colours_are_the_sheets():
    css = html_sheet.css()
    for name, props in STYLES.items():
        assert f".s-{name}{{" in css
        if props.get("bg_color"):
            assert f".s-{name}{{" in css and props["bg_color"] in css.split(f".s-{name}{{", 1)[1].split("}")[0]


def test_a_colour_range_colours_only_numbers():
    sheet = Sheet("s")
    sheet.put(0, 0, "", style="percent")
    sheet.put(0, 1, Decimal("0.5"), style="percent")
    sheet.colours.append(Colour(0, 0, 0, 1, bands(Decimal("0.8"))))
    row = html_sheet.grid(sheet, "en").body[0]
    assert "s-red" not in row[0].classes and "s-red" in row[1].classes
