"""A local, stateful fake of the Google Sheets API v4, for tests that assert what a spreadsheet holds.

Why a fake server and not mocks: the refresh command talks HTTP (through gspread or our own client),
and what matters is the spreadsheet after the calls — so the fake keeps the spreadsheets' state,
applies batchUpdate requests to it all-or-nothing as Google does, and refuses what Google refuses:
every request body is checked against the official discovery document (`sheets_schema.validate`)
and against the backend's rules (`sheets_schema.check_request_semantics`).

    with FakeSheets() as fake:                      # or: fake_sheets = sheets_fake.fixture() in a test module
        fake.add_spreadsheet("book1", {"Facts": [["period", "revenue"], ["2026-10", 3000000]]})
        ...point the client at fake.url (http://127.0.0.1:PORT, in place of https://sheets.googleapis.com)...
        fake.values("book1", "Payslips 2026-10")    # the grid as Python values, formulas as "=..." text
        fake.sheet("book1", "Summary")              # properties, merges, metadata, charts, sizes
        fake.calls                                  # every HTTP call, for call-count assertions

Endpoints (paths as Google's): GET /v4/spreadsheets/{id} (`includeGridData` adds the cells; its
`ranges` is ignored), GET .../values/{range}, GET .../values:batchGet, POST /{id}:batchUpdate, POST
.../developerMetadata:search, GET .../developerMetadata/{metadataId}; `fields` trims any answer
(`sheets(properties(sheetId,title))`, `sheets.properties`). Anything else is a 400. Query parameters
are checked against the discovery document too; so are the bodies.

What the fake does NOT do, honestly: it does not calculate formulas. A formula cell reads back as its
text with valueRenderOption=FORMULA; with the other options it reads back as the result a test seeded
(`{"formula": "=A1*2", "value": 6}`), else as "" — for real results, `to_xlsx` and LibreOffice.
FORMATTED_VALUE formats numbers minimally (decimals, grouping, percent and simple date patterns from
the cell's numberFormat, the locale's decimal mark), not Google's full pattern language. Formats,
validation and borders are stored as sent and not interpreted. insertDimension/deleteDimension shift
cells, sizes, merges, conditional-format ranges, protected ranges and dimension metadata, not chart
source ranges. There is no collaboration, no named ranges, filters, banding or values.* writes.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from support.sheets_schema import (
    Grid,
    Violation,
    check_request_semantics,
    column_letters,
    discovery,
    normalize,
    snake,
    validate,
)

MAX_BODY = 10_485_760
EPOCH = dt.date(1899, 12, 30)
DATE_TYPES = ("DATE", "TIME", "DATE_TIME")
DEFAULT_ROW_PX, DEFAULT_COLUMN_PX = 21, 100
GOOGLE = {  # status -> (Google's status name, its usual message, the legacy `errors[].reason`)
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument.", "badRequest"),
    401: ("UNAUTHENTICATED", ("Request had invalid authentication credentials. Expected OAuth 2 access token, "
                              "login cookie or other valid authentication credential. See "
                              "https://developers.google.com/identity/sign-in/web/devconsole-project."), "unauthorized"),
    403: ("PERMISSION_DENIED", "The caller does not have permission", "forbidden"),
    404: ("NOT_FOUND", "Requested entity was not found.", "notFound"),
    429: ("RESOURCE_EXHAUSTED", ("Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per "
                                 "minute per user' of service 'sheets.googleapis.com' for consumer "
                                 "'project_number:000000000000'."), "rateLimitExceeded"),
    500: ("INTERNAL", "Internal error encountered.", "backendError"),
    503: ("UNAVAILABLE", "The service is currently unavailable.", "backendError"),
}


class ApiError(Exception):
    """An answer in Google's error shape; `violations` become the BadRequest `fieldViolations`."""

    def __init__(self, status: int, message: str | None = None, violations: list[str] = (), kind: str = "Read"):
        name, usual, self.reason = GOOGLE.get(status, ("UNKNOWN", "Unknown error.", "unknown"))
        self.status, self.google_status = status, name
        self.message = message or usual.format(kind=kind)
        self.violations = list(violations)
        super().__init__(self.message)

    def body(self) -> dict:
        error = {"code": self.status, "message": self.message, "status": self.google_status,
                 "errors": [{"message": self.message, "domain": "global", "reason": self.reason}]}
        if self.violations:
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
                {"field": getattr(v, "field", ""), "description": str(v)} for v in self.violations]}]
        if self.status == 429:
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                                 "domain": "googleapis.com", "metadata": {"service": "sheets.googleapis.com"}}]
        return {"error": error}


def invalid(violations: list[str]) -> ApiError:
    """A 400 whose message is every violation, one a line, as Google joins them."""
    return ApiError(400, "\n".join(violations), violations)


# ---------------------------------------------------------------------------------------------------
# State


@dataclass
class Sheet:
    """One tab: its properties as Google returns them, and its contents keyed by zero-based (row, col)."""

    properties: dict
    cells: dict[tuple[int, int], dict] = field(default_factory=dict)
    merges: list[dict] = field(default_factory=list)
    conditional_formats: list[dict] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    protected_ranges: list[dict] = field(default_factory=list)
    row_props: dict[int, dict] = field(default_factory=dict)
    column_props: dict[int, dict] = field(default_factory=dict)
    basic_filter: dict | None = None

    @property
    def id(self) -> int:
        return self.properties["sheetId"]

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def rows(self) -> int:
        return self.properties["gridProperties"]["rowCount"]

    @property
    def columns(self) -> int:
        return self.properties["gridProperties"]["columnCount"]


@dataclass
class Book:
    """One spreadsheet. `metadata` holds its developer metadata at every location. The random source
    (for new sheet, metadata, chart ids) is part of the state, so a refused batch rolls it back too."""

    spreadsheet_id: str
    properties: dict
    sheets: list[Sheet] = field(default_factory=list)
    metadata: list[dict] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(20261001))
    version: int = 0
    """Bumped by every change: Drive's `modifiedTime` of the file is made from it."""

    def sheet(self, sheet_id: int) -> Sheet:
        for sheet in self.sheets:
            if sheet.id == sheet_id:
                return sheet
        raise Refused(f"No grid with id: {sheet_id}")

    def by_title(self, title: str) -> Sheet | None:
        exact = [s for s in self.sheets if s.title == title]
        folded = [s for s in self.sheets if s.title.casefold() == title.casefold()]
        return (exact or folded or [None])[0]

    def grids(self) -> dict[int, Grid]:
        return {s.id: Grid(s.title, s.rows, s.columns) for s in self.sheets}

    def new_id(self, taken: set[int]) -> int:
        while True:
            candidate = self.rng.randint(1, 2 ** 31 - 1)
            if candidate not in taken:
                return candidate

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index


def new_sheet_properties(sheet_id: int, title: str, index: int, rows: int = 1000, columns: int = 26) -> dict:
    return {"sheetId": sheet_id, "title": title, "index": index, "sheetType": "GRID",
            "gridProperties": {"rowCount": rows, "columnCount": columns}}


# ---------------------------------------------------------------------------------------------------
# Values: seeding from Python, rendering as Google does


def serial(day: dt.date | dt.datetime) -> float | int:
    """A date as the spreadsheet's serial number (days since 1899-12-30, time as the fraction)."""
    if isinstance(day, dt.datetime):
        delta = day - dt.datetime.combine(EPOCH, dt.time())
        return delta.days + delta.seconds / 86400
    return (day - EPOCH).days


def from_serial(number: float, kind: str) -> dt.date | dt.datetime:
    moment = dt.datetime.combine(EPOCH, dt.time()) + dt.timedelta(days=number)
    return moment.date() if kind == "DATE" else moment


