"""The quarterly weight review's rules, on model objects and `review(wb, quarter)`: each flag fires at its
threshold and not just short of it, the method's "calling for the tick" case is caught and answered with
better weights, and the funds are the engine's own computation under the current and the suggested weights.
How the `kpi-reports review` command reads its thresholds and reports: test_review_command.py."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_reports
from kpi_reports.engine.compute import compute
from kpi_reports.engine.pay import EXACT, money, ratio
from kpi_reports.engine.review import Thresholds, previous_quarter, quarter_label, quarter_months, review
from kpi_reports.engine.stats import ranks, spearman
from kpi_reports.engine.weights import suggest_weights
from kpi_reports.formula import parse
from kpi_reports.model import Employee, Kpi, Record, SchemeLine, Settings, Workbook
from kpi_reports.names import norm
from kpi_reports.workbook.example import example_data

MONTHS = ("2026-10", "2026-11", "2026-12")
BEFORE = ("2026-07", "2026-08", "2026-09")
KPIS = {
    "calls": Kpi("calls", "Calls", "activity"),
    "meetings": Kpi("meetings", "Meetings", "activity"),
    "call_to_meeting": Kpi("call_to_meeting", "Call → meeting", "efficiency", parse("meetings / calls"),
                           unit="percent"),
    "cost_per_call": Kpi("cost_per_call", "Cost per call", "efficiency", parse("cost / calls"), "lower", "money"),
    "revenue": Kpi("revenue", "Revenue", "result", unit="money"),
    "margin": Kpi("margin", "Margin", "result", unit="money"),
}


def book(lines: list[SchemeLine], rows: dict[tuple[str, str], tuple[dict, dict]], kpis: dict[str, Kpi] | None = None,
         people: list[Employee] | None = None, **settings) -> Workbook:
    """A validated-looking workbook built from model objects: rows are (period, employee) → (plans, facts)."""
    kpis = kpis or {}
    kpis = {norm(k): v for k, v in {**KPIS, **kpis}.items()}
    if people is None:
        ids = dict.fromkeys(e for _, e in rows)
        people = [Employee(e, f"Person {e}", "Team", lines[0].scheme, D(50000), D(1000)) for e in ids]
    schemes: dict[str, list[SchemeLine]] = {}
    for line in lines:
        schemes.setdefault(line.scheme, []).append(replace(line, kpi=norm(line.kpi)))

    def record(period, who, values):
        return Record(period, who, {norm(k): None if v is None else D(v) for k, v in values.items()})
    return Workbook(
        employees={e.employee_id: e for e in people}, kpis=kpis, schemes=schemes,
        plans={key: record(*key, plans) for key, (plans, _) in rows.items()}, team_plans={},
        facts={key: record(*key, facts) for key, (_, facts) in rows.items()}, fact_columns={},
        settings=Settings(**settings), periods=sorted({p for p, _ in rows}),
    )


def line(kpi: str, weight: str, scheme: str = "s", **kw) -> SchemeLine:
    return SchemeLine(scheme, kpi, D(weight), **kw)


def graded(columns: dict[str, list], weights: dict[str, str], people: int, cutoff: str = "0.8",
           months: tuple[str, ...] = MONTHS, **settings) -> Workbook:
    """KPIs paid on plain Facts columns, plan 100: `columns[kpi]` lists each person-month's completion,
    month by month then person (None: no plan that month). A KPI not in KPIS is a result KPI."""
    kpis = {k: KPIS.get(k) or Kpi(k, k.title(), "result") for k in weights}
    rows = {}
    for m, month in enumerate(months):
        for p in range(people):
            cells = {k: columns[k][m * people + p] for k in weights}
            rows[(month, f"E{p + 1:02d}")] = ({k: None if c is None else 100 for k, c in cells.items()},
                                              {k: D(c or 0) * 100 for k, c in cells.items()})
    lines = [line(k, w, cutoff=D(cutoff)) for k, w in weights.items()]
    return book(lines, rows, kpis, **settings)


def kpi_of(result, kpi: str, scheme: str = "s"):
    found = next(s for s in result.schemes if s.scheme == scheme)
    return next(k for k in found.kpis if k.kpi == kpi)


def codes(item) -> set[str]:
    return {f.code for f in item.flags}


def flag(item, code: str, basis: str | None = None):
    return next(f for f in item.flags if f.code == code and (basis is None or f.figures.get("basis") == basis))


def hits(on_plan: int, of: int) -> list:
    """`of` completions, the first `on_plan` of them exactly 100%, the rest 95%."""
    return [D(1)] * on_plan + [D("0.95")] * (of - on_plan)


# --- the calm control and the method's case ----------------------------------------------------------


def calm(previous: bool = True) -> Workbook:
    """Four people whose every KPI completes at the same level, 90–107%, rising a point a month (the
    previous quarter's months too, from 87%). Result 70%, calls and call → meeting 15% each."""
    rows = {}
    for m, month in enumerate((*BEFORE, *MONTHS) if previous else MONTHS):
        for p in range(4):
            level = D("0.9") + D("0.05") * p + D("0.01") * (m - (3 if previous else 0))
            rows[(month, f"E{p + 1}")] = (
                {"calls": 1000, "call_to_meeting": D("0.02"), "revenue": 100, "margin": 100},
                {"calls": 1000 * level, "meetings": 20 * level * level, "revenue": 100 * level, "margin": 100 * level})
    return book([line("revenue", "0.5"), line("margin", "0.2"), line("calls", "0.15"), line("call_to_meeting", "0.15")],
                rows)


def test_a_calm_scheme_gets_no_flag_and_keeps_its_weights():
    result = review(calm(), "2026-Q4")
    (scheme,) = result.schemes
    assert scheme.flags == [] and all(k.flags == () for k in scheme.kpis)
    assert [k.suggested_weight for k in scheme.kpis] == [k.weight for k in scheme.kpis]
    assert scheme.moves == [] and result.fund.difference == 0
    calls = kpi_of(result, "calls")
    assert calls.correlation == 1 and calls.correlation_points == 12 and calls.paid_share == D("0.15")
    assert calls.on_plan == D("0.5") and calls.below_cutoff == 0 and calls.inflates == "call_to_meeting"


def test_the_method_case_calling_for_the_tick_is_gamed_and_too_easy_and_moves_weight_to_conversion(write):
    """Everyone easily hits the calls plan while call → meeting falls month after month (docs/method.md §11):
    the hunters' calls are too easy and gamed, and 5 points go from calls to call_to_meeting."""
    data = example_data("en", months=(*BEFORE, *MONTHS))
    facts = data.sheets["Facts"]
    col = facts.columns.index
    for row in facts.rows:
        month = row[col("period")].strftime("%Y-%m")
        if month in MONTHS and row[col("employee_id")] in ("E001", "E002", "E003", "E004"):
            i = MONTHS.index(month)
            row[col("calls")] = 1150 + 50 * i
            row[col("meetings")] = round((1150 + 50 * i) * (0.024 - 0.004 * i))
            row[col("call_to_meeting")] = None  # the CRM's own figure would hide the formula
    result = review(kpi_reports.load(write(data)), "2026-Q4")
    calls = kpi_of(result, "calls", "hunter")
    assert {"too_easy", "gamed"} <= codes(calls) and calls.inflates == "call_to_meeting"
    assert calls.on_plan == 1 and flag(calls, "too_easy").figures == {
        "on_plan": D(1), "threshold": D("0.8"), "person_months": 12}
    gamed = flag(calls, "gamed", "months").figures
    assert (gamed["from"], gamed["to"], gamed["activity_from"], gamed["activity_to"]) == ("2026-10", "2026-12", 4600, 5000)
    assert gamed["efficiency_from"] > gamed["efficiency_to"] and gamed["efficiency"] == "call_to_meeting"
    assert (calls.weight, calls.suggested_weight) == (D("0.2"), D("0.15"))
    conversion = kpi_of(result, "call_to_meeting", "hunter")
    assert (conversion.weight, conversion.suggested_weight) == (D("0.2"), D("0.25"))
    hunter = next(s for s in result.schemes if s.scheme == "hunter")
    assert [(m.donor, m.receiver) for m in hunter.moves] == [("calls", "call_to_meeting")]
    assert sum(k.suggested_weight for k in hunter.kpis) == 1


# --- too easy, out of reach ---------------------------------------------------------------------------


def test_too_easy_fires_at_exactly_80_percent_on_plan():
    result = review(graded({"calls": hits(12, 15), "revenue": [D("0.9")] * 15}, {"calls": "0.3", "revenue": "0.7"}, 5),
                    "2026-Q4")
    calls = kpi_of(result, "calls")
    assert calls.on_plan == D("0.8") and "too_easy" in codes(calls)
    assert flag(calls, "too_easy").figures == {"on_plan": D("0.8"), "threshold": D("0.8"), "person_months": 15}


def test_too_easy_does_not_fire_just_below_80_percent_unless_the_setting_is_lower():
    wb = graded({"calls": hits(19, 24), "revenue": [D("0.9")] * 24}, {"calls": "0.3", "revenue": "0.7"}, 8)
    calls = kpi_of(review(wb, "2026-Q4"), "calls")
    assert D("0.79") < calls.on_plan < D("0.8") and "too_easy" not in codes(calls)
    wb.settings = replace(wb.settings, review_too_easy=D("0.79"))
    assert "too_easy" in codes(kpi_of(review(wb, "2026-Q4"), "calls"))


def test_on_plan_counts_exactly_100_percent_and_not_a_hair_below():
    wb = graded({"calls": [D("0.99999")] * 3 + [D(1)] * 12, "revenue": [D("0.9")] * 15},
                {"calls": "0.3", "revenue": "0.7"}, 5)
    calls = kpi_of(review(wb, "2026-Q4"), "calls")
    assert calls.on_plan == D("0.8") and "too_easy" in codes(calls)


def test_out_of_reach_fires_at_half_below_the_cutoff_and_not_below_half():
    def below(n):  # 12 person-months, n of them just under the 80% cut-off, the rest on it exactly
        wb = graded({"calls": [D("0.79999")] * n + [D("0.8")] * (12 - n), "revenue": [D("0.9")] * 12},
                    {"calls": "0.3", "revenue": "0.7"}, 4)
        return kpi_of(review(wb, "2026-Q4"), "calls")
    at, under = below(6), below(5)
    assert at.below_cutoff == D("0.5") and "out_of_reach" in codes(at)
    assert flag(at, "out_of_reach").figures == {"below_cutoff": D("0.5"), "threshold": D("0.5"), "person_months": 12}
    assert under.below_cutoff == ratio(D(5), D(12)) and "out_of_reach" not in codes(under)


def test_statistics_leave_out_person_months_without_a_completion():
    calls = [D("0.5"), D("1.5"), None, D(1), D("1.2"), None, D("0.9"), None, None]
    wb = graded({"calls": calls, "revenue": [D("0.9")] * 9}, {"calls": "0.3", "revenue": "0.7"}, 3)
    result = review(wb, "2026-Q4")
    k = kpi_of(result, "calls")
    assert (k.person_months, result.schemes[0].person_months) == (5, 9)
    assert k.mean == D("1.02") and k.median == 1 and k.on_plan == D("0.6") and k.below_cutoff == D("0.2")
    assert k.months == (1, D("1.1"), D("0.9"))


# --- over-paying ----------------------------------------------------------------------------------


def over_paying(a: str) -> object:
    """Two result KPIs of 50%, cut-off 50%: `a` completes at `a`, `b` at 60%; bonus target 1,000."""
    wb = graded({"a": [D(a)] * 3, "b": [D("0.6")] * 3}, {"a": "0.5", "b": "0.5"}, 1, cutoff="0.5")
    return kpi_of(review(wb, "2026-Q4"), "a")


def test_over_paying_needs_more_than_10_points_above_the_weight():
    exact = over_paying("0.9")  # 450 of 750 paid: 60% against a weight of 50%
    assert exact.paid_share == D("0.6") and "over_paying" not in codes(exact)
    above = over_paying("0.91")  # 455 of 755
    share = ratio(D(455), D(755))
    assert above.paid_share == share and "over_paying" in codes(above)
    assert flag(above, "over_paying").figures == {"paid_share": share, "weight": D("0.5"),
                                                  "excess": EXACT.subtract(share, D("0.5")), "threshold": D("0.1")}


def test_paid_share_is_none_when_the_scheme_paid_nothing():
    wb = graded({"calls": [D("0.5")] * 3, "revenue": [D("0.5")] * 3}, {"calls": "0.3", "revenue": "0.7"}, 1)
    assert kpi_of(review(wb, "2026-Q4"), "calls").paid_share is None


# --- beside the point -------------------------------------------------------------------------------


ZERO_RHO = [1, 3, 7, 9, 8, 6, 5, 4, 2]
"""Ranks whose Spearman correlation with 1…9 is exactly 0 (Σd² = 120 = n(n² − 1) / 6)."""


def besides(calls: list, revenue: list, people: int = 3):
    wb = graded({"calls": calls, "revenue": revenue}, {"calls": "0.3", "revenue": "0.7"}, people)
    return kpi_of(review(wb, "2026-Q4"), "calls")


def pct(values) -> list:
    return [None if v is None else D(80 + v) / 100 for v in values]


def test_beside_the_point_fires_on_a_negative_correlation_with_the_result_group():
    k = besides(pct(range(1, 10)), pct(range(9, 0, -1)))
    assert k.correlation == -1 and k.correlation_points == 9 and "beside_the_point" in codes(k)
    assert flag(k, "beside_the_point").figures == {"correlation": D(-1), "points": 9}


def test_beside_the_point_fires_on_no_correlation_and_not_on_a_positive_one():
    zero = besides(pct(range(1, 10)), pct(ZERO_RHO))
    assert zero.correlation == 0 and "beside_the_point" in codes(zero)
    positive = besides(pct(range(1, 10)), pct([2, 1, 3, 4, 5, 6, 7, 9, 8]))
    assert positive.correlation > 0 and "beside_the_point" not in codes(positive)


def test_beside_the_point_needs_eight_person_months_and_says_how_many_there_were():
    eight = besides(pct([1, 2, 3, 4, 5, 6, 7, 8, None]), pct([8, 7, 6, 5, 4, 3, 2, 1, 1]))
    assert eight.correlation_points == 8 and eight.correlation == -1 and "beside_the_point" in codes(eight)
    seven = besides(pct([1, 2, 3, 4, 5, 6, 7, None, None]), pct([7, 6, 5, 4, 3, 2, 1, 1, 1]))
    assert (seven.correlation, seven.correlation_points) == (None, 7) and "beside_the_point" not in codes(seven)


def test_the_minimum_of_points_is_a_setting():
    wb = graded({"calls": pct([1, 2, 3, 4, 5, 6, 7, None, None]), "revenue": pct([7, 6, 5, 4, 3, 2, 1, 1, 1])},
                {"calls": "0.3", "revenue": "0.7"}, 3, review_min_points=7)
    assert "beside_the_point" in codes(kpi_of(review(wb, "2026-Q4"), "calls"))
    assert review(wb, "2026-Q4", Thresholds(min_points=8)).thresholds.min_points == 8
    assert "beside_the_point" not in codes(kpi_of(review(wb, "2026-Q4", Thresholds(min_points=8)), "calls"))


def test_no_correlation_when_a_side_does_not_vary():
    k = besides(pct(range(1, 10)), pct([5] * 9))
    assert (k.correlation, k.correlation_points) == (None, 9) and "beside_the_point" not in codes(k)


def test_a_result_kpi_is_compared_with_the_other_result_kpis_and_never_flagged():
    wb = graded({"calls": pct(range(1, 10)), "revenue": pct(range(1, 10)), "margin": pct(range(9, 0, -1))},
                {"calls": "0.2", "revenue": "0.5", "margin": "0.3"}, 3)
    result = review(wb, "2026-Q4")
    revenue, margin = kpi_of(result, "revenue"), kpi_of(result, "margin")
    assert revenue.correlation == margin.correlation == -1 and revenue.correlation_points == 9
    assert "beside_the_point" not in codes(revenue) | codes(margin)
    alone = review(graded({"calls": pct(range(1, 10)), "revenue": pct(range(9, 0, -1))},
                          {"calls": "0.3", "revenue": "0.7"}, 3), "2026-Q4")
    assert (kpi_of(alone, "revenue").correlation, kpi_of(alone, "revenue").correlation_points) == (None, 0)


def test_the_result_group_completion_is_the_weight_weighted_mean_of_its_kpis():
    # calls follow 0.5 × revenue + 0.3 × margin over 0.8: the weighted mean, not the plain one
    revenue, margin = [1, 9, 2, 8, 3, 7, 4, 6, 5], [9, 1, 8, 2, 7, 3, 6, 4, 5]
    weighted = [(5 * r + 3 * m) for r, m in zip(revenue, margin)]
    plain = [r + m for r, m in zip(revenue, margin)]
    assert ranks([D(w) for w in weighted]) != ranks([D(p) for p in plain])
    wb = graded({"calls": [D(w) / 100 for w in weighted], "revenue": pct(revenue), "margin": pct(margin)},
                {"calls": "0.2", "revenue": "0.5", "margin": "0.3"}, 3)
    assert kpi_of(review(wb, "2026-Q4"), "calls").correlation == 1


def test_ranks_average_ties_and_spearman_is_pearson_on_them():
    assert ranks([D(5), D(7), D(5), D(1)]) == [D("2.5"), D(4), D("2.5"), D(1)]
    # ranks x 1, 2.5, 2.5, 4 and y 1, 3, 2, 4: 4.5 / √(4.5 × 5)
    r = spearman([D(1), D(2), D(2), D(3)], [D(1), D(3), D(2), D(4)])
    assert abs(r - D("0.9486832980505137995996680633298155601160")) < D("1e-38")
    assert spearman([D(1), D(2), D(3)], [D(30), D(20), D(10)]) == -1
    assert spearman([D(1), D(1), D(1)], [D(1), D(2), D(3)]) is None and spearman([D(1)], [D(1)]) is None


# --- gamed ------------------------------------------------------------------------------------------


def funnel(calls: list[int], meetings: list[int], months=MONTHS, weights: dict[str, str] | None = None) -> Workbook:
    """Two people with the same calls and meetings each month; by default calls 20%, call → meeting 20%,
    revenue 60%, with a calls plan of 1,000 and a conversion plan of 2%; revenue and margin at 95%."""
    weights = weights or {"calls": "0.2", "call_to_meeting": "0.2", "revenue": "0.6"}
    rows = {}
    for month, c, m in zip(months, calls, meetings):
        for who in ("E1", "E2"):
            rows[(month, who)] = ({"calls": 1000, "call_to_meeting": D("0.02"), "revenue": 100, "margin": 100},
                                  {"calls": c, "meetings": m, "revenue": 95, "margin": 95})
    return book([line(k, v) for k, v in weights.items()], rows)


def test_gamed_when_activity_rises_while_the_efficiency_it_divides_falls_across_the_quarter():
    calls = kpi_of(review(funnel([1000, 1100, 1200], [24, 22, 20]), "2026-Q4"), "calls")
    assert calls.inflates == "call_to_meeting" and "gamed" in codes(calls)
    assert flag(calls, "gamed").figures == {
        "basis": "months", "efficiency": "call_to_meeting", "from": "2026-10", "to": "2026-12",
        "activity_from": 2000, "activity_to": 2400, "efficiency_from": D("0.024"),
        "efficiency_to": ratio(D(40), D(2400))}


@pytest.mark.parametrize("calls, meetings", [
    ([1000, 1100, 1200], [20, 24, 26]),  # efficiency rose too
    ([1000, 1100, 1000], [24, 22, 20]),  # activity back where it started
    ([1200, 1100, 1000], [24, 22, 20]),  # activity fell
    ([1000, 1100, 1200], [20, 22, 24]),  # efficiency held exactly
])
def test_not_gamed_unless_activity_strictly_rose_and_efficiency_strictly_fell(calls, meetings):
    assert "gamed" not in codes(kpi_of(review(funnel(calls, meetings), "2026-Q4"), "calls"))


def test_gamed_against_the_previous_quarter_when_it_is_loaded():
    wb = funnel([900] * 3 + [1000] * 3, [27] * 3 + [20] * 3, months=(*BEFORE, *MONTHS))
    calls = kpi_of(review(wb, "2026-Q4"), "calls")
    assert [f.figures["basis"] for f in calls.flags if f.code == "gamed"] == ["previous_quarter"]
    assert flag(calls, "gamed").figures == {
        "basis": "previous_quarter", "efficiency": "call_to_meeting", "from": "2026-Q3", "to": "2026-Q4",
        "activity_from": 1800, "activity_to": 2000, "efficiency_from": D("0.03"), "efficiency_to": D("0.02")}
    wb.loaded = frozenset(MONTHS)  # the previous quarter not read: nothing to compare with
    result = review(wb, "2026-Q4")
    assert result.previous_months == () and "gamed" not in codes(kpi_of(result, "calls"))


def test_gamed_on_both_bases_gives_a_flag_for_each():
    wb = funnel([900] * 3 + [1000, 1100, 1200], [27] * 3 + [24, 22, 20], months=(*BEFORE, *MONTHS))
    calls = kpi_of(review(wb, "2026-Q4"), "calls")
    assert [f.figures["basis"] for f in calls.flags if f.code == "gamed"] == ["months", "previous_quarter"]


def test_the_efficiency_kpi_need_not_be_in_the_scheme_and_then_the_heaviest_result_receives():
    wb = funnel([1000, 1100, 1200], [24, 22, 20], weights={"calls": "0.2", "revenue": "0.5", "margin": "0.3"})
    result = review(wb, "2026-Q4")
    calls = kpi_of(result, "calls")
    assert calls.inflates == "call_to_meeting" and "gamed" in codes(calls)
    assert [kpi_of(result, k).suggested_weight for k in ("calls", "revenue", "margin")] == [
        D("0.15"), D("0.55"), D("0.3")]


def test_a_lower_is_better_efficiency_gets_worse_as_it_rises():
    def cost(spent: list[int]) -> object:
        rows = {(month, "E1"): ({"calls": 1000, "cost_per_call": 50, "revenue": 100},
                                {"calls": c, "cost": s, "revenue": 100})
                for month, c, s in zip(MONTHS, [1000, 1100, 1200], spent)}
        wb = book([line("calls", "0.2"), line("cost_per_call", "0.2"), line("revenue", "0.6")], rows)
        return kpi_of(review(wb, "2026-Q4"), "calls")
    rising = cost([50000, 60000, 72000])  # 50 → 60 a call: worse while calls grow
    assert rising.inflates == "cost_per_call"  # the scheme's own, before call_to_meeting on the KPIs sheet
    assert flag(rising, "gamed").figures["efficiency_from"] == 50 and flag(rising, "gamed").figures["efficiency_to"] == 60
    assert "gamed" not in codes(cost([50000, 52800, 55200]))  # 50 → 46 a call: better


# --- scheme design ------------------------------------------------------------------------------------


def designed(lines: list[SchemeLine]) -> list[dict]:
    kpis = {line.kpi: Kpi(line.kpi, line.kpi, "result" if line.kpi.startswith("r") else "activity"
                          if line.kpi.startswith("a") else "efficiency") for line in lines}
    rows = {(m, "E1"): ({line.kpi: 100 for line in lines}, {line.kpi: 95 for line in lines}) for m in MONTHS}
    return [f.figures for f in review(book(lines, rows, kpis), "2026-Q4").schemes[0].flags]


def test_more_than_seven_kpis_is_a_design_flag_and_seven_is_not():
    seven = [line("r1", "0.55"), *(line(f"e{i}", "0.075") for i in range(6))]
    assert designed(seven) == []
    eight = [line("r1", "0.51"), *(line(f"e{i}", "0.07") for i in range(5)), line("a1", "0.07"), line("a2", "0.07")]
    assert designed(eight) == [{"problem": "too_many_kpis", "kpis": 8, "limit": 7}]


def test_no_group_may_weigh_more_than_the_result_group():
    assert designed([line("r1", "0.4"), line("e1", "0.4"), line("a1", "0.2")]) == []  # the method's 40/40/20
    assert designed([line("r1", "0.35"), line("e1", "0.45"), line("a1", "0.2")]) == [
        {"problem": "result_not_heaviest", "result": D("0.35"), "efficiency": D("0.45"), "activity": D("0.2")}]
    assert designed([line("r1", "0.3"), line("e1", "0.2"), line("a1", "0.5")])[0]["problem"] == "result_not_heaviest"
    assert designed([line("r1", "0.45"), line("e1", "0.3"), line("a1", "0.25")]) == []


@pytest.mark.parametrize("team, flagged", [("0.05", True), ("0.1", False), ("0.15", False), ("0.2", False),
                                           ("0.25", True)])
def test_a_team_share_outside_10_to_20_percent_is_a_design_flag(team, flagged):
    found = designed([line("r1", str(D("0.7") - D(team))), line("r2", team, scope="team"), line("e1", "0.3")])
    expected = [{"problem": "team_share", "team": D(team), "low": D("0.10"), "high": D("0.20")}]
    assert found == (expected if flagged else [])


def test_a_scheme_all_of_team_scope_is_a_heads_and_exempt_from_the_team_share():
    assert designed([line("r1", "0.7", scope="team"), line("e1", "0.3", scope="team")]) == []


def test_the_sample_schemes_are_well_designed(write):
    """The hunter scheme is the method's 40 / 40 / 20: result and efficiency tie, which passes."""
    result = review(kpi_reports.load(write(example_data("en", months=MONTHS))), "2026-Q4")
    flags = {s.scheme: [f.figures["problem"] for f in s.flags] for s in result.schemes}
    assert flags == {"hunter": [], "farmer": [], "head": []}


# --- suggested weights ----------------------------------------------------------------------------------


def w(*values: str) -> list[D]:
    return [D(v) for v in values]


def test_weights_on_5_percent_steps_within_bounds_stay_when_nothing_is_flagged():
    assert suggest_weights(w("0.4", "0.2", "0.2", "0.2"), ["result", "efficiency", "efficiency", "activity"], {}) == (
        tuple(w("0.4", "0.2", "0.2", "0.2")), ())


def test_weights_are_apportioned_to_5_percent_steps_by_largest_remainder_and_clamped():
    assert suggest_weights(w("0.33", "0.33", "0.34"), ["result"] * 3, {})[0] == tuple(w("0.35", "0.3", "0.35"))
    assert suggest_weights(w("0.01", "0.99"), ["activity", "result"], {})[0] == tuple(w("0.4", "0.6"))
    assert suggest_weights(w("0.7", "0.1", "0.1", "0.1"), ["result"] * 4, {})[0] == tuple(w("0.6", "0.15", "0.15",
                                                                                           "0.1"))


def test_a_too_easy_kpi_gives_5_points_to_the_efficiency_it_inflates_else_to_the_heaviest_result():
    groups = ["result", "result", "efficiency", "activity"]
    assert suggest_weights(w("0.3", "0.4", "0.1", "0.2"), groups, {3: 2}) == (tuple(w("0.3", "0.4", "0.15", "0.15")),
                                                                           ((3, 2),))
    assert suggest_weights(w("0.3", "0.4", "0.1", "0.2"), groups, {3: None}) == (
        tuple(w("0.3", "0.45", "0.1", "0.15")), ((3, 1),))


def test_a_full_receiver_is_skipped_for_the_next_result_and_a_donor_at_5_percent_gives_nothing():
    groups = ["result", "result", "activity", "activity"]
    assert suggest_weights(w("0.6", "0.3", "0.05", "0.05"), groups, {2: None, 3: None})[0] == tuple(
        w("0.6", "0.3", "0.05", "0.05"))
    assert suggest_weights(w("0.6", "0.2", "0.1", "0.1"), groups, {2: None}) == (
        tuple(w("0.6", "0.25", "0.05", "0.1")), ((2, 1),))
    assert suggest_weights(w("0.6", "0.4"), ["result", "activity"], {1: None}) == (tuple(w("0.6", "0.4")), ())


def test_donors_never_receive_in_the_same_pass():
    # calls would give to call_to_meeting, but that one is too easy itself: revenue receives both units
    assert suggest_weights(w("0.4", "0.3", "0.3"), ["result", "efficiency", "activity"], {1: None, 2: 1}) == (
        tuple(w("0.5", "0.25", "0.25")), ((1, 0), (2, 0)))


def test_a_scheme_of_one_or_more_than_20_kpis_keeps_its_weights():
    assert suggest_weights(w("1"), ["result"], {0: None}) == ((D(1),), ())
    many = [D(1) / 25] * 25
    assert suggest_weights(many, ["result"] * 25, {0: None}) == (tuple(many), ())


@st.composite
def schemes(draw):
    n = draw(st.integers(min_value=2, max_value=20))
    parts = draw(st.lists(st.integers(min_value=1, max_value=1000), min_size=n, max_size=n))
    total = sum(parts)
    weights = [D(p) / D(total) for p in parts[:-1]]
    weights.append(D(1) - sum(weights))
    groups = draw(st.lists(st.sampled_from(["activity", "efficiency", "result"]), min_size=n, max_size=n))
    flagged = draw(st.lists(st.integers(min_value=0, max_value=n - 1), unique=True, max_size=n))
    donors = {i: draw(st.none() | st.integers(min_value=0, max_value=n - 1)) for i in flagged}
    return weights, groups, donors


@settings(max_examples=400, deadline=None)
@given(scheme=schemes())
def test_suggested_weights_are_5_percent_steps_from_5_to_60_percent_adding_up_to_exactly_100(scheme):
    weights, groups, donors = scheme
    suggested, moves = suggest_weights(weights, groups, donors)
    assert sum(suggested) == 1 and len(suggested) == len(weights)
    assert all(D("0.05") <= x <= D("0.6") and x % D("0.05") == 0 for x in suggested)
    assert all(d in donors and r not in donors and d != r for d, r in moves)
    assert len({d for d, _ in moves}) == len(moves)  # one unit per flagged KPI at most
    assert suggest_weights(weights, groups, donors) == (suggested, moves)  # deterministic


# --- funds --------------------------------------------------------------------------------------------


def test_the_current_fund_is_the_sum_of_the_months_bonuses_to_the_kopeck(write):
    wb = kpi_reports.load(write(example_data("en", months=(*BEFORE, *MONTHS))))
    result = review(wb, "2026-Q4")
    months = [compute(wb, m) for m in MONTHS]
    assert result.fund.current == sum(r.totals.bonus for r in months)
    for person in result.people:
        assert person.fund.current == sum(next(e.bonus for e in r.employees if e.employee.employee_id
                                               == person.employee_id) for r in months)
    assert sum(s.fund.current for s in result.schemes) == result.fund.current
    assert (result.currency, result.test_mode, result.previous_months) == ("RUB", False, BEFORE)


def test_the_suggested_fund_is_the_engine_run_again_with_the_suggested_weights():
    wb = funnel([1000, 1100, 1200], [24, 22, 20])
    for e in list(wb.employees.values()):
        wb.employees[e.employee_id] = replace(e, bonus_target=D("33333.33"))
    result = review(wb, "2026-Q4")
    suggested = {k.kpi: k.suggested_weight for k in result.schemes[0].kpis}
    assert suggested != {k.kpi: k.weight for k in result.schemes[0].kpis}
    again = replace(wb, schemes={"s": [replace(x, weight=suggested[wb.kpis[x.kpi].kpi]) for x in wb.schemes["s"]]})
    months = [compute(again, m) for m in MONTHS]
    assert result.fund.suggested == sum(r.totals.bonus for r in months) != result.fund.current
    for person in result.people:
        assert person.fund.suggested == sum(e.bonus for r in months for e in r.employees
                                            if e.employee.employee_id == person.employee_id)
    assert result.fund.difference == result.fund.suggested - result.fund.current
    assert wb.schemes["s"][0].weight == D("0.2")  # the caller's workbook is left as it was


def test_person_month_lines_hold_the_payouts_at_full_weight_and_at_both_weights():
    wb = funnel([1000, 1100, 1200], [24, 22, 20])
    result = review(wb, "2026-Q4")
    (scheme,) = result.schemes
    assert [(pm.period, pm.employee_id) for pm in scheme.lines] == [(m, e) for m in MONTHS for e in ("E1", "E2")]
    weights = {k.kpi: (k.weight, k.suggested_weight) for k in scheme.kpis}
    for pm in scheme.lines:
        for kpi, full in pm.at_full_weight.items():
            assert money(EXACT.multiply(full, weights[kpi][0])) == pm.current[kpi]
            assert money(EXACT.multiply(full, weights[kpi][1])) == pm.suggested[kpi]
    assert sum(sum(pm.suggested.values()) for pm in scheme.lines) == scheme.fund.suggested


# --- the previous quarter, settings, quarters -----------------------------------------------------------


def test_the_change_against_the_previous_quarter_is_the_mean_minus_its_mean():
    result = review(calm(), "2026-Q4")
    calls = kpi_of(result, "calls")
    assert result.previous_months == BEFORE
    assert calls.mean == D("0.985") and calls.previous == D("0.955") and calls.change == D("0.03")
    assert calls.months == (D("0.975"), D("0.985"), D("0.995"))
    alone = review(calm(previous=False), "2026-Q4")
    assert alone.previous_months == () and (kpi_of(alone, "calls").previous, kpi_of(alone, "calls").change) == (None, None)


def test_previous_months_without_facts_are_not_used():
    wb = calm()
    wb.facts = {key: r for key, r in wb.facts.items() if key[0] != "2026-07"}
    assert review(wb, "2026-Q4").previous_months == ("2026-08", "2026-09")


def test_test_mode_and_currency_come_from_settings():
    wb = calm()
    wb.settings = replace(wb.settings, test_mode=True, currency="KZT")
    result = review(wb, "2026-Q4")
    assert (result.test_mode, result.currency) == (True, "KZT")


def test_quarters_and_their_months():
    assert quarter_label("2026q4") == quarter_label(" 2026-Q4 ") == "2026-Q4"
    assert quarter_months("2026-Q1") == ("2026-01", "2026-02", "2026-03")
    assert previous_quarter("2026-Q1") == "2025-Q4" and previous_quarter("2026-Q3") == "2026-Q2"
    with pytest.raises(ValueError):
        quarter_label("2026-Q5")


def test_schemes_nobody_is_on_are_not_reviewed():
    wb = calm()
    wb.schemes["spare"] = [line("revenue", "1", scheme="spare")]
    assert [s.scheme for s in review(wb, "2026-Q4").schemes] == ["s"]


def test_each_month_is_computed_once_and_again_only_when_a_weight_changes(monkeypatch):
    """The quarter's months, the previous quarter's as completions only, and the what-if when it differs."""
    import kpi_reports.engine.review as module
    calls = []
    real = module.compute
    monkeypatch.setattr(module, "compute", lambda wb, m, **kw: calls.append(m) or real(wb, m, **kw))
    module.review(funnel([1000, 1100, 1200], [24, 22, 20]), "2026-Q4")
    assert calls == [*MONTHS, *MONTHS]
    calls.clear()
    module.review(calm(), "2026-Q4")
    assert calls == list(MONTHS)
