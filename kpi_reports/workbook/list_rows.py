"""One row of a list (Deals, Calls, Activities) read and judged: its person, its month, and whether it counts
(a paid stage; a call answered and long enough), each bad cell reported where it is (`Verdict`)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal

from kpi_reports.messages import msg
from kpi_reports.names import norm
from kpi_reports.problems import Report
from kpi_reports.workbook.cells import CellError, is_empty, number, shown, text_id
from kpi_reports.workbook.people import People
from kpi_reports.workbook.reader import Table

PAID_STAGES = ("Успешно реализовано", "Closed - won", "Closed – won", "Closed — won", "Closed won", "Successfully realized", "Сделка успешна",
               "Успешная сделка", "Deal won", "Won", "Выиграна", "Оплачено", "Оплачена", "Paid", "Успешно")
"""Settings paid_stages by default: the won stages of amoCRM and Bitrix24, in Russian and English."""
ANSWERED = ("answered", "отвечен", "отвеченный", "принят", "принятый", "успешный", "успешно", "success",
            "successful", "connected", "соединен", "разговор", "состоялся", "отвечено", "ок")
UNANSWERED = ("missed", "пропущен", "пропущенный", "не отвечен", "неотвечен", "неотвеченный", "no answer",
              "busy", "занято", "failed", "неуспешный", "отклонен", "сброшен", "cancel", "noanswer", "недозвон",
              "нет ответа", "ошибка", "отменено", "congestion", "перевод")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?Z?"
                   r"|(\d{1,2})[./](\d{1,2})[./](\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?)?", re.ASCII)
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})(?:\.\d+)?", re.ASCII)


# --- the cells -------------------------------------------------------------------------------------

def month_of(value: object) -> str:
    """A date cell's month (YYYY-MM): a date or date-time, `2026-10-15[ 14:30]`, `15.10.2026[ 14:30]`."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        m = _DATE.fullmatch(value.strip())
        if m:
            y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
            try:
                dt.date(int(y), int(mo), int(d))
                return f"{int(y):04d}-{int(mo):02d}"
            except ValueError:
                pass
    raise CellError(msg("date_expected"))


def seconds_of(value: object) -> float:
    """A call's duration in seconds: a number of seconds, `m:ss` or `h:mm:ss` text, or a time cell."""
    if type(value) in (int, float) and 0 <= value < 10**7:
        return value
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, dt.timedelta) and value.total_seconds() >= 0:
        return value.total_seconds()
    if isinstance(value, str):
        text = value.strip()
        if m := _CLOCK.fullmatch(text):
            return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
        if text.isascii() and text.isdigit():
            return int(text)
    raise CellError(msg("duration_expected"))


def _plain_number(value: object) -> bool:
    """A number a spreadsheet's SUMIFS / COUNTIFS sees as one (not text that reads as a number)."""
    return type(value) in (int, float)


def _plain_date(value: object) -> bool:
    return isinstance(value, (dt.date, dt.datetime))


@dataclass(frozen=True)
class Verdict:
    """What became of one list row: credited to a person and month (`reason` None), or why not."""

    employee_id: str | None
    period: str | None
    metric: str | None
    reason: str | None = None
    """A message key: list_stage_not_paid, list_call_short, list_call_status, list_outside, list_bad_cell…"""
    found: str = ""
    """What the reason is about: the stage, the duration, the status."""
    amount: Decimal | None = None
    margin: Decimal | None = None
    ref: str = ""
    """The deal's id (or the row's number)."""
    plain: bool = True
    """Its cells are as a spreadsheet's COUNTIFS / SUMIFS sees them (dates as dates, numbers as numbers)."""


class Reader:
    """Reads the cells of one list sheet, reporting each bad one at its cell."""

    def __init__(self, table: Table, report: Report, people: People, works: Callable[[str, str], bool],
                 periods: Collection[str] | None):
        self.table, self.report, self.people, self.works, self.periods = table, report, people, works, periods
        self.col = table.columns
        self._months: dict[object, str] = {}
        self.paid: dict[object, bool] = {}

    def get(self, values: list, key: str) -> object:
        col = self.col.get(key)
        return values[col] if col is not None and col < len(values) else None

    def bad(self, r: int, key: str, value: object, message: str, expected, hint=None) -> None:
        self.report.add(msg(message), **self.table.cell(r, self.col[key]).where(),
                        found="" if is_empty(value) else shown(value), expected=expected, hint=hint)

    def person(self, r: int, values: list) -> str | None:
        value = self.get(values, "employee")
        if is_empty(value):
            self.bad(r, "employee", value, "empty_cell", msg("list_person"))
            return None
        emp_id, problem = self.people.match(value)
        if problem:
            self.bad(r, "employee", value, problem, msg("list_person"),
                     msg("list_closest", names=self.people.candidates(text_id(value), problem)))
        return emp_id

    def month(self, r: int, values: list, key: str) -> str | None:
        value = self.get(values, key)
        if is_empty(value):
            return None
        got = self._months.get(value) if value.__hash__ else None
        if got is None:
            try:
                got = month_of(value)
            except CellError as e:
                self.bad(r, key, value, "wrong_value", e.expected)
                return None
            if value.__hash__:
                self._months[value] = got
        return got

    def amount(self, r: int, values: list, key: str, required: bool) -> Decimal | None:
        value = self.get(values, key)
        if is_empty(value):
            if required and key in self.col:
                self.bad(r, key, value, "empty_cell", msg("value_for", column=self.table.headers[self.col[key]]))
            return None
        try:
            amount = number(value)
        except CellError as e:
            return self.bad(r, key, value, "wrong_value", e.expected, e.hint)
        if amount < 0:
            return self.bad(r, key, value, "negative_amount", msg("zero_or_more"))
        return amount

    def quietly(self, report: Report) -> Reader:
        """This reader reporting into `report` (a tally's first row, judged for all of them)."""
        other = Reader(self.table, report, self.people, self.works, self.periods)
        other._months = self._months
        return other

    def dated(self, r: int, values: list) -> tuple[str | None, str | None]:
        """The row's person and the month of its `date`, each bad or empty cell reported."""
        month = self.month(r, values, "date")
        if month is None and is_empty(self.get(values, "date")):
            self.bad(r, "date", None, "empty_cell", msg("date_expected"))
        return self.person(r, values), month

    def unread(self, month: str | None) -> bool:
        """A row of a month not read (`periods`): its other cells are left for `check`."""
        return self.periods is not None and month is not None and month not in self.periods

    def out_of_terms(self, emp_id: str, month: str) -> bool:
        return not self.works(emp_id, month)


