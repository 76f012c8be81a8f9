"""`kpi-reports sheets KEY --close 2026-10`: a closed month in a shared spreadsheet, against the local fake of
the Sheets API — the month's tabs and the Ledger tab in ONE atomic batchUpdate, a Ledger that reads back
exactly (its chain verifying at every refresh), closed tabs no refresh replaces, a closed month refreshed
writing nothing, and the corrections carried into the next open month's tabs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from kpi_reports.cli import main
from kpi_reports.gsheets import client
from kpi_reports.gsheets.client import connect
from kpi_reports.gsheets.close import close
from kpi_reports.gsheets.refresh import refresh
from kpi_reports.gsheets.source import read_workbook
from kpi_reports.ledger import COLUMNS, MONEY
from kpi_reports.names import a1
from kpi_reports.pipeline import Options
from kpi_reports.render import json as json_out
from kpi_reports.render.gsheets.tab import KEY as MARK

from conftest import SAMPLES
from support import sheets_fake
from support.workbooks import spreadsheet_tabs

fake_sheets = sheets_fake.fixture()
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_close"
INPUTS = ["Employees", "KPIs", "Schemes", "Plans", "TeamPlans", "Facts", "Settings"]
OCTOBER = ["Payslips 2026-10", "Summary 2026-10"]
NOVEMBER = ["Payslips 2026-11", "Summary 2026-11"]
NOW = dt.datetime(2026, 12, 7, 15, 22, 55, tzinfo=dt.UTC)


@pytest.fixture
def fake(fake_sheets, monkeypatch):
    """The fake, with the sample in it, at the address every call goes to; no credentials anywhere."""
    monkeypatch.setenv(client.BASE_URL_VARIABLE, fake_sheets.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setattr(client, "_sleep", lambda seconds: None)
    fake_sheets.add_spreadsheet(KEY, spreadsheet_tabs(SAMPLES / "sales_team.xlsx"))
    return fake_sheets


def sheets(*args: str):
    return CliRunner().invoke(main, ["sheets", KEY, "--lang", "en", *args])


def writes(fake) -> int:
    return len(fake.calls_to("spreadsheets.batchUpdate"))


def family(fake, tab: str) -> str | None:
    return next((m["metadataValue"] for m in fake.sheet(KEY, tab)["developerMetadata"] if m["metadataKey"] == MARK),
                None)


def read(fake, key: str = KEY):
    """The spreadsheet as the next command reads it: the workbook (its ledger among it) and every problem."""
    return read_workbook(*connect().read(key))


def fact_cell(fake, employee: str, month: int, column: str) -> tuple[int, int]:
    """The zero-based (row, column) of a person's fact in a month of the sample's Facts tab."""
    rows = fake.values(KEY, "Facts")
    header = next(i for i, r in enumerate(rows) if "revenue" in r)
    row = next(i for i, r in enumerate(rows) if i > header and r[1] == employee and getattr(r[0], "month", 0) == month)
    return row, rows[header].index(column)


def set_cell(fake, tab: str, row: int, col: int, value: dict) -> None:
    """A user's edit of one cell (in-process: not one of the calls counted)."""
    sheet_id = fake.sheet(KEY, tab)["properties"]["sheetId"]
    fake.batch_update(KEY, {"requests": [{"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": col},
        "rows": [{"values": [{"userEnteredValue": value}]}], "fields": "userEnteredValue"}}]})


def change_october_revenue(fake, revenue: int = 3_350_000) -> str:
    """E001's October revenue (3,300,000 when closed) typed anew; returns its cell."""
    row, col = fact_cell(fake, "E001", 10, "revenue")
    set_cell(fake, "Facts", row, col, {"numberValue": revenue})
    return f"Facts!{a1(row, col)}"


# --- closing ------------------------------------------------------------------------------------------

def test_close_writes_the_months_tabs_and_the_ledger_in_one_batch_update(fake):
    done = sheets("--close", "2026-10", "--by", "Petrova")
    assert done.exit_code == 0, done.output
    assert [c.endpoint for c in fake.calls] == ["spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate"]
    assert fake.tabs(KEY) == [*INPUTS, *OCTOBER, "Ledger"]
    assert [family(fake, t) for t in (*OCTOBER, "Ledger")] == ["closed 2026-10", "closed 2026-10", "ledger"]
    assert "closed 2026-10: 9 rows added to the tab Ledger" in done.output and "3 calls" in done.output
    assert "119,800.00" in done.output
    ledger = fake.values(KEY, "Ledger")
    assert ledger[0] == list(COLUMNS) and len(ledger) == 10
    ivanov = dict(zip(COLUMNS, ledger[1]))
    assert ivanov["employee_id"] == "E001" and ivanov["total"] == 119800 and ivanov["closed_by"] == "Petrova"