def seed_cell(value: Any) -> dict:
    """The CellData a test's Python value stands for: numbers, strings, bools, "=..." formulas,
    dates (`datetime.date` or `{"date": "2026-10-01", "pattern": "dd.mm.yyyy"}`), and formulas with
    a cached result (`{"formula": "=A1*2", "value": 6}`)."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict) and "date" in value:
        day = value["date"]
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return {"userEnteredValue": {"numberValue": serial(day)},
                "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": value.get("pattern", "yyyy-mm-dd")}}}
    if isinstance(value, dict) and "formula" in value:
        cell = {"userEnteredValue": {"formulaValue": value["formula"]}}
        if "value" in value:
            cell["_cached"] = seed_cell(value["value"]).get("userEnteredValue", {})
        return cell
    if isinstance(value, dt.date):
        return seed_cell({"date": value})
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    if isinstance(value, str) and value.startswith("="):
        return {"userEnteredValue": {"formulaValue": value}}
    if isinstance(value, str):
        return {"userEnteredValue": {"stringValue": value}}
    raise TypeError(f"cannot seed a cell with {value!r}")


def python_value(cell: dict) -> Any:
    """A stored cell as a test wants to compare it: formulas as their text, dates as dates."""
    value = cell.get("userEnteredValue", {})
    if "formulaValue" in value:
        return value["formulaValue"]
    if "numberValue" in value:
        kind = _number_format(cell).get("type")
        number = value["numberValue"]
        return from_serial(number, kind) if kind in DATE_TYPES else _json_number(number)
    if "boolValue" in value:
        return value["boolValue"]
    if "stringValue" in value:
        return value["stringValue"] if value["stringValue"] != "" else None
    return None


def _json_number(number: float) -> float:
    """Google writes 5, not 5.0."""
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _number_format(cell: dict) -> dict:
    return cell.get("userEnteredFormat", {}).get("numberFormat", {})


def render(cell: dict, value_option: str, date_option: str, locale: str) -> Any:
    """A cell as values.get answers it, or None when empty (trimmed or "" by the caller)."""
    value = cell.get("userEnteredValue") or {}
    if "formulaValue" in value:
        if value_option == "FORMULA":
            return value["formulaValue"]
        value = cell.get("_cached")
        if value is None:
            return ""  # the fake does not calculate; see the module docstring
    fmt = _number_format(cell)
    if "numberValue" in value:
        number = value["numberValue"]
        if value_option == "FORMATTED_VALUE" or (fmt.get("type") in DATE_TYPES and date_option == "FORMATTED_STRING"):
            return format_number(number, fmt, locale)
        return _json_number(number)
    if "boolValue" in value:
        return ("TRUE" if value["boolValue"] else "FALSE") if value_option == "FORMATTED_VALUE" else value["boolValue"]
    if "errorValue" in value:
        return {"REF": "#REF!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "NAME": "#NAME?",
                "NUM": "#NUM!", "N_A": "#N/A", "NULL_VALUE": "#NULL!"}.get(value["errorValue"].get("type"), "#ERROR!")
    text = value.get("stringValue")
    return text if text else None


def _separators(locale: str) -> tuple[str, str]:
    """(decimal mark, thousands separator) of a spreadsheet locale, for the few locales that matter."""
    language = locale.split("_")[0].lower()
    return {"ru": (",", "\u00a0"), "de": (",", "."), "fr": (",", "\u202f"), "uk": (",", "\u00a0")}.get(language, (".", ","))


def format_number(number: float, fmt: dict, locale: str) -> str:
    """A minimal FORMATTED_VALUE: dates by a simple pattern, else decimals / grouping / percent."""
    kind, pattern = fmt.get("type"), fmt.get("pattern", "")
    if kind in DATE_TYPES:
        return format_date(from_serial(number, "DATE_TIME"), pattern or _default_date_pattern(kind, locale))
    decimal, group = _separators(locale)
    if kind == "PERCENT" or "%" in pattern:
        number, suffix = number * 100, "%"
    else:
        suffix = ""
    core = re.sub(r'"[^"]*"|\\.|[^0#.,?]', "", pattern.split(";")[0])
    if not core:
        text = format(number, ".15g")
    else:
        decimals = len(core.split(".")[1]) if "." in core else 0
        text = f"{number:,.{decimals}f}" if "," in core.split(".")[0] else f"{number:.{decimals}f}"
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", group)
    return text + suffix


def _default_date_pattern(kind: str, locale: str) -> str:
    day = "M/d/yyyy" if locale.startswith("en_US") else "dd.MM.yyyy"
    return {"DATE": day, "TIME": "H:mm:ss", "DATE_TIME": day + " H:mm:ss"}[kind]


def format_date(moment: dt.datetime, pattern: str) -> str:
    """yyyy, yy, mm/m (the month, or the minutes right after an hour), dd/d, hh/h, ss; the rest as written."""
    out, last_unit = [], ""
    for token in re.findall(r"y+|m+|d+|h+|s+|[^ymdhs]+", pattern, flags=re.IGNORECASE):
        low, unit = token.lower(), token[0].lower()
        if unit not in "ymdhs":
            out.append(token)
            continue
        number = {"y": moment.year if len(low) > 2 else moment.year % 100, "d": moment.day, "h": moment.hour,
                  "s": moment.second, "m": moment.minute if last_unit == "h" else moment.month}[unit]
        out.append(f"{number:02d}" if len(low) >= 2 else str(number))
        last_unit = unit
    return "".join(out)


# ---------------------------------------------------------------------------------------------------
# A1 ranges


@dataclass
class Area:
    """A rectangle on a sheet, zero-based and half-open: rows [top, bottom), columns [left, right)."""

    sheet: Sheet
    top: int
    left: int
    bottom: int
    right: int

    def a1(self) -> str:
        """As Google echoes a range back: `Facts!A1:Z1000`, `'Payslips 2026-10'!A1:F30`."""
        name = self.sheet.title
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or re.fullmatch(r"[A-Za-z]{1,3}\d+|R\d+C\d+", name, re.IGNORECASE):
            name = "'" + name.replace("'", "''") + "'"
        if self.bottom <= self.top or self.right <= self.left:
            return name
        first, last = f"{column_letters(self.left)}{self.top + 1}", f"{column_letters(self.right - 1)}{self.bottom}"
        return f"{name}!{first}" if first == last else f"{name}!{first}:{last}"


CELL = re.compile(r"^([A-Za-z]{0,3})(\d*)$")


def column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def parse_range(text: str, book: Book) -> Area:
    """`'Facts'!A1:Z`, `Facts`, `Facts!B2`, `A1:C3` (the first sheet), `Facts!A:C`, `Facts!2:5`; clipped
    to the grid like Google's reads. Google's own message when it cannot tell what is meant."""
    sheet_name, cells = _split_range(text)
    if sheet_name is None and book.by_title(cells) is not None:
        sheet_name, cells = cells, ""
    sheet = book.by_title(sheet_name) if sheet_name is not None else book.sheets[0]
    if sheet is None:
        raise ApiError(400, f"Unable to parse range: {text}")
    if not cells:
        return Area(sheet, 0, 0, sheet.rows, sheet.columns)
    first, _, last = cells.partition(":")
    start, end = CELL.match(first), CELL.match(last or first)
    if not start or not end or not (first.strip()):
        raise ApiError(400, f"Unable to parse range: {text}")
    top = int(start[2]) - 1 if start[2] else 0
    left = column_index(start[1]) if start[1] else 0
    bottom = int(end[2]) if end[2] else sheet.rows
    right = column_index(end[1]) + 1 if end[1] else sheet.columns
    if top >= sheet.rows or left >= sheet.columns:
        raise ApiError(400, f"Range ({text}) exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.columns}")
    return Area(sheet, top, left, min(bottom, sheet.rows), min(right, sheet.columns))


def _split_range(text: str) -> tuple[str | None, str]:
    if text.startswith("'"):
        match = re.match(r"^'((?:[^']|'')*)'(?:!(.*))?$", text)
        if not match:
            raise ApiError(400, f"Unable to parse range: {text}")
        return match[1].replace("''", "'"), match[2] or ""
    if "!" in text:
        name, _, cells = text.rpartition("!")
        return name, cells
    return None, text


def read_values(area: Area, value_option: str, date_option: str, major: str, locale: str) -> dict:
    """A ValueRange: the area's rendered cells, trailing empty cells and rows trimmed as Google does."""
    rows = []
    for r in range(area.top, area.bottom):
        row = [render(area.sheet.cells.get((r, c), {}), value_option, date_option, locale)
               for c in range(area.left, area.right)]
        rows.append(row)
    if major == "COLUMNS":
        rows = [list(column) for column in zip(*rows)] if rows else []
    trimmed = [_trim(row) for row in rows]
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    answer = {"range": area.a1(), "majorDimension": major}
    if trimmed:
        answer["values"] = [["" if v is None else v for v in row] for row in trimmed]
    return answer


