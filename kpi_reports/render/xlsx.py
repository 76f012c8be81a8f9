"""Drawing layouts as .xlsx sheets: formulas with their computed values cached, so that programs that
read cached values (pandas, python-calamine) see the figures Excel shows.

XlsxWriter draws everything around the cells — formats, widths, merges, frozen panes, autofilters,
conditional formats, charts, page setup — and the cells themselves are written as sheet XML directly
(XlsxWriter's per-cell writing costs about 40 µs a cell, most of it parsing each formula). Strings are
inline, so the sheets can be added to another workbook without touching its shared strings.

User text is always written as text, never as a formula: a name such as `=HYPERLINK("http://x","y")`
stays a name.
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from decimal import Decimal

import xlsxwriter

from kpi_reports.layout.model import STYLES, Cell, Sheet
from kpi_reports.names import a1, col_letter
from kpi_reports.render.atomic import atomic_path

A4 = 9
LAST_COL = 16383
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_SHEET_DATA = re.compile(r"<sheetData>.*?</sheetData>|<sheetData/>", re.S)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def write_workbook(path: str | os.PathLike, sheets: list[Sheet]) -> None:
    """A new workbook at `path` (atomically) holding only `sheets`."""
    with atomic_path(path) as tmp:
        render(tmp, sheets)


def render(path: str | os.PathLike, sheets: list[Sheet]) -> None:
    """Draws `sheets` into a new workbook at `path`."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    formats = {name: book.add_format(props) for name, props in STYLES.items()}
    for sheet in sheets:
        _frame(book, book.add_worksheet(sheet.name), sheet, formats)
    book.close()
    styles = {name: f.xf_index for name, f in formats.items() if f.xf_index is not None}
    _fill(path, [_cells(sheet, styles) for sheet in sheets])


def _frame(book, ws, sheet: Sheet, formats: dict) -> None:
    """Everything but the cells. Each style is used once, far right, so that it gets its number."""
    for i, style in enumerate(sorted({c.style for c in sheet.cells if c.style})):
        ws.write_blank(0, LAST_COL - i, None, formats[style])
    for m in sheet.merges:
        ws.merge_range(m.first_row, m.first_col, m.last_row, m.last_col, "")
    for col, width in sheet.widths.items():
        ws.set_column(col, col, width)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.autofilter:
        ws.autofilter(*sheet.autofilter)
    for c in sheet.colours:
        _colours(ws, c, formats)
    for chart in sheet.charts:
        _chart(book, ws, sheet.name, chart)
    _page(ws, sheet)


def _cells(sheet: Sheet, styles: dict[str, int]) -> tuple[str, str]:
    """(the <sheetData> element, the <dimension> ref) of a sheet's cells; merged ranges carry the
    style of their first cell across."""
    cells = {(c.row, c.col): c for c in sheet.cells}
    for m in sheet.merges:
        first = cells.get((m.first_row, m.first_col))
        for row in range(m.first_row, m.last_row + 1):
            for col in range(m.first_col, m.last_col + 1):
                cells.setdefault((row, col), Cell(row, col, style=first.style if first else None))
    if not cells:
        return "<sheetData/>", "A1"
    rows: dict[int, list[str]] = {}
    for (row, _), cell in sorted(cells.items()):
        xml = _cell_xml(cell, styles)
        if xml:
            rows.setdefault(row, []).append(xml)
    data = "".join(f'<row r="{r + 1}">{"".join(c)}</row>' for r, c in rows.items())
    last_row, last_col = max(r for r, _ in cells), max(c for _, c in cells)
    return f"<sheetData>{data}</sheetData>", f"A1:{a1(last_row, last_col)}"


def _cell_xml(cell: Cell, styles: dict[str, int]) -> str:
    ref = f"{col_letter(cell.col)}{cell.row + 1}"
    s = f' s="{styles[cell.style]}"' if cell.style in styles else ""
    value = cell.value
    if cell.formula:
        formula = _escape(cell.formula[1:] if cell.formula.startswith("=") else cell.formula)
        if isinstance(value, (Decimal, int)):
            return f'<c r="{ref}"{s}><f>{formula}</f><v>{float(value):.16G}</v></c>'
        return f'<c r="{ref}"{s} t="str"><f>{formula}</f><v>{_text(value or "")}</v></c>'
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    if isinstance(value, (Decimal, int)):
        return f'<c r="{ref}"{s}><v>{float(value):.16G}</v></c>'
    return f'<c r="{ref}"{s}/>' if s else ""


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _text(text: str) -> str:
    """As Excel stores text: XML-escaped, control characters as _xHHHH_ (and a literal _xHHHH_ kept so)."""
    text = _escape(text)
    if "_x" in text:
        text = _ESCAPED.sub(r"_x005F\1", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text) if _CONTROL.search(text) else text


def _fill(path: str | os.PathLike, sheets: list[tuple[str, str]]) -> None:
    """Puts each sheet's cells into the workbook XlsxWriter wrote (sheet1.xml, sheet2.xml… in order)."""
    drawn = f"{path}.drawn"
    shutil.move(path, drawn)
    try:
        with zipfile.ZipFile(drawn) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                number = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
                if number:
                    cells, dimension = sheets[int(number.group(1)) - 1]
                    xml = data.decode("utf-8")
                    xml = _SHEET_DATA.sub(lambda _: cells, xml, count=1)
                    xml = _DIMENSION.sub(f'<dimension ref="{dimension}"/>', xml, count=1)
                    data = xml.encode("utf-8")
                dst.writestr(info.filename, data)
    finally:
        os.unlink(drawn)


def _colours(ws, c, formats: dict) -> None:
    top_left = a1(c.first_row, c.first_col)
    rules = [("red", f"AND(ISNUMBER({top_left}),{top_left}<{c.cutoff})"),
             ("amber", f"AND(ISNUMBER({top_left}),{top_left}<1)"),
             ("green", f"AND(ISNUMBER({top_left}),{top_left}>=1)")]
    for style, criteria in rules:
        ws.conditional_format(c.first_row, c.first_col, c.last_row, c.last_col,
                              {"type": "formula", "criteria": "=" + criteria, "format": formats[style],
                               "stop_if_true": True})


def _chart(book, ws, name: str, chart) -> None:
    column = book.add_chart({"type": "column"})
    col, first, last = chart.names
    vcol, vfirst, vlast = chart.values
    column.add_series({"name": chart.title, "categories": [name, first, col, last, col],
                       "values": [name, vfirst, vcol, vlast, vcol], "data_labels": {"value": False}})
    line = book.add_chart({"type": "line"})
    line.add_series({"name": chart.target_title, "categories": [name, first, col, last, col],
                     "values": [name, vfirst, vcol + 1, vlast, vcol + 1],
                     "line": {"color": "#C00000", "width": 2}, "marker": {"type": "none"}})
    column.combine(line)
    column.set_title({"name": chart.title})
    column.set_y_axis({"num_format": "0%", "min": 0})
    column.set_legend({"position": "bottom"})
    column.set_size({"width": 720, "height": 360})
    ws.insert_chart(*chart.anchor, column)


def _page(ws, sheet: Sheet) -> None:
    page = sheet.page
    ws.set_paper(A4)
    if page.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    if page.fit_width:
        ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if page.row_breaks:
        ws.set_h_pagebreaks(list(page.row_breaks))
    if page.print_area:
        ws.print_area(*page.print_area)
    if page.footer:
        ws.set_footer("&C" + page.footer)
    if page.repeat_rows:
        ws.repeat_rows(*page.repeat_rows)
