"""One generated tab as Google Sheets requests: what `render/gsheets/plan.py`'s plan puts in its bodies — the tab's
head (addSheet with its grid, frozen panes and family mark) and its contents, in units a body can hold.

How a layout is drawn:

- Values: text is always `stringValue` — never parsed, so a name such as `=IMPORTXML("http://x","//a")`
  stays text; numbers `numberValue` (a Decimal's own digits when it has at most 17, else the nearest
  double); layout formulas `formulaValue`, the same Excel-syntax text the .xlsx holds (cross-sheet
  references, TEXT(…, "0%"), SUMPRODUCT(ROUND(range*weight, 2)) are all Sheets formulas too). Sheets
  computes formulas itself: the layout's cached value of a formula is not sent.
- Styles: each `STYLES` entry is translated once into a Sheets CellFormat (`sheets_format.cell_format`) and applied
  with one `repeatCell` per rectangle of cells that share it (runs along a row, stacked down the rows).
  The Sheets API has no named styles to refer to, so a format travels with each rectangle; the same
  rows of formats repeated lower down (every payslip block) are copied with one `copyPaste` of
  PASTE_FORMAT from the first such rows instead of being drawn again.
- Number formats (`number_format`): Excel's `_)` (a space as wide as ")") becomes a literal space `" "`,
  a sign `+`/`-` a quoted literal; `%` makes the type PERCENT, anything else NUMBER. So `#,##0.00_)` is
  NUMBER `#,##0.00" "`, `0.0%_)` PERCENT `0.0%" "`, `+#,##0.00_);-#,##0.00_);0.00_)` NUMBER
  `"+"#,##0.00" ";"-"#,##0.00" ";0.00" "` (the space is a little narrower than the ")" Excel leaves).
- Indent (Sheets has none) is left padding: 3 px, Sheets' own, plus 10 px a step; borders thin → SOLID,
  medium → SOLID_MEDIUM; `text_wrap` → wrapStrategy WRAP; colours as rgbColor 0..1.
- Column widths in characters → pixels as XlsxWriter counts them (int(7w + 0.5) + 5); every row is set to
  20 px (15 points, the layout's line; Sheets' default is 21) and the rows the layout made taller to
  4h/3 px. Sheets fits nothing itself then: the layout's heights hold its wrapped text, as in Excel.
- Merged ranges: `mergeCells` MERGE_ALL (one MERGE_ROWS for single-row merges stacked in one span of
  columns). Frozen panes: the grid's frozenRowCount / frozenColumnCount. Autofilter: `setBasicFilter`.
- Conditional colours (`Colour`): red below the cut-off, amber below 100%, green from 100% — three
  CUSTOM_FORMULA rules, first match wins as in Excel's stop-if-true; the formulas
  (`=ISNUMBER(C3)*(C3<4/5)`) have neither a decimal point nor an argument separator, so they read the
  same in a spreadsheet of any locale.
- Validations: `setDataValidation` NUMBER_BETWEEN, strict, the note as the input message (Sheets has no
  separate title: "title: note").
- Charts: `addChart`, a COMBO chart — the values as columns, the target column beside them as a red
  line — anchored with an overlayPosition at the chart's anchor cell, sized as the .xlsx chart.

What Sheets cannot show: the API has no page setup — no paper size or orientation, margins, fit to
width, print area, repeated header rows, footer, nor manual row breaks (a payslip per page is an .xlsx
and PDF matter; printing a tab uses Sheets' own print dialog) — so `Sheet.page` is not drawn. Fonts
stay Sheets' default (Arial 10) with the layout's sizes and weights.
"""
from __future__ import annotations

import json
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring

from kpi_reports.layout.model import (
    DEFAULT_WIDTH,
    LINE,
    STYLES,
    Cell,
    Chart,
    Colour,
    Sheet,
    Validation,
    cells_by_row,
)
from kpi_reports.names import a1
from kpi_reports.render.gsheets.formats import cell_format, conditional_format, rgb

