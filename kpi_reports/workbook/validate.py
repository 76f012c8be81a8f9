"""From raw tables to a validated `Workbook`, collecting every problem of the file in one report.

Each cell is parsed once, here; a value that does not fit is reported with its sheet, cell, column,
what was found and what is expected, and reading goes on, so that the user sees all problems at once.
"""
from __future__ import annotations

from decimal import Decimal
from dataclasses import dataclass
from typing import Callable, Collection

from kpi_reports.engine import formula as formulas
from kpi_reports.messages import Msg, msg
from kpi_reports.model import Cell, Employee, Kpi, Record, SchemeLine, Settings, Workbook
from kpi_reports.names import norm
from kpi_reports.problems import Problem, Report
from kpi_reports.workbook import schema
from kpi_reports.workbook.cells import CellError, is_empty, number, period, shown, text_id
from kpi_reports.workbook.reader import Table

MAX_KPIS = 7
TEAM_SHARE = (Decimal("0.10"), Decimal("0.20"))
_MISSING = object()


class _Cells:
    """Reads the cells of one table, reporting what does not fit into the report."""

    def __init__(self, table: Table, report: Report):
        self.table, self.report = table, report

    def raw(self, values: list, key: str) -> tuple[object, int | None]:
        """The value in column `key` of a row, and that column's index (None when the sheet lacks it)."""
        col = self.table.columns.get(key)
        if col is None:
            return None, None
        return (values[col] if col < len(values) else None), col

    def problem(self, row: int, col: int, value: object, message: str, expected: Msg, hint: Msg | None = None,
                severity: str = "error") -> None:
        """Report a problem at a cell; returns None, so that `return cells.problem(…)` gives no value."""
        self.report.problems.append(Problem(
            msg(message), **self.table.cell(row, col).where(), found="" if is_empty(value) else shown(value),
            expected=expected, hint=hint, severity=severity))

    def text(self, row: int, values: list, key: str, required: bool = True) -> str:
        value, col = self.raw(values, key)
        if is_empty(value):
            if required and col is not None:
                self.problem(row, col, value, "empty_cell", msg("value_for", column=self.table.headers[col]))
            return ""
        return text_id(value)

    def parse(self, row: int, values: list, key: str, parser: Callable[[object], object],
              required: bool = True, default: object = None) -> object:
        value, col = self.raw(values, key)
        if is_empty(value):
            if required and col is not None:
                self.problem(row, col, value, "empty_cell", msg("value_for", column=self.table.headers[col]))
            return default if default is not None or not required else _MISSING
        try:
            return parser(value)
        except CellError as e:
            self.problem(row, col, value, "wrong_value", e.expected, e.hint)
            return _MISSING

    def amount(self, row: int, values: list, key: str, required: bool = True, default=None):
        result = self.parse(row, values, key, number, required, default)
        return _non_negative(self, row, values, key, result)

    def enum(self, row: int, values: list, key: str, field: str, default: str | None = None):
        def parser(value: object) -> str:
            word = schema.enum_value(field, value)
            if word is None:
                raise CellError(msg("one_of", words=schema.enum_words(field)))
            return word
        return self.parse(row, values, key, parser, default is None, default)


def _non_negative(cells: _Cells, row: int, values: list, key: str, result):
    if isinstance(result, Decimal) and result < 0:
        value, col = cells.raw(values, key)
        cells.problem(row, col, value, "negative_amount", msg("zero_or_more"))
        return _MISSING
    return result


