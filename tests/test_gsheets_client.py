"""The Google Sheets transport against the local fake of the API (tests/sheets_fake.py): the spreadsheet's
key, the base address from KPI_REPORTS_SHEETS_URL, credentials in their order, retries with backoff
within a time bound, and one clear message for each failure.

No test reaches Google or the user's home: gspread's default credential files are pointed into the
test's folder, GOOGLE_APPLICATION_CREDENTIALS is unset, and a service account's token refresh (which
would go to Google) is replaced by one that hands out a token.
"""
from __future__ import annotations

import json
from decimal import Decimal

import gspread.auth
import pytest
import requests
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

import kpi_reports
from kpi_reports.gsheets import client
from kpi_reports.gsheets.client import Backoff, connect, spreadsheet_key
from kpi_reports.gsheets.source import read_workbook
from kpi_reports.problems import KpiError, SheetsProblem, UsageError

from conftest import put
from support import sheets_fake
from support.workbooks import spreadsheet_tabs

fake_sheets = sheets_fake.fixture()

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
EMAIL = "kpi-bot@team-project.iam.gserviceaccount.com"
FAST = Backoff(first=1.0, factor=2.0, longest=8.0, total=30.0, network_total=5.0, attempts=10)


@pytest.fixture(autouse=True)
def no_credentials(tmp_path, monkeypatch):
    """Nothing found anywhere: gspread's default files point into the test's folder, the variables unset."""
    home = tmp_path / "gspread"
    monkeypatch.setattr(gspread.auth, "DEFAULT_SERVICE_ACCOUNT_FILENAME", home / "service_account.json")
    monkeypatch.setattr(gspread.auth, "DEFAULT_CREDENTIALS_FILENAME", home / "credentials.json")
    monkeypatch.setattr(gspread.auth, "DEFAULT_AUTHORIZED_USER_FILENAME", home / "authorized_user.json")
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.delenv(client.BASE_URL_VARIABLE, raising=False)
    return home


@pytest.fixture
def clock(monkeypatch):
    """A fake clock: sleeping moves it on at once; the jitter is the top of its range, recorded."""
    state = {"now": 0.0, "sleeps": [], "ranges": []}

    def sleep(seconds):
        state["sleeps"].append(seconds)
        state["now"] += seconds

    def uniform(low, high):
        state["ranges"].append((low, high))
        return high
    monkeypatch.setattr(client, "_now", lambda: state["now"])
    monkeypatch.setattr(client, "_sleep", sleep)
    monkeypatch.setattr(client, "_uniform", uniform)
    return state


@pytest.fixture
def base(fake_sheets, monkeypatch):
    monkeypatch.setenv(client.BASE_URL_VARIABLE, fake_sheets.url)
    return fake_sheets


@pytest.fixture(scope="session")
def private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def service_account_file(tmp_path, private_key, monkeypatch):
    """A service account's JSON key; its token refresh hands out `sa-token` instead of asking Google."""
    def refresh(self, request):
        self.token = "sa-token"
    monkeypatch.setattr(service_account.Credentials, "refresh", refresh)
    path = tmp_path / "key.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "team-project", "private_key_id": "abc123",
        "private_key": private_key, "client_email": EMAIL, "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token"}), encoding="utf-8")
    return path


def problem(call) -> str:
    with pytest.raises(SheetsProblem) as caught:
        call()
    assert isinstance(caught.value, KpiError)
    return caught.value.text("en")


# --- the spreadsheet's key -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0",
    f"https://docs.google.com/spreadsheets/d/{KEY}/edit?usp=sharing",
    f"https://docs.google.com/spreadsheets/d/{KEY}",
    f"https://docs.google.com/spreadsheets/u/0/d/{KEY}/edit",
    f"http://docs.google.com/spreadsheets/d/{KEY}/",
    KEY, f"  {KEY}\n",
])
def test_the_key_comes_from_the_address_or_is_the_key(text):
    assert spreadsheet_key(text) == KEY


@pytest.mark.parametrize("text", ["", "team.xlsx", "https://docs.google.com/document/d/abc/edit",
                                  "https://example.com/", "short", "has spaces in it but long"])
