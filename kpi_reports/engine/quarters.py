"""Quarters as the review names them: `2026-Q4`, its three months, the quarter before it.

Plain text arithmetic on `YYYY-Qn` and `YYYY-MM` labels, shared by the review's figures and its flags
(the `gamed` flag compares a quarter with the one before) and by the faces that ask for a quarter."""
from __future__ import annotations

import re

_QUARTER = re.compile(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", re.ASCII)


def quarter_label(text: str) -> str:
    """`2026-Q4` (also `2026q4`, `2026-q4`); ValueError for anything else."""
    match = _QUARTER.fullmatch(text)
    if not match:
        raise ValueError(f"not a quarter: {text!r} (expected YYYY-Qn)")
    return f"{match.group(1)}-Q{match.group(2)}"


def quarter_months(quarter: str) -> tuple[str, str, str]:
    """The months of `2026-Q4`: ("2026-10", "2026-11", "2026-12")."""
    quarter = quarter_label(quarter)
    year, q = int(quarter[:4]), int(quarter[-1])
    return tuple(f"{year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1))  # type: ignore[return-value]


def previous_quarter(quarter: str) -> str:
    """The quarter before: `2026-Q1` → `2025-Q4`."""
    quarter = quarter_label(quarter)
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1:04d}-Q4" if q == 1 else f"{year:04d}-Q{q - 1}"


def quarter_of(month: str) -> str:
    """The quarter a `YYYY-MM` month is in: `2026-11` → `2026-Q4`."""
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
