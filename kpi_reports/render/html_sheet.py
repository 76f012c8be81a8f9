"""A generated sheet drawn as an HTML table, for the web page: the same layout the xlsx and Google Sheets
renderers draw (`layout/`), never a second description of what a sheet holds.

`grid` turns a layout Sheet into rows of display cells — the print area only (the summary's chart data
and the review's what-if block lie outside it), merges as spans, each number as the sheet's number format
shows it, each coloured number with the class of the first of its colour's bands it falls in (the
layout's bands, which the spreadsheets' rules translate too), column widths in the pixels the
spreadsheets give them (`layout/geometry.py`) — and each chart into bars with the layout's target line;
the template `templates/web/sheet.html.j2` draws it with autoescape, so no text from a workbook is
markup. A row that tells how to use a spreadsheet's input cells (`Sheet.for_spreadsheets`: typing in the
review's yellow cells) is left out: the page has no cells to type in. `css` gives the layout's named styles as CSS classes."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from kpi_reports import i18n
from kpi_reports.layout.geometry import width_px
from kpi_reports.layout.model import STYLES, Cell, Chart, Colour, Line, Sheet


@dataclass(frozen=True, slots=True)
class GridCell:
    text: str
    classes: str
    colspan: int = 1
    rowspan: int = 1
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    name: str
    value: Decimal
    text: str


@dataclass(frozen=True, slots=True)
class ChartView:
    title: str
    target: Decimal
    target_title: str
    line: Line
    """How the target line is drawn."""
    bars: tuple[Bar, ...]
    top: Decimal
    """The value the chart's height stands for: the largest bar or the target line, whichever is higher."""


@dataclass(frozen=True, slots=True)
class Grid:
    name: str
    widths: tuple[int, ...]
    """Each column's width in pixels, as the spreadsheets draw it."""
    head: tuple[tuple[GridCell | None, ...], ...]
    """The rows frozen at the top (the header): they stay in view when the table scrolls."""
    body: tuple[tuple[GridCell | None, ...], ...]
    """None: a cell covered by a merge, drawn by the cell it starts at."""
    charts: tuple[ChartView, ...]


def grid(sheet: Sheet, lang: str, links: Mapping[tuple[int, int], str] | None = None) -> Grid:
    """The sheet's print area as display rows; `links`: (row, col) → the address a cell's text points to."""
    cells = {(c.row, c.col): c for c in sheet.cells}
    first_row, first_col, last_row, last_col = sheet.page.print_area or _extent(sheet)
    covered, spans = _merges(sheet)
    charted = {r for chart in sheet.charts if chart.to for r in range(chart.anchor[0], chart.to[0] + 1)}
    left_out = charted | sheet.for_spreadsheets
    links = links or {}
    rows = []
    for r in range(first_row, last_row + 1):
        if r in left_out:
            continue
        row = []
        for c in range(first_col, last_col + 1):
            if (r, c) in covered:
                row.append(None)
                continue
            cell = cells.get((r, c))
            rowspan, colspan = spans.get((r, c), (1, 1))
            if (r, c) not in spans and _overflows(cell):
                colspan = _free(r, c, last_col, cells, covered)
                covered.update((r, k) for k in range(c + 1, c + colspan))
            row.append(GridCell(_text(cell, lang), _classes(cell, sheet.colours), min(colspan, last_col - c + 1),
                                rowspan, links.get((r, c))))
        rows.append(tuple(row))
    while rows and all(c is None or not (c.text or c.classes) for c in rows[-1]):
        rows.pop()  # an empty row that only spaces the sheet's last block from what follows it
    frozen = sum(r not in left_out for r in range(first_row, sheet.freeze[0] if sheet.freeze else 0))
    widths = tuple(width_px(sheet, c) for c in range(first_col, last_col + 1))
    return Grid(sheet.name, widths, tuple(rows[:frozen]), tuple(rows[frozen:]),
                tuple(_chart(chart, cells, lang) for chart in sheet.charts))


