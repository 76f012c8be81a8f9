"""No file can crash it: each hole a mutation fuzz of the sample found, as a test, and the fuzz itself.

Each broken file is built here from `samples/sales_team.xlsx` (English). The commands run in a fresh
process, so that an abort (exit 134, a Rust backtrace) would show as such: they must exit 1 with one
clear line naming the part, sheet or cell, no traceback, the file byte-identical and nothing left beside it.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpi_reports
from kpi_reports.problems import KpiError

from conftest import SAMPLES, digest

SAMPLE = SAMPLES / "sales_team.xlsx"
FACTS, TEAMPLANS, EMPLOYEES = "xl/worksheets/sheet6.xml", "xl/worksheets/sheet5.xml", "xl/worksheets/sheet1.xml"


def mutated(target: Path, part: str, change) -> Path:
    """The sample saved at `target` with `change(bytes) -> bytes` applied to one part (None drops it)."""
    with zipfile.ZipFile(SAMPLE) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                data = change(data)
                if data is None:
                    continue
            dst.writestr(info.filename, data)
    return target


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "LANG": "en_US.UTF-8"}
    return subprocess.run([sys.executable, "-m", "kpi_reports", *args], check=False, capture_output=True, text=True,
                          timeout=timeout, env=env)


def refused(path: Path, *words: str, command: str = "check") -> str:
    """`command` on `path` exits 1 with one line naming `words`; the file and its folder are as they were."""
    before, listing = digest(path), sorted(p.name for p in path.parent.iterdir())
    args = [command, str(path)] + (["--period", "2026-10"] if command == "run" else [])
    done = cli(*args)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    output = (done.stdout + done.stderr).strip()
    assert "Traceback" not in output and "panicked" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing
    return lines[0]


def problem_lines(path: Path, command: str = "check") -> list[str]:
    """The error lines of the problems table that `command` prints, exit 1, the file unchanged."""
    before = digest(path)
    args = [command, str(path)] + (["--period", "2026-10"] if command == "run" else [])
    done = cli(*args)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stdout + done.stderr
    assert digest(path) == before
    return [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("error")]


def add_cell(xml: bytes) -> bytes:
    return xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')


# --- process aborts -------------------------------------------------------------------------------


def test_a_value_at_the_sheets_far_corner_is_one_line_naming_the_cell(tmp_path):
    path = mutated(tmp_path / "book.xlsx", TEAMPLANS, add_cell)
    for command in ("check", "run"):
        refused(path, "TeamPlans", "XFD1048576", "far outside the table", command=command)


def test_a_value_far_below_the_table_is_refused_at_once(tmp_path):
    """A1048576 alone used to cost seconds and half a gigabyte: now it is named before calamine reads it."""
    path = mutated(tmp_path / "book.xlsx", FACTS,
                   lambda x: x.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>7</v></c></row></sheetData>'))
    line = refused(path, "Facts", "A1048576", "1,048,576 rows")
    assert "Ctrl+End" in line


def test_formatted_but_empty_cells_far_away_are_no_problem(tmp_path):
    """Formatting a whole row or column writes empty styled cells and a large dimension: calamine skips those."""
    path = mutated(tmp_path / "book.xlsx", FACTS, lambda x: x.replace(b'<dimension ref="A1:K', b'<dimension ref="A1:XFD1048576" x="').replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>'))
    assert kpi_reports.check(path).errors == []


def test_an_absurd_count_of_shared_strings_is_one_line_naming_the_part(tmp_path):
    path = mutated(tmp_path / "book.xlsx", "xl/sharedStrings.xml",
                   lambda x: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="999999999999"', x))
    refused(path, "xl/sharedStrings.xml", "999999999999")


def test_cells_far_out_in_a_hand_written_sheet_are_placed_as_calamine_places_them(tmp_path):
    """Lower-case references, single quotes, cells without a reference: read exactly, still refused when far."""
    odd = b"<row r='3'><c r='zz7'><v>1</v></c></row><row r=\"9999999\"><c><v>2</v></c></row>"
    path = mutated(tmp_path / "book.xlsx", TEAMPLANS, lambda x: x.replace(b"</sheetData>", odd + b"</sheetData>"))
    refused(path, "TeamPlans", "A9999999")


# --- tracebacks for a damaged file ----------------------------------------------------------------


def test_a_damaged_zip_directory_is_one_line(tmp_path):
    raw = bytearray(SAMPLE.read_bytes())
    raw[raw.rfind(b"PK\x01\x02") + 1] = ord("X")
    (tmp_path / "book.xlsx").write_bytes(raw)
    refused(tmp_path / "book.xlsx", "damaged", "zip directory")


def test_a_corrupt_extra_field_is_one_line(tmp_path):
    raw = bytearray(SAMPLE.read_bytes())
    at = raw.find(b"PK\x01\x02")
    name_len, extra_len = int.from_bytes(raw[at + 28:at + 30], "little"), 8
    raw[at + 30:at + 32] = extra_len.to_bytes(2, "little")  # claims an extra field that overruns the entry
    raw[at + 46 + name_len:at + 46 + name_len] = b"\x01\x00\x20\x00\x00\x00\x00\x00"
    end = raw.rfind(b"PK\x05\x06")
    size = int.from_bytes(raw[end + 12:end + 16], "little") + 8
    raw[end + 12:end + 16] = size.to_bytes(4, "little")
    (tmp_path / "book.xlsx").write_bytes(raw)
    refused(tmp_path / "book.xlsx", "damaged")


@pytest.mark.parametrize("target", [None, b"../../../../etc/passwd", b"/etc/passwd"])
def test_a_sheet_without_its_part_is_one_line_and_nothing_is_read_outside_the_file(tmp_path, target):
    if target is None:
        path = mutated(tmp_path / "book.xlsx", FACTS, lambda x: None)
    else:
        path = mutated(tmp_path / "book.xlsx", "xl/_rels/workbook.xml.rels",
                       lambda x: x.replace(b"worksheets/sheet6.xml", target))
    line = refused(path, "sheet Facts", "not in the file")
    assert "root:" not in line


# --- wrong figures without a word -----------------------------------------------------------------


def test_a_formula_without_its_computed_value_is_an_error_naming_the_cell(tmp_path):
    """Ivanov's revenue as a formula Excel never computed used to read as 0: total 91,600 instead of 119,800."""
    path = mutated(tmp_path / "book.xlsx", FACTS,
                   lambda x: re.sub(rb'<c r="G28"[^>]*>.*?</c>', b'<c r="G28"><f>1/0</f></c>', x))
    for command in ("check", "run"):
        lines = problem_lines(path, command)
        assert len(lines) == 1 and "Facts!G28 (revenue)" in lines[0] and "without a computed value" in lines[0]
        assert "save it" in lines[0]


