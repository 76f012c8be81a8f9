"""What the CRM's lists (Deals, Calls, Activities) credited: plain data, made by `workbook.lists`, shown by the
payslips' live Facts, the Credited sheet and the JSON."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ListSource:
    """The cells of a list sheet behind a credited metric: what a live COUNTIFS / SUMIFS over it needs."""

    sheet: str
    """As the sheet is called in the source."""
    employee: int
    """Zero-based columns: the person's, the date's."""
    date: int
    total: int | None = None
    """The column summed (amount, margin); None: the rows are counted."""
    match: tuple[tuple[int, tuple[str, ...]], ...] = ()
    """Columns whose text is one of these (the paid stages, the answered statuses, an activity type's words)."""
    at_least: tuple[int, int] | None = None
    """(column, seconds): a call's duration at least this long."""


@dataclass(frozen=True)
class ListRow:
    """What became of one list row: credited to a person and month (`reason` None), or why not."""

    sheet: str
    row: int
    """Zero-based."""
    written: str
    """The employee cell as it is."""
    employee_id: str | None
    period: str | None
    metric: str | None
    reason: str | None = None
    """A message key: list_stage_not_paid, list_call_short, list_call_status, list_outside, list_bad_cell."""
    found: str = ""
    """What the reason is about: the stage, the duration, the status, the month."""
    amount: Decimal | None = None
    ref: str = ""
    """The deal's id (or the row, `Deals!7`)."""


@dataclass
class Credited:
    """What the lists credit: per (month, person) the raw metrics, and where each came from."""

    values: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=dict)
    """(period, employee_id) → metric → the list's count or sum, before a Facts cell typed by hand wins."""
    sources: dict[str, ListSource] = field(default_factory=dict)
    """By metric: the list it is credited from."""
    spellings: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(list sheet, employee_id) → every text of that list's employee column that named the person."""
    value_only: set[tuple[str, str, str]] = field(default_factory=set)
    """(period, employee_id, metric) whose rows a spreadsheet's COUNTIFS would not count as they were
    credited (a date or a number typed as text): shown as a value, not a live formula."""
    deals: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(period, employee_id) → the ids (or rows, `Deals!7`) of the deals credited."""
    typed: set[tuple[str, str, str]] = field(default_factory=set)
    """(period, employee_id, metric) where a Facts cell typed by hand won over the list."""
    covered: dict[str, set[str]] = field(default_factory=dict)
    """By metric: the months its list has rows in (a person without any there did none)."""
    metrics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """By list (Deals, Calls, Activities): the metrics it credits."""
    rows: Callable[[], Iterator[ListRow]] | None = field(default=None, repr=False)
    """Every list row with what became of it, read again (for the Credited sheet)."""

    def credited(self, period: str, employee_id: str, metric: str) -> bool:
        """The metric of that month and person is the list's (not a Facts cell's)."""
        key = (period, employee_id)
        return metric in self.values.get(key, ()) and (period, employee_id, metric) not in self.typed
