"""The quarterly weight review: per scheme and KPI, how the quarter's person-months went, which KPIs are
too easy, out of reach, gamed or beside the point, better weights, and what they would have paid.

Pure computation over model objects (the method's step 5): the figures come from `compute` for each month
of the quarter (and `completions` of the previous quarter, when the workbook has it); the suggested fund
is `compute` again, on a copy of the workbook with the suggested weights; the flags are `engine/flags.py`'s
rules over these figures, quarters `engine/quarters.py`'s. No text lives here: a flag is a code and its
figures, worded by `explain` in the output language.

**Terms from a month on.** Each month counts by its own terms (`Workbook.in_force`): a scheme is reviewed
in its version in force in the quarter's last month (its lines, weights and suggested weights), and its
person-months are the people on it in each month by that month's terms — someone who joined or left
counts only in the months they worked. A KPI is matched by id in each month's results: a KPI the month's
version does not have has no person-month there. When that version took effect within the quarter, the
review measures the change (`engine/review_change.py`): per KPI, the weight before → after and the mean
completion before → after.

**Person-months.** A scheme's person-months are the people on it in each month of the quarter; a KPI's
statistics use those with a completion (no plan or no fact: left out). Schemes nobody is on are not
reviewed. The previous quarter's months count when they are in the workbook, loaded, and have Facts rows.

**Figures per scheme and KPI** (shares are exact fractions, 0.8 = 80%):

- `mean`, `median` completion over the person-months; `months`: the mean in each month; `previous`: the
  mean over the previous quarter's person-months (the people on the scheme then, by those months' terms);
  `change` = mean − previous.
- `on_plan`: share at or above 100%; `below_cutoff`: share below the cut-off of the month's scheme line.
- `paid_share`: the KPI's payouts over the bonuses of the scheme's person-months that had it, summed over
  the quarter.
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
each quarter month on a copy of the workbook whose reviewed versions carry them — so they act on the months
where that version is in force; a month paid by an earlier version stays as paid: per person, per scheme
and in total, against the current fund (the sum of the months' bonuses, which are sums of rounded lines,
each month by its own terms — what was actually paid).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

from kpi_reports.engine.compute import completions, compute
from kpi_reports.engine.flags import Flag, SchemeFacts, Thresholds, design_flags, inflated, kpi_flags
from kpi_reports.engine.pay import EXACT, ratio
from kpi_reports.engine.quarters import previous_quarter, quarter_label, quarter_months
from kpi_reports.engine.review_change import DroppedKpi, WeightChange, changed_from, weight_changes
from kpi_reports.engine.stats import spearman
from kpi_reports.engine.weak import median
from kpi_reports.engine.weights import suggest_weights
from kpi_reports.model import EmployeeResult, Group, KpiResult, PeriodResult, SchemeLine, Scope, Workbook
from kpi_reports.problems import Problem

__all__ = ["DroppedKpi", "Flag", "Fund", "KpiReview", "Move", "PersonFund", "PersonMonth", "QuarterReview",
           "SchemeReview", "Thresholds", "WeightChange", "previous_quarter", "quarter_label", "quarter_months",
           "review"]
"""What the review's callers import from here; Flag and Thresholds live in engine/flags.py, the quarters in
engine/quarters.py, WeightChange and DroppedKpi in engine/review_change.py."""
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
    weight_change: WeightChange | None = None
    """When the version under review took effect within the quarter and changed this KPI's weight (or
    added the KPI): the weight before → after and the mean completion before → after."""


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
    """A person's fund over the quarter's months they worked; team and scheme as their last month's terms say."""

    employee_id: str
    name: str
    team: str
    scheme: str
    fund: Fund