def test_anything_else_is_a_usage_error_saying_what_is_expected(text):
    with pytest.raises(UsageError) as caught:
        spreadsheet_key(text)
    assert caught.value.text("en") == (f"'{text}' is not a Google spreadsheet: expected its address "
                                       "(https://docs.google.com/spreadsheets/d/…/edit) or its key")


# --- the base address and the session ------------------------------------------------------------------


def test_with_the_variable_and_no_credentials_the_session_is_unauthenticated_and_goes_to_that_address(base):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    sheets = connect()
    assert not sheets.authenticated and sheets.base_url == base.url
    assert [t["properties"]["title"] for t in sheets.metadata(KEY)["sheets"]] == ["Facts"]
    assert [(c.endpoint, c.path, c.authorization) for c in base.calls] == [
        ("spreadsheets.get", f"/v4/spreadsheets/{KEY}", None)]


def test_the_base_address_replaces_google_s_in_every_call_a_path_prefix_kept(base, monkeypatch):
    monkeypatch.setenv(client.BASE_URL_VARIABLE, base.url + "/")
    http = connect().http
    assert http.url("https://sheets.googleapis.com/v4/spreadsheets/x:batchUpdate") == f"{base.url}/v4/spreadsheets/x:batchUpdate"
    proxy = client.SheetsHTTPClient(session=requests.Session(), base_url="https://proxy.example.com/google/")
    assert proxy.url("https://sheets.googleapis.com/v4/spreadsheets/x") == "https://proxy.example.com/google/v4/spreadsheets/x"
    google = client.SheetsHTTPClient(session=requests.Session())
    assert google.url("https://sheets.googleapis.com/v4/x") == "https://sheets.googleapis.com/v4/x"


@pytest.mark.parametrize("value", ["localhost:8080", "ftp://host", "http://", "http:// spaced"])
def test_a_base_address_that_is_not_one_is_a_usage_error(monkeypatch, value):
    monkeypatch.setenv(client.BASE_URL_VARIABLE, value)
    with pytest.raises(UsageError) as caught:
        connect()
    assert "KPI_REPORTS_SHEETS_URL is" in caught.value.text("en") and "http://localhost:8080" in caught.value.text("en")


def test_no_credentials_and_no_variable_says_the_three_ways(no_credentials):
    text = problem(connect)
    assert text.startswith("no Google credentials: pass --credentials FILE (a service account's JSON key), set "
                           "GOOGLE_APPLICATION_CREDENTIALS to that file, or put it at ")
    assert str(no_credentials / "service_account.json") in text and str(no_credentials / "credentials.json") in text
    with pytest.raises(SheetsProblem) as caught:
        connect()
    assert caught.value.text("ru").startswith("нет учётных данных Google: укажите --credentials ФАЙЛ")


# --- credentials ------------------------------------------------------------------------------------------


def test_a_service_account_key_from_the_option_authenticates_every_call(base, service_account_file):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    sheets = connect(service_account_file)
    assert sheets.authenticated and sheets.account == EMAIL
    sheets.metadata(KEY)
    assert [c.authorization for c in base.calls] == ["Bearer sa-token"]


def test_the_option_comes_before_the_variable_which_comes_before_gspread_s_file(
        service_account_file, tmp_path, monkeypatch, no_credentials):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "other.json"))
    assert connect(service_account_file).account == EMAIL
    assert problem(connect) == (f"the credentials file {tmp_path / 'other.json'} (GOOGLE_APPLICATION_CREDENTIALS) "
                                "does not exist")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file))
    assert connect().account == EMAIL
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    no_credentials.mkdir()
    (no_credentials / "service_account.json").write_bytes(service_account_file.read_bytes())
    assert connect().account == EMAIL


def test_a_missing_or_unreadable_credentials_file_is_named(tmp_path):
    assert problem(lambda: connect(tmp_path / "nope.json")) == (
        f"the credentials file {tmp_path / 'nope.json'} (--credentials) does not exist")
    bad = tmp_path / "bad.json"
    for content, reason in [("not json", "Expecting value"), ('{"type": "external_account"}', "type 'external_account'"),
                            ("[1]", "no type"), ('{"type": "service_account"}', "")]:
        bad.write_text(content, encoding="utf-8")
        text = problem(lambda: connect(bad))
        assert text.startswith(f"{bad} is not a Google credentials file (") and reason in text
        assert text.endswith("expected a service account's JSON key")


