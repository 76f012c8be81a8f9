"""The layout's styles as Google Sheets formats, for `render/gsheets/tab.py`: CellFormats, how they are
laid on a tab, and the conditional colours.

- Styles: each `STYLES` entry (an XlsxWriter-style dict) is translated once into a Sheets CellFormat
  (`cell_format`) and applied with one `repeatCell` per rectangle of cells that share it (runs along a
  row, stacked down the rows; `style_runs`, `rectangles`); a merged range's cells take its style
  (`layout.model.merge_fills`). The Sheets API has no named styles to refer to, so a format travels
  with each rectangle; the same rows of formats repeated lower down (every payslip block) are copied
  with one `copyPaste` of PASTE_FORMAT from the first such rows instead of being drawn again (`copies`).
- Number formats (`number_format`): Excel's `_)` (a space as wide as ")") becomes a literal space `" "`,
  a sign `+`/`-` a quoted literal; `%` makes the type PERCENT, anything else NUMBER. So `#,##0.00_)` is
  NUMBER `#,##0.00" "`, `0.0%_)` PERCENT `0.0%" "`, `+#,##0.00_);-#,##0.00_);0.00_)` NUMBER
  `"+"#,##0.00" ";"-"#,##0.00" ";0.00" "` (the space is a little narrower than the ")" Excel leaves).
- Indent (Sheets has none) is left padding: 3 px, Sheets' own, plus 10 px a step; borders thin → SOLID,
  medium → SOLID_MEDIUM; `text_wrap` → wrapStrategy WRAP; colours as rgbColor 0..1. Fonts stay Sheets'
  default (Arial 10) with the layout's sizes and weights.
- Conditional colours (`layout.model.Colour`): a CUSTOM_FORMULA rule per band of the layout's, in the
  bands' order — the first that holds wins, as in Excel's stop-if-true (`colour_rules`); the formulas
  (`=ISNUMBER(C3)*(C3<4/5)`) have neither a decimal point nor an argument separator, so they read the
  same in a spreadsheet of any locale.
"""
from __future__ import annotations

from collections.abc import Mapping

from kpi_reports.layout.model import STYLES, Colour
from kpi_reports.names import a1
from kpi_reports.render.gsheets.values import encode, fraction

INDENT_PX, PAD_PX = 10, 3
"""Pixels of one step of indent, and of the padding Sheets gives a cell."""
MIN_COPY = 3
"""Rows a copy of formats must span to be worth a copyPaste rather than the rectangles themselves."""
_BORDERS = {1: "SOLID", 2: "SOLID_MEDIUM", 3: "DASHED", 4: "DOTTED", 5: "SOLID_THICK", 6: "DOUBLE", 7: "DOTTED",
            8: "DASHED", 9: "DASHED", 10: "DASHED", 11: "DASHED", 12: "DASHED", 13: "DASHED"}
"""XlsxWriter's border numbers (1 thin, 2 medium, 5 thick, 6 double, 7 hair, the rest dashes and dots)."""
_ALIGN = {"left": "LEFT", "center": "CENTER", "centre": "CENTER", "right": "RIGHT"}
_VALIGN = {"top": "TOP", "vcenter": "MIDDLE", "vcentre": "MIDDLE", "bottom": "BOTTOM"}


def rgb(colour: str) -> dict:
    value = colour.lstrip("#")
    return {"rgbColor": {name: round(int(value[i:i + 2], 16) / 255, 4)
                         for name, i in (("red", 0), ("green", 2), ("blue", 4)) if value[i:i + 2] != "00"}}


def number_format(excel: str) -> dict:
    """An Excel number format as a Sheets NumberFormat: `_x` (a space as wide as x) becomes a literal
    space, a sign a quoted literal; PERCENT when it has a %, else NUMBER."""
    out, i = [], 0
    while i < len(excel):
        ch = excel[i]
        if ch == '"':
            end = excel.find('"', i + 1)
            end = len(excel) - 1 if end < 0 else end
            out.append(excel[i:end + 1])
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(excel):
            out.append(excel[i:i + 2])
            i += 2
            continue
        if ch == "_" and i + 1 < len(excel):
            out.append('" "')
            i += 2
            continue
        out.append(f'"{ch}"' if ch in "+-" else ch)
        i += 1
    return {"type": "PERCENT" if "%" in excel else "NUMBER", "pattern": "".join(out)}


def cell_format(props: Mapping) -> dict:
    """An XlsxWriter format (a STYLES entry) as a Sheets CellFormat, with only the fields it sets."""
    fmt: dict = {}
    text: dict = {}
    if props.get("bold"):
        text["bold"] = True
    if props.get("italic"):
        text["italic"] = True
    if props.get("font_strikeout"):
        text["strikethrough"] = True
    if props.get("underline"):
        text["underline"] = True
    if props.get("font_size"):
        text["fontSize"] = int(props["font_size"])
    if props.get("font_color"):
        text["foregroundColorStyle"] = rgb(props["font_color"])
    if props.get("bg_color"):
        fmt["backgroundColorStyle"] = rgb(props["bg_color"])
    borders = {}
    for side in ("top", "bottom", "left", "right"):
        kind = props.get(side, props.get("border", 0))
        if kind:
            borders[side] = {"style": _BORDERS.get(kind, "SOLID")}
    if borders:
        fmt["borders"] = borders
    if props.get("num_format"):
        fmt["numberFormat"] = number_format(props["num_format"])
    if props.get("align") in _ALIGN:
        fmt["horizontalAlignment"] = _ALIGN[props["align"]]
    if props.get("valign") in _VALIGN:
        fmt["verticalAlignment"] = _VALIGN[props["valign"]]
    if props.get("text_wrap"):
        fmt["wrapStrategy"] = "WRAP"
    if props.get("indent"):  # every field of a padding must be given
        fmt["padding"] = {"top": 2, "right": PAD_PX, "bottom": 2, "left": PAD_PX + INDENT_PX * int(props["indent"])}
    if text:
        fmt["textFormat"] = text
    return fmt


def conditional_format(props: Mapping) -> dict:
    """The part of a format a conditional rule may apply: bold, italic, strikethrough and the colours."""
    fmt = cell_format({k: v for k, v in props.items()
                       if k in ("bold", "italic", "font_strikeout", "font_color", "bg_color")})
    return fmt


_FORMAT_JSON: dict[str, str] = {}


def format_json(style: str) -> str:
    """The CellFormat of a style as JSON text, made once."""
    text = _FORMAT_JSON.get(style)
    if text is None:
        text = _FORMAT_JSON[style] = encode(cell_format(STYLES[style])).decode("utf-8")
    return text


def colour_rules(c: Colour) -> list[tuple[str, str]]:
    """(style, CUSTOM_FORMULA) of each of the colour's bands, in their order: the first that holds wins.
    A bound is a whole number or a fraction (4/5), so no formula holds a decimal point or an argument
    separator."""
    cell = a1(c.first_row, c.first_col)
    return [(style, f"=ISNUMBER({cell})*({cell}{comparison}{fraction(bound)})") for style, comparison, bound in c.bands]


def style_runs(items: list[tuple[int, str]]) -> tuple[tuple[int, int, str], ...]:
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


def copies(sig: list[int], empty: int) -> tuple[set[int], list[tuple[int, int, int]]]:
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


def rectangles(runs_of: dict[int, tuple], rows: set[int]) -> list[tuple[int, int, int, int, str]]:
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