KEY = "kpi_reports_sheet"
"""The developer metadata key that marks a generated tab; its value is the tab's family."""
ROW_PX = int(4 * LINE / 3)
MIN_COPY = 3
"""Rows a copy of formats must span to be worth a copyPaste rather than the rectangles themselves."""

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def encode(body: object) -> bytes:
    """A body as it is sent: compact JSON in UTF-8."""
    return _ENCODER.encode(body).encode("utf-8")


def request(body: dict) -> bytes:
    """One request of a batchUpdate, as it is sent."""
    return encode(body)


def update_sheet(properties: dict, fields: str) -> bytes:
    return request({"updateSheetProperties": {"properties": properties, "fields": fields}})


_FORMAT_JSON: dict[str | None, str] = {}


def _format_json(style: str) -> str:
    text = _FORMAT_JSON.get(style)
    if text is None:
        text = _FORMAT_JSON[style] = _ENCODER.encode(cell_format(STYLES[style]))
    return text


# --- one tab ------------------------------------------------------------------------------------------------

@dataclass
class Unit:
    """Requests as JSON text (comma-joined), and, for cells whose formulas name other sheets, how to draw
    them again with those sheets' temporary names."""

    data: bytes
    again: Callable[[list[tuple[str, str]]], bytes] | None = None

    def redraw(self, rename: list[tuple[str, str]]) -> bytes:
        return self.again(rename) if self.again else self.data


_col = operator.attrgetter("col")
_first = operator.itemgetter(0)
_GAPS = ["", *(",".join(["{}"] * n) for n in range(1, 65))]


def _gap(n: int) -> str:
    """n empty cells (or rows), comma-joined."""
    return _GAPS[n] if n < len(_GAPS) else ",".join(["{}"] * n)


_TEXT = '{"userEnteredValue":{"stringValue":'
_NUMBER = '{"userEnteredValue":{"numberValue":'
_FORMULA = '{"userEnteredValue":{"formulaValue":'


