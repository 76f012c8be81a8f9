"""Example content for the standard workbook: the `init` template's rows, the bundled samples, and
benchmark inputs of any size. Deterministic: the same arguments always give the same workbook.

Hunter and farmer teams of four managers and a head of sales paid on department totals. Manager
Ivanov (E001) in 2026-10 is the method's worked case: salary 60,000 + bonus 58,000 + commission 1,800.
Every Facts row is a monotonic funnel: calls ≥ meetings ≥ proposals ≥ deals, so no conversion is above 100%.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from kpi_reports.workbook.template import SheetData, WorkbookData, write_workbook

IVANOV_PERIOD = "2026-10"
SAMPLE_MONTHS = tuple(f"2026-{m:02d}" for m in range(7, 13))
YEAR_MONTHS = tuple(f"2026-{m:02d}" for m in range(1, 13))

# (id, en title, group, formula, direction, unit, ru id, ru title)
KPIS = [
    ("calls", "Successful calls", "activity", "", "higher", "count", "звонки", "Успешные звонки"),
    ("meetings", "Meetings held", "activity", "", "higher", "count", "встречи", "Проведённые встречи"),
    ("call_to_meeting", "Call → meeting", "efficiency", "meetings / calls", "higher", "percent",
     "конверсия_в_встречу", "Конверсия звонок → встреча"),
    ("avg_check", "Average check", "efficiency", "revenue / deals", "higher", "money",
     "средний_чек", "Средний чек"),
    ("cycle_days", "Deal cycle, days", "efficiency", "", "lower", "days", "цикл_сделки", "Цикл сделки, дней"),
    ("revenue", "Revenue", "result", "", "higher", "money", "выручка", "Выручка"),
    ("margin", "Margin", "result", "", "higher", "money", "маржа", "Маржа"),
]
METRICS = ["calls", "meetings", "proposals", "deals", "revenue", "margin", "cycle_days"]
METRICS_RU = {"proposals": "кп", "deals": "сделки"}
# scheme, kpi, weight, cutoff, accelerator, cap, scope
SCHEMES = [
    ("hunter", "revenue", "0.4", None, None, None, "individual"),
    ("hunter", "avg_check", "0.2", None, None, None, "individual"),
    ("hunter", "call_to_meeting", "0.2", None, None, None, "individual"),
    ("hunter", "calls", "0.2", None, None, None, "individual"),
    ("farmer", "revenue", "0.4", None, None, "1.5", "individual"),
    ("farmer", "avg_check", "0.15", None, None, None, "individual"),
    ("farmer", "cycle_days", "0.15", "0.8", "1.1", "1.3", "individual"),
    ("farmer", "meetings", "0.15", None, None, None, "individual"),
    ("farmer", "margin", "0.15", None, None, None, "team"),
    ("head", "revenue", "0.5", "0.85", "1.3", "1.5", "team"),
    ("head", "margin", "0.2", None, None, None, "team"),
    ("head", "call_to_meeting", "0.15", None, None, None, "team"),
    ("head", "avg_check", "0.15", None, None, None, "team"),
]
SCHEMES_RU = {"hunter": "охотник", "farmer": "фермер", "head": "руководитель"}
TEAMS_RU = {"Hunters": "Охотники", "Farmers": "Фермеры", "Sales department": "Отдел продаж"}
PEOPLE = [  # en name, ru name
    ("Ivan Ivanov", "Иванов Иван Петрович"), ("Pyotr Petrov", "Петров Пётр Сергеевич"),
    ("Anna Sidorova", "Сидорова Анна Викторовна"), ("Oleg Kuznetsov", "Кузнецов Олег Игоревич"),
    ("Elena Smirnova", "Смирнова Елена Андреевна"), ("Dmitry Popov", "Попов Дмитрий Олегович"),
    ("Olga Volkova", "Волкова Ольга Николаевна"), ("Sergey Sokolov", "Соколов Сергей Павлович"),
]
HEAD = ("Maria Morozova", "Морозова Мария Александровна")


def example_data(lang: str = "en", managers: int = 8, months: tuple[str, ...] = SAMPLE_MONTHS,
                 seed: int = 2026) -> WorkbookData:
    """`managers` in teams of four, alternately hunters and farmers, and one head of sales."""
    rnd = random.Random(seed)
    ru = lang == "ru"
    people = _people(managers, ru)
    plans, facts = [], []
    for i, month in enumerate(months):
        for person in people[:-1]:
            plan, fact = _month(person, i, month, rnd)
            plans.append([month, person["id"], *plan])
            facts.append([_first_day(month), person["id"], *fact])
    kpi_ids = {k[0]: (k[6] if ru else k[0]) for k in KPIS}
    metric = {m: kpi_ids.get(m) or (METRICS_RU[m] if ru else m) for m in METRICS}
    schemes_tr = SCHEMES_RU if ru else {k: k for k in SCHEMES_RU}
    return WorkbookData({
        "Employees": SheetData(
            ["employee_id", "name", "team", "position", "scheme", "salary", "bonus_target", "commission_rate",
             "margin_rate", "email", "manages"],
            [[p["id"], p["name"], p["team"], p["position"], schemes_tr[p["scheme"]],
              p["salary"], p["bonus"], p["commission"], p["margin_rate"], p["email"], p["manages"]]
             for p in people]),
        "KPIs": SheetData(["kpi", "title", "group", "formula", "direction", "unit"], [
            [kpi_ids[k], ru_title if ru else title, group, _formula(formula, metric), direction, unit]
            for k, title, group, formula, direction, unit, _, ru_title in KPIS]),
        "Schemes": SheetData(["scheme", "kpi", "weight", "cutoff", "accelerator", "cap", "scope"], [
            [schemes_tr[s], kpi_ids[k], Decimal(w), _d(cut), _d(acc), _d(cap), scope]
            for s, k, w, cut, acc, cap, scope in SCHEMES]),
        "Plans": SheetData(["period", "employee_id", *(kpi_ids[k] for k in _PLAN_KPIS)], plans,
                           {kpi_ids["call_to_meeting"]: "percent", kpi_ids["revenue"]: "money",
                            kpi_ids["margin"]: "money", kpi_ids["avg_check"]: "money"}),
        "TeamPlans": SheetData(["period", "team", kpi_ids["call_to_meeting"], kpi_ids["avg_check"]],
                               [[m, _team("Sales department", ru), 0.02, 235000] for m in months],
                               {kpi_ids["call_to_meeting"]: "percent", kpi_ids["avg_check"]: "money"}),
        "Facts": SheetData(["period", "employee_id", *(metric[m] for m in METRICS), kpi_ids["avg_check"],
                            kpi_ids["call_to_meeting"]], facts,
                           {kpi_ids["call_to_meeting"]: "percent", metric["revenue"]: "money",
                            metric["margin"]: "money", kpi_ids["avg_check"]: "money"}),
        "Settings": SheetData(["key", "value"], _settings(ru, metric)),
    })


_PLAN_KPIS = ["calls", "meetings", "call_to_meeting", "avg_check", "cycle_days", "revenue", "margin"]


def _team(name: str, ru: bool) -> str:
    return TEAMS_RU[name] if ru else name


def _d(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


def _formula(formula: str, metric: dict[str, str]) -> str:
    return " ".join(metric.get(word, word) for word in formula.split())


def _first_day(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:]), 1)


def _settings(ru: bool, metric: dict[str, str]) -> list[list[str]]:
    funnel = ", ".join(metric[m] for m in ("calls", "meetings", "proposals", "deals"))
    if ru:
        return [["компания", "ООО «Ромашка»"], ["валюта", "RUB"], ["язык", "ru"],
                ["показатель_комиссии", metric["revenue"]], ["воронка", funnel]]
    return [["company", "Romashka LLC"], ["currency", "RUB"], ["language", "en"],
            ["commission_kpi", "revenue"], ["funnel", funnel]]


def _people(managers: int, ru: bool) -> list[dict]:
    people = []
    for i in range(managers):
        team_no, hunter = i // 4, (i // 4) % 2 == 0
        team = _team("Hunters" if hunter else "Farmers", ru) + (f" {team_no // 2 + 1}" if managers > 8 else "")
        name = PEOPLE[i % 8][1 if ru else 0] + (f" {i // 8 + 1}" if i >= 8 else "")
        people.append({
            "id": f"E{i + 1:03d}", "name": name, "team": team, "hunter": hunter,
            "position": ("Менеджер по продажам" if ru else "Sales manager"),
            "scheme": "hunter" if hunter else "farmer",
            "salary": 60000 if i == 0 else 55000 + 5000 * (i % 4), "bonus": 50000 if i == 0 else 40000 + 5000 * (i % 3),
            "commission": Decimal("0.02"), "margin_rate": Decimal("0.3") if i == 0 else None,
            "email": f"e{i + 1:03d}@example.com", "manages": "",
        })
    people.append({"id": "H001", "name": HEAD[1 if ru else 0], "team": _team("Sales department", ru), "position":
                   "Руководитель отдела продаж" if ru else "Head of sales", "scheme": "head", "salary": 120000,
                   "bonus": 80000, "commission": Decimal(0), "margin_rate": None, "email": "head@example.com",
                   "manages": "*"})
    return people


def _month(p: dict, i: int, month: str, rnd: random.Random) -> tuple[list, list]:
    """One person's plan row and fact row (values in _PLAN_KPIS and METRICS order, then overrides).

    The funnel narrows at every stage: meetings are 1.6–2.6% of calls, proposals 80–100% of meetings,
    deals 75–100% of proposals, and revenue is what the deals bring at 80–130% of the planned average
    check. The average-check plan is the revenue plan over the deals a typical month closes (about 16),
    so the check and the revenue land around their plans and follow the funnel: when E002's
    conversion falls, so do his revenue and margin.
    """
    if p["id"] == "E001" and month == IVANOV_PERIOD:  # the method's worked case
        plan = [1000, 20, 0.02, 150000, None, 3000000, 900000]
        # 950 calls → 20 meetings → 18 proposals → 16 deals; the KPI columns hold the CRM's
        # call→meeting (2.1%, not 20 / 950) and average check (142,500, not 3,300,000 / 16)
        fact = [950, 20, 18, 16, 3300000, 990000, 55, 142500, 0.021]
        return plan, fact
    revenue_plan = (3000000 if p["hunter"] else 4000000) + 250000 * (int(p["id"][1:]) % 3)
    avg_plan = 200000 if p["hunter"] else 270000
    plan = [1000, 20 if p["hunter"] else 25, 0.02, avg_plan, None if p["hunter"] else 60, revenue_plan,
            round(revenue_plan * 0.3)]
    calls = rnd.randint(820, 1150)
    conversion = 0.024 - 0.003 * i if p["id"] == "E002" else rnd.uniform(0.016, 0.026)
    meetings = max(1, round(calls * conversion))
    proposals = max(1, round(meetings * rnd.uniform(0.8, 1.0)))
    deals = max(1, round(proposals * rnd.uniform(0.75, 1.0)))
    revenue = round(deals * avg_plan * rnd.uniform(0.8, 1.3), -3)
    margin = round(revenue * rnd.uniform(0.24, 0.34))
    cycle = rnd.randint(40, 85)
    return plan, [calls, meetings, proposals, deals, revenue, margin, cycle, None, None]


STARTER_NOTE = {"en": "The example rows are computed in test mode: clear this row once they are your team's.",
                "ru": "Строки-примеры считаются в тестовом режиме: удалите эту строку, когда впишете свою команду."}


def write_starter(path, lang: str, month: str | None = None) -> None:
    """The workbook `kpi-reports init` (and the web page's link) gives to fill in: explanations, drop-downs
    and example rows of four managers and a head of sales for `month` (default: this month), in test mode
    (Settings mode = test, with a note to clear it), so that an example never passes for a payroll."""
    data = example_data(lang, managers=4, months=(month or dt.date.today().strftime("%Y-%m"),))
    settings = data.sheets["Settings"]
    settings.columns.append("примечание" if lang == "ru" else "note")
    for row in settings.rows:
        row.append(None)
    settings.rows.append(["режим", "тест", STARTER_NOTE["ru"]] if lang == "ru" else ["mode", "test", STARTER_NOTE["en"]])
    write_workbook(path, data, lang)
