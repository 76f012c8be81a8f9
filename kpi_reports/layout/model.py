"""What a generated sheet holds, decided once and drawn by every renderer (xlsx here; Google Sheets
and HTML/PDF later): cells with a value, or a formula with its computed value; named styles; column
widths and row heights (text measured by its length, so a wrapped text never prints over the next row),
merged ranges, frozen panes, an autofilter, conditional colours, input cells, page setup and charts."""
from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from kpi_reports.layout.geometry import DEFAULT_WIDTH, LINE, column_px

Value = str | Decimal | int | None


@dataclass(slots=True)
class Cell:
    row: int
    col: int
    value: Value = None
    """The value; for a formula, the value it computes (cached in the file, shown before any recalculation)."""
    formula: str | None = None
    style: str | None = None


@dataclass(slots=True)
class Merge:
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    style: str | None = None
    """The style of the range's first cell, which every cell of the range takes (`merge_fills`)."""


Comparison = Literal["<", "<=", ">", ">="]
Band = tuple[str, Comparison, Decimal]
"""A conditional colour's band: the style a number takes when it compares so with the bound."""
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Colour:
    """Conditional colours of a range of numbers: each takes the style of the first of `bands` it falls in
    (the summary's completions: red below the cut-off, amber below 100%, green from 100%). Renderers
    translate the bands into their own rules and decide no colour themselves."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    bands: tuple[Band, ...]

    def style_of(self, value: Decimal | int) -> str | None:
        """The style of the first band `value` falls in; None when it falls in none."""
        return next((style for style, comparison, bound in self.bands if _COMPARE[comparison](value, bound)), None)


@dataclass(frozen=True)
class Line:
    """How a chart draws a line: its colour and width (points in Excel, pixels in Sheets and on the page)."""

    colour: str
    width: int


@dataclass(frozen=True)
class Chart:
    """A column chart of one column of values by name, with a line at a target value."""

    title: str
    names: tuple[int, int, int]
    """Column, first row, last row of the category names."""
    values: tuple[int, int, int]
    target: Decimal
    target_title: str
    anchor: tuple[int, int]
    """Row and column of the chart's top left corner."""
    to: tuple[int, int] | None = None
    """Row and column of its bottom right corner (inclusive): the chart covers these cells exactly, so a
    print area that holds them holds the chart. None: the default size (`geometry.CHART`)."""
    line: Line = Line("#C00000", 2)
    """The target's line."""