def _extent(sheet: Sheet) -> tuple[int, int, int, int]:
    """No print area: every row with a cell, every column with a cell or a width."""
    rows = [c.row for c in sheet.cells] or [0]
    cols = [c.col for c in sheet.cells] + list(sheet.widths) or [0]
    return 0, 0, max(rows), max(cols)


def _merges(sheet: Sheet) -> tuple[set[tuple[int, int]], dict[tuple[int, int], tuple[int, int]]]:
    covered, spans = set(), {}
    for m in sheet.merges:
        spans[m.first_row, m.first_col] = (m.last_row - m.first_row + 1, m.last_col - m.first_col + 1)
        covered.update((r, c) for r in range(m.first_row, m.last_row + 1) for c in range(m.first_col, m.last_col + 1)
                       if (r, c) != (m.first_row, m.first_col))
    return covered, spans


def _overflows(cell: Cell | None) -> bool:
    """A text that does not wrap runs on over the empty cells to its right, as in a spreadsheet."""
    return (cell is not None and isinstance(cell.value, str) and bool(cell.value)
            and not STYLES.get(cell.style or "", {}).get("text_wrap"))


def _free(row: int, col: int, last_col: int, cells: dict, covered: set) -> int:
    """How many columns from `col` on a running-on text takes: its own and the empty ones after it."""
    n = 1
    while col + n <= last_col and (row, col + n) not in cells and (row, col + n) not in covered:
        n += 1
    return n


def _text(cell: Cell | None, lang: str) -> str:
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return str(value)
    num_format = STYLES.get(cell.style or "", {}).get("num_format")
    return i18n.formatted(value, num_format, lang) if num_format else i18n.number(Decimal(value), lang)


def _classes(cell: Cell | None, colours: list[Colour]) -> str:
    if cell is None:
        return ""
    found = [f"s-{cell.style}"] if cell.style else []
    if isinstance(cell.value, Decimal | int) and not isinstance(cell.value, bool):
        found.append("num")
        colour = next((c for c in colours if c.first_row <= cell.row <= c.last_row
                       and c.first_col <= cell.col <= c.last_col), None)
        style = colour.style_of(cell.value) if colour is not None else None
        if style:
            found.append(f"s-{style}")
    return " ".join(found)


def _chart(chart: Chart, cells: dict[tuple[int, int], Cell], lang: str) -> ChartView:
    name_col, first, last = chart.names
    value_col = chart.values[0]
    bars = []
    for r in range(first, last + 1):
        name, value = cells.get((r, name_col)), cells.get((r, value_col))
        if name is None or value is None or not isinstance(value.value, Decimal | int):
            continue
        bars.append(Bar(str(name.value), Decimal(value.value), _text(value, lang)))
    top = max([chart.target, *(b.value for b in bars)]) or Decimal(1)
    return ChartView(chart.title, chart.target, chart.target_title, chart.line, tuple(bars), top)


_BORDER = {1: "1px solid #bfbfbf", 2: "2px solid #404040"}


def css() -> str:
    """The layout's named styles (STYLES) as CSS classes `.s-NAME`, for the tables `grid` makes."""
    rules = []
    for name, props in STYLES.items():
        decl = []
        if props.get("bold"):
            decl.append("font-weight:bold")
        if props.get("italic"):
            decl.append("font-style:italic")
        if props.get("font_color"):
            decl.append(f"color:{props['font_color']}")
        if props.get("bg_color"):
            decl.append(f"background:{props['bg_color']}")
        if props.get("font_size"):
            decl.append(f"font-size:{props['font_size'] / 11:.2f}em")
        if props.get("border"):
            decl.append(f"border:{_BORDER.get(props['border'], _BORDER[1])}")
        if props.get("top"):
            decl.append(f"border-top:{_BORDER.get(props['top'], _BORDER[1])}")
        if props.get("align") in ("left", "center", "right"):
            decl.append(f"text-align:{props['align']}")
        if props.get("text_wrap"):
            decl.append("white-space:normal")
        rules.append(f".s-{name}{{{';'.join(decl)}}}")
    return "\n".join(rules)
