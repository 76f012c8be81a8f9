"""From raw tables to a validated `Workbook`, collecting every problem of the file in one report.

Each cell is parsed once, here; a value that does not fit is reported with its sheet, cell, column,
what was found and what is expected, and reading goes on, so that the user sees all problems at once.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from decimal import Decimal

from kpi_reports import formula as formulas
from kpi_reports.credits import Credited
from kpi_reports.ledger import Ledger, corrected_months, months_before
from kpi_reports.messages import msg
from kpi_reports.model import (
    MAX_KPIS,
    TEAM_SHARE,
    Cell,
    Employee,
    Kpi,
    SchemeLine,
    Settings,
    Workbook,
    terms_in_force,
)
from kpi_reports.names import MAX_COLUMNS, norm
from kpi_reports.problems import Report
from kpi_reports.workbook import lists, schema
from kpi_reports.workbook import terms as terms_of
from kpi_reports.workbook.cells import CellError, is_empty, period, shown, text_id
from kpi_reports.workbook.fields import MISSING, Fields, did_you_mean, duplicate, kpi_names
from kpi_reports.workbook.ledger import month_fingerprints, read_ledger
from kpi_reports.workbook.reader import Table, made
from kpi_reports.workbook.rows import Rows
from kpi_reports.workbook.settings import read_settings


def validate(tables: dict[str, Table], report: Report, source: str = "",
             periods: Collection[str] | None = None) -> Workbook:
    """The workbook as typed objects; problems go into `report` (the caller decides to raise).

    With `periods`, only the Plans, TeamPlans and Facts rows of those months are read beyond their
    period cell (what `run` needs); every sheet's structure and every other sheet is checked in full.
    """
    seen: set[str] = set()
    settings = read_settings(tables.get("Settings"), report)
    kpis = _kpis(tables["KPIs"], report) if "KPIs" in tables else {}
    found = _schemes(tables["Schemes"], kpis, report) if {"Schemes", "KPIs"} <= tables.keys() else None
    people = _employees(tables["Employees"], found, report) if "Employees" in tables else {}
    employees, terms = terms_of.arrange_people(people, tables.get("Employees"), report)
    schemes, versions = terms_of.arrange_schemes(found or {})
    if found and employees:
        _check_width(tables["Schemes"], found, people, report)
    teams = {e.team for e in employees.values()}
    fact_columns = _fact_columns(tables.get("Facts"))
    found = _lists(tables, people, terms, kpis, fact_columns, settings)
    credited = found and lists.credit(found, report, None if periods is None or "Ledger" in tables else periods)
    fingerprints, ledger, periods = _closed_months(tables, report, periods, Workbook(
        employees, kpis, schemes, {}, {}, {}, {}, settings, terms=terms, versions=versions), credited)
    rows = Rows(report, periods, seen)
    plans = rows.read(tables.get("Plans"), "employee_id", employees.keys(), kpis, "unknown_employee")
    team_plans = rows.read(tables.get("TeamPlans"), "team", teams, kpis, "unknown_team")
    facts = rows.read(tables.get("Facts"), "employee_id", employees.keys(), None, "unknown_employee")
    if credited:
        facts = lists.merge(facts, credited, report, periods)
        seen.update(p for p, _ in credited.values if periods is None or p in periods)
        fact_columns = {**lists.list_columns(found, credited), **fact_columns}
    wb = Workbook(employees, kpis, schemes, plans, team_plans, facts, fact_columns, settings, source,
                  periods=sorted(seen), loaded=None if periods is None else frozenset(periods), terms=terms,
                  versions=versions, ledger=ledger, locations=_locations(tables), month_fingerprints=fingerprints,
                  credited=credited)
    terms_of.check_months(wb, tables, report)
    if "Facts" in tables:
        wb.settings = _funnel(settings, fact_columns, report)
    if "Facts" in tables and "KPIs" in tables:
        _check_metrics(wb, tables["KPIs"], report)
    if "Plans" in tables:
        _check_commission(wb, tables["Plans"], report)
    return wb


def _lists(tables: dict[str, Table], people: dict[str, list[Employee]], terms: dict, kpis: dict[str, Kpi],
           fact_columns: dict[str, Cell], settings: Settings) -> lists.Lists | None:
    """The Deals, Calls and Activities sheets, with what their rows are credited as in this workbook."""
    def works(emp_id: str, period: str) -> bool:
        return not terms or terms_in_force(terms[emp_id], period) is not None

    known = {*fact_columns, *kpis, *(m for k in kpis.values() if k.formula for m in k.formula.metrics)}
    return lists.read_lists(tables, people, works, known, settings.language, settings.paid_stages,
                            settings.min_call_seconds)


def _closed_months(tables: dict[str, Table], report: Report, periods: Collection[str] | None, terms: Workbook,
                   credited: Credited | None) -> tuple[dict[str, str], Ledger | None, Collection[str] | None]:
    """The fingerprint of each month read and of each closed month a run of `periods` recomputes, the ledger,
    and the months to read: `periods` and those closed months whose fingerprint is not the one they were last
    computed with (the others compute as they did, and are left unread). The fingerprints are made while the
    Ledger sheet is still being read (`reader.Later`): of every month a run of `periods` may recompute."""
    n = terms.settings.corrections_months
    window = ({m for p in periods for m in months_before(p, n)} if periods is not None and "Ledger" in tables
              else set())
    fingerprints = month_fingerprints(tables, None if periods is None else {*periods, *window}, terms.in_force,
                                      credited and credited.values)
    ledger = read_ledger(made(tables.get("Ledger")), report)
    if periods is None:
        return fingerprints, ledger, None
    closed = corrected_months(ledger, periods, n) if ledger is not None else []
    changed = [m for m in closed if fingerprints.get(m) != ledger.month_fingerprint(m)]  # closed: a ledger
    return {m: f for m, f in fingerprints.items() if m in periods or m in closed}, ledger, [*periods, *changed]


def _locations(tables: dict[str, Table]) -> dict[str, tuple[str, dict[str, tuple[int, str]]]]:
    """Where Employees' and Schemes' columns are, to name a cell of a person's terms."""
    return {key: (t.sheet, {k: (col, t.headers[col]) for k, col in t.columns.items()})
            for key in ("Employees", "Schemes") if (t := tables.get(key)) is not None}