class Tab:
    """One layout drawn as requests on the tab `id`."""

    def __init__(self, sheet: Sheet, sheet_id: int):
        self.sheet, self.id = sheet, sheet_id
        rows = cells_by_row(sheet)
        for cells in rows.values():
            cells.sort(key=_col)
        self.by_row = rows
        self.rows, self.columns = self._grid()
        self.frozen = self._frozen()

    def _grid(self) -> tuple[int, int]:
        """Rows and columns enough for everything the layout puts anywhere: cells, merges, colours,
        validations, the filter, charts and their data, widths, heights and the frozen panes (a grid
        always has a row and a column beyond the frozen ones)."""
        s = self.sheet
        last_row = max(self.by_row, default=0)
        last_col = max((cells[-1].col for cells in self.by_row.values()), default=0)
        boxes = [(m.first_row, m.first_col, m.last_row, m.last_col) for m in s.merges]
        boxes += [(c.first_row, c.first_col, c.last_row, c.last_col) for c in s.colours]
        boxes += [(v.first_row, v.first_col, v.last_row, v.last_col) for v in s.validations]
        if s.autofilter:
            boxes.append(s.autofilter)
        for chart in s.charts:
            (col, first, last), (vcol, vfirst, vlast) = chart.names, chart.values
            boxes += [(first, col, last, col), (vfirst, vcol, vlast, vcol + 1), (*chart.anchor, *chart.anchor)]
            if chart.to:
                boxes.append((*chart.to, *chart.to))
        for r0, c0, r1, c1 in boxes:
            last_row, last_col = max(last_row, r0, r1), max(last_col, c0, c1)
        last_row = max(last_row, max(s.heights, default=0), (s.freeze or (0, 0))[0])
        last_col = max(last_col, max(s.widths, default=0), (s.freeze or (0, 0))[1])
        return last_row + 1, last_col + 1

    def _frozen(self) -> tuple[int, int]:
        """The frozen rows and columns; none across a merged range, which Sheets refuses."""
        rows, cols = self.sheet.freeze or (0, 0)
        if any(m.first_row < rows <= m.last_row for m in self.sheet.merges):
            rows = 0
        if any(m.first_col < cols <= m.last_col for m in self.sheet.merges):
            cols = 0
        return rows, cols

    def head(self, title: str, index: int, hidden: bool, family: str) -> list[bytes]:
        """addSheet (the grid at its final size, the panes frozen) and the tab's mark."""
        grid = {"rowCount": self.rows, "columnCount": self.columns}
        rows, cols = self.frozen
        if rows:
            grid["frozenRowCount"] = rows
        if cols:
            grid["frozenColumnCount"] = cols
        props = {"sheetId": self.id, "title": title, "index": index, "gridProperties": grid}
        if hidden:
            props["hidden"] = True
        return [request({"addSheet": {"properties": props}}),
                request({"createDeveloperMetadata": {"developerMetadata": {
                    "metadataKey": KEY, "metadataValue": family, "location": {"sheetId": self.id},
                    "visibility": "DOCUMENT"}}})]

    def units(self, chunk: int) -> list[Unit]:
        """Everything after the head: sizes, values, merges, formats, then the filter, colours, validations
        and charts — after the formats, so that no copy of formats carries a rule or a validation."""
        found = [Unit(b",".join(self._dimensions()))]
        found += self._values(chunk)
        found += _grouped(self._merges(), chunk)
        found += _grouped(self._formats(), chunk)
        rest = self._filter() + self._colours() + self._validations() + self._charts()
        found += _grouped(rest, chunk)
        return found

    # --- sizes ---

    def _dimensions(self) -> list[bytes]:
        widths = [int(7 * self.sheet.widths.get(c, DEFAULT_WIDTH) + 0.5) + 5 for c in range(self.columns)]
        found = [self._dimension("COLUMNS", start, end, px) for start, end, px in _runs(widths)]
        found.append(self._dimension("ROWS", 0, self.rows, ROW_PX))
        heights = self.sheet.heights
        rows = sorted(r for r in heights if int(4 * heights[r] / 3) != ROW_PX)
        start = None
        for i, r in enumerate(rows):
            px = int(4 * heights[r] / 3)
            if start is None:
                start = r
            following = rows[i + 1] if i + 1 < len(rows) else None
            if following != r + 1 or int(4 * heights[following] / 3) != px:
                found.append(self._dimension("ROWS", start, r + 1, px))
                start = None
        return found

    def _dimension(self, dimension: str, start: int, end: int, px: int) -> bytes:
        return (f'{{"updateDimensionProperties":{{"range":{{"sheetId":{self.id},"dimension":"{dimension}",'
                f'"startIndex":{start},"endIndex":{end}}},"properties":{{"pixelSize":{px}}},'
                f'"fields":"pixelSize"}}}}').encode()

    # --- values ---

    def _values(self, chunk: int) -> list[Unit]:
        """updateCells of `chunk` bytes or so each, from the first row with a value down."""
        found, keys = [], sorted(self.by_row)
        texts: dict[str, str] = {}
        i = 0
        while i < len(keys):
            first, size, rows, refs, last = i, 0, [], False, keys[i] - 1
            while i < len(keys) and size < chunk:
                r = keys[i]
                if r > last + 1:
                    rows.append(_gap(r - last - 1))
                text, named = _row(self.by_row[r], texts, None)
                rows.append(text)
                refs |= named
                size += len(text) + 1
                last = r
                i += 1
            data = self._update_cells(keys[first], rows)
            found.append(Unit(data, self._redraw(keys[first:i]) if refs else None))
        return found

    def _update_cells(self, start: int, rows: list[str]) -> bytes:
        return (f'{{"updateCells":{{"start":{{"sheetId":{self.id},"rowIndex":{start},"columnIndex":0}},'
                f'"rows":[{",".join(rows)}],"fields":"userEnteredValue"}}}}').encode()

    def _redraw(self, keys: list[int]) -> Callable[[list[tuple[str, str]]], bytes]:
        def again(rename: list[tuple[str, str]]) -> bytes:
            rows, last, texts = [], keys[0] - 1, {}
            for r in keys:
                if r > last + 1:
                    rows.append(_gap(r - last - 1))
                rows.append(_row(self.by_row[r], texts, rename)[0])
                last = r
            return self._update_cells(keys[0], rows)
        return again

    # --- formats ---

    def _style_runs(self) -> dict[int, tuple[tuple[int, int, str], ...]]:
        """Row → the runs (first column, last column, style) of its styled cells; a merged range's cells
        carry the style of its first cell, as in the .xlsx."""
        fills: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for m in self.sheet.merges:
            style = next((c.style for c in self.by_row.get(m.first_row, ()) if c.col == m.first_col), None)
            if style:
                for r in range(m.first_row, m.last_row + 1):
                    start = m.first_col + 1 if r == m.first_row else m.first_col
                    fills[r].extend((c, style) for c in range(start, m.last_col + 1))
        found = {}
        for r, cells in self.by_row.items():
            if r in fills:
                items = sorted([*((c.col, c.style) for c in cells if c.style), *fills[r]], key=_first)
            else:
                items = [(c.col, c.style) for c in cells if c.style]
            if items:
                found[r] = _style_runs(items)
        for r, items in fills.items():
            if r not in found:
                found[r] = _style_runs(sorted(items, key=_first))
        return found

    def _formats(self) -> list[bytes]:
        """repeatCell per rectangle of one style; rows of formats that repeat rows above (every payslip
        block after the first) copied with one copyPaste of PASTE_FORMAT instead."""
        runs_of = self._style_runs()
        if not runs_of:
            return []
        last = max(runs_of)
        signature_ids: dict[tuple, int] = {}
        sig = [0] * (last + 1)
        merge_rows = self._merge_signatures()
        for r in range(last + 1):
            key = (runs_of.get(r, ()), merge_rows.get(r, ()))
            sig[r] = signature_ids.setdefault(key, len(signature_ids))
        literal, copies = _copies(sig, 0 if not signature_ids else signature_ids.get(((), ()), -1))
        rects = _rectangles(runs_of, literal)
        out = [self._repeat(*rect) for rect in rects]
        cols = self.columns
        for source, dest, length in copies:
            out.append((f'{{"copyPaste":{{"source":{self._range(source, source + length, 0, cols)},'
                        f'"destination":{self._range(dest, dest + length, 0, cols)},'
                        f'"pasteType":"PASTE_FORMAT"}}}}').encode())
        return out

    def _merge_signatures(self) -> dict[int, tuple]:
        """Row → the merged ranges over it, relative to the row: formats are copied only between rows
        merged alike."""
        found: dict[int, list] = defaultdict(list)
        for m in self.sheet.merges:
            for r in range(m.first_row, m.last_row + 1):
                found[r].append((m.first_col, m.last_col, r - m.first_row, m.last_row - r))
        return {r: tuple(sorted(v)) for r, v in found.items()}

    def _range(self, r0: int, r1: int, c0: int, c1: int) -> str:
        return (f'{{"sheetId":{self.id},"startRowIndex":{r0},"endRowIndex":{r1},'
                f'"startColumnIndex":{c0},"endColumnIndex":{c1}}}')

    def _repeat(self, r0: int, r1: int, c0: int, c1: int, style: str) -> bytes:
        return (f'{{"repeatCell":{{"range":{self._range(r0, r1, c0, c1)},'
                f'"cell":{{"userEnteredFormat":{_format_json(style)}}},"fields":"userEnteredFormat"}}}}').encode()

    # --- merges ---

    def _merges(self) -> list[bytes]:
        single: dict[tuple[int, int], list[int]] = defaultdict(list)
        found = []
        for m in self.sheet.merges:
            if m.first_row == m.last_row:
                single[m.first_col, m.last_col].append(m.first_row)
            else:
                found.append((m.first_row, m.last_row + 1, m.first_col, m.last_col + 1, "MERGE_ALL"))
        for (c0, c1), rows in single.items():
            rows.sort()
            start = prev = rows[0]
            for r in [*rows[1:], None]:
                if r is not None and r == prev + 1:
                    prev = r
                    continue
                found.append((start, prev + 1, c0, c1 + 1, "MERGE_ALL" if prev == start else "MERGE_ROWS"))
                if r is not None:
                    start = prev = r
        found.sort()
        return [f'{{"mergeCells":{{"range":{self._range(r0, r1, c0, c1)},"mergeType":"{kind}"}}}}'.encode()
                for r0, r1, c0, c1, kind in found]

    # --- the rest ---

    def _grid_range(self, r0: int, c0: int, r1: int, c1: int) -> dict:
        """Inclusive first and last row and column, as the layout gives them."""
        return {"sheetId": self.id, "startRowIndex": r0, "endRowIndex": r1 + 1, "startColumnIndex": c0,
                "endColumnIndex": c1 + 1}

    def _filter(self) -> list[bytes]:
        if not self.sheet.autofilter:
            return []
        return [request({"setBasicFilter": {"filter": {"range": self._grid_range(*self.sheet.autofilter)}}})]

    def _colours(self) -> list[bytes]:
        found, index = [], 0
        for c in self.sheet.colours:
            for style, formula in _colour_rules(c):
                found.append(request({"addConditionalFormatRule": {"rule": {
                    "ranges": [self._grid_range(c.first_row, c.first_col, c.last_row, c.last_col)],
                    "booleanRule": {"condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
                                    "format": conditional_format(STYLES[style])}}, "index": index}}))
                index += 1
        return found

    def _validations(self) -> list[bytes]:
        return [request({"setDataValidation": {
            "range": self._grid_range(v.first_row, v.first_col, v.last_row, v.last_col),
            "rule": _validation_rule(v)}}) for v in self.sheet.validations]

    def _charts(self) -> list[bytes]:
        return [request({"addChart": {"chart": self._chart(chart)}}) for chart in self.sheet.charts]

    def _chart(self, chart: Chart) -> dict:
        (col, first, last), (vcol, vfirst, vlast) = chart.names, chart.values
        above = {c.col: c.value for c in self.by_row.get(first - 1, ())} if first == vfirst and first > 0 else {}
        headers = 1 if all(isinstance(above.get(c), str) and above.get(c) for c in (col, vcol, vcol + 1)) else 0
        first, vfirst = first - headers, vfirst - headers

        def source(c: int, r0: int, r1: int) -> dict:
            return {"sourceRange": {"sources": [self._grid_range(r0, c, r1, c)]}}
        width, height = self._chart_size(chart)
        return {
            "spec": {"title": chart.title, "basicChart": {
                "chartType": "COMBO", "legendPosition": "BOTTOM_LEGEND", "headerCount": headers,
                "axis": [{"position": "BOTTOM_AXIS"},
                         {"position": "LEFT_AXIS", "viewWindowOptions": {"viewWindowMin": 0,
                                                                         "viewWindowMode": "EXPLICIT"}}],
                "domains": [{"domain": source(col, first, last)}],
                "series": [{"series": source(vcol, vfirst, vlast), "type": "COLUMN", "targetAxis": "LEFT_AXIS"},
                           {"series": source(vcol + 1, vfirst, vlast), "type": "LINE", "targetAxis": "LEFT_AXIS",
                            "colorStyle": rgb("#C00000"), "lineStyle": {"width": 2}}]}},
            "position": {"overlayPosition": {
                "anchorCell": {"sheetId": self.id, "rowIndex": chart.anchor[0], "columnIndex": chart.anchor[1]},
                "widthPixels": width, "heightPixels": height}}}

    def _chart_size(self, chart: Chart) -> tuple[int, int]:
        """The cells from the anchor to `chart.to`, in the pixels the widths and heights above give them."""
        if chart.to is None:
            return 720, 360
        (row, col), (last_row, last_col) = chart.anchor, chart.to
        width = sum(int(7 * self.sheet.widths.get(c, DEFAULT_WIDTH) + 0.5) + 5 for c in range(col, last_col + 1))
        height = sum(int(4 * self.sheet.heights.get(r, LINE) / 3) for r in range(row, last_row + 1))
        return width, height


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


