"""Corrections of closed months on the open month's pay (issue 18), wherever the month's pay is shown: the
payslip sheet, the PDF, the HTML, the summary, the JSON, the terminal and the frame show each correction with
its reason, in English and in Russian, and the total to pay includes it to the kopeck; an overpayment that
Settings says not to withhold is shown, said not to be deducted, and left out of the total. LibreOffice
recalculates every generated formula, the corrections' included, to its cached value.

The corrections are attached to the sample's October (`engine.ledger.with_corrections`), as `run` does for
a month after closed ones: Ivanov (E001) is owed 1,234.00 for September (its revenue fact changed), Petrov
(E002) was overpaid 500.00 for August and it is not withheld, Sidorova (E003) was overpaid 250.50 and it is."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from test_gsheets_render import USERS, applied, cells, grids_of
from test_payslip_same_everywhere import Tree

import kpi_reports
from kpi_reports import layout
from kpi_reports.engine.ledger import with_corrections
from kpi_reports.layout.corrections import change_text, correction_line
from kpi_reports.layout.payslip_view import payslip_views
from kpi_reports.messages import text
from kpi_reports.model import Cell, Change, Correction
from kpi_reports.render import json as jsonout
from kpi_reports.render import terminal
from kpi_reports.render.gsheets.plan import plan
from kpi_reports.render.printed.files import write_payslips
from kpi_reports.render.xlsx.draw import write_workbook

from conftest import SAMPLES
from test_sheets import overprinted, poisoned, recalculated_as_cached, values, word_boxes

PERIOD = "2026-10"
SAMPLE = {"en": "sales_team.xlsx", "ru": "sales_team_ru.xlsx"}
REVENUE = {"en": "revenue", "ru": "выручка"}
OWED = D("1234.00")
KEPT, WITHHELD = D("-500.00"), D("-250.50")
SHOWN = {  # what each person's correction line says, in each language
    "en": {"E001": ("Correction for 2026-09", "revenue fact 3,300,000 → 3,350,000", "1,234.00"),
           "E002": ("Correction for 2026-08", "overpayment of 500.00, not deducted; weight of revenue 40% → 45%",
                    "0.00"),
           "E003": ("Correction for 2026-09", "recomputed with the same inputs", "−250.50")},
    "ru": {"E001": ("Перерасчёт за 2026-09", "факт выручка 3 300 000 → 3 350 000", "1 234,00"),
           "E002": ("Перерасчёт за 2026-08", "переплата 500,00 не удерживается; вес выручка 40% → 45%", "0,00"),
           "E003": ("Перерасчёт за 2026-09", "пересчитано по тем же данным", "−250,50")},
}
REASON = {"en": "revenue fact 3,300,000 → 3,350,000", "ru": "факт выручка 3\u00a0300\u00a0000 → 3\u00a0350\u00a0000"}
"""Ivanov's reason as the JSON gives it: the reader's digits, Russian grouped with no-break spaces."""
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def flat(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def digits(text: str) -> str:
    """A figure's digits, separators and sign, without the currency and the spaces."""
    return re.sub(r"[^\d.,−]", "", text)


def corrected(lang: str):
    """The sample's October, with the three corrections carried in; and the earned (own) pay per person."""
    wb = kpi_reports.load(SAMPLES / SAMPLE[lang])
    report = kpi_reports.period_report(wb, PERIOD)
    revenue = REVENUE[lang]
    found = {
        "E001": (Correction("2026-09", OWED, OWED, (
            Change("Facts", revenue, "3300000", "3350000", Cell("Facts", "F12", revenue)),)),),
        "E002": (Correction("2026-08", KEPT, D("0.00"), (Change("Schemes", f"{revenue}.weight", "0.4", "0.45"),)),),
        "E003": (Correction("2026-09", WITHHELD, WITHHELD),),
    }
    before = {r.employee.employee_id: r.total for r in report.result.employees}
    return wb, dataclasses.replace(report, result=with_corrections(report.result, found)), before


@pytest.fixture(scope="module", params=["en", "ru"])
def case(request):
    return request.param, *corrected(request.param)


def person(report, employee_id: str):
    return next(r for r in report.result.employees if r.employee.employee_id == employee_id)


# --- the engine's totals, which every view shows -------------------------------------------------------------

