"""Readable on paper: every generated sheet, printed by LibreOffice as an accountant prints it, keeps its text at
8 points or more, and the payslips at 9 or more across the A4 page's width; the PDF payslip as well. Measured
as a person reads it: the height of each printed word's box (`pdftotext -bbox`), the smallest on any page."""
from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports import layout
from kpi_reports.cli import main
from kpi_reports.layout.ledger import ledger_sheet
from kpi_reports.render.xlsx.draw import write_workbook

from conftest import SAMPLES
from test_sheets import word_boxes

SMALLEST = {"payslips": 9.0}
"""The least text height a sheet of a kind prints at, in points; any other kind: AT_LEAST."""
AT_LEAST = 8.0
A4_WIDTH = {False: 595.3, True: 841.9}
CASES = [("sales_team.xlsx", "en"), ("sales_team_ru.xlsx", "ru"), ("team_changes_ru.xlsx", "ru"),
         ("crm_lists.xlsx", "en"), ("crm_lists_ru.xlsx", "ru")]


def with_a_warning(target: Path) -> Path:
    """The English sample without Ivanov's calls plan: the month computes and the Problems sheet lists it."""
    book = openpyxl.load_workbook(SAMPLES / "sales_team.xlsx")
    plans = book["Plans"]
    row = next(r for r in range(4, plans.max_row + 1)
               if plans.cell(r, 1).value == "2026-10" and plans.cell(r, 2).value == "E001")
    plans.cell(row, 3).value = None
    book.save(target)
    return target


def closed(source: Path, folder: Path) -> Path:
    """A copy of `source` with October closed: its Ledger sheet holds a row per person."""
    target = folder / ("closed-" + source.name)
    shutil.copy(source, target)
    done = CliRunner().invoke(main, ["close", str(target), "--period", "2026-10", "--by", "Anna"])
    assert done.exit_code == 0, done.output
    return target


@pytest.fixture(scope="module")
def printed(tmp_path_factory, soffice) -> dict[str, list[list[tuple[float, float, float, float, str]]]]:
    """Each generated sheet of the samples' October (and of a quarter's review), in a workbook of its own,
    printed to PDF by LibreOffice in one run: name → the words of each page."""
    folder = tmp_path_factory.mktemp("printed")
    books = [(SAMPLES / name, lang) for name, lang in CASES] + [(with_a_warning(folder / "warned.xlsx"), "en")]
    files = []
    for path, lang in books:
        wb = kpi_reports.load(path)
        report = kpi_reports.period_report(wb, "2026-10")
        sheets = layout.sheets(report, lang, wb.settings.company, credited=True)
        quarter = kpi_reports.load(path, periods=kpi_reports.review_months("2026-Q3"))
        sheets += layout.review_sheets(kpi_reports.review(quarter, "2026-Q3"), lang, wb.settings.company)
        if path.name == "sales_team_ru.xlsx":  # the ledger, once October is closed
            sheets += [ledger_sheet(kpi_reports.load(closed(path, folder)).ledger, lang)]
        for i, sheet in enumerate(sheets):
            files.append(folder / f"{path.stem}-{lang}-{i}-{sheet.kind}.xlsx")
            write_workbook(files[-1], [sheet])
    soffice(files[0], "pdf", *files[1:])
    return {f.stem: word_boxes(folder / "lo-pdf" / (f.stem + ".pdf")) for f in files}


def kinds(printed) -> set[str]:
    return {name.rsplit("-", 1)[1] for name in printed}


def test_every_kind_of_sheet_is_printed_by_the_cases(printed):
    assert kinds(printed) >= {"payslips", "summary", "review", "credited", "problems", "ledger"}


@pytest.mark.parametrize("kind", ["payslips", "summary", "review", "credited", "problems", "ledger"])
def test_every_printed_sheet_keeps_its_text_at_8_points_and_the_payslips_at_9(printed, kind):
    least = SMALLEST.get(kind, AT_LEAST)
    seen = 0
    for name, pages in printed.items():
        if not name.endswith("-" + kind):
            continue
        for n, words in enumerate(pages, 1):
            small = [(w, round(y1 - y0, 1)) for _, y0, _, y1, w in words if y1 - y0 < least]
            assert not small, (name, n, small[:5])
            seen += len(words)
    assert seen > 20  # the sheets printed words to measure (one warning: some 30)


def test_a_printed_payslip_fills_the_width_of_its_portrait_page(printed):
    for name, pages in printed.items():
        if name.endswith("-payslips"):
            for words in pages:
                left, right = min(w[0] for w in words), max(w[2] for w in words)
                assert left < 0.1 * A4_WIDTH[False] and right > 0.9 * A4_WIDTH[False], (name, left, right)


@pytest.mark.parametrize("sample", ["sales_team.xlsx", "sales_team_ru.xlsx"])
def test_the_pdf_payslip_prints_at_8_points_or_more_its_figures_at_10(tmp_path, sample):
    result = CliRunner().invoke(main, ["run", str(SAMPLES / sample), "--period", "2026-10", "--dry-run", "--pdf",
                                       str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pages = word_boxes(tmp_path / "payslips-2026-10.pdf")
    heights = sorted(y1 - y0 for words in pages for _, y0, _, y1, _ in words)
    assert heights[0] >= AT_LEAST and heights[len(heights) // 2] >= 10


def test_the_reviews_people_rows_are_as_tall_as_their_one_line_of_text(printed):
    """The fund by person: a line per person on paper, not a line of text in a row twice its height."""
    checked = 0
    for name, pages in printed.items():
        if not name.endswith("-review"):
            continue
        rows = sorted({round(y0, 1): y1 - y0 for words in pages[-1:] for _, y0, _, y1, w in words
                       if w.startswith("(") and w.endswith(")") and w[1:-1].isalnum()}.items())  # "(E001)"
        assert len(rows) >= 5, name
        for (top, height), (below, _) in itertools.pairwise(rows):
            assert below - top < 1.6 * height, (name, top, below)
            checked += 1
    assert checked >= 20


def test_the_summary_prints_each_id_and_name_whole_on_its_line(printed):
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    for name, pages in printed.items():
        if name.startswith("sales_team-en") and name.endswith("-summary"):
            words = [w for words in pages for *_, w in words]
            for e in wb.employees.values():
                assert e.employee_id in words  # not "E00" over "1"