def _trim(row: list) -> list:
    while row and row[-1] in (None, ""):
        row = row[:-1]
    return row


# ---------------------------------------------------------------------------------------------------
# Field masks


def camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), name)


def apply_mask(target: dict, source: dict, mask: str, keep: tuple[str, ...] = ()) -> None:
    """Copy the masked fields from `source` into `target`; a masked field absent from `source` is
    cleared, as Google does. `*` is every field. `keep` names fields that never change (ids)."""
    for path in (p.strip() for p in mask.split(",")):
        if path == "*":
            kept = {k: target[k] for k in keep if k in target}
            target.clear()
            target.update(copy.deepcopy({k: v for k, v in source.items() if k not in keep}), **kept)
            continue
        parts = [camel(p) for p in path.split(".")]
        if parts[0] in keep:
            continue
        found, value = _lookup(source, parts)
        if found:
            _set(target, parts, copy.deepcopy(value))
        else:
            _delete(target, parts)


def _lookup(source: dict, parts: list[str]) -> tuple[bool, Any]:
    for part in parts:
        if not isinstance(source, dict) or part not in source:
            return False, None
        source = source[part]
    return True, source


def _set(target: dict, parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _delete(target: dict, parts: list[str]) -> None:
    if len(parts) == 1:
        target.pop(parts[0], None)
        return
    child = target.get(parts[0])
    if isinstance(child, dict):
        _delete(child, parts[1:])
        if not child:
            target.pop(parts[0])


def parse_fields(fields: str) -> dict:
    """A response field selector (`sheets(properties(sheetId,title)),spreadsheetId`, `sheets.properties`)
    as a tree; {} below a name means everything under it."""
    tree: dict = {}
    stack, last, token = [tree], tree, ""
    for char in fields + ",":
        if char not in ",()":
            token += char
            continue
        if token.strip():
            last = stack[-1]
            for part in token.strip().split("."):
                last = last.setdefault(part, {})
        token = ""
        if char == "(":
            stack.append(last)
        elif char == ")" and len(stack) > 1:
            stack.pop()
    return tree


def select(value: Any, tree: dict) -> Any:
    if not tree or "*" in tree:
        return value
    if isinstance(value, list):
        return [select(item, tree) for item in value]
    if isinstance(value, dict):
        return {k: select(v, tree[k]) for k, v in value.items() if k in tree}
    return value


# ---------------------------------------------------------------------------------------------------
# batchUpdate: one function per request kind, each changing a Book (a copy) and returning its reply


class Refused(Exception):
    """A request the backend refuses after the generic checks; becomes `Invalid requests[i].kind: ...`."""


def cells_of(sheet: Sheet, grid_range: dict) -> Iterator[tuple[int, int]]:
    top, bottom, left, right = _bounds(sheet, grid_range)
    for r in range(top, bottom):
        for c in range(left, right):
            yield r, c


def _bounds(sheet: Sheet, grid_range: dict) -> tuple[int, int, int, int]:
    return (grid_range.get("startRowIndex", 0), min(grid_range.get("endRowIndex", sheet.rows), sheet.rows),
            grid_range.get("startColumnIndex", 0), min(grid_range.get("endColumnIndex", sheet.columns), sheet.columns))


def write_cell(sheet: Sheet, row: int, column: int, source: dict, mask: str) -> None:
    """Apply one CellData under a field mask; an emptied cell is dropped, a new value forgets the
    formula result a test seeded."""
    cell = sheet.cells.get((row, column), {})
    if "*" in mask or "userEnteredValue" in mask or "user_entered_value" in mask:
        cell.pop("_cached", None)
    apply_mask(cell, source, mask)
    if cell:
        sheet.cells[(row, column)] = cell
    else:
        sheet.cells.pop((row, column), None)


def add_sheet(book: Book, body: dict) -> dict:
    props = copy.deepcopy(body.get("properties", {}))
    if "sheetId" not in props:
        props["sheetId"] = book.new_id({s.id for s in book.sheets})
    if "title" not in props:
        taken = {s.title.casefold() for s in book.sheets}
        props["title"] = next(f"Sheet{n}" for n in range(1, 10_000) if f"sheet{n}" not in taken)
    grid = props.setdefault("gridProperties", {})
    grid.setdefault("rowCount", 1000)
    grid.setdefault("columnCount", 26)
    props.setdefault("sheetType", "GRID")
    index = min(props.get("index", len(book.sheets)), len(book.sheets))
    book.sheets.insert(index, Sheet(props))
    book.reindex()
    return {"addSheet": {"properties": sheet_properties(props)}}


def delete_sheet(book: Book, body: dict) -> None:
    sheet = book.sheet(body["sheetId"])
    book.sheets.remove(sheet)
    book.reindex()
    book.metadata = [m for m in book.metadata if _metadata_sheet(m) != sheet.id]


def rename_references(book: Book, old: str, new: str) -> None:
    """Formulas that refer to a renamed tab follow it, as Google rewrites them: `'Old name'!A1` and
    `Old!A1` become `'New name'!A1`."""
    quoted = "'" + new.replace("'", "''") + "'!"
    pattern = re.compile(r"(?<![\w.])(?:'" + re.escape(old.replace("'", "''")) + r"'|" + re.escape(old) + r")!",
                         re.IGNORECASE)
    for tab in book.sheets:
        for cell in tab.cells.values():
            value = cell.get("userEnteredValue", {})
            if "formulaValue" in value:
                value["formulaValue"] = pattern.sub(lambda m: quoted, value["formulaValue"])


def update_sheet_properties(book: Book, body: dict) -> None:
    sheet = book.sheet(body["properties"]["sheetId"])
    props = copy.deepcopy(sheet.properties)
    apply_mask(props, body["properties"], body["fields"], keep=("sheetId",))
    grid = props.setdefault("gridProperties", {})
    grid.setdefault("rowCount", sheet.rows)
    grid.setdefault("columnCount", sheet.columns)
    if grid.get("frozenRowCount", 0) >= grid["rowCount"]:
        raise Refused("You can't freeze all visible rows on the sheet.")
    if grid.get("frozenColumnCount", 0) >= grid["columnCount"]:
        raise Refused("You can't freeze all visible columns on the sheet.")
    renamed = sheet.title != props.get("title", sheet.title)
    if renamed:
        rename_references(book, sheet.title, props["title"])
    sheet.properties = props
    sheet.cells = {(r, c): v for (r, c), v in sheet.cells.items() if r < sheet.rows and c < sheet.columns}
    if all(s.properties.get("hidden") for s in book.sheets):
        raise Refused("You can't hide all sheets in a document.")
    if "index" in props:
        book.sheets.remove(sheet)
        book.sheets.insert(min(props["index"], len(book.sheets)), sheet)
    book.reindex()


def update_spreadsheet_properties(book: Book, body: dict) -> None:
    apply_mask(book.properties, body["properties"], body["fields"])


def update_cells(book: Book, body: dict) -> None:
    """Rows from `start`, or from the top-left of `range` — where the masked fields of the range's
    cells that `rows` does not cover are cleared."""
    mask, rows = body["fields"], body.get("rows", [])
    if "start" not in body and "range" not in body:
        raise Refused("Either start or range must be specified.")
    anchor = body.get("start") or body["range"]
    sheet = book.sheet(anchor["sheetId"])
    top = anchor.get("rowIndex", anchor.get("startRowIndex", 0))
    left = anchor.get("columnIndex", anchor.get("startColumnIndex", 0))
    written = set()
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.get("values", [])):
            write_cell(sheet, top + i, left + j, cell, mask)
            written.add((top + i, left + j))
    if "range" in body:
        for r, c in cells_of(sheet, body["range"]):
            if (r, c) not in written:
                write_cell(sheet, r, c, {}, mask)


