"""One pipeline under the three faces: the same workbook through `run --json`, the web page's JSON download
and a Google Sheets refresh against the local fake gives the same figures, warnings and problems, with the
same Settings honoured — each face only chooses where the outcome goes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.gsheets import client
from kpi_reports.gsheets.client import connect
from kpi_reports.gsheets.refresh import refresh
from kpi_reports.messages import text
from kpi_reports.pipeline import Options
from kpi_reports.problems import InvalidWorkbook, KpiError, UsageError
from kpi_reports.render import json as json_out
from kpi_reports.workbook.example import write_workbook

from conftest import SAMPLES, example_data, put
from support import sheets_fake
from support.web_server import running
from support.workbooks import spreadsheet_tabs

fake_sheets = sheets_fake.fixture()
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
PERIOD = "2026-10"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running(tmp_path_factory.mktemp("web")) as s:
        yield s


@pytest.fixture
def sheets(fake_sheets, monkeypatch):
    """A refresh of a spreadsheet holding a workbook's sheets as tabs, against the fake."""
    monkeypatch.setenv(client.BASE_URL_VARIABLE, fake_sheets.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setattr(client, "_sleep", lambda seconds: None)

    def refreshed(path: Path, options: Options | None = None):
        fake_sheets.add_spreadsheet(KEY, spreadsheet_tabs(path))
        return refresh(connect(), KEY, options)
    return refreshed


def book(tmp_path: Path, lang: str = "en", **settings) -> Path:
    """The example workbook for two months, with Ivanov's calls plan left out (a warning) and `settings`."""
    data = example_data(lang, months=("2026-09", PERIOD))
    put(data, "Plans", "calls" if lang == "en" else "звонки", None, period=PERIOD, employee_id="E001")
    rows = data.sheets["Settings"].rows
    for key, value in settings.items():
        rows[:] = [r for r in rows if r[0] != key] + [[key, value]]
    path = tmp_path / "team.xlsx"
    write_workbook(path, data, lang)
    return path


def command_json(path: Path, *args: str) -> dict:
    done = CliRunner().invoke(main, ["run", str(path), "--json", "-", "--dry-run", *args])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def page(site, path: Path, lang: str = "en", **form) -> requests.Response:
    return requests.post(site.url, files={"workbook": (path.name, path.read_bytes())}, data={"lang": lang, **form},
                         headers={"Connection": "close"}, timeout=60)


def page_json(site, path: Path, lang: str = "en") -> dict:
    r = page(site, path, lang)
    assert r.status_code == 200, r.text
    download = requests.get(r.url + "/json", headers={"Connection": "close"}, timeout=60)
    assert download.status_code == 200
    return download.json()


def test_the_command_the_page_and_a_refresh_give_the_same_figures_and_warnings(tmp_path, site, sheets):
    path = book(tmp_path)
    from_command = command_json(path)
    from_page = page_json(site, path)
    done = sheets(path)
    from_sheets = json.loads(json_out.dumps(done.outcome.report, done.outcome.lang))
    assert from_command == from_page == from_sheets
    assert from_command["period"] == PERIOD
    warnings = [(w["sheet"], w["cell"], w["message"]) for w in from_command["warnings"]]
    assert any(sheet == "Plans" and "calls" in message for sheet, _, message in warnings), warnings


def test_with_no_month_named_every_face_computes_the_latest_month_with_facts(tmp_path, site, sheets):
    path = book(tmp_path)
    assert command_json(path)["period"] == page_json(site, path)["period"] == sheets(path).outcome.period == PERIOD


def test_the_settings_language_is_the_one_of_the_command_and_the_refresh(tmp_path, sheets):
    path = book(tmp_path, language="ru")
    from_command = command_json(path)
    done = sheets(path)
    assert done.outcome.lang == "ru" and "Расчётные листки 2026-10" in done.tabs
    assert from_command == json.loads(json_out.dumps(done.outcome.report, "ru"))
    assert any(w["message"].startswith(text("no_plan", "ru", kpi="calls")) for w in from_command["warnings"])


def test_the_page_speaks_the_language_chosen_on_it_whatever_settings_say(tmp_path, site):
    path = book(tmp_path, language="ru")
    from_page = page_json(site, path, lang="en")
    assert any(w["message"].startswith(text("no_plan", "en", kpi="calls")) for w in from_page["warnings"])


def test_a_workbook_without_facts_is_the_same_clear_error_on_every_face(tmp_path, site, sheets):
    data = example_data("en", months=(PERIOD,))
    data.sheets["Facts"].rows = []
    path = tmp_path / "no-facts.xlsx"
    write_workbook(path, data, "en")
    said = text("no_facts_month", "en")
    done = CliRunner().invoke(main, ["run", str(path), "--dry-run"])
    assert done.exit_code == 1 and said in done.output and "Traceback" not in done.output
    r = page(site, path)
    assert r.status_code == 422 and said in r.text
    with pytest.raises(UsageError) as caught:
        sheets(path)
    assert caught.value.text("en") == said


def test_the_problems_of_a_bad_workbook_are_the_same_on_every_face(tmp_path, site, sheets):
    data = example_data("en", months=(PERIOD,))
    bad = put(data, "Facts", "calls", "lots", period=PERIOD, employee_id="E002")
    other = put(data, "Employees", "salary", "-5", employee_id="E003")
    path = tmp_path / "bad.xlsx"
    write_workbook(path, data, "en")
    with pytest.raises(InvalidWorkbook) as caught:
        sheets(path)
    found = [(p.sheet, p.cell) for p in caught.value.report.errors]
    assert ("Facts", bad) in found and ("Employees", other) in found
    done = CliRunner().invoke(main, ["run", str(path), "--dry-run"])
    r = page(site, path)
    assert done.exit_code == 1 and r.status_code == 422
    for problem in caught.value.report.errors:
        assert problem.text("en") in done.output
        assert problem.cell in r.text and str(problem.message.text("en")) in r.text.replace("&#39;", "'")


def test_a_settings_template_prints_on_the_command_line_and_the_page_says_why_it_cannot(tmp_path, site, sheets):
    (tmp_path / "slip.typ").write_text('#let data = json(bytes(sys.inputs.data))\n'
                                       '#for p in data.pages [ORIGINAL SLIP #p.name #pagebreak(weak: true)]\n',
                                       encoding="utf-8")
    path = book(tmp_path, payslip_template="slip.typ")
    done = CliRunner().invoke(main, ["run", str(path), "--dry-run", "--pdf", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    printed = subprocess.run(["pdftotext", str(tmp_path / "out" / f"payslips-{PERIOD}.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
    assert "ORIGINAL SLIP Ivan Ivanov" in printed
    r = page(site, path)
    assert r.status_code == 200  # the month is shown and the workbook written all the same
    pdf = requests.get(r.url + "/pdf", headers={"Connection": "close"}, timeout=60)
    assert pdf.status_code == 422 and "slip.typ" in pdf.text
    assert sheets(path).outcome.template_error is not None  # a refresh prints nothing: it writes its tabs


def test_the_library_runs_writes_and_prints_what_the_command_does(tmp_path):
    path = book(tmp_path)
    outcome = kpi_reports.run(path, kpi_reports.Options(period=PERIOD))
    written = kpi_reports.write(outcome)
    assert written.path == path and f"Payslips {PERIOD}" in written.sheets
    assert json.loads(json_out.dumps(outcome.report, outcome.lang)) == command_json(path)
    again = kpi_reports.run(path, kpi_reports.Options(period=PERIOD))
    os.utime(path, ns=(1, 1))  # changed since it was read: not written over
    with pytest.raises(KpiError):
        kpi_reports.write(again)


def test_the_readme_library_example_runs_on_the_sample(tmp_path, monkeypatch):
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    code = readme.split("## As a library", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copyfile(SAMPLES / "sales_team.xlsx", tmp_path / "team.xlsx")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README's example, on our sample
    ivanov = next(p for p in scope["outcome"].report.result.employees if p.employee.employee_id == "E001")
    assert ivanov.total == Decimal("119800.00") and scope["outcome"].review is not None
    assert (tmp_path / "team.bak.xlsx").is_file() and (tmp_path / "out" / "payslips-2026-10.pdf").is_file()
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 1 + len(scope["outcome"].views)


def test_a_template_outside_the_folder_stops_printing_only_and_before_anything_is_written(tmp_path):
    path = book(tmp_path, payslip_template="../outside.typ")
    before = path.read_bytes()
    printing = CliRunner().invoke(main, ["run", str(path), "--pdf", str(tmp_path / "out")])
    assert printing.exit_code == 1 and text("template_outside", "en") in printing.output
    assert path.read_bytes() == before and not (tmp_path / "out").exists()
    assert CliRunner().invoke(main, ["run", str(path)]).exit_code == 0  # a run that prints nothing goes on
