"""The generated sheets (`run --out`): LibreOffice recalculates every formula to the engine's figure,
each payslip prints on one A4 page, the layout is what the issue asks for, and user text stays text."""
from __future__ import annotations

import importlib
import re
import subprocess
import textwrap
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from click.testing import CliRunner

import kpi_reports
from kpi_reports import layout
from kpi_reports.cli import main
from kpi_reports.layout.model import MAX_HEIGHT
from kpi_reports.layout.payslip_view import payslip_views
from kpi_reports.messages import text
from kpi_reports.render.xlsx.draw import write_workbook

from conftest import SAMPLES, put

PERIOD = "2026-10"
def report_of(path: Path, period: str = PERIOD, **kwargs):
    wb = kpi_reports.load(path, periods=kpi_reports.trend_months(period))
    return wb, kpi_reports.period_report(wb, period, **kwargs)


def poisoned(path: Path, target: Path) -> Path:
    """The same workbook with every formula's cached value replaced by 0: only a recalculation restores them."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1<v>0</v>", data)
                data = re.sub(rb'(<c [^>]*?) t="str"([^>]*><f>)', rb"\1\2", data)
            dst.writestr(info, data)
    return target


def values(path: Path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def edge_cases(example):
    """Every branch of the formulas: below the cut-off, no plan, the cap, a lower-is-better fact of 0."""
    put(example, "Facts", "calls", 790, employee_id="E001", period=PERIOD)
    put(example, "Plans", "calls", None, employee_id="E002", period=PERIOD)
    put(example, "Facts", "revenue", 9000000, employee_id="E006", period=PERIOD)
    put(example, "Facts", "cycle_days", 0, employee_id="E005", period=PERIOD)
    return example


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_libreoffice_recalculates_every_formula_to_the_engines_figure(example, write, soffice, tmp_path, lang):
    wb, report = report_of(write(edge_cases(example)))
    sheets = layout.sheets(report, lang, wb.settings.company)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets)
    recalculated = values(soffice(poisoned(ours, tmp_path / "poisoned.xlsx"), "xlsx"))
    assert recalculated_as_cached(sheets, recalculated) > 250  # every formula of nine payslips and the summary


def recalculated_as_cached(sheets, recalculated: dict[str, list[list]]) -> int:
    """Asserts that every formula of `sheets` recalculated (`values` of the recalculated file) to the value the
    layout cached; returns how many formulas were checked."""
    checked = 0
    for sheet in sheets:
        got = recalculated[sheet.name]
        for cell in (c for c in sheet.cells if c.formula):
            theirs = got[cell.row][cell.col]
            if isinstance(cell.value, str):
                assert theirs == cell.value, (sheet.name, cell)
            else:
                assert abs(D(str(theirs)) - cell.value) < D("0.000000001"), (sheet.name, cell, theirs)
            checked += 1
    return checked


def test_a_large_team_gets_payslips_sheets_within_excels_page_break_limit(soffice, tmp_path, monkeypatch):
    payslips = importlib.import_module("kpi_reports.layout.payslips")  # the module, not the function
    assert payslips.PER_SHEET < 1023  # Excel keeps at most 1,023 manual page breaks per sheet
    monkeypatch.setattr(payslips, "PER_SHEET", 4)
    wb, report = report_of(SAMPLES / "sales_team.xlsx")
    sheets = layout.sheets(report, "en", wb.settings.company)
    assert [s.name for s in sheets] == ["Payslips 2026-10", "Payslips 2026-10 (2)", "Payslips 2026-10 (3)",
                                        "Summary 2026-10"]
    assert [len(s.page.row_breaks) for s in sheets[:3]] == [3, 3, 0]  # 4 + 4 + 1 people, a page each
    fifth = report.result.employees[4].employee.employee_id
    summary = sheets[-1]
    row = next(c.row for c in summary.cells if c.value == fifth)
    assert all("'Payslips 2026-10 (2)'!" in c.formula for c in summary.cells if c.row == row and c.formula)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets)
    recalculated = values(soffice(poisoned(ours, tmp_path / "poisoned.xlsx"), "xlsx"))["Summary 2026-10"]
    for cell in (c for c in summary.cells if c.formula and not isinstance(c.value, str)):
        assert abs(D(str(recalculated[cell.row][cell.col])) - cell.value) < D("0.000000001"), cell


def test_cached_values_are_what_pandas_reads(example, write, tmp_path):
    import pandas
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    frames = pandas.read_excel(out, sheet_name=None, header=None, engine="calamine")
    payslips = frames["Payslips 2026-10"].fillna("")
    ivanov = payslips.values.tolist()
    assert ["", "", "", "", "", "", "Total", 119800.0] in ivanov
    assert ["Revenue", "result", 3000000.0, 3300000.0, 1.1, 0.4, "110% > 100%: × 1.2", 26400.0] in ivanov


def test_each_payslip_prints_on_one_a4_page(write, soffice, tmp_path):
    wb, report = report_of(SAMPLES / "sales_team.xlsx")
    only_payslips = tmp_path / "payslips.xlsx"
    write_workbook(only_payslips, layout.sheets(report, "en", wb.settings.company)[:1])
    pdf = soffice(only_payslips, "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1) == str(len(report.result.employees))
    assert re.search(r"Page size:\s+595[.\d]* x 841[.\d]* pts \(A4\)", info)  # A4 portrait
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "Ivan Ivanov (E001)" in pages[0] and "119,800.00" in pages[0] and "Pyotr Petrov" not in pages[0]


def test_layout_of_the_generated_sheets(tmp_path):
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(SAMPLES / "sales_team.xlsx"), "--period", PERIOD, "--out", str(out)],
                       catch_exceptions=False)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Payslips 2026-10", "Summary 2026-10"]  # no warnings: no problems sheet
    slips, summary = book["Payslips 2026-10"], book["Summary 2026-10"]
    assert slips.page_setup.paperSize == 9 and slips.page_setup.orientation == "portrait"
    assert slips.sheet_properties.pageSetUpPr.fitToPage and slips.page_setup.fitToHeight == 0  # 1 page wide
    assert len(slips.row_breaks.brk) == 8  # nine people, a page each
    assert slips.print_area and "&P" in slips.oddFooter.center.text
    assert slips["H7"].value == "=IF(ISNUMBER(E7),ROUND(F3*F7*IF(E7<0.8,0,IF(E7<=1,E7,E7*1.2)),2),0)"
    assert slips["E7"].value == '=IF(AND(ISNUMBER(C7),ISNUMBER(D7),N(C7)>0),D7/C7,"")'
    assert summary.freeze_panes == "C2" and summary.auto_filter.ref
    assert len(summary.conditional_formatting) >= 7  # a colour rule set per KPI column
    assert summary["J3"].value == "='Payslips 2026-10'!H14"  # Ivanov's salary: the summary refers to the payslip
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_russian_sheets_have_russian_names_and_labels(tmp_path):
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(SAMPLES / "sales_team_ru.xlsx"), "--period", PERIOD, "--out", str(out)],
                       catch_exceptions=False)
    data = values(out)
    assert list(data) == ["Расчётные листки 2026-10", "Сводка 2026-10"]
    assert "ООО «Ромашка» — расчётный листок за октябрь 2026" in data["Расчётные листки 2026-10"][0]


def test_problems_sheet_lists_the_warnings(example, write, tmp_path):
    cell = put(example, "Plans", "calls", None, employee_id="E002", period=PERIOD)
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out)],
                       catch_exceptions=False)
    rows = values(out)["Problems 2026-10"]
    assert rows[0] == ["Severity", "Sheet", "Cell", "Employee", "Column", "Problem"]
    assert ["warning", "Plans", cell, "Pyotr Petrov", "calls",
            "no plan for calls: it pays 0 this month: found an empty cell"] in rows


def test_test_mode_marks_every_generated_sheet(example, write, tmp_path):
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out), "--test-mode"],
                       catch_exceptions=False)
    for name, rows in values(out).items():
        assert rows[0][0] == "TEST MODE — not a basis for payment", name
    assert sum(r[0] == "TEST MODE — not a basis for payment" for r in values(out)["Payslips 2026-10"]) == 9


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"])
def test_user_text_is_written_as_text_never_as_a_formula(example, write, tmp_path, text):
    put(example, "Employees", "name", text, employee_id="E001")
    put(example, "Employees", "position", text, employee_id="E001")
    put(example, "KPIs", "title", text, kpi="revenue")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    found = [c for ws in book for row in ws.iter_rows() for c in row if c.value == text or
             (isinstance(c.value, str) and c.value.startswith(text + " ("))]
    assert len(found) >= 3 and all(c.data_type == "s" for c in found)
    with zipfile.ZipFile(out) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert not re.search(rb"<f>[^<]*(HYPERLINK|SUM\(A1\)|1\+1|2\+3)", sheets)


def test_text_is_stored_the_way_excel_stores_it():
    from kpi_reports.render.xlsx.draw import _text
    assert _text('a & b <c> "q"') == 'a &amp; b &lt;c&gt; "q"'
    assert _text("tab\there, bell\x07") == "tab\there, bell_x0007_"  # a control character cannot be XML
    assert _text("_x0041_") == "_x005F_x0041_"  # a literal escape stays literal


# --- the printed pages, as people see them ---------------------------------------------------------------

LO_CHAR = {"en": 0.80, "ru": 0.90}
"""What an average character of a weak spot takes in LibreOffice's print (DejaVu Sans for Calibri), in
column-width units: measured from pdftotext -bbox of the samples' summaries."""
_WORD_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def generated(source: Path, out: Path, lang: str) -> openpyxl.Workbook:
    result = CliRunner().invoke(main, ["run", str(source), "--period", PERIOD, "--out", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def printed_lines(text: str, width: float, lang: str) -> int:
    """The lines LibreOffice prints `text` on, wrapped in a column `width` wide (indent and margins: 2.5)."""
    return len(textwrap.wrap(text, int((width - 2.5) / LO_CHAR[lang]))) or 1


def word_boxes(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, every printed word with its box."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD_BOX.findall(page)]
            for page in xml.split("<page ")[1:]]


def overprinted(words: list[tuple[float, float, float, float, str]]) -> list[tuple[str, str]]:
    """Pairs of words printed over each other: boxes that share more than a third of a line's height and
    more than half a point across."""
    found, words = [], sorted(words)
    for i, (x0, y0, x1, y1, word) in enumerate(words):
        for u0, v0, u1, v1, other in words[i + 1:]:
            if u0 >= x1:
                break
            if min(y1, v1) - max(y0, v0) > 0.3 * min(y1 - y0, v1 - v0) and min(x1, u1) - max(x0, u0) > 0.5:
                found.append((word, other))
    return found


@pytest.mark.parametrize(("sample", "lang"), [("sales_team.xlsx", "en"), ("sales_team.xlsx", "ru"),
                                              ("sales_team_ru.xlsx", "ru")])
def test_summary_rows_are_tall_enough_for_their_wrapped_weak_spot(tmp_path, sample, lang):
    out = tmp_path / "out.xlsx"
    summary = generated(SAMPLES / sample, out, lang).worksheets[1]
    spot_col = next(c.column for c in summary[1] if c.value == text("main_weak_spot", lang))
    width = summary.column_dimensions[openpyxl.utils.get_column_letter(spot_col)].width
    wrapped = 0
    for row in summary.iter_rows(min_row=2):
        spot = row[spot_col - 1].value
        if spot:
            need = printed_lines(spot, width, lang)
            wrapped += need > 1
            assert (summary.row_dimensions[row[0].row].height or 15) >= 15 * need, (row[0].row, spot)
    assert wrapped >= 3  # the samples' weak spots do wrap: the test sees what the issue saw
    with zipfile.ZipFile(out) as z:
        heights = re.findall(rb'<row r="\d+" ht="(\d+)" customHeight="1">', z.read("xl/worksheets/sheet2.xml"))
    assert any(int(h) >= 30 for h in heights)  # written to the file, lines of 15 points


def test_row_heights_grow_with_the_text_at_any_length(example, write):
    heights = []
    for words in (1, 5, 300):
        put(example, "KPIs", "title", " ".join(["Average check of new customers"] * words), kpi="avg_check")
        wb, report = report_of(write(example))
        slips, summary = layout.sheets(report, "en", wb.settings.company)[:2]
        title = next(c for c in slips.cells if c.col == 0 and str(c.value).startswith("Average check of"))
        spot = next(c for c in summary.cells if str(c.value).startswith("Average check of"))
        for sheet, cell in ((slips, title), (summary, spot)):
            need = 15 * printed_lines(cell.value, sheet.widths[cell.col], "en")
            assert sheet.heights.get(cell.row, 15) >= min(need, MAX_HEIGHT)
        heights.append((slips.heights.get(title.row, 15), summary.heights.get(spot.row, 15)))
    for short, longer, longest in zip(*heights):
        assert short < longer < longest == MAX_HEIGHT  # up to as tall as Excel lets a row be


def print_rows(name: str) -> tuple[int, int]:
    """First and last row (1-based) of a print area such as 'Summary'!$A$1:$N$40."""
    first, last = re.search(r"\$[A-Z]+\$(\d+):\$[A-Z]+\$(\d+)", name).groups()
    return int(first), int(last)


def chart_rows(path: Path) -> tuple[int, int]:
    """First and last row (1-based) the workbook's one chart covers, from its drawing's anchor."""
    with zipfile.ZipFile(path) as z:
        drawing = z.read(next(n for n in z.namelist() if n.startswith("xl/drawings/drawing"))).decode()
    (top, _), (bottom, offset) = re.findall(r"<xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff>", drawing)
    return int(top) + 1, int(bottom) + (int(offset) > 0)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_summary_chart_is_inside_the_print_area(tmp_path, lang):
    out = tmp_path / "out.xlsx"
    summary = generated(SAMPLES / "sales_team.xlsx", out, lang).worksheets[1]
    assert summary.page_setup.paperSize == 9 and summary.page_setup.orientation == "landscape"
    first, last = print_rows(summary.print_area)
    top, bottom = chart_rows(out)
    company_total = max(c.row for c in summary["B"] if c.value == text("company_total", lang))
    assert first == 1 and company_total < top <= bottom <= last  # below the table, inside the print area
    breaks = [b.id for b in summary.row_breaks.brk]
    assert breaks in ([], [top - 2])  # on the table's page, or a row below the start of a page of its own


def test_summary_chart_gets_a_page_of_its_own_when_the_table_fills_one(write, tmp_path):
    from kpi_reports.workbook.example import example_data
    wb, report = report_of(write(example_data("en", managers=60, months=("2026-08", "2026-09", "2026-10"))))
    summary = layout.sheets(report, "en", wb.settings.company)[-1]
    (chart,) = summary.charts
    assert summary.page.row_breaks == (chart.anchor[0] - 1,)  # the chart starts a page, a row below its top
    assert chart.to[0] <= summary.page.print_area[2]
    assert chart.to[0] - chart.anchor[0] + 1 > 30  # and fills it rather than a corner of it


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_printed_pages_show_every_text_whole_and_nothing_over_anything(example, write, soffice, tmp_path, lang):
    """LibreOffice prints the sheets of a team with long texts and large figures: no two words on a page
    overlap, the payslip labels and rules are whole, no number is ###, each payslip is one page, and the
    summary's page holds the chart."""
    put(example, "KPIs", "title", "Average check of closed deals for new customers of the region", kpi="avg_check")
    put(example, "Employees", "name", "Konstantinopolskaya-Shcherbakova Anastasia Aleksandrovna", employee_id="E001")
    put(example, "Employees", "salary", 912345678.9, employee_id="E002")
    put(example, "Plans", "revenue", 3500000000, employee_id="E002", period=PERIOD)
    put(example, "Facts", "revenue", 4123456789, employee_id="E002", period=PERIOD)
    wb, report = report_of(write(example))
    sheets = layout.sheets(report, lang, wb.settings.company)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets[:2])
    pdf = soffice(ours, "pdf")
    pages = word_boxes(pdf)
    people = len(report.result.employees)
    chart_page = people + len(sheets[1].page.row_breaks)  # the chart on the table's page, else on the next
    assert len(pages) == chart_page + 1  # a page per payslip, then the summary with its chart
    for n, words in enumerate(pages, 1):
        assert not overprinted(words), (n, overprinted(words)[:5])
    shown = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    assert all(word in page for page in shown[:people] for word in text("bonus_target", lang).split())  # wrapped
    assert "###" not in "".join(shown)
    assert f"{report.result.employees[1].total:,.2f}" in shown[1]  # the large total, whole
    rules = [c for c in sheets[0].cells if c.col == 6 and c.formula and c.style == "text"]
    page = shown[0].split()
    assert all(word in page for c in rules if c.row < 12 for word in c.value.split())  # whole, if wrapped
    chart_title = text("chart_completion", lang, kpi="Revenue")
    assert chart_title in " ".join(shown[chart_page].split())


def test_text_keeps_off_the_cell_borders(tmp_path):
    slips = generated(SAMPLES / "sales_team.xlsx", tmp_path / "out.xlsx", "en").worksheets[0]
    row = next(c.row for c in slips["G"] if str(c.value).startswith("=IF(ISNUMBER(E"))  # the first KPI's rule
    rule, kpi, payout = slips[f"G{row}"], slips[f"A{row}"], slips[f"H{row}"]
    assert rule.alignment.horizontal == kpi.alignment.horizontal == "left"
    assert rule.alignment.indent >= 1 and kpi.alignment.indent >= 1
    assert payout.number_format.endswith("_)")  # a number keeps a space from the right border


def test_each_completion_is_coloured_against_its_own_persons_cut_off():
    """The head of sales' revenue cut-off (85%) is not the managers' (80%): one column, two ranges, and a
    manager at 84% is amber, not red."""
    report = kpi_reports.period_report(kpi_reports.load(SAMPLES / "sales_team.xlsx"), "2026-12")
    sheet = next(s for s in layout.sheets(report, "en") if s.kind == "summary")
    by_cell = {(c.row, c.col): c for c in sheet.cells}
    names = {c.value: c.row for c in sheet.cells if c.col == 0}
    cols = {title: col for (row, col), c in by_cell.items() if c.style == "header" for title in [c.value]}
    cutoffs = {k.cutoff for r in report.result.employees for k in r.kpis if k.kpi == "revenue"}
    assert len(cutoffs) == 2, "the sample's head and managers have different revenue cut-offs"
    checked = 0
    for r in report.result.employees:
        for k in r.kpis:
            cell = (names[r.employee.employee_id], cols[k.title])
            ranges = [c for c in sheet.colours
                      if c.first_row <= cell[0] <= c.last_row and c.first_col <= cell[1] <= c.last_col]
            assert [c.bands for c in ranges] == [(("red", "<", k.cutoff), ("amber", "<", 1), ("green", ">=", 1))], \
                (r.employee.employee_id, k.kpi)
            checked += 1
    assert checked == sum(len(r.kpis) for r in report.result.employees)


def test_the_payslips_sheet_from_the_printed_payslips_views_is_the_same_sheet():
    """`run --pdf` makes the payslip views once, for the PDF and the sheet: the sheet is the one it makes alone."""
    wb, report = report_of(SAMPLES / "sales_team.xlsx")
    views = payslip_views(report, "ru", wb.settings.company)
    given = layout.sheets(report, "ru", wb.settings.company, views)
    alone = layout.sheets(report, "ru", wb.settings.company)
    assert [(s.name, s.cells, s.merges, s.heights, s.anchors) for s in given] == [
        (s.name, s.cells, s.merges, s.heights, s.anchors) for s in alone]
