"""The bundled samples are what the example generator writes (so they can be rebuilt), and they hold
what the issue asks of them: two teams of four, a head of sales, six months, two or more schemes."""
import pytest
import python_calamine
from conftest import SAMPLES

import kpi_reports
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.template import write_workbook


def cells(path):
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.mark.parametrize("lang, name", [("en", "sales_team.xlsx"), ("ru", "sales_team_ru.xlsx")])
def test_committed_sample_matches_the_generator(tmp_path, lang, name):
    fresh = tmp_path / name
    write_workbook(fresh, example_data(lang), lang)
    assert cells(SAMPLES / name) == cells(fresh), "rebuild with: python samples/build.py"


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
