"""A sheet's sizes in pixels, as the spreadsheets draw them: what the xlsx, Google Sheets and HTML
renderers all size by, so that a column, a row or a chart is as large in each.

A layout gives a column's width in characters (the width of a digit of the default font, 7 px) and a
row's height in points. Excel draws a column w characters wide as int(7w + 0.5) + 5 pixels (the 5 are the
cell's margins) and a row h points tall as 4h/3 pixels, whole pixels rounded down; XlsxWriter places a
chart's far corner by the same counts, and Google Sheets and the web page are given the same pixels."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Grid(Protocol):
    """What sizes a sheet's cells (a `layout.model.Sheet`, which imports this module)."""

    @property
    def widths(self) -> Mapping[int, float]:
        """Column → width in characters."""

    @property
    def heights(self) -> Mapping[int, float]:
        """Row → height in points."""

DEFAULT_WIDTH = 8.43
"""A column's width when the layout sets none, in characters."""
LINE = 15.0
"""Points a line of 11-point text takes: a row's default height."""
CHART = (720, 360)
"""A chart's width and height in pixels when the layout gives it no far corner."""


def column_px(width: float) -> int:
    """Pixels of a column `width` characters wide."""
    return int(7 * width + 0.5) + 5


def row_px(height: float) -> int:
    """Pixels of a row `height` points tall."""
    return int(4 * height / 3)


def width_px(sheet: Grid, col: int) -> int:
    """Pixels of the sheet's column `col`."""
    return column_px(sheet.widths.get(col, DEFAULT_WIDTH))


def height_px(sheet: Grid, row: int) -> int:
    """Pixels of the sheet's row `row`."""
    return row_px(sheet.heights.get(row, LINE))


def chart_px(sheet: Grid, anchor: tuple[int, int], to: tuple[int, int] | None) -> tuple[int, int]:
    """A chart's width and height in pixels: the cells from its `anchor` to `to` (row and column of its
    top left and bottom right cells), else CHART."""
    if to is None:
        return CHART
    (row, col), (last_row, last_col) = anchor, to
    return (sum(width_px(sheet, c) for c in range(col, last_col + 1)),
            sum(height_px(sheet, r) for r in range(row, last_row + 1)))
