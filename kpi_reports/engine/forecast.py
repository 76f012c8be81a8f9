"""Where the month will end at the current pace.

With facts to date on an as-of day, an additive KPI (counts, money) is forecast as
fact × working days in the month ÷ working days elapsed (up to and including the as-of day); a ratio,
a percentage or a number of days keeps its current value. The forecast bonus is what the person earns
if the pace holds: the same computation, on the forecast facts.

Status, from the forecast completion: ahead at 105% or more, on track from 95% to 105%, behind below 95%.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from kpi_reports.engine import pay
from kpi_reports.engine.calendar import WorkCalendar
from kpi_reports.engine.compute import compute
from kpi_reports.model import KpiResult, PeriodResult, Record, Workbook

AHEAD, ON_TRACK = Decimal("1.05"), Decimal("0.95")
Status = Literal["ahead", "on_track", "behind", "no_plan", "no_fact"]


@dataclass(frozen=True)
class KpiForecast:
    kpi: str
    forecast: Decimal | None
    completion: Decimal | None
    status: Status


@dataclass(frozen=True)
class PersonForecast:
    kpis: list[KpiForecast]
    bonus: Decimal
    total: Decimal


@dataclass(frozen=True)
class Forecast:
    as_of: dt.date
    working_days: int
    elapsed: int
    people: dict[str, PersonForecast]
    result: PeriodResult
    """The whole computation on the forecast facts."""


def forecast(wb: Workbook, period: str, as_of: dt.date, test_mode: bool | None = None) -> Forecast:
    wb = wb.in_force(period)
    settings = wb.settings
    cal = WorkCalendar(settings.calendar, settings.holidays, settings.workdays)
    year, month = int(period[:4]), int(period[5:])
    total, elapsed = cal.working_days(year, month), cal.working_days(year, month, until=as_of)
    scale = pay.ratio(Decimal(total), Decimal(elapsed)) if elapsed else Decimal(1)
    levels = {k.key for k in wb.kpis.values() if not k.cumulative} | {"worked_days"}  # the month's, as typed
    facts = {key: _scaled(row, scale, levels) if key[0] == period else row for key, row in wb.facts.items()}
    result = compute(replace(wb, facts=facts), period, test_mode=test_mode)
    people = {r.employee.employee_id: PersonForecast([_kpi(k) for k in r.kpis], r.bonus, r.total)
              for r in result.employees}
    return Forecast(as_of, total, elapsed, people, result)


def _scaled(row: Record, scale: Decimal, levels: set[str]) -> Record:
    values = {k: v if v is None or k in levels else pay.product(v, scale) for k, v in row.values.items()}
    return replace(row, values=values)


def _kpi(k: KpiResult) -> KpiForecast:
    if k.completion is None:
        return KpiForecast(k.kpi, k.fact, None, "no_plan" if k.rule == "no_plan" else "no_fact")
    status = "ahead" if k.completion >= AHEAD else "on_track" if k.completion >= ON_TRACK else "behind"
    return KpiForecast(k.kpi, k.fact, k.completion, status)
