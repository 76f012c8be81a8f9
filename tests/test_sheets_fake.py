"""The fake Google Sheets API the refresh command is tested against: it must keep state, answer in
Google's shapes, and refuse what Google refuses — else the command's tests prove nothing."""
from __future__ import annotations

import datetime as dt
import json

import gspread
import pytest
import requests
from google.oauth2.credentials import Credentials
from gspread.http_client import HTTPClient

from support.sheets_fake import MAX_BODY, FakeSheets, fixture
from support.sheets_schema import Grid, check_batch, normalize, validate

GOOGLE_API = "https://sheets.googleapis.com"
fake_sheets = fixture()

FACTS = [["period", "employee_id", "revenue", "day"],
         ["2026-10", "E001", 3000000, {"date": "2026-10-01"}],
         ["2026-10", "E002", 1234.5, {"date": "2026-10-31"}]]


@pytest.fixture
def book(fake_sheets: FakeSheets) -> str:
    """A shared spreadsheet with one input tab, Facts (sheetId 0, 13 rows x 6 columns)."""
    return fake_sheets.add_spreadsheet("book-1", {"Facts": FACTS})


def batch(fake: FakeSheets, spreadsheet_id: str, body) -> requests.Response:
    return requests.post(f"{fake.url}/v4/spreadsheets/{spreadsheet_id}:batchUpdate", json=body, timeout=10)


def batch_get(fake: FakeSheets, spreadsheet_id: str, *ranges: str, **options) -> list[dict]:
    answer = requests.get(f"{fake.url}/v4/spreadsheets/{spreadsheet_id}/values:batchGet",
                          params={"ranges": list(ranges), **options}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["valueRanges"]


def text(value) -> dict:
    return {"userEnteredValue": {"stringValue": value}}


def number(value) -> dict:
    return {"userEnteredValue": {"numberValue": value}}


def add_summary(rows: int = 3, columns: int = 3, sheet_id: int = 7) -> dict:
    return {"addSheet": {"properties": {"sheetId": sheet_id, "title": "Summary",
                                        "gridProperties": {"rowCount": rows, "columnCount": columns}}}}


def write(sheet_id: int, row: int, cells: list[list[dict]], fields: str = "userEnteredValue", column: int = 0) -> dict:
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column},
                            "rows": [{"values": r} for r in cells], "fields": fields}}


def error_of(answer: requests.Response) -> dict:
    """Google's error body: {"error": {"code", "message", "status", "errors", ...}}."""
    error = answer.json()["error"]
    assert error["code"] == answer.status_code
    return error


# --- batchUpdate: what is applied


def test_add_sheet_and_update_cells_round_trip(fake_sheets, book):
    answer = batch(fake_sheets, book, {"requests": [
        add_summary(),
        write(7, 0, [[text("Name"), text("Total")], [text("Ivanov"), number(119800)]]),
        write(7, 1, [[{"userEnteredValue": {"formulaValue": "=B2*2"}}]], column=2),
    ]})

    assert answer.status_code == 200, answer.text
    replies = answer.json()["replies"]
    assert replies[0]["addSheet"]["properties"]["sheetId"] == 7
    assert replies[0]["addSheet"]["properties"]["index"] == 1
    assert replies[1:] == [{}, {}]
    assert fake_sheets.tabs(book) == ["Facts", "Summary"]
    assert fake_sheets.values(book, "Summary") == [["Name", "Total"], ["Ivanov", 119800, "=B2*2"]]
    assert batch_get(fake_sheets, book, "Summary", valueRenderOption="FORMULA") == [
        {"range": "Summary!A1:C3", "majorDimension": "ROWS", "values": [["Name", "Total"], ["Ivanov", 119800, "=B2*2"]]}]


def test_a_field_mask_writes_and_clears_only_the_fields_it_names(fake_sheets, book):
    fake_sheets.batch_update(book, {"requests": [write(0, 1, [[{}, {"note": "checked"}]], fields="note")]})
    fake_sheets.batch_update(book, {"requests": [write(0, 1, [[{}, {"note": "ignored"}]], fields="userEnteredValue")]})

    assert fake_sheets.values(book, "Facts")[1] == [None, None, 3000000, dt.date(2026, 10, 1)]
    assert fake_sheets.cell(book, "Facts", "B2") == {"note": "checked"}


