"""The standard workbook: its sheets and columns, with English names and Russian aliases.

The English name is canonical (it is the key everywhere in the code); the Russian one is what the
Russian template writes. Any case, spaces or underscores are accepted (see `kpi_reports.names`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kpi_reports import ledger
from kpi_reports.enums import ENUMS
from kpi_reports.names import norm

Kind = Literal["text", "id", "amount", "rate", "period", "enum", "date", "duration"]


@dataclass(frozen=True)
class Column:
    key: str
    ru: str
    kind: Kind = "text"
    required: bool = True
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {norm(self.key), norm(self.ru), *map(norm, self.aliases)}

    def title(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.key


@dataclass(frozen=True)
class Sheet:
    key: str
    ru: str
    columns: tuple[Column, ...]
    required: bool = True
    open: bool = False
    """Besides its named columns, the sheet has a column per KPI id or metric (Plans, Facts)."""

    def names(self) -> set[str]:
        return {norm(self.key), norm(self.ru)}

    def title(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.key

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


PERIOD = Column("period", "период", "period")
EMPLOYEE_ID = Column("employee_id", "табельный_номер", "id", aliases=("таб_номер", "табельный"))

EMPLOYEES = Sheet("Employees", "Сотрудники", (
    EMPLOYEE_ID,
    Column("name", "фио", aliases=("имя", "сотрудник")),
    Column("team", "команда", aliases=("отдел",)),
    Column("position", "должность", required=False),
    Column("scheme", "схема"),
    Column("salary", "оклад", "amount"),
    Column("bonus_target", "премия", "amount", aliases=("целевая_премия",)),
    Column("commission_rate", "процент_с_продаж", "rate", required=False),
    Column("margin_rate", "маржинальность", "rate", required=False),
    Column("email", "email", required=False, aliases=("почта", "e-mail")),
    Column("manages", "руководит", required=False),
    Column("from", "с", "period", required=False, aliases=("since", "действует_с", "с_месяца")),
    Column("until", "по", "period", required=False, aliases=("до", "по_месяц", "last_month")),
    Column("mode", "режим", "enum", required=False),
))

KPIS = Sheet("KPIs", "Показатели", (
    Column("kpi", "код", "id", aliases=("kpi_id", "показатель")),
    Column("title", "название"),
    Column("group", "группа", "enum"),
    Column("formula", "формула", required=False),
    Column("direction", "направление", "enum", required=False),
    Column("unit", "единица", "enum", required=False),
))

SCHEMES = Sheet("Schemes", "Схемы", (
    Column("scheme", "схема", "id"),
    Column("kpi", "код", "id", aliases=("показатель",)),
    Column("weight", "вес", "rate"),
    Column("cutoff", "порог", "rate", required=False),
    Column("accelerator", "коэффициент", "amount", required=False, aliases=("ускоритель",)),
    Column("cap", "максимум", "rate", required=False),
    Column("scope", "уровень", "enum", required=False),
    Column("from", "с", "period", required=False, aliases=("since", "действует_с", "с_месяца")),
))

PLANS = Sheet("Plans", "Планы", (PERIOD, EMPLOYEE_ID), open=True)
TEAM_PLANS = Sheet("TeamPlans", "ПланыКоманд", (PERIOD, Column("team", "команда", "id", aliases=("отдел",))),
                   required=False, open=True)
WORKED_DAYS = Column("worked_days", "отработано_дней", "amount", required=False, aliases=("отработано", "days_worked"))
FACTS = Sheet("Facts", "Факты", (PERIOD, EMPLOYEE_ID, WORKED_DAYS), open=True)
"""worked_days is a value column with a name of its own (its Russian one is another word): read as the row's
`worked_days` value, beside the metrics."""
SETTINGS = Sheet("Settings", "Настройки", (
    Column("key", "ключ", aliases=("параметр", "настройка")),
    Column("value", "значение"),
), required=False)

_LEDGER_KINDS: dict[str, Kind] = {"no": "amount", "period": "period", "employee_id": "id", "corrects": "period",
                                  **{key: "amount" for key in ledger.MONEY}}
LEDGER = Sheet(ledger.NAME["en"], ledger.NAME["ru"], tuple(
    Column(key, ledger.RU[key], _LEDGER_KINDS.get(key, "text"),
           required=key not in {"salary", "bonus", "commission", "corrections", "corrects", "inputs",
                                  "month_fingerprint"},
           aliases=("№",) if key == "no" else ())
    for key in ledger.COLUMNS), required=False)
"""What the closed months paid (`kpi_reports.ledger`): written by `close` alone, read by every command."""

_WHO = ("ответственный", "менеджер", "responsible", "responsible_user", "responsible_person", "assigned_to",
        "manager", "owner", "оператор", "operator", "agent", "пользователь", "user", "кто_ответил")
_WHEN = ("дата_и_время", "дата_время", "datetime", "date_time", "время")
DEALS = Sheet("Deals", "Сделки", (
    Column("employee", "сотрудник", aliases=_WHO),
    Column("amount", "сумма", "amount", aliases=("бюджет", "budget", "сумма_сделки", "opportunity", "deal_amount",
                                                 "price", "выручка", "revenue", "стоимость", "income")),
    Column("stage", "этап", aliases=("стадия", "этап_сделки", "стадия_сделки", "статус", "статус_сделки", "status",
                                     "stage_name", "deal_stage", "lead_status")),
    Column("paid_on", "дата_оплаты", "date", required=False,
           aliases=("payment_date", "paid_at", "paid_date", "дата_платежа", "оплачено", "дата_поступления_оплаты")),
    Column("closed_on", "дата_закрытия", "date", required=False,
           aliases=("closed_at", "close_date", "closing_date", "date_closed", "closedate", "дата_закрытия_сделки",
                    "предполагаемая_дата_закрытия", "expected_close_date", "assumed_close_date")),
    Column("margin", "маржа", "amount", required=False, aliases=("gross_margin", "маржинальный_доход", "прибыль",
                                                                  "profit")),
    Column("deal_id", "id_сделки", "id", required=False,
           aliases=("id", "ид", "номер_сделки", "deal", "lead_id", "номер", "№", "id_лида")),
), required=False)
"""A row per deal, as a CRM exports it (amoCRM, Bitrix24): credited as deals, revenue and margin (`workbook.lists`)."""
CALLS = Sheet("Calls", "Звонки", (
    Column("employee", "сотрудник", aliases=_WHO),
    Column("date", "дата", "date", aliases=(*_WHEN, "дата_звонка", "время_звонка", "время_начала", "начало",
                                           "начало_звонка", "время_начала_звонка", "calldate", "call_date", "start", "start_time",
                                           "started_at")),
    Column("duration", "длительность", "duration",
           aliases=("длительность_разговора", "время_разговора", "продолжительность", "длительность_звонка",
                    "talk_time", "billsec", "call_duration", "duration_sec", "conversation_time", "разговор",
                    "длительность(сек)", "длительность,сек", "время_разговора(сек)", "длительность_разговора,сек")),
    Column("direction", "направление", required=False, aliases=("тип_звонка", "call_type", "направление_звонка", "тип")),
    Column("status", "статус", required=False, aliases=("результат", "статус_звонка", "call_status", "disposition",
                                                      "result")),
), required=False)
"""A row per call, as a telephony service logs it: calls long enough and answered are credited as calls."""
ACTIVITIES = Sheet("Activities", "Активности", (
    Column("employee", "сотрудник", aliases=_WHO),
    Column("date", "дата", "date", aliases=(*_WHEN, "дата_выполнения", "дата_завершения", "completed_at",
                                           "date_completed", "дата_события")),
    Column("type", "тип", aliases=("тип_задачи", "тип_активности", "тип_события", "вид", "activity",
                                   "activity_type", "task_type", "event_type", "событие")),
), required=False)
"""A row per event or task the CRM logs (a meeting, a proposal…): counted into the metric its type names."""
LISTS = (DEALS, CALLS, ACTIVITIES)

SHEETS = (EMPLOYEES, KPIS, SCHEMES, PLANS, TEAM_PLANS, FACTS, SETTINGS, LEDGER, *LISTS)

# Settings keys, canonical first, with their Russian names.
SETTING_KEYS: dict[str, str] = {
    "company": "компания",
    "currency": "валюта",
    "language": "язык",
    "commission_kpi": "показатель_комиссии",
    "margin_rate": "маржинальность",
    "funnel": "воронка",
    "calendar": "календарь",
    "holidays": "праздники",
    "workdays": "рабочие_дни",
    "mode": "режим",
    "weak_stage_gap": "порог_слабого_этапа",
    "review_too_easy": "пересмотр_слишком_легко",
    "review_out_of_reach": "пересмотр_недостижимо",
    "review_over_paying": "пересмотр_переплата",
    "review_min_points": "пересмотр_минимум_точек",
    "payslip_template": "шаблон_листка",
    "prorate_bonus": "пропорционально_премия",
    "corrections_months": "месяцев_перерасчёта",
    "withhold_overpayment": "удерживать_переплату",
    "paid_stages": "этапы_оплаты",
    "min_call_seconds": "мин_длительность_звонка",
}


def enum_value(field: str, text: object) -> str | None:
    """The canonical enum value for a cell's text, or None when the word is unknown."""
    key = norm(text)
    for value, words in ENUMS[field].items():
        if key == norm(value) or key in map(norm, words):
            return value
    return None


def enum_words(field: str) -> str:
    return " | ".join(f"{v} [{w[0]}]" for v, w in ENUMS[field].items())


def setting_key(text: object) -> str | None:
    key = norm(text)
    return next((k for k, ru in SETTING_KEYS.items() if key in (norm(k), norm(ru))), None)
