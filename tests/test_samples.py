"""The bundled samples are what the example generator writes (so they can be rebuilt), and they hold
what the issue asks of them: two teams of four, a head of sales, six months, two or more schemes, a
funnel that narrows at every stage, and Ivanov's worked case."""
from decimal import Decimal

import pytest
import python_calamine
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.workbook.example import YEAR_MONTHS, example_data
from kpi_reports.workbook.example_changes import changes_data
from kpi_reports.workbook.template import write_workbook

from conftest import SAMPLES

SAMPLE_FILES = ["sales_team.xlsx", "sales_team_ru.xlsx"]


def cells(path):
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.mark.parametrize("lang, name", [("en", "sales_team.xlsx"), ("ru", "sales_team_ru.xlsx")])
def test_committed_sample_matches_the_generator(tmp_path, lang, name):
    fresh = tmp_path / name
    write_workbook(fresh, example_data(lang), lang)
    assert cells(SAMPLES / name) == cells(fresh), "rebuild with: python samples/build.py"


@pytest.mark.parametrize("lang, name", [("en", "team_changes.xlsx"), ("ru", "team_changes_ru.xlsx")])
def test_committed_changes_sample_matches_the_generator(tmp_path, lang, name):
    fresh = tmp_path / name
    write_workbook(fresh, changes_data(lang), lang)
    assert cells(SAMPLES / name) == cells(fresh), "rebuild with: python samples/build.py"


@pytest.mark.parametrize("name", ["team_changes.xlsx", "team_changes_ru.xlsx"])
def test_changes_sample_has_a_raise_a_leaver_a_joiner_a_pilot_and_a_new_scheme_version(name):
    wb, report = kpi_reports.api.read(SAMPLES / name)
    assert not report.problems
    months = {m: kpi_reports.compute(wb, m) for m in ("2026-09", "2026-10", "2026-11")}
    pay = {m: {r.employee.employee_id: r for r in result.employees} for m, result in months.items()}
    assert (pay["2026-10"]["E002"].salary, pay["2026-11"]["E002"].salary) == (60000, 66000)
    assert "E004" in pay["2026-09"] and "E004" not in pay["2026-10"]
    assert "E009" not in pay["2026-09"] and pay["2026-10"]["E009"].proration.worked_days == 15
    assert {i for i, r in pay["2026-10"].items() if not r.test_mode} == {"E001", "E005"}
    assert [since for since, _ in next(iter(v for v in wb.versions.values() if len(v) > 1))] == [None, "2026-10"]
    assert pay["2026-10"]["E001"].total == Decimal("119800.00")


def test_sample_has_two_teams_of_four_a_head_and_six_months():
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    teams = {}
    for e in wb.employees.values():
        teams.setdefault(e.team, []).append(e)
    assert sorted(len(v) for v in teams.values()) == [1, 4, 4]
    head = teams["Sales department"][0]
    assert head.manages == ("*",) and all(line.scope == "team" for line in wb.schemes[head.scheme])
    assert wb.periods == [f"2026-{m:02d}" for m in range(7, 13)]
    assert len(wb.schemes) >= 2
    farmer = wb.schemes["farmer"]
    assert any(line.scope == "team" for line in farmer)
    assert any(wb.kpis[line.kpi].direction == "lower" for line in farmer)


def widening_stages(wb):
    """Every Facts row's funnel stage that is above 100% (or whose metric is empty or zero)."""
    found = []
    for (period, employee_id), row in wb.facts.items():
        counts = [row.get(metric) for metric in wb.settings.funnel]
        for (a, before), (b, after) in zip(zip(wb.settings.funnel, counts), zip(wb.settings.funnel[1:], counts[1:])):
            if not before or not after or after > before:
                found.append((period, employee_id, a, before, b, after))
    return found


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_sample_funnel_narrows_at_every_stage(name):
    wb = kpi_reports.load(SAMPLES / name)
    assert len(wb.settings.funnel) == 4 and len(wb.facts) == 8 * 6  # calls, meetings, proposals, deals
    assert widening_stages(wb) == []


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_ivanov_in_2026_10_totals_119_800_in_the_sample_file(name):
    wb = kpi_reports.load(SAMPLES / name)
    funnel = [wb.facts["2026-10", "E001"].get(metric) for metric in wb.settings.funnel]
    assert funnel == [950, 20, 18, 16]  # calls, meetings, proposals, deals
    ivanov = next(r for r in kpi_reports.compute(wb, "2026-10").employees if r.employee.employee_id == "E001")
    assert (ivanov.salary, ivanov.bonus, ivanov.commission.amount) == (
        Decimal("60000.00"), Decimal("58000.00"), Decimal("1800.00"))
    assert ivanov.total == Decimal("119800.00")


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("period", ["2026-10", "2027-03"])
def test_init_template_example_rows_narrow_at_every_stage(tmp_path, lang, period):
    path = tmp_path / "template.xlsx"
    assert CliRunner().invoke(main, ["init", str(path), "--lang", lang, "--period", period]).exit_code == 0
    wb = kpi_reports.load(path)
    assert len(wb.facts) == 4 and widening_stages(wb) == []


def test_benchmark_workbooks_narrow_at_every_stage():
    """benchmarks/generate.py writes example_data(lang, managers=N, months=YEAR_MONTHS)."""
    for lang, stages in (("en", ["calls", "meetings", "proposals", "deals"]), ("ru", ["звонки", "встречи", "кп", "сделки"])):
        facts = example_data(lang, managers=200, months=YEAR_MONTHS).sheets["Facts"]
        assert facts.columns[2:6] == stages
        funnel = [row[2:6] for row in facts.rows]
        assert len(funnel) == 200 * 12 and [f for f in funnel if not f[0] >= f[1] >= f[2] >= f[3] >= 1] == []
