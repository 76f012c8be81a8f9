"""The review's flags: which of a scheme's KPIs went too easy, out of reach, gamed, beside the point or
over-paying over the quarter, and what is wrong with the scheme's design.

Pure rules over the figures `engine/review.py` works out per scheme and KPI (on_plan, below_cutoff,
correlation, paid_share, inflates: see its docstring) and, for `gamed`, the scheme's Facts rows. No text
lives here: a flag is a code and the figures it rests on, worded by `explain` in the output language.

**Flags** (Settings keys in brackets; each flag carries the figures it rests on):

- `too_easy`: on_plan ≥ `review_too_easy` (80%) — {on_plan, threshold, person_months}.
- `out_of_reach`: below_cutoff ≥ `review_out_of_reach` (50%) — {below_cutoff, threshold, person_months}.
- `gamed`: an activity KPI whose `inflates` is set, with activity and efficiency measured on the scheme's
  aggregate (as team scope does): activity = the metric summed over the scheme's people, efficiency = the
  efficiency KPI's formula over their summed metrics. Flagged when the activity rose while the efficiency
  got worse (fell; rose, for a lower-is-better one), strictly, either from the quarter's first month to
  its last (basis `months`) or against the previous quarter (basis `previous_quarter`: activity per month
  on average, efficiency over the quarter's summed metrics). A flag per basis that shows it —
  {basis, efficiency, from, to, activity_from, activity_to, efficiency_from, efficiency_to}; `from`/`to`
  are months or quarters.
- `beside_the_point`: a KPI outside the result group whose correlation is known and ≤ 0 —
  {correlation, points}. Fewer than `review_min_points` (8) pairs: no flag, and correlation None with
  `correlation_points` saying how many there were.
- `over_paying`: paid_share − weight > `review_over_paying` (10 points) — {paid_share, weight, excess,
  threshold}.
- `scheme_design` (on the scheme), one per problem: {problem: "too_many_kpis", kpis, limit} with more
  than 7 KPIs; {problem: "result_not_heaviest", result, efficiency, activity} when another group weighs
  more than the result group (a tie passes: the method's own example is 40 / 40 / 20); {problem:
  "team_share", team, low, high} when the team-scope weights of a scheme that also has individual lines
  total outside 10–20% (a scheme all of whose lines are team scope — a head of sales' — is exempt).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from kpi_reports.engine.compute import summed
from kpi_reports.engine.pay import EXACT, ratio
from kpi_reports.engine.quarters import previous_quarter, quarter_of
from kpi_reports.formula import NoValue
from kpi_reports.model import MAX_KPIS, TEAM_SHARE, Kpi, Record, SchemeLine, Settings

FlagCode = Literal["too_easy", "out_of_reach", "gamed", "beside_the_point", "over_paying", "scheme_design"]
ZERO = Decimal(0)
Sums = dict[str, Decimal]
"""Metrics summed over the scheme's people in one month: metric key → sum."""


@dataclass(frozen=True)
class Flag:
    code: FlagCode
    figures: dict[str, Decimal | int | str | None]
    """What the flag rests on, named as in the JSON: e.g. {"on_plan": 0.92, "threshold": 0.8}; for
    scheme_design, {"problem": "too_many_kpis" | "result_not_heaviest" | "team_share", ...}. Every
    flag's figures: the module docstring."""


@dataclass(frozen=True)
class Thresholds:
    """The flags' thresholds: Settings keys (see README), whose defaults these are."""

    too_easy: Decimal = Settings.review_too_easy
    """At least this share of person-months at or above 100%."""
    out_of_reach: Decimal = Settings.review_out_of_reach
    """At least this share below the cut-off."""
    over_paying: Decimal = Settings.review_over_paying
    """Share of the bonus paid more than this above the weight (10 points)."""
    min_points: int = Settings.review_min_points
    """Person-months needed to tell a correlation."""
    max_kpis: int = MAX_KPIS
    team_share: tuple[Decimal, Decimal] = TEAM_SHARE

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(settings.review_too_easy, settings.review_out_of_reach, settings.review_over_paying,
                   settings.review_min_points)