@dataclass(frozen=True)
class Validation:
    """Cells meant to be typed in: a number from `minimum` to `maximum`, with a note shown on selecting one."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    minimum: Decimal
    maximum: Decimal
    title: str
    message: str


@dataclass(frozen=True)
class Page:
    landscape: bool = False
    fit_width: bool = True
    row_breaks: tuple[int, ...] = ()
    print_area: tuple[int, int, int, int] | None = None
    footer: str = ""
    repeat_rows: tuple[int, int] | None = None
    margins: tuple[float, float, float, float] = (0.5, 0.5, 0.6, 0.6)
    """Left, right, top and bottom, in inches."""


NARROW = (0.25, 0.25, 0.6, 0.6)
"""Excel's "Narrow" left and right margins: the page's width goes to the figures, so that a sheet printed one
page wide keeps its text at 8 points or more."""


@dataclass
class Sheet:
    name: str
    cells: list[Cell] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    """Column → width, in characters (the width of a digit of the default font), as spreadsheets count it."""
    heights: dict[int, float] = field(default_factory=dict)
    """Row → height in points, for the rows whose text wraps to more lines than the default height holds."""
    merges: list[Merge] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    autofilter: tuple[int, int, int, int] | None = None
    colours: list[Colour] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    page: Page = field(default_factory=Page)
    for_spreadsheets: set[int] = field(default_factory=set)
    """Rows that tell how to use the sheet's input cells ("type your weights in the yellow cells"): the
    spreadsheets show them, the page — which has no cell to type in — leaves them out."""
    kind: Literal["payslips", "summary", "problems", "review", "ledger", "credited"] = "payslips"
    family: str = "run"
    """Which command's sheets this one is among: a command's re-run replaces the generated sheets of its
    family and keeps the others' (`run`: payslips, summary, problems; `review 2026-Q4`: that review)."""
    validations: list[Validation] = field(default_factory=list)
    """Cells meant to be typed in (the review's "your weight"), with the note a spreadsheet shows on them."""
    anchors: dict = field(default_factory=dict)
    """Where other sheets find this one's figures: for payslips, employee id → {salary, bonus, …: A1}."""
    _spans: dict[tuple[int, int], float] = field(default_factory=dict, repr=False, compare=False)
    """The width of each merge `fit` has measured: the widths are final before the first row is fitted."""

    def put(self, row: int, col: int, value: Value = None, formula: str | None = None,
            style: str | None = None) -> None:
        self.cells.append(Cell(row, col, value, formula, style))

    def merge(self, row: int, first_col: int, last_col: int, value: Value, style: str | None = None) -> None:
        self.put(row, first_col, value, style=style)
        self.merges.append(Merge(row, first_col, row, last_col, style))

    def fit(self, row: int, first_col: int, last_col: int, text: str, style: str | None) -> None:
        """Makes `row` tall enough for `text` wrapped in columns first_col..last_col (a cell or a merge)."""
        if first_col == last_col:
            width = self.widths.get(first_col, DEFAULT_WIDTH)
        elif (width := self._spans.get((first_col, last_col))) is None:
            width = self._spans[first_col, last_col] = sum(
                self.widths.get(col, DEFAULT_WIDTH) for col in range(first_col, last_col + 1))
        if len(text) * _WIDEST + _EDGES <= width and "\n" not in text:
            return  # one line in any style: the common case, at the cost of a len()
        n = _lines(text, width, style)
        if n > 1 and self.heights.get(row, LINE) < n * LINE:
            self.heights[row] = min(n * LINE, MAX_HEIGHT)

    def span(self, row: int, first: int, last: int, value: Value, style: str, formula: str | None = None) -> None:
        """A cell across columns first..last (merged when more than one), its wrapped text fitted."""
        if first == last:
            self.put(row, first, value, formula, style)
        else:
            self.merge(row, first, last, value, style)
            self.cells[-1].formula = formula
        if isinstance(value, str) and value:
            self.fit(row, first, last, value, style)


LITERAL = 255
"""The longest text a spreadsheet formula's string literal may hold (Excel's limit)."""


def exact_criterion(text: str) -> str | None:
    """A text as a COUNTIFS / SUMIF criterion that matches it alone, `"=Ivan Ivanov"`: its wildcards (`*`, `?`,
    `~`) escaped and quotes doubled; None when it is longer than a literal may be."""
    escaped = "=" + text.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return None if len(escaped) > LITERAL else '"' + escaped.replace('"', '""') + '"'


_SHEET_REF = re.compile(r"'((?:[^']|'')+)'!")


def on_their_own(sheets: list[Sheet]) -> list[Sheet]:
    """`sheets` as a workbook of their own holds them: a formula over a sheet that is not among them (a payslip's
    Fact over the Deals list) keeps its value alone."""
    names = {s.name for s in sheets}

    def outside(formula: str | None) -> bool:
        return bool(formula) and any(m.replace("''", "'") not in names for m in _SHEET_REF.findall(formula))

    found = []
    for sheet in sheets:
        if any(outside(c.formula) for c in sheet.cells):
            sheet = replace(sheet, cells=[replace(c, formula=None) if outside(c.formula) else c for c in sheet.cells])
        found.append(sheet)
    return found


def cells_by_row(sheet: Sheet) -> dict[int, list[Cell]]:
    """The sheet's cells grouped by row, each row's in the order they were put: what every renderer
    walks."""
    rows: dict[int, list[Cell]] = {}
    for cell in sheet.cells:
        if cell.row in rows:
            rows[cell.row].append(cell)
        else:
            rows[cell.row] = [cell]
    return rows