def repeat_cell(book: Book, body: dict) -> None:
    sheet = book.sheet(body["range"]["sheetId"])
    for r, c in cells_of(sheet, body["range"]):
        write_cell(sheet, r, c, body.get("cell", {}), body["fields"])


PASTED = {"PASTE_NORMAL": ("userEnteredValue", "userEnteredFormat", "note", "dataValidation"),
          "PASTE_VALUES": ("userEnteredValue",), "PASTE_FORMAT": ("userEnteredFormat",),
          "PASTE_NO_BORDERS": ("userEnteredValue", "userEnteredFormat", "note", "dataValidation"),
          "PASTE_DATA_VALIDATION": ("dataValidation",)}
"""What each paste type copies (PASTE_NO_BORDERS keeps the borders too here: the fake does not split
formats); PASTE_FORMULA and PASTE_CONDITIONAL_FORMATTING are not supported."""


def copy_paste(book: Book, body: dict) -> None:
    """The source range pasted over the destination, repeated to fill it when the destination is larger
    (as Google tiles a paste); the source is read whole before anything is written."""
    kind = body.get("pasteType", "PASTE_NORMAL")
    if kind not in PASTED or body.get("pasteOrientation", "NORMAL") != "NORMAL":
        raise Refused(f"pasteType {kind} with orientation {body.get('pasteOrientation', 'NORMAL')} is not supported "
                      "by this fake")
    source, target = book.sheet(body["source"]["sheetId"]), book.sheet(body["destination"]["sheetId"])
    top, bottom, left, right = _bounds(source, body["source"])
    height, width = bottom - top, right - left
    if height <= 0 or width <= 0:
        return
    copied = {(r - top, c - left): copy.deepcopy(source.cells.get((r, c), {}))
              for r in range(top, bottom) for c in range(left, right)}
    fields = ",".join(PASTED[kind])
    d_top, _, d_left, _ = _bounds(target, body["destination"])
    for r, c in cells_of(target, body["destination"]):
        write_cell(target, r, c, copied[(r - d_top) % height, (c - d_left) % width], fields)


def set_basic_filter(book: Book, body: dict) -> None:
    """The tab's one basic filter, replaced (its range must lie in the tab: checked with every range)."""
    spec = copy.deepcopy(body["filter"])
    book.sheet(spec["range"]["sheetId"]).basic_filter = spec


def append_cells(book: Book, body: dict) -> None:
    """After the last row holding a value; the grid grows to fit, as Google's appendCells does."""
    sheet = book.sheet(body["sheetId"])
    top = max((r for (r, _), cell in sheet.cells.items() if cell.get("userEnteredValue")), default=-1) + 1
    rows = body.get("rows", [])
    sheet.properties["gridProperties"]["rowCount"] = max(sheet.rows, top + len(rows))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.get("values", [])):
            write_cell(sheet, top + i, j, cell, body["fields"])


def append_dimension(book: Book, body: dict) -> None:
    sheet = book.sheet(body["sheetId"])
    if body.get("dimension") not in ("ROWS", "COLUMNS"):
        raise Refused("A dimension (ROWS or COLUMNS) must be specified.")
    key = "rowCount" if body["dimension"] == "ROWS" else "columnCount"
    sheet.properties["gridProperties"][key] += body.get("length", 0)


def insert_dimension(book: Book, body: dict) -> None:
    span = body["range"]
    sheet = book.sheet(span["sheetId"])
    count = span["endIndex"] - span.get("startIndex", 0)
    shift(book, sheet, span["dimension"], span.get("startIndex", 0), count, deleting=False)


def delete_dimension(book: Book, body: dict) -> None:
    span = body["range"]
    sheet = book.sheet(span["sheetId"])
    size = sheet.rows if span["dimension"] == "ROWS" else sheet.columns
    start, end = span.get("startIndex", 0), span.get("endIndex", size)
    if end - start >= size:
        raise Refused(f"You can't delete all the {span['dimension'].lower()} on the sheet.")
    shift(book, sheet, span["dimension"], start, end - start, deleting=True)


def shift(book: Book, sheet: Sheet, dimension: str, at: int, count: int, deleting: bool) -> None:
    """Insert `count` rows/columns at `at`, or delete [at, at + count): everything after moves."""
    rows = dimension == "ROWS"

    def move(i: int) -> int | None:
        if not deleting:
            return i + count if i >= at else i
        return None if at <= i < at + count else (i - count if i >= at + count else i)

    def move_end(e: int) -> int:
        if not deleting:
            return e + count if e > at else e
        return e if e <= at else max(at, e - count)

    cells = {}
    for (r, c), cell in sheet.cells.items():
        moved = move(r if rows else c)
        if moved is not None:
            cells[(moved, c) if rows else (r, moved)] = cell
    sheet.cells = cells
    sizes = sheet.row_props if rows else sheet.column_props
    moved_sizes = {move(i): p for i, p in sizes.items() if move(i) is not None}
    sizes.clear()
    sizes.update(moved_sizes)
    start_key, end_key = ("startRowIndex", "endRowIndex") if rows else ("startColumnIndex", "endColumnIndex")
    ranges = sheet.merges + [r for rule in sheet.conditional_formats for r in rule.get("ranges", [])] + [
        p["range"] for p in sheet.protected_ranges if "range" in p]
    for grid_range in ranges:
        if start_key in grid_range:
            grid_range[start_key] = move_end(grid_range[start_key]) if deleting else move(grid_range[start_key])
        if end_key in grid_range:
            grid_range[end_key] = move_end(grid_range[end_key])
    sheet.merges = [m for m in sheet.merges if m.get(start_key, 0) < m.get(end_key, 1)]
    for meta in book.metadata:
        span = meta["location"].get("dimensionRange")
        if span and span["sheetId"] == sheet.id and span["dimension"] == dimension:
            span["startIndex"], span["endIndex"] = move_end(span["startIndex"]), move_end(span["endIndex"])
    book.metadata = [m for m in book.metadata if not _empty_span(m)]
    sheet.properties["gridProperties"]["rowCount" if rows else "columnCount"] += -count if deleting else count


def _empty_span(meta: dict) -> bool:
    span = meta["location"].get("dimensionRange")
    return bool(span) and span["startIndex"] >= span["endIndex"]


def update_dimension_properties(book: Book, body: dict) -> None:
    span = body["range"]
    sheet = book.sheet(span["sheetId"])
    rows = span["dimension"] == "ROWS"
    sizes = sheet.row_props if rows else sheet.column_props
    for i in range(span.get("startIndex", 0), span.get("endIndex", sheet.rows if rows else sheet.columns)):
        props = sizes.get(i, {})
        apply_mask(props, body["properties"], body["fields"])
        if props:
            sizes[i] = props
        else:
            sizes.pop(i, None)


def _relation(outer: tuple, inner: tuple) -> str:
    """'inside' when `inner` lies within `outer`, 'apart' when they do not meet, else 'cut'."""
    t1, b1, l1, r1 = outer
    t2, b2, l2, r2 = inner
    if b2 <= t1 or b1 <= t2 or r2 <= l1 or r1 <= l2:
        return "apart"
    return "inside" if t1 <= t2 and b2 <= b1 and l1 <= l2 and r2 <= r1 else "cut"


def _merges_within(sheet: Sheet, grid_range: dict) -> list[dict]:
    """The merges inside a range; a merge the range cuts through is refused, as Google does."""
    outer = _bounds(sheet, grid_range)
    inside = []
    for merge in sheet.merges:
        relation = _relation(outer, _bounds(sheet, merge))
        if relation == "cut":
            raise Refused("You must select all cells in a merged range to merge or unmerge them.")
        if relation == "inside":
            inside.append(merge)
    return inside