def test_gspread_s_oauth_for_a_person_s_own_account_when_its_files_exist(base, no_credentials, monkeypatch):
    monkeypatch.setattr(user_credentials.Credentials, "refresh", lambda self, request: setattr(self, "token", "u-token"))
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    no_credentials.mkdir()
    (no_credentials / "authorized_user.json").write_text(json.dumps({
        "type": "authorized_user", "client_id": "id.apps.googleusercontent.com", "client_secret": "s",
        "refresh_token": "r"}), encoding="utf-8")
    sheets = connect()
    assert sheets.authenticated and sheets.account is None
    sheets.metadata(KEY)
    assert [c.authorization for c in base.calls] == ["Bearer u-token"]
    base.deny(KEY)
    assert problem(lambda: sheets.metadata(KEY)) == (
        f"no access to spreadsheet {KEY} for the Google account signed in: ask its owner to share it with you as an editor")


def test_gspread_s_oauth_flow_is_never_started_without_its_files(base, monkeypatch):
    def flow(*args, **kwargs):
        raise AssertionError("an interactive OAuth flow was started")
    monkeypatch.setattr(gspread, "oauth", flow)
    assert not connect().authenticated


# --- one read: the metadata and one batchGet ------------------------------------------------------------


def test_a_read_is_one_metadata_call_and_one_batch_get_and_computes_as_the_file_does(base, example, write):
    path = write(example)
    base.add_spreadsheet(KEY, {**spreadsheet_tabs(path), "Payslips 2026-10": [["generated"]], "Notes": [["mine"]]})
    sheets = connect()
    metadata, values = sheets.read(KEY)
    assert [c.endpoint for c in base.calls] == ["spreadsheets.get", "values.batchGet"] and sheets.calls == 2
    get, batch = base.calls
    assert get.query == {"fields": [client.METADATA_FIELDS]}
    assert batch.query == {"valueRenderOption": ["UNFORMATTED_VALUE"], "dateTimeRenderOption": ["FORMATTED_STRING"],
                           "majorDimension": ["ROWS"],
                           "ranges": ["'Employees'", "'KPIs'", "'Schemes'", "'Plans'", "'TeamPlans'", "'Facts'",
                                      "'Settings'"]}
    assert metadata["properties"]["locale"] == "en_US" and "sheetId" in metadata["sheets"][0]["properties"]
    wb, report = read_workbook(metadata, values, source=f"https://docs.google.com/spreadsheets/d/{KEY}")
    assert not report.problems, [str(p) for p in report.problems]
    from_file = kpi_reports.load(path)
    result = kpi_reports.compute(wb, "2026-10")
    assert result == kpi_reports.compute(from_file, "2026-10")
    ivanov = next(p for p in result.employees if p.employee.employee_id == "E001")
    assert ivanov.total == Decimal("119800.00")


def test_a_bad_cell_in_a_tab_is_named_by_the_tab_and_its_cell(base, example, write):
    cell = put(example, "Facts", "revenue", "a lot", period="2026-10", employee_id="E003")
    base.add_spreadsheet(KEY, spreadsheet_tabs(write(example)))
    _, report = read_workbook(*connect().read(KEY))
    assert [(p.sheet, p.cell, p.column, p.found) for p in report.errors] == [("Facts", cell, "revenue", "a lot")]