def validate(tables: dict[str, Table], report: Report, source: str = "",
             periods: Collection[str] | None = None) -> Workbook:
    """The workbook as typed objects; problems go into `report` (the caller decides to raise).

    With `periods`, only the Plans, TeamPlans and Facts rows of those months are read beyond their
    period cell (what `run` needs); every sheet's structure and every other sheet is checked in full.
    """
    seen: set[str] = set()
    settings = _settings(tables.get("Settings"), report)
    kpis = _kpis(tables["KPIs"], report) if "KPIs" in tables else {}
    schemes = _schemes(tables["Schemes"], kpis, report) if {"Schemes", "KPIs"} <= tables.keys() else None
    employees = _employees(tables["Employees"], schemes, report) if "Employees" in tables else {}
    teams = {e.team for e in employees.values()}
    fact_columns = _fact_columns(tables.get("Facts"))
    rows = _Rows(report, periods, seen)
    plans = rows.read(tables.get("Plans"), "employee_id", employees.keys(), kpis, "unknown_employee")
    team_plans = rows.read(tables.get("TeamPlans"), "team", teams, kpis, "unknown_team")
    facts = rows.read(tables.get("Facts"), "employee_id", employees.keys(), None, "unknown_employee")
    wb = Workbook(employees, kpis, schemes or {}, plans, team_plans, facts, fact_columns, settings, source,
                  periods=sorted(seen), loaded=None if periods is None else frozenset(periods))
    if "Facts" in tables and "KPIs" in tables:
        _check_metrics(wb, tables["KPIs"], report)
    if "Plans" in tables:
        _check_commission(wb, tables["Plans"], report)
    return wb


def _settings(table: Table | None, report: Report) -> Settings:
    if table is None:
        return Settings()
    cells, found = _Cells(table, report), {}
    for r, values in table.rows:
        raw_key, key_col = cells.raw(values, "key")
        key = None if is_empty(raw_key) else schema.setting_key(raw_key)
        if key is None and not is_empty(raw_key):
            cells.problem(r, key_col, raw_key, "unknown_setting", severity="warning",
                          expected=msg("one_of", words=", ".join(schema.SETTING_KEYS)))
        elif key:
            found[key] = (r, values)
    text = {k: cells.text(r, v, "value", required=False) for k, (r, v) in found.items()}
    rate = cells.amount(*found["margin_rate"], "value") if text.get("margin_rate") else None
    language = cells.enum(*found["language"], "value", "language") if text.get("language") else None
    known = {"company", "currency", "language", "commission_kpi", "margin_rate", "funnel"}
    return Settings(
        company=text.get("company", ""),
        currency=(text.get("currency") or "RUB").upper(),
        language=None if language is _MISSING else language,
        commission_kpi=norm(text.get("commission_kpi") or "revenue"),
        margin_rate=None if rate is _MISSING else rate,
        funnel=tuple(norm(m) for m in text.get("funnel", "").replace(";", ",").split(",") if m.strip()),
        extra={k: v for k, v in text.items() if k not in known},
    )


_KPI_ENUMS = {"group": None, "direction": "higher", "unit": "count"}
_KPI_FALLBACK = {"group": "result", "direction": "higher", "unit": "count"}  # behind a reported error


def _kpis(table: Table, report: Report) -> dict[str, Kpi]:
    cells, kpis, rows = _Cells(table, report), {}, {}
    for r, values in table.rows:
        kpi_id = cells.text(r, values, "kpi")
        key = norm(kpi_id)
        if not key:
            continue
        if key in kpis:
            _duplicate(report, table.cell(r, table.columns["kpi"]), kpi_id, rows[key])
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
        group, direction, unit = (_KPI_FALLBACK[f] if v is _MISSING else v for f, v in got.items())
        rows[key] = r  # kept even with a bad cell, so that other sheets' references to it still resolve
        kpis[key] = Kpi(kpi_id, cells.text(r, values, "title", required=False) or kpi_id, group, formula,
                        direction, unit)
    return kpis


def _names(kpis: dict[str, Kpi]) -> str:
    return ", ".join(k.kpi for k in kpis.values()) or msg("_none")


def _duplicate(report: Report, cell: Cell, key: str, first_row: int) -> None:
    report.add(msg("duplicate"), **cell.where(), found=key, expected=msg("each_once"),
               hint=msg("first_in_row", row=first_row + 1))


