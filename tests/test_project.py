"""The project stands on its own: it lints clean, no tracked file reaches outside the clone, and the
package keeps its walls (read → validate → compute → lay out → render, no stage importing a later one)."""
import ast
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


PACKAGE = ROOT / "kpi_reports"
FILE_FORMATS = {"openpyxl", "python_calamine", "xlsxwriter", "gspread", "jinja2", "defusedxml", "zipfile", "pandas"}


def imports(module: str) -> set[str]:
    """Every module a package module or folder imports, at any depth (lazy imports inside functions
    count), as absolute dotted names."""
    path = PACKAGE / module
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    found = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def reaches(names: set[str], package: str) -> set[str]:
    return {name for name in names if name == package or name.startswith(package + ".")}


def test_neither_the_model_nor_the_reader_imports_the_engine():
    for module in ("model.py", "formula.py", "countries.py", "problems.py", "names.py", "workbook"):
        assert not reaches(imports(module), "kpi_reports.engine"), module


def test_the_engine_imports_no_file_format_and_no_later_stage():
    found = imports("engine")
    assert not {name.split(".")[0] for name in found} & FILE_FORMATS, found
    for later in ("kpi_reports.layout", "kpi_reports.render", "kpi_reports.workbook", "kpi_reports.cli"):
        assert not reaches(found, later), later


def test_the_layout_knows_no_renderer_and_nothing_imports_the_command_line():
    assert not reaches(imports("layout"), "kpi_reports.render")
    for file in PACKAGE.rglob("*.py"):
        if file.name not in ("cli.py", "__main__.py"):
            assert not reaches(imports(str(file.relative_to(PACKAGE))), "kpi_reports.cli"), file


def test_nothing_but_the_command_line_imports_the_web_page():
    for file in PACKAGE.rglob("*.py"):
        where = file.relative_to(PACKAGE)
        if where.parts[0] == "web" or file.name in ("cli.py", "__main__.py"):
            continue
        assert not reaches(imports(str(where)), "kpi_reports.web"), file