def test_an_add_sheet_without_an_id_gets_one_and_the_defaults(fake_sheets, book):
    answer = batch(fake_sheets, book, {"requests": [{"addSheet": {"properties": {"title": "Payslips 2026-10"}}}]})

    properties = answer.json()["replies"][0]["addSheet"]["properties"]
    assert properties["sheetId"] > 0
    assert properties["gridProperties"] == {"rowCount": 1000, "columnCount": 26}
    assert fake_sheets.sheet(book, "Payslips 2026-10")["properties"]["sheetId"] == properties["sheetId"]


def test_sheet_properties_merges_sizes_and_metadata_are_kept(fake_sheets, book):
    answer = batch(fake_sheets, book, {"requests": [
        add_summary(rows=10, columns=4),
        {"updateSheetProperties": {"properties": {"sheetId": 7, "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "gridProperties.frozenRowCount"}},
        {"mergeCells": {"range": {"sheetId": 7, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0,
                                  "endColumnIndex": 4}, "mergeType": "MERGE_ALL"}},
        {"updateDimensionProperties": {"range": {"sheetId": 7, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 3},
                                       "properties": {"pixelSize": 140}, "fields": "pixelSize"}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "kpi-reports", "metadataValue": "summary 2026-10", "visibility": "DOCUMENT",
            "location": {"sheetId": 7}}}},
    ]})

    assert answer.status_code == 200, answer.text
    summary = fake_sheets.sheet(book, "Summary")
    assert summary["properties"]["gridProperties"] == {"rowCount": 10, "columnCount": 4, "frozenRowCount": 1}
    assert summary["merges"] == [{"sheetId": 7, "startRowIndex": 0, "endRowIndex": 1,
                                  "startColumnIndex": 0, "endColumnIndex": 4}]
    assert summary["columnSizes"] == {1: {"pixelSize": 140}, 2: {"pixelSize": 140}}
    [meta] = summary["developerMetadata"]
    assert (meta["metadataKey"], meta["metadataValue"], meta["location"]) == (
        "kpi-reports", "summary 2026-10", {"sheetId": 7, "locationType": "SHEET"})
    assert answer.json()["replies"][4]["createDeveloperMetadata"]["developerMetadata"]["metadataId"] == meta["metadataId"]


def test_metadata_is_found_by_search_and_deleted_by_lookup(fake_sheets, book):
    fake_sheets.batch_update(book, {"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": "kpi-reports", "metadataValue": "v1", "visibility": "PROJECT", "location": {"spreadsheet": True}}}}]})
    search = f"{fake_sheets.url}/v4/spreadsheets/{book}/developerMetadata:search"
    lookup = {"dataFilters": [{"developerMetadataLookup": {"metadataKey": "kpi-reports"}}]}

    found = requests.post(search, json=lookup, timeout=10).json()["matchedDeveloperMetadata"]
    deleted = batch(fake_sheets, book, {"requests": [{"deleteDeveloperMetadata": {"dataFilter": lookup["dataFilters"][0]}}]})

    assert [m["developerMetadata"]["metadataValue"] for m in found] == ["v1"]
    assert [m["metadataValue"] for m in deleted.json()["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]] == ["v1"]
    assert requests.post(search, json=lookup, timeout=10).json() == {}


def test_inserting_rows_moves_the_cells_below(fake_sheets, book):
    fake_sheets.batch_update(book, {"requests": [
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3}}}]})

    values = fake_sheets.values(book, "Facts")
    assert values[0] == FACTS[0] and values[1:3] == [[], []] and values[3][:3] == ["2026-10", "E001", 3000000]
    assert fake_sheets.sheet(book, "Facts")["properties"]["gridProperties"]["rowCount"] == 15


def test_get_with_a_field_selector_returns_only_what_was_asked(fake_sheets, book):
    answer = requests.get(f"{fake_sheets.url}/v4/spreadsheets/{book}",
                          params={"fields": "sheets(properties(sheetId,title))"}, timeout=10)

    assert answer.json() == {"sheets": [{"properties": {"sheetId": 0, "title": "Facts"}}]}


# --- batchUpdate: what is refused, as Google refuses it


def test_an_unknown_field_is_a_400_naming_its_path(fake_sheets, book):
    answer = batch(fake_sheets, book, {"requests": [{"addSheet": {"properties": {"title": "S"}, "foo": 1}}]})

    error = error_of(answer)
    assert answer.status_code == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == ('Invalid JSON payload received. Unknown name "foo" at \'requests[0].add_sheet\': '
                                "Cannot find field.")
    assert error["details"][0]["fieldViolations"][0]["field"] == "requests[0].add_sheet"


