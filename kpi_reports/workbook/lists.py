"""The CRM's and the telephone system's lists — Deals, Calls, Activities — credited to people and months.

"What is not in the CRM did not happen": each row is read once, for its person (employee_id, else e-mail,
else the name compared ignoring case, spaces, word order and ё/е), its month, and whether it counts (a paid
stage; a call long enough, and answered when the log has a status). Per (month, person) the lists give the
raw metrics Facts would hold — deals, revenue, margin, calls, a count per activity type — and `merge` puts
them into the Facts records, where a cell typed by hand for the same metric wins (with a warning).
`judge_*` say what became of one row: the same answer for the credit and for the Credited sheet.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import operator
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal

from kpi_reports.messages import msg
from kpi_reports.model import Cell, Credited, Employee, ListRow, ListSource, Record
from kpi_reports.names import norm
from kpi_reports.problems import Report
from kpi_reports.workbook.cells import CellError, is_empty, number, shown, text_id
from kpi_reports.workbook.reader import Later, Table, made

PAID_STAGES = ("Успешно реализовано", "Closed - won", "Closed – won", "Closed — won", "Closed won", "Successfully realized", "Сделка успешна",
               "Успешная сделка", "Deal won", "Won", "Выиграна", "Оплачено", "Оплачена", "Paid", "Успешно")
"""Settings paid_stages by default: the won stages of amoCRM and Bitrix24, in Russian and English."""
ANSWERED = ("answered", "отвечен", "отвеченный", "принят", "принятый", "успешный", "успешно", "success",
            "successful", "connected", "соединен", "разговор", "состоялся", "отвечено", "ок")
UNANSWERED = ("missed", "пропущен", "пропущенный", "не отвечен", "неотвечен", "неотвеченный", "no answer",
              "busy", "занято", "failed", "неуспешный", "отклонен", "сброшен", "cancel", "noanswer", "недозвон",
              "нет ответа", "ошибка", "отменено", "congestion", "перевод")
METRIC_NAMES = {"deals": ("deals", "сделки"), "revenue": ("revenue", "выручка"), "margin": ("margin", "маржа"),
                "calls": ("calls", "звонки"), "meetings": ("meetings", "встречи"), "proposals": ("proposals", "кп")}
"""A credited metric's name in an English and in a Russian workbook: the one its KPIs and Facts use."""
ACTIVITY_WORDS = {"meetings": ("meeting", "meetings", "встреча", "встречи", "встреча с клиентом"),
                  "proposals": ("proposal", "proposals", "кп", "коммерческое предложение", "предложение",
                                "offer", "коммерческие предложения", "отправить кп", "quote")}
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


def name_key(text: str) -> tuple[str, ...]:
    """A name's words, compared ignoring case, spaces, word order and ё/е."""
    return tuple(sorted(text.casefold().replace("ё", "е").split()))


def metric_name(canonical: str, known: Collection[str], lang: str | None) -> str:
    """The name of a credited metric in this workbook: the one its KPIs or Facts use, else the language's."""
    en, ru = METRIC_NAMES.get(canonical, (canonical, canonical))
    return next((n for n in (en, ru) if n in known), ru if lang == "ru" else en)


# --- people ----------------------------------------------------------------------------------------