@pytest.mark.parametrize("pattern, locale", [
    ("yyyy-mm", "en_US"), ("yyyy-mm-dd", "en_US"), ("M/d/yyyy", "en_US"), ("dd.MM.yyyy", "ru_RU"), ("mm.yyyy", "ru_RU"),
    ("dd/mm/yyyy", "en_GB"),
])
def test_month_cells_read_whatever_date_format_the_tab_shows(base, pattern, locale):
    day = {"date": "2026-10-31", "pattern": pattern}
    base.add_spreadsheet(KEY, {
        "Employees": [["employee_id", "name", "team", "scheme", "salary", "bonus_target"],
                      ["E1", "Ann", "North", "s", 50000, 10000]],
        "KPIs": [["kpi", "title", "group"], ["revenue", "Revenue", "result"]],
        "Schemes": [["scheme", "kpi", "weight"], ["s", "revenue", 1]],
        "Plans": [["period", "employee_id", "revenue"], [day, "E1", 1000]],
        "Facts": [["period", "employee_id", "revenue"], [day, "E1", {"formula": "=900+100", "value": 1000}]],
    }, locale=locale)
    wb, report = read_workbook(*connect().read(KEY))
    assert not report.errors, [str(p) for p in report.errors]
    assert wb.periods == ["2026-10"] and wb.facts[("2026-10", "E1")].values == {"revenue": Decimal(1000)}
    assert kpi_reports.compute(wb, "2026-10").employees[0].bonus == Decimal("10000.00")


def test_no_input_tab_is_one_call_and_the_missing_sheets_named(base):
    base.add_spreadsheet(KEY, {"Sheet1": [["x"]]})
    _, report = read_workbook(*connect().read(KEY))
    assert len(base.calls) == 1
    assert str(report.errors[0]) == ("Employees: missing sheet: expected a sheet named Employees or Сотрудники. "
                                     "Tabs in the spreadsheet: Sheet1.")


def test_batch_update_is_one_call(base):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    answer = connect().batch_update(KEY, {"requests": [{"addSheet": {"properties": {"title": "Payslips 2026-10"}}}]})
    assert answer["replies"][0]["addSheet"]["properties"]["title"] == "Payslips 2026-10"
    assert [c.endpoint for c in base.calls] == ["spreadsheets.batchUpdate"]
    assert base.tabs(KEY) == ["Facts", "Payslips 2026-10"]


# --- retries --------------------------------------------------------------------------------------------


def test_a_429_is_retried_with_growing_jittered_waits_then_succeeds(base, clock):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.fail_next(429, times=3)
    sheets = connect(backoff=FAST)
    assert sheets.metadata(KEY)["spreadsheetId"] == KEY
    assert [c.status for c in base.calls] == [429, 429, 429, 200] and sheets.calls == 4
    assert clock["ranges"] == [(0, 1.0), (0, 2.0), (0, 4.0)]  # full jitter: anywhere from 0 to the ceiling
    assert clock["sleeps"] == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_retried(base, clock, status):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.fail_next(status, times=2)
    assert connect(backoff=FAST).values(KEY, ["'Facts'"])["valueRanges"][0]["values"] == [["period"]]
    assert [c.status for c in base.calls] == [status, status, 200]