def test_a_string_where_an_integer_belongs_is_a_400(fake_sheets, book):
    answer = batch(fake_sheets, book, {"requests": [add_summary(rows="ten")]})

    assert answer.status_code == 400
    assert error_of(answer)["message"] == (
        "Invalid value at 'requests[0].add_sheet.properties.grid_properties.row_count' (TYPE_INT32), \"ten\"")


def test_numbers_in_strings_and_snake_case_names_parse_as_google_parses_them():
    body = {"requests": [{"add_sheet": {"properties": {"grid_properties": {"row_count": "12"}}}}]}

    assert validate("BatchUpdateSpreadsheetRequest", body) == []
    assert normalize("BatchUpdateSpreadsheetRequest", body) == {
        "requests": [{"addSheet": {"properties": {"gridProperties": {"rowCount": 12}}}}]}
    assert validate("GridRange", {"sheetId": 2 ** 31}) == ["Invalid value at 'sheet_id' (TYPE_INT32), 2147483648"]
    assert validate("DimensionRange", {"dimension": "ROW"}) == ["Invalid value at 'dimension' (TYPE_ENUM), \"ROW\""]


def test_an_unknown_request_kind_is_a_400(fake_sheets, book):
    unknown = batch(fake_sheets, book, {"requests": [{"addTab": {"title": "S"}}]})
    unsupported = batch(fake_sheets, book, {"requests": [{"sortRange": {"range": {"sheetId": 0}}}]})

    assert unknown.status_code == 400
    assert error_of(unknown)["message"] == ('Invalid JSON payload received. Unknown name "addTab" at \'requests[0]\': '
                                            "Cannot find field.")
    assert unsupported.status_code == 400
    assert error_of(unsupported)["message"] == "Invalid requests[0]: sortRange is not supported by this fake."


def test_a_request_must_set_exactly_one_kind_and_a_batch_one_request(fake_sheets, book):
    two = batch(fake_sheets, book, {"requests": [{**add_summary(), "deleteSheet": {"sheetId": 0}}]})
    none = batch(fake_sheets, book, {"requests": [{}]})
    empty = batch(fake_sheets, book, {"requests": []})

    assert error_of(two)["message"] == ("Invalid value at 'requests[0]' (oneof), oneof field 'kind' is already set. "
                                        "Cannot set 'deleteSheet'")
    assert error_of(none)["message"] == "Invalid requests[0]: No request set."
    assert error_of(empty)["message"] == "Must specify at least one request."


def test_a_batch_whose_second_request_is_invalid_changes_nothing(fake_sheets, book):
    before = fake_sheets.spreadsheet(book, grid_data=True)

    answer = batch(fake_sheets, book, {"requests": [
        write(0, 0, [[text("overwritten")]]),
        add_summary(),
        {"repeatCell": {"range": {"sheetId": 99}, "cell": {"note": "x"}, "fields": "note"}},
    ]})

    assert answer.status_code == 400
    assert error_of(answer)["message"] == "Invalid requests[2].repeatCell: No grid with id: 99"
    assert fake_sheets.spreadsheet(book, grid_data=True) == before


def test_cells_beyond_the_grid_are_refused_until_the_grid_grows_in_the_same_batch(fake_sheets, book):
    rows = [[text(f"person {i}")] for i in range(5)]

    refused = batch(fake_sheets, book, {"requests": [add_summary(rows=3), write(7, 0, rows)]})
    accepted = batch(fake_sheets, book, {"requests": [
        add_summary(rows=3), {"appendDimension": {"sheetId": 7, "dimension": "ROWS", "length": 2}}, write(7, 0, rows)]})

    assert refused.status_code == 400
    assert error_of(refused)["message"] == ("Invalid requests[1].updateCells: Range ('Summary'!A1:A5) exceeds grid "
                                            "limits. Max rows: 3, max columns: 3")
    assert accepted.status_code == 200, accepted.text
    assert fake_sheets.values(book, "Summary") == [[f"person {i}"] for i in range(5)]