class People:
    """Who a list's employee cell names: by employee_id, else e-mail, else name."""

    def __init__(self, employees: dict[str, list[Employee]]):
        self.ids, self.emails, self.names, self.words = {}, {}, {}, []
        for emp_id, rows in employees.items():
            self.ids.setdefault(norm(emp_id), set()).add(emp_id)
            for e in rows:
                if e.email:
                    self.emails.setdefault(e.email.strip().casefold(), set()).add(emp_id)
                if e.name:
                    self.names.setdefault(name_key(e.name), set()).add(emp_id)
        self.words = [(set(key), ids) for key, ids in self.names.items()]
        self.shown = {emp_id: f"{rows[-1].name} ({emp_id})" for emp_id, rows in employees.items()}
        self._cache: dict[object, tuple[str | None, str | None]] = {}

    def match(self, value: object) -> tuple[str | None, str | None]:
        """(employee_id, None), or (None, the problem's message key: unmatched or ambiguous)."""
        got = self._cache.get(value) if value.__hash__ else None
        if got is None:
            got = self._match(text_id(value))
            if value.__hash__:
                self._cache[value] = got
        return got

    def _match(self, text: str) -> tuple[str | None, str | None]:
        key = name_key(text)
        for found in (self.ids.get(norm(text)), self.emails.get(text.strip().casefold()), self.names.get(key)):
            if found:
                return (next(iter(found)), None) if len(found) == 1 else (None, "list_ambiguous")
        if len(key) >= 2:  # "Иван Иванов" for "Иванов Иван Петрович": every word of the cell in one name
            found = {i for words, ids in self.words if set(key) <= words for i in ids}
            if found:
                return (next(iter(found)), None) if len(found) == 1 else (None, "list_ambiguous")
        return None, "list_unmatched"

    def candidates(self, text: str, problem: str) -> str:
        """The closest names for an unmatched cell; the people it could be for an ambiguous one."""
        if problem == "list_ambiguous":
            key = name_key(text)
            ids = (self.ids.get(norm(text)) or self.emails.get(text.strip().casefold()) or self.names.get(key)
                   or {i for words, ids in self.words if set(key) <= words for i in ids})
            return ", ".join(sorted(self.shown[i] for i in ids))
        names = {" ".join(k): ids for k, ids in self.names.items()}
        close = difflib.get_close_matches(" ".join(name_key(text)), list(names), n=3, cutoff=0.5)
        return ", ".join(self.shown[i] for c in close for i in sorted(names[c])) or ", ".join(
            list(self.shown.values())[:5])


# --- one row ---------------------------------------------------------------------------------------

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


class _Reader:
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

    def quietly(self, report: Report) -> _Reader:
        """This reader reporting into `report` (a tally's first row, judged for all of them)."""
        other = _Reader(self.table, report, self.people, self.works, self.periods)
        other._months = self._months
        return other

    def unread(self, month: str | None) -> bool:
        """A row of a month not read (`periods`): its other cells are left for `check`."""
        return self.periods is not None and month is not None and month not in self.periods

    def out_of_terms(self, emp_id: str, month: str) -> bool:
        return not self.works(emp_id, month)


def judge_deal(rd: _Reader, r: int, values: list, paid: frozenset[str], names: dict[str, str]) -> Verdict | None:
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


def judge_call(rd: _Reader, r: int, values: list, *, least: int, status: Callable[[object], bool | None],
               names: dict[str, str]) -> Verdict | None:
    """A call: counted in its month when at least `least` seconds long and, with a status column, answered."""
    emp_id = rd.person(r, values)
    month = rd.month(r, values, "date")
    if month is None and is_empty(rd.get(values, "date")):
        rd.bad(r, "date", None, "empty_cell", msg("date_expected"))
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
    if length < least:
        return Verdict(emp_id, month, None, "list_call_short", shown(duration))
    if "status" in rd.col and not status(rd.get(values, "status")):
        return Verdict(emp_id, month, None, "list_call_status", shown(rd.get(values, "status")))
    if rd.out_of_terms(emp_id, month):
        return Verdict(emp_id, month, None, "list_outside", month)
    plain = _plain_date(rd.get(values, "date")) and (least == 0 or _plain_number(duration))
    return Verdict(emp_id, month, names["calls"], plain=plain)


def judge_activity(rd: _Reader, r: int, values: list, *, metric_of: Callable[[object], str | None]
                   ) -> Verdict | None:
    """An activity: counted in its month into the metric its type names."""
    emp_id = rd.person(r, values)
    month = rd.month(r, values, "date")
    if month is None and is_empty(rd.get(values, "date")):
        rd.bad(r, "date", None, "empty_cell", msg("date_expected"))
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


# --- the lists -------------------------------------------------------------------------------------