def merge_cells(book: Book, body: dict) -> None:
    """MERGE_ALL, MERGE_COLUMNS or MERGE_ROWS; only the top-left value of each merge survives."""
    sheet = book.sheet(body["range"]["sheetId"])
    for merge in _merges_within(sheet, body["range"]):
        sheet.merges.remove(merge)
    top, bottom, left, right = _bounds(sheet, body["range"])
    kind = body.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_COLUMNS":
        pieces = [(top, bottom, c, c + 1) for c in range(left, right)]
    elif kind == "MERGE_ROWS":
        pieces = [(r, r + 1, left, right) for r in range(top, bottom)]
    else:
        pieces = [(top, bottom, left, right)]
    for t, b, lft, rgt in pieces:
        if (b - t) * (rgt - lft) > 1:
            sheet.merges.append({"sheetId": sheet.id, "startRowIndex": t, "endRowIndex": b,
                                 "startColumnIndex": lft, "endColumnIndex": rgt})
            for r in range(t, b):
                for c in range(lft, rgt):
                    if (r, c) != (t, lft) and (r, c) in sheet.cells:
                        write_cell(sheet, r, c, {}, "userEnteredValue")


def unmerge_cells(book: Book, body: dict) -> None:
    sheet = book.sheet(body["range"]["sheetId"])
    for merge in _merges_within(sheet, body["range"]):
        sheet.merges.remove(merge)


def _rule_sheet(book: Book, rule: dict) -> Sheet:
    ids = {r["sheetId"] for r in rule.get("ranges", [])}
    if len(ids) != 1:
        raise Refused("A conditional format rule must have ranges on exactly one sheet.")
    return book.sheet(ids.pop())


def add_conditional_format_rule(book: Book, body: dict) -> None:
    rule = copy.deepcopy(body["rule"])
    if not rule.get("booleanRule") and not rule.get("gradientRule"):
        raise Refused("A conditional format rule must have a booleanRule or a gradientRule.")
    sheet = _rule_sheet(book, rule)
    sheet.conditional_formats.insert(min(body.get("index", 0), len(sheet.conditional_formats)), rule)


def _rule_at(book: Book, sheet_id: int, index: int) -> Sheet:
    sheet = book.sheet(sheet_id)
    if not 0 <= index < len(sheet.conditional_formats):
        raise Refused(f"No conditional format on sheet: {sheet_id} at index: {index}")
    return sheet


def update_conditional_format_rule(book: Book, body: dict) -> dict:
    index = body.get("index", 0)
    sheet = _rule_at(book, body.get("sheetId", 0), index)
    old = sheet.conditional_formats.pop(index)
    new_index = body.get("newIndex", index)
    new = copy.deepcopy(body.get("rule", old))
    sheet.conditional_formats.insert(min(new_index, len(sheet.conditional_formats)), new)
    return {"updateConditionalFormatRule": {"oldRule": old, "newRule": new, "oldIndex": index, "newIndex": new_index}}


def delete_conditional_format_rule(book: Book, body: dict) -> dict:
    index = body.get("index", 0)
    sheet = _rule_at(book, body["sheetId"], index)
    return {"deleteConditionalFormatRule": {"rule": sheet.conditional_formats.pop(index)}}


def create_developer_metadata(book: Book, body: dict) -> dict:
    meta = copy.deepcopy(body["developerMetadata"])
    taken = {m["metadataId"] for m in book.metadata}
    if meta.get("metadataId") in taken:
        raise Refused(f"Developer metadata with ID {meta['metadataId']} already exists.")
    meta.setdefault("metadataId", book.new_id(taken))
    location = meta["location"]
    location.pop("locationType", None)
    if location.get("spreadsheet"):
        location["locationType"] = "SPREADSHEET"
    elif "sheetId" in location:
        location["locationType"] = "SHEET"
    else:
        span = location["dimensionRange"]
        span.setdefault("startIndex", 0)
        span.setdefault("endIndex", span["startIndex"] + 1)
        location["locationType"] = "ROW" if span["dimension"] == "ROWS" else "COLUMN"
    book.metadata.append(meta)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(meta)}}


def matching_metadata(book: Book, data_filter: dict) -> list[dict]:
    """The metadata a DataFilter's developerMetadataLookup picks out (grid and A1 filters are not
    supported by this fake)."""
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is None:
        raise Refused("Only developerMetadataLookup data filters are supported by this fake.")
    if not lookup:
        raise Refused("A developerMetadataLookup must specify at least one criterion.")
    return [m for m in book.metadata if _matches(m, lookup)]


def _matches(meta: dict, lookup: dict) -> bool:
    location = meta["location"]
    for mine, theirs in (("metadataId", "metadataId"), ("metadataKey", "metadataKey"),
                         ("metadataValue", "metadataValue"), ("visibility", "visibility")):
        if theirs in lookup and meta.get(mine) != lookup[theirs]:
            return False
    if "locationType" in lookup and location["locationType"] != lookup["locationType"]:
        return False
    wanted = lookup.get("metadataLocation")
    if wanted:
        strategy = lookup.get("locationMatchingStrategy", "EXACT_LOCATION")
        if not _location_matches(location, wanted, strategy == "INTERSECTING_LOCATION"):
            return False
    return True


def _location_matches(location: dict, wanted: dict, intersecting: bool) -> bool:
    if wanted.get("spreadsheet"):
        return location["locationType"] == "SPREADSHEET" or intersecting
    if "sheetId" in wanted:
        return location.get("sheetId") == wanted["sheetId"] or (
            intersecting and location.get("dimensionRange", {}).get("sheetId") == wanted["sheetId"])
    span, mine = wanted.get("dimensionRange", {}), location.get("dimensionRange")
    if not mine or mine["sheetId"] != span.get("sheetId") or mine["dimension"] != span.get("dimension"):
        return False
    start, end = span.get("startIndex", 0), span.get("endIndex", 2 ** 31)
    if intersecting:
        return mine["startIndex"] < end and start < mine["endIndex"]
    return (mine["startIndex"], mine["endIndex"]) == (start, end)


def _metadata_sheet(meta: dict) -> int | None:
    location = meta["location"]
    return location.get("sheetId", location.get("dimensionRange", {}).get("sheetId"))


def update_developer_metadata(book: Book, body: dict) -> dict:
    found = {m["metadataId"]: m for f in body.get("dataFilters", []) for m in matching_metadata(book, f)}
    for meta in found.values():
        apply_mask(meta, body["developerMetadata"], body["fields"], keep=("metadataId",))
    return {"updateDeveloperMetadata": {"developerMetadata": copy.deepcopy(list(found.values()))}}


def delete_developer_metadata(book: Book, body: dict) -> dict:
    doomed = matching_metadata(book, body["dataFilter"])
    book.metadata = [m for m in book.metadata if m not in doomed]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": copy.deepcopy(doomed)} if doomed else {}}


def update_borders(book: Book, body: dict) -> None:
    """Each cell of the range gets the borders that fall on it: the outer ones on the edges, the
    inner ones between cells. A border of style NONE clears it."""
    sheet = book.sheet(body["range"]["sheetId"])
    top, bottom, left, right = _bounds(sheet, body["range"])
    for r, c in cells_of(sheet, body["range"]):
        sides = {"top": body.get("top") if r == top else body.get("innerHorizontal"),
                 "bottom": body.get("bottom") if r == bottom - 1 else body.get("innerHorizontal"),
                 "left": body.get("left") if c == left else body.get("innerVertical"),
                 "right": body.get("right") if c == right - 1 else body.get("innerVertical")}
        cell = sheet.cells.setdefault((r, c), {})
        borders = cell.setdefault("userEnteredFormat", {}).setdefault("borders", {})
        for side, border in sides.items():
            if border is not None and border.get("style") == "NONE":
                borders.pop(side, None)
            elif border is not None:
                borders[side] = copy.deepcopy(border)
        if not borders:
            cell["userEnteredFormat"].pop("borders")
            if not cell["userEnteredFormat"]:
                cell.pop("userEnteredFormat")
        if not cell:
            sheet.cells.pop((r, c))


def _object_ids(book: Book) -> set[int]:
    return {c["chartId"] for s in book.sheets for c in s.charts} | {
        p["protectedRangeId"] for s in book.sheets for p in s.protected_ranges}


