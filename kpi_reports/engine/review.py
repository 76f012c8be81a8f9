"""The quarterly weight review: per scheme and KPI, how the quarter's person-months went, which KPIs are
too easy, out of reach, gamed or beside the point, better weights, and what they would have paid.

Pure computation over model objects (the method's step 5): the figures come from `compute` for each month
of the quarter (and `completions` of the previous quarter, when the workbook has it); the suggested fund
is `compute` again, on a copy of the workbook with the suggested weights; the flags are `engine/flags.py`'s
rules over these figures, quarters `engine/quarters.py`'s. No text lives here: a flag is a code and its
figures, worded by `explain` in the output language.

**Person-months.** A scheme's person-months are its employees in each month of the quarter; a KPI's
statistics use those with a completion (no plan or no fact: left out). Schemes nobody is on are not
reviewed. The previous quarter's months count when they are in the workbook, loaded, and have Facts rows.

**Figures per scheme and KPI** (shares are exact fractions, 0.8 = 80%):

- `mean`, `median` completion over the person-months; `months`: the mean in each month; `previous`: the
  mean over the previous quarter's person-months (same people, same scheme); `change` = mean − previous.
- `on_plan`: share at or above 100%; `below_cutoff`: share below the scheme line's cut-off.
- `paid_share`: the KPI's payouts over the scheme's bonuses, summed over the quarter.
- `correlation`: Spearman's rank correlation (ties get their average rank; Pearson's formula on the ranks)
  of the KPI's completion with the person-month's result-group completion — the weight-weighted mean of
  its result KPIs' completions (those with one; for a result KPI, the others only). Told from at least
  `min_points` pairs, when both sides vary; None otherwise.
- `inflates`: for an activity KPI whose metric (its formula's single metric, or its id without formula)
  is in the divisor of an efficiency KPI's formula (calls → call_to_meeting = meetings / calls), that
  KPI: the one in the scheme first, else the first on the KPIs sheet.

**Flags**: `engine/flags.py`, which says what raises each flag and the figures it carries.

**Suggested weights**: the rule is in `engine/weights.py`; a scheme with fewer than 2 or more than 20
KPIs cannot meet its bounds and keeps its weights. The fund under the suggested weights is `compute` of
each quarter month on a copy of the workbook whose scheme lines carry them: per person, per scheme and in
total, against the current fund (the sum of the months' bonuses, which are sums of rounded lines).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

from kpi_reports.engine.compute import completions, compute
from kpi_reports.engine.flags import Flag, SchemeFacts, Thresholds, design_flags, inflated, kpi_flags
from kpi_reports.engine.pay import EXACT, ratio
from kpi_reports.engine.quarters import previous_quarter, quarter_label, quarter_months
from kpi_reports.engine.stats import spearman
from kpi_reports.engine.weak import median
from kpi_reports.engine.weights import suggest_weights
from kpi_reports.model import Employee, EmployeeResult, Group, PeriodResult, SchemeLine, Scope, Workbook
from kpi_reports.problems import Problem

__all__ = ["Flag", "Fund", "KpiReview", "Move", "PersonFund", "PersonMonth", "QuarterReview", "SchemeReview",
           "Thresholds", "previous_quarter", "quarter_label", "quarter_months", "review"]
"""What the review's callers import from here; Flag and Thresholds live in engine/flags.py, the quarters in
engine/quarters.py."""
ZERO, ONE, CENTS = Decimal(0), Decimal(1), Decimal("0.00")


@dataclass(frozen=True)
class KpiReview:
    kpi: str
    title: str
    group: Group
    scope: Scope
    weight: Decimal
    """The current weight (Schemes)."""
    suggested_weight: Decimal
    cutoff: Decimal
    person_months: int
    """The quarter's person-months of the scheme with a completion for this KPI."""
    mean: Decimal | None
    median: Decimal | None
    on_plan: Decimal | None
    """Share of those person-months at or above 100%."""
    below_cutoff: Decimal | None
    """Share below the cut-off."""
    paid_share: Decimal | None
    """The KPI's share of the scheme's bonus actually paid over the quarter (None when nothing was paid)."""
    months: tuple[Decimal | None, ...]
    """Mean completion in each month of the quarter."""
    previous: Decimal | None
    """Mean completion over the previous quarter's months in the workbook (None without them)."""
    change: Decimal | None
    """mean − previous."""
    correlation: Decimal | None
    """Spearman's rank correlation (ties averaged) with the scheme's result-group completion over the
    person-months that have both; None when there are too few (`correlation_points` says how many), when
    either side does not vary, or for a result KPI with no other result KPI to compare with."""
    correlation_points: int
    inflates: str | None
    """For an activity KPI: the efficiency KPI whose formula's denominator is its metric (calls →
    call_to_meeting = meetings / calls)."""
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Fund:
    """A bonus fund over the quarter: the sum of the three months' bonuses (sums of rounded lines)."""

    current: Decimal
    suggested: Decimal

    @property
    def difference(self) -> Decimal:
        return self.suggested - self.current