@dataclass(frozen=True)
class PersonMonth:
    """One person's month on a scheme, for the what-if: per KPI of that month's version, the payout the KPI
    would make at a weight of 100% (the month's bonus target × factor, exact), and the payouts actually
    made at the current and the suggested weights (rounded lines, as the engine computed them; in a month
    paid by an earlier version than the one under review, both are what was paid)."""

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
    since: str | None = None
    """When the version under review took effect within the quarter: its first month (its Schemes `from`);
    the weights act on the months from it on, the months before were paid by an earlier version. None: it
    was in force all quarter."""
    dropped: list[DroppedKpi] = field(default_factory=list)
    """The KPIs of the version before that the version under review dropped (with `since`)."""


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
    wb = wb.whole or wb  # every version, whichever month's terms were handed in
    quarter = quarter_label(quarter)
    limits = thresholds or Thresholds.of(wb.settings)
    months = quarter_months(quarter)
    with_facts = {period for period, _ in wb.facts}
    before = tuple(m for m in quarter_months(previous_quarter(quarter))
                   if m in wb.periods and (wb.loaded is None or m in wb.loaded) and m in with_facts)
    current = {m: compute(wb, m, views=False) for m in months}  # the pay only: no department view
    history = {m: completions(wb, m) for m in before}
    terms = {m: wb.in_force(m) for m in (*before, *months)}
    reviewed = terms[months[-1]].schemes  # each scheme's version in force at the quarter's end
    drafts = [d for name in wb.schemes if name in reviewed
              for d in (_Scheme(wb, name, reviewed[name], terms, current, history, limits),) if d.person_months]

    changed = {d.name: d for d in drafts if d.suggested != tuple(x.weight for x in d.lines)}
    if changed:
        what_if_wb = _with_weights(wb, changed)
        acted = [m for m in months if any(terms[m].schemes.get(n) == d.lines for n, d in changed.items())]
        what_if = {m: compute(what_if_wb, m, views=False) if m in acted else current[m] for m in months}
    else:
        what_if = current

    # a person-month's bonus now and at the suggested weights; the person as their last month's terms say
    paid = {(m, r.employee.employee_id): r.bonus for m in months for r in current[m].employees}
    then = {(m, r.employee.employee_id): r.bonus for m in months for r in what_if[m].employees}
    last = {r.employee.employee_id: r.employee for m in months for r in current[m].employees}
    people = [last[e] for e in dict.fromkeys([*wb.employees, *last]) if e in last]
    funds = {e.employee_id: Fund(sum((paid[m, e.employee_id] for m in months if (m, e.employee_id) in paid), CENTS),
                                 sum((then[m, e.employee_id] for m in months if (m, e.employee_id) in paid), CENTS))
             for e in people}
    return QuarterReview(
        quarter=quarter,
        months=months,
        previous_months=before,
        currency=wb.settings.currency,
        schemes=[d.review(paid, then, what_if) for d in drafts],
        people=[PersonFund(e.employee_id, e.name, e.team, e.scheme, funds[e.employee_id]) for e in people],
        fund=_total(funds.values()),
        test_mode=wb.settings.test_mode,
        thresholds=limits,
        warnings=list(dict.fromkeys(w for m in months for w in current[m].warnings)),
    )


def _with_weights(wb: Workbook, changed: Mapping[str, _Scheme]) -> Workbook:
    """A copy of the workbook whose reviewed versions carry the suggested weights, the caller's left as it
    was: the scheme lines themselves, or with versions, the version under review of each changed scheme
    (the others, and the months they are in force, stay as they are)."""
    if not wb.versions:
        return replace(wb, schemes={name: changed[name].lines_suggested if name in changed else lines
                                    for name, lines in wb.schemes.items()})
    versions = {name: tuple((since, changed[name].lines_suggested if name in changed and lines == changed[name].lines
                             else lines) for since, lines in found)
                for name, found in wb.versions.items()}
    return replace(wb, versions=versions, schemes={name: found[-1][1] for name, found in versions.items()})


def _total(funds) -> Fund:
    funds = list(funds)
    return Fund(sum((f.current for f in funds), CENTS), sum((f.suggested for f in funds), CENTS))


# --- one scheme --------------------------------------------------------------------------------------


