"""Closed months: what the ledger records for a month, what changed in a closed one, and the corrections an
open month carries for the closed months before it.

A closed month is recomputed with the terms in force then (`Workbook.in_force`); a person whose figures now
differ from what the ledger says the month stands at (its pay plus every correction of it since) gets a
correction, with the inputs that changed (`Change`) as its reasons.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from kpi_reports.engine.compute import compute, test_totals
from kpi_reports.ledger import LINE, Ledger, LedgerRow, changed, fingerprint, inputs_text, months_before
from kpi_reports.model import (
    Cell,
    Change,
    Correction,
    EmployeeResult,
    PeriodResult,
    Record,
    Totals,
    Workbook,
)
from kpi_reports.names import a1

ZERO = Decimal("0.00")
_EMPLOYEE = ("team", "scheme", "salary", "bonus_target", "commission_rate", "margin_rate", "manages", "mode")
_SETTINGS = ("commission_kpi", "margin_rate", "prorate_bonus", "test_mode")


# --- a person-month's inputs ----------------------------------------------------------------------

def inputs(wb: Workbook, r: EmployeeResult, period: str) -> str:
    """Every input the person's figures of `period` used, as `ledger.inputs_text`: their Employees row in
    force, their scheme version's lines, their Plans, Facts and TeamPlans rows, the team facts their team
    KPIs were measured on, and the Settings that matter."""
    return inputs_text((key, value) for key, value in _inputs(wb.in_force(period), r, period) if value is not None)


def _inputs(wb: Workbook, r: EmployeeResult, period: str) -> Iterator[tuple[str, str | None]]:
    e = r.employee
    for name in _EMPLOYEE:
        yield f"Employees.{name}", _text(getattr(e, name))
    for line in wb.schemes.get(e.scheme, []):
        yield f"Schemes.{line.kpi}", "|".join(_text(getattr(line, name)) or "" for name in LINE)
        kpi = wb.kpis.get(line.kpi)
        if kpi is not None and kpi.formula is not None:
            yield f"KPIs.{line.kpi}.formula", kpi.formula.text
    for sheet, rows, key in (("Plans", wb.plans, e.employee_id), ("Facts", wb.facts, e.employee_id),
                             ("TeamPlans", wb.team_plans, e.team)):
        row = rows.get((period, key))
        for name, value in sorted(row.values.items()) if row else ():
            yield f"{sheet}.{name}", _text(value)
    for k in r.kpis:
        if k.scope == "team":
            yield f"Team.{k.kpi}.plan", _text(k.plan)
            yield f"Team.{k.kpi}.fact", _text(k.fact)
    for name in _SETTINGS:
        yield f"Settings.{name}", _text(getattr(wb.settings, name))
    if r.proration is not None:
        yield "Settings.working_days", str(r.proration.working_days)


def _text(value: object) -> str | None:
    if value is None or value == ():
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def changes(wb: Workbook, period: str, employee_id: str, old: str, new: str) -> tuple[Change, ...]:
    """The inputs of `new` that are not as in `old` (both `inputs` texts), each with its cell now."""
    month = wb.in_force(period)
    return tuple(Change(sheet, column, before, after, _cell(month, period, employee_id, sheet, column))
                 for sheet, column, before, after in changed(old, new))


def _cell(wb: Workbook, period: str, employee_id: str, sheet: str, column: str) -> Cell | None:
    e = wb.employees.get(employee_id)
    if e is None:
        return None
    if sheet in ("Plans", "Facts", "TeamPlans"):
        rows = {"Plans": wb.plans, "Facts": wb.facts, "TeamPlans": wb.team_plans}[sheet]
        row: Record | None = rows.get((period, e.team if sheet == "TeamPlans" else employee_id))
        return row.cell(column) if row else None
    if sheet == "Settings":
        return wb.settings.cells.get(column.replace("test_mode", "mode"))
    if sheet == "Employees":
        return _located(wb, sheet, e.row, column)
    if sheet == "Schemes":
        kpi, _, name = column.rpartition(".")
        line = next((x for x in wb.schemes.get(e.scheme, []) if x.kpi == kpi), None)
        return _located(wb, sheet, line.row, name) if line else None
    return None


def _located(wb: Workbook, sheet: str, row: int, column: str) -> Cell | None:
    name, columns = wb.locations.get(sheet, (sheet, {}))
    if row < 0 or column not in columns:
        return None
    col, header = columns[column]
    return Cell(name, a1(row, col), header)


# --- closing a month ------------------------------------------------------------------------------

def closing_rows(wb: Workbook, result: PeriodResult, closed_at: str, closed_by: str,
                 version: str) -> list[LedgerRow]:
    """The ledger rows that record `result` as paid: a pay row per person, then a row per correction it paid
    (unnumbered and unchained: `Ledger.appended` does that)."""
    stamp = {"closed_at": closed_at, "closed_by": closed_by, "version": version}
    months = wb.whole.month_fingerprints if wb.whole else wb.month_fingerprints
    rows = []
    for r in result.employees:
        e, text = r.employee, inputs(wb, r, result.period)
        rows.append(LedgerRow(0, result.period, e.employee_id, e.name, e.team, "test" if r.test_mode else "live",
                              r.salary, r.bonus, r.commission.amount, r.corrected, r.total, "", inputs=text,
                              fingerprint=fingerprint(text), month_fingerprint=months.get(result.period, ""), **stamp))
    for r in result.employees:
        e = r.employee
        for c in r.corrections:
            rows.append(LedgerRow(0, result.period, e.employee_id, e.name, e.team,
                                  "test" if r.test_mode else "live", None, None, None, c.amount, c.paid, c.period,
                                  inputs=c.inputs, fingerprint=fingerprint(c.inputs),
                                  month_fingerprint=months.get(c.period, ""), **stamp))
    return rows


# --- a closed month recomputed --------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    """A person whose closed month computes differently now."""

    employee_id: str
    name: str
    old: Decimal
    """What the month stands at in the ledger (pay plus corrections since)."""
    new: Decimal
    changes: tuple[Change, ...]
    inputs: str
    """The month's inputs now."""


