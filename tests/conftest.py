"""Small workbook-building fixtures shared by the tests.

`example` is the bundled sample's content (two teams, a head of sales, months 2026-09 and 2026-10),
fresh for every test; `put` changes one cell of it and says which A1 cell that is; `write` saves it.
Data rows start in row 4 (title, explanation, header above). `soffice` converts a workbook with
LibreOffice, recalculating every formula (the generated sheets' tests).
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from kpi_reports.workbook.cells import a1
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.template import HEADER_ROW, WorkbookData, write_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture(autouse=True)
def english_system(monkeypatch):
    """Tests read English unless they ask otherwise: the system language is the last default."""
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item></oor:items>"""


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """LibreOffice headless with a profile that recalculates every formula on load: `soffice(path, "xlsx")`
    recalculates a workbook, `soffice(path, "pdf")` prints it; returns the file written. Further paths after
    `to`, in the same folder, are converted in the same run, each to `lo-{to}/` beside it."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    assert program, "LibreOffice is needed: apt-get install libreoffice-calc-nogui (.ci/run installs it)"
    profile = tmp_path_factory.mktemp("lo-profile")
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")

    def convert(path: Path, to: str, *more: Path) -> Path:
        out = path.parent / f"lo-{to}"
        subprocess.run([program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to,
                        "--outdir", str(out), str(path), *map(str, more)], check=True, capture_output=True,
                       timeout=180 + 20 * len(more))
        return out / (path.stem + "." + to)
    return convert


@pytest.fixture
def example() -> WorkbookData:
    return example_data("en", months=("2026-09", "2026-10"))


@pytest.fixture
def write(tmp_path):
    def write(data: WorkbookData, lang: str = "en", name: str = "book.xlsx") -> Path:
        path = tmp_path / name
        write_workbook(path, data, lang)
        return path
    return write


def put(data: WorkbookData, sheet: str, column: str, value, **where) -> str:
    """Set `column` in the first row of `sheet` whose cells match `where`; returns that cell's A1 name.

    `where` keys are column names (`employee_id="E001"`, `period="2026-10"`); with no `where`, the
    first row. A new column is added at the right when `column` is not there yet.
    """
    table = data.sheets[sheet]
    if column not in table.columns:
        table.columns.append(column)
        for row in table.rows:
            row.append(None)
    col = table.columns.index(column)
    for i, row in enumerate(table.rows):
        if all(_same(row[table.columns.index(k)], v) for k, v in where.items()):
            row[col] = value
            return a1(HEADER_ROW + 1 + i, col)
    raise KeyError(f"no row of {sheet} matches {where}")


def _same(cell, wanted) -> bool:
    return str(cell)[:7] == wanted if hasattr(cell, "year") else cell == wanted


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sample_without_facts_row(target: Path, employee_id: str = "E003", period: str = "2026-11") -> Path:
    """The bundled sample saved at `target` without one person's Facts row of one month (openpyxl): the month
    computes with that person's facts as zero, and says so in a warning."""
    book = openpyxl.load_workbook(SAMPLES / "sales_team.xlsx")
    facts = book["Facts"]
    gone = next(r for r in range(HEADER_ROW + 2, facts.max_row + 1)
                if facts.cell(r, 2).value == employee_id and _same(facts.cell(r, 1).value, period))
    facts.delete_rows(gone)
    book.save(target)
    return target
