"""A Google spreadsheet as the standard workbook: its tabs' values into the reader's tables.

One values:batchGet of the input tabs (`input_ranges`), asked with `VALUE_RENDER` — numbers as numbers
(a formula cell gives its computed value), dates as the text the user sees (`2026-10`, `2026-10-01`,
`01.10.2026`, `10.2026`, which the cell parser reads as it reads typed text) — gives rows of values,
which become the rows python-calamine gives for a sheet: from A1, rectangular, '' for an empty cell,
a float for a number. From there the reading is the .xlsx path's (`tables_from_rows`, then `validate`):
the same aliases, header search, cell parsing and checks, each problem naming the tab and the A1 cell.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from kpi_reports.model import Workbook
from kpi_reports.names import col_index, norm
from kpi_reports.problems import Report
from kpi_reports.workbook import schema
from kpi_reports.workbook.reader import Table, input_sheets, tables_from_rows
from kpi_reports.workbook.validate import validate

VALUE_RENDER = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING",
                "majorDimension": "ROWS"}
"""The values:batchGet parameters the source reads."""

MONTH_FIRST = {"en_US", "es_US", "en_PH", "fil_PH", "fil"}
"""Locales whose dates Sheets shows month first (10/1/2026): a slashed date is read that way there."""

_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})?\$?(\d+)?")


def tabs(metadata: Mapping) -> list[str]:
    """The titles of the spreadsheet's grid tabs (not chart sheets), in their order."""
    sheets = [s.get("properties", {}) for s in metadata.get("sheets", [])]
    sheets = [p for p in sheets if p.get("sheetType", "GRID") == "GRID" and p.get("title") is not None]
    return [p["title"] for p in sorted(sheets, key=lambda p: p.get("index", 0))]


def input_ranges(metadata: Mapping) -> list[str]:
    """The A1 ranges to ask for in one values:batchGet: the whole of each input tab, and nothing else.

    Only tabs named as a standard sheet (in English or Russian) are read — the first of each — so the
    tabs the tool generates, and any other tab of the user's, are never asked for."""
    return [quote(title) for title in input_sheets(tabs(metadata))]


def quote(title: str) -> str:
    """A tab's title as an A1 range of the whole tab: `'Facts'`, `'It''s'`."""
    return "'" + title.replace("'", "''") + "'"


def read_spreadsheet_tables(metadata: Mapping, value_ranges: Mapping | Sequence[Mapping],
                            report: Report | None = None) -> tuple[dict[str, Table], Report]:
    """The standard tables of a spreadsheet, from its metadata (the tabs' titles) and the values:batchGet
    response for `input_ranges(metadata)` (the response, or its `valueRanges` list)."""
    names = tabs(metadata)
    locale = str(metadata.get("properties", {}).get("locale", ""))
    ranges = value_ranges.get("valueRanges", []) if isinstance(value_ranges, Mapping) else value_ranges
    by_tab: dict[str, Mapping] = {}
    for asked, got in zip(input_sheets(names), ranges):
        title, _ = split_range(got.get("range", "")) if got.get("range") else (asked, "")
        by_tab[title if title in names else asked] = got

    def rows_of(name: str) -> list[list]:
        got = by_tab.get(name)
        if got is None:
            return []
        return sheet_rows(got.get("values", []), range_start(split_range(got.get("range", ""))[1]), locale,
                          dates=norm(name) in _LIST_TABS)
    return tables_from_rows(names, rows_of, report, source_label="spreadsheet")


_LIST_TABS = {n for spec in schema.LISTS for n in spec.names()}
"""The CRM's lists: a date there is a day (or a moment), read as one, as a payslip's live formula counts it."""


@dataclass(frozen=True)
class SpreadsheetTabs:
    """A spreadsheet's input tabs as read (its metadata and one values:batchGet): a pipeline source."""

    metadata: Mapping
    values: Mapping
    folder: None = None
    """A spreadsheet has no folder of the user's: a Settings payslip_template cannot be read from it."""

    @property
    def name(self) -> str:
        return self.metadata.get("properties", {}).get("title", "")

    def read(self, periods: Collection[str] | None) -> tuple[Workbook, Report]:
        return read_workbook(self.metadata, self.values, source=self.name, periods=periods)