@dataclass(frozen=True)
class ClosedMonth:
    """A month the ledger holds, run again: when and by whom it was closed, and what computes differently now."""

    period: str
    closed_at: str
    closed_by: str
    differences: tuple[Difference, ...]


def closed_month(wb: Workbook, period: str) -> ClosedMonth | None:
    """`period` as the ledger closed it, recomputed; None: it is open."""
    row = (wb.ledger.closed if wb.ledger else {}).get(period)
    if row is None:
        return None
    return ClosedMonth(period, row.closed_at, row.closed_by, tuple(differences(wb, period)))


def differences(wb: Workbook, period: str) -> list[Difference]:
    """The people of closed `period` whose figures now differ from the ledger's (empty: it stands). A month
    whose fingerprint (`Workbook.month_fingerprints`) is the one it was last computed with, or that was not
    read for that reason, is not computed again."""
    ledger = wb.ledger or Ledger()
    recorded = ledger.month_fingerprint(period)
    if (recorded and recorded == wb.month_fingerprints.get(period)) or (wb.loaded is not None and
                                                                         period not in wb.loaded):
        return []
    settled = ledger.settled(period)
    result = compute(wb, period, views=False)
    found = []
    for r in result.employees:
        e = r.employee
        old, old_inputs = settled.get(e.employee_id, (None, ""))
        if old is not None and old == r.earned:
            continue
        text = inputs(wb, r, period)
        found.append(Difference(e.employee_id, e.name, old if old is not None else ZERO, r.earned,
                                changes(wb, period, e.employee_id, old_inputs, text), text))
    return found


def corrections(wb: Workbook, period: str) -> dict[str, tuple[Correction, ...]]:
    """Per person, the corrections `period` (an open month) carries: every closed month of the
    Settings corrections_months before it, recomputed, less what it stands at in the ledger."""
    if wb.ledger is None:
        return {}
    closed = wb.ledger.closed
    window = [m for m in months_before(period, wb.settings.corrections_months) if m in closed]
    found: dict[str, list[Correction]] = {}
    for month in window:
        for d in differences(wb, month):
            amount = d.new - d.old
            paid = amount if amount > 0 or wb.settings.withhold_overpayment else ZERO
            found.setdefault(d.employee_id, []).append(Correction(month, amount, paid, d.changes, d.inputs))
    return {k: tuple(v) for k, v in found.items()}


def with_corrections(result: PeriodResult, found: dict[str, tuple[Correction, ...]]) -> PeriodResult:
    """`result` with each person's corrections carried in: on their line, in their total, in every sum."""
    if not found:
        return result
    people = [replace(r, corrections=cs, total=r.total + sum((c.paid for c in cs), ZERO))
              if (cs := found.get(r.employee.employee_id)) else r for r in result.employees]
    teams = [replace(t, totals=Totals.of(members := [p for p in people if p.employee.team == t.team]),
                     test=test_totals(members)) for t in result.teams]
    return replace(result, employees=people, teams=teams, totals=Totals.of(people), test=test_totals(people))
