"""What python-calamine will make of a sheet, found in the sheet's XML before it reads it.

calamine builds a dense grid from the first to the last cell that holds something, and python-calamine
gives it to us as a list per row from row 1 and column A: one stray value at XFD1048576 asks for
17 billion cells and aborts the process, one at A1048576 costs seconds and half a gigabyte. It also
reads a formula without a computed value as an empty cell, and an error (#DIV/0!) as one too.

`scan` finds, for one sheet: the grid the cells that exist would take (and refuses it when it is far
larger than those cells), the cells holding an error, the formulas without a computed value, and
shared-string indexes that point nowhere. Files as spreadsheet programs write them (every cell's
reference first, in upper case, in double quotes) are checked with a few passes of byte searches;
anything else is parsed cell by cell as calamine does (`_parse`), which is slower but exact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from defusedxml import ElementTree as ET
from defusedxml.common import DefusedXmlException

from kpi_reports.names import col_index

MAX_AREA = 2**20
"""A sheet may always span this many cells (rows × columns from A1), however few of them are filled…"""
AREA_PER_CELL = 8
"""…and otherwise up to this many per cell the file holds: a full 10,000-person Facts sheet is about 1.1."""


@dataclass
class Scan:
    cells: int = 0
    """The sheet's cells: those that hold something (a value, an error, an empty text) on the exact path,
    every `<c>` written on the quick one (a formatted empty cell too: the bound is then a little looser)."""
    far: tuple[int, int] | None = None
    """The farthest such cell (zero-based row, column) when the grid they take is too large; else None."""
    extent: tuple[int, int] = (0, 0)
    """The grid's rows and columns from A1, when `far` is set."""
    marks: dict[tuple[int, int], str] = field(default_factory=dict)
    """Cells that hold no value to read: (row, column) → the cached error (`#DIV/0!`), or "" for a formula
    without a computed value."""
    bad_strings: list[tuple[int, int]] = field(default_factory=list)
    """Cells whose shared-string index is not one of the file's strings."""


class Damaged(Exception):
    """The sheet's XML cannot be parsed."""


def scan(data: bytes, strings: int) -> Scan:
    """The sheet part `data`, in a package with `strings` shared strings."""
    cells = data.count(b'<c r="')
    if not _plain(data, cells):
        return _parse(data, strings)
    found = Scan(cells=cells)
    found.marks = _errors(data) | _uncached(data)
    if b' t="s"' in data:
        found.bad_strings = [_ref_before(data, m.start()) for m in _bad_index(strings).finditer(data)]
    return found


def _plain(data: bytes, cells: int) -> bool:
    """True when every cell is written as spreadsheet programs write it (`<c r="B7"`: the reference first,
    in capitals, no leading zero; no namespace prefix), within the declared dimension, and that dimension
    small enough: then the grid is no larger than the dimension says."""
    dim = _DIMENSION.search(data, 0, 4096)
    if dim is None or b"<sheetData" not in data or _PREFIXED.search(data):
        return False
    letters, digits = (g.decode() for g in dim.groups())
    if int(digits) * (col_index(letters) + 1) > max(MAX_AREA, AREA_PER_CELL * cells):
        return False
    outside = rb'<c r="(?!(?:%s)(?:%s)")' % (_not_above(letters, _LETTERS), _not_above(digits, _DIGITS))
    return _ODD.search(data) is None and re.search(outside, data) is None


_ODD = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="))')
"""A cell whose reference is not its first attribute, or that has none."""
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d{1,7})"')
_PREFIXED = re.compile(rb':(?:c|row|v|f|is|sheetData)[\s>/]')
"""An element that matters with a namespace prefix (or, rarely, such text in a cell: the exact path then)."""
_LETTERS, _DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"


def _not_above(limit: str, alphabet: str) -> str:
    """A regex of the words of `alphabet` (no leading zero) that come no later than `limit`: shorter ones, or
    as long and not larger. Checking each reference against what is allowed, rather than against what is
    not, fails at its first character that differs: one pass over a million cells is a third as long."""
    any_ = f"[{alphabet[0]}-{alphabet[-1]}]"
    first = alphabet[1:] if alphabet == _DIGITS else alphabet
    options = [re.escape(limit)]
    if len(limit) > 1:
        options.append(f"[{first[0]}-{first[-1]}]{any_}{{0,{len(limit) - 2}}}")
    for i, ch in enumerate(limit):
        lower = (first if i == 0 else alphabet)[:(first if i == 0 else alphabet).index(ch)] if ch in (
            first if i == 0 else alphabet) else ""
        if lower:
            options.append(f"{limit[:i]}[{lower[0]}-{lower[-1]}]{any_}{{{len(limit) - i - 1}}}")
    return "|".join(options).encode()


