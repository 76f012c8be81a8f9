"""Terms that change from a month on: a person's Employees rows by `from`, a scheme's versions by `from`, and
the checks that need the months (a scheme with no version in force, a Facts row outside a person's months,
worked_days past the month's days). Which terms are in force in a month is the model's
(`Workbook.in_force`); here the rows read are arranged for it and checked."""
from __future__ import annotations

import calendar
from dataclasses import replace

from kpi_reports.messages import msg
from kpi_reports.model import Employee, SchemeLine, Workbook, terms_in_force, version_in_force
from kpi_reports.problems import Report
from kpi_reports.workbook.reader import Table

Versions = dict[tuple[str, str | None], list[SchemeLine]]


def _oldest_first(since: str | None) -> str:
    return since or ""


def arrange_people(people: dict[str, list[Employee]], table: Table | None,
                   report: Report) -> tuple[dict[str, Employee], dict[str, tuple[Employee, ...]]]:
    """(each person's latest terms, every person's rows oldest `from` first — empty when no row has a `from`
    or an `until`). A person's `until` (the last one given, in `from` order) goes on all their rows."""
    terms: dict[str, tuple[Employee, ...]] = {}
    for emp_id, rows in people.items():
        rows = sorted(rows, key=lambda e: _oldest_first(e.since))
        until = next((e.until for e in reversed(rows) if e.until), None)
        first = rows[0].since
        for e in rows:
            if e.until and (e.until < (e.since or "") or (first and e.until < first)):
                report.add(msg("until_before_from"), **table.cell(e.row, table.columns["until"]).where(),
                           found=e.until, expected=msg("until_after", since=max(e.since or "", first or "")))
        terms[emp_id] = tuple(replace(e, until=until) if e.until != until else e for e in rows)
    latest = {emp_id: rows[-1] for emp_id, rows in terms.items()}
    dated = any(e.since or e.until for rows in terms.values() for e in rows)
    return latest, terms if dated else {}


def arrange_schemes(versions: Versions) -> tuple[dict[str, list[SchemeLine]],
                                                  dict[str, tuple[tuple[str | None, list[SchemeLine]], ...]]]:
    """(each scheme's latest version, every scheme's versions oldest first — empty when no line has a `from`)."""
    by_name: dict[str, list[tuple[str | None, list[SchemeLine]]]] = {}
    for (name, since), lines in versions.items():
        by_name.setdefault(name, []).append((since, lines))
    ordered = {name: tuple(sorted(found, key=lambda v: _oldest_first(v[0]))) for name, found in by_name.items()}
    latest = {name: list(found[-1][1]) for name, found in ordered.items()}
    dated = any(since for name, since in versions)
    return latest, ordered if dated else {}


def check_months(wb: Workbook, tables: dict[str, Table], report: Report) -> None:
    """What the months read say of the terms: a person working in a month their scheme has no version for
    (an error at their scheme's cell), a Facts row of a month a person does not work (a warning: not
    computed), worked_days past the month's calendar days (an error)."""
    months = [p for p in wb.periods if wb.loaded is None or p in wb.loaded]
    employees, facts = tables.get("Employees"), tables.get("Facts")
    if wb.versions and employees is not None:
        told = set()
        for period in months:
            for rows in (wb.terms or {e: (e_,) for e, e_ in wb.employees.items()}).values():
                e = terms_in_force(rows, period)
                if e and e.scheme in wb.versions and version_in_force(wb.versions[e.scheme], period) is None \
                        and e.row not in told:
                    told.add(e.row)
                    first = wb.versions[e.scheme][0][0]
                    report.add(msg("no_version_in_force", scheme=e.scheme, period=period),
                               **employees.cell(e.row, employees.columns["scheme"]).where(), found=e.scheme,
                               expected=msg("version_from", scheme=e.scheme, period=period, first=first))
    if facts is None:
        return
    outside: dict[str, list] = {}
    for (period, emp_id), record in wb.facts.items():
        if wb.terms and emp_id in wb.terms and terms_in_force(wb.terms[emp_id], period) is None:
            outside.setdefault(emp_id, []).append(record)
        days = record.values.get("worked_days")
        last = calendar.monthrange(int(period[:4]), int(period[5:]))[1]
        if days is not None and days > last:
            report.add(msg("worked_days_range"), **record.cell("worked_days").where(), found=f"{days}",
                       expected=msg("days_of_month", days=last, period=period))


    for emp_id, records in outside.items():  # once a person, at their first such row
        rows, first = wb.terms[emp_id], min(records, key=lambda r: r.row)
        until = employees.columns.get("until")
        if until is None or not any(report.has_error_at(employees.sheet, employees.cell(e.row, until).ref)
                                    for e in rows):  # an `until` before `from` said it already
            report.warn(msg("facts_outside_terms", id=emp_id, name=rows[-1].name,
                            period=", ".join(sorted(r.period for r in records)), months=_months_worked(rows)),
                        **facts.cell(first.row, facts.columns["employee_id"]).where(), found=emp_id)


def _months_worked(rows: tuple[Employee, ...]) -> str:
    first, until = rows[0].since, rows[-1].until
    return f"{first or '…'} – {until or '…'}"
