"""The README cannot rot: its commands are the ones CI runs, every command is documented, and the
JSON example names only fields the tool writes."""
import json
import re
import shutil
import subprocess

import openpyxl
from click.testing import CliRunner

from kpi_reports.cli import main

from conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.DOTALL)


def shell_blocks():
    return [body.strip() for lang, body in BLOCKS if lang == "sh"]


def test_readme_gives_exactly_two_set_up_commands_and_ci_runs_the_test_one():
    install_and_run, install_and_test = shell_blocks()
    assert "pip install ." in install_and_run and "samples/sales_team.xlsx" in install_and_run
    assert "[test]" in install_and_test and "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert install_and_test in ci.splitlines()


def test_readme_main_job_command_runs(tmp_path):
    """The part after `pip install .`, run as written in a folder holding the samples."""
    command = shell_blocks()[0].split("pip install . && ", 1)[1]
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "119,800.00" in done.stdout and "written Payslips 2026-10, Summary 2026-10" in done.stderr
    assert openpyxl.load_workbook(tmp_path / "my_team.xlsx").sheetnames[-2:] == ["Payslips 2026-10", "Summary 2026-10"]


def test_every_command_is_documented():
    for name in main.commands:
        assert f"`kpi-reports {name} " in README, name


def run_json(*extra):
    result = CliRunner().invoke(main, ["run", "--dry-run", str(ROOT / "samples/sales_team.xlsx"), "--period",
                                       "2026-10", "--json", "-", *extra])
    return json.loads(result.output)


def review_json():
    result = CliRunner().invoke(main, ["review", "--dry-run", str(ROOT / "samples/sales_team.xlsx"), "--quarter",
                                       "2026-Q4", "--json", "-", "--lang", "en"])
    return json.loads(result.output)


IDENTITY = ("scheme", "kpi", "employee_id", "period", "code")
"""A list's items are matched by the first of these they have, so an example may show any item."""


def same(doc, actual, path=""):
    """Every field the README's example shows is written, with the value shown (… stands for any)."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            assert key in actual, f"README documents {path}.{key}, which the tool does not write"
            same(value, actual[key], f"{path}.{key}")
    elif isinstance(doc, list):  # an example list may be shorter than the real one, or empty
        for i, item in enumerate(doc if actual else []):
            key = next((k for k in IDENTITY if isinstance(item, dict) and k in item), None)
            match = next((a for a in actual if a.get(key) == item[key]), None) if key else actual[min(i, len(actual) - 1)]
            assert match is not None, f"README shows {path}[] with {key} = {item[key]!r}, which the tool does not write"
            same(item, match, f"{path}[]")
    elif doc != "…":
        assert doc == actual, f"README shows {path} = {doc!r}, the tool writes {actual!r}"


def test_json_example_names_only_fields_the_tool_writes_with_the_values_it_writes():
    run_example, review_example = (json.loads(body) for lang, body in BLOCKS if lang == "json")
    same(run_example, run_json("--as-of", "2026-10-15"))
    same(review_example, review_json())


def test_every_json_field_is_documented():
    def keys(doc):
        if isinstance(doc, dict):
            for key, value in doc.items():
                yield key
                yield from keys(value)
        elif isinstance(doc, list):
            for item in doc:
                yield from keys(item)
    for key in set(keys(run_json("--as-of", "2026-10-15"))) | set(keys(review_json())):
        assert f'"{key}"' in README or f"`{key}`" in README, f"the JSON field {key} is not in README.md"


def test_every_image_and_document_the_readme_links_is_in_the_project():
    links = re.findall(r"\]\(([^)#]+)\)", README) + re.findall(r"`(docs/[^`]+)`", README)
    assert {"docs/payslip.png", "docs/summary.png", "docs/method.md"} <= set(links)
    for link in links:
        if not link.startswith("http"):
            assert (ROOT / link).is_file(), link
