"""Weak spots, hand-computed: money at stake, funnel stages against team medians, three-month declines,
the department view, and test mode in every output."""
import json
from decimal import Context, localcontext
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports import explain, layout
from kpi_reports.cli import main
from kpi_reports.messages import text
from kpi_reports.workbook.example import example_data

from conftest import put

PERIOD = "2026-10"


def report(path, period=PERIOD, **kwargs):
    wb = kpi_reports.load(path, periods=kpi_reports.trend_months(period))
    return kpi_reports.period_report(wb, period, **kwargs)


def funnel_of(example, **calls_meetings):
    """Sets calls and meetings of Hunters in 2026-10: E001=(1250, 24) …"""
    for employee_id, (calls, meetings) in calls_meetings.items():
        put(example, "Facts", "calls", calls, employee_id=employee_id, period=PERIOD)
        put(example, "Facts", "meetings", meetings, employee_id=employee_id, period=PERIOD)


def test_money_at_stake_is_the_payout_at_100_percent_minus_the_payout(example, write):
    spots = report(write(example)).weak_spots["E001"]  # Ivanov: average check and calls at 95%
    assert [(s.kpi.kpi, s.kpi.completion, s.shortfall, s.at_stake, s.below_cutoff) for s in spots.shortfalls] == [
        ("avg_check", D("0.95"), D(7500), D("500.00"), False),  # 10,000 at 100% − 9,500 paid
        ("calls", D("0.95"), D(50), D("500.00"), False),
    ]


def test_below_the_cutoff_the_whole_share_is_at_stake_and_sorted_first(example, write):
    put(example, "Facts", "calls", 790, employee_id="E001", period=PERIOD)  # 79% of 1,000
    spots = report(write(example)).weak_spots["E001"]
    first = spots.shortfalls[0]
    assert (first.kpi.kpi, first.at_stake, first.below_cutoff, first.shortfall) == ("calls", D("10000.00"), True, D(210))


def test_kpis_at_or_above_plan_are_not_shortfalls(example, write):
    spots = report(write(example)).weak_spots["E001"]
    assert {s.kpi.kpi for s in spots.shortfalls}.isdisjoint({"revenue", "call_to_meeting"})  # 110%, 105%


def test_a_stage_exactly_at_the_threshold_is_weak(example, write):
    # team conversions 0.0192, 0.024, 0.024, 0.030: the median of an even team is (0.024 + 0.024) / 2
    funnel_of(example, E001=(1250, 24), E002=(1000, 24), E003=(1000, 24), E004=(1000, 30))
    stage = report(write(example)).weak_spots["E001"].stages[0]
    assert (stage.source, stage.target, stage.conversion, stage.team_median) == ("calls", "meetings", D("0.0192"),
                                                                                  D("0.024"))
    assert stage.gap == D("0.2") and stage.weak


def test_a_stage_just_above_the_threshold_is_not_weak(example, write):
    funnel_of(example, E001=(1249, 24), E002=(1000, 24), E003=(1000, 24), E004=(1000, 30))
    stage = report(write(example)).weak_spots["E001"].stages[0]
    assert D("0.199") < stage.gap < D("0.2") and not stage.weak


def test_median_of_an_even_team_is_the_mean_of_the_middle_two(example, write):
    funnel_of(example, E001=(1250, 24), E002=(1000, 20), E003=(1000, 24), E004=(1000, 30))
    stage = report(write(example)).weak_spots["E004"].stages[0]
    assert stage.team_median == D("0.022")  # (0.020 + 0.024) / 2


def test_median_of_an_odd_team_is_the_middle_value(example, write):
    put(example, "Employees", "team", "Farmers", employee_id="E004")  # Hunters: three people
    funnel_of(example, E001=(1250, 24), E002=(1000, 20), E003=(1000, 30))
    stages = report(write(example)).weak_spots
    assert stages["E001"].stages[0].team_median == D("0.020")  # 0.0192, 0.020, 0.030
    company = sorted(s.stages[0].conversion for s in stages.values() if s.stages)  # 8 managers: even
    with localcontext(Context(prec=40)):
        assert stages["E001"].stages[0].company_median == (company[3] + company[4]) / 2