class _Scheme:
    """A scheme's quarter: its person-months, each KPI's figures and flags, the suggested weights, the
    change of version within the quarter."""

    def __init__(self, wb: Workbook, name: str, lines: list[SchemeLine], terms: Mapping[str, Workbook],
                 current: dict[str, PeriodResult], history: dict[str, dict[str, dict[str, Decimal | None]]],
                 limits: Thresholds):
        self.name, self.lines, self.limits = name, lines, limits
        self.months, before = tuple(current), tuple(history)
        self.kpis = [wb.kpis[line.kpi] for line in lines]
        # the people on the scheme in each month by that month's terms, each with its KPI results by id
        self.results = {m: [r for r in current[m].employees if r.employee.scheme == name] for m in self.months}
        self.person_months = sum(len(found) for found in self.results.values())
        if not self.person_months:
            return
        self.by_id: dict[tuple[str, str], dict[str, KpiResult]] = {
            (m, r.employee.employee_id): {k.kpi: k for k in r.kpis} for m in self.months for r in self.results[m]}
        members = {m: [e for e in terms[m].employees.values() if e.scheme == name] for m in before}
        members |= {m: [r.employee for r in self.results[m]] for m in self.months}
        self.people = len({e.employee_id for m in self.months for e in members[m]})
        self.history = {m: [history[m][e.employee_id] for e in members[m] if e.employee_id in history[m]]
                        for m in before}
        self.inflates = [inflated(k, self.kpis, wb.kpis.values()) if k.group == "activity" else None
                         for k in self.kpis]
        self.figures = [self._figures(k.kpi) for k in self.kpis]
        facts = SchemeFacts(self.months, before, {m: [wb.facts.get((m, e.employee_id)) for e in members[m]]
                                                  for m in (*before, *self.months)})
        self.flags = [kpi_flags(k, line, f, e, facts, limits)
                      for k, line, f, e in zip(self.kpis, lines, self.figures, self.inflates)]
        index = {k.key: i for i, k in enumerate(self.kpis)}
        donors = {i: index.get(self.inflates[i].key) if self.inflates[i] else None
                  for i, flags in enumerate(self.flags) if {"too_easy", "gamed"} & {f.code for f in flags}}
        self.suggested, self.moves = suggest_weights([line.weight for line in lines],
                                                     [k.group for k in self.kpis], donors)
        self.lines_suggested = [replace(line, weight=w) for line, w in zip(lines, self.suggested)]
        self.since, self.changes, self.dropped = None, {}, []
        found = changed_from(wb.versions.get(name, ()), lines, self.months)
        if found:
            self.since, old = found
            if old is not None:
                done = {m: [{k.kpi: k.completion for k in self.by_id[m, r.employee.employee_id].values()}
                            for r in self.results[m]] for m in self.months}
                self.changes, self.dropped = weight_changes(self.since, old, lines, wb.kpis,
                                                            {**self.history, **done})

    def _had(self, m: str, kpi: str) -> list[tuple[EmployeeResult, KpiResult]]:
        """The month's person-months whose version has the KPI, each with its result for it."""
        return [(r, k) for r in self.results[m] if (k := self.by_id[m, r.employee.employee_id].get(kpi))]

    # --- statistics -------------------------------------------------------------------------------

    def _figures(self, kpi: str) -> dict:
        had = {m: self._had(m, kpi) for m in self.months}
        by_month = [[k.completion for _, k in had[m] if k.completion is not None] for m in self.months]
        done = [c for month in by_month for c in month]
        scored = [k for m in self.months for _, k in had[m] if k.completion is not None]
        paid = sum((k.payout for m in self.months for _, k in had[m]), CENTS)
        bonus = sum((r.bonus for m in self.months for r, _ in had[m]), CENTS)
        before = [c for people in self.history.values() for h in people if (c := h.get(kpi)) is not None]
        mean, previous = _mean(done), _mean(before)
        pairs = [(k.completion, y) for m in self.months for r, k in had[m]
                 if k.completion is not None and (y := _result_group(r, kpi)) is not None]
        enough = len(pairs) >= self.limits.min_points
        return {
            "person_months": len(done),
            "mean": mean,
            "median": median(done),
            "on_plan": _share(sum(c >= ONE for c in done), len(done)),
            "below_cutoff": _share(sum(k.completion < k.cutoff for k in scored), len(done)),
            "paid_share": ratio(paid, bonus) if bonus else None,
            "months": tuple(_mean(month) for month in by_month),
            "previous": previous,
            "change": EXACT.subtract(mean, previous) if mean is not None and previous is not None else None,
            "correlation": spearman([x for x, _ in pairs], [y for _, y in pairs]) if enough else None,
            "correlation_points": len(pairs),
        }

    # --- the review ------------------------------------------------------------------------------

    def review(self, paid: Mapping[tuple[str, str], Decimal], then: Mapping[tuple[str, str], Decimal],
               what_if: dict[str, PeriodResult]) -> SchemeReview:
        lines = []
        for m in self.months:
            suggested = {r.employee.employee_id: r for r in what_if[m].employees}
            for now in self.results[m]:
                who = now.employee.employee_id
                lines.append(PersonMonth(who, m, {k.kpi: EXACT.multiply(now.bonus_target, k.factor) for k in now.kpis},
                                         {k.kpi: k.payout for k in now.kpis},
                                         {k.kpi: k.payout for k in suggested[who].kpis}))
        kpis = [KpiReview(kpi=k.kpi, title=k.title, group=k.group, scope=line.scope, weight=line.weight,
                          suggested_weight=w, cutoff=line.cutoff, inflates=e.kpi if e else None, flags=flags,
                          weight_change=self.changes.get(k.kpi), **figures)
                for k, line, w, e, flags, figures in zip(self.kpis, self.lines, self.suggested, self.inflates,
                                                         self.flags, self.figures)]
        keys = [(m, r.employee.employee_id) for m in self.months for r in self.results[m]]
        return SchemeReview(
            scheme=self.name,
            people=self.people,
            person_months=self.person_months,
            kpis=kpis,
            flags=design_flags(self.lines, self.kpis, self.limits),
            fund=Fund(sum((paid[key] for key in keys), CENTS), sum((then[key] for key in keys), CENTS)),
            lines=lines,
            moves=[Move(self.kpis[d].kpi, self.kpis[r].kpi) for d, r in self.moves],
            since=self.since,
            dropped=self.dropped,
        )


def _result_group(r: EmployeeResult, kpi: str) -> Decimal | None:
    """The person-month's result-group completion: the weight-weighted mean of its result KPIs with a
    completion, leaving out the KPI `kpi` itself."""
    with localcontext(EXACT):
        done = [(k.weight, k.completion) for k in r.kpis
                if k.kpi != kpi and k.group == "result" and k.completion is not None]
        weight = sum((w for w, _ in done), ZERO)
        return sum((w * c for w, c in done), ZERO) / weight if weight else None


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    with localcontext(EXACT):
        return sum(values, ZERO) / len(values)


def _share(count: int, of: int) -> Decimal | None:
    return ratio(Decimal(count), Decimal(of)) if of else None