def _above(limit: str, alphabet: str) -> str:
    """A regex of the words of `alphabet` (no leading zero) that come after `limit` as column letters or
    row numbers do: longer ones, or as long and larger at the first place they differ."""
    any_ = f"[{alphabet[0]}-{alphabet[-1]}]"
    first = alphabet[1:] if alphabet == _DIGITS else alphabet
    options = [f"[{first[0]}-{first[-1]}]{any_}{{{len(limit)},}}"]
    for i, ch in enumerate(limit):
        higher = alphabet[alphabet.index(ch) + 1:]
        if higher:
            options.append(f"{limit[:i]}[{higher[0]}-{higher[-1]}]{any_}{{{len(limit) - i - 1}}}")
    return "|".join(options).encode()


_ERROR = re.compile(rb' t="e"[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]*)</v>')
_UNCACHED = re.compile(rb'<f\b[^>]*(?:/>|>[^<]*</f>)</c>')
_CELL_START = re.compile(rb'<c r="([A-Z]+)(\d+)"')


def _errors(data: bytes) -> dict[tuple[int, int], str]:
    if b' t="e"' not in data:
        return {}
    return {_ref_before(data, m.start()): m.group(1).decode("utf-8", "replace") for m in _ERROR.finditer(data)}


def _uncached(data: bytes) -> dict[tuple[int, int], str]:
    if b"<f" not in data:
        return {}
    return {_ref_before(data, m.start()): "" for m in _UNCACHED.finditer(data)}


def _ref_before(data: bytes, pos: int) -> tuple[int, int]:
    m = _CELL_START.match(data, data.rfind(b'<c r="', 0, pos))
    return int(m.group(2)) - 1, col_index(m.group(1).decode())


def _bad_index(strings: int) -> re.Pattern:
    """Shared-string cells whose index is not a number below `strings`."""
    too_big = _above(str(strings - 1), _DIGITS) if strings else rb"\d+"
    return re.compile(rb' t="s"[^>]*><v>(?:0*(?:%s)</v>|(?!\d+</v>))' % too_big)


_REF = re.compile(r"([A-Za-z]*)(\d*)")


def _parse(data: bytes, strings: int) -> Scan:
    """The exact path: every row and cell as calamine places them (a cell without a reference follows the
    one before it in its row; a row without one follows the row before)."""
    found, row, col, cell = Scan(), -1, -1, None
    far, far_area = (0, 0), 0
    extent = [0, 0]
    try:
        for event, el in ET.iterparse(_Source(data), events=("start", "end")):
            name = el.tag.rpartition("}")[2]
            if event == "start" and name == "row":
                r = el.get("r", "")
                row, col = (int(r) - 1 if r.isdigit() else row + 1), -1
            elif event == "start" and name == "c":
                letters, digits = _REF.match(el.get("r", "")).groups()
                col = col_index(letters) if letters else col + 1
                row = int(digits) - 1 if digits else row
                cell = _Cell((row, col), el.get("t", "n"))
            elif event == "end" and cell is not None and name in ("v", "f", "is"):
                cell.value = el.text or "" if name == "v" else cell.value
                cell.formula |= name == "f"
                cell.text |= name == "is"
            elif event == "end" and name in ("c", "row"):
                if name == "c" and cell is not None and cell.count(found, strings):
                    extent = [max(extent[0], row), max(extent[1], col)]
                    if (row + 1) * (col + 1) > far_area:
                        far, far_area = (row, col), (row + 1) * (col + 1)
                cell = None if name == "c" else cell
                el.clear()
    except (ET.ParseError, DefusedXmlException, ValueError, LookupError) as e:
        raise Damaged(str(e)) from None
    area = (extent[0] + 1) * (extent[1] + 1)
    if found.cells and area > max(MAX_AREA, AREA_PER_CELL * found.cells):
        found.far, found.extent = far, (extent[0] + 1, extent[1] + 1)
    return found


@dataclass
class _Cell:
    at: tuple[int, int]
    type: str
    value: str | None = None
    formula: bool = False
    text: bool = False

    def count(self, found: Scan, strings: int) -> bool:
        """Notes what is wrong with the cell; True when calamine will place a value in it."""
        if self.value is None and self.formula:
            found.marks[self.at] = ""
        if self.value is None and not self.text:
            return False
        if self.type == "e":
            found.marks[self.at] = self.value or ""
        elif self.type == "s" and (not (self.value or "").isdigit() or int(self.value) >= strings):
            found.bad_strings.append(self.at)
        found.cells += 1
        return True


class _Source:
    """`data` as a file for iterparse, in slices (iterparse reads 16 KiB at a time)."""

    def __init__(self, data: bytes):
        self.view, self.pos = memoryview(data), 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.view) if size < 0 else self.pos + size
        chunk = bytes(self.view[self.pos:end])
        self.pos += len(chunk)
        return chunk
