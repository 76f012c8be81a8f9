"""Rank statistics for the review: ranks with ties averaged, and Spearman's rank correlation, exact."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

from kpi_reports.engine.pay import EXACT

ZERO, ONE = Decimal(0), Decimal(1)


def ranks(values: Sequence[Decimal]) -> list[Decimal]:
    """1-based ranks, tied values sharing the average of the ranks they span: [5, 7, 5] → [1.5, 3, 1.5]."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [ZERO] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = Decimal(start + end + 2) / 2  # the mean of start + 1 … end + 1, exact (a whole or a half)
        for j in order[start:end + 1]:
            result[j] = rank
        start = end + 1
    return result


def spearman(xs: Sequence[Decimal], ys: Sequence[Decimal]) -> Decimal | None:
    """Spearman's rank correlation: Pearson's on the ranks (ties averaged), exact to 40 digits; None
    with fewer than two pairs or when either side does not vary."""
    n = len(xs)
    if n < 2 or len(ys) != n:
        return None
    rx, ry = ranks(xs), ranks(ys)
    with localcontext(EXACT):
        mid = Decimal(n + 1) / 2  # the mean rank, ties or not
        dx, dy = [r - mid for r in rx], [r - mid for r in ry]
        sxx, syy = sum((d * d for d in dx), ZERO), sum((d * d for d in dy), ZERO)
        if not sxx or not syy:
            return None
        r = sum((a * b for a, b in zip(dx, dy)), ZERO) / (sxx * syy).sqrt()
        return max(-ONE, min(ONE, r))
