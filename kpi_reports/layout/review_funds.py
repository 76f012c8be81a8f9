"""The review's funds as formulas every spreadsheet program computes alike: each person-month's payout at a weight
of 100% × the weight's cell, rounded to kopecks in a helper column of its own, then summed — no ROUND over a range
inside SUMPRODUCT, which Gnumeric does not evaluate as an array."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from kpi_reports.layout.model import Sheet, exact_criterion
from kpi_reports.names import col_letter


@dataclasses.dataclass(frozen=True)
class Payouts:
    """A KPI's column of the what-if block (its payouts at a weight of 100%, on `rows`), and the first of the
    three columns beside the block that hold each of them at the current, the suggested and your weight."""

    col: int
    rows: range
    values: tuple[Decimal, ...]
    helper: int
    ids: tuple[str, ...] = ()
    """The person of each row (the block's first column, `id_col`)."""
    id_col: int = 0


def weighted(sheet: Sheet, p: Payouts, f: int, weight: str, value: Decimal | None) -> str:
    """Each of the KPI's payouts at 100% × the `weight` cell, rounded to kopecks, in the fund's helper column;
    returns that column's range."""
    col, letter = p.helper + f, col_letter(p.col)
    for r, payout in zip(p.rows, p.values, strict=True):
        cached = (payout * (value or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        sheet.put(r, col, cached, f"=ROUND({letter}{r + 1}*{weight},2)", "money")
    return f"{col_letter(col)}{p.rows[0] + 1}:{col_letter(col)}{p.rows[-1] + 1}"


YOURS = 2
"""The helper column, of the three, at your weights."""


def at_your_weights(employee_id: str, payouts: Mapping[str, Payouts], shares: Mapping[str, Decimal | None],
                    fund: Decimal) -> tuple[Decimal, str | None]:
    """A person's fund at your weights: per KPI, a SUMIF of their rows' helper cells at your weight, plus what
    their months paid by an earlier version of the scheme brought (`fund` less those cells, at the suggested
    weights your cells start at). Returns the cached value (`fund`) and the formula (None: no rows)."""
    parts, cached = [], Decimal("0.00")
    for kpi, p in payouts.items():
        mine = [v for v, who in zip(p.values, p.ids, strict=True) if who == employee_id]
        if not mine or not p.rows:
            continue
        cached += sum(((v * (shares.get(kpi) or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP) for v in mine),
                      Decimal("0.00"))
        ids = f"${col_letter(p.id_col)}${p.rows[0] + 1}:${col_letter(p.id_col)}${p.rows[-1] + 1}"
        col = col_letter(p.helper + YOURS)
        who = exact_criterion(employee_id)
        if who is None:
            return fund, None
        parts.append(f"SUMIF({ids},{who},${col}${p.rows[0] + 1}:${col}${p.rows[-1] + 1})")
    if not parts:
        return fund, None
    rest = fund - cached
    return fund, "=" + "+".join(parts) + (f"+{rest:f}" if rest else "")
