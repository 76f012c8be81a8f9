"""What a person holds in their hand: a payslip without commission has no commission block (sheet, PDF, HTML)
while its pay lines stay, and English money reads `RUB 119,800.00` on paper and on the page."""
import re
import subprocess

import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.layout.payslip_view import payslip_views

from conftest import SAMPLES


def printed(tmp_path, lang):
    name = "sales_team.xlsx" if lang == "en" else "sales_team_ru.xlsx"
    result = CliRunner().invoke(main, ["run", str(SAMPLES / name), "--period", "2026-10", "--dry-run", "--pdf",
                                       str(tmp_path), "--html"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pages = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "payslips-2026-10.pdf"), "-"],
                           capture_output=True, check=True).stdout.decode().split("\f")[:-1]
    html = (tmp_path / "payslips-2026-10.html").read_text(encoding="utf-8")
    return pages, html


@pytest.mark.parametrize("lang, heading", [("en", "Commission: revenue above plan"),
                                           ("ru", "Процент с продаж")])
def test_a_person_paid_no_commission_gets_no_commission_block_but_keeps_the_pay_lines(tmp_path, lang, heading):
    pages, html = printed(tmp_path, lang)
    head = next(p for p in pages if "H001" in p)
    ivanov = next(p for p in pages if "E001" in p)
    wb = kpi_reports.load(SAMPLES / ("sales_team.xlsx" if lang == "en" else "sales_team_ru.xlsx"))
    views = {v.employee_id: v for v in payslip_views(kpi_reports.period_report(wb, "2026-10"), lang)}
    block = views["E001"].commission.heading
    assert heading.split(":")[0] in block
    assert block in ivanov and block not in head
    assert views["H001"].labels["commission"] in head  # the pay line stays
    assert html.count('<table class="commission">') == len(views) - 1


@pytest.mark.parametrize("lang, words", [("en", "payslip for October 2026"), ("ru", "за октябрь 2026")])
def test_the_title_names_the_month_in_words_and_russian_pages_use_the_accountants_terms(tmp_path, lang, words):
    pages, _ = printed(tmp_path, lang)
    assert all(words in page for page in pages)
    if lang == "ru":  # the accountant's term, in the block's heading and on the pay line
        ivanov = next(p for p in pages if "E001" in p)
        assert ivanov.count("Процент с продаж") >= 3 and "Процент:" not in ivanov


def test_english_money_is_the_currency_code_a_space_and_the_digits(tmp_path):
    pages, html = printed(tmp_path, "en")
    ivanov = next(p for p in pages if "E001" in p)
    assert re.search(r"RUB\s119,800\.00", ivanov) and not re.search(r"RUB\d", "".join(pages))
    assert "RUB\u00a0119,800.00" in html and not re.search(r"RUB\d", html)


def test_a_warning_at_a_persons_row_names_the_person_in_the_terminal_the_json_and_the_problems_sheet(tmp_path):
    import json

    import openpyxl
    import python_calamine

    path = tmp_path / "team.xlsx"
    book = openpyxl.load_workbook(SAMPLES / "sales_team.xlsx")
    plans = book["Plans"]
    row = next(r for r in range(4, plans.max_row + 1)
               if plans.cell(r, 1).value == "2026-10" and plans.cell(r, 2).value == "E001")
    plans.cell(row, 3).value = None  # Ivanov's calls plan
    book.save(path)
    out, report = tmp_path / "out.xlsx", tmp_path / "run.json"
    result = CliRunner().invoke(main, ["run", str(path), "--period", "2026-10", "--out", str(out), "--json",
                                       str(report)], catch_exceptions=False)
    assert f"Plans!C{row} (Ivan Ivanov, calls)" in result.output
    warning = next(w for w in json.loads(report.read_text())["warnings"] if w["cell"] == f"C{row}")
    assert warning["employee"] == "Ivan Ivanov"
    rows = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Problems 2026-10").to_python()
    assert rows[0][3] == "Employee" and any(r[2] == f"C{row}" and r[3] == "Ivan Ivanov" for r in rows[1:])


@pytest.mark.parametrize("lang, banner", [("en", "TEST MODE"), ("ru", "ТЕСТОВЫЙ РЕЖИМ")])
def test_the_init_templates_example_rows_compute_in_test_mode_with_a_note_to_clear_it(tmp_path, lang, banner):
    import python_calamine

    path = tmp_path / "new.xlsx"
    assert CliRunner().invoke(main, ["init", str(path), "--lang", lang, "--period", "2026-10"]).exit_code == 0
    settings = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        "Settings" if lang == "en" else "Настройки").to_python()
    mode = next(r for r in settings if r[0] in ("mode", "режим"))
    assert mode[1] in ("test", "тест") and len(mode[2]) > 20
    result = CliRunner().invoke(main, ["run", str(path), "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0 and banner in result.output


@pytest.mark.parametrize("name", ["sales_team.xlsx", "team_changes.xlsx"])
def test_a_percent_kpis_plan_and_fact_as_printed_give_the_completion_printed(tmp_path, name):
    from decimal import ROUND_HALF_UP, Decimal

    pages, _ = printed_of(tmp_path, name)
    wb = kpi_reports.load(SAMPLES / name)
    checked = 0
    for v in payslip_views(kpi_reports.period_report(wb, "2026-10"), "en"):
        page = next(p for p in pages if v.employee_id in p)
        for k in v.kpis:
            if k.unit != "percent" or not k.completion.text:
                continue
            plan, fact, completion = (Decimal(f.text.rstrip("%")) for f in (k.plan, k.fact, k.completion))
            assert (fact / plan * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) == completion, (v.employee_id, k.kpi)
            assert k.plan.text in page and k.fact.text in page
            checked += 1
    assert checked >= 5  # the hunters' call → meeting, and the head's (team)


def printed_of(tmp_path, name):
    result = CliRunner().invoke(main, ["run", str(SAMPLES / name), "--period", "2026-10", "--dry-run", "--pdf",
                                       str(tmp_path), "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pages = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "payslips-2026-10.pdf"), "-"],
                           capture_output=True, check=True).stdout.decode().split("\f")[:-1]
    return pages, None


def test_every_row_of_the_summary_aligns_its_cells_alike():
    from kpi_reports import layout
    from kpi_reports.layout.model import STYLES, cells_by_row

    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    report = kpi_reports.period_report(wb, "2026-10")
    summary = next(s for s in layout.sheets(report, "en") if s.kind == "summary")
    for row, cells in cells_by_row(summary).items():
        aligns = {STYLES[c.style].get("valign", "bottom") for c in cells if c.style in STYLES and c.value != ""}
        assert len(aligns) <= 1, (row, [(c.value, c.style) for c in cells])


@pytest.mark.parametrize("lang, head, pace", [
    ("en", "As of 15 October 2026, 11 of 22 working days", "at this pace 75.3% by month end, the 80.0% cut-off missed by 4.7 points"),
    ("ru", "На 15 октября 2026: прошло 11 из 22 рабочих дней", "в таком темпе к концу месяца 75,3%, порог 80,0% не достигнут на 4,7 п. п.")])
def test_a_mid_month_run_says_so_and_words_weak_spots_on_the_pace(lang, head, pace):
    name = "sales_team.xlsx" if lang == "en" else "sales_team_ru.xlsx"
    result = CliRunner().invoke(main, ["run", str(SAMPLES / name), "--period", "2026-10", "--as-of", "2026-10-15",
                                       "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines()[0].lower() == head.lower()
    assert pace in result.output
    assert "is lost" not in result.output and "потеряна" not in result.output
