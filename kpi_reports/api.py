"""The library's front door: load a workbook, check it, compute a period.

    wb = kpi_reports.load("team.xlsx")          # raises InvalidWorkbook listing every error
    result = kpi_reports.compute(wb, "2026-10")  # PeriodResult: employees, teams, totals, warnings
    report = kpi_reports.check("team.xlsx")      # every error and warning, every period computed
    wb = kpi_reports.load("team.xlsx", periods=kpi_reports.review_months("2026-Q4"))
    review = kpi_reports.review(wb, "2026-Q4")   # QuarterReview: per scheme and KPI, flags, better weights
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection
from dataclasses import replace

from kpi_reports.engine import ledger as closed_months
from kpi_reports.engine.compute import compute as _compute
from kpi_reports.engine.history import PaidMonth
from kpi_reports.engine.history import history as paid_history
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.report import period_report as _period_report
from kpi_reports.engine.review import QuarterReview, previous_quarter, quarter_months
from kpi_reports.engine.review import review as _review
from kpi_reports.ledger import Ledger, months_before
from kpi_reports.messages import default_language, msg
from kpi_reports.model import Correction, PeriodResult, Workbook
from kpi_reports.problems import InvalidWorkbook, Problem, Report, UsageError
from kpi_reports.workbook.cells import CellError
from kpi_reports.workbook.cells import period as parse_period
from kpi_reports.workbook.reader import few_collections, read_tables
from kpi_reports.workbook.validate import validate


def read(path: str | os.PathLike, periods: Collection[str] | None = None) -> tuple[Workbook, Report]:
    """The validated workbook (with only `periods`, or every month) and every problem found, unraised."""
    with few_collections():
        tables, report = read_tables(path)
        wb = validate(tables, report, source=str(path), periods=periods)
    wb.warnings = report.warnings
    report.language = wb.settings.language
    return wb, report


def load(path: str | os.PathLike, periods: Collection[str] | None = None) -> Workbook:
    """The validated workbook; raises FileProblem or InvalidWorkbook (with every error) on bad input.

    With `periods` (YYYY-MM), only those months' Plans, TeamPlans and Facts rows are read and checked,
    which is faster; everything else is checked in full. `check` reads every month.
    """
    wb, report = read(path, periods and [_period(p) for p in periods])
    report.raise_if_errors()
    return wb


def compute(wb: Workbook, period: str) -> PeriodResult:
    """Everyone's results for `period` (YYYY-MM); raises InvalidWorkbook when a figure cannot be computed."""
    return _compute(wb, _known_period(wb, period))


def _known_period(wb: Workbook, text: str) -> str:
    period = _period(text)
    if period not in wb.periods:
        raise UsageError(msg("no_period_rows", period=period, periods=", ".join(wb.periods) or msg("_none")))
    if wb.loaded is not None and period not in wb.loaded:
        raise UsageError(msg("period_not_loaded", period=period))
    return period


def _period(text: str) -> str:
    try:
        return parse_period(text)
    except CellError as e:
        raise UsageError(msg("bad_period_arg", value=text, expected=e.expected)) from None


def period_report(wb: Workbook, period: str, as_of: dt.date | None = None,
                  test_mode: bool | None = None) -> PeriodReport:
    """Pay, weak spots, trends, the department view and, with `as_of`, the forecast to month end; for a
    month after closed ones, the corrections it carries for them (`corrections`).

    Trends need the two months before `period` loaded too (`load(path, periods=trend_months(period))`).
    """
    period = _known_period(wb, period)
    if as_of is not None and as_of.strftime("%Y-%m") != period:
        raise UsageError(msg("as_of_outside", as_of=as_of.isoformat(), period=period))
    report = _period_report(wb, period, as_of, test_mode)
    found = corrections(wb, period)
    if not found:
        return report
    here = {r.employee.employee_id for r in report.result.employees}
    unpaid = [Problem(msg("correction_not_paid", id=who, month=c.period, amount=c.amount, period=period),
                      sheet=wb.ledger.sheet, severity="warning") for who, cs in found.items() if who not in here
              for c in cs]
    result = closed_months.with_corrections(report.result, found)
    return replace(report, result=replace(result, warnings=[*result.warnings, *unpaid]),
                   warnings=[*report.warnings, *unpaid])


def corrections(wb: Workbook, period: str) -> dict[str, tuple[Correction, ...]]:
    """Per person, what an open month pays (or withholds) for the closed months of the Settings
    corrections_months before it whose figures changed since they were closed; none for a closed month."""
    if wb.ledger is None or period in wb.ledger.closed:
        return {}
    return closed_months.corrections(wb, period)