@dataclass(frozen=True)
class SchemeFacts:
    """The Facts rows of a scheme's people, month by month (None: no row), over the quarter and the previous
    quarter's months in the workbook: what `gamed` sums, as team scope does. A month's people are those on
    the scheme by that month's terms (a joiner from their first month, a leaver up to their last)."""

    months: tuple[str, ...]
    before: tuple[str, ...]
    rows: Mapping[str, Sequence[Record | None]]
    """Month (of `before` or `months`) → the rows of the scheme's people."""


# --- a KPI's flags ------------------------------------------------------------------------------------


def kpi_flags(kpi: Kpi, line: SchemeLine, figures: Mapping[str, Any], inflates: Kpi | None, facts: SchemeFacts,
              limits: Thresholds) -> tuple[Flag, ...]:
    """The flags of one KPI of a scheme, in the order of the module docstring. `figures`: the KPI's quarter
    figures (engine/review.py); `inflates`: the efficiency KPI it inflates, if it is an activity KPI."""
    found = [_too_easy(figures, limits), _out_of_reach(figures, limits)]
    found += gamed(kpi, inflates, facts) if inflates is not None else []
    found += [_beside_the_point(kpi, figures), _over_paying(line, figures, limits)]
    return tuple(f for f in found if f is not None)


def _too_easy(f: Mapping[str, Any], limits: Thresholds) -> Flag | None:
    if f["on_plan"] is None or f["on_plan"] < limits.too_easy:
        return None
    return Flag("too_easy", {"on_plan": f["on_plan"], "threshold": limits.too_easy,
                             "person_months": f["person_months"]})


def _out_of_reach(f: Mapping[str, Any], limits: Thresholds) -> Flag | None:
    if f["below_cutoff"] is None or f["below_cutoff"] < limits.out_of_reach:
        return None
    return Flag("out_of_reach", {"below_cutoff": f["below_cutoff"], "threshold": limits.out_of_reach,
                                 "person_months": f["person_months"]})


def _beside_the_point(kpi: Kpi, f: Mapping[str, Any]) -> Flag | None:
    if kpi.group == "result" or f["correlation"] is None or f["correlation"] > 0:
        return None
    return Flag("beside_the_point", {"correlation": f["correlation"], "points": f["correlation_points"]})


def _over_paying(line: SchemeLine, f: Mapping[str, Any], limits: Thresholds) -> Flag | None:
    if f["paid_share"] is None:
        return None
    excess = EXACT.subtract(f["paid_share"], line.weight)
    if excess <= limits.over_paying:
        return None
    return Flag("over_paying", {"paid_share": f["paid_share"], "weight": line.weight, "excess": excess,
                                "threshold": limits.over_paying})


# --- gamed ------------------------------------------------------------------------------------------


def activity_metric(kpi: Kpi) -> str | None:
    """The metric an activity KPI counts: its formula's single metric, or its own key without a formula."""
    return kpi.formula.single_metric if kpi.formula else kpi.key


def inflated(activity: Kpi, scheme: Sequence[Kpi], sheet: Iterable[Kpi]) -> Kpi | None:
    """The efficiency KPI whose formula divides by this activity KPI's metric (calls → call_to_meeting =
    meetings / calls): the scheme's first, else the KPIs sheet's first."""
    metric = activity_metric(activity)
    if metric is None:
        return None
    found = [k for k in sheet
             if k.group == "efficiency" and k.formula is not None and metric in k.formula.denominators]
    return next((k for k in scheme if k in found), found[0] if found else None)