def add_chart(book: Book, body: dict) -> dict:
    chart = copy.deepcopy(body["chart"])
    position = chart.get("position", {})
    if position.get("newSheet"):
        raise Refused("A chart on a new sheet is not supported by this fake.")
    sheet_id = position.get("sheetId", position.get("overlayPosition", {}).get("anchorCell", {}).get("sheetId"))
    if sheet_id is None:
        raise Refused("A chart must have a position.")
    if chart.get("chartId") in _object_ids(book):
        raise Refused(f"An object with the id {chart['chartId']} already exists.")
    chart.setdefault("chartId", book.new_id(_object_ids(book)))
    book.sheet(sheet_id).charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def _chart(book: Book, chart_id: int) -> tuple[Sheet, dict]:
    for sheet in book.sheets:
        for chart in sheet.charts:
            if chart["chartId"] == chart_id:
                return sheet, chart
    raise Refused(f"No chart with id: {chart_id}")


def update_chart_spec(book: Book, body: dict) -> None:
    _chart(book, body["chartId"])[1]["spec"] = copy.deepcopy(body["spec"])


def delete_embedded_object(book: Book, body: dict) -> None:
    sheet, chart = _chart(book, body["objectId"])
    sheet.charts.remove(chart)


def set_data_validation(book: Book, body: dict) -> None:
    sheet = book.sheet(body["range"]["sheetId"])
    source = {"dataValidation": body["rule"]} if "rule" in body else {}
    for r, c in cells_of(sheet, body["range"]):
        write_cell(sheet, r, c, source, "dataValidation")


def add_protected_range(book: Book, body: dict) -> dict:
    protected = copy.deepcopy(body["protectedRange"])
    if "range" not in protected:
        raise Refused("Only a protected range given by `range` is supported by this fake.")
    protected.setdefault("protectedRangeId", book.new_id(_object_ids(book)))
    book.sheet(protected["range"]["sheetId"]).protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}


def delete_protected_range(book: Book, body: dict) -> None:
    for sheet in book.sheets:
        for protected in sheet.protected_ranges:
            if protected["protectedRangeId"] == body.get("protectedRangeId"):
                sheet.protected_ranges.remove(protected)
                return
    raise Refused(f"No protected range with id: {body.get('protectedRangeId')}")


APPLY: dict[str, Callable[[Book, dict], dict | None]] = {
    "addSheet": add_sheet, "deleteSheet": delete_sheet, "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "updateCells": update_cells, "repeatCell": repeat_cell, "appendCells": append_cells, "copyPaste": copy_paste,
    "setBasicFilter": set_basic_filter,
    "appendDimension": append_dimension, "insertDimension": insert_dimension, "deleteDimension": delete_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "mergeCells": merge_cells, "unmergeCells": unmerge_cells,
    "addConditionalFormatRule": add_conditional_format_rule,
    "updateConditionalFormatRule": update_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
    "createDeveloperMetadata": create_developer_metadata, "updateDeveloperMetadata": update_developer_metadata,
    "deleteDeveloperMetadata": delete_developer_metadata,
    "updateBorders": update_borders, "setDataValidation": set_data_validation,
    "addChart": add_chart, "updateChartSpec": update_chart_spec, "deleteEmbeddedObject": delete_embedded_object,
    "addProtectedRange": add_protected_range, "deleteProtectedRange": delete_protected_range,
}


def batch_update(book: Book, body: Any) -> tuple[Book, list[dict]]:
    """Google's batchUpdate on a copy of `book`: (the new book, the replies), or ApiError with the
    spreadsheet untouched — each request is checked against the state the ones before it left."""
    errors = validate("BatchUpdateSpreadsheetRequest", body)
    if errors:
        raise invalid(errors)
    requests = normalize("BatchUpdateSpreadsheetRequest", body).get("requests", [])
    if not requests:
        raise invalid([Violation("Must specify at least one request.", "requests")])
    work, replies = copy.deepcopy(book), []
    for index, request in enumerate(requests):
        kind = next(iter(request))
        if kind not in APPLY:
            raise invalid([Violation(f"Invalid requests[{index}]: {kind} is not supported by this fake.",
                                     f"requests[{index}]")])
        problems = check_request_semantics(index, request, work.grids())
        if problems:
            raise invalid(problems)
        try:
            reply = APPLY[kind](work, request[kind])
        except Refused as refused:
            raise invalid([Violation(f"Invalid requests[{index}].{kind}: {refused}", f"requests[{index}]")]) from None
        except KeyError as missing:  # a field the request cannot do without
            raise invalid([Violation(f"Invalid requests[{index}].{kind}: {missing.args[0]} must be set.",
                                     f"requests[{index}]")]) from None
        replies.append(reply or {})
    work.version += 1
    return work, replies


# ---------------------------------------------------------------------------------------------------
# Google-shaped answers


QUIET_DEFAULTS = {"hidden": False, "rightToLeft": False, "frozenRowCount": 0, "frozenColumnCount": 0,
                  "hideGridlines": False}


def sheet_properties(props: dict) -> dict:
    """Properties as Google returns them: proto3 leaves out false and zero where it is the default."""
    out = {k: copy.deepcopy(v) for k, v in props.items() if QUIET_DEFAULTS.get(k, object()) != v}
    out["gridProperties"] = {k: v for k, v in props.get("gridProperties", {}).items()
                             if QUIET_DEFAULTS.get(k, object()) != v}
    return out


def public_cell(cell: dict) -> dict:
    """A stored cell in Google's CellData form: the seeded formula result becomes effectiveValue."""
    out = {k: copy.deepcopy(v) for k, v in cell.items() if not k.startswith("_")}
    value = cell.get("userEnteredValue", {})
    effective = cell.get("_cached") if "formulaValue" in value else value
    if effective:
        out["effectiveValue"] = copy.deepcopy(effective)
    return out


def sheet_json(book: Book, sheet: Sheet, grid_data: bool) -> dict:
    out: dict[str, Any] = {"properties": sheet_properties(sheet.properties)}
    for key, items in (("merges", sheet.merges), ("conditionalFormats", sheet.conditional_formats),
                       ("charts", sheet.charts), ("protectedRanges", sheet.protected_ranges)):
        if items:
            out[key] = copy.deepcopy(items)
    own = [m for m in book.metadata if m["location"]["locationType"] == "SHEET" and m["location"]["sheetId"] == sheet.id]
    if own:
        out["developerMetadata"] = copy.deepcopy(own)
    if grid_data:
        out["data"] = [grid_json(book, sheet)]
    return out


def grid_json(book: Book, sheet: Sheet) -> dict:
    """The sheet's GridData from A1: row data trimmed like values, row and column metadata in full."""
    height = max((r for r, _ in sheet.cells), default=-1) + 1
    width = max((c for _, c in sheet.cells), default=-1) + 1
    row_data = []
    for r in range(height):
        values = [public_cell(sheet.cells.get((r, c), {})) for c in range(width)]
        while values and not values[-1]:
            values.pop()
        row_data.append({"values": values} if values else {})
    return {"startRow": 0, "startColumn": 0, "rowData": row_data,
            "rowMetadata": _dimension_json(book, sheet, "ROWS"), "columnMetadata": _dimension_json(book, sheet, "COLUMNS")}


def _dimension_json(book: Book, sheet: Sheet, dimension: str) -> list[dict]:
    rows = dimension == "ROWS"
    sizes, count = (sheet.row_props, sheet.rows) if rows else (sheet.column_props, sheet.columns)
    out = [{"pixelSize": DEFAULT_ROW_PX if rows else DEFAULT_COLUMN_PX, **sizes.get(i, {})} for i in range(count)]
    for meta in book.metadata:
        span = meta["location"].get("dimensionRange")
        if span and span["sheetId"] == sheet.id and span["dimension"] == dimension:
            for i in range(span["startIndex"], min(span["endIndex"], count)):
                out[i].setdefault("developerMetadata", []).append(copy.deepcopy(meta))
    return out


def spreadsheet_json(book: Book, grid_data: bool = False) -> dict:
    out = {"spreadsheetId": book.spreadsheet_id, "properties": copy.deepcopy(book.properties),
           "sheets": [sheet_json(book, s, grid_data) for s in book.sheets],
           "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"}
    top = [m for m in book.metadata if m["location"]["locationType"] == "SPREADSHEET"]
    if top:
        out["developerMetadata"] = copy.deepcopy(top)
    return out


# ---------------------------------------------------------------------------------------------------
# The server