@dataclass(frozen=True)
class PersonFund:
    employee_id: str
    name: str
    team: str
    scheme: str
    fund: Fund


@dataclass(frozen=True)
class PersonMonth:
    """One person's month on a scheme, for the what-if: per KPI, the payout the KPI would make at a weight
    of 100% (bonus_target × factor, exact), and the payouts actually made at the current and the
    suggested weights (rounded lines, as the engine computed them)."""

    employee_id: str
    period: str
    at_full_weight: dict[str, Decimal]
    current: dict[str, Decimal]
    suggested: dict[str, Decimal]


@dataclass(frozen=True)
class Move:
    """One step of the suggestion: a unit (5 points) of weight from `donor` to `receiver` (KPI ids)."""

    donor: str
    receiver: str


@dataclass(frozen=True)
class SchemeReview:
    scheme: str
    people: int
    person_months: int
    kpis: list[KpiReview]
    flags: list[Flag]
    """scheme_design flags."""
    fund: Fund
    lines: list[PersonMonth] = field(default_factory=list)
    """The quarter's person-months of the scheme, by month then employee: what the what-if recomputes."""
    moves: list[Move] = field(default_factory=list)
    """Why the suggested weights differ from the current ones beyond rounding to 5% steps: step 2 of the rule."""


@dataclass(frozen=True)
class QuarterReview:
    quarter: str
    """`2026-Q4`."""
    months: tuple[str, ...]
    previous_months: tuple[str, ...]
    """The previous quarter's months found in the workbook (may be fewer than three, or none)."""
    currency: str
    schemes: list[SchemeReview]
    people: list[PersonFund]
    fund: Fund
    test_mode: bool
    thresholds: Thresholds = field(default_factory=Thresholds)
    """The thresholds the flags were raised with (from Settings)."""
    warnings: list[Problem] = field(default_factory=list)
    """What computing the quarter's months warned of (a missing Facts row taken as zero, say), each once:
    the review's figures rest on them as `run`'s do."""


def review(wb: Workbook, quarter: str, thresholds: Thresholds | None = None) -> QuarterReview:
    """The review of `quarter`, whose three months must be loaded and have facts (the caller checks and
    says which month is missing); the previous quarter's months are used when loaded. The thresholds
    are the workbook's Settings unless given."""
    quarter = quarter_label(quarter)
    limits = thresholds or Thresholds.of(wb.settings)
    months = quarter_months(quarter)
    with_facts = {period for period, _ in wb.facts}
    before = tuple(m for m in quarter_months(previous_quarter(quarter))
                   if m in wb.periods and (wb.loaded is None or m in wb.loaded) and m in with_facts)
    current = {m: compute(wb, m, views=False) for m in months}  # the pay only: no department view
    history = {m: completions(wb, m) for m in before}
    people: dict[str, list[Employee]] = {}
    for e in wb.employees.values():
        people.setdefault(e.scheme, []).append(e)
    drafts = [_Scheme(wb, name, lines, people[name], months, before, current, history, limits)
              for name, lines in wb.schemes.items() if people.get(name)]

    changed = {d.name: d.lines_suggested for d in drafts if d.suggested != tuple(x.weight for x in d.lines)}
    if changed:
        what_if_wb = replace(wb, schemes={name: changed.get(name, lines) for name, lines in wb.schemes.items()})
        what_if = {m: compute(what_if_wb, m, views=False) for m in months}
    else:
        what_if = current

    funds = {e: Fund(sum((current[m].employees[i].bonus for m in months), CENTS),
                     sum((what_if[m].employees[i].bonus for m in months), CENTS))
             for i, e in enumerate(wb.employees)}
    return QuarterReview(
        quarter=quarter,
        months=months,
        previous_months=before,
        currency=wb.settings.currency,
        schemes=[d.review(funds, what_if) for d in drafts],
        people=[PersonFund(e.employee_id, e.name, e.team, e.scheme, funds[e.employee_id])
                for e in wb.employees.values()],
        fund=_total(funds.values()),
        test_mode=wb.settings.test_mode,
        thresholds=limits,
        warnings=list(dict.fromkeys(w for m in months for w in current[m].warnings)),
    )


def _total(funds) -> Fund:
    funds = list(funds)
    return Fund(sum((f.current for f in funds), CENTS), sum((f.suggested for f in funds), CENTS))


# --- one scheme --------------------------------------------------------------------------------------


