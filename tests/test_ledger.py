"""Closed months: `close` records what was paid in the Ledger, a closed month never changes by itself, a
late change is paid as a correction in the next open month exactly once, and a ledger edited by hand shows."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports import closing
from kpi_reports.cli import main
from kpi_reports.workbook.template import HEADER_ROW

from conftest import SAMPLES, digest

D = Decimal


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    shutil.copyfile(SAMPLES / "sales_team.xlsx", path)
    return path


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def close(path, period, by="Petrova"):
    result = cli("close", path, "--period", period, "--by", by)
    assert result.exit_code == 0, result.output
    return result


def edit(path, sheet, column, value, **where):
    """Set `column` of the first data row of `sheet` matching `where` (as a user does in Excel); its A1."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    head = next(r for r in range(1, HEADER_ROW + 2) if ws.cell(r, 1).value in ("period", "scheme", "no"))
    names = [c.value for c in ws[head]]
    for row in ws.iter_rows(min_row=head + 1):
        if all(_same(row[names.index(k)].value, v) for k, v in where.items()):
            cell = row[names.index(column)]
            cell.value = value(cell.value) if callable(value) else value
            book.save(path)
            return cell.coordinate
    raise KeyError(where)


def _same(cell, wanted):
    return cell.strftime("%Y-%m") == wanted if hasattr(cell, "year") else cell == wanted


