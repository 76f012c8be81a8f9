"""`run PATH` writes the generated sheets into PATH: atomically, idempotently, never over a user's sheet,
never into a read-only file, and a process killed at any moment leaves the old file or the new one."""
from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner

from kpi_reports import files
from kpi_reports.cli import main
from kpi_reports.render.xlsx import writeback

from conftest import SAMPLES, digest

GENERATED = ["Payslips 2026-10", "Summary 2026-10"]


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    shutil.copyfile(SAMPLES / "sales_team.xlsx", path)
    return path


def run(path, *extra):
    return CliRunner().invoke(main, ["run", str(path), "--period", "2026-10", *extra])


def parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_run_adds_the_sheets_and_the_workbook_still_checks(book):
    result = run(book)
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(book).sheetnames[-2:] == GENERATED
    assert CliRunner().invoke(main, ["check", str(book)]).exit_code == 0


def test_running_twice_gives_the_same_file(book):
    run(book)
    first = parts(book)
    run(book)
    assert parts(book) == first


def test_backup_keeps_the_previous_version(book):
    before = book.read_bytes()
    result = run(book, "--backup")
    assert result.exit_code == 0
    assert (book.parent / "team.bak.xlsx").read_bytes() == before


def test_out_leaves_the_input_alone(book, tmp_path):
    before = digest(book)
    assert run(book, "--out", str(tmp_path / "new.xlsx")).exit_code == 0
    assert digest(book) == before
    assert openpyxl.load_workbook(tmp_path / "new.xlsx").sheetnames == GENERATED


def test_a_users_sheet_with_a_generated_name_stops_the_run(book):
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("summary 2026-10")["A1"] = "my notes"
    wb.save(book)
    before = digest(book)
    result = run(book)
    assert result.exit_code == 1 and "has a sheet of its own named Summary 2026-10" in result.output
    assert digest(book) == before


def test_a_read_only_file_is_refused(book):
    book.chmod(0o444)
    before = digest(book)
    result = run(book)
    assert result.exit_code == 1 and "is read-only; nothing was written" in result.output
    assert digest(book) == before and "Traceback" not in result.output


def test_a_file_changed_while_the_tool_ran_is_not_overwritten(book, monkeypatch):
    splice = writeback.splice

    def meanwhile(original, sheets, target, *rest):
        splice(original, sheets, target, *rest)
        os.utime(book, ns=(time.time_ns(), time.time_ns() + 10**9))  # someone saves the workbook
    monkeypatch.setattr(writeback, "splice", meanwhile)
    before = book.read_bytes()
    result = run(book)
    assert result.exit_code == 1 and "changed while the tool was running" in result.output
    assert book.read_bytes() == before


def test_a_file_removed_while_the_tool_ran_is_not_written_again(book, monkeypatch):
    splice = writeback.splice

    def meanwhile(original, sheets, target, *rest):
        splice(original, sheets, target, *rest)
        book.unlink()  # someone moves the workbook away
    monkeypatch.setattr(writeback, "splice", meanwhile)
    result = run(book)
    assert result.exit_code == 1 and "changed while the tool was running" in result.output
    assert not book.exists() and not list(book.parent.glob(".team.xlsx.*"))  # no temporary file left either


def test_a_full_disk_is_a_clear_error_and_the_file_is_unchanged(book, monkeypatch):
    from kpi_reports.render.xlsx import package
    before = digest(book)

    def full(self, name, chunks, level=1):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(package.PackageWriter, "stream", full)
    result = run(book)
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert digest(book) == before and not list(book.parent.glob(".team.xlsx.*"))


def test_a_folder_that_cannot_be_written_is_a_clear_error(book, monkeypatch):
    before = digest(book)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(files, "tempfile", SimpleNamespace(mkstemp=refuse))
    result = run(book)
    assert result.exit_code == 1 and "cannot write in" in result.output and "Permission denied" in result.output
    assert digest(book) == before


def test_killed_at_any_moment_the_file_is_whole_old_or_whole_new(book, tmp_path):
    original = book.read_bytes()
    command = [sys.executable, "-m", "kpi_reports", "run", str(book), "--period", "2026-10"]
    scratch = tmp_path / "tmp"  # what a killed run leaves of its temporary folder stays with the test
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    full = time.perf_counter() - start
    outcomes = []
    for i in range(25):  # bounded: 24 kills spread over the whole run, then one run left to finish
        book.write_bytes(original)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        if i < 24:
            time.sleep(full * 1.2 * i / 24)
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=120)
        data = book.read_bytes()
        if data == original:
            outcomes.append("old")
            continue
        with zipfile.ZipFile(book) as z:
            assert z.testzip() is None
        assert openpyxl.load_workbook(book).sheetnames[-2:] == GENERATED
        outcomes.append("new")
    assert outcomes[0] == "old" and outcomes[-1] == "new"  # killed at once: old; left to finish: new
    # and at every kill between, one of the two — never a half-written file