def gamed(activity: Kpi, efficiency: Kpi, facts: SchemeFacts) -> list[Flag]:
    """A `gamed` flag per basis on which the activity rose while the efficiency it inflates got worse:
    the quarter's first month against its last, and the previous quarter against this one."""
    metric = activity_metric(activity)
    metrics = {metric, *efficiency.formula.metrics}
    sums = {m: summed(facts.rows[m], metrics) for m in (*facts.before, *facts.months)}
    first, last = facts.months[0], facts.months[-1]
    found = [_gamed_on(efficiency, metric, "months", (first, [sums[first]]), (last, [sums[last]]))]
    if facts.before:
        quarter = quarter_of(first)
        found.append(_gamed_on(efficiency, metric, "previous_quarter",
                               (previous_quarter(quarter), [sums[m] for m in facts.before]),
                               (quarter, [sums[m] for m in facts.months])))
    return [f for f in found if f is not None]


def _gamed_on(efficiency: Kpi, metric: str, basis: str, start: tuple[str, list[Sums]],
              end: tuple[str, list[Sums]]) -> Flag | None:
    """`gamed` on one basis: from `start` to `end` (each a label and its months' sums), the activity per
    month rose strictly while the efficiency over the pooled sums got strictly worse."""
    (start_label, before), (end_label, after) = start, end
    a_from, a_to = _per_month(before, metric), _per_month(after, metric)
    e_from, e_to = _value(efficiency, _pooled(before)), _value(efficiency, _pooled(after))
    if e_from is None or e_to is None or not a_to > a_from:
        return None
    worse = e_to < e_from if efficiency.direction == "higher" else e_to > e_from
    if not worse:
        return None
    return Flag("gamed", {"basis": basis, "efficiency": efficiency.kpi, "from": start_label, "to": end_label,
                          "activity_from": a_from, "activity_to": a_to,
                          "efficiency_from": e_from, "efficiency_to": e_to})


def _per_month(sums: list[Sums], metric: str) -> Decimal:
    return ratio(sum((s[metric] for s in sums), ZERO), Decimal(len(sums)))


def _pooled(sums: list[Sums]) -> Sums:
    """The months' sums added up, metric by metric (every month has the same metrics)."""
    return {m: sum((s[m] for s in sums), ZERO) for m in sums[0]}


def _value(kpi: Kpi, sums: Sums) -> Decimal | None:
    try:
        return kpi.formula.evaluate(sums)
    except NoValue:
        return None


# --- the scheme's design ------------------------------------------------------------------------------


def design_flags(lines: Sequence[SchemeLine], kpis: Sequence[Kpi], limits: Thresholds) -> list[Flag]:
    """The scheme_design flags of a scheme whose lines are `lines`, with `kpis` their KPIs (same order)."""
    found = [_too_many_kpis(lines, limits), _result_not_heaviest(lines, kpis), _team_share(lines, limits)]
    return [f for f in found if f is not None]


def _too_many_kpis(lines: Sequence[SchemeLine], limits: Thresholds) -> Flag | None:
    if len(lines) <= limits.max_kpis:
        return None
    return Flag("scheme_design", {"problem": "too_many_kpis", "kpis": len(lines), "limit": limits.max_kpis})


def _result_not_heaviest(lines: Sequence[SchemeLine], kpis: Sequence[Kpi]) -> Flag | None:
    groups = {g: sum((line.weight for line, k in zip(lines, kpis) if k.group == g), ZERO)
              for g in ("result", "efficiency", "activity")}
    if groups["result"] >= max(groups["efficiency"], groups["activity"]):  # a tie: the method's 40/40/20
        return None
    return Flag("scheme_design", {"problem": "result_not_heaviest", **groups})


def _team_share(lines: Sequence[SchemeLine], limits: Thresholds) -> Flag | None:
    team = sum((line.weight for line in lines if line.scope == "team"), ZERO)
    low, high = limits.team_share
    if all(line.scope == "team" for line in lines) or team <= 0 or low <= team <= high:
        return None
    return Flag("scheme_design", {"problem": "team_share", "team": team, "low": low, "high": high})
