"""Terms that change from a month on: each month is computed by the Employees row and the Schemes version in
force then; a short month prorates the salary; a pilot's live and test-mode pay are apart; and every problem
of the dates is reported at once, naming its cell.

The workbook is the second sample's content (`workbook.example_changes`), edited per test: a raise for E002
from 2026-11, E004 leaving after 2026-09, E009 joining from 2026-10 with 15 of 22 working days, E001 and
E005 live among test-mode people, the farmers' weights changed from 2026-10."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

import kpi_reports
from kpi_reports.workbook.cells import a1
from kpi_reports.workbook.example_changes import changes_data
from kpi_reports.workbook.template import HEADER_ROW, write_workbook

FIRST = HEADER_ROW + 1
"""The zero-based row of the first data row."""


@pytest.fixture
def data():
    return changes_data("en")


def save(data, tmp_path, name="team.xlsx"):
    path = tmp_path / name
    write_workbook(path, data, "en")
    return path


def cell(data, sheet: str, row: int, column: str) -> str:
    """The A1 cell of data row `row` (zero-based in the sheet's rows) and the named column."""
    return a1(FIRST + row, data.sheets[sheet].columns.index(column))


def person(result, emp_id: str):
    return next((r for r in result.employees if r.employee.employee_id == emp_id), None)


def row_of(data, sheet: str, first: str, **match) -> int:
    rows, columns = data.sheets[sheet].rows, data.sheets[sheet].columns
    return next(i for i, r in enumerate(rows)
                if r[0] == first and all(r[columns.index(k)] == v for k, v in match.items()))


def test_a_workbook_without_dates_is_its_own_terms_in_every_month():
    wb = kpi_reports.load(kpi_reports.pipeline.Path("samples/sales_team.xlsx"))
    assert wb.terms == {} and wb.versions == {}
    assert wb.in_force("2026-10") is wb
    assert person(kpi_reports.compute(wb, "2026-10"), "E001").total == Decimal("119800.00")


def test_a_raise_pays_from_its_month_and_the_months_before_keep_the_old_salary(data, tmp_path):
    wb = kpi_reports.load(save(data, tmp_path))
    assert person(kpi_reports.compute(wb, "2026-10"), "E002").salary == Decimal("60000.00")
    assert person(kpi_reports.compute(wb, "2026-11"), "E002").salary == Decimal("66000.00")
    assert wb.employees["E002"].salary == 66000  # the latest terms


def test_a_leaver_is_computed_up_to_their_last_month_and_a_joiner_from_their_first(data, tmp_path):
    wb = kpi_reports.load(save(data, tmp_path))
    september, october = kpi_reports.compute(wb, "2026-09"), kpi_reports.compute(wb, "2026-10")
    assert person(september, "E004") is not None and person(october, "E004") is None
    assert person(september, "E009") is None and person(october, "E009") is not None
    farmers = next(t for t in october.teams if t.team == "Farmers")
    assert farmers.totals == kpi_reports.model.Totals.of([r for r in october.employees if r.employee.team == "Farmers"])


def test_worked_days_prorate_the_salary_by_the_working_days_of_the_month(data, tmp_path):
    joiner = person(kpi_reports.compute(kpi_reports.load(save(data, tmp_path)), "2026-10"), "E009")
    assert joiner.proration.worked_days == 15 and joiner.proration.working_days == 22  # October 2026, RU
    assert joiner.salary == Decimal("40909.09")  # 60,000 × 15 / 22 = 40,909.0909…, half-up to kopecks
    assert joiner.proration.bonus_target == Decimal(45000) and not joiner.proration.bonus_prorated
    assert joiner.total == joiner.salary + joiner.bonus + joiner.commission.amount


def test_prorate_bonus_pays_the_kpis_on_the_prorated_target(data, tmp_path):
    plain = person(kpi_reports.compute(kpi_reports.load(save(data, tmp_path, "a.xlsx")), "2026-10"), "E009")
    data.sheets["Settings"].rows.append(["prorate_bonus", "yes"])
    prorated = person(kpi_reports.compute(kpi_reports.load(save(data, tmp_path, "b.xlsx")), "2026-10"), "E009")
    target = Decimal("30681.82")  # 45,000 × 15 / 22 = 30,681.818…
    assert prorated.bonus_target == target and prorated.proration.bonus_prorated
    for a, b in zip(plain.kpis, prorated.kpis):
        assert b.factor == a.factor
        assert b.payout == kpi_reports.engine.pay.payout(target, b.weight, b.factor)
    assert prorated.bonus == sum((k.payout for k in prorated.kpis), Decimal("0.00")) < plain.bonus


def test_a_full_month_has_no_proration(data, tmp_path):
    wb = kpi_reports.load(save(data, tmp_path))
    assert person(kpi_reports.compute(wb, "2026-11"), "E009").proration is None
    assert person(kpi_reports.compute(wb, "2026-11"), "E009").salary == Decimal("60000.00")


def test_a_pilot_gives_the_live_pay_and_the_test_mode_pay_apart(data, tmp_path):
    result = kpi_reports.compute(kpi_reports.load(save(data, tmp_path)), "2026-10")
    live = {r.employee.employee_id for r in result.employees if not r.test_mode}
    assert live == {"E001", "E005"}
    assert result.live.total == person(result, "E001").total + person(result, "E005").total
    assert result.live.total + result.test.total == result.totals.total
    for team in result.teams:
        members = [r for r in result.employees if r.employee.team == team.team]
        assert team.test.total == sum((r.total for r in members if r.test_mode), Decimal("0.00"))
    assert person(result, "E001").total == Decimal("119800.00")  # the method's worked case, paid live
    report = kpi_reports.api.period_report(kpi_reports.load(save(data, tmp_path, "b.xlsx")), "2026-10")
    assert not report.test_mode  # a pilot: no whole-month mark; each person carries their own


def test_test_mode_forced_by_the_options_marks_everyone(data, tmp_path):
    wb = kpi_reports.load(save(data, tmp_path))
    report = kpi_reports.api.period_report(wb, "2026-10", test_mode=True)
    assert report.test_mode and all(r.test_mode for r in report.result.employees)
    assert report.result.live.total == 0


def test_a_scheme_version_applies_as_a_whole_from_its_month(data, tmp_path):
    wb = kpi_reports.load(save(data, tmp_path))
    weights = {m: {k.kpi: k.weight for k in person(kpi_reports.compute(wb, m), "E005").kpis}
               for m in ("2026-09", "2026-10")}
    assert weights["2026-09"]["meetings"] == Decimal("0.15") and weights["2026-10"]["meetings"] == Decimal("0.2")
    assert weights["2026-09"]["avg_check"] == Decimal("0.15") and weights["2026-10"]["avg_check"] == Decimal("0.1")


def test_a_month_before_a_change_computes_exactly_as_before_the_change(data, tmp_path):
    """2026-09 with the farmers' new version from 2026-10 in the workbook is 2026-09 without it."""
    changed = kpi_reports.compute(kpi_reports.load(save(data, tmp_path, "a.xlsx")), "2026-09")
    schemes = data.sheets["Schemes"]
    schemes.rows[:] = [r for r in schemes.rows if not r[-1]]
    before = kpi_reports.compute(kpi_reports.load(save(data, tmp_path, "b.xlsx")), "2026-09")
    assert changed.employees == before.employees and changed.totals == before.totals
    assert changed.teams == before.teams


def test_a_scheme_dropping_a_kpi_from_a_month_pays_without_it(data, tmp_path):
    schemes = data.sheets["Schemes"]
    version = [r for r in schemes.rows if r[0] == "farmer" and r[-1] == "2026-10"]
    dropped = next(r for r in version if r[1] == "avg_check")
    schemes.rows.remove(dropped)
    next(r for r in version if r[1] == "meetings")[2] = Decimal("0.3")
    wb = kpi_reports.load(save(data, tmp_path))
    assert "avg_check" not in {k.kpi for k in person(kpi_reports.compute(wb, "2026-10"), "E005").kpis}
    assert "avg_check" in {k.kpi for k in person(kpi_reports.compute(wb, "2026-09"), "E005").kpis}


def test_every_problem_of_the_dates_is_reported_at_once_naming_its_cell(data, tmp_path):
    emp, schemes, facts = (data.sheets[k] for k in ("Employees", "Schemes", "Facts"))
    e002 = row_of(data, "Employees", "E002", **{"from": "2026-11"})
    emp.rows.append(list(emp.rows[e002]))  # E002 twice from 2026-11
    e006 = row_of(data, "Employees", "E006")
    emp.rows[e006][emp.columns.index("until")] = "2026-05"  # before E006's first... none: E006 is "always"
    e007 = row_of(data, "Employees", "E007")
    emp.rows[e007][emp.columns.index("from")] = "2026-08"
    emp.rows[e007][emp.columns.index("until")] = "2026-07"  # until before from
    e008 = row_of(data, "Employees", "E008")
    emp.rows[e008][emp.columns.index("mode")] = "pilot"  # no such mode
    for r in schemes.rows:  # the head's scheme only from 2026-12: its months before have none in force
        if r[0] == "head":
            r[-1] = "2026-12"
    version = next(i for i, r in enumerate(schemes.rows) if r[0] == "farmer" and r[-1] == "2026-10")
    schemes.rows[version][2] = Decimal("0.5")  # the new version's weights no longer add up to 100%
    joiner = next(i for i, r in enumerate(facts.rows) if r[1] == "E009" and r[-1] == 15)
    facts.rows[joiner][-1] = 32  # more than October's 31 days
    report = kpi_reports.check(save(data, tmp_path))
    found = {(p.sheet, p.cell, p.message.key) for p in report.problems}
    errors = {(p.sheet, p.cell) for p in report.errors}
    assert ("Employees", cell(data, "Employees", len(emp.rows) - 1, "employee_id"), "duplicate") in found
    assert ("Employees", cell(data, "Employees", e007, "until"), "until_before_from") in found
    assert ("Employees", cell(data, "Employees", e008, "mode"), "wrong_value") in found
    head = row_of(data, "Employees", "H001")
    assert ("Employees", cell(data, "Employees", head, "scheme"), "no_version_in_force") in found
    assert ("Schemes", cell(data, "Schemes", version, "weight"), "weights_sum") in found
    assert ("Facts", cell(data, "Facts", joiner, "worked_days"), "worked_days_range") in found
    assert ("Employees", cell(data, "Employees", e006, "until")) not in errors  # E006 has no from: May is fine
    problem = next(p for p in report.problems if p.message.key == "weights_sum")
    assert "farmer from 2026-10" in str(problem.message)


def test_a_facts_row_outside_a_persons_months_is_a_warning_and_not_computed(data, tmp_path):
    facts = data.sheets["Facts"]
    october = next(r for r in facts.rows if r[1] == "E001" and str(r[0]).startswith("2026-10"))
    november = next(r for r in facts.rows if r[1] == "E001" and str(r[0]).startswith("2026-11"))
    facts.rows += [[october[0], "E004", *october[2:]], [november[0], "E004", *november[2:]]]
    plans = data.sheets["Plans"]
    wb, report = kpi_reports.api.read(save(data, tmp_path))
    assert not report.errors
    warnings = [p for p in report.warnings if p.message.key == "facts_outside_terms"]
    assert len(warnings) == 1  # once a person, at their first such row, naming every month
    assert (warnings[0].sheet, warnings[0].cell) == ("Facts", cell(data, "Facts", len(facts.rows) - 2, "employee_id"))
    assert "2026-10, 2026-11" in str(warnings[0].message) and "until 2026-09" not in str(warnings[0].message)
    result = kpi_reports.compute(wb, "2026-10")
    assert person(result, "E004") is None
    assert len(plans.rows) and result.totals == kpi_reports.model.Totals.of(result.employees)


def test_two_versions_of_a_scheme_with_the_same_from_are_a_duplicate(data, tmp_path):
    schemes = data.sheets["Schemes"]
    again = next(r for r in schemes.rows if r[0] == "farmer" and r[-1] == "2026-10")
    schemes.rows.append(list(again))
    report = kpi_reports.check(save(data, tmp_path))
    duplicate = next(p for p in report.errors if p.message.key == "duplicate")
    assert duplicate.cell == cell(data, "Schemes", len(schemes.rows) - 1, "kpi")
    assert duplicate.found == f"farmer / 2026-10 / {again[1]}"


def test_a_russian_workbook_reads_its_columns_and_words(tmp_path):
    path = tmp_path / "ru.xlsx"
    write_workbook(path, changes_data("ru"), "ru")
    wb = kpi_reports.load(path)
    result = kpi_reports.compute(wb, "2026-10")
    assert {r.employee.employee_id for r in result.employees if not r.test_mode} == {"E001", "E005"}
    assert person(result, "E009").salary == Decimal("40909.09")
    assert wb.versions["фермер"][1][0] == "2026-10"


def test_in_force_keeps_the_month_a_forecast_scales(data, tmp_path):
    wb = kpi_reports.load(save(data, tmp_path))
    month = wb.in_force("2026-10")
    assert month.in_force("2026-10") is month and month.in_force("2026-09") is wb.in_force("2026-09")
    assert replace(wb, facts={})._months == {}  # a copy never shares the months computed of another


def test_a_forecast_keeps_the_worked_days_as_typed(data, tmp_path):
    import datetime as dt
    wb = kpi_reports.load(save(data, tmp_path))
    report = kpi_reports.api.period_report(wb, "2026-10", as_of=dt.date(2026, 10, 15))
    joiner = person(report.forecast.result, "E009")
    assert joiner.proration.worked_days == 15 and joiner.salary == Decimal("40909.09")
