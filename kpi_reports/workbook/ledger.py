"""Reading the Ledger sheet, and checking its chain: a row edited, deleted or inserted by hand is an error at
its cell, so that nothing is closed or corrected on a ledger that is not the one `close` wrote."""
from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from decimal import Decimal

from kpi_reports.enums import label
from kpi_reports.ledger import COLUMNS, MONEY, Ledger, LedgerRow, chain_hash, fingerprint, tool_version
from kpi_reports.messages import msg
from kpi_reports.model import Workbook
from kpi_reports.names import a1
from kpi_reports.problems import Report
from kpi_reports.workbook.cells import CellError, number, period
from kpi_reports.workbook.fields import MISSING, Fields
from kpi_reports.workbook.reader import Table

_TEXT = ("employee_id", "name", "team", "closed_at", "closed_by", "version", "inputs", "fingerprint",
         "month_fingerprint", "hash")
_OPTIONAL = ("inputs", "month_fingerprint")


def read_ledger(table: Table | None, report: Report) -> Ledger | None:
    """The ledger's rows as written; every row that is not is reported (and left out of the ledger)."""
    if table is None:
        return None
    cells, rows, fast = Fields(table, report), [], _Fast(table)
    for (r, values), got in zip(table.rows, fast.rows(), strict=True):
        row = got or _row(cells, r, values)
        if row is not None:
            rows.append(row)
    ledger = Ledger(tuple(rows), table.sheet)
    _check_chain(ledger, table, report, fast.chained)
    return ledger


def _row(cells: Fields, r: int, values: list) -> LedgerRow | None:
    got: dict[str, object] = {key: cells.text(r, values, key, required=key not in _OPTIONAL) for key in _TEXT}
    got["no"] = cells.parse(r, values, "no", _whole)
    got["period"] = cells.parse(r, values, "period", period)
    got["corrects"] = cells.parse(r, values, "corrects", period, required=False) or ""
    got["mode"] = cells.enum(r, values, "mode", "mode")
    for key in MONEY:
        got[key] = cells.parse(r, values, key, _money, required=key == "total")
    if any(v is MISSING for v in got.values()):
        return None
    got["corrections"] = got["corrections"] or Decimal("0.00")
    return LedgerRow(**got, row=r)


class _Fast:
    """The rows as `close` writes them, each checked in one step: its values put into their canonical text
    by one format (`_FORMAT`) and hashed on from the row above; a row that hashes to its `hash` is as closed,
    with nothing more to check. Any other row is None: `_row` then reads it cell by cell and reports what
    does not fit, and `_check_chain` names what was changed."""

    def __init__(self, table: Table):
        self.table = table
        self.mode = {"live": "live", "test": "test", **{label("mode", m, "ru"): m for m in ("live", "test")}}
        self.chained: dict[int, str] = {}
        """The rows that hash as closed, each with the hash it was chained to (the row above's)."""
        self.money = _Money()

    def rows(self) -> list[LedgerRow | None]:
        table = self.table
        cols = [table.columns.get(key) for key in COLUMNS]
        if None in cols or min((len(v) for _, v in table.rows), default=0) <= max(cols):
            return [None] * len(table.rows)
        get, out, previous = operator.itemgetter(*cols), [], ""
        for r, values in table.rows:
            got = get(values)
            out.append(self._row(r, got, previous))
            previous = got[-1] if type(got[-1]) is str else ""
        return out

    def _row(self, r: int, got: tuple, previous: str) -> LedgerRow | None:
        no, mode, hashed = got[0], self.mode.get(got[_MODE]), got[-1]
        if type(no) is not float or not no.is_integer() or mode is None:
            return None
        try:
            text = _FORMAT % (int(no), *got[1:_MODE], mode, *got[_MODE + 1:-1])
        except TypeError:  # a money cell that is not a number, or an empty one: read cell by cell
            return None
        if hashlib.sha256(f"{previous}\x1f{text}".encode()).hexdigest() != hashed:
            return None
        fields = dict(zip(COLUMNS, got, strict=True))
        fields["no"], fields["mode"] = int(no), mode
        for key in MONEY:
            fields[key] = self.money[fields[key]]
        self.chained[r] = previous
        return LedgerRow.made(fields, r)


class _Money(dict):
    """A money cell's number as Decimal, each made once: salaries, zeros and the like repeat down the ledger."""

    def __missing__(self, value: float) -> Decimal:
        self[value] = made = Decimal(f"{value:.2f}")
        return made


_MODE = COLUMNS.index("mode")
_FORMAT = "\x1f".join("%s" if key not in MONEY else "%.2f" for key in COLUMNS[:-1])
"""A row's values (all but its hash) in their canonical text (`LedgerRow.values`), when every money cell holds
a number and every text cell text as `close` writes it: stripped, so that `%s` is the value itself."""


# --- a month's fingerprint ------------------------------------------------------------------------

