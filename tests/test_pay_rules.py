"""The rules of pay on plain values: cut-off, proportional band, accelerator, cap, rounding."""
from decimal import Decimal as D
from decimal import localcontext

import pytest

from kpi_reports.engine import pay
from kpi_reports.model import SchemeLine


def line(cap=None, cutoff="0.8", accelerator="1.2") -> SchemeLine:
    return SchemeLine("s", "k", D("0.4"), D(cutoff), D(accelerator), None if cap is None else D(cap))


@pytest.mark.parametrize("c, factor, status", [
    ("0.7999", "0", "below_cutoff"),
    ("0.79999999", "0", "below_cutoff"),
    ("0.8", "0.8", "proportional"),
    ("0.95", "0.95", "proportional"),
    ("1", "1", "proportional"),
    ("1.0001", "1.20012", "accelerated"),
    ("1.1", "1.32", "accelerated"),
])
def test_factor_at_each_boundary(c, factor, status):
    assert pay.factor(D(c), line()) == (D(factor), status)


def test_cap_limits_completion_before_the_accelerator():
    assert pay.factor(D("1.5"), line(cap="1.5")) == (D("1.80"), "accelerated")
    assert pay.factor(D("1.51"), line(cap="1.5")) == (D("1.80"), "capped")
    assert pay.factor(D(3), line(cap="1.5")) == (D("1.80"), "capped")


def test_without_cap_the_accelerator_has_no_limit():
    assert pay.factor(D(3), line()) == (D("3.6"), "accelerated")


def test_payout_at_79_99_percent_is_zero_and_at_80_is_proportional():
    assert pay.payout(D(50000), D("0.4"), pay.factor(D("0.7999"), line())[0]) == D("0.00")
    assert pay.payout(D(50000), D("0.4"), pay.factor(D("0.8"), line())[0]) == D("16000.00")
    assert pay.payout(D(50000), D("0.4"), pay.factor(D(1), line())[0]) == D("20000.00")
    assert pay.payout(D(50000), D("0.4"), pay.factor(D("1.0001"), line())[0]) == D("24002.40")


def test_payout_rounds_half_up_to_kopecks():
    assert pay.payout(D("0.125"), D(1), D(1)) == D("0.13")
    assert pay.payout(D("0.135"), D(1), D(1)) == D("0.14")  # banker's rounding would give 0.14 too
    assert pay.payout(D("0.145"), D(1), D(1)) == D("0.15")  # …and 0.14 here
    assert pay.money(D("-0.005")) == D("-0.01")


def test_completion_is_exact_not_rounded():
    assert pay.completion(D("0.02"), D("0.021"), lower_is_better=False) == D("1.05")
    third = pay.completion(D(3), D(1), lower_is_better=False)
    assert str(third) == "0." + "3" * 40


def test_lower_is_better_completion_is_plan_over_fact():
    assert pay.completion(D(60), D(50), lower_is_better=True) == D("1.2")
    assert pay.completion(D(60), D(75), lower_is_better=True) == D("0.8")


def test_commission_is_on_fact_above_plan_only():
    assert pay.commission(D("0.02"), D(3000000), D(3300000), D("0.3")) == (D(300000), D("1800.00"))
    assert pay.commission(D("0.02"), D(3000000), D(2900000), D("0.3")) == (D(0), D("0.00"))
    assert pay.commission(D("0.02"), None, D(2900000), D("0.3")) == (D(0), D("0.00"))


def test_json_keeps_every_digit_of_an_exact_ratio():
    from kpi_reports.render.json import number
    assert number(pay.ratio(D(20), D(950))) == "0.02105263157894736842105263157894736842105"
    assert number(D("3000000.0")) == "3000000" and number(D("1.10")) == "1.1" and number(D("-0")) == "0"


def test_a_half_kopeck_reached_through_a_repeating_fraction_rounds_up():
    fact = pay.ratio(D(4604000), D(24))  # an average check: 191,833.333…
    c = pay.completion(D(200000), fact, lower_is_better=False)  # 0.95916666…
    with localcontext(pay.EXACT):
        assert D(45000) * D("0.15") * c == D("6474.374999999999999999999999999999999999")  # 40 digits…
    assert pay.payout(D(45000), D("0.15"), c) == D("6474.38")  # …yet exactly 6,474.375, half-up
