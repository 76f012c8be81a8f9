"""How names are compared (sheet names, column headers, KPI ids, metric names, enum words) and how
cells are named (A1).

`Employee ID`, `employee_id` and `EMPLOYEE ID` are the same name; so are `Табельный номер` and
`табельный_номер`. Case, spaces, underscores, hyphens and `ё`/`е` do not matter.
"""
from __future__ import annotations

import functools
import re

MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384
"""The rows and columns of an Excel sheet (its last cell is XFD1048576): what a generated sheet can use."""

_IGNORED = re.compile(r"[\s_\-.]+")


def norm(name: object) -> str:
    return _IGNORED.sub("", str(name)).casefold().replace("ё", "е")


@functools.cache
def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26 (any case): the inverse of `col_letter`."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row: int, col: int) -> str:
    """Zero-based row and column to `B7`."""
    return f"{col_letter(col)}{row + 1}"