def ledger_rows(path):
    ws = openpyxl.load_workbook(path)["Ledger"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def pay(path, period):
    wb = kpi_reports.load(path)
    return {r.employee.employee_id: r for r in kpi_reports.period_report(wb, period).result.employees}


def test_close_records_a_row_per_person_with_ivanovs_119_800_and_check_passes(book):
    close(book, "2026-10")
    rows = ledger_rows(book)
    ivanov = next(r for r in rows if r["employee_id"] == "E001")
    assert len(rows) == len(kpi_reports.load(book).employees)
    assert (ivanov["period"], ivanov["total"], ivanov["salary"], ivanov["closed_by"]) == ("2026-10", 119800, 60000,
                                                                                          "Petrova")
    assert len(ivanov["fingerprint"]) == len(ivanov["hash"]) == 64 and "Facts.revenue=3300000" in ivanov["inputs"]
    assert dt.datetime.strptime(ivanov["closed_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert [r["no"] for r in rows] == list(range(1, len(rows) + 1))
    assert not kpi_reports.check(book).errors
    assert {"Payslips 2026-10", "Summary 2026-10", "Ledger"} <= set(openpyxl.load_workbook(book).sheetnames)


def test_a_closed_month_run_again_that_still_computes_so_writes_nothing(book):
    close(book, "2026-10")
    before = digest(book)
    result = cli("run", book, "--period", "2026-10")
    assert result.exit_code == 0, result.output
    assert "2026-10 is closed" in result.output and "nothing changed" in result.output
    assert digest(book) == before


def test_a_late_fact_change_is_refused_for_the_closed_month_naming_the_cell_and_nothing_is_written(book):
    close(book, "2026-10")
    cell = edit(book, "Facts", "revenue", 3_350_000, period="2026-10", employee_id="E001")
    before = digest(book)
    result = cli("run", book, "--period", "2026-10")
    assert result.exit_code == 1
    assert "E001 Ivan Ivanov: 119,800.00 → 120,468.66 (+668.66)" in result.output
    assert f"Facts!{cell} revenue 3,300,000 → 3,350,000" in result.output
    assert digest(book) == before


def test_the_next_open_month_pays_the_correction_once_and_closing_it_settles_october(book):
    close(book, "2026-10")
    november = pay(book, "2026-11")["E001"]
    edit(book, "Facts", "revenue", 3_350_000, period="2026-10", employee_id="E001")
    corrected = pay(book, "2026-11")["E001"]
    (c,) = corrected.corrections
    assert (c.period, c.amount, c.paid) == ("2026-10", D("668.66"), D("668.66"))
    assert [(x.sheet, x.column, x.old, x.new) for x in c.changes] == [("Facts", "revenue", "3300000", "3350000")]
    assert corrected.total == november.total + D("668.66") and corrected.earned == november.earned
    close(book, "2026-11")
    rows = [r for r in ledger_rows(book) if r["period"] == "2026-11" and r["employee_id"] == "E001"]
    assert [(r["corrects"], r["corrections"], r["total"]) for r in rows] == [
        (None, 668.66, float(corrected.total)), ("2026-10", 668.66, 668.66)]
    assert not pay(book, "2026-12")["E001"].corrections  # paid once: December carries nothing for October
    assert not kpi_reports.check(book).errors


def test_a_weight_changed_without_a_from_is_a_change_of_the_closed_months_terms(book):
    close(book, "2026-10")
    edit(book, "Schemes", "weight", 0.45, scheme="hunter", kpi="revenue")
    edit(book, "Schemes", "weight", 0.15, scheme="hunter", kpi="avg_check")
    closed = kpi_reports.api.closed_month(kpi_reports.load(book), "2026-10")
    ivanov = next(d for d in closed.differences if d.employee_id == "E001")
    assert {(c.sheet, c.column, c.old, c.new) for c in ivanov.changes} >= {("Schemes", "revenue.weight", "0.4", "0.45")}
    assert cli("run", book, "--period", "2026-10").exit_code == 1
    assert pay(book, "2026-11")["E001"].corrections[0].period == "2026-10"


def test_an_overpayment_is_withheld_unless_settings_say_not(book):
    close(book, "2026-10")
    edit(book, "Facts", "revenue", 3_000_000, period="2026-10", employee_id="E001")
    (c,) = pay(book, "2026-11")["E001"].corrections
    assert c.amount < 0 and c.paid == c.amount
    wb = openpyxl.load_workbook(book)
    wb["Settings"].append(["withhold_overpayment", "no"])
    wb.save(book)
    (c,) = pay(book, "2026-11")["E001"].corrections
    assert c.amount < 0 and c.paid == 0


def test_closing_refuses_a_month_closed_already_and_one_after_an_open_month(book):
    close(book, "2026-10")
    before = digest(book)
    again = cli("close", book, "--period", "2026-10")
    assert again.exit_code == 1 and "2026-10 is closed already" in again.output
    skipped = cli("close", book, "--period", "2026-12")
    assert skipped.exit_code == 1 and "close 2026-11 before 2026-12" in skipped.output
    assert digest(book) == before


def test_closing_refuses_a_workbook_with_errors_and_writes_nothing(book):
    edit(book, "Facts", "revenue", "lots", period="2026-10", employee_id="E001")
    before = digest(book)
    result = cli("close", book, "--period", "2026-10")
    assert result.exit_code == 1 and "Facts!" in result.output and "Traceback" not in result.output
    assert digest(book) == before


def test_runs_and_reviews_keep_the_ledger_and_the_closed_months_sheets(book):
    close(book, "2026-10")
    closed_sheet = [c.value for c in openpyxl.load_workbook(book)["Payslips 2026-10"]["A"]]
    assert cli("run", book, "--period", "2026-11").exit_code == 0
    assert cli("review", book, "--quarter", "2026-Q4").exit_code == 0
    names = openpyxl.load_workbook(book).sheetnames
    assert {"Payslips 2026-10", "Summary 2026-10", "Ledger", "Payslips 2026-11", "Review 2026-Q4"} <= set(names)
    assert [c.value for c in openpyxl.load_workbook(book)["Payslips 2026-10"]["A"]] == closed_sheet
    close(book, "2026-11")
    assert cli("run", book, "--period", "2026-12").exit_code == 0
    names = openpyxl.load_workbook(book).sheetnames
    assert {"Payslips 2026-10", "Payslips 2026-11", "Payslips 2026-12"} <= set(names)
    assert not kpi_reports.check(book).errors


# --- tamper evidence ----------------------------------------------------------------------------------

def closed_twice(book):
    close(book, "2026-10")
    close(book, "2026-11")
    return ledger_rows(book)


def errors(book):
    return [(p.sheet, p.cell, p.text("en")) for p in kpi_reports.check(book).errors]


def test_an_intact_ledger_passes_check(book):
    closed_twice(book)
    assert errors(book) == []


def test_ledger_rows_retyped_with_the_same_values_still_pass_check(book):
    """Every row, a correction row among them, is then read cell by cell rather than as `close` wrote it."""
    close(book, "2026-10")
    edit(book, "Facts", "revenue", 3_350_000, period="2026-10", employee_id="E001")
    close(book, "2026-11")
    wb = openpyxl.load_workbook(book)
    for no, _, _, name, *_ in wb["Ledger"].iter_rows(min_row=2):  # the number as text, the name with spaces
        no.value, name.value = str(no.value), f" {name.value} "
    wb.save(book)
    assert errors(book) == []
    assert [r.corrections for r in pay(book, "2026-12").values() if r.corrections] == []


def test_a_ledger_figure_edited_by_hand_is_reported_with_its_row(book):
    closed_twice(book)
    edit(book, "Ledger", "bonus", 60000, no=3)
    (found,) = errors(book)
    assert found[0] == "Ledger" and found[1].startswith("A4:") and "was changed after 2026-10 was closed" in found[2]


def test_a_ledgers_inputs_edited_by_hand_are_reported_at_their_cell(book):
    closed_twice(book)
    cell = edit(book, "Ledger", "inputs", lambda v: v.replace("3300000", "3400000"), no=1)
    (found,) = errors(book)
    assert found[:2] == ("Ledger", cell)


def test_a_ledger_row_deleted_or_inserted_by_hand_is_reported(book):
    rows = closed_twice(book)
    wb = openpyxl.load_workbook(book)
    wb["Ledger"].delete_rows(5)
    wb.save(book)
    (found,) = errors(book)
    assert found[1] == "A5" and "no. 4–4 were deleted" in found[2]
    shutil.copyfile(SAMPLES / "sales_team.xlsx", book)
    closed_twice(book)
    wb = openpyxl.load_workbook(book)
    ws = wb["Ledger"]
    ws.append(list(rows[2].values()))  # a copy of row no. 3 at the end
    wb.save(book)
    (found,) = errors(book)
    assert found[1] == f"A{len(rows) + 2}" and "inserted by hand" in found[2]


def test_a_broken_ledger_stops_closing_and_correcting(book):
    closed_twice(book)
    edit(book, "Ledger", "total", 1, no=1)
    assert cli("close", book, "--period", "2026-12").exit_code == 1
    result = cli("run", book, "--period", "2026-12")
    assert result.exit_code == 1 and "Ledger!A2:" in result.output


def test_the_plan_says_who_closed_and_when(book):
    outcome = kpi_reports.run(book, kpi_reports.Options(period="2026-10"))
    when = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    planned = closing.plan(outcome, "Petrova", when)
    assert {r.closed_at for r in planned.ledger.rows} == {"2026-11-02T09:30:00Z"}
    assert planned.added == len(outcome.report.result.employees)
    assert [s.family for s in planned.sheets] == ["closed 2026-10"] * (len(planned.sheets) - 1) + ["ledger"]


# --- history -----------------------------------------------------------------------------------------

def test_history_tells_what_was_paid_each_month_with_the_corrections_and_who_closed_it(book):
    close(book, "2026-10", by="Petrova")
    edit(book, "Facts", "revenue", 3_350_000, period="2026-10", employee_id="E001")
    close(book, "2026-11", by="Sidorov")
    result = cli("history", book, "--employee", "E001")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "E001  Ivan Ivanov"
    assert any(line.startswith("2026-10") and "119,800.00" in line and "Petrova" in line for line in lines)
    assert any(line.startswith("2026-11") and "668.66" in line and "Sidorov" in line for line in lines)
    assert "2026-11: Correction for 2026-10: +668.66 (revenue fact 3,300,000 → 3,350,000)" in result.output
    data = json.loads(cli("history", book, "--employee", "E001", "--json", "-").output)
    (person,) = data["employees"]
    october, november = person["months"]
    assert (october["total"], october["closed_by"], october["corrected"]) == ("119800.00", "Petrova", [])
    (c,) = november["corrected"]
    assert (c["period"], c["amount"], c["paid"]) == ("2026-10", "668.66", "668.66")
    assert person["paid"] == str(D(october["total"]) + D(november["total"]))


def test_history_of_an_unknown_person_or_an_empty_ledger_says_so(book):
    assert "no closed month" in cli("history", book).output
    close(book, "2026-10")
    result = cli("history", book, "--employee", "E999")
    assert result.exit_code == 1 and "the ledger has no employee E999" in result.output


# --- interrupted ----------------------------------------------------------------------------------------

def test_close_killed_at_any_moment_leaves_the_workbook_as_it_was_or_fully_closed(book, tmp_path):
    original = book.read_bytes()
    command = [sys.executable, "-m", "kpi_reports", "close", str(book), "--period", "2026-10"]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    full = time.perf_counter() - start
    closed = book.read_bytes()
    outcomes = []
    for i in range(13):  # 12 kills spread over the whole command, then one left to finish
        book.write_bytes(original)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        if i < 12:
            time.sleep(full * 1.2 * i / 12)
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=120)
        if book.read_bytes() == original:
            outcomes.append("old")
            continue
        wb = kpi_reports.load(book)  # whole: it reads, and its ledger is intact and complete
        assert {r.period for r in wb.ledger.rows} == {"2026-10"} and len(wb.ledger.rows) == len(wb.employees)
        assert not kpi_reports.check(book).errors
        outcomes.append("closed")
    assert outcomes[0] == "old" and outcomes[-1] == "closed"
    assert len(closed) > len(original)


def test_a_closed_month_whose_inputs_are_unchanged_is_not_recomputed_and_a_changed_one_is(book, monkeypatch):
    from kpi_reports.engine import ledger as closed_months
    close(book, "2026-09")
    close(book, "2026-10")
    computed = []
    real = closed_months.compute
    monkeypatch.setattr(closed_months, "compute", lambda wb, period, **kw: computed.append(period) or real(
        wb, period, **kw))
    assert not pay(book, "2026-11")["E001"].corrections and computed == []  # both fingerprints as recorded
    wb = kpi_reports.load(book, periods=["2026-12"])
    assert "2026-09" not in wb.loaded and "2026-10" not in wb.loaded  # settled: their rows are not even read
    edit(book, "Facts", "calls", 1, period="2026-09", employee_id="E002")
    assert pay(book, "2026-11")["E002"].corrections[0].period == "2026-09" and computed == ["2026-09"]


def test_a_correction_for_someone_who_no_longer_works_is_a_warning_not_a_lost_amount(book):
    close(book, "2026-10")
    edit(book, "Facts", "revenue", 3_350_000, period="2026-10", employee_id="E001")
    wb = openpyxl.load_workbook(book)
    ws = wb["Employees"]
    head = next(r for r in range(1, HEADER_ROW + 2) if ws.cell(r, 1).value == "employee_id")
    col = ws.max_column + 1
    ws.cell(head, col, "until")
    ws.cell(next(r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, 1).value == "E001"), col, "2026-10")
    wb.save(book)
    report = kpi_reports.period_report(kpi_reports.load(book), "2026-11")
    assert "E001" not in {r.employee.employee_id for r in report.result.employees}
    (warning,) = [w for w in report.warnings if w.sheet == "Ledger"]
    assert "E001 has a correction for 2026-10 of 668.66" in warning.text("en")
