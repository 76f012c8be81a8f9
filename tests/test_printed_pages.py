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
