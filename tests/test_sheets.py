"""The generated sheets (`run --out`): LibreOffice recalculates every formula to the engine's figure,
each payslip prints on one A4 page, the layout is what the issue asks for, and user text stays text."""
from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from click.testing import CliRunner
from conftest import SAMPLES, put

import kpi_reports
from kpi_reports import layout
from kpi_reports.cli import main
from kpi_reports.render.xlsx import write_workbook

PERIOD = "2026-10"
RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item></oor:items>"""


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """LibreOffice headless with a profile that recalculates every formula on load."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    assert program, "LibreOffice is needed: apt-get install libreoffice-calc-nogui (.ci/run installs it)"
    profile = tmp_path_factory.mktemp("lo-profile")
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")

    def convert(path: Path, to: str) -> Path:
        out = path.parent / f"lo-{to}"
        subprocess.run([program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to,
                        "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
        return out / (path.stem + "." + to)
    return convert


def report_of(path: Path, period: str = PERIOD, **kwargs):
    wb = kpi_reports.load(path, periods=kpi_reports.trend_months(period))
    return wb, kpi_reports.period_report(wb, period, **kwargs)


def poisoned(path: Path, target: Path) -> Path:
    """The same workbook with every formula's cached value replaced by 0: only a recalculation restores them."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1<v>0</v>", data)
                data = re.sub(rb'(<c [^>]*?) t="str"([^>]*><f>)', rb"\1\2", data)
            dst.writestr(info, data)
    return target


def values(path: Path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def edge_cases(example):
    """Every branch of the formulas: below the cut-off, no plan, the cap, a lower-is-better fact of 0."""
    put(example, "Facts", "calls", 790, employee_id="E001", period=PERIOD)
    put(example, "Plans", "calls", None, employee_id="E002", period=PERIOD)
    put(example, "Facts", "revenue", 9000000, employee_id="E006", period=PERIOD)
    put(example, "Facts", "cycle_days", 0, employee_id="E005", period=PERIOD)
    return example


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_libreoffice_recalculates_every_formula_to_the_engines_figure(example, write, soffice, tmp_path, lang):
    wb, report = report_of(write(edge_cases(example)))
    sheets = layout.sheets(report, lang, wb.settings.company)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets)
    recalculated = values(soffice(poisoned(ours, tmp_path / "poisoned.xlsx"), "xlsx"))
    checked = 0
    for sheet in sheets:
        got = recalculated[sheet.name]
        for cell in (c for c in sheet.cells if c.formula):
            theirs = got[cell.row][cell.col]
            if isinstance(cell.value, str):
                assert theirs == cell.value, (sheet.name, cell)
            else:
                assert abs(D(str(theirs)) - cell.value) < D("0.000000001"), (sheet.name, cell, theirs)
            checked += 1
    assert checked > 250  # every formula of nine payslips and the summary


def test_a_large_team_gets_payslips_sheets_within_excels_page_break_limit(soffice, tmp_path, monkeypatch):
    payslips = importlib.import_module("kpi_reports.layout.payslips")  # the module, not the function
    assert payslips.PER_SHEET < 1023  # Excel keeps at most 1,023 manual page breaks per sheet
    monkeypatch.setattr(payslips, "PER_SHEET", 4)
    wb, report = report_of(SAMPLES / "sales_team.xlsx")
    sheets = layout.sheets(report, "en", wb.settings.company)
    assert [s.name for s in sheets] == ["Payslips 2026-10", "Payslips 2026-10 (2)", "Payslips 2026-10 (3)",
                                        "Summary 2026-10"]
    assert [len(s.page.row_breaks) for s in sheets[:3]] == [3, 3, 0]  # 4 + 4 + 1 people, a page each
    fifth = report.result.employees[4].employee.employee_id
    summary = sheets[-1]
    row = next(c.row for c in summary.cells if c.value == fifth)
    assert all("'Payslips 2026-10 (2)'!" in c.formula for c in summary.cells if c.row == row and c.formula)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets)
    recalculated = values(soffice(poisoned(ours, tmp_path / "poisoned.xlsx"), "xlsx"))["Summary 2026-10"]
    for cell in (c for c in summary.cells if c.formula and not isinstance(c.value, str)):
        assert abs(D(str(recalculated[cell.row][cell.col])) - cell.value) < D("0.000000001"), cell


def test_cached_values_are_what_pandas_reads(example, write, tmp_path):
    import pandas
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    frames = pandas.read_excel(out, sheet_name=None, header=None, engine="calamine")
    payslips = frames["Payslips 2026-10"].fillna("")
    ivanov = payslips.values.tolist()
    assert ["", "", "", "", "", "", "Total", 119800.0] in ivanov
    assert ["Revenue", "result", 3000000.0, 3300000.0, 1.1, 0.4, "110% > 100%: × 1.2", 26400.0] in ivanov


def test_each_payslip_prints_on_one_a4_page(write, soffice, tmp_path):
    wb, report = report_of(SAMPLES / "sales_team.xlsx")
    only_payslips = tmp_path / "payslips.xlsx"
    write_workbook(only_payslips, layout.sheets(report, "en", wb.settings.company)[:1])
    pdf = soffice(only_payslips, "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1) == str(len(report.result.employees))
    assert re.search(r"Page size:\s+595[.\d]* x 841[.\d]* pts \(A4\)", info)  # A4 portrait
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "Ivan Ivanov (E001)" in pages[0] and "119,800.00" in pages[0] and "Pyotr Petrov" not in pages[0]


def test_layout_of_the_generated_sheets(tmp_path):
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(SAMPLES / "sales_team.xlsx"), "--period", PERIOD, "--out", str(out)],
                       catch_exceptions=False)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Payslips 2026-10", "Summary 2026-10"]  # no warnings: no problems sheet
    slips, summary = book["Payslips 2026-10"], book["Summary 2026-10"]
    assert slips.page_setup.paperSize == 9 and slips.page_setup.orientation == "portrait"
    assert slips.sheet_properties.pageSetUpPr.fitToPage and slips.page_setup.fitToHeight == 0  # 1 page wide
    assert len(slips.row_breaks.brk) == 8  # nine people, a page each
    assert slips.print_area and "&P" in slips.oddFooter.center.text
    assert slips["H7"].value == "=IF(ISNUMBER(E7),ROUND(F3*F7*IF(E7<0.8,0,IF(E7<=1,E7,E7*1.2)),2),0)"
    assert slips["E7"].value == '=IF(AND(ISNUMBER(C7),ISNUMBER(D7),N(C7)>0),D7/C7,"")'
    assert summary.freeze_panes == "C2" and summary.auto_filter.ref
    assert len(summary.conditional_formatting) >= 7  # a colour rule set per KPI column
    assert summary["J3"].value == "='Payslips 2026-10'!H14"  # Ivanov's salary: the summary refers to the payslip
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_russian_sheets_have_russian_names_and_labels(tmp_path):
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(SAMPLES / "sales_team_ru.xlsx"), "--period", PERIOD, "--out", str(out)],
                       catch_exceptions=False)
    data = values(out)
    assert list(data) == ["Расчётные листки 2026-10", "Сводка 2026-10"]
    assert "ООО «Ромашка» — расчётный листок за 2026-10" in data["Расчётные листки 2026-10"][0]


def test_problems_sheet_lists_the_warnings(example, write, tmp_path):
    cell = put(example, "Plans", "calls", None, employee_id="E002", period=PERIOD)
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out)],
                       catch_exceptions=False)
    rows = values(out)["Problems 2026-10"]
    assert rows[0] == ["Warning", "Sheet", "Cell", "Column", "Problem"]
    assert ["warning", "Plans", cell, "calls", "no plan for calls: it pays 0 this month: found an empty cell"] in rows


def test_test_mode_marks_every_generated_sheet(example, write, tmp_path):
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out), "--test-mode"],
                       catch_exceptions=False)
    for name, rows in values(out).items():
        assert rows[0][0] == "TEST MODE — not a basis for payment", name
    assert sum(r[0] == "TEST MODE — not a basis for payment" for r in values(out)["Payslips 2026-10"]) == 9


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"])
def test_user_text_is_written_as_text_never_as_a_formula(example, write, tmp_path, text):
    put(example, "Employees", "name", text, employee_id="E001")
    put(example, "Employees", "position", text, employee_id="E001")
    put(example, "KPIs", "title", text, kpi="revenue")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["run", str(write(example)), "--period", PERIOD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    found = [c for ws in book for row in ws.iter_rows() for c in row if c.value == text or
             (isinstance(c.value, str) and c.value.startswith(text + " ("))]
    assert len(found) >= 3 and all(c.data_type == "s" for c in found)
    with zipfile.ZipFile(out) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert not re.search(rb"<f>[^<]*(HYPERLINK|SUM\(A1\)|1\+1|2\+3)", sheets)


def test_text_is_stored_the_way_excel_stores_it():
    from kpi_reports.render.xlsx import _text
    assert _text('a & b <c> "q"') == 'a &amp; b &lt;c&gt; "q"'
    assert _text("tab\there, bell\x07") == "tab\there, bell_x0007_"  # a control character cannot be XML
    assert _text("_x0041_") == "_x005F_x0041_"  # a literal escape stays literal
