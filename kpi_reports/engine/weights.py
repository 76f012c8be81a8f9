"""The review's suggested weights: a deterministic rule.

In units of 5 points (u_i whole, Σ u = 20, 1 ≤ u_i ≤ 12, i.e. 5–60%):

1. Apportion the current weights: quota q_i = 20 × w_i / Σ w; u_i = ⌊q_i⌋, then one more unit to each of
   the largest remainders q_i − ⌊q_i⌋ until Σ = 20 (ties: scheme order). Clamp each to [1, 12]; while
   Σ > 20, take a unit from the KPI above 1 unit that is most above its quota; while Σ < 20, give one to
   the KPI below 12 that is most below its quota (ties: scheme order). Weights already on 5% steps and
   within the bounds stay as they are.
2. In scheme order, each KPI flagged too_easy or gamed (once, even with both) gives one unit, unless it
   is at 1 unit, to the first of: the efficiency KPI it inflates, when that one is in the scheme; then
   the scheme's result KPIs by current weight, largest first (ties: scheme order) — skipping itself,
   any KPI that gives in this pass, and any at 12 units. No such receiver: no move.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from kpi_reports.engine.pay import EXACT
from kpi_reports.model import Group

ZERO = Decimal(0)
UNITS, MIN_UNITS, MAX_UNITS = 20, 1, 12
"""5-point units: 100% in all, each weight 5–60%."""


def suggest_weights(weights: Sequence[Decimal], groups: Sequence[Group],
                    donors: Mapping[int, int | None]) -> tuple[tuple[Decimal, ...], tuple[tuple[int, int], ...]]:
    """The suggested weights of a scheme's lines and the moves made, as (donor, receiver) line indices.

    `donors`: the lines flagged too_easy or gamed, each with the line of the efficiency KPI it inflates
    (None when it inflates none in the scheme). The rule: the module docstring.
    """
    n = len(weights)
    total = sum(weights, ZERO)
    if not 2 <= n <= UNITS or total <= 0:
        return tuple(weights), ()
    quotas = [EXACT.divide(EXACT.multiply(w, Decimal(UNITS)), total) for w in weights]
    units = [int(q) for q in quotas]
    by_remainder = sorted(range(n), key=lambda i: (-(quotas[i] - units[i]), i))
    for i in by_remainder[:UNITS - sum(units)]:
        units[i] += 1
    units = [min(max(u, MIN_UNITS), MAX_UNITS) for u in units]
    while sum(units) > UNITS:
        i = max((i for i in range(n) if units[i] > MIN_UNITS), key=lambda i: (units[i] - quotas[i], -i))
        units[i] -= 1
    while sum(units) < UNITS:
        i = max((i for i in range(n) if units[i] < MAX_UNITS), key=lambda i: (quotas[i] - units[i], -i))
        units[i] += 1

    results = sorted((i for i in range(n) if groups[i] == "result"), key=lambda i: (-weights[i], i))
    moves = []
    for d in sorted(donors):
        if units[d] <= MIN_UNITS:
            continue
        chain = ([donors[d]] if donors[d] is not None else []) + results
        r = next((i for i in chain if i != d and i not in donors and units[i] < MAX_UNITS), None)
        if r is not None:
            units[d] -= 1
            units[r] += 1
            moves.append((d, r))
    return tuple(Decimal(5 * u) / 100 for u in units), tuple(moves)
