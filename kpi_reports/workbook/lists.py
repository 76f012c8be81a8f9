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
import functools
import operator
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal

from kpi_reports.credits import Credited, ListRow, ListSource
from kpi_reports.messages import msg
from kpi_reports.model import Cell, Employee, Record
from kpi_reports.names import norm
from kpi_reports.problems import Report
from kpi_reports.workbook.cells import is_empty, shown, text_id
from kpi_reports.workbook.fields import duplicate
from kpi_reports.workbook.list_rows import (
    PAID_STAGES,
    Reader,
    Statuses,
    Verdict,
    judge_activity,
    judge_call,
    judge_deal,
)
from kpi_reports.workbook.people import People
from kpi_reports.workbook.reader import Later, Table, made

METRIC_NAMES = {"deals": ("deals", "сделки"), "revenue": ("revenue", "выручка"), "margin": ("margin", "маржа"),
                "calls": ("calls", "звонки"), "meetings": ("meetings", "встречи"), "proposals": ("proposals", "кп")}
"""A credited metric's name in an English and in a Russian workbook: the one its KPIs and Facts use."""
ACTIVITY_WORDS = {"meetings": ("meeting", "meetings", "встреча", "встречи", "встреча с клиентом"),
                  "proposals": ("proposal", "proposals", "кп", "коммерческое предложение", "предложение",
                                "offer", "коммерческие предложения", "отправить кп", "quote")}


def metric_name(canonical: str, known: Collection[str], lang: str | None) -> str:
    """The name of a credited metric in this workbook: the one its KPIs or Facts use, else the language's."""
    en, ru = METRIC_NAMES.get(canonical, (canonical, canonical))
    return next((n for n in (en, ru) if n in known), ru if lang == "ru" else en)


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
        rd = Reader(table, report, self.people, self.works, periods)
        judge = self.judge(key, rd, report)
        if key == "Deals":
            yield from self.one_by_one(table, rd, judge)
            return
        shared = ("date", "employee", "status" if key == "Calls" else "type")
        yield from _tallied(rd, table, judge, shared, self.least if key == "Calls" else None)

    def judge(self, key: str, rd: Reader, report: Report) -> Callable[[Reader, int, list], Verdict | None]:
        """How a row of the list is judged: `judge_deal`, `judge_call` or `judge_activity`, with this workbook's
        paid stages, shortest call, answered statuses and metric names."""
        if key == "Deals":
            return functools.partial(judge_deal, paid=self.paid, names=self.names)
        if key == "Calls":
            return functools.partial(judge_call, least=self.least, status=Statuses(rd, report), names=self.names)
        return functools.partial(judge_activity, metric_of=self.activity_metric())

    @staticmethod
    def one_by_one(table: Table, rd: Reader, judge: Callable) -> Iterator[tuple[int, list, Verdict, int]]:
        """Every row's own verdict, in the sheet's order."""
        for r, values in table.rows:
            if (v := judge(rd, r, values)) is not None:
                yield r, values, v, 1

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


def _tallied(rd: Reader, table: Table, judge: Callable, shared: tuple[str, ...], least: int | None
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
    _none_there(out, list(out.values))
    return out


def _none_there(credited: Credited, keys) -> None:
    """Each (month, person) of `keys` in a month a list covers gets 0 for each metric of that list it has no row
    for: what is not in the CRM did not happen."""
    for period, emp_id in keys:
        for m, months in credited.covered.items():
            if period in months:
                credited.values.setdefault((period, emp_id), {}).setdefault(m, Decimal(0))


def _explain(lists: Lists) -> Iterator[ListRow]:
    """Every row of every list, of every month, with what became of it (its problems were reported already)."""
    quiet = Report()
    for key, table in lists.tables.items():
        col = table.columns["employee"]
        rd = Reader(table, quiet, lists.people, lists.works, None)
        for r, values, v, _ in lists.one_by_one(table, rd, lists.judge(key, rd, quiet)):
            yield ListRow(table.sheet, r, shown(values[col]) if col < len(values) else "", v.employee_id, v.period,
                          v.metric, v.reason, v.found, v.amount, v.ref)


def _credit_list(lists: Lists, key: str, report: Report, periods, out: Credited) -> None:
    table, values_of = lists.table(key), out.values
    spellings: dict[str, set] = {}
    covered: dict[str, set[str]] = {}  # metric → the months the list has rows in
    paid_texts, answered, kinds = set(), set(), {}
    emp_col, deals = table.columns["employee"], _metrics(lists, table, key, None)
    outside: dict[tuple[str, str], list] = {}
    ids, id_col = {}, table.columns.get("deal_id")
    for r, values, v, n in lists.verdicts(key, report, periods):
        if v.employee_id is not None:
            spellings.setdefault(v.employee_id, set()).add(values[emp_col])
        if id_col is not None and v.reason is None and ids.setdefault(v.ref, r) != r:  # an export pasted twice
            duplicate(report, table.cell(r, id_col), v.ref, ids[v.ref])
            continue
        if v.period is None:
            continue
        metrics = deals if key == "Deals" else _metrics(lists, table, key, v)
        for m in metrics:
            covered.setdefault(m, set()).add(v.period)
        if v.reason == "list_outside":
            outside.setdefault((v.employee_id, v.period), [r, values[emp_col], 0])[2] += n
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
    for (emp_id, month), (r, written, n) in outside.items():
        report.warn(msg("list_outside_months", id=emp_id, month=month, rows=n), **table.cell(r, emp_col).where(),
                    found=shown(written), hint=msg("list_outside_hint"))
    for got in values_of.values():
        for m, value in got.items():
            got[m] = Decimal(value)
    out.spellings.update({(table.sheet, e): tuple(sorted(map(shown, s))) for e, s in spellings.items()})
    _sources(lists, key, table, out, paid_texts, answered, kinds)
    out.covered.update(covered)
    out.metrics[key] = deals if key == "Deals" else tuple(covered)


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
    _none_there(credited, facts)  # a person with a Facts row and no list row in a month a list covers
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