@dataclass
class Call:
    """One HTTP call as the fake saw it. `endpoint` is the API method (`spreadsheets.batchUpdate`,
    `spreadsheets.get`, `values.get`, `values.batchGet`, `developerMetadata.search`, ...)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body_size: int
    json: Any
    endpoint: str = "unsupported"
    spreadsheet_id: str | None = None
    status: int = 0
    authorization: str | None = None


ROUTES = [  # (HTTP method, path pattern, endpoint, discovery method path)
    ("GET", r"/v4/spreadsheets/([^/:]+)", "spreadsheets.get", ("get",)),
    ("POST", r"/v4/spreadsheets/([^/:]+):batchUpdate", "spreadsheets.batchUpdate", ("batchUpdate",)),
    ("GET", r"/v4/spreadsheets/([^/:]+)/values:batchGet", "values.batchGet", ("values", "batchGet")),
    ("GET", r"/v4/spreadsheets/([^/:]+)/values/([^/]+)", "values.get", ("values", "get")),
    ("POST", r"/v4/spreadsheets/([^/:]+)/developerMetadata:search", "developerMetadata.search",
     ("developerMetadata", "search")),
    ("GET", r"/v4/spreadsheets/([^/:]+)/developerMetadata/(\d+)", "developerMetadata.get",
     ("developerMetadata", "get")),
    ("GET", r"/drive/v3/files/([^/:]+)", "drive.files.get", None),  # Drive's file metadata: modifiedTime
]


def _discovery_method(path: tuple[str, ...]) -> dict:
    node = discovery()["resources"]["spreadsheets"]
    for part in path[:-1]:
        node = node["resources"][part]
    return node["methods"][path[-1]]


def check_query(query: dict[str, list[str]], method_path: tuple[str, ...]) -> None:
    """Query parameters as Google binds them: unknown names and bad enum values are a 400."""
    method = _discovery_method(method_path)
    known = {**discovery()["parameters"], **method.get("parameters", {})}
    for name, values in query.items():
        param = known.get(name)
        if param is None or param.get("location") == "path":
            raise invalid([Violation(f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                                     f"parameter. Field '{name}' could not be found in request message.", name)])
        for value in values:
            if "enum" in param and value not in param["enum"]:
                raise invalid([Violation(f"Invalid value at '{snake(name)}' (TYPE_ENUM), \"{value}\"", name)])


class FakeSheets:
    """The fake Sheets API: a server on 127.0.0.1 (a free port) and the spreadsheets it holds.

    `url` replaces https://sheets.googleapis.com. Seed with `add_spreadsheet`, inspect with `values`,
    `sheet`, `cell`, `developer_metadata`, `spreadsheet`, `to_xlsx`; `calls` logs every request.
    Faults: `fail_next(status, times, message)` answers the next calls with an error, `deny(id)`
    answers 403 for a spreadsheet until `allow(id)`.
    """

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.calls: list[Call] = []
        self.lock = threading.RLock()
        self._faults: list[tuple[int, str | None]] = []
        self._denied: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeSheets:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True, name="fake-sheets")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT — what stands in for https://sheets.googleapis.com."""
        assert self._server is not None, "the fake is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # seeding

    def add_spreadsheet(self, spreadsheet_id: str, tabs: dict[str, list[list]], title: str = "KPI",
                        locale: str = "en_US", spare_rows: int = 10, spare_columns: int = 2) -> str:
        """A spreadsheet whose tabs hold the given rows of Python values (see `seed_cell`), each grid
        sized to fit with a little spare — tight on purpose, so a client that writes without growing
        the grid first is caught. The first tab has sheetId 0, as in a new Google spreadsheet."""
        book = Book(spreadsheet_id, {"title": title, "locale": locale, "autoRecalc": "ON_CHANGE",
                                     "timeZone": "Europe/Moscow" if locale.startswith("ru") else "Etc/GMT"})
        for index, (name, rows) in enumerate(tabs.items()):
            width = max((len(r) for r in rows), default=0)
            sheet_id = 0 if index == 0 else book.new_id({s.id for s in book.sheets})
            sheet = Sheet(new_sheet_properties(sheet_id, name, index, len(rows) + spare_rows, width + spare_columns))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    cell = seed_cell(value)
                    if cell:
                        sheet.cells[(r, c)] = cell
            book.sheets.append(sheet)
        if not book.sheets:
            book.sheets.append(Sheet(new_sheet_properties(0, "Sheet1", 0)))
        with self.lock:
            self.books[spreadsheet_id] = book
        return spreadsheet_id

    def batch_update(self, spreadsheet_id: str, body: dict) -> dict:
        """Apply a batchUpdate in-process, as the endpoint would (ApiError when refused) — for seeding
        a state that is easier to describe as requests."""
        with self.lock:
            book, replies = batch_update(self._book(spreadsheet_id), body)
            self.books[spreadsheet_id] = book
        return {"spreadsheetId": spreadsheet_id, "replies": replies}

    # faults

    def fail_next(self, status: int, times: int = 1, message: str | None = None) -> None:
        """The next `times` calls (of any kind) get this error: 429 with Google's quota message,
        500, 503, 403, 401... in Google's shape."""
        with self.lock:
            self._faults += [(status, message)] * times

    def deny(self, spreadsheet_id: str) -> None:
        """Every call on this spreadsheet is a 403 "The caller does not have permission" (not shared
        with the service account), until `allow`."""
        with self.lock:
            self._denied.add(spreadsheet_id)

    def allow(self, spreadsheet_id: str) -> None:
        with self.lock:
            self._denied.discard(spreadsheet_id)

    # inspection

    def _book(self, spreadsheet_id: str) -> Book:
        book = self.books.get(spreadsheet_id)
        if book is None:
            raise ApiError(404)
        return book

    def _tab(self, spreadsheet_id: str, tab: str) -> Sheet:
        sheet = self._book(spreadsheet_id).by_title(tab)
        if sheet is None:
            raise KeyError(f"no tab {tab!r} in {spreadsheet_id}: {self.tabs(spreadsheet_id)}")
        return sheet

    def tabs(self, spreadsheet_id: str) -> list[str]:
        with self.lock:
            return [s.title for s in self._book(spreadsheet_id).sheets]

    def values(self, spreadsheet_id: str, tab: str) -> list[list]:
        """The tab's grid as Python values from A1: numbers, strings, bools, dates, formulas as their
        "=..." text, None for an empty cell; trailing empty cells and rows trimmed."""
        with self.lock:
            sheet = self._tab(spreadsheet_id, tab)
            height = max((r for r, _ in sheet.cells), default=-1) + 1
            width = max((c for _, c in sheet.cells), default=-1) + 1
            rows = [_trim([python_value(sheet.cells.get((r, c), {})) for c in range(width)]) for r in range(height)]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def cell(self, spreadsheet_id: str, tab: str, a1: str) -> dict:
        """One cell's stored CellData (userEnteredValue, userEnteredFormat, note, dataValidation)."""
        match = re.fullmatch(r"([A-Za-z]+)(\d+)", a1)
        with self.lock:
            cell = self._tab(spreadsheet_id, tab).cells.get((int(match[2]) - 1, column_index(match[1])), {})
            return public_cell(cell) if cell else {}

    def sheet(self, spreadsheet_id: str, tab: str) -> dict:
        """A tab's properties (with every default), merges, conditional formats, charts, protected
        ranges, developer metadata on it or its rows/columns, and the non-default row/column sizes."""
        with self.lock:
            book = self._book(spreadsheet_id)
            sheet = self._tab(spreadsheet_id, tab)
            return copy.deepcopy({
                "properties": sheet.properties, "merges": sheet.merges,
                "conditionalFormats": sheet.conditional_formats, "charts": sheet.charts,
                "protectedRanges": sheet.protected_ranges,
                "developerMetadata": [m for m in book.metadata if _metadata_sheet(m) == sheet.id],
                "rowSizes": sheet.row_props, "columnSizes": sheet.column_props})

    def developer_metadata(self, spreadsheet_id: str) -> list[dict]:
        with self.lock:
            return copy.deepcopy(self._book(spreadsheet_id).metadata)

    def spreadsheet(self, spreadsheet_id: str, grid_data: bool = False) -> dict:
        """The spreadsheet as GET /v4/spreadsheets/{id} would return it."""
        with self.lock:
            return spreadsheet_json(self._book(spreadsheet_id), grid_data)

    def calls_to(self, endpoint: str) -> list[Call]:
        """The calls to one API method, e.g. `fake.calls_to("spreadsheets.batchUpdate")`."""
        with self.lock:
            return [c for c in self.calls if c.endpoint == endpoint]

    def to_xlsx(self, spreadsheet_id: str, path: Path | str) -> Path:
        """The whole spreadsheet as an .xlsx (values, formulas, date and number formats, merges, frozen
        panes, column widths, hidden tabs), so LibreOffice can calculate what Google would show.
        Google formulas the project writes (IF, ROUND, TEXT, SUM, SUMPRODUCT, MIN, MAX, ISNUMBER,
        'Other tab'!F12) read the same in Excel. Titles over Excel's 31 characters are refused by openpyxl."""
        from openpyxl import Workbook
        with self.lock:
            book = copy.deepcopy(self._book(spreadsheet_id))
        workbook = Workbook()
        workbook.remove(workbook.active)
        for sheet in book.sheets:
            _xlsx_sheet(workbook.create_sheet(sheet.title), sheet)
        workbook.save(path)
        return Path(path)

    # HTTP

    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict]:
        """One HTTP request -> (status, JSON answer); logged in `calls`."""
        split = urlsplit(raw_path)
        call = Call(method, split.path, parse_qs(split.query, keep_blank_values=True), len(body), None,
                    authorization=headers.get("Authorization"))
        with self.lock:
            self.calls.append(call)
            try:
                status, answer = 200, self._dispatch(call, body)
            except ApiError as error:
                status, answer = error.status, error.body()
            except Exception:  # noqa: BLE001 - a bug of the fake: a 500 that says so, not a dropped connection
                status, answer = 500, ApiError(500, "Bug in the fake:\n" + traceback.format_exc()).body()
            call.status = status
        return status, answer

    def _dispatch(self, call: Call, body: bytes) -> dict:
        route = next(((endpoint, m, method_path) for verb, pattern, endpoint, method_path in ROUTES
                      if verb == call.method and (m := re.fullmatch(pattern, call.path))), None)
        if route:
            call.endpoint = route[0]
            call.spreadsheet_id = unquote(route[1][1])
        if self._faults:
            status, message = self._faults.pop(0)
            raise ApiError(status, message, kind="Write" if call.endpoint == "spreadsheets.batchUpdate" else "Read")
        if call.body_size > MAX_BODY:
            raise ApiError(400, f"Request payload size exceeds the limit: {MAX_BODY} bytes.")
        if body:
            try:
                call.json = json.loads(body)
            except ValueError:
                raise ApiError(400, "Invalid JSON payload received. Unexpected token.") from None
        if route is None:
            raise ApiError(400, f"{call.method} {call.path} is not supported by this fake.")
        endpoint, match, method_path = route
        if method_path is not None:  # a Sheets API method: its query is checked against the discovery document
            check_query(call.query, method_path)
        if call.spreadsheet_id in self._denied:
            raise ApiError(403)
        book = self._book(call.spreadsheet_id)
        answer = getattr(self, "_" + endpoint.replace(".", "_"))(book, call, match)
        fields = call.query.get("fields", [""])[0]
        return select(answer, parse_fields(fields)) if fields else answer

    def _drive_files_get(self, book: Book, call: Call, match: re.Match) -> dict:
        """Drive's answer for the spreadsheet's file: its id, name and when it last changed."""
        changed = dt.datetime(2026, 12, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=book.version)
        return {"id": book.spreadsheet_id, "name": book.properties.get("title", ""),
                "modifiedTime": changed.strftime("%Y-%m-%dT%H:%M:%S.000Z")}

    def _spreadsheets_get(self, book: Book, call: Call, match: re.Match) -> dict:
        return spreadsheet_json(book, call.query.get("includeGridData", ["false"])[0] == "true")

    def _spreadsheets_batchUpdate(self, book: Book, call: Call, match: re.Match) -> dict:
        body = call.json if call.json is not None else {}
        new, replies = batch_update(book, body)
        self.books[book.spreadsheet_id] = new
        answer = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
        options = normalize("BatchUpdateSpreadsheetRequest", body)
        if options.get("includeSpreadsheetInResponse"):
            answer["updatedSpreadsheet"] = spreadsheet_json(new, bool(options.get("responseIncludeGridData")))
        return answer

    def _value_options(self, call: Call) -> tuple[str, str, str]:
        q = call.query
        return (q.get("valueRenderOption", ["FORMATTED_VALUE"])[0], q.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0],
                q.get("majorDimension", ["ROWS"])[0])

    def _read(self, book: Book, call: Call, text: str) -> dict:
        value_option, date_option, major = self._value_options(call)
        return read_values(parse_range(text, book), value_option, date_option,
                           "ROWS" if major == "DIMENSION_UNSPECIFIED" else major, book.properties.get("locale", "en_US"))

    def _values_get(self, book: Book, call: Call, match: re.Match) -> dict:
        return self._read(book, call, unquote(match[2]))

    def _values_batchGet(self, book: Book, call: Call, match: re.Match) -> dict:
        ranges = call.query.get("ranges", [])
        return {"spreadsheetId": book.spreadsheet_id, "valueRanges": [self._read(book, call, r) for r in ranges]}

    def _developerMetadata_search(self, book: Book, call: Call, match: re.Match) -> dict:
        body = call.json if call.json is not None else {}
        errors = validate("SearchDeveloperMetadataRequest", body)
        if errors:
            raise invalid(errors)
        matched = []
        for data_filter in normalize("SearchDeveloperMetadataRequest", body).get("dataFilters", []):
            try:
                found = matching_metadata(book, data_filter)
            except Refused as refused:
                raise ApiError(400, str(refused)) from None
            matched += [{"developerMetadata": copy.deepcopy(m), "dataFilters": [data_filter]} for m in found]
        return {"matchedDeveloperMetadata": matched} if matched else {}

    def _developerMetadata_get(self, book: Book, call: Call, match: re.Match) -> dict:
        for meta in book.metadata:
            if meta["metadataId"] == int(match[2]):
                return copy.deepcopy(meta)
        raise ApiError(404, f"No developer metadata with ID: {match[2]}")


