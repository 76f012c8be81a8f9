"""The Ledger: what each closed month paid, a row per person (and one per correction paid later), each row's
hash chained to the one before it so that a row edited, deleted or inserted by hand shows.

A row's hash is SHA-256 of the previous row's hash and the row's values in their canonical text (`values`):
money as plain digits with two decimals, everything else as typed. A person's inputs (`inputs_text`) are
kept beside their figures, so that a later change to a closed month can be told as "revenue fact
3,300,000 → 3,350,000"; their fingerprint is SHA-256 of that text.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from functools import cached_property
from importlib import metadata
from typing import Literal

Kind = Literal["pay", "correction"]

CENT = Decimal("0.01")


@dataclass(frozen=True)
class LedgerRow:
    """One row of the Ledger sheet. A pay row (`corrects` empty) is a person's closed month: salary, bonus and
    commission earned, the corrections of earlier months paid with it, the total paid. A correction row says
    that a closed month (`corrects`) was recomputed when `period` was closed: `corrections` is the difference
    recognised, `total` what was paid for it (zero for an overpayment not withheld)."""

    no: int
    period: str
    employee_id: str
    name: str
    team: str
    mode: str
    salary: Decimal | None
    bonus: Decimal | None
    commission: Decimal | None
    corrections: Decimal
    total: Decimal
    corrects: str
    closed_at: str
    closed_by: str
    version: str
    inputs: str
    fingerprint: str
    month_fingerprint: str = ""
    """SHA-256 of everything the whole month's computation used, and the tool's version, when it was last
    computed (`engine.ledger.month_fingerprint`): a closed month that still has it needs no recomputing."""
    hash: str = ""
    row: int = field(default=-1, compare=False)
    """Zero-based row of the Ledger sheet (-1: not read from it)."""

    @property
    def kind(self) -> Kind:
        return "correction" if self.corrects else "pay"

    @property
    def earned(self) -> Decimal:
        """A pay row's own month: salary, bonus and commission."""
        return sum((v for v in (self.salary, self.bonus, self.commission) if v is not None), Decimal("0.00"))

    @property
    def test(self) -> bool:
        return self.mode == "test"

    def values(self) -> list[str]:
        """The canonical text of every value the hash covers, in column order."""
        return [_canonical(getattr(self, name)) for name in HASHED]

    @classmethod
    def made(cls, values: dict[str, object], row: int) -> LedgerRow:
        """The row of `values` (a value per field but `row`), made as `__init__` makes it, which only sets
        fields, without its cost per field: the Ledger is read a row per person and month."""
        made = object.__new__(cls)
        made.__dict__.update(values, row=row)
        return made

    def chained(self, previous: str) -> LedgerRow:
        """This row with its hash, chained to `previous` (the hash of the row before it; "" for the first)."""
        return replace(self, hash=row_hash(previous, self))


HASHED: tuple[str, ...] = tuple(f.name for f in fields(LedgerRow) if f.name not in ("hash", "row"))
COLUMNS = (*HASHED, "hash")
"""The Ledger sheet's columns, in order."""
MONEY = frozenset({"salary", "bonus", "commission", "corrections", "total"})
NAME = {"en": "Ledger", "ru": "Ведомость"}
"""The sheet's name, by language (either is read)."""
RU = {"no": "номер", "period": "период", "employee_id": "табельный_номер", "name": "фио", "team": "команда",
      "mode": "режим", "salary": "оклад", "bonus": "премия", "commission": "комиссия", "corrections": "перерасчёт",
      "total": "итого", "corrects": "за_месяц", "closed_at": "закрыт", "closed_by": "кем_закрыт",
      "version": "версия", "inputs": "исходные_данные", "fingerprint": "отпечаток",
      "month_fingerprint": "отпечаток_месяца", "hash": "хеш"}
"""Each column's Russian header (the English one is its key)."""


def row_hash(previous: str, row: LedgerRow) -> str:
    return chain_hash(previous, row.values())


def chain_hash(previous: str, values: list[str]) -> str:
    """SHA-256 of the previous row's hash and a row's values in their canonical text."""
    return hashlib.sha256("\x1f".join([previous, *values]).encode()).hexdigest()


def fingerprint(inputs: str) -> str:
    return hashlib.sha256(inputs.encode()).hexdigest()


def tool_version() -> str:
    """The installed kpi-reports version, as the ledger records it."""
    try:
        return metadata.version("kpi-reports")
    except metadata.PackageNotFoundError:
        return "unknown"


