"""Drawing layouts as .xlsx sheets: formulas with their computed values cached, so that programs that
read cached values (pandas, python-calamine) see the figures Excel shows.

XlsxWriter draws the frame — formats, widths, frozen panes, autofilters, conditional formats, charts,
page setup — and `sheet_xml` fills it with the cells, the rows' heights and the merged ranges as sheet
XML, in chunks, once the style numbers are final (XlsxWriter's per-cell writing costs about 40 µs a cell,
most of it parsing each formula). Strings are inline, so the sheets can be added to another workbook
without touching its shared strings.

User text is always written as text, never as a formula: a name such as `=HYPERLINK("http://x","y")`
stays a name.
"""
from __future__ import annotations

import operator
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from kpi_reports.files import atomic_path
from kpi_reports.layout.geometry import chart_px
from kpi_reports.layout.model import STYLES, Cell, Chart, Colour, Sheet, cells_by_row, merge_fills
from kpi_reports.names import a1, col_letter
from kpi_reports.render.xlsx.package import PackageWriter

A4 = 9
LAST_COL = 16383
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_SHEET_DATA = re.compile(r"<sheetData>.*?</sheetData>|<sheetData/>", re.DOTALL)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
_AFTER_MERGES = re.compile(r"<(?:phoneticPr|conditionalFormatting|dataValidations|hyperlinks|printOptions|pageMargins)\b")
_SHEET_PART = re.compile(r"xl/worksheets/sheet(\d+)\.xml")


@dataclass
class Frame:
    """A workbook XlsxWriter drew with everything but the cells, and the cell format of each style."""

    path: Path
    styles: dict[str, int]

    def sheet_index(self, part: str) -> int | None:
        """Which of the sheets a part of the frame is (XlsxWriter names them sheet1.xml… in order)."""
        m = _SHEET_PART.fullmatch(part)
        return int(m.group(1)) - 1 if m else None


def write_workbook(path: str | os.PathLike, sheets: list[Sheet]) -> None:
    """A new workbook at `path` (atomically) holding only `sheets`."""
    with tempfile.TemporaryDirectory(prefix="kpi-reports-") as folder, atomic_path(path) as tmp:
        frame = draw(Path(folder) / "frame.xlsx", sheets)
        with zipfile.ZipFile(frame.path) as src, PackageWriter(tmp) as out:
            for info in src.infolist():
                index = frame.sheet_index(info.filename)
                if index is None:
                    out.copy(src, info)
                else:
                    out.stream(info.filename, sheet_xml(src.read(info).decode("utf-8"), sheets[index], frame.styles))


