"""Every text exists in English and Russian with the same fields; the reader's language is chosen from
--lang, then the workbook's Settings, then the system."""
import string

import pytest
from click.testing import CliRunner

from kpi_reports.cli import main
from kpi_reports.messages import catalogue, default_language, msg

from conftest import SAMPLES, put


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_message_has_both_languages_with_the_same_fields(key):
    entry = catalogue()[key]
    assert set(entry) == {"en", "ru"}, key
    assert fields(entry["en"]) == fields(entry["ru"]), key


def test_a_message_renders_nested_messages_in_the_same_language():
    m = msg("bad_period_arg", value="Oct", expected=msg("a_period"))
    assert m.text("en") == "period 'Oct': expected a period: YYYY-MM text such as 2026-10, or a date in that month"
    assert m.text("ru").startswith("период «Oct»: ожидается период: текст ГГГГ-ММ")


def test_unknown_message_key_fails_loudly():
    with pytest.raises(KeyError):
        msg("no_such_message")


@pytest.mark.parametrize("env, lang", [("ru_RU.UTF-8", "ru"), ("en_GB.UTF-8", "en"), ("C.UTF-8", "ru"), ("", "ru")])
def test_system_language_decides_last(monkeypatch, env, lang):
    monkeypatch.setenv("LANG", env)
    assert default_language() == lang


def test_problems_of_a_russian_workbook_read_in_russian_unless_asked_otherwise(example, write):
    from kpi_reports.workbook.example import example_data
    ru = example_data("ru", months=("2026-10",))
    cell = put(ru, "Employees", "salary", -5, employee_id="E002")
    path = write(ru, lang="ru")
    russian = CliRunner().invoke(main, ["check", str(path)]).output
    assert f"ошибка  Сотрудники!{cell} (оклад)  отрицательная сумма: ожидается ноль или больше, найдено «-5»" in russian
    english = CliRunner().invoke(main, ["check", str(path), "--lang", "en"]).output
    assert f"error  Сотрудники!{cell} (оклад)  negative amount: expected zero or more, found '-5'" in english


def test_file_problems_follow_the_system_language(monkeypatch, tmp_path):
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "missing.xlsx")])
    assert result.exit_code == 1 and result.output.strip() == f"Ошибка: {tmp_path / 'missing.xlsx'}: файла нет"


def test_json_warnings_are_in_the_output_language(tmp_path):
    import json
    data = json.loads(CliRunner().invoke(main, ["run", "--dry-run", str(SAMPLES / "sales_team.xlsx"), "--period", "2026-10",
                                                "--json", "-", "--lang", "ru"]).output)
    assert data["employees"][0]["total"] == "119800.00"