def _schemes(table: Table, kpis: dict[str, Kpi], report: Report) -> dict[str, list[SchemeLine]]:
    cells, schemes, seen, broken = _Cells(table, report), {}, {}, set()
    for r, values in table.rows:
        name, kpi_id = cells.text(r, values, "scheme"), norm(cells.text(r, values, "kpi"))
        if not name or not kpi_id:
            continue
        if kpi_id not in kpis:
            cells.problem(r, table.columns["kpi"], kpi_id, "unknown_kpi", msg("kpi_listed"),
                          hint=msg("known", names=_names(kpis)))
            continue
        if (name, kpi_id) in seen:
            _duplicate(report, table.cell(r, table.columns["kpi"]), f"{name} / {kpi_id}", seen[(name, kpi_id)])
            continue
        seen[(name, kpi_id)] = r
        line = _scheme_line(cells, r, values, name, kpi_id)
        if line is None:
            broken.add(name)
        schemes.setdefault(name, []).extend([line] if line else [])
    for name, lines in schemes.items():
        if name not in broken:  # a bad weight was reported already; its sum would only repeat it
            _check_scheme(table, name, lines, kpis, seen, report)
    return schemes


def _scheme_line(cells: _Cells, r: int, values: list, name: str, kpi_id: str) -> SchemeLine | None:
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
    if _MISSING in (weight, cutoff, accelerator, cap, scope):
        return None
    return SchemeLine(name, kpi_id, weight, cutoff, accelerator, cap, scope)


def _check_scheme(table: Table, name: str, lines: list[SchemeLine], kpis: dict[str, Kpi],
                  rows: dict[tuple[str, str], int], report: Report) -> None:
    first = min(rows[(name, line.kpi)] for line in lines)
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