class _Scheme:
    """A scheme's quarter: its person-months, each KPI's figures and flags, the suggested weights."""

    def __init__(self, wb: Workbook, name: str, lines: list[SchemeLine], members: list[Employee],
                 months: tuple[str, ...], before: tuple[str, ...], current: dict[str, PeriodResult],
                 history: dict[str, dict[str, dict[str, Decimal | None]]], limits: Thresholds):
        self.name, self.lines, self.members, self.months, self.limits = name, lines, members, months, limits
        self.kpis = [wb.kpis[line.kpi] for line in lines]
        ids = {e.employee_id for e in members}
        # employees come out of compute in wb.employees order, each with a KpiResult per scheme line
        self.results = {m: [r for r in current[m].employees if r.employee.employee_id in ids] for m in months}
        self.history = [h[e.employee_id] for h in history.values() for e in members if e.employee_id in h]
        self.inflates = [inflated(k, self.kpis, wb.kpis.values()) if k.group == "activity" else None
                         for k in self.kpis]
        self.figures = [self._figures(i) for i in range(len(lines))]
        facts = SchemeFacts(months, before, {m: [wb.facts.get((m, e.employee_id)) for e in members]
                                             for m in (*before, *months)})
        self.flags = [kpi_flags(k, line, f, e, facts, limits)
                      for k, line, f, e in zip(self.kpis, lines, self.figures, self.inflates)]
        index = {k.key: i for i, k in enumerate(self.kpis)}
        donors = {i: index.get(self.inflates[i].key) if self.inflates[i] else None
                  for i, flags in enumerate(self.flags) if {"too_easy", "gamed"} & {f.code for f in flags}}
        self.suggested, self.moves = suggest_weights([line.weight for line in lines],
                                                     [k.group for k in self.kpis], donors)
        self.lines_suggested = [replace(line, weight=w) for line, w in zip(lines, self.suggested)]

    # --- statistics -------------------------------------------------------------------------------

    def _figures(self, i: int) -> dict:
        line, kpi = self.lines[i], self.kpis[i]
        by_month = [[r.kpis[i].completion for r in self.results[m] if r.kpis[i].completion is not None]
                    for m in self.months]
        done = [c for month in by_month for c in month]
        paid = sum((r.kpis[i].payout for m in self.months for r in self.results[m]), CENTS)
        bonus = sum((r.bonus for m in self.months for r in self.results[m]), CENTS)
        before = [c for h in self.history if (c := h.get(kpi.kpi)) is not None]
        mean, previous = _mean(done), _mean(before)
        pairs = [(r.kpis[i].completion, y) for m in self.months for r in self.results[m]
                 if r.kpis[i].completion is not None and (y := _result_group(r, i)) is not None]
        enough = len(pairs) >= self.limits.min_points
        return {
            "person_months": len(done),
            "mean": mean,
            "median": median(done),
            "on_plan": _share(sum(c >= ONE for c in done), len(done)),
            "below_cutoff": _share(sum(c < line.cutoff for c in done), len(done)),
            "paid_share": ratio(paid, bonus) if bonus else None,
            "months": tuple(_mean(month) for month in by_month),
            "previous": previous,
            "change": EXACT.subtract(mean, previous) if mean is not None and previous is not None else None,
            "correlation": spearman([x for x, _ in pairs], [y for _, y in pairs]) if enough else None,
            "correlation_points": len(pairs),
        }

    # --- the review ------------------------------------------------------------------------------

    def review(self, funds: Mapping[str, Fund], what_if: dict[str, PeriodResult]) -> SchemeReview:
        ids = {e.employee_id for e in self.members}
        lines = []
        for m in self.months:
            suggested = [r for r in what_if[m].employees if r.employee.employee_id in ids]
            for now, then in zip(self.results[m], suggested):
                target = now.employee.bonus_target
                lines.append(PersonMonth(now.employee.employee_id, m,
                                         {k.kpi: EXACT.multiply(target, k.factor) for k in now.kpis},
                                         {k.kpi: k.payout for k in now.kpis},
                                         {k.kpi: k.payout for k in then.kpis}))
        kpis = [KpiReview(kpi=k.kpi, title=k.title, group=k.group, scope=line.scope, weight=line.weight,
                          suggested_weight=w, cutoff=line.cutoff, inflates=e.kpi if e else None, flags=flags,
                          **figures)
                for k, line, w, e, flags, figures in zip(self.kpis, self.lines, self.suggested, self.inflates,
                                                         self.flags, self.figures)]
        return SchemeReview(
            scheme=self.name,
            people=len(self.members),
            person_months=len(self.members) * len(self.months),
            kpis=kpis,
            flags=design_flags(self.lines, self.kpis, self.limits),
            fund=_total(funds[e.employee_id] for e in self.members),
            lines=lines,
            moves=[Move(self.kpis[d].kpi, self.kpis[r].kpi) for d, r in self.moves],
        )


def _result_group(r: EmployeeResult, i: int) -> Decimal | None:
    """The person-month's result-group completion: the weight-weighted mean of its result KPIs with a
    completion, leaving out KPI `i` itself."""
    with localcontext(EXACT):
        done = [(k.weight, k.completion) for j, k in enumerate(r.kpis)
                if j != i and k.group == "result" and k.completion is not None]
        weight = sum((w for w, _ in done), ZERO)
        return sum((w * c for w, c in done), ZERO) / weight if weight else None


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    with localcontext(EXACT):
        return sum(values, ZERO) / len(values)


def _share(count: int, of: int) -> Decimal | None:
    return ratio(Decimal(count), Decimal(of)) if of else None