def _canonical(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    return str(value).strip()


@dataclass(frozen=True)
class Ledger:
    """The Ledger sheet's rows, in order, as read (or as `close` is to write them)."""

    rows: tuple[LedgerRow, ...] = ()
    sheet: str = "Ledger"
    """The sheet's name in the workbook."""

    @cached_property
    def closed(self) -> dict[str, LedgerRow]:
        """Each closed month's first pay row (when and by whom it was closed), by month."""
        found: dict[str, LedgerRow] = {}
        for r in self.rows:
            if r.kind == "pay":
                found.setdefault(r.period, r)
        return found

    def month_fingerprint(self, period: str) -> str:
        """The fingerprint a closed month was last computed with: that of the last row about it."""
        return self._month_fingerprints.get(period, "")

    @cached_property
    def _month_fingerprints(self) -> dict[str, str]:
        return {(r.corrects or r.period): r.month_fingerprint for r in self.rows}

    def pay(self, period: str) -> dict[str, LedgerRow]:
        """A closed month's pay rows, by employee id."""
        return {r.employee_id: r for r in self.rows if r.kind == "pay" and r.period == period}

    def settled(self, period: str) -> dict[str, tuple[Decimal, str]]:
        """Per person, what a closed month stands at: its earnings plus every correction of it recognised
        since, and the inputs it was last computed from."""
        found = {e: (r.earned, r.inputs) for e, r in self.pay(period).items()}
        for r in self.rows:
            if r.corrects == period:
                amount, _ = found.get(r.employee_id, (Decimal("0.00"), ""))
                found[r.employee_id] = (amount + r.corrections, r.inputs)
        return found

    def appended(self, rows: Iterable[LedgerRow]) -> Ledger:
        """This ledger with `rows` added at its end, numbered and chained on."""
        out = list(self.rows)
        for r in rows:
            out.append(replace(r, no=len(out) + 1).chained(out[-1].hash if out else ""))
        return Ledger(tuple(out), self.sheet)


def months_before(period: str, n: int) -> list[str]:
    """The n months before `period`, oldest first: months_before("2026-01", 2) == ["2025-11", "2025-12"]."""
    year, month = int(period[:4]), int(period[5:])
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - n, index)]


def corrected_months(ledger: Ledger, periods: Iterable[str], n: int) -> list[str]:
    """The closed months that a run of any of `periods` recomputes: those among the n months before it."""
    closed = ledger.closed
    return sorted({m for p in periods for m in months_before(p, n) if m in closed})


# --- a person-month's inputs as text --------------------------------------------------------------

def inputs_text(items: Iterable[tuple[str, str | None]]) -> str:
    """`Facts.revenue=3300000; Employees.salary=50000; …` from (sheet.column, value) pairs, in their order
    (a `;` or `\\` in a value is escaped with `\\`)."""
    return "; ".join(f"{key}={_escape(value)}" for key, value in items)


LINE = ("weight", "cutoff", "accelerator", "cap", "scope")
"""A scheme line's fields, kept in one pair (`Schemes.revenue=0.4|0.8|1.2||individual`) to keep the text short."""


def parse_inputs(text: str) -> dict[str, str | None]:
    """The pairs of `inputs_text` back; a scheme line's pair as one per field (`Schemes.revenue.weight`)."""
    found: dict[str, str | None] = {}
    for key, value in _pairs(text):
        if key.startswith("Schemes.") and key.count(".") == 1:
            found.update((f"{key}.{name}", part or None) for name, part in zip(LINE, (value or "").split("|"),
                                                                                 strict=False))
        else:
            found[key] = value
    return found


def changed(old: str, new: str) -> list[tuple[str, str, str | None, str | None]]:
    """The inputs of `new` that are not as in `old` (both `inputs_text`): (sheet, column, old value, new value)."""
    before, after = parse_inputs(old), parse_inputs(new)
    return [(*_split(key), before.get(key), after.get(key)) for key in dict.fromkeys([*after, *before])
            if before.get(key) != after.get(key)]


def _split(key: str) -> tuple[str, str]:
    sheet, _, column = key.partition(".")
    return sheet, column


def _escape(value: str | None) -> str:
    return "" if value is None else value.replace("\\", "\\\\").replace(";", "\\;")


def _pairs(text: str) -> Iterator[tuple[str, str | None]]:
    parts, part, chars = [], [], iter(text)
    for ch in chars:
        if ch == "\\":
            part.append(next(chars, ""))
        elif ch == ";":
            parts.append("".join(part))
            part = []
        else:
            part.append(ch)
    if text:
        parts.append("".join(part))
    for item in parts:
        key, _, value = item.strip().partition("=")
        yield key, value or None
