"""The review's funds as formulas every spreadsheet program computes alike: each person-month's payout at a weight
of 100% × the weight's cell, rounded to kopecks in a helper column of its own, then summed — no ROUND over a range
inside SUMPRODUCT, which Gnumeric does not evaluate as an array."""
from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from kpi_reports.layout.model import Sheet
from kpi_reports.names import col_letter


@dataclasses.dataclass(frozen=True)
class Payouts:
    """A KPI's column of the what-if block (its payouts at a weight of 100%, on `rows`), and the first of the
    three columns beside the block that hold each of them at the current, the suggested and your weight."""

    col: int
    rows: range
    values: tuple[Decimal, ...]
    helper: int


def weighted(sheet: Sheet, p: Payouts, f: int, weight: str, value: Decimal | None) -> str:
    """Each of the KPI's payouts at 100% × the `weight` cell, rounded to kopecks, in the fund's helper column;
    returns that column's range."""
    col, letter = p.helper + f, col_letter(p.col)
    for r, payout in zip(p.rows, p.values, strict=True):
        cached = (payout * (value or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        sheet.put(r, col, cached, f"=ROUND({letter}{r + 1}*{weight},2)", "money")
    return f"{col_letter(col)}{p.rows[0] + 1}:{col_letter(col)}{p.rows[-1] + 1}"