def _pct(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def _employees(table: Table, schemes: dict[str, list[SchemeLine]] | None, report: Report) -> dict[str, Employee]:
    cells, employees, rows = _Cells(table, report), {}, {}
    for r, values in table.rows:
        emp_id = cells.text(r, values, "employee_id")
        if not emp_id:
            continue
        if emp_id in employees or emp_id in rows:
            _duplicate(report, table.cell(r, table.columns["employee_id"]), emp_id, rows[emp_id])
            continue
        rows[emp_id] = r
        scheme = cells.text(r, values, "scheme")
        if scheme and schemes is not None and scheme not in schemes:
            cells.problem(r, table.columns["scheme"], scheme, "unknown_scheme", msg("scheme_listed"),
                          hint=msg("known", names=", ".join(schemes) or msg("_none")))
        fields = {k: cells.amount(r, values, k) for k in ("salary", "bonus_target")}
        fields["commission_rate"] = cells.amount(r, values, "commission_rate", required=False, default=Decimal(0))
        fields["margin_rate"] = cells.amount(r, values, "margin_rate", required=False)
        manages = cells.text(r, values, "manages", required=False)
        fields = {k: Decimal(0) if v is _MISSING else v for k, v in fields.items()}  # reported already
        employees[emp_id] = Employee(
            emp_id, cells.text(r, values, "name"), cells.text(r, values, "team"), scheme,
            position=cells.text(r, values, "position", required=False),
            email=cells.text(r, values, "email", required=False),
            manages=_teams(manages), **fields)
    return employees


def _teams(text: str) -> tuple[str, ...]:
    if norm(text) in ("*", "all", "все", "всех"):
        return ("*",)
    return tuple(t.strip() for t in text.replace(";", ",").split(",") if t.strip())


def _fact_columns(table: Table | None) -> dict[str, Cell]:
    if table is None:
        return {}
    return {key: table.header_cell(col) for key, col in table.extra.items()}


@dataclass
class _Rows:
    """Reads Plans, TeamPlans and Facts rows: of every month, or of `periods` only; notes the months seen."""

    report: Report
    periods: Collection[str] | None
    seen: set[str]

    def read(self, table: Table | None, key_column: str, known: object, kpis: dict[str, Kpi] | None,
             unknown: str) -> dict[tuple[str, str], Record]:
        """Rows by (period, key). With `kpis`, every value column is a KPI's plan."""
        if table is None:
            return {}
        records = _records(table, key_column, known, self.report, kpis, unknown, self.periods)
        self.seen.update(p for p, _ in records)
        return {k: v for k, v in records.items() if v is not None}


def _records(table: Table, key_column: str, known: object, report: Report, kpis: dict[str, Kpi] | None,
             unknown: str, periods: Collection[str] | None) -> dict[tuple[str, str], Record | None]:
    cells, records, rows = _Cells(table, report), {}, {}
    if kpis is not None:
        for key, col in table.extra.items():
            if key not in kpis:
                report.add(msg("unknown_kpi"), **table.header_cell(col).where(), found=table.headers[col],
                           expected=msg("kpi_listed"), hint=msg("known", names=_names(kpis)))
    value_columns = [(k, c) for k, c in table.extra.items() if kpis is None or k in kpis]
    months: dict[object, object] = {}  # a period cell's value → its YYYY-MM: the same dozen values repeat
    period_col = table.columns.get("period")
    for r, values in table.rows:
        raw = values[period_col] if period_col is not None and period_col < len(values) else None
        per = months.get(raw) if raw.__hash__ else None
        if per is None:
            per = months[raw] = cells.parse(r, values, "period", period)
            if per is _MISSING:
                del months[raw]  # report each bad cell, not only the first
        if per is _MISSING:
            continue
        if periods is not None and per not in periods:  # another month: noted, its values left for `check`
            records[(per, "")] = None
            continue
        key = cells.text(r, values, key_column)
        if not key:
            continue
        if key not in known:
            cells.problem(r, table.columns[key_column], key, unknown, msg("id_listed"))
            continue
        if (per, key) in rows:
            _duplicate(report, table.cell(r, table.columns[key_column]), f"{per} / {key}", rows[(per, key)])
            continue
        rows[(per, key)] = r
        records[(per, key)] = _record(cells, r, values, per, key, value_columns, kpis)
    return records


def _record(cells: _Cells, r: int, values: list, per: str, key: str, columns: list[tuple[str, int]],
            kpis: dict[str, Kpi] | None) -> Record:
    numbers, n = {}, len(values)
    for name, col in columns:
        value = values[col] if col < n else None
        if value == "" or value is None or (type(value) is str and not value.strip()):
            numbers[name] = None
        else:
            numbers[name] = _value(cells, r, col, value, kpis and kpis[name])
    return Record(per, key, numbers, cells.table.sheet, r, cells.table.locations)


def _value(cells: _Cells, r: int, col: int, value: object, plan_of: Kpi | None) -> Decimal | None:
    """A Plans, TeamPlans or Facts number; None after reporting a problem (so nothing computes with it)."""
    try:
        amount = number(value)
    except CellError as e:
        return cells.problem(r, col, value, "wrong_value", e.expected, e.hint)
    if amount < 0:
        return cells.problem(r, col, value, "negative_amount", msg("zero_or_more"))
    if plan_of and amount == 0:
        return cells.problem(r, col, value, "plan_zero", msg("plan_above_zero"), hint=msg("leave_empty"))
    if plan_of and plan_of.unit == "percent" and amount > 1:
        return cells.problem(r, col, value, "percent_plan", msg("share_example"),
                             hint=msg("type_percent", value=shown(value), share=amount / 100))
    return amount


def _check_metrics(wb: Workbook, table: Table, report: Report) -> None:
    """Every metric a formula names, and every KPI without formula, has a Facts column."""
    rows = {norm(text_id(table.value(v, "kpi"))): r for r, v in table.rows if not is_empty(table.value(v, "kpi"))}
    known = ", ".join(c.column for c in wb.fact_columns.values()) or msg("_none")
    used = {line.kpi for lines in wb.schemes.values() for line in lines} | {wb.settings.commission_kpi}
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