@dataclass
class Lists:
    """The list sheets of a workbook and how their rows are judged: `credit` adds them up, `verdicts` (for
    the Credited sheet too) tells each row's. A sheet still being read (`reader.Later`) is waited for when
    its rows are first needed."""

    found: dict[str, Table | Later]
    people: People
    works: Callable[[str, str], bool]
    paid: frozenset[str]
    least: int
    names: dict[str, str]
    """Canonical metric (deals, revenue, margin, calls, meetings, proposals) → its name in this workbook."""

    @property
    def keys(self) -> tuple[str, ...]:
        """The lists present, smallest first as they are likely to be read (Calls last)."""
        return tuple(k for k in ("Deals", "Activities", "Calls") if k in self.found)

    @functools.cached_property
    def tables(self) -> dict[str, Table]:
        """The lists whose header was found (each waited for while being read), in `keys` order."""
        return {k: t for k in self.keys if (t := self.table(k)) is not None}

    def table(self, key: str) -> Table | None:
        """The list, waited for while being read; None without its header or a required column (reported)."""
        t = made(self.found[key])
        return t if t is not None and all(c.key in t.columns for c in t.spec.columns if c.required) else None

    def verdicts(self, key: str, report: Report, periods: Collection[str] | None = None
                 ) -> Iterator[tuple[int, list, Verdict, int]]:
        """(row, its cells, verdict, how many rows it stands for): calls and activities whose dates are dates
        and durations numbers are judged once per distinct (person, month, …) they share."""
        table = self.table(key)
        rd = _Reader(table, report, self.people, self.works, periods)
        if key == "Deals":
            for r, values in table.rows:
                if (v := judge_deal(rd, r, values, self.paid, self.names)) is not None:
                    yield r, values, v, 1
            return
        if key == "Calls":
            status = _Statuses(rd, report)
            judge = functools.partial(judge_call, least=self.least, status=status, names=self.names)
            shared = ("date", "employee", "status")
        else:
            judge = functools.partial(judge_activity, metric_of=self.activity_metric())
            shared = ("date", "employee", "type")
        yield from _tallied(rd, table, judge, shared, self.least if key == "Calls" else None)

    def activity_metric(self) -> Callable[[object], str | None]:
        words = {norm(w): metric for metric, ws in ACTIVITY_WORDS.items() for w in ws}
        cache: dict[object, str | None] = {}

        def metric_of(value: object) -> str | None:
            if value in cache:
                return cache[value]
            key = norm(text_id(value)) if not is_empty(value) else ""
            found = self.names[words[key]] if key in words else (key or None)
            cache[value] = found
            return found
        return metric_of


def _tallied(rd: _Reader, table: Table, judge: Callable, shared: tuple[str, ...], least: int | None
             ) -> Iterator[tuple[int, list, Verdict, int]]:
    """Rows whose date is a date (and duration a number) tallied by their (month, person, …) cells, each
    tally judged once on its first row; the other rows, and a tally whose person is not found (whose every
    cell is to be named), judged one by one."""
    date, emp = table.columns[shared[0]], table.columns["employee"]
    cells = operator.itemgetter(*(c for k in shared[1:] if (c := table.columns.get(k)) is not None))
    length = table.columns.get("duration") if least is not None else None
    tally: dict[tuple, list] = {}
    slow = []
    for r, values in table.rows:
        when = values[date]
        kind = type(when)
        if kind is dt.datetime or kind is dt.date:
            if length is None:
                key = (when.year, when.month, cells(values))
            elif type(span := values[length]) in (int, float) and 0 <= span < 10**7:
                key = (when.year, when.month, cells(values), span >= least)
            else:
                slow.append((r, values))
                continue
            got = tally.get(key)
            if got is None:
                tally[key] = [r, values, 1]
            else:
                got[2] += 1
        else:
            slow.append((r, values))
    quiet, redo = Report(), set()
    for key, (r, values, n) in tally.items():
        v = judge(rd.quietly(quiet), r, values)
        if v is not None and v.employee_id is None:
            redo.add(values[emp])
        elif v is not None:
            yield r, values, v, n
    seen = {r for r, _ in slow}
    for r, values in table.rows if redo else ():
        if values[emp] in redo and r not in seen:
            slow.append((r, values))
    for r, values in slow:
        if (v := judge(rd, r, values)) is not None:
            yield r, values, v, 1


