"""The new terms of issue 17 shown in every output: a short month's proration ("60,000.00 × 15 / 22 working
days") and a pilot (test-mode people among live ones) on the Payslips sheet, the Summary, the PDF, the HTML,
the Google Sheets tab, the JSON and the terminal — and LibreOffice recalculates every new formula to the
engine's figure. The second sample, samples/team_changes.xlsx, in 2026-10: E009 Nikolai Fedorov works 15 of
22 days (60,000.00 → 40,909.09), E001 and E005 are live, everyone else in test mode."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports import layout
from kpi_reports.cli import main
from kpi_reports.layout.payslip_view import payslip_views
from kpi_reports.messages import text
from kpi_reports.render.xlsx.draw import write_workbook
from kpi_reports.workbook.example_changes import changes_data
from kpi_reports.workbook.template import write_workbook as write_input

from conftest import SAMPLES
from support import sheets_fake
from support.workbooks import spreadsheet_tabs
from test_sheets import overprinted, poisoned, values, word_boxes

PERIOD = "2026-10"
CHANGES = {"en": "team_changes.xlsx", "ru": "team_changes_ru.xlsx"}
LIVE = {"E001", "E005"}
PRORATED = {"en": "60,000.00 × 15 / 22 working days", "ru": "60 000,00 × 15 / 22 рабочих дней"}
BONUS_PRORATED = {"en": "45,000.00 × 15 / 22 working days", "ru": "45 000,00 × 15 / 22 рабочих дней"}
fake_sheets = sheets_fake.fixture()


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flat(shown: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", shown).strip()


def pages_text(path: Path, layout: bool = False) -> list[str]:
    """Each page's text as pdftotext reads it, white space made single spaces; `layout`: line by line as
    printed (a line's words across the page kept together), the lines apart."""
    assert shutil.which("pdftotext"), "poppler-utils is needed: apt-get install poppler-utils"
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"],
                          capture_output=True, check=True)
    pages = done.stdout.decode("utf-8").split("\f")[:-1]
    return ["\n".join(flat(line) for line in p.splitlines()) for p in pages] if layout else [flat(p) for p in pages]


def rc(ref: str) -> tuple[int, int]:
    """An A1 reference's zero-based row and column: "H200" → (199, 7)."""
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return int(digits) - 1, col - 1


def slips_html(path: Path) -> list[dict[str, list[str]]]:
    """Each payslip of the HTML: the texts of its banners and of its notes (the small print beside a figure)."""
    patterns = {"banners": r'<div class="banner"[^>]*>(.*?)</div>', "notes": r'<span class="note">(.*?)</span>',
                "target_notes": r'<small class="note">(.*?)</small>'}
    return [{key: [flat(html.unescape(t)) for t in re.findall(pattern, slip)] for key, pattern in patterns.items()}
            for slip in path.read_text("utf-8").split('<section class="slip">')[1:]]


def report_of(path: Path, **kwargs):
    wb = kpi_reports.load(path, periods=kpi_reports.trend_months(PERIOD))
    return wb, kpi_reports.period_report(wb, PERIOD, **kwargs)


@pytest.fixture(scope="module")
def bonus_book(tmp_path_factory) -> dict[str, Path]:
    """The second sample with Settings prorate_bonus = yes: E009's bonus target is 45,000 × 15 / 22 too."""
    folder, found = tmp_path_factory.mktemp("prorate-bonus"), {}
    for lang in ("en", "ru"):
        data = changes_data(lang)
        data.sheets["Settings"].rows.append(["пропорционально_премия", "да"] if lang == "ru" else ["prorate_bonus", "yes"])
        write_input(found.setdefault(lang, folder / f"bonus_{lang}.xlsx"), data, lang)
    return found


def recalculated_matches(sheets, got: dict[str, list[list]]) -> int:
    """Every formula of `sheets` as LibreOffice recalculated it (`got`) against its cached value; returns how
    many were checked."""
    checked = 0
    for sheet in sheets:
        for cell in (c for c in sheet.cells if c.formula):
            theirs = got[sheet.name][cell.row][cell.col]
            if isinstance(cell.value, str):
                assert theirs == cell.value, (sheet.name, cell)
            else:
                assert abs(D(str(theirs)) - cell.value) < D("0.000000001"), (sheet.name, cell, theirs)
            checked += 1
    return checked


