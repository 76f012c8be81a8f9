"""Results as pandas DataFrames: the same exact figures as the JSON, pandas only when asked for."""
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main

from conftest import ROOT, SAMPLES, put

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def result():
    return kpi_reports.compute(kpi_reports.load(SAMPLES / "sales_team.xlsx"), PERIOD)


@pytest.fixture(scope="module")
def wide(result):
    return kpi_reports.frame(result)


@pytest.fixture(scope="module")
def long(result):
    return kpi_reports.frame(result, kpis=True)


def run_json() -> dict:
    done = CliRunner().invoke(main, ["run", "--dry-run", str(SAMPLES / "sales_team.xlsx"), "--period", PERIOD,
                                     "--json", "-"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def test_the_frames_totals_equal_the_jsons(wide):
    totals = run_json()["totals"]
    for column in ("salary", "bonus", "commission", "total"):
        assert wide[column].sum() == Decimal(totals[column]), column


def test_a_row_per_person_in_the_jsons_order_with_the_documented_columns(wide, result):
    assert list(wide["employee_id"]) == [e["employee_id"] for e in run_json()["employees"]]
    assert list(wide.columns[:9]) == ["employee_id", "name", "team", "position", "scheme",
                                      "salary", "bonus", "commission", "total"]
    assert {"revenue_completion", "revenue_payout", "margin_completion", "margin_payout"} <= set(wide.columns)
    assert len(wide) == len(result.employees)


def test_ivanov_is_the_methods_worked_case(wide):
    ivanov = wide.set_index("employee_id").loc["E001"]
    assert (ivanov["salary"], ivanov["bonus"], ivanov["commission"]) == (
        Decimal("60000.00"), Decimal("58000.00"), Decimal("1800.00"))
    assert ivanov["total"] == Decimal("119800.00")
    assert (ivanov["revenue_completion"], ivanov["revenue_payout"]) == (Decimal("1.1"), Decimal("26400.00"))


def test_a_kpi_outside_the_scheme_is_none(wide, result):
    ivanov = next(p for p in result.employees if p.employee.employee_id == "E001")
    missing = set(wide.filter(like="_payout").columns) - {f"{k.kpi}_payout" for k in ivanov.kpis}
    assert missing, "the sample's schemes differ: some KPI is not Ivanov's"
    row = wide.set_index("employee_id").loc["E001"]
    assert all(row[c] is None for c in missing)


def test_a_kpi_without_a_plan_has_no_completion_and_pays_zero(example, write):
    put(example, "Plans", "calls", None, period=PERIOD, employee_id="E001")
    result = kpi_reports.compute(kpi_reports.load(write(example)), PERIOD)
    ivanov = kpi_reports.frame(result).set_index("employee_id").loc["E001"]
    assert ivanov["calls_completion"] is None and ivanov["calls_payout"] == Decimal("0.00")
    row = kpi_reports.frame(result, kpis=True).query("employee_id == 'E001' and kpi == 'calls'").iloc[0]
    assert (row["plan"], row["completion"], row["payout"], row["rule"]) == (None, None, Decimal("0.00"), "no_plan")


def test_values_stay_decimal_in_object_columns(wide, long):
    assert all(dtype == object for dtype in [*wide.dtypes, *long.dtypes])
    for column in ("salary", "bonus", "commission", "total", "revenue_payout"):
        assert all(isinstance(v, Decimal) for v in wide[column]), column
    for column in ("weight", "factor", "payout"):
        assert all(isinstance(v, Decimal) for v in long[column]), column
    assert all(v is None or isinstance(v, Decimal) for v in long["completion"])


def test_the_long_table_has_a_row_per_person_and_kpi_with_the_jsons_fields(long, result):
    assert list(long.columns) == ["employee_id", "name", "team", "kpi", "title", "group", "scope", "unit",
                                  "direction", "weight", "cutoff", "accelerator", "cap", "plan", "fact",
                                  "completion", "factor", "payout", "rule"]
    assert len(long) == sum(len(p.kpis) for p in result.employees)
    first = long.iloc[0]
    assert (first["employee_id"], first["kpi"], first["payout"], first["rule"]) == (
        "E001", "revenue", Decimal("26400.00"), "accelerated")


def test_the_long_tables_payouts_add_up_to_each_persons_bonus(long, wide):
    payouts = long.groupby("employee_id")["payout"].sum()
    bonuses = wide.set_index("employee_id")["bonus"]
    assert payouts.to_dict() == bonuses.to_dict()


def test_a_period_report_gives_its_pay(result, wide):
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    assert kpi_reports.frame(kpi_reports.period_report(wb, PERIOD)).equals(wide)


def test_importing_the_package_does_not_import_pandas():
    code = "import sys, kpi_reports, kpi_reports.cli; print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_without_pandas_the_error_says_what_to_install(monkeypatch, result):
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(kpi_reports.MissingExtra) as caught:
        kpi_reports.frame(result)
    assert isinstance(caught.value, kpi_reports.KpiError) and isinstance(caught.value, ImportError)
    assert 'pip install "kpi-reports[pandas]"' in str(caught.value)


def test_the_readme_dataframe_example_runs_on_the_sample(result):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### As DataFrames", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope = {"result": result, "kpi_reports": kpi_reports}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README's example, on our sample
    sums = scope["df"].groupby("team")[["bonus", "total"]].sum()
    assert {team.team: team.totals.total for team in result.teams} == dict(sums["total"])
    assert set(scope["long"]["rule"]) >= {"below_cutoff", "accelerated"}


def test_the_wide_frame_gives_each_persons_mode_and_a_short_months_proration_as_the_json_does():
    from decimal import Decimal

    import kpi_reports

    from conftest import SAMPLES
    report = kpi_reports.run(SAMPLES / "team_changes.xlsx", kpi_reports.Options(period="2026-10")).report
    frame = kpi_reports.frames.frame(report).set_index("employee_id")
    assert set(frame.index[frame["mode"] == "live"]) == {"E001", "E005"}
    joiner = frame.loc["E009"]
    assert (joiner["full_salary"], joiner["worked_days"], joiner["working_days"]) == (Decimal("60000.00"), 15, 22)
    assert joiner["salary"] == Decimal("40909.09")
    assert frame.loc["E001", "worked_days"] is None and frame.loc["E001", "full_salary"] == frame.loc["E001", "salary"]