def test_the_weakest_stage_is_the_one_furthest_below_the_team(example, write):
    funnel_of(example, E001=(1000, 15), E002=(1000, 24), E003=(1000, 24), E004=(1000, 30))
    put(example, "Facts", "proposals", 14, employee_id="E001", period=PERIOD)  # 14/15: a strong stage
    spots = report(write(example)).weak_spots["E001"]
    assert (spots.weakest.source, spots.weakest.target) == ("calls", "meetings")
    assert spots.weakest.gap == D("0.375")  # (0.024 − 0.015) / 0.024


def test_funnel_gap_setting_changes_the_threshold(example, write):
    funnel_of(example, E001=(1000, 21), E002=(1000, 24), E003=(1000, 24), E004=(1000, 30))  # gap 12.5%
    assert not report(write(example)).weak_spots["E001"].stages[0].weak
    example.sheets["Settings"].rows.append(["weak_stage_gap", "10%"])
    assert report(write(example)).weak_spots["E001"].stages[0].weak


def three_months():
    return example_data("en", months=("2026-08", "2026-09", PERIOD))


def test_a_kpi_falling_three_months_in_a_row_is_a_trend(write):
    data = three_months()
    for month, calls in (("2026-08", 1000), ("2026-09", 980), (PERIOD, 950)):
        put(data, "Facts", "calls", calls, employee_id="E001", period=month)
    trends = report(write(data)).weak_spots["E001"].trends
    calls = next(t for t in trends if t.kpi.kpi == "calls")
    assert calls.periods == ("2026-08", "2026-09", PERIOD) and calls.completions == (D(1), D("0.98"), D("0.95"))


def test_a_flat_month_breaks_the_trend(write):
    data = three_months()
    for month, calls in (("2026-08", 980), ("2026-09", 980), (PERIOD, 950)):
        put(data, "Facts", "calls", calls, employee_id="E001", period=month)
    assert "calls" not in {t.kpi.kpi for t in report(write(data)).weak_spots["E001"].trends}


def test_no_trends_without_the_two_months_before(example, write):
    assert all(not s.trends for s in report(write(example)).weak_spots.values())  # only 2026-09 before


def test_department_view_aggregates_like_team_scope_and_counts_people_on_plan(example, write):
    result = report(write(example)).result
    hunters = next(t for t in result.teams if t.team == "Hunters")
    revenue = next(k for k in hunters.kpis if k.kpi == "revenue")
    people = [r for r in result.employees if r.employee.team == "Hunters"]
    mine = [next(k for k in r.kpis if k.kpi == "revenue") for r in people]
    assert revenue.fact == sum(k.fact for k in mine) and revenue.plan == sum(k.plan for k in mine)
    assert revenue.people == 4 and revenue.share_on_plan == D(sum(k.completion >= 1 for k in mine)) / 4
    company = {k.kpi: k for k in result.company}
    assert company["revenue"].fact == sum(next(k for k in r.kpis if k.kpi == "revenue").fact
                                          for r in result.employees if r.employee.team != "Sales department")


def test_texts_explain_each_weak_spot_in_both_languages(example, write):
    funnel_of(example, E001=(1000, 18), E002=(1000, 24), E003=(1000, 24), E004=(1000, 30))
    path = write(example)
    en = json.loads(CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, "--json", "-"]).stdout)
    ru = json.loads(CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, "--json", "-", "--lang", "ru"]).stdout)
    texts = [s["text"] for s in en["employees"][0]["weak_spots"]]
    assert "Average check: 95.0% of plan, 7,500.00 short; 500.00 at stake" in texts
    assert ("calls→meetings 1.8% vs team 2.4% (−25.0%): meetings are lost on the phone — review the call script."
            in texts)
    ru_texts = [s["text"] for s in ru["employees"][0]["weak_spots"]]
    assert any(t.startswith("calls→meetings 1,8% против 2,4% в команде (−25,0%): встречи теряются на звонках") for t in ru_texts), ru_texts


def weak_spots_json(data, write, employee_id, lang):
    path = write(data, lang=lang)
    out = CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, "--json", "-", "--lang", lang]).stdout
    return next(e for e in json.loads(out)["employees"] if e["employee_id"] == employee_id)["weak_spots"]