# --- the sheets, recalculated by LibreOffice ----------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("case", ["sample", "prorate_bonus"])
def test_libreoffice_recalculates_the_proration_and_the_pilot_totals_to_the_engines_figures(
        soffice, tmp_path, bonus_book, lang, case):
    wb, report = report_of(SAMPLES / CHANGES[lang] if case == "sample" else bonus_book[lang])
    sheets = layout.sheets(report, lang, wb.settings.company)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets)
    got = values(soffice(poisoned(ours, tmp_path / "poisoned.xlsx"), "xlsx"))
    assert recalculated_matches(sheets, got) > 300
    slips, summary = sheets[0], sheets[1]
    cells = {(c.row, c.col): c for c in slips.cells}
    salary = cells[rc(slips.anchors["E009"]["salary"])]
    assert salary.value == D("40909.09") and re.fullmatch(r"=ROUND\(C\d+\*D\d+/E\d+,2\)", salary.formula)
    row, col = rc(slips.anchors["E009"]["salary"])
    assert got[slips.name][row][col] == 40909.09
    assert [cells[row, c].value for c in (2, 3, 4)] == [D("60000.00"), D(15), D(22)]
    if case == "prorate_bonus":  # the bonus target too, and the payouts on it
        assert cells[row, 5].value == D("45000.00")
        [target] = [c for c in slips.cells if c.formula == f"=ROUND(F{row + 1}*D{row + 1}/E{row + 1},2)"]
        assert target.value == D("30681.82") and got[slips.name][target.row][target.col] == 30681.82
    live = [c for c in summary.cells if c.value == text("shown_live", lang)]
    test = [c for c in summary.cells if c.value == text("shown_test", lang)]
    assert len(live) == len(test) == len(report.result.teams) + 1  # each team's and the company's
    money_col = next(c.col for c in summary.cells if c.row == 0 and c.value == text("total", lang))
    company_live, company_test = live[-1].row, test[-1].row
    assert got[summary.name][company_live][money_col] == pytest.approx(float(report.result.live.total))
    assert got[summary.name][company_test][money_col] == pytest.approx(float(report.result.test.total))
    if case == "sample":
        assert (report.result.live.total, report.result.test.total) == (D("216541.65"), D("789905.72"))


def test_a_manager_who_types_other_worked_days_sees_the_salary_change(soffice, tmp_path):
    wb, report = report_of(SAMPLES / "team_changes.xlsx")
    sheets = layout.sheets(report, "en", wb.settings.company)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets)
    slips = sheets[0]
    row, _ = rc(slips.anchors["E009"]["salary"])
    book = openpyxl.load_workbook(ours)
    book[slips.name].cell(row + 1, 4).value = 11  # D: worked days
    book.save(tmp_path / "typed.xlsx")
    got = values(soffice(tmp_path / "typed.xlsx", "xlsx"))
    assert got[slips.name][row][7] == 30000.00  # 60,000 × 11 / 22
    total_col = next(c.col for c in sheets[1].cells if c.row == 0 and c.value == "Total")
    e009 = next(c.row for c in sheets[1].cells if c.value == "E009")
    assert got[sheets[1].name][e009][total_col] == pytest.approx(99481.33 - 10909.09)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_printed_sheets_show_the_proration_and_the_pilot_whole_and_nothing_over_anything(
        soffice, tmp_path, bonus_book, lang):
    """LibreOffice prints the sheets of the pilot with a prorated salary and bonus target: a page per payslip,
    no two words over each other, no ###; the joiner's page shows the proration's heads and figures."""
    wb, report = report_of(bonus_book[lang])
    sheets = layout.sheets(report, lang, wb.settings.company)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets[:2])
    pdf = soffice(ours, "pdf")
    pages = word_boxes(pdf)
    people = len(report.result.employees)
    assert people + 1 <= len(pages) <= people + 3  # a page per payslip, then the summary (two) and its chart
    for n, words in enumerate(pages, 1):
        assert not overprinted(words), (n, overprinted(words)[:5])
    shown = [flat(page) for page in subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                                   text=True, check=True).stdout.split("\f")]
    assert "###" not in "".join(shown)
    [joiner] = [page for page in shown[:people] if "(E009)" in page]
    heads = [text("shown_" + key, lang) for key in ("full_salary", "worked_days", "working_days")]
    assert all(word in joiner for head in heads for word in head.split())
    assert "60,000.00 15 22 45,000.00" in joiner  # LibreOffice prints the sheet's formats in its own locale
    summary = " ".join(shown[people:])
    assert text("shown_live", lang) in summary and text("shown_test", lang) in summary


# --- a month all live or all in test mode looks as it did ---------------------------------------------------------

@pytest.mark.parametrize("path, test_mode", [(SAMPLES / "sales_team.xlsx", None), (SAMPLES / "team_changes.xlsx", True)])
def test_a_month_all_live_or_all_in_test_mode_has_no_mode_column_and_no_live_and_test_rows(path, test_mode):
    wb, report = report_of(path, test_mode=test_mode)
    summary = layout.sheets(report, "en", wb.settings.company)[1]
    shown = {c.value for c in summary.cells}
    assert not shown & {"Mode", "To be paid (live)", "Test mode, not paid"}
    assert (summary.cells[0].value == "TEST MODE — not a basis for payment") == bool(test_mode)
    views = payslip_views(report, "en", wb.settings.company)
    assert all(bool(v.banner) == bool(test_mode) for v in views)


