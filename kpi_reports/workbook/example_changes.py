"""The second sample: the first one's team in a half-year whose terms change from a month on.

- a raise: Pyotr Petrov (E002) earns 66,000 from 2026-11 (60,000 before);
- a leaver: Oleg Kuznetsov (E004) works until 2026-09;
- a joiner: Nikolai Fedorov (E009) joins the hunters from 2026-10 and works 15 of its 22 working days;
- a pilot: the month runs in test mode (Settings mode), but Ivan Ivanov (E001) and Elena Smirnova (E005)
  are paid live (Employees mode);
- the farmers' scheme changes its weights from 2026-10 (meetings 15% → 20%, average check 15% → 10%).

Ivanov's 2026-10 stays the method's worked case: 119,800.00.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from kpi_reports.workbook.example import IVANOV_PERIOD, SAMPLE_MONTHS, _month, example_data
from kpi_reports.workbook.template import WorkbookData

RAISE = ("E002", "2026-11", 66000)
LEAVER = ("E004", "2026-09")
JOINER = {"id": "E009", "since": "2026-10", "worked_days": 15, "hunter": True,
          "name": ("Nikolai Fedorov", "Фёдоров Николай Ильич"), "email": "e009@example.com"}
PILOT = ("E001", "E005")
FARMER_CHANGE = ("2026-10", {"meetings": "0.2", "avg_check": "0.1"})
"""The farmers' new weights from that month; the other lines keep theirs."""


def changes_data(lang: str = "en") -> WorkbookData:
    ru = lang == "ru"
    data = example_data(lang)
    sheets = data.sheets
    _employees(sheets["Employees"], ru)
    _schemes(sheets["Schemes"], ru)
    _rows(sheets["Plans"], sheets["Facts"])
    settings = sheets["Settings"].rows
    settings.append(["режим", "тест"] if ru else ["mode", "test"])
    return data


def _employees(sheet, ru: bool) -> None:
    sheet.columns += ["from", "until", "mode"]
    rows = sheet.rows
    for row in rows:
        row += ["", LEAVER[1] if row[0] == LEAVER[0] else "", ("боевой" if ru else "live") if row[0] in PILOT else ""]
    petrov = next(r for r in rows if r[0] == RAISE[0])
    raised = list(petrov)
    raised[5], raised[11], raised[12] = RAISE[2], RAISE[1], ""
    joiner = list(rows[0])
    joiner[:2] = [JOINER["id"], JOINER["name"][1 if ru else 0]]
    joiner[5:9] = [60000, 45000, Decimal("0.02"), None]
    joiner[9], joiner[11], joiner[13] = JOINER["email"], JOINER["since"], ""
    at = rows.index(petrov) + 1
    rows[at:at] = [raised]
    rows.insert(len(rows) - 1, joiner)  # before the head, with the managers


def _schemes(sheet, ru: bool) -> None:
    sheet.columns.append("from")
    farmer = "фермер" if ru else "farmer"
    since, weights = FARMER_CHANGE
    kpi_ids = {"meetings": "встречи", "avg_check": "средний_чек"} if ru else {k: k for k in weights}
    new = {kpi_ids[k]: Decimal(w) for k, w in weights.items()}
    for row in sheet.rows:
        row.append("")
    version = [[*row[:2], new.get(row[1], row[2]), *row[3:-1], since] for row in sheet.rows if row[0] == farmer]
    sheet.rows += version


def _rows(plans, facts) -> None:
    """The leaver's rows after their last month go; the joiner's from their first; worked days for the first."""
    keep = [i for i, row in enumerate(plans.rows) if not (row[1] == LEAVER[0] and row[0] > LEAVER[1])]
    plans.rows[:] = [plans.rows[i] for i in keep]
    facts.rows[:] = [facts.rows[i] for i in keep]
    facts.columns.append("worked_days")
    for row in facts.rows:
        row.append(None)
    rnd = random.Random(8)
    person = {"id": JOINER["id"], "hunter": True}
    for i, month in enumerate(SAMPLE_MONTHS):
        if month < JOINER["since"]:
            continue
        plan, fact = _month(person, i, month, rnd)
        first = month == JOINER["since"]
        if first:  # a short month's plan and facts for a short month's work
            plan = [_part(v) for v in plan]
            fact = [_part(v) for v in fact[:6]] + fact[6:]
        plans.rows.append([month, JOINER["id"], *plan])
        facts.rows.append([dt.date(int(month[:4]), int(month[5:]), 1), JOINER["id"], *fact,
                           JOINER["worked_days"] if first else None])


def _part(value):
    """15 of 22 working days' worth of a whole count or amount; a share or an empty cell as it is."""
    return value if value is None or isinstance(value, float) else max(1, round(value * 15 / 22))


assert IVANOV_PERIOD >= FARMER_CHANGE[0]