class _Statuses:
    """Whether a call's status is an answered one; an unknown word is warned about once, and not counted."""

    def __init__(self, rd: _Reader, report: Report):
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


def read_lists(tables: dict[str, Table | Later], employees: dict[str, list[Employee]],
               works: Callable[[str, str], bool], known: Collection[str], lang: str | None,
               paid_stages: tuple[str, ...], least: int) -> Lists | None:
    """The list sheets present, with how each row will be judged; None when the workbook has none."""
    found = {k: t for k in ("Deals", "Calls", "Activities") if (t := tables.get(k)) is not None}
    if not found:
        return None
    names = {c: metric_name(c, known, lang) for c in METRIC_NAMES}
    paid = frozenset(norm(s) for s in (paid_stages or PAID_STAGES))
    return Lists(found, People(employees), works, paid, least, names)


def credit(lists: Lists, report: Report, periods: Collection[str] | None) -> Credited:
    """Every list row of `periods` (None: of every month) added up per (month, person, metric)."""
    out = Credited(rows=functools.partial(_explain, lists))
    for key in lists.keys:
        table = lists.table(key)
        if table is None:
            continue
        if key == "Deals" and not {"paid_on", "closed_on"} & table.columns.keys():
            report.add(msg("missing_column"), **table.header_cell(0).where(), found=", ".join(table.headers.values()),
                       expected=msg("list_no_date_column"))
            continue
        _credit_list(lists, key, report, periods, out)
    return out


def _one_by_one(lists: Lists, key: str, report: Report) -> Iterator[tuple[int, list, Verdict, int]]:
    """Every row's own verdict, in the sheet's order."""
    table = lists.table(key)
    rd = _Reader(table, report, lists.people, lists.works, None)
    if key == "Deals":
        yield from lists.verdicts(key, report)
        return
    judge = (functools.partial(judge_call, least=lists.least, status=_Statuses(rd, report), names=lists.names)
             if key == "Calls" else functools.partial(judge_activity, metric_of=lists.activity_metric()))
    for r, values in table.rows:
        if (v := judge(rd, r, values)) is not None:
            yield r, values, v, 1


def _explain(lists: Lists) -> Iterator[ListRow]:
    """Every row of every list, of every month, with what became of it (its problems were reported already)."""
    quiet = Report()
    for key, table in lists.tables.items():
        col = table.columns["employee"]
        for r, values, v, _ in _one_by_one(lists, key, quiet):
            yield ListRow(table.sheet, r, shown(values[col]) if col < len(values) else "", v.employee_id, v.period,
                          v.metric, v.reason, v.found, v.amount, v.ref)


def _credit_list(lists: Lists, key: str, report: Report, periods, out: Credited) -> None:
    table, values_of = lists.table(key), out.values
    spellings: dict[str, set] = {}
    covered: dict[str, set[str]] = {}  # metric → the months the list has rows in
    paid_texts, answered, kinds = set(), set(), {}
    emp_col, deals = table.columns["employee"], _metrics(lists, table, key, None)
    for _, values, v, n in lists.verdicts(key, report, periods):
        if v.employee_id is not None:
            spellings.setdefault(v.employee_id, set()).add(values[emp_col])
        if v.period is None:
            continue
        metrics = deals if key == "Deals" else _metrics(lists, table, key, v)
        for m in metrics:
            covered.setdefault(m, set()).add(v.period)
        if v.reason is not None:
            continue
        got = values_of.setdefault((v.period, v.employee_id), {})
        if key == "Deals":
            paid_texts.add(values[table.columns["stage"]])
            got[metrics[0]] = got.get(metrics[0], 0) + 1
            got[metrics[1]] = got.get(metrics[1], Decimal(0)) + v.amount
            if len(metrics) > 2:
                got[metrics[2]] = got.get(metrics[2], Decimal(0)) + (v.margin or 0)
            out.deals.setdefault((v.period, v.employee_id), []).append(v.ref)
        else:
            if key == "Calls" and "status" in table.columns:
                answered.add(values[table.columns["status"]])
            if key == "Activities":
                kinds.setdefault(v.metric, set()).add(values[table.columns["type"]])
            got[v.metric] = got.get(v.metric, 0) + n
        if not v.plain:
            out.value_only.update((v.period, v.employee_id, m) for m in metrics)
    for m, months in covered.items():  # a month the list covers: its people without rows there did none
        for (period, _), got in values_of.items():
            if period in months:
                got.setdefault(m, Decimal(0))
    for got in values_of.values():
        for m, value in got.items():
            got[m] = Decimal(value)
    out.spellings.update({(table.sheet, e): tuple(sorted(map(shown, s))) for e, s in spellings.items()})
    _sources(lists, key, table, out, paid_texts, answered, kinds)
    out.covered.update(covered)