def month_fingerprints(tables: dict[str, Table], months: Collection[str] | None,
                       in_force: Callable[[str], Workbook],
                       credited: Mapping[tuple[str, str], Mapping[str, object]] | None = None) -> dict[str, str]:
    """Per month of `months` (None: every month) that has rows, SHA-256 of everything its computation uses:
    its Plans, TeamPlans and Facts rows as they are in the sheets, the people, schemes and KPIs in force
    (`in_force(month)`), the Settings, the metrics the lists credit (`credited`, by (month, person)), and the
    tool's version. A closed month whose fingerprint is the one it
    was last computed with computes as it did then, so its rows need not even be read again."""
    raw: dict[str, hashlib._Hash] = {}
    for key in ("Plans", "TeamPlans", "Facts"):
        table = tables.get(key)
        if table is None:
            continue
        col, months_of, head = table.columns.get("period"), {}, repr((key, table.headers)).encode()
        for _, values in table.rows:
            value = values[col] if col is not None and col < len(values) else None
            month = months_of.get(value) if value.__hash__ else None
            if month is None:
                try:
                    month = period(value)
                except CellError:
                    continue  # reported where the row is read
                if value.__hash__:
                    months_of[value] = month
            if months is None or month in months:
                digest = raw.get(month)
                if digest is None:
                    digest = raw[month] = hashlib.sha256(head)
                digest.update(repr(values).encode())
    for (month, emp_id), values in sorted((credited or {}).items()):
        if months is None or month in months:
            digest = raw.get(month) or raw.setdefault(month, hashlib.sha256(b"lists"))
            digest.update(repr((emp_id, sorted(values.items()))).encode())
    version, shown = tool_version(), _Shown()
    return {month: shown.fingerprint(version, in_force(month), digest.hexdigest()) for month, digest in raw.items()}


class _Shown:
    """The text of what a month's computation uses besides its rows; a person's terms are the same objects
    from month to month, so each is put into text once."""

    def __init__(self):
        self.people: dict[int, tuple[object, str]] = {}

    def person(self, e: object) -> str:
        got = self.people.get(id(e))
        if got is None:
            got = self.people[id(e)] = (e, repr(e))  # e kept, so that its id is not reused
        return got[1]

    def fingerprint(self, version: str, month: Workbook, rows: str) -> str:
        s = month.settings
        settings = replace(s, cells={}, holidays=sorted(s.holidays), workdays=sorted(s.workdays))
        kpis = [(k.kpi, k.title, k.group, k.formula and k.formula.text, k.direction, k.unit)
                for _, k in sorted(month.kpis.items())]
        people = [self.person(e) for _, e in sorted(month.employees.items())]
        text = repr((version, rows, settings, kpis, people, sorted(month.schemes.items())))
        return hashlib.sha256(text.encode()).hexdigest()


def _whole(value: object) -> int:
    n = number(value)
    if n != n.to_integral_value() or n < 1:
        raise CellError(msg("positive_count"))
    return int(n)


def _money(value: object) -> Decimal:
    return number(value).quantize(Decimal("0.01"))


def _check_chain(ledger: Ledger, table: Table, report: Report, chained: dict[int, str]) -> None:
    """Walks the rows in order: each must be numbered on from the one before and hash to its `hash` from the
    previous row's; the first that is not is named, and the walk goes on from it, so each change is told once."""
    previous, expected = "", 1
    for row in ledger.rows:
        where = {"sheet": table.sheet, "column": table.headers.get(table.columns["no"], "no")}
        if row.no < expected:
            report.add(msg("ledger_inserted", row=row.row + 1, period=row.period), **where,
                       cell=a1(row.row, table.columns["no"]), found=str(row.no),
                       expected=msg("ledger_number", no=expected), hint=msg("ledger_restore"))
            continue
        if row.no > expected:
            report.add(msg("ledger_deleted", first=expected, last=row.no - 1), **where,
                       cell=a1(row.row, table.columns["no"]), found=str(row.no),
                       expected=msg("ledger_number", no=expected), hint=msg("ledger_restore"))
        elif row.row in chained and chained[row.row] == previous:
            pass  # as closed
        elif row.fingerprint != fingerprint(row.inputs) and "inputs" in table.columns:
            _changed(report, table, row, table.columns["inputs"])
        elif chain_hash(previous, row.values()) != row.hash:
            _changed(report, table, row, None)
        previous, expected = row.hash, row.no + 1


def _changed(report: Report, table: Table, row: LedgerRow, col: int | None) -> None:
    first, end = min(table.columns.values()), max(table.columns.values())
    cell = a1(row.row, col) if col is not None else f"{a1(row.row, first)}:{a1(row.row, end)}"
    header = table.headers.get(col, "") if col is not None else ""
    report.add(msg("ledger_changed", cell=f"{table.sheet}!{cell}", period=row.period, id=row.employee_id),
               sheet=table.sheet, cell=cell, column=header, found=msg("ledger_found_changed"),
               expected=msg("ledger_as_closed", period=row.period), hint=msg("ledger_restore"))