def test_the_waits_are_capped_and_the_jitter_is_full(monkeypatch, clock):
    backoff = Backoff(first=1, factor=2, longest=8)
    assert [backoff.wait(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    monkeypatch.setattr(client, "_uniform", lambda low, high: low)
    assert backoff.wait(5) == 0 and backoff.wait(5, retry_after=3) == 3 and backoff.wait(1, retry_after=60) == 8


def test_quota_exceeded_gives_up_within_the_time_bound_saying_how_often_and_how_long(base, clock):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.fail_next(429, times=100)
    text = problem(lambda: connect(backoff=FAST).metadata(KEY))
    # waits 1 + 2 + 4 + 8 + 8 = 23 s; the next 8 would end after 30 s
    assert text == "Google Sheets quota exceeded; tried 6 times over 23 s: wait a minute and run again"
    assert len(base.calls) == 6 and sum(clock["sleeps"]) <= FAST.total
    with pytest.raises(SheetsProblem) as caught:
        base.fail_next(429, times=100)
        connect(backoff=FAST).metadata(KEY)
    assert caught.value.text("ru").startswith("превышена квота Google Sheets; попыток: 6 за 23 с")


def test_at_most_the_attempts_allowed(base, clock):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.fail_next(503, times=100)
    text = problem(lambda: connect(backoff=Backoff(first=0.01, total=60, attempts=3)).metadata(KEY))
    assert text == "Google Sheets is not answering (HTTP 503); tried 3 times over 0 s: try again later"
    assert len(base.calls) == 3


def test_real_waits_are_short_with_a_small_backoff(base):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.fail_next(429, times=2)
    sheets = connect(backoff=Backoff(first=0.01, longest=0.02, total=1))
    assert sheets.metadata(KEY)["spreadsheetId"] == KEY and sheets.calls == 3


# --- failures, each one clear line ------------------------------------------------------------------------


def test_not_shared_with_the_service_account_names_its_email(base, service_account_file):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.deny(KEY)
    assert problem(lambda: connect(service_account_file).metadata(KEY)) == (
        f"no access to spreadsheet {KEY}: share the spreadsheet with {EMAIL} (Share → add it as an editor)")
    assert len(base.calls) == 1  # a 403 is not retried


def test_a_403_of_an_unauthenticated_session_gives_google_s_message(base):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.deny(KEY)
    assert problem(lambda: connect().metadata(KEY)) == (
        "Google Sheets refused the request (HTTP 403): The caller does not have permission")


def test_an_api_not_enabled_is_google_s_message_not_a_sharing_one(base, service_account_file):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    message = ("Google Sheets API has not been used in project 1234567890 before or it is disabled. Enable it by "
               "visiting https://console.developers.google.com/apis/api/sheets.googleapis.com/overview")
    base.fail_next(403, message=message)
    assert problem(lambda: connect(service_account_file).metadata(KEY)) == (
        f"Google Sheets refused the request (HTTP 403): {message}")


def test_not_found_names_the_key(base):
    assert problem(lambda: connect().metadata("nothere1234567")) == (
        "spreadsheet nothere1234567 not found: check the address or the key")


def test_a_bad_request_gives_google_s_message(base):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    text = problem(lambda: connect().values(KEY, ["'No such tab'"]))
    assert text.startswith("Google Sheets refused the request (HTTP 400): ")
    assert len(base.calls) == 1


def test_refused_credentials_are_said_so(base, service_account_file):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})
    base.fail_next(401, times=5)
    assert problem(lambda: connect(service_account_file).metadata(KEY)).startswith(
        "Google refused the credentials (Request had invalid authentication credentials.")


def test_a_token_refresh_refused_by_google_is_said_so(base, service_account_file, monkeypatch):
    from google.auth.exceptions import RefreshError

    def refresh(self, request):
        raise RefreshError("invalid_grant: Invalid JWT Signature.", {"error": "invalid_grant"})
    monkeypatch.setattr(service_account.Credentials, "refresh", refresh)
    assert problem(lambda: connect(service_account_file).metadata(KEY)).startswith(
        "Google refused the credentials (('invalid_grant: Invalid JWT Signature.'")
    assert not base.calls


def test_a_server_that_is_not_there_is_a_network_problem_after_retries(monkeypatch, clock):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    monkeypatch.setenv(client.BASE_URL_VARIABLE, f"http://127.0.0.1:{port}")
    text = problem(lambda: connect(backoff=FAST).metadata(KEY))
    # connection failures have the shorter bound: waits 1 + 2, the next 4 would end after 5 s
    assert text == f"cannot reach http://127.0.0.1:{port} (Connection refused); tried 3 times over 3 s"


def test_an_answer_that_is_not_json_is_said_so(base, monkeypatch):
    base.add_spreadsheet(KEY, {"Facts": [["period"]]})

    def not_json(self, *args, **kwargs):
        raise requests.JSONDecodeError("Expecting value", "<html>", 0)
    monkeypatch.setattr(requests.Response, "json", not_json)
    assert problem(lambda: connect().metadata(KEY)).startswith(f"an unexpected answer from {base.url} (Expecting value")


def test_an_error_body_that_is_not_google_s_still_gives_a_clear_line():
    answer = requests.Response()
    answer.status_code, answer._content, answer.reason = 502, b"<html>Bad gateway</html>", "Bad Gateway"
    assert client._google_message(client._api_error(answer)) == "<html>Bad gateway</html>"
    answer._content = b'{"error": "weird"}'
    error = client._api_error(answer)
    assert error.response.status_code == 502 and client._google_message(error) == '{"error": "weird"}'
