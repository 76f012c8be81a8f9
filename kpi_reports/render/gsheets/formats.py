"""Sheets CellFormats from the layout's styles (XlsxWriter-style dicts), for `render/gsheets/plan.py`.

Excel's `_)` (a space as wide as ")") becomes a literal space and a sign a quoted literal; indent (Sheets
has none) becomes left padding; borders, alignment, wrapping and colours map one to one.
"""
from __future__ import annotations

from collections.abc import Mapping

INDENT_PX, PAD_PX = 10, 3
"""Pixels of one step of indent, and of the padding Sheets gives a cell."""
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
