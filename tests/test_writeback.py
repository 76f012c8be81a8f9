"""Adding the generated sheets to someone else's workbook loses nothing: proven on every workbook Excel
saved in tests/corpus/excel-saved (charts, images, text boxes, tables, comments, validation,
conditional formats, macros, defined names, print areas…) and on the samples."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine

import kpi_reports
from kpi_reports import layout
from kpi_reports.layout.model import Sheet
from kpi_reports.problems import FileProblem
from kpi_reports.render.xlsx.splice import splice

from conftest import ROOT, SAMPLES

CORPUS = ROOT / "tests" / "corpus" / "excel-saved"
BOOKS = sorted(CORPUS.glob("*.xls[xm]")) + [SAMPLES / "sales_team.xlsx", SAMPLES / "sales_team_ru.xlsx"]
INDEXES = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
           "xl/sharedStrings.xml", "docProps/app.xml"}


@pytest.fixture(scope="module")
def generated() -> list[Sheet]:
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx", periods=kpi_reports.trend_months("2026-10"))
    report = kpi_reports.period_report(wb, "2026-10")
    return layout.sheets(report, "en", wb.settings.company)


@pytest.fixture(scope="module")
def spliced(generated, tmp_path_factory) -> dict[Path, Path]:
    out = tmp_path_factory.mktemp("spliced")
    results = {}
    for book in BOOKS:
        target = out / book.name
        splice(book, generated, target)
        results[book] = target
    return results


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def elements(xml: bytes, tag: str) -> list[str]:
    return re.findall(rf"<(?:\w+:)?{tag}\b[^>]*?(?:/>|>.*?</(?:\w+:)?{tag}>)", xml.decode("utf-8"), re.DOTALL)


def test_the_corpus_is_there():
    assert len(BOOKS) == 33 and any(b.suffix == ".xlsm" for b in BOOKS)


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_every_original_part_is_byte_identical(spliced, book):
    before, after = parts(book), parts(spliced[book])
    for name, data in before.items():
        if name not in INDEXES:
            assert after.get(name) == data, name


def stored(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each entry's compression, CRC and compressed bytes, read straight from the file."""
    found = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset + 26)
            skip = int.from_bytes(f.read(2), "little") + int.from_bytes(f.read(2), "little")
            f.seek(skip, 1)
            found[info.filename] = (info.compress_type, info.CRC, f.read(info.compress_size))
    return found


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_original_parts_are_copied_as_stored_and_every_entry_checks(spliced, book):
    before, after = stored(book), stored(spliced[book])
    for name, entry in before.items():
        if name not in INDEXES and name != "xl/calcChain.xml":
            assert after[name] == entry, name  # the very bytes: nothing was decompressed and compressed again
    with zipfile.ZipFile(spliced[book]) as z:
        assert z.testzip() is None  # every entry's CRC, the copied and the new


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_the_indexes_keep_every_original_entry(spliced, book):
    before, after = parts(book), parts(spliced[book])
    for part, tags in (("xl/workbook.xml", ("sheet", "definedName", "workbookView", "calcPr")),
                       ("xl/_rels/workbook.xml.rels", ("Relationship",)),
                       ("[Content_Types].xml", ("Default", "Override"))):
        for tag in tags:
            kept = elements(after[part], tag)
            assert all(e in kept for e in elements(before[part], tag)), (part, tag)
    for block, tag in (("numFmts", "numFmt"), ("fonts", "font"), ("fills", "fill"), ("borders", "border"),
                       ("cellXfs", "xf"), ("cellStyleXfs", "xf"), ("dxfs", "dxf"), ("cellStyles", "cellStyle")):
        old = elements(b"".join(e.encode() for e in elements(before["xl/styles.xml"], block)), tag)
        new = elements(b"".join(e.encode() for e in elements(after["xl/styles.xml"], block)), tag)
        assert new[:len(old)] == old, block  # the user's styles keep their numbers


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_the_result_opens_in_openpyxl_with_the_generated_sheets_last(spliced, book):
    original = openpyxl.load_workbook(book).sheetnames
    result = openpyxl.load_workbook(spliced[book]).sheetnames
    assert result == original + ["Payslips 2026-10", "Summary 2026-10"]


def test_libreoffice_opens_every_result_and_the_users_values_are_unchanged(spliced, tmp_path):
    program = shutil.which("soffice") or shutil.which("libreoffice")
    assert program, "LibreOffice is needed: apt-get install libreoffice-calc-nogui"
    before_dir, after_dir = tmp_path / "before", tmp_path / "after"
    for folder, files in ((before_dir, list(spliced)), (after_dir, list(spliced.values()))):
        subprocess.run([program, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                        "--convert-to", "xlsx", "--outdir", str(folder), *map(str, files)],
                       check=True, capture_output=True, timeout=600)
    for book in spliced:
        name = book.with_suffix(".xlsx").name
        old = python_calamine.CalamineWorkbook.from_path(str(before_dir / name))
        new = python_calamine.CalamineWorkbook.from_path(str(after_dir / name))
        assert new.sheet_names[:len(old.sheet_names)] == old.sheet_names, book.name
        for sheet in old.sheet_names:
            assert (new.get_sheet_by_name(sheet).to_python() == old.get_sheet_by_name(sheet).to_python()), \
                (book.name, sheet)
        payslips = new.get_sheet_by_name("Payslips 2026-10").to_python()
        assert ["", "", "", "", "", "", "Total", 119800.0] in payslips, book.name


@pytest.mark.parametrize("book", [CORPUS / "defined_name01.xlsx", CORPUS / "macro01.xlsm", SAMPLES / "sales_team.xlsx"],
                         ids=lambda b: b.name)
def test_running_again_replaces_exactly_the_generated_sheets(spliced, generated, tmp_path, book):
    again = tmp_path / ("again" + book.suffix)
    splice(spliced[book], generated, again)
    first, second = parts(spliced[book]), parts(again)
    assert first == second  # the same parts, byte for byte: nothing accumulates


def test_a_users_sheet_with_a_generated_name_is_never_touched(generated, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "PAYSLIPS 2026-10"  # Excel compares sheet names ignoring case
    book.active["A1"] = "mine"
    path = tmp_path / "mine.xlsx"
    book.save(path)
    before = path.read_bytes()
    with pytest.raises(FileProblem, match="has a sheet of its own named Payslips 2026-10"):
        splice(path, generated, tmp_path / "out.xlsx")
    assert path.read_bytes() == before


def test_a_workbook_without_styles_is_a_clear_error_and_untouched(generated, tmp_path):
    path = tmp_path / "no_styles.xlsx"
    with zipfile.ZipFile(SAMPLES / "sales_team.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/styles.xml":
                dst.writestr(info, src.read(info))
    before = path.read_bytes()
    with pytest.raises(FileProblem) as refused:
        splice(path, generated, tmp_path / "out.xlsx")
    assert "xl/styles.xml" in refused.value.text("en") and "xl/styles.xml" in refused.value.text("ru")
    assert path.read_bytes() == before and not (tmp_path / "out.xlsx").exists()
