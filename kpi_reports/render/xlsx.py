"""Drawing layouts as .xlsx sheets with XlsxWriter: formulas with their computed values cached, so that
programs that read cached values (pandas, python-calamine) see the figures Excel shows.

User text is always written as text (`write_string`), never as a formula: a name such as
`=HYPERLINK("http://x","y")` stays a name.
"""
from __future__ import annotations

import os
from decimal import Decimal

import xlsxwriter

from kpi_reports.layout.model import STYLES, Cell, Sheet
from kpi_reports.names import a1
from kpi_reports.render.atomic import atomic_path

A4 = 9


def write_workbook(path: str | os.PathLike, sheets: list[Sheet]) -> None:
    """A new workbook at `path` (atomically) holding only `sheets`."""
    with atomic_path(path) as tmp:
        render(tmp, sheets)


def render(path: str | os.PathLike, sheets: list[Sheet]) -> None:
    """Draws `sheets` into a new workbook at `path`. Constant-memory mode: rows are written in order and
    strings inline, so the sheets can be added to another workbook without touching its shared strings."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False, "constant_memory": True})
    draw(book, sheets)
    book.close()


def draw(book: xlsxwriter.Workbook, sheets: list[Sheet]) -> None:
    formats = {name: book.add_format(props) for name, props in STYLES.items()}
    for sheet in sheets:
        _sheet(book, book.add_worksheet(sheet.name), sheet, formats)


def _sheet(book, ws, sheet: Sheet, formats: dict) -> None:
    cells = {(c.row, c.col): c for c in sheet.cells}
    merges = {(m.first_row, m.first_col): m for m in sheet.merges}
    for key in sorted(cells.keys() | merges.keys()):  # row by row, as constant-memory mode needs
        cell, m = cells.get(key), merges.get(key)
        fmt = formats.get(cell.style) if cell and cell.style else None
        if m:
            ws.merge_range(m.first_row, m.first_col, m.last_row, m.last_col, "", fmt)
        if cell:
            _cell(ws, cell, fmt)
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


def _cell(ws, cell: Cell, fmt) -> None:
    r, c, value = cell.row, cell.col, cell.value
    if cell.formula:
        ws.write_formula(r, c, cell.formula, fmt, _cached(value))
    elif isinstance(value, str):
        ws.write_string(r, c, value, fmt)
    elif isinstance(value, (Decimal, int)):
        ws.write_number(r, c, float(value), fmt)
    elif fmt is not None:
        ws.write_blank(r, c, None, fmt)


def _cached(value) -> float | str:
    if value is None:
        return ""
    return float(value) if isinstance(value, (Decimal, int)) else value


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