def draw(path: Path, sheets: list[Sheet]) -> Frame:
    """Draws everything of `sheets` but their cells and merged ranges into a new workbook at `path`."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    formats = {name: book.add_format(props) for name, props in STYLES.items()}
    for sheet in sheets:
        _frame(book, book.add_worksheet(sheet.name), sheet, formats)
    book.close()
    return Frame(path, {name: f.xf_index for name, f in formats.items() if f.xf_index is not None})


def _frame(book, ws, sheet: Sheet, formats: dict) -> None:
    """Everything but the cells. Each style of a cell or a merged range is used once, far right, so that
    it gets its number."""
    styles = {c.style for c in sheet.cells if c.style} | {m.style for m in sheet.merges if m.style}
    for i, style in enumerate(sorted(styles)):
        ws.write_blank(0, LAST_COL - i, None, formats[style])
    for col, width in sheet.widths.items():
        ws.set_column(col, col, width)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.autofilter:
        ws.autofilter(*sheet.autofilter)
    for c in sheet.colours:
        _colours(ws, c, formats)
    for chart in sheet.charts:
        _chart(book, ws, sheet, chart)
    for v in sheet.validations:
        ws.data_validation(v.first_row, v.first_col, v.last_row, v.last_col,
                           {"validate": "decimal", "criteria": "between", "minimum": float(v.minimum),
                            "maximum": float(v.maximum), "input_title": v.title[:32], "input_message": v.message[:255],
                            "error_title": v.title[:32], "error_message": v.message[:255]})
    _page(ws, sheet)


def sheet_xml(frame: str, sheet: Sheet, styles: dict[str, int]) -> Iterator[str]:
    """The frame's sheet XML with the cells, row heights and merged ranges of `sheet` in it, in chunks;
    `styles` gives each style's cell format number."""
    data = _SHEET_DATA.search(frame)
    head, tail = frame[:data.start()], frame[data.end():]
    rows = _rows(sheet)
    last_col = max((cells[-1].col for cells in rows.values() if cells), default=0)
    if rows:
        head = _DIMENSION.sub(f'<dimension ref="A1:{a1(max(rows), last_col)}"/>', head, count=1)
    cell_xml, heights = _CellXml(styles, last_col), sheet.heights
    yield head
    yield "<sheetData>"
    for r in sorted(rows.keys() | heights.keys()):
        yield cell_xml.row(r + 1, rows.get(r, ()), heights.get(r))
    yield "</sheetData>"
    at = _AFTER_MERGES.search(tail)
    if sheet.merges:
        yield tail[:at.start()]
        yield f'<mergeCells count="{len(sheet.merges)}">'
        yield "".join(f'<mergeCell ref="{a1(m.first_row, m.first_col)}:{a1(m.last_row, m.last_col)}"/>'
                      for m in sheet.merges)
        yield "</mergeCells>"
        yield tail[at.start():]
    else:
        yield tail


def _rows(sheet: Sheet) -> dict[int, list[Cell]]:
    """The cells by row, in column order, with a blank cell of the merged range's style in each cell a
    merged range covers (`merge_fills`). The blanks are shared between rows: only their column and
    style are read."""
    rows = cells_by_row(sheet)
    blanks: dict[tuple[int, str | None], Cell] = {}
    for row, col, style in merge_fills(sheet):
        blank = blanks.get((col, style))
        if blank is None:
            blank = blanks[col, style] = Cell(-1, col, None, None, style)
        rows.setdefault(row, []).append(blank)
    for cells in rows.values():
        cells.sort(key=_COLUMN)
    return rows


_COLUMN = operator.attrgetter("col")
_LETTERS = [col_letter(i) for i in range(26 * 27)]
"""Column letters by index, A to ZZ to start with; `_letters` extends them to a wider sheet's last column."""


def _letters(last_col: int) -> list[str]:
    """The column letters from A to at least `last_col` (at most XFD, Excel's last column): a table, as a
    row of cells looks each one up. A wider sheet builds a longer table, once; it is swapped in whole,
    so that a sheet drawn at the same time in another thread keeps a table it can read."""
    global _LETTERS
    table = _LETTERS
    if last_col >= len(table):
        if last_col > LAST_COL:
            raise ValueError(f"column {last_col + 1} is beyond XFD, the last of the {LAST_COL + 1} an Excel sheet has")
        table = _LETTERS = table + [col_letter(i) for i in range(len(table), last_col + 1)]
    return table


class _CellXml:
    """Cells as sheet XML. Texts repeat (labels, teams, rules), so each is escaped once."""

    def __init__(self, styles: dict[str, int], last_col: int = 0):
        self.letters = _letters(last_col)
        self.attrs: dict[str | None, str] = {name: f' s="{number}"' for name, number in styles.items()}
        self.attrs[None] = ""
        self.texts: dict[str, str] = {}

    def row(self, n: int, cells: list[Cell] | tuple, height: float | None = None) -> str:
        out, attrs, texts, letters, n = [], self.attrs, self.texts, self.letters, str(n)
        for cell in cells:
            ref = letters[cell.col] + n
            s = attrs[cell.style]
            value = cell.value
            if cell.formula:
                formula = _escape(cell.formula[1:] if cell.formula[0] == "=" else cell.formula)
                if value is None or type(value) is str:
                    out.append(f'<c r="{ref}"{s} t="str"><f>{formula}</f><v>{_text(value or "")}</v></c>')
                else:
                    out.append(f'<c r="{ref}"{s}><f>{formula}</f><v>{_number(value)}</v></c>')
            elif type(value) is str:
                shown = texts.get(value)
                if shown is None:
                    space = ' xml:space="preserve"' if value != value.strip() else ""
                    shown = texts[value] = f' t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
                out.append(f'<c r="{ref}"{s}{shown}')
            elif value is not None:
                out.append(f'<c r="{ref}"{s}><v>{_number(value)}</v></c>')
            elif s:
                out.append(f'<c r="{ref}"{s}/>')
        if height is None:
            return f'<row r="{n}">{"".join(out)}</row>'
        return f'<row r="{n}" ht="{height:g}" customHeight="1">{"".join(out)}</row>'