def test_the_first_sample_has_no_proration_and_ivanov_totals_119_800():
    wb, report = report_of(SAMPLES / "sales_team.xlsx")
    views = payslip_views(report, "en", wb.settings.company)
    assert all(v.proration is None and v.bonus_target_note == "" and all(line.note == "" for line in v.pay)
               for v in views)
    assert next(v for v in views if v.employee_id == "E001").pay[-1].amount.value == D("119800.00")


# --- the summary in a pilot ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ru"])
def test_in_a_pilot_each_test_mode_persons_summary_row_carries_the_mark(lang):
    wb, report = report_of(SAMPLES / CHANGES[lang])
    summary = layout.sheets(report, lang, wb.settings.company)[1]
    mark = text("test_banner", lang)
    mode_col = next(c.col for c in summary.cells if c.row == 0 and c.value == text("shown_mode", lang))
    by_place = {(c.row, c.col): c for c in summary.cells}
    for r in report.result.employees:
        row = next(c.row for c in summary.cells if c.col == 0 and c.value == r.employee.employee_id)
        cell = by_place[row, mode_col]
        assert (cell.value == mark) == r.test_mode and (cell.value is None) == (r.employee.employee_id in LIVE)
        assert cell.style == ("test_mark" if r.test_mode else "text")
    team_rows = [c.row for c in summary.cells if c.value == text("shown_test", lang)][:-1]
    assert all("SUMIF(" in c.formula and mark in c.formula for c in summary.cells
               if c.row in team_rows and c.formula)


# --- the printed payslips ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["en", "ru"])
def printed(request, tmp_path_factory):
    lang = request.param
    folder = tmp_path_factory.mktemp(f"printed-{lang}")
    result = invoke("run", SAMPLES / CHANGES[lang], "--period", PERIOD, "--dry-run", "--pdf", folder, "--html",
                    "--lang", lang)
    assert result.exit_code == 0, result.output
    wb, report = report_of(SAMPLES / CHANGES[lang])
    return lang, folder, report, payslip_views(report, lang, wb.settings.company)


def test_the_pdf_shows_the_proration_on_the_salary_line_and_the_mark_only_on_test_mode_pages(printed):
    lang, folder, report, views = printed
    pages = pages_text(folder / f"payslips-{PERIOD}.pdf")
    assert len(pages) == len(views)
    banner = text("test_banner", lang)
    test_mode = {r.employee.employee_id: r.test_mode for r in report.result.employees}
    for page, v in zip(pages, views, strict=True):
        assert (banner in page) == test_mode[v.employee_id], v.employee_id
        assert ("× 15 / 22" in page) == (v.employee_id == "E009"), v.employee_id
    lines = pages_text(folder / f"payslips-{PERIOD}.pdf", layout=True)[[v.employee_id for v in views].index("E009")]
    salary = {"en": "Salary", "ru": "Оклад"}[lang]
    amount = {"en": "RUB 40,909.09", "ru": "40 909,09 ₽"}[lang]
    assert f"{salary} {flat(PRORATED[lang])} {amount}" in lines.splitlines()  # on the salary line


def test_the_html_shows_the_proration_and_the_mark_only_on_test_mode_payslips(printed):
    lang, folder, _, views = printed
    slips = slips_html(folder / f"payslips-{PERIOD}.html")
    assert len(slips) == len(views)
    for slip, v in zip(slips, views, strict=True):
        assert slip["banners"] == ([text("test_banner", lang)] if v.employee_id not in LIVE else [])
        assert slip["notes"] == ([flat(PRORATED[lang])] if v.employee_id == "E009" else [])
        assert slip["target_notes"] == []  # the bonus target is not prorated without Settings prorate_bonus


def test_a_prorated_bonus_target_is_shown_how_it_is_made(bonus_book, tmp_path):
    for lang, book in bonus_book.items():
        out = tmp_path / lang
        assert invoke("run", book, "--period", PERIOD, "--dry-run", "--pdf", out, "--html", "--lang", lang).exit_code == 0
        wb, report = report_of(book)
        views = payslip_views(report, lang, wb.settings.company)
        joiner = views.index(next(v for v in views if v.employee_id == "E009"))
        page = pages_text(out / f"payslips-{PERIOD}.pdf")[joiner]
        assert flat(BONUS_PRORATED[lang]) in page and flat(PRORATED[lang]) in page
        assert flat(views[joiner].bonus_target.text) in page  # 30,681.82, the target the KPIs pay on
        slip = slips_html(out / f"payslips-{PERIOD}.html")[joiner]
        assert slip["target_notes"] == [flat(BONUS_PRORATED[lang])] and slip["notes"] == [flat(PRORATED[lang])]
    data = json.loads(invoke("run", bonus_book["en"], "--period", PERIOD, "--dry-run", "--json", "-").stdout)
    joiner = next(p for p in data["employees"] if p["employee_id"] == "E009")
    assert (joiner["bonus_target"], joiner["full_salary"], joiner["salary"]) == ("30681.82", "60000.00", "40909.09")