def test_progress_shows_the_stage_only_after_a_moment():
    import io

    from kpi_reports.render.progress import Progress
    slow, fast = io.StringIO(), io.StringIO()
    with Progress(slow, after=0.05, enabled=True) as progress:
        progress.stage("Writing the sheets")
        time.sleep(0.4)
    with Progress(fast, after=5, enabled=True) as progress:
        progress.stage("Writing the sheets")
    assert "\rWriting the sheets… 0." in slow.getvalue() and slow.getvalue().endswith("\r")
    assert fast.getvalue() == ""
    assert not Progress(io.StringIO()).enabled  # not a terminal: nothing is drawn


# --- run and review keep each other's sheets ------------------------------------------------------------

REVIEW = "Review 2026-Q4"


def review(path, *extra, quarter="2026-Q4"):
    return CliRunner().invoke(main, ["review", str(path), "--quarter", quarter, *extra])


def test_run_then_review_then_run_keeps_both_kinds_of_sheets(book):
    assert run(book).exit_code == 0
    result = review(book)
    assert result.exit_code == 0, result.output
    assert f"written {REVIEW}" in result.output
    assert openpyxl.load_workbook(book).sheetnames[-3:] == [*GENERATED, REVIEW]
    reviewed = parts(book)
    assert run(book).exit_code == 0
    names = openpyxl.load_workbook(book).sheetnames
    assert names[-3:] == [REVIEW, *GENERATED] and len(names) == len(set(names))
    again = parts(book)
    assert run(book).exit_code == 0 and parts(book) == again  # a run again changes nothing more
    assert review(book).exit_code == 0
    assert openpyxl.load_workbook(book).sheetnames[-3:] == [*GENERATED, REVIEW]
    assert same_but_sheet_ids(parts(book), reviewed)  # as after the first review: run's sheets, then the review
    assert CliRunner().invoke(main, ["check", str(book)]).exit_code == 0


def same_but_sheet_ids(one: dict, other: dict) -> bool:
    """The same package, but for the sheets' ids in the workbook part (a new sheet gets a new one)."""
    def without(data: dict) -> dict:
        return {**data, "xl/workbook.xml": re.sub(rb' sheetId="\d+"', b"", data["xl/workbook.xml"])}
    return without(one) == without(other)


def test_review_twice_replaces_only_its_own_sheet(book):
    assert review(book).exit_code == 0
    first = parts(book)
    assert review(book, "--lang", "ru").exit_code == 0  # the same quarter's review, in Russian: replaced
    assert openpyxl.load_workbook(book).sheetnames[-1] == "Пересмотр весов 2026-Q4"
    assert REVIEW not in openpyxl.load_workbook(book).sheetnames
    assert review(book).exit_code == 0
    assert parts(book) == first


def test_reviews_of_two_quarters_are_kept_side_by_side(book):
    assert review(book).exit_code == 0
    assert review(book, quarter="2026-Q3").exit_code == 0
    assert openpyxl.load_workbook(book).sheetnames[-2:] == [REVIEW, "Review 2026-Q3"]
    assert review(book).exit_code == 0
    assert openpyxl.load_workbook(book).sheetnames[-2:] == ["Review 2026-Q3", REVIEW]


@pytest.mark.parametrize("name", ["Review 2026-Q4", "REVIEW 2026-q4"])
def test_a_users_sheet_with_the_reviews_name_is_never_touched(book, name):
    wb = openpyxl.load_workbook(book)
    wb.create_sheet(name)["A1"] = "my notes"
    wb.save(book)
    before = digest(book)
    result = review(book)
    assert result.exit_code == 1 and f"has a sheet of its own named {REVIEW}" in result.output
    assert digest(book) == before


def test_review_out_dry_run_and_backup(book, tmp_path):
    before = book.read_bytes()
    assert review(book, "--dry-run").exit_code == 0
    assert book.read_bytes() == before
    assert review(book, "--out", str(tmp_path / "new.xlsx")).exit_code == 0
    assert book.read_bytes() == before
    assert openpyxl.load_workbook(tmp_path / "new.xlsx").sheetnames == [REVIEW]
    result = review(book, "--backup")
    assert result.exit_code == 0 and "the previous version is kept as" in result.output
    assert (book.parent / "team.bak.xlsx").read_bytes() == before
    assert openpyxl.load_workbook(book).sheetnames[-1] == REVIEW


def test_review_keeps_every_part_of_the_users_file(book):
    """Everything of the user's is copied as stored: only the index parts change, and keep every entry."""
    before = parts(book)
    assert review(book).exit_code == 0
    after = parts(book)
    index = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    assert {n: d for n, d in before.items() if n not in index} == \
        {n: d for n, d in after.items() if n in before and n not in index}
    assert b'<definedName name="_kpi_reports_sheet" localSheetId="7" hidden="1">"review 2026-Q4"</definedName>' in \
        after["xl/workbook.xml"]


def test_a_review_of_a_file_changed_meanwhile_is_not_written(book, monkeypatch):
    splice = writeback.splice

    def meanwhile(original, sheets, target, *rest):
        splice(original, sheets, target, *rest)
        os.utime(book, ns=(time.time_ns(), time.time_ns() + 10**9))
    monkeypatch.setattr(writeback, "splice", meanwhile)
    before = book.read_bytes()
    result = review(book)
    assert result.exit_code == 1 and "changed while the tool was running" in result.output
    assert book.read_bytes() == before
