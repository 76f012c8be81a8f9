"""Writing a standard workbook: the `init` template, the bundled samples and benchmark inputs.

Each sheet gets a title, a line explaining it, the header row (row 3) and its rows; drop-downs for
group, direction, unit, scope and scheme; number formats for money, rates and counts.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Literal

import xlsxwriter

from kpi_reports import enums
from kpi_reports.files import atomic_path
from kpi_reports.workbook import schema

Format = Literal["text", "money", "rate", "count", "percent", "number"]
HEADER_ROW = 2
LAST_ROW = 5000


@dataclass
class SheetData:
    columns: list[str]
    """Canonical keys of the sheet's named columns, then KPI ids or metric names as they should read."""
    rows: list[list] = field(default_factory=list)
    formats: dict[str, Format] = field(default_factory=dict)


@dataclass
class WorkbookData:
    sheets: dict[str, SheetData]
    """By canonical sheet key: Employees, KPIs, Schemes, Plans, TeamPlans, Facts, Settings."""


_COLUMN_FORMATS: dict[str, Format] = {
    "salary": "money", "bonus_target": "money", "commission_rate": "rate", "margin_rate": "rate",
    "weight": "rate", "cutoff": "rate", "cap": "rate", "accelerator": "number",
}
_NUM_FORMATS = {"money": "#,##0.00", "rate": "0.0%", "count": "#,##0", "percent": "0.0%", "number": "0.00",
                "text": "@"}
_LISTS = {s.key for s in schema.LISTS}
_ENUM_COLUMNS = {("KPIs", "group"): "group", ("KPIs", "direction"): "direction", ("KPIs", "unit"): "unit",
                 ("Schemes", "scope"): "scope", ("Employees", "mode"): "mode"}

EXPLAIN = {
    "en": {
        "Employees": "One row per person. bonus_target is the bonus paid at 100% on every KPI; "
                     "commission_rate and margin_rate are shares (2% or 0.02). manages: for a head, the teams "
                     "(or *) whose totals their team KPIs use. Optional from / until (months): a row per change of terms, "
                     "the last month worked; mode live | test for a pilot group.",
        "KPIs": "One row per KPI. group: activity | efficiency | result. formula over Facts columns, e.g. "
                "meetings / calls; empty = the Facts column of the same name. direction lower for days and costs.",
        "Schemes": "A row per scheme and KPI. Weights of a scheme add up to 100%. Below the cutoff (80%) nothing is "
                   "paid; above 100% completion × accelerator (1.2), limited by cap. scope team = team totals. "
                   "Optional from (a month): a new version of the scheme from that month.",
        "Plans": "A row per month and person, a column per KPI id. An empty cell: the KPI does not apply that month.",
        "TeamPlans": "Optional: a row per month and team, a column per KPI id, for team-scope KPIs.",
        "Facts": "A row per month and person, a column per raw metric from CRM, telephony and accounting. "
                 "A filled column named after a KPI overrides its formula. Optional worked_days: a short month's salary "
                 "is prorated by the month's working days.",
        "Settings": "key / value. language: ru or en; commission_kpi: the KPI commission is paid on (revenue).",
        "Deals": "Optional: the CRM's deal export, pasted in as it is. A deal of a paid stage (Settings paid_stages) is "
                 "credited to its person and the month it was paid (or closed): deals, revenue, margin.",
        "Calls": "Optional: the telephony log, pasted in as it is. A call of at least Settings min_call_seconds "
                 "(and answered, with a status column) counts in calls.",
        "Activities": "Optional: the CRM's meetings, proposals and other events: each counts in the Facts metric "
                      "its type names.",
    },
    "ru": {
        "Employees": "Строка на сотрудника. Премия — выплата при 100% по всем показателям; процент с продаж и "
                     "маржинальность — доли (2% или 0,02). Руководит: для руководителя — команды (или *), "
                     "по итогам которых считаются его командные показатели. Необязательно: с / по (месяцы) — строка на "
                     "каждое изменение условий и последний месяц работы; режим боевой | тест — для пилотной группы.",
        "KPIs": "Строка на показатель. Группа: активность | эффективность | результат. Формула по столбцам "
                "листа Факты, например встречи / звонки; пусто — столбец Фактов с тем же кодом. "
                "Направление «меньше» — для дней и затрат.",
        "Schemes": "Строка на схему и показатель. Веса схемы в сумме 100%. Ниже порога (80%) — 0; выше 100% — "
                   "выполнение × коэффициент (1,2), не выше максимума. Уровень «команда» — по итогам команды. "
                   "Необязательно: с (месяц) — новая версия схемы с этого месяца.",
        "Plans": "Строка на месяц и сотрудника, столбец на код показателя. Пустая ячейка — показатель "
                 "в этом месяце не применяется.",
        "TeamPlans": "Необязательно: строка на месяц и команду, столбец на код показателя — для командных KPI.",
        "Facts": "Строка на месяц и сотрудника, столбец на метрику из CRM, телефонии и учёта. "
                 "Заполненный столбец с кодом показателя заменяет его формулу. Необязательно: отработано_дней — "
                 "оклад неполного месяца пропорционально рабочим дням.",
        "Settings": "Ключ / значение. Язык: ru или en; показатель_комиссии — на чём считается процент (выручка).",
        "Deals": "Необязательно: выгрузка сделок из CRM как есть. Сделка на этапе оплаты (Настройки этапы_оплаты) "
                 "засчитывается сотруднику в месяц оплаты (или закрытия): сделки, выручка, маржа.",
        "Calls": "Необязательно: журнал звонков телефонии как есть. Звонок не короче мин_длительность_звонка "
                 "(и отвеченный, если есть столбец статуса) засчитывается в звонки.",
        "Activities": "Необязательно: встречи, КП и другие события CRM: каждое засчитывается в метрику Фактов, "
                      "названную его типом.",
    },
}


