"""The forecast to month end, hand-computed on Russia's November 2025: Saturday 1 November was a working
day, Monday 3 November a day off moved from it, Tuesday 4 November a public holiday — 19 working days."""
import datetime as dt
import json
from decimal import Context, localcontext
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.engine.calendar import WorkCalendar
from kpi_reports.workbook.example import example_data

from conftest import put

PERIOD = "2025-11"


@pytest.fixture
def november(write):
    data = example_data("en", months=(PERIOD,))
    put(data, "Facts", "calls", 100, employee_id="E001", period=PERIOD)
    put(data, "Facts", "revenue", 300000, employee_id="E001", period=PERIOD)
    put(data, "Facts", "cycle_days", 50, employee_id="E005", period=PERIOD)
    return data


def forecast(path, day):
    wb = kpi_reports.load(path, periods=[PERIOD])
    return kpi_reports.period_report(wb, PERIOD, as_of=day)


def kpis(report, employee_id):
    result = next(r for r in report.result.employees if r.employee.employee_id == employee_id)
    return {k.kpi: k for k in result.kpis}, {k.kpi: k for k in report.forecast.people[employee_id].kpis}


def test_russian_november_2025_has_19_working_days_with_the_transfer():
    ru = WorkCalendar("RU")
    assert ru.working_days(2025, 11) == 19
    assert ru.is_working(dt.date(2025, 11, 1))  # a Saturday, worked instead of Monday 3 November
    assert not ru.is_working(dt.date(2025, 11, 3)) and not ru.is_working(dt.date(2025, 11, 4))


def test_additive_kpi_is_extrapolated_by_working_days(november, write):
    report = forecast(write(november), dt.date(2025, 11, 5))  # worked so far: Sat 1 and Wed 5 November
    assert (report.forecast.working_days, report.forecast.elapsed) == (19, 2)
    facts, ahead = kpis(report, "E001")
    assert ahead["calls"].forecast == D(950)  # 100 × 19 ÷ 2
    assert (ahead["calls"].completion, ahead["calls"].status) == (D("0.95"), "on_track")
    assert ahead["revenue"].forecast == D(2850000)  # 300,000 × 19 ÷ 2
    with localcontext(Context(prec=40)):
        assert ahead["revenue"].completion == D(2850000) / facts["revenue"].plan


def test_ratio_and_days_keep_their_current_value(november, write):
    report = forecast(write(november), dt.date(2025, 11, 5))
    facts, ahead = kpis(report, "E001")
    assert ahead["call_to_meeting"].forecast == facts["call_to_meeting"].fact
    facts, ahead = kpis(report, "E005")
    assert ahead["cycle_days"].forecast == D(50) == facts["cycle_days"].fact


def test_forecast_bonus_is_the_pay_computed_on_the_forecast_facts(november, write):
    report = forecast(write(november), dt.date(2025, 11, 5))
    mine = report.forecast.people["E001"]
    assert mine.bonus == sum(k.payout for k in report.forecast.result.employees[0].kpis)
    assert mine.total == report.result.employees[0].salary + mine.bonus + report.forecast.result.employees[0].commission.amount
    assert mine.bonus > report.result.employees[0].bonus  # the pace beats the month-to-date facts


def test_as_of_the_first_working_day_is_a_saturday_moved_from_monday(november, write):
    report = forecast(write(november), dt.date(2025, 11, 1))
    assert report.forecast.elapsed == 1
    assert kpis(report, "E001")[1]["calls"].forecast == D(1900)  # 100 × 19


def test_as_of_the_last_working_day_forecast_equals_the_facts(november, write):
    report = forecast(write(november), dt.date(2025, 11, 28))  # Friday; 29, 30 are the weekend
    assert report.forecast.elapsed == 19
    facts, ahead = kpis(report, "E001")
    assert all(ahead[k].forecast == facts[k].fact for k in facts)
    assert report.forecast.people["E001"].bonus == report.result.employees[0].bonus


def test_status_thresholds_ahead_from_105_on_track_from_95(november, write):
    last_day = dt.date(2025, 11, 28)  # nothing left to extrapolate: forecast = fact, plan 1,000 calls
    for calls, status in ((1050, "ahead"), (1049, "on_track"), (950, "on_track"), (949, "behind")):
        put(november, "Facts", "calls", calls, employee_id="E001", period=PERIOD)
        c = kpis(forecast(write(november), last_day), "E001")[1]["calls"]
        assert (c.completion, c.status) == (D(calls) / 1000, status)


def test_settings_holidays_and_workdays_override_the_calendar(november, write):
    november.sheets["Settings"].rows += [["holidays", "2025-11-05"], ["workdays", "08.11.2025"]]
    report = forecast(write(november), dt.date(2025, 11, 5))
    assert (report.forecast.working_days, report.forecast.elapsed) == (19, 1)  # −5 Nov, +8 Nov


def test_json_and_terminal_carry_the_forecast(november, write):
    path = write(november)
    data = json.loads(CliRunner().invoke(main, ["run", str(path), "--as-of", "2025-11-05", "--json", "-"]).stdout)
    assert (data["as_of"], data["working_days"], data["period"]) == ("2025-11-05", {"month": 19, "elapsed": 2},
                                                                    PERIOD)
    calls = next(k for k in data["employees"][0]["kpis"] if k["kpi"] == "calls")
    assert (calls["forecast"], calls["forecast_completion"], calls["status"]) == ("950", "0.95", "on_track")
    assert data["employees"][0]["forecast_bonus"] is not None
    text = CliRunner().invoke(main, ["run", str(path), "--as-of", "2025-11-05"]).output
    assert "Forecast to month end as of 2025-11-05: 2 of 19 working days" in text


def test_as_of_outside_the_period_is_one_clear_error(november, write):
    result = CliRunner().invoke(main, ["run", str(write(november)), "--period", PERIOD, "--as-of", "2025-12-01"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: --as-of 2025-12-01 is outside the period 2025-11"


def test_unknown_calendar_is_an_error_naming_the_setting(november, write):
    november.sheets["Settings"].rows.append(["calendar", "Narnia"])
    result = CliRunner().invoke(main, ["check", str(write(november))])
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = next(ln for ln in result.output.splitlines() if "Narnia" in ln)
    assert "Settings!B9 (value)" in line and "a country code" in line


def test_a_bad_date_in_holidays_is_an_error_naming_the_setting(november, write):
    november.sheets["Settings"].rows.append(["holidays", "2025-11-05, 31.11.2025"])
    result = CliRunner().invoke(main, ["check", str(write(november))])
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if "holidays" in ln.lower() or "31.11.2025" in ln)
    assert "Settings!B9" in line and "31.11.2025" in line