def _number(value: Decimal | int) -> str:
    """The value's exact decimal text, which spreadsheets read as the nearest double; scientific
    notation only through float, as Excel writes it."""
    shown = str(value)
    return shown if "E" not in shown else f"{float(value):.16G}"


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _text(text: str) -> str:
    """As Excel stores text: XML-escaped, control characters as _xHHHH_ (and a literal _xHHHH_ kept so)."""
    if text.isprintable() and "&" not in text and "<" not in text and ">" not in text and "_x" not in text:
        return text
    text = _escape(text)
    if "_x" in text:
        text = _ESCAPED.sub(r"_x005F\1", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text) if _CONTROL.search(text) else text


def _colours(ws, c: Colour, formats: dict) -> None:
    """A formula rule per band, in the bands' order, each stopping the rest when it holds: the first
    band a number falls in colours it."""
    top_left = a1(c.first_row, c.first_col)
    for style, comparison, bound in c.bands:
        ws.conditional_format(c.first_row, c.first_col, c.last_row, c.last_col,
                              {"type": "formula", "format": formats[style], "stop_if_true": True,
                               "criteria": f"=AND(ISNUMBER({top_left}),{top_left}{comparison}{_number(bound)})"})


CHART_FONT = 11
"""Points of the chart's labels and legend: the cells' size, so that the chart prints as readable as they."""


def _chart(book, ws, sheet: Sheet, chart: Chart) -> None:
    name = sheet.name
    column = book.add_chart({"type": "column"})
    col, first, last = chart.names
    vcol, vfirst, vlast = chart.values
    column.add_series({"name": chart.title, "categories": [name, first, col, last, col],
                       "values": [name, vfirst, vcol, vlast, vcol], "data_labels": {"value": False}})
    line = book.add_chart({"type": "line"})
    line.add_series({"name": chart.target_title, "categories": [name, first, col, last, col],
                     "values": [name, vfirst, vcol + 1, vlast, vcol + 1],
                     "line": {"color": chart.line.colour, "width": chart.line.width}, "marker": {"type": "none"}})
    column.combine(line)
    column.set_title({"name": chart.title, "name_font": {"size": CHART_FONT + 2}})
    column.set_x_axis({"num_font": {"size": CHART_FONT}})
    column.set_y_axis({"num_format": "0%", "min": 0, "num_font": {"size": CHART_FONT}})
    column.set_legend({"position": "bottom", "font": {"size": CHART_FONT}})
    width, height = chart_px(sheet, chart.anchor, chart.to)
    column.set_size({"width": width, "height": height})
    if chart.to is not None:  # XlsxWriter anchors the chart's far corner by the heights it knows
        for row in range(chart.anchor[0], chart.to[0] + 1):
            if row in sheet.heights:
                ws.set_row(row, sheet.heights[row])
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
    left, right, top, bottom = page.margins
    ws.set_margins(left=left, right=right, top=top, bottom=bottom)
    if page.row_breaks:
        ws.set_h_pagebreaks(list(page.row_breaks))
    if page.print_area:
        ws.print_area(*page.print_area)
    if page.footer:
        ws.set_footer("&C" + page.footer)
    if page.repeat_rows:
        ws.repeat_rows(*page.repeat_rows)