def read_workbook(metadata: Mapping, value_ranges: Mapping | Sequence[Mapping], source: str = "",
                  periods: Collection[str] | None = None) -> tuple[Workbook, Report]:
    """The validated workbook and every problem, as `kpi_reports.api._read` gives them for a file
    (the caller raises on errors: `report.raise_if_errors()`)."""
    tables, report = read_spreadsheet_tables(metadata, value_ranges)
    wb = validate(tables, report, source=source, periods=periods)
    wb.warnings = report.warnings
    report.language = wb.settings.language
    return wb, report


def sheet_rows(values: Sequence[Sequence], start: tuple[int, int] = (0, 0), locale: str = "",
               dates: bool = False) -> list[list]:
    """A ValueRange's rows (trailing empty cells and rows left out, so ragged) as python-calamine gives
    a sheet's: from A1 (`start` is the range's first cell, zero-based row and column), every row as wide
    as the widest, '' for an empty cell, numbers as floats, a slashed date text as a date (by `locale`);
    with `dates` (a list tab), a dotted or ISO date too, with its time (`15.10.2026 14:30:00`) a date-time.
    The batchGet gives a date cell as the text it shows: one so written is taken for the date it shows."""
    row0, col0 = start
    width = col0 + max((len(row) for row in values), default=0)
    month_first = locale.replace("-", "_") in MONTH_FIRST
    rows: list[list] = [[""] * width for _ in range(row0)]
    lead = [""] * col0
    for row in values:
        cells = lead + [_day(v, month_first) if dates and type(v) is str else _value(v, month_first) for v in row]
        cells.extend([""] * (width - len(cells)))
        rows.append(cells)
    return rows


def _value(value: object, month_first: bool) -> object:
    kind = type(value)
    if kind is str:
        if "/" in value:
            return _slashed(value, month_first)
        return value
    if kind is float or kind is bool:
        return value
    if kind is int:
        return float(value)  # what calamine gives for a number cell
    return "" if value is None else value


_DAY = re.compile(r"(?:(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2}))"
                  r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", re.ASCII)


def _day(text: str, month_first: bool) -> object:
    """`15.10.2026` or `2026-10-15` as a date, with a time as a date-time; any other text as `_value` reads it."""
    m = _DAY.fullmatch(text.strip())
    if not m:
        return _value(text, month_first)
    d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
    try:
        day = dt.date(int(y), int(mo), int(d))
        if m.group(7) is None:
            return day
        return dt.datetime(day.year, day.month, day.day, int(m.group(7)), int(m.group(8)), int(m.group(9) or 0))
    except ValueError:
        return text


def _slashed(text: str, month_first: bool) -> object:
    """`10/1/2026` (month first) or `01/10/2026` (day first) as a date; any other text as it is."""
    m = _SLASHED.fullmatch(text.strip())
    if not m:
        return text
    first, second, year = (int(g) for g in m.groups())
    month, day = (first, second) if month_first else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return text


def split_range(a1: str) -> tuple[str, str]:
    """`'It''s'!A1:Z100` → (`It's`, `A1:Z100`); `Facts!B2` → (`Facts`, `B2`); `Facts` → (`Facts`, ``)."""
    if a1.startswith("'"):
        i, title = 1, []
        while i < len(a1):
            if a1[i] == "'":
                if a1[i + 1:i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(a1[i])
            i += 1
        rest = a1[i + 1:]
        return "".join(title), rest.removeprefix("!")
    title, bang, cells = a1.rpartition("!")
    return (title, cells) if bang else (a1, "")


def range_start(cells: str) -> tuple[int, int]:
    """The zero-based (row, column) of a range's first cell: `B3:D9` → (2, 1); `A:C` → (0, 0)."""
    m = _CELL.match(cells.split(":")[0])
    if not m or not cells:
        return 0, 0
    letters, digits = m.groups()
    return (int(digits) - 1 if digits else 0), col_index(letters or "A")