def test_close_replaces_the_open_months_tabs_an_earlier_refresh_wrote(fake):
    assert sheets("--period", "2026-10").exit_code == 0
    assert [family(fake, t) for t in OCTOBER] == ["run", "run"]
    done = sheets("--close", "2026-10")
    assert done.exit_code == 0, done.output
    assert fake.tabs(KEY) == [*INPUTS, *OCTOBER, "Ledger"] and writes(fake) == 2
    assert [family(fake, t) for t in OCTOBER] == ["closed 2026-10", "closed 2026-10"]


@pytest.mark.parametrize("sample, locale, tab", [("sales_team.xlsx", "en_US", "Ledger"),
                                                 ("sales_team_ru.xlsx", "ru_RU", "Ведомость")])
def test_the_ledger_tab_reads_back_exactly_and_its_chain_verifies(fake, sample, locale, tab):
    fake.add_spreadsheet(KEY, spreadsheet_tabs(SAMPLES / sample), locale=locale)
    done = close(connect(), KEY, "2026-10", "Petrova", now=NOW)
    wb, report = read(fake)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert wb.ledger.sheet == tab and wb.ledger.rows == done.closing.ledger.rows  # every value, hashes included
    header = fake.values(KEY, tab)[0]
    for col, key in enumerate(COLUMNS):  # as stored: text never parsed by Sheets, money as numbers
        stored = fake.cell(KEY, tab, a1(1, col)).get("userEnteredValue", {})
        if key in MONEY or key == "no":
            assert set(stored) == {"numberValue"}, (header[col], stored)
        elif key != "corrects":
            assert set(stored) == {"stringValue"}, (header[col], stored)
    first = wb.ledger.rows[0]
    assert (first.period, first.closed_at, len(first.hash)) == ("2026-10", "2026-12-07T15:22:55Z", 64)
    assert first.total == Decimal("119800.00") if sample == "sales_team.xlsx" else first.total > 0
    checked = CliRunner().invoke(main, ["sheets", KEY, "--period", "2026-10", "--lang", "en"])
    assert checked.exit_code == 0 and "computes as it was paid" in checked.output


def test_a_month_closed_already_is_refused_and_nothing_is_written(fake):
    assert sheets("--close", "2026-10").exit_code == 0
    again = sheets("--close", "2026-10")
    assert again.exit_code == 1 and "2026-10 is closed already" in again.output and "Traceback" not in again.output
    assert writes(fake) == 1


def test_the_ledger_accumulates_and_a_correction_is_paid_once(fake):
    assert sheets("--close", "2026-10", "--by", "A").exit_code == 0
    cell = change_october_revenue(fake)
    assert sheets("--close", "2026-11", "--by", "B").exit_code == 0
    assert fake.tabs(KEY) == [*INPUTS, *OCTOBER, *NOVEMBER, "Ledger"]
    assert [family(fake, t) for t in NOVEMBER] == ["closed 2026-11", "closed 2026-11"]
    wb, report = read(fake)
    assert not report.errors
    assert sorted(wb.ledger.closed) == ["2026-10", "2026-11"]
    fixes = [r for r in wb.ledger.rows if r.corrects == "2026-10"]
    assert sorted((r.period, r.employee_id) for r in fixes) == [("2026-11", "E001"), ("2026-11", "H001")]
    assert all(r.corrections for r in fixes)  # Ivanov's revenue, and the head of sales' team KPIs measured on it
    december = refresh(connect(), KEY, Options(period="2026-12", lang="en"))
    assert not any(r.corrections for r in december.outcome.report.result.employees), cell  # paid in November


# --- a refresh after closing --------------------------------------------------------------------------

def test_a_refresh_keeps_the_ledger_and_the_closed_tabs(fake):
    assert sheets("--close", "2026-10").exit_code == 0
    kept = {t: (fake.sheet(KEY, t)["properties"]["sheetId"], fake.values(KEY, t)) for t in (*OCTOBER, "Ledger")}
    for _ in range(2):
        done = sheets("--period", "2026-11")
        assert done.exit_code == 0, done.output
    assert sheets("--period", "2026-12", "--review", "2026-Q4").exit_code == 0
    assert {t: (fake.sheet(KEY, t)["properties"]["sheetId"], fake.values(KEY, t)) for t in kept} == kept
    assert fake.tabs(KEY)[:len(INPUTS) + 3] == [*INPUTS, *OCTOBER, "Ledger"]
    assert "Payslips 2026-11" not in fake.tabs(KEY) and "Payslips 2026-12" in fake.tabs(KEY)


def test_a_closed_month_refreshed_unchanged_writes_nothing_and_says_so(fake):
    assert sheets("--close", "2026-10", "--by", "Petrova").exit_code == 0
    done = sheets("--period", "2026-10")
    assert done.exit_code == 0, done.output
    assert "2026-10 is closed" in done.output and "by Petrova) and computes as it was paid" in done.output
    assert writes(fake) == 1 and fake.calls[-1].endpoint == "values.batchGet"


