"""Where each person loses money: KPI shortfalls, sagging funnel stages, and KPIs falling for months.

- A shortfall is a KPI below 100%: how far below plan, and the money at stake — what the KPI would
  pay at 100% minus what it pays. Below the cut-off the whole share is at stake.
- A funnel stage is the conversion from one Facts metric to the next (meetings / calls). It is weak
  when it is at least `weak_stage_gap` (20%) below the median of the same stage in the person's team.
- A trend is a KPI whose completion fell in each of the last three months.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from kpi_reports.engine import pay
from kpi_reports.model import EmployeeResult, KpiResult, PeriodResult, Workbook

ONE = Decimal(1)


@dataclass(frozen=True)
class Shortfall:
    kpi: KpiResult
    shortfall: Decimal | None
    """Plan minus fact (fact minus plan when lower is better), in the KPI's unit; None with no fact."""
    at_stake: Decimal

    @property
    def below_cutoff(self) -> bool:
        return self.kpi.rule == "below_cutoff"


@dataclass(frozen=True)
class Stage:
    source: str
    target: str
    source_label: str
    target_label: str
    """The Facts headers as written: `calls`, `Звонки`."""
    conversion: Decimal | None
    team_median: Decimal | None
    company_median: Decimal | None
    gap: Decimal | None
    """How far below the team median, relative to it: 0.25 is 25% below."""
    weak: bool


@dataclass(frozen=True)
class Trend:
    kpi: KpiResult
    periods: tuple[str, ...]
    completions: tuple[Decimal, ...]


@dataclass(frozen=True, eq=False)
class WeakSpots:
    """One person's weak spots (compared by identity: texts made of them are kept per object)."""

    shortfalls: list[Shortfall]
    stages: list[Stage]
    trends: list[Trend]

    @property
    def weakest(self) -> Stage | None:
        weak = [s for s in self.stages if s.weak]
        return max(weak, key=lambda s: s.gap) if weak else None


@dataclass(frozen=True)
class StageCount:
    """The stage that sags for the most people of a group, and for how many."""

    stage: Stage
    people: int
    measured: int = 0
    """How many of the group have this stage measured (both its facts): the `people` are among them."""


def shortfalls(r: EmployeeResult) -> list[Shortfall]:
    found = []
    for k in r.kpis:
        if k.rule == "no_plan" or (k.completion is not None and k.completion >= ONE):
            continue
        full = pay.payout(r.employee.bonus_target, k.weight, ONE)
        gap = None if k.fact is None else (k.fact - k.plan if k.direction == "lower" else k.plan - k.fact)
        found.append(Shortfall(k, gap, full - k.payout))
    return sorted(found, key=lambda s: s.at_stake, reverse=True)


def median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    ordered, mid = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return ordered[mid]
    with localcontext(pay.EXACT):
        return (ordered[mid - 1] + ordered[mid]) / 2


def funnels(wb: Workbook, period: str) -> dict[str, list[Stage]]:
    """Every person's funnel stages, each against the team's and the company's medians."""
    pairs = list(zip(wb.settings.funnel, wb.settings.funnel[1:]))
    conversions = {e.employee_id: [_conversion(wb, period, e.employee_id, a, b) for a, b in pairs]
                   for e in wb.employees.values()}
    teams: dict[str, list[str]] = {}
    for e in wb.employees.values():
        teams.setdefault(e.team, []).append(e.employee_id)
    labels = {k: c.column for k, c in wb.fact_columns.items()}
    company = [median([c[i] for c in conversions.values() if c[i] is not None]) for i in range(len(pairs))]
    result = {}
    for ids in teams.values():
        medians = [median([conversions[x][i] for x in ids if conversions[x][i] is not None])
                   for i in range(len(pairs))]
        for x in ids:
            if (period, x) not in wb.facts:
                continue  # no facts row (a head of sales paid on others' totals): no funnel of their own
            result[x] = [_stage(a, b, conversions[x][i], medians[i], company[i], wb.settings.weak_stage_gap,
                                labels) for i, (a, b) in enumerate(pairs)]
    return result


def _conversion(wb: Workbook, period: str, employee_id: str, source: str, target: str) -> Decimal | None:
    row = wb.facts.get((period, employee_id))
    before = row.get(source) if row else None
    after = row.get(target) if row else None
    return pay.ratio(after or Decimal(0), before) if before else None


def _stage(source: str, target: str, conversion: Decimal | None, team: Decimal | None, company: Decimal | None,
           threshold: Decimal, labels: dict[str, str]) -> Stage:
    gap = pay.ratio(team - conversion, team) if conversion is not None and team else None
    return Stage(source, target, labels.get(source, source), labels.get(target, target), conversion, team, company,
                 gap, gap is not None and gap >= threshold)


History = list[tuple[str, dict[str, dict[str, Decimal | None]]]]
"""Past months, oldest first: (period, completions by employee id and KPI id)."""


def trends(history: History, current: EmployeeResult, period: str) -> list[Trend]:
    """KPIs whose completion fell from each month to the next: the two months of `history`, then `period`."""
    if len(history) < 2:
        return []
    past = [months.get(current.employee.employee_id, {}) for _, months in history[-2:]]
    periods = (history[-2][0], history[-1][0], period)
    found = []
    for k in current.kpis:
        values = [p.get(k.kpi) for p in past] + [k.completion]
        if None not in values and values[0] > values[1] > values[2]:
            found.append(Trend(k, periods, tuple(values)))
    return found


def weak_spots(wb: Workbook, result: PeriodResult, history: History) -> dict[str, WeakSpots]:
    stages = funnels(wb, result.period)
    return {r.employee.employee_id: WeakSpots(shortfalls(r), stages.get(r.employee.employee_id, []),
                                              trends(history, r, result.period))
            for r in result.employees}


def weakest_stage(spots: list[WeakSpots]) -> StageCount | None:
    """The stage that is weak for the most people (the first in funnel order on a tie)."""
    counts: dict[tuple[str, str], int] = {}
    measured: dict[tuple[str, str], int] = {}
    first: dict[tuple[str, str], Stage] = {}
    for s in spots:
        for stage in s.stages:
            key = (stage.source, stage.target)
            first.setdefault(key, stage)
            counts[key] = counts.get(key, 0) + stage.weak
            measured[key] = measured.get(key, 0) + 1
    if not counts or max(counts.values()) == 0:
        return None
    key, people = max(counts.items(), key=lambda kv: kv[1])
    return StageCount(first[key], people, measured[key])
