"""The review applied (`review --apply`): which rows to add to the user's own Schemes sheet so that each
scheme whose weights change has a new version from the first month of the next quarter.

Pure: the rows are planned from the workbook as read (its schemes, each line with the row it is on) and
the sheet's geometry (`SchemesGrid`); the .xlsx and Google Sheets renderers draw the plan
(`render/xlsx/append.py`, `render/gsheets/append.py`). A new row copies every cell of the line it
versions — the line of the version in force in the quarter's last month: scheme, KPI, cut-off,
accelerator, cap, scope and any column of the user's — with the new weight and `from`.

A scheme gets rows only when its weights change. A scheme that already has a version from that month
with the same weights was applied before: nothing is added (so applying twice adds nothing); one with
other weights is refused, naming its rows, since two versions from one month would be an error.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kpi_reports.engine.quarters import quarter_label, quarter_months
from kpi_reports.messages import msg
from kpi_reports.model import SchemeLine, Workbook, version_in_force
from kpi_reports.names import a1, col_letter
from kpi_reports.problems import Report


@dataclass(frozen=True)
class SchemesGrid:
    """Where the user's Schemes table is, as read (rows and columns zero-based, row 0 = sheet row 1)."""

    sheet: str
    """The sheet's name as it is in the workbook."""
    header_row: int
    columns: Mapping[str, int]
    """The standard columns present: key (scheme, kpi, weight, from, …) → column."""
    last_column: int
    """The last header cell's column: a `from` column to add goes right of it."""
    last_row: int
    """The table's last row holding anything: new rows go below it."""
    from_title: str = "from"
    """The header of a `from` column to add, in the workbook's language (`from`, `с`)."""
    headers: Mapping[int, str] | None = None
    """Each header cell's text, to name a column in a message."""


@dataclass(frozen=True)
class NewRow:
    row: int
    """The row it goes in."""
    source: int
    """The row of the line it copies."""
    scheme: str
    kpi: str
    """The KPI's id as the KPIs sheet has it."""
    before: Decimal
    weight: Decimal


Status = Literal["added", "unchanged", "applied"]


@dataclass(frozen=True)
class SchemeChange:
    scheme: str
    status: Status
    """added: a new version's rows planned; unchanged: the weights stay; applied: the version from that
    month is there already with these weights."""
    rows: tuple[int, ...] = ()
    """The rows added, or (applied) the rows of the version already there."""


@dataclass(frozen=True)
class AppendPlan:
    sheet: str
    quarter: str
    since: str
    """The new versions' `from`: the first month after the quarter (2027-01 for 2026-Q4)."""
    header_row: int
    weight_column: int
    from_column: int
    from_header: str | None
    """The header to write when the sheet has no `from` column (it is added at `from_column`); None when
    it has one."""
    rows: tuple[NewRow, ...]
    schemes: tuple[SchemeChange, ...]
    width: int = 0
    """The columns of the table, the `from` column included: the cells a new row is copied across."""

    @property
    def span(self) -> str:
        """The sheet rows added, as the user counts them: `17–24` (empty when none)."""
        if not self.rows:
            return ""
        first, last = self.rows[0].row + 1, self.rows[-1].row + 1
        return f"{first}" if first == last else f"{first}–{last}"


def next_month(quarter: str) -> str:
    """The first month after `quarter`: 2026-Q4 → 2027-01."""
    year, month = (int(x) for x in quarter_months(quarter)[-1].split("-"))
    return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"


def lines_in_force(wb: Workbook, scheme: str, period: str) -> list[SchemeLine] | None:
    whole = wb.whole or wb
    if whole.versions:
        found = whole.versions.get(scheme)
        return version_in_force(found, period) if found else None
    return whole.schemes.get(scheme)


def plan(wb: Workbook, grid: SchemesGrid, quarter: str, weights: Mapping[str, Mapping[str, Decimal]]) -> AppendPlan:
    """The rows that give each scheme of `weights` (scheme → KPI id, as the lines have it → weight) those
    weights from the month after `quarter`; a KPI not in a scheme's mapping keeps its weight. Raises
    InvalidWorkbook when a scheme already has a version from that month with other weights."""
    quarter = quarter_label(quarter)
    last, since = quarter_months(quarter)[-1], next_month(quarter)
    whole = wb.whole or wb
    has_from = "from" in grid.columns
    from_column = grid.columns["from"] if has_from else grid.last_column + 1
    row, rows, changes, report = grid.last_row + 1, [], [], Report()
    for scheme, wanted in weights.items():
        lines = lines_in_force(wb, scheme, last)
        if not lines:
            continue
        new = [wanted.get(line.kpi, line.weight) for line in lines]
        if new == [line.weight for line in lines]:
            changes.append(SchemeChange(scheme, "unchanged"))
            continue
        there = dict(whole.versions.get(scheme, ())).get(since)
        if there is not None:
            if {line.kpi: line.weight for line in there} == {line.kpi: w for line, w in zip(lines, new)}:
                changes.append(SchemeChange(scheme, "applied", tuple(line.row for line in there)))
            else:
                _differs(report, grid, scheme, since, there, lines, new)
            continue
        added = []
        for line, weight in zip(lines, new):
            kpi = whole.kpis[line.kpi].kpi if line.kpi in whole.kpis else line.kpi
            rows.append(NewRow(row, line.row, scheme, kpi, line.weight, weight))
            added.append(row)
            row += 1
        changes.append(SchemeChange(scheme, "added", tuple(added)))
    report.raise_if_errors()
    return AppendPlan(grid.sheet, quarter, since, grid.header_row, grid.columns["weight"], from_column,
                      None if has_from else grid.from_title, tuple(rows), tuple(changes),
                      max(grid.last_column, from_column) + 1)


def _differs(report: Report, grid: SchemesGrid, scheme: str, since: str, there: list[SchemeLine],
             lines: list[SchemeLine], new: list[Decimal]) -> None:
    column = grid.columns["weight"]
    rows = sorted(line.row for line in there)
    found = ", ".join(f"{line.kpi} {_pct(line.weight)}" for line in there)
    expected = ", ".join(f"{line.kpi} {_pct(w)}" for line, w in zip(lines, new))
    header = (grid.headers or {}).get(column, col_letter(column))
    report.add(msg("apply_version_differs", scheme=scheme, since=since, rows=_span(rows)), sheet=grid.sheet,
               cell=a1(rows[0], column), column=header, found=found, expected=msg("apply_weights", weights=expected),
               hint=msg("apply_version_differs_hint"))


def _span(rows: list[int]) -> str:
    first, last = rows[0] + 1, rows[-1] + 1
    return f"{first}" if first == last else f"{first}–{last}"


def _pct(share: Decimal) -> str:
    """A share as the percent the sheet shows: 0.45 → 45%."""
    value = (share * 100).normalize()
    return f"{value:f}%"
