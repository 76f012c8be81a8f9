"""What a generated sheet holds, decided once and drawn by every renderer (xlsx here; Google Sheets
and HTML/PDF later): cells with a value, or a formula with its computed value; named styles; column
widths, merged ranges, frozen panes, an autofilter, conditional colours, page setup and charts."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

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


@dataclass(frozen=True)
class Colour:
    """Conditional colours of a range of completions: below the cut-off, below 100%, at or above 100%."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    cutoff: Decimal


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


@dataclass(frozen=True)
class Page:
    landscape: bool = False
    fit_width: bool = True
    row_breaks: tuple[int, ...] = ()
    print_area: tuple[int, int, int, int] | None = None
    footer: str = ""
    repeat_rows: tuple[int, int] | None = None


@dataclass
class Sheet:
    name: str
    cells: list[Cell] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    autofilter: tuple[int, int, int, int] | None = None
    colours: list[Colour] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    page: Page = field(default_factory=Page)
    kind: Literal["payslips", "summary", "problems"] = "payslips"
    anchors: dict = field(default_factory=dict)
    """Where other sheets find this one's figures: for payslips, employee id → {salary, bonus, …: A1}."""

    def put(self, row: int, col: int, value: Value = None, formula: str | None = None,
            style: str | None = None) -> None:
        self.cells.append(Cell(row, col, value, formula, style))

    def merge(self, row: int, first_col: int, last_col: int, value: Value, style: str | None = None) -> None:
        self.put(row, first_col, value, style=style)
        self.merges.append(Merge(row, first_col, row, last_col))


STYLES: dict[str, dict] = {
    "title": {"bold": True, "font_size": 14},
    "subtitle": {"italic": True, "font_color": "#595959"},
    "label": {"bold": True},
    "header": {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"},
    "text": {"border": 1, "text_wrap": True, "valign": "top"},
    "number": {"border": 1, "num_format": "#,##0.####"},
    "money": {"border": 1, "num_format": "#,##0.00"},
    "percent": {"border": 1, "num_format": "0.0%"},
    "money_bold": {"bold": True, "border": 1, "num_format": "#,##0.00"},
    "total": {"bold": True, "top": 2, "num_format": "#,##0.00", "bg_color": "#F2F2F2"},
    "total_label": {"bold": True, "top": 2, "bg_color": "#F2F2F2"},
    "team": {"bold": True, "bg_color": "#EDEDED"},
    "banner": {"bold": True, "font_color": "#C00000", "font_size": 12},
    "signature": {"top": 1},
    "red": {"bg_color": "#F8CBAD"},
    "amber": {"bg_color": "#FFE699"},
    "green": {"bg_color": "#C6EFCE"},
}