@pytest.mark.parametrize("lang, cycle, text", [
    ("en", "cycle_days", "Deal cycle, days: 85.7% of plan, 10 days over plan; 964.29 at stake"),
    ("ru", "цикл_сделки", "Цикл сделки, дней: выполнено 85,7%, на 10 дн. больше плана; под угрозой 964,29"),
])
def test_a_lower_is_better_shortfall_reads_as_over_plan(write, lang, cycle, text):
    data = example_data(lang, months=("2026-09", PERIOD))
    put(data, "Facts", cycle, 70, employee_id="E005", period=PERIOD)  # plan 60 days: 60 / 70 = 85.7%
    spot = next(s for s in weak_spots_json(data, write, "E005", lang) if s["kpi"] == cycle)
    # shortfall stays the distance to plan in the KPI's unit; 6,750 at 100% − 5,785.71 paid is at stake
    assert (spot["shortfall"], spot["at_stake"], spot["below_cutoff"]) == ("10", "964.29", False)
    assert spot["text"] == text


@pytest.mark.parametrize("lang, text", [
    ("en", "Deal cycle, days: 98.4% of plan, 1 day over plan; 110.66 at stake"),
    ("ru", "Deal cycle, days: выполнено 98,4%, на 1 дн. больше плана; под угрозой 110,66"),
])
def test_one_day_over_plan_is_a_day_not_days(example, write, lang, text):
    put(example, "Facts", "cycle_days", 61, employee_id="E005", period=PERIOD)
    spot = next(s for s in weak_spots_json(example, write, "E005", lang) if s["kpi"] == "cycle_days")
    assert (spot["shortfall"], spot["text"]) == ("1", text)


def test_a_higher_is_better_shortfall_still_reads_as_short(example, write):
    put(example, "Facts", "meetings", 20, employee_id="E005", period=PERIOD)  # plan 25: 80%, at the cut-off
    spot = next(s for s in weak_spots_json(example, write, "E005", "en") if s["kpi"] == "meetings")
    assert spot["text"] == "Meetings held: 80.0% of plan, 5 short; 1,350.00 at stake"


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_test_mode_marks_the_terminal_and_the_json(example, write, how):
    args = ["--test-mode"] if how == "flag" else []
    if how == "setting":
        example.sheets["Settings"].rows.append(["mode", "test"])
    path = write(example)
    terminal = CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, *args]).stdout
    lines = terminal.strip().splitlines()
    assert "TEST MODE — not a basis for payment" in lines[0] and "TEST MODE — not a basis for payment" in lines[-1]
    data = json.loads(CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, "--json", "-", *args]).stdout)
    assert data["mode"] == "test"
    ru = CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, "--lang", "ru", *args]).output
    assert "ТЕСТОВЫЙ РЕЖИМ — не является основанием для выплаты" in ru


def test_live_mode_is_not_marked(example, write):
    path = write(example)
    assert "TEST MODE" not in CliRunner().invoke(main, ["run", str(path), "--period", PERIOD]).output
    data = json.loads(CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, "--json", "-"]).stdout)
    assert data["mode"] == "live"


def test_a_funnel_naming_a_missing_metric_is_an_error_naming_the_setting(example, write):
    example.sheets["Settings"].rows.append(["funnel", "calls, meetings, demos"])
    path = write(example)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if "funnel" in ln)
    assert "Settings!B9 (value)" in line and "'demos'" in line and "Traceback" not in result.output


def test_a_teams_weakest_stage_is_shown_on_its_subtotal_with_how_many_it_sags_for(example, write):
    funnel_of(example, E001=(1000, 15), E002=(1000, 14), E003=(1000, 24), E004=(1000, 30))
    r = report(write(example))
    hunters = r.team_stages["Hunters"]
    assert (hunters.stage.source, hunters.stage.target) == ("calls", "meetings")
    weak = [e for e in ("E001", "E002", "E003", "E004") if r.weak_spots[e].stages[0].weak]
    assert hunters.people == len(weak) == 2 and hunters.measured == 4
    summary = next(s for s in layout.sheets(r, "en") if s.kind == "summary")
    line = explain.team_stage(hunters, "en")
    assert line == "Weakest funnel stage: calls→meetings, weak for 2 of 4"
    subtotal = next(c.row for c in summary.cells if c.value == text("team_subtotal", "en", team="Hunters"))
    assert any(c.row == subtotal and c.value == line and c.style == "total_note" for c in summary.cells)
    printed = CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--dry-run", "--lang", "en"])
    assert f"[Hunters]  {line}" in printed.output