def _style_runs(items: list[tuple[int, str]]) -> tuple[tuple[int, int, str], ...]:
    """(first column, last column, style) of each run of one style in consecutive columns; of two
    styles in one place, the first."""
    runs, start, prev_col, prev_style = [], -1, -2, None
    for col, style in items:
        if col == prev_col:
            continue
        if col == prev_col + 1 and style == prev_style:
            prev_col = col
            continue
        if prev_style is not None:
            runs.append((start, prev_col, prev_style))
        start, prev_col, prev_style = col, col, style
    runs.append((start, prev_col, prev_style))
    return tuple(runs)


def _runs(values: list[int]) -> list[tuple[int, int, int]]:
    """(start, end, value) of each run of equal values."""
    found, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            found.append((start, i, values[start]))
            start = i
    return found


def _copies(sig: list[int], empty: int) -> tuple[set[int], list[tuple[int, int, int]]]:
    """Which rows are drawn (`literal`) and which are copies of rows above: (source, destination, rows),
    each at least MIN_COPY rows, the source entirely above the destination (so it is final when copied),
    the longest match among the last occurrences of the rows' next MIN_COPY formats."""
    n, literal, copies = len(sig), set(), []
    seen: dict[tuple, list[int]] = {}
    i = 0
    while i < n:
        best, best_len = -1, 0
        key = tuple(sig[i:i + MIN_COPY])
        if len(key) == MIN_COPY and any(s != empty for s in key):
            starts = seen.get(key, ())
            for j in sorted({*starts[-4:], *starts[:1]}, reverse=True):
                length = min(i - j, n - i)
                if sig[j:j + length] != sig[i:i + length]:
                    length = 0
                    while j + length < i and sig[j + length] == sig[i + length]:
                        length += 1
                if length > best_len:
                    best, best_len = j, length
        if best_len >= MIN_COPY:
            copies.append((best, i, best_len))
            for k in range(i, i + best_len):
                _remember(seen, sig, k)
            i += best_len
            continue
        literal.add(i)
        _remember(seen, sig, i)
        i += 1
    return literal, copies


