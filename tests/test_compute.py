"""A period's figures from a whole workbook: the worked case, overrides, teams, the head of sales."""
from decimal import Context, localcontext
from decimal import Decimal as D

import pytest

import kpi_reports
from kpi_reports.render.json import result_dict

from conftest import SAMPLES, put


def exact(a, b):
    """a / b to the engine's 40 significant digits."""
    with localcontext(Context(prec=40)):
        return a / b


def person(result, employee_id):
    return next(r for r in result.employees if r.employee.employee_id == employee_id)


def kpi(r, kpi_id):
    return next(k for k in r.kpis if k.kpi == kpi_id)


@pytest.mark.parametrize("sample", ["sales_team.xlsx", "sales_team_ru.xlsx"])
def test_ivanov_worked_case_to_the_kopeck(sample):
    result = kpi_reports.compute(kpi_reports.load(SAMPLES / sample), "2026-10")
    ivanov = person(result, "E001")
    assert [(k.completion, k.factor, k.payout) for k in ivanov.kpis] == [
        (D("1.1"), D("1.32"), D("26400.00")),
        (D("0.95"), D("0.95"), D("9500.00")),
        (D("1.05"), D("1.26"), D("12600.00")),
        (D("0.95"), D("0.95"), D("9500.00")),
    ]
    assert (ivanov.salary, ivanov.bonus, ivanov.commission.amount, ivanov.total) == (
        D("60000.00"), D("58000.00"), D("1800.00"), D("119800.00"))
    assert (ivanov.commission.base, ivanov.commission.margin_share) == (D(300000), D("0.3"))


def test_russian_and_english_workbooks_give_identical_results():
    def figures(sample):
        data = result_dict(kpi_reports.compute(kpi_reports.load(SAMPLES / sample), "2026-10"))
        return [(e["employee_id"], e["salary"], e["bonus"], e["commission"], e["total"],
                 [(k["plan"], k["fact"], k["completion"], k["factor"], k["payout"], k["rule"]) for k in e["kpis"]])
                for e in data["employees"]], data["totals"], len(data["warnings"])
    assert figures("sales_team.xlsx") == figures("sales_team_ru.xlsx")


def test_totals_are_sums_of_rounded_lines():
    result = kpi_reports.compute(kpi_reports.load(SAMPLES / "sales_team.xlsx"), "2026-10")
    for r in result.employees:
        assert r.bonus == sum(k.payout for k in r.kpis)
        assert r.total == r.salary + r.bonus + r.commission.amount
    for team in result.teams:
        members = [r for r in result.employees if r.employee.team == team.team]
        assert team.totals.total == sum(r.total for r in members)
    assert result.totals.total == sum(t.totals.total for t in result.teams)
    assert result.totals.bonus == sum(r.bonus for r in result.employees)


def test_filled_kpi_column_overrides_the_formula(example, write):
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    assert kpi(person(result, "E001"), "avg_check").fact == D(142500)  # the CRM's figure, not 3,300,000 / 16
    put(example, "Facts", "avg_check", None, employee_id="E001", period="2026-10")
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    assert kpi(person(result, "E001"), "avg_check").fact == exact(D(3300000), D(16)) == D(206250)


def test_without_formula_the_fact_is_the_column_of_the_same_name(example, write):
    put(example, "Facts", "calls", 812, employee_id="E002", period="2026-10")
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    assert kpi(person(result, "E002"), "calls").fact == D(812)


def test_zero_denominator_gives_no_fact_no_payout_and_a_warning(example, write):
    cell = put(example, "Facts", "calls", 0, employee_id="E002", period="2026-10")
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    k = kpi(person(result, "E002"), "call_to_meeting")
    assert (k.fact, k.completion, k.factor, k.payout, k.rule) == (None, None, 0, D("0.00"), "no_fact")
    assert any(w.sheet == "Facts" and w.cell == cell and "calls is 0" in w.text() for w in result.warnings)
    data = result_dict(result)["employees"][1]["kpis"]
    assert next(k for k in data if k["kpi"] == "call_to_meeting")["fact"] is None


def test_empty_plan_pays_nothing_and_is_listed(example, write):
    cell = put(example, "Plans", "calls", None, employee_id="E002", period="2026-10")
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    k = kpi(person(result, "E002"), "calls")
    assert (k.plan, k.completion, k.payout, k.rule) == (None, None, D("0.00"), "no_plan")
    assert any(w.cell == cell and w.sheet == "Plans" and "no plan" in w.text() for w in result.warnings)


