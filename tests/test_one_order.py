"""One order everywhere: the terminal, the Summary, the payslips sheet, the printed PDF, the --split files (numbered
so a folder listing sorts them) and the page all list the teams as the Summary does, each team's people as its
rows go — in English and in Russian alike."""
import shutil
import subprocess

import pytest
import python_calamine
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main

from conftest import SAMPLES

SUMMARY_ORDER = ["E001", "E002", "E003", "E004", "E005", "E006", "E007", "E008", "H001"]
"""The sample's Summary: Hunters (E001–E004), Farmers (E005–E008), the Sales department (H001)."""


def summary_ids(path, lang):
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        "Summary 2026-10" if lang == "en" else "Сводка 2026-10").to_python()
    return [r[0] for r in rows if isinstance(r[0], str) and r[0][:1] in "EH" and r[0][1:].isdigit()]


@pytest.mark.parametrize("lang, name", [("en", "sales_team.xlsx"), ("ru", "sales_team_ru.xlsx")])
def test_the_pdf_the_split_files_and_the_sheets_follow_the_summarys_order(tmp_path, lang, name):
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["run", str(SAMPLES / name), "--period", "2026-10", "--out", str(out),
                                       "--pdf", str(tmp_path / "pdf"), "--split"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert summary_ids(out, lang) == SUMMARY_ORDER
    terminal = [line.split()[0] for line in result.stdout.splitlines() if line[:4] in {f"E00{i}" for i in range(9)}
                | {"H001"}]
    assert terminal[:9] == SUMMARY_ORDER
    slips = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(
        "Payslips 2026-10" if lang == "en" else "Расчётные листки 2026-10").to_python()
    named = [cell for row in slips for cell in row[1:2] if isinstance(cell, str) and cell.endswith(")")]
    assert [n.rsplit("(", 1)[1][:-1] for n in named] == SUMMARY_ORDER
    assert shutil.which("pdftotext")
    pages = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "pdf" / "payslips-2026-10.pdf"), "-"],
                           capture_output=True, check=True).stdout.decode().split("\f")[:-1]
    assert [next(i for i in SUMMARY_ORDER if i in page) for page in pages] == SUMMARY_ORDER
    files = sorted(p.name for p in (tmp_path / "pdf").iterdir() if p.name != "payslips-2026-10.pdf")
    assert [f.split()[1] for f in files] == SUMMARY_ORDER
    assert files[0].startswith("1 E001 ")


def test_the_views_the_page_lists_are_in_the_summarys_order():
    wb = kpi_reports.load(SAMPLES / "sales_team_ru.xlsx")
    report = kpi_reports.period_report(wb, "2026-10")
    views = kpi_reports.layout.payslip_view.payslip_views(report, "ru")
    assert [v.employee_id for v in views] == SUMMARY_ORDER
    assert [[r.employee.employee_id for r in people] for _, people in report.result.by_team] == [
        SUMMARY_ORDER[:4], SUMMARY_ORDER[4:8], SUMMARY_ORDER[8:]]