def test_the_total_to_pay_includes_the_paid_corrections_to_the_kopeck(case):
    _, _, report, before = case
    assert person(report, "E001").total == before["E001"] + OWED == D("121034.00")  # 119,800.00 + 1,234.00
    assert person(report, "E002").total == before["E002"]  # the overpayment not withheld: not deducted
    assert person(report, "E003").total == before["E003"] + WITHHELD
    assert report.result.totals.corrections == OWED + WITHHELD
    assert report.result.totals.total == sum(before.values()) + OWED + WITHHELD


# --- the payslip sheet ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def written(case, tmp_path_factory):
    lang, wb, report, _ = case
    sheets = layout.sheets(report, lang, wb.settings.company)
    path = tmp_path_factory.mktemp(f"xlsx-{lang}") / "out.xlsx"
    write_workbook(path, sheets)
    return sheets, path


def payslip_block(path: Path, name: str, employee_id: str):
    """The rows of one person's block on the Payslips sheet: (cached values, formulas) of its cells."""
    cached = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    formulas = openpyxl.load_workbook(path).worksheets[0]
    top = next(c.row for c in cached["B"] if c.value == f"{name} ({employee_id})")
    end = next((c.row for c in cached["B"][top:] if c.value and str(c.value).endswith(")") and "(E" in c.value),
               cached.max_row + 1)
    return [([c.value for c in cached[r]], [c.value for c in formulas[r]]) for r in range(top, end)]


@pytest.mark.parametrize("employee_id", ["E001", "E002", "E003"])
def test_the_payslip_sheet_shows_the_correction_with_its_reason_and_its_total_formula_includes_it(
        case, written, employee_id):
    lang, _, report, _ = case
    r = person(report, employee_id)
    label, reason, _ = SHOWN[lang][employee_id]
    rows = payslip_block(written[1], r.employee.name, employee_id)
    [(line, _)] = [row for row in rows if isinstance(row[0][0], str) and row[0][0].startswith(label)]
    assert flat(line[0]) == flat(f"{label}: {reason}")
    assert D(str(line[7])) == r.corrections[0].paid
    total_label = "Итого" if lang == "ru" else "Total"
    [(total, formula)] = [row for row in rows if row[0][6] == total_label]
    assert D(str(total[7])).quantize(D("0.01")) == r.total
    assert "+SUM(H" in formula[7]  # salary + bonus + commission + the correction lines


# --- the printed payslips: PDF and HTML ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def printed(case, tmp_path_factory):
    lang, wb, report, _ = case
    views = payslip_views(report, lang, wb.settings.company)
    folder = tmp_path_factory.mktemp(f"printed-{lang}")
    pdf, html = write_payslips(views, folder, PERIOD, lang, wb.settings.company, with_html=True)
    return views, pdf, html


def pdf_page(path: Path, page: int) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed: apt-get install poppler-utils"
    done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-f", str(page + 1), "-l", str(page + 1),
                           str(path), "-"], capture_output=True, check=True)
    return flat(done.stdout.decode("utf-8"))


@pytest.mark.parametrize("employee_id", ["E001", "E002", "E003"])
def test_the_pdf_shows_the_correction_line_with_its_reason_and_the_total_with_it(case, printed, employee_id):
    lang, _, report, _ = case
    views, pdf, _ = printed
    v = next(v for v in views if v.employee_id == employee_id)
    page = pdf_page(pdf, views.index(v))
    label, reason, amount = SHOWN[lang][employee_id]
    [line] = [x for x in v.pay if x.key == "correction"]
    assert (line.label, flat(line.note)) == (label, flat(reason)) and digits(line.amount.text) == digits(amount)
    assert f"{label} {flat(line.amount.text)} {flat(reason)}" in page  # the label, its amount, its reason below
    assert flat(v.pay[-1].amount.text) in page
    assert v.pay[-1].amount.value == person(report, employee_id).total


def test_ivanovs_printed_total_is_the_worked_case_plus_his_correction(case, printed):
    lang, _, _, _ = case
    views, pdf, _ = printed
    v = next(v for v in views if v.employee_id == "E001")
    assert [x.key for x in v.pay] == ["salary", "kpi_bonus", "commission", "correction", "total"]
    assert flat(v.pay[-1].amount.text) == ("121 034,00 ₽" if lang == "ru" else "RUB 121,034.00")
    assert flat(v.pay[-1].amount.text) in pdf_page(pdf, views.index(v))


