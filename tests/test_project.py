"""The project stands on its own: it lints clean and no tracked file reaches outside the clone. The package's
walls (its layers, no circle of imports, no module too long): test_walls.py."""
import re
import subprocess
import sys

from conftest import ROOT

OUTSIDE = re.compile(r"\.\./" + "shared" + r"|parent\s*/\s*['\"]" + "shared")
"""A path to a folder beside the clone, as text or as `ROOT.parent / "..."` (spelt in pieces so that
this file does not match itself)."""


def tracked_files() -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in done.stdout.decode("utf-8").split("\0") if name]


def test_ruff_check_passes_with_the_project_configuration():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_tracked_file_refers_to_a_folder_beside_the_project():
    names = tracked_files()
    assert "tests/corpus/excel-saved/LICENSE-XlsxWriter.txt" in names
    found = []
    for name in names:
        data = (ROOT / name).read_bytes()
        if b"\0" in data[:4096]:
            continue  # binary: workbooks, images
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_outside_pattern_catches_both_spellings():
    assert OUTSIDE.search("see ../" + "shared/method.md")
    assert OUTSIDE.search('CORPUS = ROOT.parent / "' + 'shared" / "corpus"')
    assert not OUTSIDE.search('CORPUS = ROOT / "tests" / "corpus"')