def _remember(seen: dict[tuple, list[int]], sig: list[int], i: int) -> None:
    """Row i as a possible start of a source: once the MIN_COPY rows from it are known."""
    start = i - MIN_COPY + 1
    if start >= 0:
        seen.setdefault(tuple(sig[start:start + MIN_COPY]), []).append(start)


def _rectangles(runs_of: dict[int, tuple], rows: set[int]) -> list[tuple[int, int, int, int, str]]:
    """(first row, end row, first column, end column, style) of each rectangle: the runs of `rows`,
    stacked while the same run continues in the next row."""
    found, open_ = [], {}
    previous = -2
    for r in sorted(r for r in rows if r in runs_of):
        runs = set(runs_of[r])
        if r != previous + 1:
            for run, start in open_.items():
                found.append((start, previous + 1, run[0], run[1] + 1, run[2]))
            open_ = {}
        for run in [run for run in open_ if run not in runs]:
            found.append((open_.pop(run), r, run[0], run[1] + 1, run[2]))
        for run in runs:
            open_.setdefault(run, r)
        previous = r
    for run, start in open_.items():
        found.append((start, previous + 1, run[0], run[1] + 1, run[2]))
    found.sort()
    return found


def _grouped(parts: list[bytes], chunk: int) -> list[Unit]:
    """Requests in units of about `chunk` bytes."""
    found, current, size = [], [], 0
    for part in parts:
        if current and size + len(part) > chunk:
            found.append(Unit(b",".join(current)))
            current, size = [], 0
        current.append(part)
        size += len(part) + 1
    if current:
        found.append(Unit(b",".join(current)))
    return found


def _colour_rules(c: Colour) -> list[tuple[str, str]]:
    """Red below the cut-off, amber below 100%, green from 100%: the first that holds wins. The cut-off
    is a fraction (4/5), so no formula holds a decimal point or an argument separator."""
    cell = a1(c.first_row, c.first_col)
    return [("red", f"=ISNUMBER({cell})*({cell}<{_fraction(c.cutoff)})"),
            ("amber", f"=ISNUMBER({cell})*({cell}<1)"),
            ("green", f"=ISNUMBER({cell})*({cell}>=1)")]


def _fraction(value: Decimal) -> str:
    p, q = Decimal(value).as_integer_ratio()
    return str(p) if q == 1 else f"{p}/{q}"


def _validation_rule(v: Validation) -> dict:
    def bound(value: Decimal) -> str:
        shown = _fraction(value)
        return shown if "/" not in shown else "=" + shown
    return {"condition": {"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": bound(v.minimum)},
                                                               {"userEnteredValue": bound(v.maximum)}]},
            "inputMessage": f"{v.title}: {v.message}" if v.title else v.message, "strict": True}