SUMMARY_COLUMNS = 8
"""The Summary sheet's columns besides one per KPI, at the widest: ID, name, salary, bonus, commission,
corrections (in a month that carries corrections of closed months), total, the main weak spot
(`layout.summary.columns`, which a test holds to this)."""

_KPI_ENUMS = {"group": None, "direction": "higher", "unit": "count"}
_KPI_FALLBACK = {"group": "result", "direction": "higher", "unit": "count"}  # behind a reported error


def _kpis(table: Table, report: Report) -> dict[str, Kpi]:
    cells, kpis, rows = Fields(table, report), {}, {}
    for r, values in table.rows:
        kpi_id = cells.text(r, values, "kpi")
        key = norm(kpi_id)
        if not key:
            continue
        if key in kpis:
            duplicate(report, table.cell(r, table.columns["kpi"]), kpi_id, rows[key])
            continue
        formula = None
        text = cells.text(r, values, "formula", required=False)
        if text:
            try:
                formula = formulas.parse(text)
            except formulas.FormulaError as e:
                report.add(msg("formula_not_allowed"), **table.cell(r, table.columns["formula"]).where(), found=text,
                           expected=msg("formula_syntax"), hint=e.message)
        got = {field: cells.enum(r, values, field, field, default) for field, default in _KPI_ENUMS.items()}
        group, direction, unit = (_KPI_FALLBACK[f] if v is MISSING else v for f, v in got.items())
        rows[key] = r  # kept even with a bad cell, so that other sheets' references to it still resolve
        kpis[key] = Kpi(kpi_id, cells.text(r, values, "title", required=False) or kpi_id, group, formula,
                        direction, unit)
    return kpis