def test_a_cached_error_in_a_text_column_is_an_error_naming_the_cell(tmp_path):
    """#REF! would otherwise pass for a person's name."""
    path = mutated(tmp_path / "book.xlsx", EMPLOYEES,
                   lambda x: re.sub(rb'<c r="B4"[^>]*>.*?</c>', b'<c r="B4" t="e"><f>#REF!</f><v>#REF!</v></c>', x))
    lines = problem_lines(path)
    assert len(lines) == 1 and "Employees!B4 (name)" in lines[0] and "#REF!" in lines[0]


@pytest.mark.parametrize("index", [b"-1", b"abc", b"99999"])
def test_a_shared_string_index_that_points_nowhere_names_the_cell(tmp_path, index):
    path = mutated(tmp_path / "book.xlsx", EMPLOYEES,
                   lambda x: re.sub(rb'(<c r="C4"[^>]*t="s"[^>]*><v>)\d+', rb"\g<1>" + index, x))
    refused(path, "sheet Employees, cell C4", "shared strings", "xl/sharedStrings.xml")


# --- refusals in the workbook's language ----------------------------------------------------------


def test_a_package_write_back_would_refuse_is_refused_by_check_too(tmp_path):
    path = mutated(tmp_path / "book.xlsx", "[Content_Types].xml", lambda x: None)
    lines = problem_lines(path, "check")
    assert len(lines) == 1 and "[Content_Types].xml" in lines[0] and "adding sheets" in lines[0]
    assert problem_lines(path, "run") == lines


