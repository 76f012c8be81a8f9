"""The command line: run's table and JSON, check, init — a thin face over the library."""
import json
import re
import subprocess
import sys
from decimal import Decimal

import openpyxl
from click.testing import CliRunner

from kpi_reports.cli import main

from conftest import SAMPLES, digest

MONEY = re.compile(r"^-?\d+\.\d\d$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_run_prints_the_pay_table_in_the_workbook_language():
    en = invoke("run", "--dry-run", SAMPLES / "sales_team.xlsx", "--period", "2026-10")
    ru = invoke("run", "--dry-run", SAMPLES / "sales_team_ru.xlsx", "--period", "2026-10")
    assert en.exit_code == 0 and ru.exit_code == 0
    assert re.search(r"E001\s+Ivan Ivanov\s+58,000\.00\s+1,800\.00\s+119,800\.00", en.output)
    assert re.search(r"E001\s+Иванов Иван Петрович\s+58\s000,00\s+1\s800,00\s+119\s800,00", ru.output)
    assert "Итого по команде" in ru.output and "Team total" in en.output


def test_lang_option_overrides_the_workbook_language():
    result = invoke("run", "--dry-run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--lang", "ru")
    assert "119\u00a0800,00" in result.output


def test_run_json_to_stdout_follows_the_documented_format():
    result = invoke("run", "--dry-run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--json", "-")
    data = json.loads(result.output)
    assert set(data) >= {"period", "currency", "employees", "teams", "totals", "warnings"}
    assert (data["period"], data["currency"]) == ("2026-10", "RUB")
    ivanov = data["employees"][0]
    assert set(ivanov) >= {"employee_id", "name", "team", "scheme", "salary", "bonus", "commission", "total", "kpis"}
    assert (ivanov["bonus"], ivanov["commission"], ivanov["total"]) == ("58000.00", "1800.00", "119800.00")
    k = ivanov["kpis"][0]
    assert set(k) >= {"kpi", "group", "scope", "weight", "plan", "fact", "completion", "factor", "payout"}
    assert (k["kpi"], k["plan"], k["fact"], k["completion"], k["factor"], k["payout"]) == (
        "revenue", "3000000", "3300000", "1.1", "1.32", "26400.00")
    for e in data["employees"]:
        for key in ("salary", "bonus", "commission", "total"):
            assert MONEY.match(e[key]), (key, e[key])
        for k in e["kpis"]:
            assert MONEY.match(k["payout"])
            assert all(k[f] is None or NUMBER.match(k[f]) for f in ("weight", "plan", "fact", "completion", "factor"))
    for block in [data["totals"], *data["teams"]]:
        assert all(MONEY.match(block[key]) for key in ("salary", "bonus", "commission", "total"))
    assert Decimal(data["totals"]["total"]) == sum(Decimal(e["total"]) for e in data["employees"])


def test_run_json_file_is_written_and_the_workbook_is_untouched(tmp_path):
    before = digest(SAMPLES / "sales_team.xlsx")
    out = tmp_path / "out.json"
    result = invoke("run", "--dry-run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--json", out)
    assert result.exit_code == 0 and "119,800.00" in result.output
    assert json.loads(out.read_text("utf-8"))["employees"][0]["total"] == "119800.00"
    assert digest(SAMPLES / "sales_team.xlsx") == before


def test_run_without_period_takes_the_latest_month_with_facts():
    data = json.loads(invoke("run", "--dry-run", SAMPLES / "sales_team.xlsx", "--json", "-").output)
    assert data["period"] == "2026-12"


def test_run_with_an_unknown_period_says_which_periods_exist():
    result = CliRunner().invoke(main, ["run", "--dry-run", str(SAMPLES / "sales_team.xlsx"), "--period", "2030-01"])
    assert result.exit_code == 1
    assert "no Plans or Facts rows for period 2030-01" in result.output and "2026-07" in result.output
    assert "Traceback" not in result.output


def test_check_passes_both_samples_in_their_language():
    for sample, text in (("sales_team.xlsx", "No problems found."), ("sales_team_ru.xlsx", "Проблем не найдено.")):
        result = invoke("check", SAMPLES / sample)
        assert result.exit_code == 0 and result.output.strip() == text


def test_init_writes_a_template_that_passes_check_with_drop_downs(tmp_path):
    for lang, sheets in (("en", ["Employees", "KPIs", "Schemes"]), ("ru", ["Сотрудники", "Показатели", "Схемы"])):
        path = tmp_path / f"template_{lang}.xlsx"
        assert invoke("init", path, "--lang", lang, "--period", "2026-10").exit_code == 0
        assert invoke("check", path).exit_code == 0
        book = openpyxl.load_workbook(path)
        assert book.sheetnames[:3] == sheets
        for name in sheets:
            ws = book[name]
            assert ws["A2"].value and len(ws["A2"].value) > 40  # the line explaining the sheet
            assert ws.data_validations.dataValidation, f"{name} has no drop-downs"
        lists = {str(dv.sqref)[0]: dv.formula1 for dv in book[sheets[1]].data_validations.dataValidation}
        assert ("activity" if lang == "en" else "активность") in lists["C"]


def test_init_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"precious")
    result = CliRunner().invoke(main, ["init", str(path)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert path.read_bytes() == b"precious"
    assert invoke("init", path, "--force").exit_code == 0 and path.read_bytes()[:2] == b"PK"


def test_python_m_runs_the_same_cli():
    out = subprocess.run([sys.executable, "-m", "kpi_reports", "run", "--dry-run", str(SAMPLES / "sales_team.xlsx"),
                          "--period", "2026-10", "--json", "-"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["employees"][0]["total"] == "119800.00"


def test_a_new_json_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    import os
    import stat
    out = tmp_path / "out.json"
    invoke("run", "--dry-run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--json", out)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    out.chmod(0o640)
    invoke("run", "--dry-run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--json", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
