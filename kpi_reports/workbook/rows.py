"""Reading Plans, TeamPlans and Facts: a row per month and employee (or team), a number per column."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from kpi_reports.messages import msg
from kpi_reports.model import Kpi, Record
from kpi_reports.problems import Report
from kpi_reports.workbook.cells import LIMIT_FLOAT, CellError, number, period, shown
from kpi_reports.workbook.fields import MISSING, Fields, did_you_mean, duplicate, kpi_names
from kpi_reports.workbook.reader import Table


@dataclass
class Rows:
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
    cells, records, rows = Fields(table, report), {}, {}
    if kpis is not None:
        for key, col in table.extra.items():
            if key not in kpis:
                report.add(msg("unknown_kpi"), **table.header_cell(col).where(), found=table.headers[col],
                           expected=msg("kpi_listed"), hint=msg("known", names=kpi_names(kpis)))
    value_columns = [(k, c) for k, c in table.extra.items() if kpis is None or k in kpis]
    months: dict[object, object] = {}  # a period cell's value → its YYYY-MM: the same dozen values repeat
    period_col = table.columns.get("period")
    for r, values in table.rows:
        raw = values[period_col] if period_col is not None and period_col < len(values) else None
        per = months.get(raw) if raw.__hash__ else None
        if per is None:
            per = months[raw] = cells.parse(r, values, "period", period)
            if per is MISSING:
                del months[raw]  # report each bad cell, not only the first
        if per is MISSING:
            continue
        if periods is not None and per not in periods:  # another month: noted, its values left for `check`
            records[(per, "")] = None
            continue
        key = cells.text(r, values, key_column)
        if not key:
            continue
        if key not in known:
            hint = did_you_mean(key, known) if unknown == "unknown_team" else None  # teams are few; people many
            cells.problem(r, table.columns[key_column], key, unknown, msg("id_listed"), hint)
            continue
        if (per, key) in rows:
            duplicate(report, table.cell(r, table.columns[key_column]), f"{per} / {key}", rows[(per, key)])
            continue
        rows[(per, key)] = r
        records[(per, key)] = _record(cells, r, values, per, key, value_columns, kpis)
    return records


def _record(cells: Fields, r: int, values: list, per: str, key: str, columns: list[tuple[str, int]],
            kpis: dict[str, Kpi] | None) -> Record:
    numbers, n = {}, len(values)
    for name, col in columns:
        value = values[col] if col < n else None
        whole = type(value) is float and 0 < value < LIMIT_FLOAT and value.is_integer()
        if whole and (kpis is None or value == 1 or kpis[name].unit != "percent"):
            numbers[name] = Decimal(int(value))  # the common case, with nothing to check: a whole positive number
        elif value == "" or value is None or (type(value) is str and not value.strip()):
            numbers[name] = None
        else:
            numbers[name] = _value(cells, r, col, value, kpis and kpis[name])
    return Record(per, key, numbers, cells.table.sheet, r, cells.table.locations)


def _value(cells: Fields, r: int, col: int, value: object, plan_of: Kpi | None) -> Decimal | None:
    """A Plans, TeamPlans or Facts number; None after reporting a problem (so nothing computes with it)."""
    try:
        amount = number(value)
    except CellError as e:
        expected = msg("plan_tiny") if plan_of and e.expected.key == "number_tiny" else e.expected
        return cells.problem(r, col, value, "wrong_value", expected, e.hint)
    if amount < 0:
        return cells.problem(r, col, value, "negative_amount", msg("zero_or_more"))
    if plan_of and amount == 0:
        return cells.problem(r, col, value, "plan_zero", msg("plan_above_zero"), hint=msg("leave_empty"))
    if plan_of and plan_of.unit == "percent" and amount > 1:
        return cells.problem(r, col, value, "percent_plan", msg("share_example"),
                             hint=msg("type_percent", value=shown(value), share=amount / 100))
    return amount
