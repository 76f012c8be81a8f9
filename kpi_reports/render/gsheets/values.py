"""Cell values as Google Sheets requests, and the JSON every request is sent as: for `render/gsheets/tab.py`
(a tab's requests) and `render/gsheets/plan.py` (the bodies).

- Text is always `stringValue` — never parsed, so a name such as `=IMPORTXML("http://x","//a")` stays
  text; numbers `numberValue` (a Decimal's own digits when it has at most 17, else the nearest double);
  layout formulas `formulaValue`, the same Excel-syntax text the .xlsx holds (cross-sheet references,
  TEXT(…, "0%"), SUMPRODUCT(ROUND(range*weight, 2)) are all Sheets formulas too). Sheets computes
  formulas itself: the layout's cached value of a formula is not sent.
- The values go in `updateCells` requests of about a chunk's bytes each, from the first row with a value
  down; a unit whose formulas name other sheets can be drawn again with those sheets' temporary names
  (a staged refresh, `plan.py`).
- Requests are compact JSON in UTF-8, written as text where they are many (cells, sizes, formats)."""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring

from kpi_reports.layout.model import Cell

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def encode(body: object) -> bytes:
    """A body as it is sent: compact JSON in UTF-8."""
    return _ENCODER.encode(body).encode("utf-8")


def request(body: dict) -> bytes:
    """One request of a batchUpdate, as it is sent."""
    return encode(body)


def update_sheet(properties: dict, fields: str) -> bytes:
    return request({"updateSheetProperties": {"properties": properties, "fields": fields}})


@dataclass
class Unit:
    """Requests as JSON text (comma-joined), and, for cells whose formulas name other sheets, how to draw
    them again with those sheets' temporary names."""

    data: bytes
    again: Callable[[list[tuple[str, str]]], bytes] | None = None

    def redraw(self, rename: list[tuple[str, str]]) -> bytes:
        return self.again(rename) if self.again else self.data


_GAPS = ["", *(",".join(["{}"] * n) for n in range(1, 65))]


def _gap(n: int) -> str:
    """n empty cells (or rows), comma-joined."""
    return _GAPS[n] if n < len(_GAPS) else ",".join(["{}"] * n)


_TEXT = '{"userEnteredValue":{"stringValue":'
_NUMBER = '{"userEnteredValue":{"numberValue":'
_FORMULA = '{"userEnteredValue":{"formulaValue":'


def value_units(sheet_id: int, by_row: Mapping[int, list[Cell]], chunk: int) -> list[Unit]:
    """updateCells of `chunk` bytes or so each, from the first row with a value down; `by_row`: the
    cells of each row in column order."""
    found, keys = [], sorted(by_row)
    texts: dict[str, str] = {}
    i = 0
    while i < len(keys):
        first, size, rows, refs, last = i, 0, [], False, keys[i] - 1
        while i < len(keys) and size < chunk:
            r = keys[i]
            if r > last + 1:
                rows.append(_gap(r - last - 1))
            text, named = _row(by_row[r], texts, None)
            rows.append(text)
            refs |= named
            size += len(text) + 1
            last = r
            i += 1
        data = _update_cells(sheet_id, keys[first], rows)
        found.append(Unit(data, _redraw(sheet_id, by_row, keys[first:i]) if refs else None))
    return found


def _update_cells(sheet_id: int, start: int, rows: list[str]) -> bytes:
    return (f'{{"updateCells":{{"start":{{"sheetId":{sheet_id},"rowIndex":{start},"columnIndex":0}},'
            f'"rows":[{",".join(rows)}],"fields":"userEnteredValue"}}}}').encode()


def _redraw(sheet_id: int, by_row: Mapping[int, list[Cell]], keys: list[int]) -> Callable[[list[tuple[str, str]]], bytes]:
    def again(rename: list[tuple[str, str]]) -> bytes:
        rows, last, texts = [], keys[0] - 1, {}
        for r in keys:
            if r > last + 1:
                rows.append(_gap(r - last - 1))
            rows.append(_row(by_row[r], texts, rename)[0])
            last = r
        return _update_cells(sheet_id, keys[0], rows)
    return again


def _row(cells: list[Cell], texts: dict[str, str], rename: list[tuple[str, str]] | None) -> tuple[str, bool]:
    """One row's RowData as JSON text, and whether a formula of it names another sheet. Cells with no
    value are `{}` between others and left out at the end; text is a stringValue, always."""
    out, col, named = [], 0, False
    append = out.append
    for cell in cells:
        at = cell.col
        if at < col:
            continue  # a second cell in the same place: the first one stays, as in the .xlsx
        formula = cell.formula
        if formula:
            if formula[0] != "=":
                formula = "=" + formula
            if "!" in formula:
                named = True
                if rename:
                    formula = _renamed(formula, rename)
            part = _FORMULA + encode_basestring(formula) + "}}"
        else:
            value = cell.value
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                part = texts.get(value)
                if part is None:
                    part = texts[value] = _TEXT + encode_basestring(value) + "}}"
            elif value is None:
                continue
            elif kind is Decimal:
                shown = str(value)
                if len(shown) > 18 or "E" in shown or shown[-1] not in _DIGITS:
                    shown = _number(value)
                    if shown is None:
                        continue
                part = _NUMBER + shown + "}}"
            elif kind is bool:
                part = '{"userEnteredValue":{"boolValue":' + ("true" if value else "false") + "}}"
            else:
                shown = _number(value)
                if shown is None:
                    continue
                part = _NUMBER + shown + "}}"
        if at > col:
            append(_GAPS[at - col] if at - col < 65 else _gap(at - col))
        append(part)
        col = at + 1
    return ('{"values":[' + ",".join(out) + "]}" if out else "{}"), named


_DIGITS = frozenset("0123456789")


def _renamed(formula: str, rename: list[tuple[str, str]]) -> str:
    """`formula` with each reference to a sheet `old` ('Payslips 2026-10'!, as the layout quotes every
    sheet name) made a reference to `new`; `rename` holds the references, quoted (`_references`)."""
    for old, new in rename:
        if old in formula:
            formula = formula.replace(old, new)
    return formula


def references(titles: Mapping[str, str]) -> list[tuple[str, str]]:
    """Old title → new title, as the references a formula makes to them ('Payslips 2026-10'!)."""
    return [("'" + old.replace("'", "''") + "'!", "'" + new.replace("'", "''") + "'!") for old, new in titles.items()]


def _number(value: Decimal | float) -> str | None:
    """A number as JSON: a Decimal's own digits when there are at most 17 of them (exact, and what the
    API reads as the nearest double), else the nearest double's shortest text."""
    if type(value) is int:
        return str(value)
    shown = str(value)
    if len(shown) <= 18 and "E" not in shown and "N" not in shown and "n" not in shown and "I" not in shown:
        return shown
    number = float(value)
    return repr(number) if math.isfinite(number) else None


def fraction(value: Decimal) -> str:
    """A number as a formula's integer or fraction (4/5): no decimal point, so it reads the same in a
    spreadsheet of any locale."""
    p, q = Decimal(value).as_integer_ratio()
    return str(p) if q == 1 else f"{p}/{q}"
