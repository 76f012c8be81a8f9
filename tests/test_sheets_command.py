"""`kpi-reports sheets`: a refresh of a shared spreadsheet against the local fake of the Sheets API — one
read, the same layouts as the .xlsx, one atomic write (or a staged one), nothing written on an error."""
from __future__ import annotations

from collections.abc import Callable

import openpyxl
import pytest
from click.testing import CliRunner

from kpi_reports.cli import main
from kpi_reports.gsheets import client, refresh, watch
from kpi_reports.gsheets.client import Backoff, SheetsClient, connect
from kpi_reports.messages import msg
from kpi_reports.names import a1
from kpi_reports.pipeline import Options
from kpi_reports.problems import KpiError
from kpi_reports.render.gsheets import plan as gsheets

from conftest import SAMPLES
from support import sheets_fake
from support.workbooks import spreadsheet_tabs

fake_sheets = sheets_fake.fixture()
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
GENERATED = ["Payslips 2026-10", "Summary 2026-10"]
INPUTS = ["Employees", "KPIs", "Schemes", "Plans", "TeamPlans", "Facts", "Settings"]


@pytest.fixture
def fake(fake_sheets, monkeypatch):
    """The fake, with the sample in it, at the address every call goes to; no credentials anywhere."""
    monkeypatch.setenv(client.BASE_URL_VARIABLE, fake_sheets.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setattr(client, "_sleep", lambda seconds: None)  # retries wait no time here
    fake_sheets.add_spreadsheet(KEY, spreadsheet_tabs(SAMPLES / "sales_team.xlsx"))
    return fake_sheets


def sheets(*args: str):
    return CliRunner().invoke(main, ["sheets", KEY, "--lang", "en", *args])


def stored_cells(fake, tab: str) -> list[dict]:
    """Every non-empty cell of a tab as the fake stores it (userEnteredValue, userEnteredFormat)."""
    grid = fake.values(KEY, tab)
    return [fake.cell(KEY, tab, a1(r, c)) for r, row in enumerate(grid) for c, v in enumerate(row) if v is not None]


def writes(fake) -> int:
    return len(fake.calls_to("spreadsheets.batchUpdate"))


def test_a_refresh_writes_the_generated_tabs_in_three_calls_and_ivanov_totals_119_800(fake, soffice, tmp_path):
    done = sheets("--period", "2026-10")
    assert done.exit_code == 0, done.output
    assert [c.endpoint for c in fake.calls] == ["spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate"]
    assert fake.tabs(KEY) == [*INPUTS, *GENERATED]
    assert "119,800.00" in done.output and "3 calls" in done.output
    fake.to_xlsx(KEY, tmp_path / "state.xlsx")
    book = openpyxl.load_workbook(soffice(tmp_path / "state.xlsx", "xlsx"), data_only=True)
    slip = book["Payslips 2026-10"]
    row = next(r for r in slip.iter_rows() if any(c.value == "Ivan Ivanov (E001)" for c in r))[0].row
    block = [c.value for r in slip.iter_rows(min_row=row, max_row=row + 20) for c in r]
    assert 119800 in block and 58000 in block and 1800 in block  # total, bonus, commission, recalculated


def test_the_input_tabs_are_never_written(fake):
    before = {tab: fake.values(KEY, tab) for tab in INPUTS}
    assert sheets("--period", "2026-10", "--review", "2026-Q4").exit_code == 0
    assert {tab: fake.values(KEY, tab) for tab in INPUTS} == before
    assert fake.tabs(KEY)[-1] == "Review 2026-Q4"


def test_two_refreshes_in_a_row_give_the_same_tabs(fake):
    assert sheets("--period", "2026-10").exit_code == 0
    first = {tab: fake.values(KEY, tab) for tab in GENERATED}
    assert sheets("--period", "2026-10").exit_code == 0
    assert fake.tabs(KEY) == [*INPUTS, *GENERATED]
    assert {tab: fake.values(KEY, tab) for tab in GENERATED} == first


@pytest.mark.parametrize("name", ['=IMPORTXML("http://x","//a")', "+SUM(1,2)", "@user", "<script>alert(1)</script>"])
def test_user_text_is_written_as_text_never_as_a_formula(fake, name):
    tabs = spreadsheet_tabs(SAMPLES / "sales_team.xlsx")
    row = next(i for i, r in enumerate(tabs["Employees"]) if "E001" in r)
    column = tabs["Employees"][row].index("Ivan Ivanov")
    fake.add_spreadsheet(KEY, tabs)
    facts_id = fake.sheet(KEY, "Employees")["properties"]["sheetId"]
    fake.batch_update(KEY, {"requests": [{"updateCells": {  # typed as text, as '=IMPORTXML(...) is
        "range": {"sheetId": facts_id, "startRowIndex": row, "endRowIndex": row + 1, "startColumnIndex": column,
                  "endColumnIndex": column + 1},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": name}}]}], "fields": "userEnteredValue"}}]})
    assert sheets("--period", "2026-10").exit_code == 0
    for tab in GENERATED:
        values = [cell.get("userEnteredValue", {}) for cell in stored_cells(fake, tab)]
        assert any(name in v.get("stringValue", "") for v in values), f"the name is not in {tab} as a string"
        assert not any(name in v.get("formulaValue", "") for v in values)


def test_a_users_tab_with_a_generated_tabs_name_is_refused_and_nothing_is_written(fake):
    fake.add_spreadsheet(KEY, {**spreadsheet_tabs(SAMPLES / "sales_team.xlsx"), "payslips 2026-10": [["my own notes"]]})
    done = sheets("--period", "2026-10")
    assert done.exit_code == 1 and "payslips 2026-10" in done.output and "Traceback" not in done.output
    assert writes(fake) == 0 and fake.values(KEY, "payslips 2026-10") == [["my own notes"]]


def test_a_broken_facts_cell_is_named_by_tab_and_cell_and_nothing_is_written(fake):
    tabs = spreadsheet_tabs(SAMPLES / "sales_team.xlsx")
    header = tabs["Facts"].index(next(r for r in tabs["Facts"] if "calls" in r))
    row = next(i for i, r in enumerate(tabs["Facts"])  # E002 in 2026-10, the month computed
               if i > header and "E002" in r and getattr(r[0].get("date") if isinstance(r[0], dict) else r[0],
                                                         "month", None) == 10)
    tabs["Facts"][row][tabs["Facts"][header].index("calls")] = "n/a"
    fake.add_spreadsheet(KEY, tabs)
    done = sheets("--period", "2026-10")
    cell = f"{'ABCDEFGHIJ'[tabs['Facts'][header].index('calls')]}{row + 1}"
    assert done.exit_code == 1 and "Facts" in done.output and f"Facts!{cell}" in done.output and "'n/a'" in done.output
    assert writes(fake) == 0 and fake.tabs(KEY) == INPUTS


def test_quota_exceeded_once_is_retried_and_the_refresh_goes_through(fake):
    fake.fail_next(429)
    done = sheets("--period", "2026-10")
    assert done.exit_code == 0, done.output
    assert [c.status for c in fake.calls] == [429, 200, 200, 200]
    assert fake.tabs(KEY) == [*INPUTS, *GENERATED]


def test_a_spreadsheet_not_shared_is_one_clear_line(fake):
    fake.deny(KEY)
    done = sheets("--period", "2026-10")
    assert done.exit_code == 1 and "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1
    assert "403" in done.output or "permission" in done.output.lower()


def test_a_batch_google_refuses_leaves_the_spreadsheet_as_it_was(fake, monkeypatch):
    """Google applies a batch whole or not at all: a refused request at its end leaves no tab behind."""
    real = gsheets.plan

    def with_a_bad_request(*args, **kwargs):
        plan = real(*args, **kwargs)
        bad = plan.payloads[0][:-2] + b',{"deleteSheet":{"sheetId":987654}}]}'
        return gsheets.Plan((bad,), sheet_ids=plan.sheet_ids)
    monkeypatch.setattr(gsheets, "plan", with_a_bad_request)
    done = sheets("--period", "2026-10")
    assert done.exit_code == 1 and "987654" in done.output
    assert fake.tabs(KEY) == INPUTS


def test_a_refresh_too_large_for_one_call_is_staged_and_ends_as_the_single_call_does(fake):
    session = connect()
    done = refresh.refresh(session, KEY, Options("2026-10", lang="en"), limit=60_000)
    assert done.staged and writes(fake) > 2
    assert fake.tabs(KEY) == [*INPUTS, *GENERATED]
    staged = {tab: fake.values(KEY, tab) for tab in GENERATED}
    fake.add_spreadsheet(KEY, spreadsheet_tabs(SAMPLES / "sales_team.xlsx"))
    refresh.refresh(session, KEY, Options("2026-10", lang="en"))
    assert {tab: fake.values(KEY, tab) for tab in GENERATED} == staged


def test_a_staged_refresh_that_fails_before_the_swap_deletes_its_staging_tabs(fake, monkeypatch):
    session = connect(backoff=Backoff(attempts=1))
    refresh.refresh(session, KEY, Options("2026-10", lang="en"))  # the tabs of an earlier refresh
    before = {tab: fake.values(KEY, tab) for tab in GENERATED}
    real, sent = SheetsClient.send, []

    def send(self, key, payload):
        sent.append(payload)
        if len(sent) == 2:  # Google refuses the second call of the staged refresh
            fake.fail_next(400, message="Invalid requests[0]: refused for the test")
        return real(self, key, payload)
    monkeypatch.setattr(SheetsClient, "send", send)
    with pytest.raises(KpiError, match="refused for the test"):
        refresh.refresh(session, KEY, Options("2026-10", lang="en"), limit=60_000)
    assert len(sent) == 3  # the staging tabs, the refused call, the cleanup
    assert fake.tabs(KEY) == [*INPUTS, *GENERATED]  # the old tabs, no staging tab left
    assert {tab: fake.values(KEY, tab) for tab in GENERATED} == before


def edit(fake, tab: str, row: int, column: int, value: float) -> None:
    """Someone types a number into a tab (in the fake, as the Sheets UI would store it)."""
    fake.batch_update(KEY, {"requests": [{"updateCells": {
        "range": {"sheetId": fake.sheet(KEY, tab)["properties"]["sheetId"], "startRowIndex": row,
                  "endRowIndex": row + 1, "startColumnIndex": column, "endColumnIndex": column + 1},
        "rows": [{"values": [{"userEnteredValue": {"numberValue": value}}]}], "fields": "userEnteredValue"}}]})


def watched(fake, polls: int, during: dict[int, Callable[[], None]]) -> tuple[list, list]:
    """A watch of `polls` polls; `during[n]` runs in the n-th wait (from 1). Returns what was refreshed and
    what failed."""
    refreshed, failed, waits = [], [], []

    def sleep(seconds):
        waits.append(seconds)
        during.get(len(waits), lambda: None)()
    watch.watch_and_refresh(connect(), KEY, Options("2026-10", lang="en"), 5, refreshed.append, failed.append,
                            sleep=sleep, polls=polls)
    return refreshed, failed


def test_watch_refreshes_once_after_a_change_and_a_poll_is_one_small_call(fake):
    facts = len(fake.values(KEY, "Facts")) - 1
    refreshed, failed = watched(fake, 3, {2: lambda: edit(fake, "Facts", facts, 2, 1234)})
    assert failed == [] and len(refreshed) == 2 and writes(fake) == 2
    assert len(fake.calls_to("values.batchGet")) == 1 + 1 + 1  # the first read, the check of the change, its read
    assert len(fake.calls_to("drive.files.get")) == 5  # after each refresh, and one per poll
    assert all(c.body_size == 0 and c.query.get("fields") == ["modifiedTime"] for c in fake.calls_to("drive.files.get"))


def test_watch_does_not_refresh_when_only_a_generated_tab_changed(fake):
    """A weight typed into a generated tab changes the file, not the input tabs: no refresh undoes it."""
    refreshed, _ = watched(fake, 2, {1: lambda: edit(fake, "Summary 2026-10", 3, 3, 0.5)})
    assert len(refreshed) == 1 and writes(fake) == 1
    assert len(fake.calls_to("values.batchGet")) == 2  # the first read, and the check that found no change


def test_without_drive_metadata_every_poll_reads_the_input_tabs(fake, monkeypatch):
    def refused(self, key):
        raise KpiError(msg("sheets_refused", status=403, message="Request had insufficient authentication scopes."))
    monkeypatch.setattr(SheetsClient, "modified", refused)
    facts = len(fake.values(KEY, "Facts")) - 1
    refreshed, failed = watched(fake, 3, {2: lambda: edit(fake, "Facts", facts, 2, 4321)})
    assert failed == [] and len(refreshed) == 2
    assert len(fake.calls_to("values.batchGet")) == 1 + 3 + 1  # the first read, one per poll, the refresh's


def test_a_refresh_that_fails_while_watching_is_reported_and_the_watch_goes_on(fake):
    tabs = fake.values(KEY, "Facts")
    header = next(i for i, r in enumerate(tabs) if "calls" in r)
    column = tabs[header].index("calls")
    row = next(i for i, r in enumerate(tabs) if getattr(r[0], "month", None) == 10)  # a row of the month computed
    bad = {"requests": [{"updateCells": {
        "range": {"sheetId": fake.sheet(KEY, "Facts")["properties"]["sheetId"], "startRowIndex": row,
                  "endRowIndex": row + 1, "startColumnIndex": column, "endColumnIndex": column + 1},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "n/a"}}]}], "fields": "userEnteredValue"}}]}
    refreshed, failed = watched(fake, 3, {1: lambda: fake.batch_update(KEY, bad),
                                          2: lambda: edit(fake, "Facts", row, column, 1000)})
    assert len(failed) == 1 and "Facts" in failed[0].text("en") and len(refreshed) == 2


def test_watch_stops_cleanly_on_ctrl_c(fake):
    def interrupted(seconds):
        raise KeyboardInterrupt
    watch.watch_and_refresh(connect(), KEY, Options("2026-10", lang="en"), 5, lambda done: None,
                            lambda e: None, sleep=interrupted)
    assert writes(fake) == 1


def test_formulas_go_as_formulas_and_sheets_computes_them(fake):
    assert sheets("--period", "2026-10").exit_code == 0
    values = [cell.get("userEnteredValue", {}) for cell in stored_cells(fake, "Payslips 2026-10")]
    formulas = [v["formulaValue"] for v in values if "formulaValue" in v]
    assert len(formulas) > 100 and all(f.startswith("=") for f in formulas)
    assert {60000, 50000} <= {v.get("numberValue") for v in values}  # Ivanov's salary and bonus at 100%