def _xlsx_sheet(ws: Any, sheet: Sheet) -> None:
    for (r, c), cell in sheet.cells.items():
        value = python_value(cell)
        if value is None:
            continue
        target = ws.cell(row=r + 1, column=c + 1, value=value)
        pattern = _number_format(cell).get("pattern")
        if pattern:
            target.number_format = pattern
    for merge in sheet.merges:
        ws.merge_cells(start_row=merge["startRowIndex"] + 1, end_row=merge["endRowIndex"],
                       start_column=merge["startColumnIndex"] + 1, end_column=merge["endColumnIndex"])
    grid = sheet.properties["gridProperties"]
    rows, columns = grid.get("frozenRowCount", 0), grid.get("frozenColumnCount", 0)
    if rows or columns:
        ws.freeze_panes = f"{column_letters(columns)}{rows + 1}"
    for index, props in sheet.column_props.items():
        if "pixelSize" in props:
            ws.column_dimensions[column_letters(index)].width = round(props["pixelSize"] / 7, 1)
    if sheet.properties.get("hidden"):
        ws.sheet_state = "hidden"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a client's kept-alive connection must not hold up stop()
    fake: FakeSheets


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out as separate writes: without this, Nagle + delayed ACK cost 40 ms a call
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        status, answer = self.server.fake.handle(self.command, self.path, self.headers, body)
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunked(self) -> bytes:
        body = b""
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers
            pass
        return body

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # the tests' output stays quiet
        pass


def fixture(name: str = "fake_sheets") -> Any:
    """A pytest fixture giving a running FakeSheets per test: `fake_sheets = sheets_fake.fixture()`
    at a test module's top level."""
    @pytest.fixture(name=name)
    def _fake_sheets() -> Iterator[FakeSheets]:
        with FakeSheets() as fake:
            yield fake
    return _fake_sheets