def test_missing_facts_row_counts_as_zero_with_a_warning(example, write):
    facts = example.sheets["Facts"]
    facts.rows = [r for r in facts.rows if not (r[1] == "E002" and str(r[0]).startswith("2026-10"))]
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    petrov = person(result, "E002")
    assert kpi(petrov, "calls").fact == 0 and kpi(petrov, "revenue").fact == 0 and petrov.bonus == 0
    assert any("no Facts row for E002" in w.text() for w in result.warnings)


def test_lower_is_better_completion_and_cap(example, write):
    put(example, "Facts", "cycle_days", 50, employee_id="E005", period="2026-10")
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    k = kpi(person(result, "E005"), "cycle_days")  # plan 60 days, fact 50: 120% × 1.1 (cap 130%)
    assert (k.completion, k.factor, k.payout) == (D("1.2"), D("1.32"), D("8910.00"))  # 45,000 × 15% × 1.32
    put(example, "Facts", "cycle_days", 0, employee_id="E005", period="2026-10")
    k = kpi(person(kpi_reports.compute(kpi_reports.load(write(example)), "2026-10"), "E005"), "cycle_days")
    assert (k.completion, k.factor, k.rule) == (D("1.3"), D("1.43"), "capped")


def sums(example, column, ids, period="2026-10", sheet="Facts"):
    table = example.sheets[sheet]
    col, total = table.columns.index(column), D(0)
    for row in table.rows:
        if row[1] in ids and str(row[0]).startswith(period) and row[col] is not None:
            total += D(str(row[col]))
    return total


def test_team_kpi_uses_the_team_aggregate_and_summed_plans(example, write):
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    farmers = ["E005", "E006", "E007", "E008"]
    fact, plan = sums(example, "margin", farmers), sums(example, "margin", farmers, sheet="Plans")
    for employee_id in farmers:
        k = kpi(person(result, employee_id), "margin")
        assert (k.scope, k.fact, k.plan, k.completion) == ("team", fact, plan, exact(fact, plan))


def test_team_plans_cell_takes_precedence_over_summed_plans(example, write):
    example.sheets["TeamPlans"].rows.append(["2026-10", "Farmers", None, None])
    put(example, "TeamPlans", "margin", 5000000, team="Farmers")
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    assert kpi(person(result, "E006"), "margin").plan == D(5000000)


def test_head_of_sales_is_paid_on_department_totals(example, write):
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    head = person(result, "H001")
    managers = [f"E00{i}" for i in range(1, 9)]
    revenue = kpi(head, "revenue")
    assert revenue.fact == sums(example, "revenue", managers)
    assert revenue.plan == sums(example, "revenue", managers, sheet="Plans")
    conversion = kpi(head, "call_to_meeting")  # raw metrics summed: Ivanov's override is his alone
    assert conversion.fact == exact(sums(example, "meetings", managers), sums(example, "calls", managers))
    assert conversion.plan == D("0.02")  # TeamPlans: a ratio cannot be summed
    assert head.bonus == sum(k.payout for k in head.kpis) and head.bonus > 0
    assert not any("H001" in w.text() for w in result.warnings)


def test_commission_margin_share_falls_back_from_facts_to_employee_to_settings(example, write):
    def commission(data):
        return person(kpi_reports.compute(kpi_reports.load(write(data)), "2026-10"), "E001").commission
    assert (commission(example).margin_source, commission(example).amount) == ("facts", D("1800.00"))
    put(example, "Facts", "margin", None, employee_id="E001", period="2026-10")
    assert (commission(example).margin_source, commission(example).amount) == ("employee", D("1800.00"))
    put(example, "Employees", "margin_rate", None, employee_id="E001")
    example.sheets["Settings"].rows.append(["margin_rate", "25%"])
    assert (commission(example).margin_source, commission(example).amount) == ("settings", D("1500.00"))
    example.sheets["Settings"].rows.pop()
    result = kpi_reports.compute(kpi_reports.load(write(example)), "2026-10")
    assert person(result, "E001").commission.amount == 0
    assert any("no margin share for E001" in w.text() for w in result.warnings)


def test_commission_is_zero_below_plan(example, write):
    put(example, "Facts", "revenue", 2900000, employee_id="E001", period="2026-10")
    c = person(kpi_reports.compute(kpi_reports.load(write(example)), "2026-10"), "E001").commission
    assert (c.base, c.amount) == (0, D("0.00"))


def test_unknown_period_is_a_usage_error():
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    with pytest.raises(kpi_reports.UsageError, match="periods in the workbook: 2026-07"):
        kpi_reports.compute(wb, "2025-01")
    with pytest.raises(kpi_reports.UsageError, match="expected a period"):
        kpi_reports.compute(wb, "October")
