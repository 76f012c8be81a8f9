"""The `kpi-reports review` command's side of the review: the flags' thresholds come from the workbook's
Settings (English and Russian keys) and bad ones are refused on loading, and the warnings of the quarter's
months are printed and written in the JSON. The flags' own rules: test_review_rules.py; the review sheet
and writing the weights back: test_review_sheet.py and test_writeback_cli.py."""
from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.engine.compute import compute
from kpi_reports.engine.review import Thresholds, review
from kpi_reports.messages import text
from kpi_reports.model import Settings
from kpi_reports.problems import InvalidWorkbook
from kpi_reports.workbook.example import example_data

from conftest import sample_without_facts_row

MONTHS = ("2026-10", "2026-11", "2026-12")


def test_thresholds_are_settings_in_english_and_russian(write):
    data = example_data("ru", months=MONTHS)
    data.sheets["Settings"].rows += [["пересмотр_слишком_легко", "70%"], ["пересмотр_недостижимо", "0,4"],
                                     ["Пересмотр минимум точек", 5], ["review_over_paying", "15%"]]
    wb = kpi_reports.load(write(data, lang="ru"))
    assert (wb.settings.review_too_easy, wb.settings.review_out_of_reach, wb.settings.review_over_paying,
            wb.settings.review_min_points) == (D("0.7"), D("0.4"), D("0.15"), 5)
    assert review(wb, "2026-Q4").thresholds == Thresholds(D("0.7"), D("0.4"), D("0.15"), 5)
    assert Thresholds.of(Settings()) == Thresholds() == Thresholds(D("0.8"), D("0.5"), D("0.1"), 8)


@pytest.mark.parametrize("value", ["0", "2.5", "-3", "many"])
def test_the_minimum_of_points_must_be_a_whole_number_above_zero(write, value):
    data = example_data("en", months=MONTHS)
    data.sheets["Settings"].rows.append(["review_min_points", value])
    with pytest.raises(InvalidWorkbook) as caught:
        kpi_reports.load(write(data))
    (problem,) = caught.value.report.errors
    assert problem.sheet == "Settings" and problem.column == "value"
    assert str(problem).endswith(f"wrong value: expected a whole number above 0, such as 8, found '{value}'")


@pytest.mark.parametrize("value", ["100%", "0"])
def test_share_thresholds_must_be_between_0_and_100_percent(write, value):
    data = example_data("en", months=MONTHS)
    data.sheets["Settings"].rows.append(["review_too_easy", value])
    with pytest.raises(InvalidWorkbook):
        kpi_reports.load(write(data))


def test_the_reviews_warnings_are_those_of_its_months_each_once(tmp_path):
    """A month of the quarter without E003's Facts row takes his facts as zero, as `run` does: the review says
    so in the terminal and the JSON, rather than resting on the zeros silently."""
    path = sample_without_facts_row(tmp_path / "team.xlsx", "E003", "2026-11")
    wb = kpi_reports.load(path, periods=kpi_reports.review_months("2026-Q4"))
    found = kpi_reports.review(wb, "2026-Q4")
    november = compute(wb, "2026-11").warnings
    missing = [w for w in november if w.message.key == "no_facts_row"]
    assert len(missing) == 1 and missing[0] in found.warnings
    assert len(found.warnings) == len(set(found.warnings)) == len(set(november) | set(compute(wb, "2026-10").warnings)
                                                                  | set(compute(wb, "2026-12").warnings))
    printed = CliRunner().invoke(main, ["review", str(path), "--quarter", "2026-Q4", "--dry-run", "--lang", "en"])
    assert printed.exit_code == 0, printed.output
    assert text("warnings", "en") in printed.output and missing[0].text("en") in printed.output
    as_json = CliRunner().invoke(main, ["review", str(path), "--quarter", "2026-Q4", "--dry-run", "--json", "-"])
    assert [w["message"] for w in json.loads(as_json.output)["warnings"]] == [
        w.as_json("en")["message"] for w in found.warnings]
