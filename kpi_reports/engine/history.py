"""What the ledger says each person was paid: per person and closed month, the pay, the corrections paid
with it (and why: the inputs that changed since the month corrected was last computed), and who closed it
when — the answer to "why was I paid this in March"."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpi_reports.ledger import Ledger, LedgerRow, changed
from kpi_reports.model import Change, Correction


@dataclass(frozen=True)
class PaidMonth:
    """A person's closed month as the ledger holds it."""

    row: LedgerRow
    """The pay row: figures, mode, closed at and by."""
    corrections: tuple[Correction, ...]
    """Of earlier closed months, paid (or deducted) with this one, each with the inputs that changed."""

    @property
    def period(self) -> str:
        return self.row.period


def history(ledger: Ledger, employee_id: str | None = None) -> dict[str, list[PaidMonth]]:
    """Per person (in the ledger's order), their closed months, oldest first; `employee_id`: theirs alone."""
    last_inputs: dict[tuple[str, str], str] = {}
    paid: dict[tuple[str, str], list[Correction]] = {}
    for r in ledger.rows:
        key = (r.employee_id, r.corrects or r.period)
        if r.kind == "correction":
            changes = _changes(last_inputs.get(key, ""), r.inputs)
            paid.setdefault((r.employee_id, r.period), []).append(
                Correction(r.corrects, r.corrections, r.total, changes, r.inputs))
        last_inputs[key] = r.inputs
    found: dict[str, list[PaidMonth]] = {}
    for r in ledger.rows:
        if r.kind == "pay" and employee_id in (None, r.employee_id):
            found.setdefault(r.employee_id, []).append(PaidMonth(r, tuple(paid.get((r.employee_id, r.period), ()))))
    return {e: sorted(months, key=lambda m: m.period) for e, months in found.items()}


def _changes(old: str, new: str) -> tuple[Change, ...]:
    return tuple(Change(*c) for c in changed(old, new))


def paid_total(months: list[PaidMonth]) -> Decimal:
    """What the months paid, corrections included."""
    return sum((m.row.total for m in months), Decimal("0.00"))