def _schemes(table: Table, kpis: dict[str, Kpi], report: Report) -> dict[tuple[str, str | None], list[SchemeLine]]:
    """Every scheme's versions, by (scheme, from), in the sheet's order; each checked as a whole."""
    cells, versions, seen, broken = Fields(table, report), {}, {}, set()
    for r, values in table.rows:
        name, kpi_id = cells.text(r, values, "scheme"), norm(cells.text(r, values, "kpi"))
        if not name or not kpi_id:
            continue
        if kpi_id not in kpis:
            cells.problem(r, table.columns["kpi"], kpi_id, "unknown_kpi", msg("kpi_listed"),
                          hint=msg("known", names=kpi_names(kpis)))
            continue
        since = cells.parse(r, values, "from", period, required=False)
        version = (name, None if since is MISSING else since)
        if since is MISSING:
            broken.add(version)
        if (*version, kpi_id) in seen:
            duplicate(report, table.cell(r, table.columns["kpi"]), f"{_versioned(name, since)} / {kpi_id}",
                      seen[(*version, kpi_id)])
            continue
        seen[(*version, kpi_id)] = r
        line = _scheme_line(cells, r, values, name, kpi_id, version[1])
        if line is None:
            broken.add(version)
        versions.setdefault(version, []).extend([line] if line else [])
    for version, lines in versions.items():
        if version not in broken and lines:  # a bad weight was reported already; its sum would only repeat it
            _check_scheme(table, _version_name(*version), lines, kpis, report)
    return versions


def _version_name(name: str, since: str | None):
    return name if since is None else msg("scheme_version", scheme=name, since=since)


def _scheme_line(cells: Fields, r: int, values: list, name: str, kpi_id: str,
                 since: str | None) -> SchemeLine | None:
    weight = cells.amount(r, values, "weight")
    cutoff = cells.amount(r, values, "cutoff", required=False, default=Decimal("0.8"))
    accelerator = cells.amount(r, values, "accelerator", required=False, default=Decimal("1.2"))
    cap = cells.amount(r, values, "cap", required=False)
    scope = cells.enum(r, values, "scope", "scope", default="individual")
    checks = [("cutoff", cutoff, lambda v: 0 <= v <= 1, "cutoff_range"),
              ("cap", cap, lambda v: v >= 1, "cap_range"),
              ("accelerator", accelerator, lambda v: v > 0, "accelerator_range")]
    for key, value, ok, expected in checks:
        if isinstance(value, Decimal) and not ok(value):
            raw, col = cells.raw(values, key)
            cells.problem(r, col, raw, "out_of_range", msg(expected))
            return None
    if MISSING in (weight, cutoff, accelerator, cap, scope):
        return None
    return SchemeLine(name, kpi_id, weight, cutoff, accelerator, cap, scope, since, r)


def _check_scheme(table: Table, name, lines: list[SchemeLine], kpis: dict[str, Kpi], report: Report) -> None:
    first = min(line.row for line in lines)
    where = table.cell(first, table.columns["weight"]).where()
    total = sum((line.weight for line in lines), Decimal(0))
    if total != 1:
        hint = msg("whole_percents") if total == 100 else None
        report.add(msg("weights_sum", scheme=name), **where, found=_pct(total), expected=msg("hundred"), hint=hint)
    if len(lines) > MAX_KPIS:
        report.warn(msg("too_many_kpis", scheme=name), **where, found=msg("kpis_count", n=len(lines)),
                    expected=msg("at_most", n=MAX_KPIS), hint=msg("too_many_hint"))
    by_group = {g: sum((line.weight for line in lines if kpis[line.kpi].group == g), Decimal(0))
                for g in ("activity", "result")}
    if by_group["result"] < by_group["activity"]:
        report.warn(msg("result_below_activity", scheme=name), **where, hint=msg("results_largest"),
                    found=msg("group_weights", result=_pct(by_group["result"]), activity=_pct(by_group["activity"])))
    team = sum((line.weight for line in lines if line.scope == "team"), Decimal(0))
    if 0 < team < total and not TEAM_SHARE[0] <= team <= TEAM_SHARE[1]:
        report.warn(msg("team_share", scheme=name), **where, found=_pct(team), expected=msg("team_share_range"))