@pytest.mark.parametrize("employee_id", ["E001", "E002", "E003"])
def test_the_html_shows_the_correction_line_between_the_pay_and_the_total(case, printed, employee_id):
    lang, _, report, _ = case
    views, _, html = printed
    v = next(v for v in views if v.employee_id == employee_id)
    slip = Tree.parse(html.read_text("utf-8")).find_all("section")[views.index(v)]
    rows = [tr.find_all("td") for tr in slip.find("table", "pay").find_all("tr")]
    label, reason, amount = SHOWN[lang][employee_id]
    assert len(rows) == 5  # salary, bonus, commission, the correction, the total
    shown, figure = rows[3]
    assert flat("".join(shown.parts)) == label and shown.find("small", "note").text == flat(reason)
    assert digits(figure.text) == digits(amount)
    assert rows[-1][1].text == flat(v.pay[-1].amount.text)
    assert v.pay[-1].amount.value == person(report, employee_id).total


# --- the summary ----------------------------------------------------------------------------------------------

def test_the_summary_has_a_corrections_column_in_its_totals(case, written):
    lang, _, report, _ = case
    sheets, path = written
    summary = next(s for s in sheets if s.kind == "summary")
    ws = openpyxl.load_workbook(path, data_only=True)[summary.name]
    heads = [c.value for c in ws[1]]
    corrections = heads.index("Перерасчёты" if lang == "ru" else "Corrections")
    total = heads.index("Итого" if lang == "ru" else "Total")
    assert total == corrections + 1
    by_id = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    for r in report.result.employees:
        row = by_id[r.employee.employee_id]
        shown = row[corrections].value
        assert (D(str(shown)) if shown is not None else None) == (r.corrected if r.corrections else None)
        assert D(str(row[total].value)).quantize(D("0.01")) == r.total
    company = next(row for row in ws.iter_rows(min_row=2) if row[1].value == text("company_total", lang))
    assert D(str(company[corrections].value)) == report.result.totals.corrections == OWED + WITHHELD
    assert D(str(company[total].value)).quantize(D("0.01")) == report.result.totals.total
    formulas = openpyxl.load_workbook(path)[summary.name]
    ivanov = next(row for row in formulas.iter_rows(min_row=2) if row[0].value == "E001")
    assert ivanov[corrections].value.startswith("=SUM('")


def test_a_month_without_corrections_has_no_corrections_column():
    wb = kpi_reports.load(SAMPLES / SAMPLE["en"])
    report = kpi_reports.period_report(wb, PERIOD)
    summary = next(s for s in layout.sheets(report, "en") if s.kind == "summary")
    heads = [c.value for c in summary.cells if c.row == 0]
    assert "Corrections" not in heads and heads[-2:] == ["Total", "Main weak spot"]
    assert "Corrections" not in terminal.pay_table(report.result, "en")


# --- the JSON, the terminal, the frame ------------------------------------------------------------------------

def test_the_json_gives_each_correction_with_its_reasons_and_changes(case):
    lang, _, report, before = case
    data = json.loads(jsonout.dumps(report, lang))
    people = {e["employee_id"]: e for e in data["employees"]}
    revenue = REVENUE[lang]
    assert people["E001"]["corrections"] == [{
        "period": "2026-09", "amount": "1234.00", "paid": "1234.00", "reasons": [REASON[lang]],
        "changes": [{"sheet": "Facts", "cell": "F12", "column": revenue, "old": "3300000", "new": "3350000"}]}]
    kept = people["E002"]["corrections"][0]
    assert (kept["amount"], kept["paid"]) == ("-500.00", "0.00")
    assert people["E003"]["corrections"][0]["reasons"] == [SHOWN[lang]["E003"][1]]
    assert all(e["corrections"] == [] for e in data["employees"] if e["employee_id"] not in ("E001", "E002", "E003"))
    assert people["E001"]["total"] == str(before["E001"] + OWED) and people["E002"]["total"] == str(before["E002"])
    assert D(data["totals"]["corrections"]) == OWED + WITHHELD
    assert D(data["totals"]["total"]) == sum(D(e["total"]) for e in data["employees"])
    assert data["teams"][0]["corrections"] == str(OWED + WITHHELD)  # all three are hunters


def test_the_terminal_shows_a_corrections_column_and_each_line(case):
    lang, _, report, _ = case
    shown = terminal.pay_table(report.result, lang)
    assert ("Перерасчёты" if lang == "ru" else "Corrections") in shown.splitlines()[2]
    for r in report.result.employees:
        for c in r.corrections:
            assert correction_line(c, lang) in shown
    assert ("Перерасчёт за 2026-09: +1 234,00 (факт выручка 3 300 000 → 3 350 000)" if lang == "ru" else
            "Correction for 2026-09: +1,234.00 (revenue fact 3,300,000 → 3,350,000)") in flat(shown)