def merge_fills(sheet: Sheet) -> Iterator[tuple[int, int, str | None]]:
    """Row, column and style of each cell a merged range covers beyond its first, row by row: a layout
    never writes them, and they take the range's style, so that a spreadsheet draws its borders and
    fill across the whole range."""
    for m in sheet.merges:
        for row in range(m.first_row, m.last_row + 1):
            for col in range(m.first_col + (row == m.first_row), m.last_col + 1):
                yield row, col, m.style


STYLES: dict[str, dict] = {
    "title": {"bold": True, "font_size": 14},
    "subtitle": {"italic": True, "font_color": "#595959"},
    "label": {"bold": True, "valign": "top", "align": "left", "indent": 1},
    "label_wrap": {"bold": True, "text_wrap": True, "valign": "top", "align": "left", "indent": 1},
    "header": {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top", "align": "left",
               "indent": 1},
    "text": {"border": 1, "text_wrap": True, "valign": "top", "align": "left", "indent": 1},
    "note": {"text_wrap": True, "valign": "top", "align": "left", "indent": 1},
    "aside": {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top", "align": "left"},
    "number": {"border": 1, "num_format": "#,##0.####_)", "valign": "top"},
    "money": {"border": 1, "num_format": "#,##0.00_)", "valign": "top"},
    "percent": {"border": 1, "num_format": "0.0%_)", "valign": "top"},
    "percent_0": {"border": 1, "num_format": "0%_)", "valign": "top"},
    "percent_2": {"border": 1, "num_format": "0.00%_)", "valign": "top"},
    "percent_3": {"border": 1, "num_format": "0.000%_)", "valign": "top"},
    "percent_4": {"border": 1, "num_format": "0.0000%_)", "valign": "top"},
    "money_bold": {"bold": True, "border": 1, "num_format": "#,##0.00_)", "valign": "top"},
    "total": {"bold": True, "top": 2, "num_format": "#,##0.00_)", "bg_color": "#F2F2F2", "valign": "top"},
    "total_percent": {"bold": True, "top": 2, "num_format": "0.0%_)", "bg_color": "#F2F2F2", "valign": "top"},
    "total_label": {"bold": True, "top": 2, "bg_color": "#F2F2F2", "align": "left", "indent": 1, "valign": "top"},
    "team": {"bold": True, "bg_color": "#EDEDED", "align": "left", "indent": 1},
    "total_note": {"top": 2, "bg_color": "#F2F2F2", "text_wrap": True, "valign": "top", "align": "left", "indent": 1},
    "banner": {"bold": True, "font_color": "#C00000", "font_size": 12},
    "test_mark": {"bold": True, "font_color": "#C00000", "border": 1, "text_wrap": True, "valign": "top", "align": "left",
                  "indent": 1},
    "signature": {"top": 1, "valign": "top", "align": "left", "indent": 1},
    "red": {"bg_color": "#F8CBAD"},
    "amber": {"bg_color": "#FFE699"},
    "green": {"bg_color": "#C6EFCE"},
    "input": {"border": 1, "num_format": "0.0%_)", "valign": "top", "bg_color": "#FFF2CC", "bold": True},
    "check": {"bold": True, "border": 1, "align": "left", "indent": 1, "valign": "top"},
    "signed": {"border": 1, "num_format": "+#,##0.00_);-#,##0.00_);0.00_)", "valign": "top"},
    "signed_total": {"bold": True, "top": 2, "num_format": "+#,##0.00_);-#,##0.00_);0.00_)", "bg_color": "#F2F2F2", "valign": "top"},
    "signed_percent": {"border": 1, "num_format": "+0.0%_);-0.0%_);0.0%_)", "valign": "top"},
    "ratio": {"border": 1, "num_format": "0.00_);-0.00_)", "valign": "top"},
    "header_line": {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "left", "indent": 1, "valign": "top"},
    "plain": {"border": 1, "align": "left", "indent": 1, "valign": "top"},
}
"""Number formats end in `_)`: a space the width of ")" keeps a number off the cell's right border, as
the indent keeps text off its left one (every text but a title is indented, so that all line up)."""


MAX_HEIGHT = 409.0
"""The tallest row Excel keeps, in points."""
CHAR = {(False, False): 0.9, (False, True): 1.0, (True, False): 0.98, (True, True): 1.1}
"""An average character, in column-width units (the default font's digit, as Excel rounds it down to whole
pixels), by (bold, Cyrillic): a little more than text measures in LibreOffice (DejaVu Sans: 0.80 and 0.90
regular, 0.89 and 1.0 bold), as Excel's rounded unit makes text take some 6% more; so an estimate errs
towards a line too many, never one too few."""
PAD, INDENT = 1.0, 1.5
"""The cell's own margins, and one step of indent, in the same units."""
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WIDEST = max(CHAR.values())
_EDGES = PAD + INDENT * max(style.get("indent", 0) for style in STYLES.values())


def _char(text: str, style: dict) -> float:
    return CHAR[bool(style.get("bold")), _CYRILLIC.search(text) is not None]


def text_width(text: str, style: dict) -> float:
    """The width a column needs to show `text` on one line in a cell of `style` (a STYLES entry)."""
    return len(text) * _char(text, style) + PAD + INDENT * style.get("indent", 0)


def word_width(text: str, style: dict) -> float:
    """The width a column needs so that wrapping `text` never breaks a word."""
    return text_width(max(text.split(), key=len, default=""), style)


def lines(text: str, width: float, style: dict) -> int:
    """How many lines `text` takes wrapped in a cell of `style` in a column `width` wide. Costs a len() for
    text that fits on a line, a walk over its words for text that does not (`Sheet.fit` asks once per
    text, width and style)."""
    if "\n" in text:
        return sum(lines(part, width, style) for part in text.split("\n"))
    room = (width - PAD - INDENT * style.get("indent", 0)) / _char(text, style)
    return 1 if len(text) <= room else _wrapped(text, max(room, 1.0))


@functools.lru_cache(maxsize=65536)
def _lines(text: str, width: float, style: str | None) -> int:
    """`lines` by style name, once per text: labels, headers, titles and rules repeat on every payslip."""
    return lines(text, width, STYLES[style] if style else {})


def _wrapped(text: str, room: float) -> int:
    """Lines of `text` wrapped as spreadsheets wrap it, `room` characters a line: a word that does not fit
    starts a new line, and a word longer than a line breaks where the line ends."""
    n, line = 1, -1.0
    for word in map(len, text.split()):
        if line + 1 + word <= room:
            line += 1 + word
            continue
        k = math.ceil(word / room)
        n += k if line >= 0 else k - 1
        line = word - (k - 1) * room
    return n


A4_LANDSCAPE = (842, 595)
"""Points."""


def rows_height(sheet: Sheet, first: int, last: int) -> float:
    """Points rows first..last take."""
    return sum(sheet.heights.get(r, LINE) for r in range(first, last + 1))


def page_capacity(sheet: Sheet, page: Page) -> float:
    """How many points of the sheet's rows one A4 landscape page prints (with a 10% margin), the columns of
    the print area scaled to the page's width as Excel scales them (LibreOffice's wider substitute font
    makes the columns wider, so it scales down further and prints more rows)."""
    left, right, top, bottom = page.margins
    columns = range(page.print_area[1], page.print_area[3] + 1) if page.print_area else sheet.widths
    width = sum(0.75 * column_px(sheet.widths.get(c, DEFAULT_WIDTH)) for c in columns)
    scale = min(1.0, (A4_LANDSCAPE[0] - 72 * (left + right)) / width)
    return 0.9 * (A4_LANDSCAPE[1] - 72 * (top + bottom)) / scale


def number_width(largest: Decimal | int, decimals: int, style: dict) -> float:
    """The width a column needs to show numbers up to `largest` (in magnitude) with thousands separators and
    `decimals` decimals and the `_)` space: a digit is a unit, a separator, the sign or the space half of
    one; bold is wider."""
    digits = len(str(int(abs(largest))))
    units = digits + decimals + 0.5 * ((digits - 1) // 3 + (decimals > 0) + 2)
    return units * (CHAR[True, False] / CHAR[False, False] if style.get("bold") else 1) + PAD
