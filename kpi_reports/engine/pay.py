"""The rules of pay, on plain Decimals: completion, factor, payout, commission.

    completion c = fact / plan (higher is better) or plan / fact (lower is better), never rounded
    factor       = 0 below the cut-off; c from the cut-off to 100%; min(c, cap) × accelerator above 100%
    payout       = bonus_target × weight × factor, rounded half-up to kopecks
    commission   = rate × max(0, fact − plan) × margin share, rounded half-up to kopecks
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

from kpi_reports.model import Rule, SchemeLine

CENT = Decimal("0.01")
EXACT = Context(prec=40, rounding=ROUND_HALF_EVEN)
"""Ratios keep 40 significant digits; only money lines are rounded, to kopecks, half-up. Its methods
are called directly, whatever the caller's own decimal context is."""
ONE = Decimal(1)


SNAP = Decimal("1e-20")


def money(amount: Decimal) -> Decimal:
    """Half-up to kopecks: 0.005 → 0.01, −0.005 → −0.01.

    An amount computed through a repeating fraction carries its 40th digit: 45,000 × 0.15 × (191,833.33… /
    200,000) is exactly 6,474.375 but computes as 6,474.37499…9. Snapping to 1e-20 first restores the
    exact half (no realistic amount lies that close to a half-kopeck without being on it), so the
    kopeck is the one exact arithmetic gives — and the one a spreadsheet's ROUND shows.
    """
    snapped = amount.quantize(SNAP, ROUND_HALF_EVEN, EXACT)
    return snapped.quantize(CENT, ROUND_HALF_UP, EXACT)


def prorated(amount: Decimal, worked: Decimal, working: int) -> Decimal:
    """A month's amount for the days worked: amount × worked ÷ working, half-up to kopecks."""
    return money(EXACT.divide(EXACT.multiply(amount, worked), Decimal(working)))


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Exact to 40 significant digits: 0.021 / 0.02 is 1.05."""
    return EXACT.divide(numerator, denominator)


def product(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.multiply(a, b)


def completion(plan: Decimal, fact: Decimal, lower_is_better: bool) -> Decimal:
    """The caller handles a lower-is-better fact of 0."""
    return ratio(plan, fact) if lower_is_better else ratio(fact, plan)


def factor(c: Decimal, line: SchemeLine) -> tuple[Decimal, Rule]:
    if c < line.cutoff:
        return Decimal(0), "below_cutoff"
    if c <= ONE:
        return c, "proportional"
    if line.cap is not None and c > line.cap:
        return EXACT.multiply(line.cap, line.accelerator), "capped"
    return EXACT.multiply(c, line.accelerator), "accelerated"


def payout(bonus_target: Decimal, weight: Decimal, f: Decimal) -> Decimal:
    return money(EXACT.multiply(EXACT.multiply(bonus_target, weight), f))


def commission(rate: Decimal, plan: Decimal | None, fact: Decimal | None,
               margin_share: Decimal) -> tuple[Decimal, Decimal]:
    """(base, amount): the base is the fact above plan; zero when below plan or either is missing."""
    base = Decimal(0) if plan is None or fact is None else max(Decimal(0), fact - plan)
    return base, money(EXACT.multiply(EXACT.multiply(rate, base), margin_share))
