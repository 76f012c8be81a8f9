"""Every message follows --lang, else the workbook's Settings language once it is read, else English on an English
system, else Russian — and the README and --help say so alike."""
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_reports.cli import main

from conftest import SAMPLES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def run(args, lang_env="ru_RU.UTF-8"):
    return CliRunner(env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": lang_env}).invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("args, english", [
    (["run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--as-of", "2026-11-15", "--dry-run"],
     "is outside the period 2026-10"),
    (["close", SAMPLES / "sales_team.xlsx", "--period", "2031-01"], "no Plans or Facts rows for period 2031-01"),
    (["review", SAMPLES / "sales_team.xlsx", "--quarter", "2027-Q1", "--dry-run"], "no Facts rows for 2027-01"),
])
def test_an_english_workbook_on_a_russian_system_is_told_in_english(args, english):
    result = run(args)
    assert result.exit_code == 1 and english in result.output and "Ошибка" not in result.output


def test_lang_wins_over_the_workbooks_settings():
    result = run(["run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--as-of", "2026-11-15", "--dry-run",
                  "--lang", "ru"], lang_env="en_US.UTF-8")
    assert result.exit_code == 1 and "Ошибка" in result.output


def test_the_default_is_english_on_an_english_system_else_russian():
    bad = ["sheets", "not-a-key", "--period", "2026-10"]
    assert "Error" in run(bad, "en_GB.UTF-8").output and "Ошибка" in run(bad, "de_DE.UTF-8").output


def test_the_readme_and_help_say_the_same_about_the_language():
    help_text = re.sub(r"\s+", " ", run(["run", "--help"]).output)
    assert "else English on an English system, else Russian" in help_text
    assert "else English on an\nEnglish system" in README and "else Russian:" in README
