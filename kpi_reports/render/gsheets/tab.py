"""One generated tab as Google Sheets requests: what `render/gsheets/plan.py`'s plan puts in its bodies — the tab's
head (addSheet with its grid, frozen panes and family mark) and its contents, in units a body can hold.

How a layout is drawn (the values in `render/gsheets/values.py`, the styles and conditional colours in
`render/gsheets/formats.py`):

- Sizes in the pixels `layout/geometry.py` gives the layout's column widths and row heights, as the
  .xlsx and the web page have them; every row is set to 20 px (15 points, the layout's line; Sheets'
  default is 21) and the rows the layout made taller to theirs. Sheets fits nothing itself then: the
  layout's heights hold its wrapped text, as in Excel.
- Merged ranges: `mergeCells` MERGE_ALL (one MERGE_ROWS for single-row merges stacked in one span of
  columns). Frozen panes: the grid's frozenRowCount / frozenColumnCount. Autofilter: `setBasicFilter`.
- Validations: `setDataValidation` NUMBER_BETWEEN, strict, the note as the input message (Sheets has no
  separate title: "title: note").
- Charts: `addChart`, a COMBO chart — the values as columns, the target column beside them as a line
  of the chart's `line` — anchored with an overlayPosition at the chart's anchor cell, as large as
  `geometry.chart_px` makes the .xlsx chart.

What Sheets cannot show: the API has no page setup — no paper size or orientation, margins, fit to
width, print area, repeated header rows, footer, nor manual row breaks (a payslip per page is an .xlsx
and PDF matter; printing a tab uses Sheets' own print dialog) — so `Sheet.page` is not drawn.
"""
from __future__ import annotations

import operator
from collections import defaultdict
from decimal import Decimal

from kpi_reports.layout.geometry import LINE, chart_px, row_px, width_px
from kpi_reports.layout.model import STYLES, Chart, Sheet, Validation, cells_by_row, merge_fills
from kpi_reports.render.gsheets.formats import (
    colour_rules,
    conditional_format,
    copies,
    format_json,
    rectangles,
    rgb,
    style_runs,
)
from kpi_reports.render.gsheets.values import Unit, fraction, request, value_units

KEY = "kpi_reports_sheet"
"""The developer metadata key that marks a generated tab; its value is the tab's family."""
ROW_PX = row_px(LINE)

_col = operator.attrgetter("col")
_first = operator.itemgetter(0)


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
        found += value_units(self.id, self.by_row, chunk)
        found += _grouped(self._merges(), chunk)
        found += _grouped(self._formats(), chunk)
        rest = self._filter() + self._colours() + self._validations() + self._charts()
        found += _grouped(rest, chunk)
        return found

    # --- sizes ---

    def _dimensions(self) -> list[bytes]:
        widths = [width_px(self.sheet, c) for c in range(self.columns)]
        found = [self._dimension("COLUMNS", start, end, px) for start, end, px in _runs(widths)]
        found.append(self._dimension("ROWS", 0, self.rows, ROW_PX))
        heights = self.sheet.heights
        rows = sorted(r for r in heights if row_px(heights[r]) != ROW_PX)
        start = None
        for i, r in enumerate(rows):
            px = row_px(heights[r])
            if start is None:
                start = r
            following = rows[i + 1] if i + 1 < len(rows) else None
            if following != r + 1 or row_px(heights[following]) != px:
                found.append(self._dimension("ROWS", start, r + 1, px))
                start = None
        return found

    def _dimension(self, dimension: str, start: int, end: int, px: int) -> bytes:
        return (f'{{"updateDimensionProperties":{{"range":{{"sheetId":{self.id},"dimension":"{dimension}",'
                f'"startIndex":{start},"endIndex":{end}}},"properties":{{"pixelSize":{px}}},'
                f'"fields":"pixelSize"}}}}').encode()

    # --- formats ---

    def _style_runs(self) -> dict[int, tuple[tuple[int, int, str], ...]]:
        """Row → the runs (first column, last column, style) of its styled cells, with the cells merged
        ranges cover (`merge_fills`)."""
        fills: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for r, c, style in merge_fills(self.sheet):
            if style:
                fills[r].append((c, style))
        found = {}
        for r, cells in self.by_row.items():
            if r in fills:
                items = sorted([*((c.col, c.style) for c in cells if c.style), *fills[r]], key=_first)
            else:
                items = [(c.col, c.style) for c in cells if c.style]
            if items:
                found[r] = style_runs(items)
        for r, items in fills.items():
            if r not in found:
                found[r] = style_runs(sorted(items, key=_first))
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
        literal, copied = copies(sig, 0 if not signature_ids else signature_ids.get(((), ()), -1))
        rects = rectangles(runs_of, literal)
        out = [self._repeat(*rect) for rect in rects]
        cols = self.columns
        for source, dest, length in copied:
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
                f'"cell":{{"userEnteredFormat":{format_json(style)}}},"fields":"userEnteredFormat"}}}}').encode()

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
            for style, formula in colour_rules(c):
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
        width, height = chart_px(self.sheet, chart.anchor, chart.to)
        return {
            "spec": {"title": chart.title, "basicChart": {
                "chartType": "COMBO", "legendPosition": "BOTTOM_LEGEND", "headerCount": headers,
                "axis": [{"position": "BOTTOM_AXIS"},
                         {"position": "LEFT_AXIS", "viewWindowOptions": {"viewWindowMin": 0,
                                                                         "viewWindowMode": "EXPLICIT"}}],
                "domains": [{"domain": source(col, first, last)}],
                "series": [{"series": source(vcol, vfirst, vlast), "type": "COLUMN", "targetAxis": "LEFT_AXIS"},
                           {"series": source(vcol + 1, vfirst, vlast), "type": "LINE", "targetAxis": "LEFT_AXIS",
                            "colorStyle": rgb(chart.line.colour), "lineStyle": {"width": chart.line.width}}]}},
            "position": {"overlayPosition": {
                "anchorCell": {"sheetId": self.id, "rowIndex": chart.anchor[0], "columnIndex": chart.anchor[1]},
                "widthPixels": width, "heightPixels": height}}}


def _runs(values: list[int]) -> list[tuple[int, int, int]]:
    """(start, end, value) of each run of equal values."""
    found, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            found.append((start, i, values[start]))
            start = i
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


def _validation_rule(v: Validation) -> dict:
    def bound(value: Decimal) -> str:
        shown = fraction(value)
        return shown if "/" not in shown else "=" + shown
    return {"condition": {"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": bound(v.minimum)},
                                                               {"userEnteredValue": bound(v.maximum)}]},
            "inputMessage": f"{v.title}: {v.message}" if v.title else v.message, "strict": True}
