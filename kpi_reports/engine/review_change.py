"""The review measures the change: when the scheme's version under review (the one in force in the
quarter's last month) took effect within the quarter — its Schemes `from` is one of the quarter's months,
the quarter's first included — each KPI whose weight it changed reports the weight before → after and
the mean completion before the change → after it, so that the head of sales sees whether the last
decision worked.

Pure figures over model objects, worded by `explain`:

- **Before** is the version in force the month before the change (the previous one by `from`); a scheme
  with no version before (new in the quarter) has nothing to compare with and reports no change.
- **A changed KPI**: one of the version's lines whose weight differs from that KPI's line in the version
  before, or that the version before did not have (`before` None: a new KPI).
- **A dropped KPI**: a line of the version before that the version under review does not have (`after`
  None), listed apart (`SchemeReview.dropped`).
- **The means**: over the scheme's person-months with a completion for the KPI (a person in a month on
  the scheme by that month's terms), before the change — the previous quarter's months in the workbook
  and this quarter's months before the change — and after it, from the change to the quarter's end.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from kpi_reports.engine.pay import EXACT
from kpi_reports.model import Group, Kpi, SchemeLine, Scope

ZERO = Decimal(0)
Completions = Mapping[str, Sequence[Mapping[str, Decimal | None]]]
"""Month → the scheme's person-months that month, each its completions by KPI id (None: none)."""


@dataclass(frozen=True)
class WeightChange:
    """One KPI's weight before → after the change of version, and its mean completion before → after."""

    since: str
    """The first month of the new weight (the version's Schemes `from`)."""
    before: Decimal | None
    """None: the KPI is new in this version."""
    after: Decimal | None
    """None: the version dropped the KPI (only in `SchemeReview.dropped`)."""
    mean_before: Decimal | None
    """Mean completion over the person-months before `since` (the previous quarter's in the workbook, and
    this quarter's before it); None without any."""
    mean_after: Decimal | None
    """… over the person-months from `since` to the quarter's end."""
    person_months_before: int
    person_months_after: int


@dataclass(frozen=True)
class DroppedKpi:
    """A KPI of the version before that the version under review dropped."""

    kpi: str
    title: str
    group: Group
    scope: Scope
    weight_change: WeightChange


def changed_from(versions: Sequence[tuple[str | None, list[SchemeLine]]], lines: list[SchemeLine],
                 months: Sequence[str]) -> tuple[str, list[SchemeLine] | None] | None:
    """When the version `lines` (one of `versions`, oldest first) took effect within the quarter `months`:
    its `from` and the lines of the version before it (None: the scheme is new). None: it was in force
    all quarter (or the workbook has no versions)."""
    for i, (since, found) in enumerate(versions):
        if found == lines:
            if since is None or since < months[0]:
                return None
            return since, (versions[i - 1][1] if i else None)
    return None


def weight_changes(since: str, before: list[SchemeLine], lines: list[SchemeLine], kpis: Mapping[str, Kpi],
                   completions: Completions) -> tuple[dict[str, WeightChange], list[DroppedKpi]]:
    """Per KPI id of `lines` whose weight the change from `since` changed (or that it added), the change;
    and the KPIs of `before` that `lines` dropped. `kpis`: the KPIs sheet by key; `completions`: the
    scheme's person-months over the previous quarter's months and this quarter's."""
    old = {line.kpi: line for line in before}
    new = {line.kpi for line in lines}
    changed = {}
    for line in lines:
        weight = old[line.kpi].weight if line.kpi in old else None
        if weight != line.weight:
            changed[kpis[line.kpi].kpi] = _change(since, weight, line.weight, kpis[line.kpi].kpi, completions)
    dropped = [DroppedKpi(k.kpi, k.title, k.group, line.scope,
                          _change(since, line.weight, None, k.kpi, completions))
               for line in before if line.kpi not in new for k in (kpis[line.kpi],)]
    return changed, dropped


def _change(since: str, before: Decimal | None, after: Decimal | None, kpi: str,
            completions: Completions) -> WeightChange:
    def done(later: bool) -> list[Decimal]:
        return [c for month, people in completions.items() if (month >= since) == later
                for person in people if (c := person.get(kpi)) is not None]
    earlier, later = done(False), done(True)
    return WeightChange(since, before, after, _mean(earlier), _mean(later), len(earlier), len(later))


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    with localcontext(EXACT):
        return sum(values, ZERO) / len(values)