def test_a_changed_october_fact_refuses_the_refresh_of_october_and_names_the_cell(fake):
    assert sheets("--close", "2026-10").exit_code == 0
    before = {t: fake.values(KEY, t) for t in (*OCTOBER, "Ledger")}
    cell = change_october_revenue(fake)
    done = sheets("--period", "2026-10")
    assert done.exit_code == 1, done.output
    assert "2 people now compute differently; nothing was written" in done.output  # Ivanov and the head of sales
    assert "E001 Ivan Ivanov: 119,800.00 →" in done.output
    assert f"{cell} revenue 3,300,000 → 3,350,000" in done.output
    assert writes(fake) == 1 and {t: fake.values(KEY, t) for t in before} == before


def test_november_carries_the_correction_in_its_tabs_json_and_totals(fake, soffice, tmp_path):
    assert sheets("--close", "2026-10").exit_code == 0
    cell = change_october_revenue(fake)
    done = refresh(connect(), KEY, Options(period="2026-11", lang="en"))
    assert done.tabs == tuple(NOVEMBER)
    ivanov = next(e for e in json_out.report_dict(done.outcome.report)["employees"] if e["employee_id"] == "E001")
    [fix] = ivanov["corrections"]
    amount = Decimal(fix["amount"])
    assert fix["period"] == "2026-10" and amount > 0 and fix["paid"] == fix["amount"]
    assert fix["changes"] == [{"sheet": "Facts", "cell": cell.split("!")[1], "column": "revenue", "old": "3300000",
                               "new": "3350000"}]
    r = next(r for r in done.outcome.report.result.employees if r.employee.employee_id == "E001")
    assert r.total == r.salary + r.bonus + r.commission.amount + amount
    line = next(row for row in fake.values(KEY, "Payslips 2026-11") if row and str(row[0]).startswith("Correction for"))
    assert line[0] == "Correction for 2026-10: revenue fact 3,300,000 → 3,350,000"
    assert Decimal(str(line[-1])) == amount  # the payslip's correction line, its amount in the pay column
    summary = fake.values(KEY, "Summary 2026-11")
    header = next(row for row in summary if "Corrections" in row)
    row = next(row for row in summary if "E001" in row)
    assert row[header.index("Corrections")].startswith("=SUM('Payslips 2026-11'!")  # the payslip's lines
    fake.to_xlsx(KEY, tmp_path / "state.xlsx")  # Sheets' formulas: LibreOffice computes them to the engine's total
    book = openpyxl.load_workbook(soffice(tmp_path / "state.xlsx", "xlsx"), data_only=True)
    grid = [[c.value for c in line] for line in book["Summary 2026-11"].iter_rows()]
    heads = next(line for line in grid if "Corrections" in line)
    line = next(line for line in grid if "E001" in line)
    assert Decimal(str(line[heads.index("Total")])).quantize(Decimal("0.01")) == r.total
    assert Decimal(str(line[heads.index("Corrections")])).quantize(Decimal("0.01")) == amount


# --- the chain, checked at every refresh --------------------------------------------------------------

def test_a_ledger_cell_edited_by_hand_is_named_on_the_next_refresh_and_nothing_is_written(fake):
    assert sheets("--close", "2026-10").exit_code == 0
    col = COLUMNS.index("bonus")
    set_cell(fake, "Ledger", 2, col, {"numberValue": 30000})
    done = sheets("--period", "2026-11")
    assert done.exit_code == 1, done.output
    assert "Ledger!A3:" in done.output and "was changed after 2026-10 was closed" in done.output
    assert writes(fake) == 1 and fake.tabs(KEY) == [*INPUTS, *OCTOBER, "Ledger"]


def test_a_ledger_row_deleted_by_hand_is_named_and_closing_is_refused(fake):
    assert sheets("--close", "2026-10").exit_code == 0
    sheet_id = fake.sheet(KEY, "Ledger")["properties"]["sheetId"]
    fake.batch_update(KEY, {"requests": [{"deleteDimension": {
        "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 3, "endIndex": 4}}}]})
    done = sheets("--close", "2026-11")
    assert done.exit_code == 1 and "Ledger!A4" in done.output, done.output
    assert writes(fake) == 1


# --- the options and a staged close -------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [(["--by", "Me"], "--by says who closes a month"),
                                         (["--close", "2026-10", "--period", "2026-10"], "--period does not go"),
                                         (["--close", "2026-10", "--watch", "5"], "--watch does not go"),
                                         (["--close", "2026-10", "--review", "2026-Q4"], "--review does not go")])
def test_options_that_do_not_go_with_close_are_refused_before_any_call(fake, args, words):
    done = sheets(*args)
    assert done.exit_code == 1 and words in done.output, done.output
    assert fake.calls == []


def test_a_close_too_large_for_one_body_is_staged_and_swapped_in_at_once(fake):
    done = close(connect(), KEY, "2026-10", "Petrova", limit=64 * 1024, now=NOW)
    assert done.staged and done.calls > 3
    assert fake.tabs(KEY) == [*INPUTS, *OCTOBER, "Ledger"]
    assert [family(fake, t) for t in (*OCTOBER, "Ledger")] == ["closed 2026-10", "closed 2026-10", "ledger"]
    wb, report = read(fake)
    assert not report.errors and wb.ledger.rows == done.closing.ledger.rows