def closed_month(wb: Workbook, period: str) -> closed_months.ClosedMonth | None:
    """A closed month recomputed: when it was closed, and the people whose figures are no longer what the
    ledger says it paid; None for an open month."""
    return closed_months.closed_month(wb, _known_period(wb, period))


def trend_months(period: str) -> list[str]:
    """The months `period_report` reads: `period` and the two before it."""
    period = _period(period)
    return [*months_before(period, 2), period]


def months_to_read(period: str | None, quarter: str | None = None) -> list[str] | None:
    """The months `load` needs for `period_report(period)` and, with `quarter`, for `review(quarter)`; None
    (every month) when no period is given, as it is then the latest month with facts (`latest_month`)."""
    if not period:
        return None
    return sorted({*trend_months(period), *(review_months(quarter) if quarter else ())})


def latest_month(wb: Workbook) -> str:
    """The latest month with Facts rows: the month computed when none is named ("" when there is none)."""
    return max((p for p, _ in wb.facts), default="")


_QUARTER = (re.compile(r"(\d{4})\s*[-–/ ]?\s*Q\s*([1-4])", re.IGNORECASE),
            re.compile(r"Q\s*([1-4])\s*[-–/ ]?\s*(\d{4})", re.IGNORECASE))


def _quarter(text: str) -> str:
    """`2026-Q4` from `2026-Q4`, `2026q4`, `2026 Q4` or `Q4 2026`; a UsageError naming the form otherwise."""
    value = str(text).strip()
    if m := _QUARTER[0].fullmatch(value):
        return f"{m.group(1)}-Q{m.group(2)}"
    if m := _QUARTER[1].fullmatch(value):
        return f"{m.group(2)}-Q{m.group(1)}"
    raise UsageError(msg("bad_quarter_arg", value=text))


def review_months(text: str) -> list[str]:
    """The months `review` reads: the previous quarter's three, then the quarter's (`2026-Q4`: 2026-07…12)."""
    q = _quarter(text)
    return [*quarter_months(previous_quarter(q)), *quarter_months(q)]


def review(wb: Workbook, quarter: str) -> QuarterReview:
    """The quarterly weight review of a quarter (`2026-Q4`): per scheme and KPI how the three months went,
    the flags, the suggested weights and the bonus fund at current and at suggested weights.

    Every month of the quarter must be loaded (`load(path, periods=review_months(quarter))`) and have Facts
    rows; the previous quarter's months are compared with when the workbook has them."""
    q = _quarter(quarter)
    months = quarter_months(q)
    if wb.loaded is not None and not set(months) <= wb.loaded:
        raise UsageError(msg("quarter_not_loaded", quarter=q))
    with_facts = {period for period, _ in wb.facts}
    missing = [m for m in months if m not in with_facts]
    if missing:
        raise UsageError(msg("quarter_no_facts", quarter=q, months=", ".join(missing),
                             periods=", ".join(wb.periods) or msg("_none")))
    return _review(wb, q)


def history(path: str | os.PathLike, employee_id: str | None = None,
            lang: str | None = None) -> tuple[dict[str, list[PaidMonth]], str]:
    """What the ledger of the workbook at `path` says was paid, per person (`employee_id`: theirs alone) and
    closed month, and the language to tell it in; raises InvalidWorkbook for a ledger edited by hand."""
    wb = load(path, periods=[])
    found = paid_history(wb.ledger or Ledger(), employee_id)
    if employee_id and not found and wb.ledger and employee_id not in {r.employee_id for r in wb.ledger.rows}:
        raise UsageError(msg("history_unknown_employee", id=employee_id))
    return found, lang or wb.settings.language or default_language()


def check(path: str | os.PathLike) -> Report:
    """Every problem of the file: validation, then a computation of every period in it.

    Periods are computed even after validation errors, so that the user sees every error at once (the
    warnings of such a computation are mostly echoes of those errors, and are left out); a cell that
    already has an error is not reported again for what computing made of it.
    """
    wb, report = read(path)
    if not wb.schemes or not wb.employees:
        return report  # a missing sheet: nothing to compute
    found: list[Problem] = []
    for period in wb.periods:
        try:
            found += _compute(wb, period).warnings
        except InvalidWorkbook as e:
            found += e.report.problems
    invalid = {(p.sheet, p.cell) for p in report.errors if p.cell}
    failed = {(p.sheet, p.cell) for p in found if p.severity == "error" and p.cell}
    report.extend(p for p in found if p not in wb.warnings and (p.sheet, p.cell) not in invalid
                  and (p.severity == "error" or not (invalid or (p.sheet, p.cell) in failed)))
    return report