def test_the_frame_has_the_corrections_included_in_the_total(case):
    pytest.importorskip("pandas")
    _, _, report, before = case
    wide = kpi_reports.frame(report).set_index("employee_id")
    assert wide.loc["E001", "corrections"] == OWED and wide.loc["E001", "total"] == before["E001"] + OWED
    assert wide.loc["E002", "corrections"] == D("0.00") and wide.loc["E004", "corrections"] == D("0.00")
    assert wide["corrections"].sum() == report.result.totals.corrections


# --- the words ------------------------------------------------------------------------------------------------

def test_a_change_names_its_cell_when_asked():
    change = Change("Facts", "revenue", "3300000", "3350000", Cell("Facts", "F12", "revenue"))
    assert change_text(change, "en") == "revenue fact 3,300,000 → 3,350,000"
    assert change_text(change, "en", with_cell=True) == "Facts!F12 revenue 3,300,000 → 3,350,000"
    assert change_text(change, "ru", with_cell=True) == "Facts!F12 revenue 3\u00a0300\u00a0000 → 3\u00a0350\u00a0000"
    assert change_text(Change("Plans", "calls", None, "800"), "en") == "calls plan — → 800"
    assert change_text(Change("Employees", "salary", "60000", "66000"), "ru") == "оклад 60\u00a0000,00 → 66\u00a0000,00"
    assert change_text(Change("Schemes", "revenue.cutoff", "0.8", "0.825"), "en") == "cut-off of revenue 80% → 82.5%"
    assert change_text(Change("Settings", "test_mode", "no", "yes"), "ru") == "настройка mode боевой → тест"


def test_a_correction_line_reads_as_the_issue_says():
    c = Correction("2026-10", OWED, OWED, (Change("Facts", "revenue", "3300000", "3350000"),))
    assert correction_line(c, "en") == "Correction for 2026-10: +1,234.00 (revenue fact 3,300,000 → 3,350,000)"
    kept = Correction("2026-10", KEPT, D("0.00"))
    assert correction_line(kept, "en") == "Correction for 2026-10: −500.00, not deducted (recomputed with the same inputs)"


# --- LibreOffice --------------------------------------------------------------------------------------------

def test_libreoffice_recalculates_every_formula_with_the_corrections_to_its_cached_value(case, written, soffice,
                                                                                         tmp_path):
    sheets, path = written
    recalculated = values(soffice(poisoned(path, tmp_path / "poisoned.xlsx"), "xlsx"))
    checked = recalculated_as_cached(sheets, recalculated)
    summary = next(s for s in sheets if s.kind == "summary")
    assert sum(1 for c in summary.cells if c.formula and c.formula.startswith("=SUM('")) == 3
    assert checked > 250


# --- the Google Sheet -----------------------------------------------------------------------------------------

def test_the_google_sheet_gets_the_same_correction_lines_and_total_formulas(case, written):
    lang = case[0]
    sheets, _ = written
    p = plan(sheets, USERS)
    applied(p.bodies, grids_of(USERS))  # a body Google accepts
    written_cells = cells(p.bodies).values()
    strings = {flat(v.get("stringValue", "")) for v in written_cells}
    for employee_id, (label, reason, _) in SHOWN[lang].items():
        assert flat(f"{label}: {reason}") in strings, employee_id
    formulas = [v["formulaValue"] for v in written_cells if "formulaValue" in v]
    assert sum(1 for f in formulas if re.fullmatch(r"=H\d+\+H\d+\+H\d+\+SUM\(H\d+:H\d+\)", f)) == 3
    assert sum(1 for f in formulas if f.startswith("=SUM('")) == 3  # the summary's corrections column


def test_libreoffice_prints_each_payslip_with_its_correction_on_one_page_with_nothing_over_anything(
        case, written, soffice, tmp_path):
    lang, _, report, _ = case
    sheets, _ = written
    slips = tmp_path / "slips.xlsx"
    write_workbook(slips, [s for s in sheets if s.kind == "payslips"])
    pdf = soffice(slips, "pdf")
    pages = word_boxes(pdf)
    assert len(pages) == len(report.result.employees)
    for n, words in enumerate(pages, 1):
        assert not overprinted(words), (n, overprinted(words)[:5])
    shown = [flat(page) for page in subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                                   text=True, check=True).stdout.split("\f")]
    for employee_id, (label, reason, _) in SHOWN[lang].items():
        name = person(report, employee_id).employee.name
        page = next(p for p in shown if f"{name} ({employee_id})" in p)
        assert flat(f"{label}: {reason}") in page, employee_id