def write_workbook(path: str | os.PathLike, data: WorkbookData, lang: str = "en",
                   constant_memory: bool = False) -> None:
    """Write `data` as a standard workbook at `path`, atomically."""
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": constant_memory, "strings_to_formulas": False,
                                              "strings_to_numbers": False})
        formats = {k: book.add_format({"num_format": v}) for k, v in _NUM_FORMATS.items()}
        formats["month"] = book.add_format({"num_format": "yyyy-mm"})
        formats["day"] = book.add_format({"num_format": "dd.mm.yyyy"})
        formats["moment"] = book.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})
        formats["clock"] = book.add_format({"num_format": "h:mm:ss"})
        formats["title"] = book.add_format({"bold": True, "font_size": 14})
        formats["explain"] = book.add_format({"italic": True, "font_color": "#595959"})
        formats["header"] = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        schemes = _scheme_names(data)
        for spec in schema.SHEETS:
            if spec.key in data.sheets:
                _write_sheet(book, spec, data.sheets[spec.key], lang, formats, schemes)
        book.close()


def _scheme_names(data: WorkbookData) -> list[str]:
    sheet = data.sheets.get("Schemes")
    names = list(dict.fromkeys(row[0] for row in sheet.rows)) if sheet else []
    return names if sum(len(n) + 1 for n in names) < 255 else []  # Excel's limit for a literal list


def _write_sheet(book, spec: schema.Sheet, sheet: SheetData, lang: str, formats: dict, schemes: list[str]) -> None:
    ws = book.add_worksheet(spec.title(lang))
    ws.write_string(0, 0, spec.title(lang), formats["title"])
    ws.write_string(1, 0, EXPLAIN[lang][spec.key], formats["explain"])
    named = {c.key: c for c in spec.columns}
    for i, key in enumerate(sheet.columns):
        title = named[key].title(lang) if key in named else key
        ws.write_string(HEADER_ROW, i, title, formats["header"])
        ws.set_column(i, i, max(12, min(40, len(title) + 4)))
    ws.freeze_panes(HEADER_ROW + 1, 0)
    for r, row in enumerate(sheet.rows, HEADER_ROW + 1):
        for i, (key, value) in enumerate(zip(sheet.columns, row)):
            _write_cell(ws, r, i, spec.key, key, value, sheet, lang, formats)
    _drop_downs(ws, spec, sheet, lang, schemes)


def _write_cell(ws, r: int, c: int, sheet_key: str, key: str, value, sheet: SheetData, lang: str,
                formats: dict) -> None:
    if value is None or value == "":
        return
    enum = _ENUM_COLUMNS.get((sheet_key, key))
    if enum and lang == "ru":
        value = enums.ENUM_RU[enum].get(value, value)
    if isinstance(value, str):
        ws.write_string(r, c, value)
        return
    if isinstance(value, (dt.datetime, dt.time)):
        ws.write_datetime(r, c, value, formats["moment" if isinstance(value, dt.datetime) else "clock"])
        return
    if isinstance(value, dt.date):
        day = sheet_key in _LISTS
        ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), formats["day" if day else "month"])
        return
    kind = sheet.formats.get(key) or _COLUMN_FORMATS.get(key, "count")
    ws.write_number(r, c, float(value), formats[kind])


def _drop_downs(ws, spec: schema.Sheet, sheet: SheetData, lang: str, schemes: list[str]) -> None:
    """Lists for enum columns; the scheme names a drop-down too (a warning only: new schemes are fine)."""
    for i, key in enumerate(sheet.columns):
        enum = _ENUM_COLUMNS.get((spec.key, key))
        if enum:
            words = [enums.ENUM_RU[enum][v] if lang == "ru" else v for v in enums.ENUMS[enum]]
            ws.data_validation(HEADER_ROW + 1, i, LAST_ROW, i, {"validate": "list", "source": words})
        if spec.key == "Employees" and key == "scheme" and schemes:
            ws.data_validation(HEADER_ROW + 1, i, LAST_ROW, i, {"validate": "list", "source": schemes,
                                                                "error_type": "warning"})
        if spec.key == "Schemes" and key == "kpi":
            kpis = schema.KPIS.title(lang)
            ws.data_validation(HEADER_ROW + 1, i, LAST_ROW, i, {
                "validate": "list", "source": f"='{kpis}'!$A${HEADER_ROW + 2}:$A${LAST_ROW}",
                "error_type": "warning"})