def test_a_refused_payslip_template_is_said_in_the_workbooks_language(tmp_path):
    """The English sample's Settings say en; the system says ru: the refusal is in English."""
    def template(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b'<row r="40"><c r="A40" t="inlineStr"><is><t>payslip_template</t></is></c>'
                           b'<c r="B40" t="inlineStr"><is><t>/etc/passwd.typ</t></is></c></row></sheetData>')
    path = mutated(tmp_path / "book.xlsx", "xl/worksheets/sheet7.xml", template)
    done = subprocess.run([sys.executable, "-m", "kpi_reports", "run", str(path), "--period", "2026-10", "--dry-run",
                           "--pdf", str(tmp_path / "pdf")], check=False, capture_output=True, text=True,
                          env={**os.environ, "LANG": "ru_RU.UTF-8"}, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("Error:") and "template" in done.stderr and "Traceback" not in done.stderr
    assert not re.search("[а-яА-Я]", done.stderr), done.stderr


# --- the fuzz -------------------------------------------------------------------------------------

PARTS = [FACTS, TEAMPLANS, EMPLOYEES, "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
         "xl/styles.xml", "[Content_Types].xml", "xl/worksheets/sheet7.xml"]
ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')
NASTY = st.sampled_from([b"", b"-1", b"0", b"999999999999", b"4294967296", b"1e-300", b"4.9e-324", b"1e308",
                         b"XFD1048576", b"A0", b"zz9", b"\xd9\xa6\xd9\xa0", b"#DIV/0!", b"=1+1", b"&amp;", b"<", b"\x00"])
VALUES = st.one_of(NASTY, st.binary(max_size=12), st.integers(-10**20, 10**20).map(lambda n: str(n).encode()))


@st.composite
def xml_change(draw):
    """One change to one part: an attribute's value, a cut, a deleted or doubled span, a cell added."""
    kind = draw(st.sampled_from(["attribute", "truncate", "delete", "double", "cell", "value"]))
    at = draw(st.floats(0, 1))
    value = draw(VALUES)
    ref = draw(st.sampled_from([b"A1", b"B4", b"G28", b"XFD1", b"A1048576", b"AAAA1", b"C99999999999", b"b2"]))

    def change(data: bytes) -> bytes:
        pos = int(at * len(data))
        if kind == "attribute":
            found = list(ATTRIBUTE.finditer(data))
            if not found:
                return data
            m = found[int(at * (len(found) - 1))]
            return data[:m.start(2)] + value + data[m.end(2):]
        if kind == "truncate":
            return data[:pos]
        if kind == "delete":
            return data[:pos] + data[pos + len(value) * 7 + 1:]
        if kind == "double":
            return data[:pos] + data[pos:pos + 200] + data[pos:]
        if kind == "value":
            return re.sub(rb"<v>[^<]*</v>", lambda m: b"<v>" + value + b"</v>", data, count=1 + int(at * 50))
        cell = b'<row r="%s"><c r="%s" t="%s"><v>%s</v></c></row>' % (ref.lstrip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") or b"1",
                                                                     ref, draw(st.sampled_from([b"n", b"s", b"e", b"str", b"b"])), value)
        return data.replace(b"</sheetData>", cell + b"</sheetData>")
    return change


@st.composite
def broken_workbook(draw):
    """The sample with byte flips in the zip, or a few changes to its parts."""
    if draw(st.booleans()):
        size = SAMPLE.stat().st_size
        return ("bytes", draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, 255)), min_size=1, max_size=4)))
    changes = draw(st.lists(st.tuples(st.sampled_from(PARTS), xml_change()), min_size=1, max_size=3))
    return ("parts", changes)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("the reader took more than 20 s")


@settings(max_examples=int(os.environ.get("KPI_FUZZ_EXAMPLES", "150")), deadline=None, derandomize="KPI_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=broken_workbook())
def test_the_reader_survives_any_mutation_of_the_sample(tmp_path, case):
    """Whatever the mutation: a report or one KpiError, never another exception, an abort or a hang; the
    file as it was. (An abort would end the test run itself.)"""
    path = tmp_path / "fuzz.xlsx"
    kind, what = case
    if kind == "bytes":
        raw = bytearray(SAMPLE.read_bytes())
        for at, byte in what:
            raw[at] = byte
        path.write_bytes(raw)
    else:
        path.write_bytes(SAMPLE.read_bytes())
        for part, change in what:
            with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "next.xlsx", "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    data = src.read(info)
                    dst.writestr(info.filename, change(data) if info.filename == part else data)
            (tmp_path / "next.xlsx").replace(path)
    before = digest(path)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        kpi_reports.check(path)
    except KpiError as e:
        assert "\n" not in e.text("en") or isinstance(e, kpi_reports.InvalidWorkbook)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert digest(path) == before


# --- the page keeps serving -----------------------------------------------------------------------


def test_the_page_answers_each_broken_file_with_422_and_keeps_serving(tmp_path):
    import requests

    from support.web_server import running

    broken = {
        "far.xlsx": (mutated(tmp_path / "far.xlsx", TEAMPLANS, add_cell), "XFD1048576"),
        "strings.xlsx": (mutated(tmp_path / "strings.xlsx", "xl/sharedStrings.xml",
                                 lambda x: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="999999999999"', x)),
                         "xl/sharedStrings.xml"),
        "part.xlsx": (mutated(tmp_path / "part.xlsx", FACTS, lambda x: None), "sheet6.xml"),
        "formula.xlsx": (mutated(tmp_path / "formula.xlsx", FACTS,
                                 lambda x: re.sub(rb'<c r="G28"[^>]*>.*?</c>', b'<c r="G28"><f>1/0</f></c>', x)), "G28"),
    }
    (tmp_path / "web").mkdir()
    with running(tmp_path / "web") as site:
        for name, (path, named) in broken.items():
            r = requests.post(site.url, files={"workbook": (name, path.read_bytes())},
                              data={"lang": "en", "period": "2026-10"}, allow_redirects=False, timeout=60)
            assert r.status_code == 422, (name, r.status_code)
            assert named in r.text and "Traceback" not in r.text
            assert list(site.folder.iterdir()) == []
            ok = requests.post(site.url, files={"workbook": ("sample.xlsx", SAMPLE.read_bytes())},
                               data={"lang": "en", "period": "2026-10"}, timeout=60)
            assert ok.status_code == 200 and "119,800.00" in ok.text
