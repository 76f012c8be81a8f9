"""Properties that hold for any plan and fact: payout never falls as a higher-is-better fact grows,
and the bonus is the sum of the payouts."""
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_reports.engine.compute import compute
from kpi_reports.model import Employee, Kpi, Record, SchemeLine, Workbook

amounts = st.decimals(min_value=D("0.01"), max_value=D(10000000), places=2)
rates = st.decimals(min_value=D("0.5"), max_value=D(1), places=2)


def workbook(lines: list[SchemeLine], plans: dict, facts: dict, bonus_target: D) -> Workbook:
    kpis = {line.kpi: Kpi(line.kpi, line.kpi, "result") for line in lines}
    employee = Employee("E1", "A", "T", "s", D(1000), bonus_target)
    return Workbook(
        employees={"E1": employee}, kpis=kpis, schemes={"s": lines},
        plans={("2026-10", "E1"): Record("2026-10", "E1", plans)},
        team_plans={}, facts={("2026-10", "E1"): Record("2026-10", "E1", facts)}, fact_columns={},
    )


def payout(plan, fact, target, cutoff, accelerator, cap):
    line = SchemeLine("s", "k", D(1), cutoff, accelerator, cap)
    return compute(workbook([line], {"k": plan}, {"k": fact}, target), "2026-10").employees[0].bonus


@settings(max_examples=300, deadline=None)
@given(plan=amounts, fact=st.decimals(min_value=0, max_value=D(30000000), places=2), more=amounts,
       target=amounts, cutoff=rates, accelerator=st.decimals(min_value=1, max_value=3, places=2),
       cap=st.none() | st.decimals(min_value=1, max_value=5, places=2))
def test_payout_never_decreases_as_a_higher_is_better_fact_grows(plan, fact, more, target, cutoff, accelerator, cap):
    assert payout(plan, fact + more, target, cutoff, accelerator, cap) >= payout(plan, fact, target, cutoff,
                                                                                 accelerator, cap)


weights = st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=7)


@settings(max_examples=200, deadline=None)
@given(parts=weights, data=st.data(), target=amounts)
def test_bonus_is_the_sum_of_payouts_and_total_the_sum_of_lines(parts, data, target):
    total = sum(parts)
    lines = [SchemeLine("s", f"k{i}", D(p) / D(total)) for i, p in enumerate(parts)]
    plans = {line.kpi: data.draw(st.decimals(min_value=D(1), max_value=D(10000000), places=2)) for line in lines}  # a plan of 1 or more: fact ÷ plan × bonus stays below what money holds (1e15)
    facts = {line.kpi: data.draw(st.decimals(min_value=0, max_value=D(20000000), places=2)) for line in lines}
    result = compute(workbook(lines, plans, facts, target), "2026-10").employees[0]
    assert result.bonus == sum(k.payout for k in result.kpis)
    assert all(k.payout == k.payout.quantize(D("0.01")) for k in result.kpis)
    assert result.total == result.salary + result.bonus + result.commission.amount