def _check_width(table: Table, versions: terms_of.Versions, people: dict[str, list[Employee]],
                 report: Report) -> None:
    """The Summary sheet has a column per KPI that people are paid on; Excel's sheets end at column XFD."""
    used = {e.scheme for rows in people.values() for e in rows}
    kpis = {line.kpi for (name, _), lines in versions.items() if name in used for line in lines}
    if SUMMARY_COLUMNS + len(kpis) > MAX_COLUMNS:
        report.add(msg("too_many_columns", columns=SUMMARY_COLUMNS + len(kpis)),
                   **table.header_cell(table.columns["kpi"]).where(), found=msg("kpis_count", n=len(kpis)),
                   expected=msg("columns_limit", n=MAX_COLUMNS - SUMMARY_COLUMNS))


def _pct(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def _employees(table: Table, versions: Mapping[tuple[str, str | None], list[SchemeLine]] | None,
               report: Report) -> dict[str, list[Employee]]:
    """Every person's rows (one per `from`), in the sheet's order. A scheme not among `versions`' (`_schemes`)
    names is reported; with no `versions` (no Schemes or KPIs sheet), no scheme is checked."""
    schemes = None if versions is None else tuple(dict.fromkeys(name for name, _ in versions))
    cells, employees, rows = Fields(table, report), {}, {}
    for r, values in table.rows:
        emp_id = cells.text(r, values, "employee_id")
        if not emp_id:
            continue
        since, until = (cells.parse(r, values, key, period, required=False) for key in ("from", "until"))
        key = (emp_id, (r,) if since is MISSING else since)  # a bad `from` was reported: no duplicate of it
        if key in rows:
            duplicate(report, table.cell(r, table.columns["employee_id"]), _versioned(emp_id, since), rows[key])
            continue
        rows[key] = r
        scheme = cells.text(r, values, "scheme")
        if scheme and schemes is not None and scheme not in schemes:
            cells.problem(r, table.columns["scheme"], scheme, "unknown_scheme", msg("scheme_listed"),
                          hint=msg("known", names=", ".join(schemes) or msg("_none")))
        fields = {k: cells.amount(r, values, k) for k in ("salary", "bonus_target")}
        fields["commission_rate"] = cells.amount(r, values, "commission_rate", required=False, default=Decimal(0))
        fields["margin_rate"] = cells.amount(r, values, "margin_rate", required=False)
        for key in ("commission_rate", "margin_rate"):
            if isinstance(fields[key], Decimal) and fields[key] > 1:  # 2 for 2%: 200% of the sales
                raw, col = cells.raw(values, key)
                hint = msg("type_percent", value=shown(raw), share=fields[key] / 100) if fields[key] <= 100 else msg("typo")
                cells.problem(r, col, raw, "out_of_range", msg("share_example"), hint=hint)
                fields[key] = MISSING
        manages = cells.text(r, values, "manages", required=False)
        fields = {k: Decimal(0) if v is MISSING else v for k, v in fields.items()}  # reported already
        mode = cells.parse(r, values, "mode", lambda v: _enum_word("mode", v), required=False)
        employees.setdefault(emp_id, []).append(Employee(
            emp_id, cells.text(r, values, "name"), cells.text(r, values, "team"), scheme,
            position=cells.text(r, values, "position", required=False),
            email=cells.text(r, values, "email", required=False),
            manages=_teams(manages), since=None if since is MISSING else since,
            until=None if until is MISSING else until, mode=None if mode is MISSING else mode, row=r, **fields))
    _check_manages(table, [e for rows in employees.values() for e in rows], report)
    return employees


def _enum_word(field: str, value: object) -> str:
    word = schema.enum_value(field, value)
    if word is None:
        raise CellError(msg("one_of", words=schema.enum_words(field)))
    return word


def _versioned(key: str, since: object) -> str:
    """How a duplicate is named: `E001`, or `E001 / 2026-11` for a row with a `from`."""
    return f"{key} / {since}" if isinstance(since, str) else key


def _check_manages(table: Table, employees: list[Employee], report: Report) -> None:
    """Every team a head manages is someone's team: a typo would measure them on nobody's totals."""
    teams = {e.team for e in employees if e.team}
    for e in employees:
        if e.manages == ("*",):
            continue
        for team in e.manages:
            if team not in teams:
                hint = msg("star_alone") if norm(team) in _ALL else did_you_mean(team, teams)
                report.add(msg("unknown_team"), **table.cell(e.row, table.columns["manages"]).where(),
                           found=team, expected=msg("team_or_all"), hint=hint)


_ALL = ("*", "all", "все", "всех")


def _teams(text: str) -> tuple[str, ...]:
    if norm(text) in _ALL:
        return ("*",)
    return tuple(t.strip() for t in text.replace(";", ",").split(",") if t.strip())


def _fact_columns(table: Table | None) -> dict[str, Cell]:
    if table is None:
        return {}
    return {key: table.header_cell(col) for key, col in table.extra.items()}


DEFAULT_FUNNEL = ("calls", "meetings", "proposals", "deals")


def _funnel(settings: Settings, columns: dict[str, Cell], report: Report) -> Settings:
    """Settings funnel, every stage a Facts column; by default calls → meetings → proposals → deals."""
    if not settings.funnel:
        present = tuple(m for m in DEFAULT_FUNNEL if m in columns)
        return replace(settings, funnel=present if len(present) >= 2 else ())
    missing = [m for m in settings.funnel if m not in columns]
    if missing:
        report.add(msg("unknown_funnel_metric"), **settings.cells["funnel"].where(), found=", ".join(missing),
                   expected=msg("facts_column"),
                   hint=msg("facts_has", names=", ".join(c.column for c in columns.values()) or msg("_none")))
    return settings


def _check_metrics(wb: Workbook, table: Table, report: Report) -> None:
    """Every metric a formula names, and every KPI without formula, has a Facts column."""
    rows = {norm(text_id(table.value(v, "kpi"))): r for r, v in table.rows if not is_empty(table.value(v, "kpi"))}
    known = ", ".join(c.column for c in wb.fact_columns.values()) or msg("_none")
    every = [lines for found in wb.versions.values() for _, lines in found] or wb.schemes.values()
    used = {line.kpi for lines in every for line in lines} | {wb.settings.commission_kpi}
    for kpi in wb.kpis.values():
        r = rows[kpi.key]
        if kpi.formula:
            for metric in kpi.formula.metrics:
                if metric not in wb.fact_columns:
                    report.add(msg("unknown_metric"), **table.cell(r, table.columns["formula"]).where(),
                               found=metric, expected=msg("facts_column"), hint=msg("facts_has", names=known))
        elif kpi.key in used and kpi.key not in wb.fact_columns:
            report.add(msg("no_facts_column"), **table.cell(r, table.columns["kpi"]).where(), found=kpi.kpi,
                       expected=msg("formula_or_column"), hint=msg("facts_has", names=known))


def _check_commission(wb: Workbook, table: Table, report: Report) -> None:
    kpi = wb.settings.commission_kpi
    paid = [e for e in wb.employees.values() if e.commission_rate > 0]
    if paid and kpi not in table.extra:
        report.add(msg("no_commission_column"), sheet=table.sheet, found=kpi,
                   expected=msg("plans_column", kpi=kpi), hint=msg("have_rate", n=len(paid)))