def judge_deal(rd: Reader, r: int, values: list, *, paid: frozenset[str], names: dict[str, str]) -> Verdict | None:
    """A deal: credited to the month of its payment (paid_on, else closed_on) when its stage is a paid one."""
    emp_id = rd.person(r, values)
    ref = text_id(rd.get(values, "deal_id")) if not is_empty(rd.get(values, "deal_id")) else f"{rd.table.sheet}!{r + 1}"
    stage = rd.get(values, "stage")
    key = "paid_on" if not is_empty(rd.get(values, "paid_on")) else "closed_on"
    month = rd.month(r, values, key)
    if rd.unread(month):
        return None
    is_paid = rd.paid.get(stage) if stage.__hash__ else None
    if is_paid is None:
        is_paid = norm(stage) in paid
        if stage.__hash__:
            rd.paid[stage] = is_paid
    if is_paid and month is None and is_empty(rd.get(values, key)):
        where = next((k for k in ("paid_on", "closed_on") if k in rd.col), None)
        if where:
            rd.bad(r, where, None, "empty_cell", msg("list_deal_date"))
    amount = rd.amount(r, values, "amount", is_paid)
    margin = rd.amount(r, values, "margin", False)
    if emp_id is None or (is_paid and (month is None or amount is None)):
        return Verdict(emp_id, month, None, "list_bad_cell", ref=ref)
    if not is_paid:
        return Verdict(emp_id, month, None, "list_stage_not_paid", shown(stage), ref=ref)
    if rd.out_of_terms(emp_id, month):
        return Verdict(emp_id, month, None, "list_outside", month, ref=ref)
    plain = _plain_date(rd.get(values, "paid_on" if "paid_on" in rd.col else "closed_on")) and _plain_number(
        rd.get(values, "amount")) and ("margin" not in rd.col or _plain_number(rd.get(values, "margin"))
                                       or is_empty(rd.get(values, "margin")))
    return Verdict(emp_id, month, names["deals"], amount=amount, margin=margin, ref=ref, plain=plain)


def judge_call(rd: Reader, r: int, values: list, *, least: int, status: Callable[[object], bool | None],
               names: dict[str, str]) -> Verdict | None:
    """A call: counted in its month when at least `least` seconds long and, with a status column, answered."""
    emp_id, month = rd.dated(r, values)
    if rd.unread(month):
        return None
    duration = rd.get(values, "duration")
    try:
        length = seconds_of(duration) if not is_empty(duration) else 0
    except CellError as e:
        rd.bad(r, "duration", duration, "wrong_value", e.expected)
        length = None
    if emp_id is None or month is None or length is None:
        return Verdict(emp_id, month, None, "list_bad_cell")
    if "status" in rd.col and not status(rd.get(values, "status")):
        return Verdict(emp_id, month, None, "list_call_status", shown(rd.get(values, "status")))
    if length < least:
        return Verdict(emp_id, month, None, "list_call_short", shown(duration))
    if rd.out_of_terms(emp_id, month):
        return Verdict(emp_id, month, None, "list_outside", month)
    plain = _plain_date(rd.get(values, "date")) and (least == 0 or _plain_number(duration))
    return Verdict(emp_id, month, names["calls"], plain=plain)


def judge_activity(rd: Reader, r: int, values: list, *, metric_of: Callable[[object], str | None]
                   ) -> Verdict | None:
    """An activity: counted in its month into the metric its type names."""
    emp_id, month = rd.dated(r, values)
    if rd.unread(month):
        return None
    kind = rd.get(values, "type")
    metric = metric_of(kind)
    if metric is None:
        rd.bad(r, "type", kind, "empty_cell", msg("list_activity_type"))
    if emp_id is None or month is None or metric is None:
        return Verdict(emp_id, month, None, "list_bad_cell")
    if rd.out_of_terms(emp_id, month):
        return Verdict(emp_id, month, None, "list_outside", month)
    return Verdict(emp_id, month, metric, plain=_plain_date(rd.get(values, "date")))


class Statuses:
    """Whether a call's status is an answered one; an unknown word is warned about once, and not counted."""

    def __init__(self, rd: Reader, report: Report):
        self.rd, self.report, self.seen = rd, report, {}
        self.yes, self.no = {norm(w) for w in ANSWERED}, {norm(w) for w in UNANSWERED}

    def __call__(self, value: object) -> bool:
        got = self.seen.get(value)
        if got is None:
            key = norm(value) if not is_empty(value) else ""
            got = self.seen[value] = key in self.yes
            if key and key not in self.yes and key not in self.no:
                self.report.warn(msg("list_status_unknown"), sheet=self.rd.table.sheet,
                                 column=self.rd.table.headers[self.rd.col["status"]], found=shown(value),
                                 expected=msg("list_statuses", words=", ".join(ANSWERED[:4])))
        return got
