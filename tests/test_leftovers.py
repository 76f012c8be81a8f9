"""A run killed while it writes the workbook back leaves its temporary file beside the workbook; the next
`run` or `check` removes it at once, as nobody holds its lock any more — and leaves alone a live run's
temporary file and every file that is not such a leftover."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kpi_reports import files
from kpi_reports.cli import main
from kpi_reports.render.xlsx import writeback

from conftest import SAMPLES

GENERATED = ["Payslips 2026-10", "Summary 2026-10"]

# The real `run`, stopped once the temporary file holds the whole new workbook and before it replaces the
# workbook: it says the temporary file's path on stdout, then waits for stdin to close (or to be killed).
WRITER = """
import sys
from kpi_reports.cli import main
from kpi_reports.render.xlsx import writeback

splice = writeback.splice

def announced(original, sheets, target, *rest):
    splice(original, sheets, target, *rest)
    print("TEMP", target, flush=True)
    sys.stdin.read()

writeback.splice = announced
main(["run", sys.argv[1], "--period", "2026-10"])
"""


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    shutil.copyfile(SAMPLES / "sales_team.xlsx", path)
    return path


def start_writer(book: Path) -> tuple[subprocess.Popen, Path]:
    """A real `run` of `book` in a child process, holding its temporary file: (the process, that file)."""
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(book)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in child.stdout:
        if line.startswith("TEMP "):
            tmp = Path(line[5:].rstrip("\n"))
            assert tmp.is_file() and tmp.parent == book.parent
            return child, tmp
    child.wait(timeout=60)
    raise AssertionError(f"the writer ended without writing: {child.stderr.read()}")


def killed_writer(book: Path) -> Path:
    """The leftover of a `run` of `book` SIGKILLed while its temporary file existed."""
    child, tmp = start_writer(book)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    child.stdout.close()
    child.stderr.close()
    child.stdin.close()
    return tmp


def temporaries(book: Path) -> list[Path]:
    return sorted(book.parent.glob(f".{book.name}.*"))


def run(book: Path):
    return CliRunner().invoke(main, ["run", str(book), "--period", "2026-10"])


def test_a_run_killed_while_writing_leaves_the_workbook_byte_identical_and_one_marked_leftover(book):
    before = book.read_bytes()
    tmp = killed_writer(book)
    assert book.read_bytes() == before
    assert temporaries(book) == [tmp]
    assert re.fullmatch(r"\.team\.xlsx\.kpi-[a-z0-9_]{8}\.tmp", tmp.name)
    assert tmp.stat().st_size > 10_000  # the whole new workbook was in it
    assert time.time() - tmp.stat().st_mtime < files.STALE  # young: the age rule alone would keep it


def test_the_next_run_removes_a_killed_runs_leftover_at_once(book):
    tmp = killed_writer(book)
    result = run(book)
    assert result.exit_code == 0, result.output
    assert not tmp.exists() and temporaries(book) == []
    assert openpyxl.load_workbook(book).sheetnames[-2:] == GENERATED


def test_check_removes_a_killed_runs_leftover_and_leaves_the_workbook_alone(book):
    before = book.read_bytes()
    tmp = killed_writer(book)
    result = CliRunner().invoke(main, ["check", str(book)])
    assert result.exit_code == 0, result.output
    assert not tmp.exists() and temporaries(book) == []
    assert book.read_bytes() == before


def test_a_live_runs_temporary_file_is_left_alone_and_that_run_then_completes(book):
    child, tmp = start_writer(book)
    try:
        assert CliRunner().invoke(main, ["check", str(book)]).exit_code == 0
        assert writeback.remove_leftovers(book) == []
        assert tmp.is_file()
    finally:
        out, err = child.communicate(timeout=120)  # stdin closes: the run goes on and replaces the workbook
    assert child.returncode == 0, err
    assert "Payslips 2026-10, Summary 2026-10" in err and "Period 2026-10" in out
    assert openpyxl.load_workbook(book).sheetnames[-2:] == GENERATED  # its temporary file was whole
    assert temporaries(book) == []


def test_a_concurrent_run_leaves_a_live_runs_temporary_file_alone(book):
    child, tmp = start_writer(book)
    try:
        result = run(book)
        assert result.exit_code == 0, result.output
        assert tmp.is_file()
    finally:
        _, err = child.communicate(timeout=120)
    # the live run's file was still there to finish with; it then saw the workbook changed and stopped
    assert child.returncode == 1 and "changed while the tool was running" in err, err
    assert openpyxl.load_workbook(book).sheetnames[-2:] == GENERATED
    assert temporaries(book) == []


def test_only_this_tools_own_leftovers_are_removed(book):
    folder = book.parent
    ours = [folder / ".team.xlsx.kpi-abcdefgh.tmp", folder / ".team.bak.xlsx.kpi-12345678.tmp"]
    old_unmarked = folder / ".team.xlsx.abcdefgh.tmp"  # an earlier version's: by age only
    young_unmarked = folder / ".team.xlsx.a1b2c3d4.tmp"
    others = [folder / ".team.xlsx.notes.tmp", folder / ".team.xlsx.kpi-abc.tmp.bak",
              folder / ".other.xlsx.kpi-abcdefgh.tmp", folder / "team.xlsx.kpi-abcdefgh.tmp", young_unmarked]
    for path in [*ours, old_unmarked, *others]:
        path.write_bytes(b"x")
    old = time.time() - files.STALE - 60
    os.utime(old_unmarked, (old, old))
    os.utime(others[0], (old, old))  # old, but not a name this tool writes
    target = folder / "mine.txt"
    target.write_bytes(b"mine")
    link, old_link = folder / ".team.xlsx.kpi-linklink.tmp", folder / ".team.xlsx.linklink.tmp"
    link.symlink_to(target)
    old_link.symlink_to(target)
    os.utime(old_link, (old, old), follow_symlinks=False)
    (folder / ".team.xlsx.kpi-foldfold.tmp").mkdir()

    result = CliRunner().invoke(main, ["check", str(book)])
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in [*ours, old_unmarked])
    assert all(p.read_bytes() == b"x" for p in others)
    assert link.is_symlink() and old_link.is_symlink() and target.read_bytes() == b"mine"
    assert (folder / ".team.xlsx.kpi-foldfold.tmp").is_dir()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_another_users_leftover_is_left_alone(book):
    theirs = book.parent / ".team.xlsx.kpi-theirsxx.tmp"
    theirs.write_bytes(b"theirs")
    os.chown(theirs, 65534, 65534)
    assert writeback.remove_leftovers(book) == []
    assert theirs.read_bytes() == b"theirs"


def test_without_locks_a_leftover_is_removed_once_it_is_stale(book, monkeypatch):
    monkeypatch.setattr(files, "fcntl", None)  # as on Windows
    young, old = book.parent / ".team.xlsx.kpi-youngxxx.tmp", book.parent / ".team.xlsx.kpi-oldxxxxx.tmp"
    young.write_bytes(b"x")
    old.write_bytes(b"x")
    stale = time.time() - files.STALE - 60
    os.utime(old, (stale, stale))
    assert writeback.remove_leftovers(book) == [old]
    assert young.exists()
    result = run(book)
    assert result.exit_code == 0, result.output
    assert temporaries(book) == [young]


def test_a_temporary_file_a_cleaner_removes_before_it_is_locked_is_replaced_by_another(book, monkeypatch):
    mkstemp, made = files.tempfile.mkstemp, []

    def raced(*args, **kwargs):
        fd, name = mkstemp(*args, **kwargs)
        if not Path(name).name.startswith(".team.xlsx."):
            return fd, name  # another module's temporary file
        made.append(name)
        if len(made) == 1:
            assert files.remove_leftovers(book) == [Path(name)]  # another process's cleaner came first
        return fd, name
    monkeypatch.setattr(files.tempfile, "mkstemp", raced)
    result = run(book)
    assert result.exit_code == 0, result.output
    assert len(made) == 2 and openpyxl.load_workbook(book).sheetnames[-2:] == GENERATED
    assert temporaries(book) == []
