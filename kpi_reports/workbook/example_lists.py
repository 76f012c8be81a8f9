"""The third sample: the first one's team whose 2026-10 facts come from the CRM and the telephone system.

The Facts rows of 2026-10 keep only what no list gives (the deal cycle, and Ivanov's call→meeting and average
check as the CRM reports them); the rest is credited from three lists pasted in as they are exported:
- Deals, in amoCRM's shape (ID, Бюджет, Ответственный by first name and surname, Этап сделки, Дата закрытия),
  each manager's paid deals adding up to their revenue and margin, besides deals still open or lost;
- Calls, a telephony log naming people surname first, with missed calls and calls under Settings
  min_call_seconds, none of them counted;
- Activities, the CRM's meetings and proposals, naming people by e-mail.
It gives exactly the first sample's 2026-10 figures: Ivanov's total is 119,800.00.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from kpi_reports.workbook.example import IVANOV_PERIOD, example_data
from kpi_reports.workbook.template import SheetData, WorkbookData

MIN_CALL_SECONDS = 10
CREDITED = ("calls", "meetings", "proposals", "deals", "revenue", "margin")
"""The Facts columns (by their English name) the lists give for the month."""
_WON = {"en": "Closed - won", "ru": "Успешно реализовано"}
_OPEN = {"en": ("Negotiation", "Closed - lost"), "ru": ("Переговоры", "Закрыто и не реализовано")}
_DEALS = {"en": ["ID", "Lead title", "Budget", "Responsible user", "Stage", "Closed at", "Margin"],
          "ru": ["ID", "Название сделки", "Бюджет", "Ответственный", "Этап сделки", "Дата закрытия", "Маржа"]}
_CALLS = {"en": ["Date", "Direction", "Status", "Employee", "Duration"],
          "ru": ["Время", "Тип", "Статус", "Кто ответил", "Длительность разговора"]}
_ANSWERED = {"en": ("answered", "missed"), "ru": ("отвечен", "не отвечен")}
_ACTIVITIES = {"en": ["Task type", "Completed at", "Responsible"], "ru": ["Тип задачи", "Дата выполнения", "Ответственный"]}
_KINDS = {"en": ("Meeting", "Proposal"), "ru": ("Встреча", "КП")}


def lists_data(lang: str = "en") -> WorkbookData:
    data = example_data(lang)
    sheets, rnd = data.sheets, random.Random(19)
    facts = sheets["Facts"]
    names = {row[0]: row[1] for row in sheets["Employees"].rows}
    emails = {row[0]: row[9] for row in sheets["Employees"].rows}
    columns = {key: facts.columns.index(name) for key, name in zip(CREDITED, _credited_columns(facts), strict=True)}
    deals, calls, activities = [], [], []
    month = [row for row in facts.rows if row[0].strftime("%Y-%m") == IVANOV_PERIOD]
    for row in month:
        who = row[1]
        got = {key: row[col] for key, col in columns.items()}
        for col in columns.values():
            row[col] = None
        deals += _deals(who, _first_last(names[who]), got, lang, rnd)
        calls += _calls(_surname_first(names[who]), got["calls"], lang, rnd)
        activities += _activities(emails[who], got["meetings"], got["proposals"], lang, rnd)
    sheets["Deals"] = SheetData(_DEALS[lang], sorted(deals, key=lambda d: d[0]), {_DEALS[lang][2]: "money",
                                                                                  _DEALS[lang][6]: "money"})
    sheets["Calls"] = SheetData(_CALLS[lang], sorted(calls, key=lambda c: c[0]))
    sheets["Activities"] = SheetData(_ACTIVITIES[lang], sorted(activities, key=lambda a: a[1]))
    sheets["Settings"].rows.append(["мин_длительность_звонка" if lang == "ru" else "min_call_seconds",
                                    MIN_CALL_SECONDS])
    return data


def _credited_columns(facts: SheetData) -> list[str]:
    """The Facts headers of CREDITED: they follow period and employee_id in the example's order."""
    return facts.columns[2:2 + len(CREDITED)]


def _day(rnd: random.Random) -> dt.datetime:
    y, m = int(IVANOV_PERIOD[:4]), int(IVANOV_PERIOD[5:])
    return dt.datetime(y, m, rnd.randint(1, 30), rnd.randint(9, 18), rnd.randint(0, 59), rnd.randint(0, 59))


def _deals(who: str, name: str, got: dict, lang: str, rnd: random.Random) -> list[list]:
    """`deals` won deals whose budgets add up to the revenue and margins to the margin; two more not won."""
    n, rows = int(got["deals"]), []
    amounts, margins = _split(int(got["revenue"]), n, rnd), _split(int(got["margin"]), n, rnd)
    title = "Сделка" if lang == "ru" else "Lead"
    for i, (amount, margin) in enumerate(zip(amounts, margins, strict=True)):
        rows.append([f"{who[1:]}{i + 1:03d}", f"{title} {who}-{i + 1}", amount, name, _WON[lang], _day(rnd).date(),
                     margin])
    for j, stage in enumerate(_OPEN[lang]):
        closed = _day(rnd).date() if j else None
        rows.append([f"{who[1:]}9{j}0", f"{title} {who}-x{j}", rnd.randint(5, 50) * 10000, name, stage, closed, None])
    return rows


def _split(total: int, n: int, rnd: random.Random) -> list[int]:
    """`n` whole amounts, each near total / n, adding up to `total` exactly."""
    weights = [rnd.uniform(0.7, 1.3) for _ in range(n)]
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _calls(name: str, answered: Decimal, lang: str, rnd: random.Random) -> list[list]:
    """`answered` calls of at least MIN_CALL_SECONDS; a tenth as many missed, and as many too short."""
    yes, no = _ANSWERED[lang]
    direction = ("исходящий", "входящий") if lang == "ru" else ("outgoing", "incoming")
    rows = [[_day(rnd), rnd.choice(direction), yes, name, rnd.randint(MIN_CALL_SECONDS, 600)]
            for _ in range(int(answered))]
    extra = int(answered) // 10
    rows += [[_day(rnd), direction[0], no, name, 0] for _ in range(extra)]
    rows += [[_day(rnd), direction[0], yes, name, rnd.randint(1, MIN_CALL_SECONDS - 1)] for _ in range(extra)]
    return rows


def _activities(email: str, meetings: Decimal, proposals: Decimal, lang: str, rnd: random.Random) -> list[list]:
    meeting, proposal = _KINDS[lang]
    return [[meeting, _day(rnd), email] for _ in range(int(meetings))] + [
        [proposal, _day(rnd), email] for _ in range(int(proposals))]


def _first_last(name: str) -> str:
    """How the CRM names a user: `Иван Иванов` for `Иванов Иван Петрович`; an English name as it is."""
    words = name.split()
    return f"{words[1]} {words[0]}" if len(words) == 3 else name


def _surname_first(name: str) -> str:
    """How the telephone log names them: `Иванов Иван`; `Ivanov Ivan` for `Ivan Ivanov`."""
    words = name.split()
    return f"{words[0]} {words[1]}" if len(words) == 3 else " ".join(reversed(words))