def _metrics(lists: Lists, table: Table, key: str, v: Verdict | None) -> tuple[str, ...]:
    """What a row of the list counts in: deals, revenue (and margin); calls; its activity's metric."""
    n = lists.names
    if key == "Deals":
        return (n["deals"], n["revenue"], n["margin"]) if "margin" in table.columns else (n["deals"], n["revenue"])
    if key == "Calls":
        return (n["calls"],)
    return (v.metric,) if v and v.metric else ()


def _sources(lists: Lists, key: str, table: Table, out: Credited, paid: set, answered: set,
             kinds: dict[str, set]) -> None:
    col, sheet = table.columns, table.sheet
    if key == "Deals":
        date = col.get("paid_on", col.get("closed_on"))
        if date is None:
            return
        stages = ((col["stage"], tuple(sorted(map(shown, paid)))),)
        n = lists.names
        out.sources[n["deals"]] = ListSource(sheet, col["employee"], date, None, stages)
        out.sources[n["revenue"]] = ListSource(sheet, col["employee"], date, col["amount"], stages)
        if "margin" in col:
            out.sources[n["margin"]] = ListSource(sheet, col["employee"], date, col["margin"], stages)
    elif key == "Calls":
        match = ((col["status"], tuple(sorted(map(shown, answered)))),) if "status" in col else ()
        at_least = (col["duration"], lists.least) if lists.least else None
        out.sources[lists.names["calls"]] = ListSource(sheet, col["employee"], col["date"], None, match, at_least)
    else:
        for metric, words in kinds.items():
            out.sources[metric] = ListSource(sheet, col["employee"], col["date"], None,
                                             ((col["type"], tuple(sorted(map(shown, words)))),))


def merge(facts: dict[tuple[str, str], Record], credited: Credited, report: Report,
          periods: Collection[str] | None) -> dict[tuple[str, str], Record]:
    """The Facts records (of `periods`, None: all) with the lists' metrics: a cell typed for the same month,
    person and metric wins, with a warning naming both places when they differ; a person with list rows needs
    no Facts row."""
    covered = credited.covered
    for (period, emp_id), record in facts.items():  # a Facts row in a month a list covers: none there is 0
        got = None
        for m, months in covered.items():
            if period in months:
                got = credited.values.setdefault((period, emp_id), {}) if got is None else got
                got.setdefault(m, Decimal(0))
    out = dict(facts)
    for (period, emp_id), got in credited.values.items():
        if periods is not None and period not in periods:
            continue
        record = facts.get((period, emp_id))
        values = dict(record.values) if record else {}
        for m, value in got.items():
            typed = values.get(m)
            if typed is None:
                values[m] = value
                continue
            credited.typed.add((period, emp_id, m))
            if typed != value:
                source = credited.sources.get(m)
                report.warn(msg("list_typed_wins", metric=m, typed=typed, credited=value,
                                list=source.sheet if source else ""), **record.cell(m).where(),
                            found=shown(typed), hint=msg("list_typed_hint", list=source.sheet if source else ""))
        out[(period, emp_id)] = (Record(period, emp_id, values, record.sheet, record.row, record.columns) if record
                                 else Record(period, emp_id, values))
    return out


def list_columns(lists: Lists, credited: Credited) -> dict[str, Cell]:
    """The metrics the lists give, each named by its list's header (as a Facts column would be)."""
    found = {}
    for m, source in credited.sources.items():
        table = next(t for t in lists.tables.values() if t.sheet == source.sheet)
        found[m] = table.header_cell(source.total if source.total is not None else source.employee)
    return found