# --- the JSON and the terminal ----------------------------------------------------------------------------------

def test_the_json_gives_worked_days_the_full_salary_the_mode_and_the_live_and_test_pay():
    data = json.loads(invoke("run", SAMPLES / "team_changes.xlsx", "--period", PERIOD, "--dry-run", "--json", "-",
                             "--lang", "en").stdout)
    people = {p["employee_id"]: p for p in data["employees"]}
    joiner = people["E009"]
    assert (joiner["salary"], joiner["full_salary"], joiner["worked_days"], joiner["working_days"]) == \
        ("40909.09", "60000.00", "15", 22)
    assert (people["E001"]["worked_days"], people["E001"]["working_days"], people["E001"]["full_salary"]) == \
        (None, None, "60000.00")
    assert {i for i, p in people.items() if p["mode"] == "live"} == LIVE
    assert {i for i, p in people.items() if p["mode"] == "test"} == set(people) - LIVE
    assert data["mode"] == "live"  # the month is not marked whole: each person carries their own mode
    totals = data["totals"]
    assert (totals["total"], totals["live"]["total"], totals["test"]["total"]) == \
        ("1006447.37", "216541.65", "789905.72")
    assert data["company"]["live"] == totals["live"] and data["company"]["test"] == totals["test"]
    for team in data["teams"]:
        members = [p for p in data["employees"] if p["team"] == team["team"]]
        for key in ("salary", "bonus", "commission", "total"):
            live = sum((D(p[key]) for p in members if p["mode"] == "live"), D("0.00"))
            assert D(team["live"][key]) == live and D(team["live"][key]) + D(team["test"][key]) == D(team[key])


def test_the_json_of_the_first_sample_pays_everyone_live():
    data = json.loads(invoke("run", SAMPLES / "sales_team.xlsx", "--period", PERIOD, "--dry-run", "--json", "-").stdout)
    assert all(p["mode"] == "live" and p["worked_days"] is None for p in data["employees"])
    assert data["totals"]["live"]["total"] == data["totals"]["total"] and data["totals"]["test"]["total"] == "0.00"


def test_the_terminal_marks_test_mode_people_the_pay_to_be_paid_and_a_short_month():
    shown = invoke("run", SAMPLES / "team_changes.xlsx", "--period", PERIOD, "--dry-run", "--lang", "en").stdout
    assert re.search(r"E002  Pyotr Petrov \(test mode\) ", shown) and re.search(r"E001  Ivan Ivanov +58,000", shown)
    assert re.search(r"To be paid \(live\) +98,738\.17 +2,803\.48 +216,541\.65", shown)
    assert re.search(r"Test mode, not paid +306,061\.73 +2,934\.90 +789,905\.72", shown)
    assert "E009 Nikolai Fedorov: salary 60,000.00 × 15 / 22 working days = 40,909.09" in shown
    plain = invoke("run", SAMPLES / "sales_team.xlsx", "--period", PERIOD, "--dry-run", "--lang", "en").stdout
    assert "test mode" not in plain and "To be paid" not in plain and "working days" not in plain


# --- the Google Sheets tab ----------------------------------------------------------------------------------------

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_terms"


def test_the_google_sheet_carries_the_proration_and_the_pilot_and_recalculates_to_the_engines_figures(
        fake_sheets, monkeypatch, soffice, tmp_path):
    from kpi_reports.gsheets import client
    monkeypatch.setenv(client.BASE_URL_VARIABLE, fake_sheets.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setattr(client, "_sleep", lambda seconds: None)
    fake_sheets.add_spreadsheet(KEY, spreadsheet_tabs(SAMPLES / "team_changes.xlsx"))
    done = invoke("sheets", KEY, "--period", PERIOD, "--lang", "en")
    assert done.exit_code == 0, done.output
    wb, report = report_of(SAMPLES / "team_changes.xlsx")
    sheets = layout.sheets(report, "en", wb.settings.company)
    for sheet in sheets:  # the tab holds the layout: its formulas and its texts
        grid = fake_sheets.values(KEY, sheet.name)
        for cell in sheet.cells:
            if cell.formula:
                assert grid[cell.row][cell.col] == cell.formula, (sheet.name, cell)
            elif isinstance(cell.value, str) and cell.value:
                assert grid[cell.row][cell.col] == cell.value, (sheet.name, cell)
    got = values(soffice(fake_sheets.to_xlsx(KEY, tmp_path / "state.xlsx"), "xlsx"))
    assert recalculated_matches(sheets, got) > 300