def test_update_requests_need_a_field_mask_that_names_real_fields(fake_sheets, book):
    no_mask = batch(fake_sheets, book, {"requests": [write(0, 0, [[text("x")]], fields="")]})
    bad_path = batch(fake_sheets, book, {"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}}, "fields": "userEnteredFormat.textFormat.heavy"}}]})
    sheet_props = batch(fake_sheets, book, {"requests": [{"updateSheetProperties": {"properties": {"sheetId": 0, "title": "F"}}}]})

    assert error_of(no_mask)["message"] == ("Invalid requests[0].updateCells: At least one field must be listed in "
                                            "'fields'. (Use '*' to indicate all fields.)")
    assert error_of(bad_path)["message"] == ("Invalid requests[0].repeatCell: Invalid field mask path: "
                                             "'userEnteredFormat.textFormat.heavy'")
    assert sheet_props.status_code == 400 and "'fields'" in error_of(sheet_props)["message"]


def test_developer_metadata_needs_a_key_and_a_visibility(fake_sheets, book):
    def create(**meta):
        return batch(fake_sheets, book, {"requests": [{"createDeveloperMetadata": {"developerMetadata": {
            "location": {"sheetId": 0}, **meta}}}]})

    assert error_of(create(metadataKey="kpi-reports"))["message"] == (
        "Invalid requests[0].createDeveloperMetadata: Developer metadata must specify a visibility.")
    assert create(visibility="DOCUMENT").status_code == 400
    assert create(metadataKey="kpi-reports", visibility="DOCUMENT").status_code == 200


def test_a_grid_range_must_name_a_sheet_that_exists(fake_sheets, book):
    unknown = batch(fake_sheets, book, {"requests": [{"mergeCells": {"range": {
        "sheetId": 5, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}}}]})
    unnamed = batch(fake_sheets, book, {"requests": [{"mergeCells": {"range": {
        "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}}}]})
    added_earlier = batch(fake_sheets, book, {"requests": [add_summary(sheet_id=5), {"mergeCells": {"range": {
        "sheetId": 5, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}}}]})

    assert error_of(unknown)["message"] == "Invalid requests[0].mergeCells: No grid with id: 5"
    # Google would read the missing sheetId as 0 — the user's first tab; the fake refuses it
    assert unnamed.status_code == 400 and "without sheetId" in error_of(unnamed)["message"]
    assert added_earlier.status_code == 200, added_earlier.text


def test_a_merge_cut_through_is_refused(fake_sheets, book):
    fake_sheets.batch_update(book, {"requests": [{"mergeCells": {"range": {
        "sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}}}]})

    answer = batch(fake_sheets, book, {"requests": [{"unmergeCells": {"range": {
        "sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 2}}}]})

    assert error_of(answer)["message"] == ("Invalid requests[0].unmergeCells: You must select all cells in a merged "
                                           "range to merge or unmerge them.")


def test_a_spreadsheet_stays_within_ten_million_cells(fake_sheets, book):
    answer = batch(fake_sheets, book, {"requests": [add_summary(rows=400_000, columns=26)]})

    assert error_of(answer)["message"] == ("Invalid requests[0].addSheet: This action would increase the number of "
                                           "cells in the workbook above the limit of 10000000 cells.")


def test_a_body_over_ten_megabytes_is_refused_with_googles_message(fake_sheets, book):
    body = {"requests": [write(0, 0, [[text("x" * (MAX_BODY + 1))]])]}

    answer = batch(fake_sheets, book, body)

    assert answer.status_code == 400
    assert error_of(answer)["message"] == "Request payload size exceeds the limit: 10485760 bytes."
    assert fake_sheets.calls[-1].body_size > MAX_BODY and fake_sheets.values(book, "Facts")[0] == FACTS[0]


def test_the_batch_checker_runs_offline_against_given_grids():
    grids = {0: Grid("Facts", 13, 6)}
    body = {"requests": [add_summary(rows=2), write(7, 0, [[text("a")], [text("b")], [text("c")]])]}

    assert check_batch(body, grids) == [
        "Invalid requests[1].updateCells: Range ('Summary'!A1:A3) exceeds grid limits. Max rows: 2, max columns: 3"]
    assert grids == {0: Grid("Facts", 13, 6)}


# --- reading values


def test_batch_get_returns_numbers_as_numbers_and_dates_per_option(fake_sheets, book):
    serials = batch_get(fake_sheets, book, "'Facts'!A1:Z", valueRenderOption="UNFORMATTED_VALUE",
                        dateTimeRenderOption="SERIAL_NUMBER")
    strings = batch_get(fake_sheets, book, "Facts!C2:D3", valueRenderOption="UNFORMATTED_VALUE",
                        dateTimeRenderOption="FORMATTED_STRING")
    formatted = batch_get(fake_sheets, book, "Facts!C2:D3")

    assert serials[0]["range"] == "Facts!A1:F13"
    assert serials[0]["values"][1:] == [["2026-10", "E001", 3000000, 46296], ["2026-10", "E002", 1234.5, 46326]]
    assert strings[0]["values"] == [[3000000, "2026-10-01"], [1234.5, "2026-10-31"]]
    assert formatted[0]["values"] == [["3000000", "2026-10-01"], ["1234.5", "2026-10-31"]]


def test_formatted_values_follow_the_number_format_and_the_locale(fake_sheets):
    fake_sheets.add_spreadsheet("ru", {"Итоги": [[119800]]}, locale="ru_RU")
    fake_sheets.add_spreadsheet("en", {"Summary": [[119800]]}, locale="en_US")
    money = {"userEnteredFormat": {"numberFormat": {"type": "NUMBER", "pattern": "#,##0.00"}}}
    for spreadsheet_id in ("ru", "en"):
        fake_sheets.batch_update(spreadsheet_id, {"requests": [{"repeatCell": {
            "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 1},
            "cell": money, "fields": "userEnteredFormat.numberFormat"}}]})

    assert batch_get(fake_sheets, "ru", "Итоги!A1")[0]["values"] == [["119\u00a0800,00"]]
    assert batch_get(fake_sheets, "en", "Summary!A1")[0]["values"] == [["119,800.00"]]


def test_a_formula_reads_as_its_text_or_its_seeded_result_never_a_calculation(fake_sheets):
    fake_sheets.add_spreadsheet("f", {"Pay": [[2, "=A1+1", {"formula": "=A1*3", "value": 6}]]})

    assert batch_get(fake_sheets, "f", "Pay", valueRenderOption="FORMULA")[0]["values"] == [[2, "=A1+1", "=A1*3"]]
    assert batch_get(fake_sheets, "f", "Pay", valueRenderOption="UNFORMATTED_VALUE")[0]["values"] == [[2, "", 6]]


def test_trailing_empty_cells_and_rows_are_trimmed_as_google_does(fake_sheets):
    fake_sheets.add_spreadsheet("t", {"Plans": [["a", None, None], [None], ["b", None, "c"], [None, None]]})

    [answer] = batch_get(fake_sheets, "t", "Plans")

    assert answer["values"] == [["a"], [], ["b", "", "c"]]


def test_an_unknown_range_or_query_parameter_is_a_400(fake_sheets, book):
    sheet = requests.get(f"{fake_sheets.url}/v4/spreadsheets/{book}/values:batchGet",
                         params={"ranges": "Nope!A1"}, timeout=10)
    option = requests.get(f"{fake_sheets.url}/v4/spreadsheets/{book}/values:batchGet",
                          params={"ranges": "Facts", "valueRenderOption": "RAW"}, timeout=10)
    endpoint = requests.put(f"{fake_sheets.url}/v4/spreadsheets/{book}/values/Facts!A1", json={}, timeout=10)

    assert error_of(sheet)["message"] == "Unable to parse range: Nope!A1"
    assert option.status_code == 400 and '"RAW"' in error_of(option)["message"]
    assert endpoint.status_code == 400 and "not supported by this fake" in error_of(endpoint)["message"]


# --- faults, access and the call log


def test_a_429_injected_then_success(fake_sheets, book):
    fake_sheets.fail_next(429)

    first = batch(fake_sheets, book, {"requests": [add_summary()]})
    second = batch(fake_sheets, book, {"requests": [add_summary()]})

    assert first.status_code == 429
    assert error_of(first)["status"] == "RESOURCE_EXHAUSTED"
    assert error_of(first)["message"].startswith("Quota exceeded for quota metric 'Write requests'")
    assert second.status_code == 200
    assert [c.status for c in fake_sheets.calls_to("spreadsheets.batchUpdate")] == [429, 200]
    assert fake_sheets.tabs(book) == ["Facts", "Summary"]


def test_a_denied_or_unknown_spreadsheet_answers_as_google_does(fake_sheets, book):
    fake_sheets.deny(book)
    fake_sheets.fail_next(503)

    unavailable = requests.get(f"{fake_sheets.url}/v4/spreadsheets/{book}", timeout=10)
    denied = requests.get(f"{fake_sheets.url}/v4/spreadsheets/{book}", timeout=10)
    missing = requests.get(f"{fake_sheets.url}/v4/spreadsheets/no-such-book", timeout=10)

    assert (unavailable.status_code, error_of(unavailable)["status"]) == (503, "UNAVAILABLE")
    assert (denied.status_code, error_of(denied)) == (403, {
        "code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED",
        "errors": [{"message": "The caller does not have permission", "domain": "global", "reason": "forbidden"}]})
    assert (missing.status_code, error_of(missing)["message"]) == (404, "Requested entity was not found.")


def test_every_call_is_logged_with_its_body_and_credentials(fake_sheets, book):
    body = {"requests": [add_summary()]}
    requests.post(f"{fake_sheets.url}/v4/spreadsheets/{book}:batchUpdate", json=body,
                  headers={"Authorization": "Bearer abc"}, timeout=10)

    [call] = fake_sheets.calls
    assert (call.method, call.endpoint, call.spreadsheet_id, call.status) == ("POST", "spreadsheets.batchUpdate", book, 200)
    assert call.json == body and call.body_size == len(json.dumps(body)) and call.authorization == "Bearer abc"


# --- gspread, through its injectable HTTP client


def gspread_client(fake: FakeSheets) -> gspread.Client:
    """gspread as the command would build it, with Google's address swapped for the fake's."""
    class FakeSheetsHTTPClient(HTTPClient):
        def request(self, method, endpoint, *args, **kwargs):
            return super().request(method, endpoint.replace(GOOGLE_API, fake.url), *args, **kwargs)

    return gspread.Client(auth=Credentials(token="test-token"), http_client=FakeSheetsHTTPClient)


def test_gspread_reads_and_batch_updates_the_fake(fake_sheets, book):
    spreadsheet = gspread_client(fake_sheets).open_by_key(book)

    values = spreadsheet.sheet1.get_all_values()
    reply = spreadsheet.batch_update({"requests": [add_summary(), write(7, 0, [[text("Total"), number(119800)]])]})

    assert values[0] == FACTS[0] and values[1][:3] == ["2026-10", "E001", "3000000"]
    assert reply["replies"][0]["addSheet"]["properties"]["title"] == "Summary"
    assert spreadsheet.worksheet("Summary").get_all_values() == [["Total", "119800"]]
    assert {c.authorization for c in fake_sheets.calls} == {"Bearer test-token"}


def test_gspread_sees_googles_errors(fake_sheets, book):
    client = gspread_client(fake_sheets)
    fake_sheets.deny(book)

    with pytest.raises(PermissionError):
        client.open_by_key(book)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("no-such-book")


# --- the state, written out for LibreOffice


def test_to_xlsx_writes_values_formulas_and_dates(fake_sheets, book, tmp_path):
    from openpyxl import load_workbook
    fake_sheets.batch_update(book, {"requests": [
        {"addSheet": {"properties": {"sheetId": 3, "title": "Payslips 2026-10",
                                     "gridProperties": {"rowCount": 5, "columnCount": 3}}}},
        write(3, 0, [[{"userEnteredValue": {"formulaValue": "=ROUND(Facts!C2*0.1,2)"}}]])]})

    workbook = load_workbook(fake_sheets.to_xlsx(book, tmp_path / "state.xlsx"))

    assert workbook.sheetnames == ["Facts", "Payslips 2026-10"]
    assert workbook["Payslips 2026-10"]["A1"].value == "=ROUND(Facts!C2*0.1,2)"
    assert workbook["Facts"]["C2"].value == 3000000
    assert workbook["Facts"]["D2"].value == dt.datetime(2026, 10, 1)


def test_libreoffice_calculates_the_formulas_of_the_state(fake_sheets, book, tmp_path, soffice):
    from openpyxl import load_workbook
    fake_sheets.batch_update(book, {"requests": [
        {"addSheet": {"properties": {"sheetId": 3, "title": "Payslips 2026-10",
                                     "gridProperties": {"rowCount": 5, "columnCount": 3}}}},
        write(3, 0, [[{"userEnteredValue": {"formulaValue": "=ROUND(Facts!C2*0.021,2)"}},
                      {"userEnteredValue": {"formulaValue": "=IF(ISNUMBER(A1),SUMPRODUCT(Facts!C2:C3,{1;2}),0)"}},
                      {"userEnteredValue": {"formulaValue": "=MAX('Payslips 2026-10'!A1,MIN(Facts!C2:C3))"}}]])]})

    recalculated = soffice(fake_sheets.to_xlsx(book, tmp_path / "state.xlsx"), "xlsx")

    row = next(load_workbook(recalculated, data_only=True)["Payslips 2026-10"].iter_rows(values_only=True))
    assert row[:3] == (63000, 3002469, 63000)
