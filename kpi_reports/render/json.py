"""A period's results as JSON: every number a decimal string, money with exactly two decimals.

The field names are a contract: later versions add fields, never rename them.
"""
from __future__ import annotations

import json
from decimal import Decimal

from kpi_reports.model import EmployeeResult, KpiResult, PeriodResult, Totals


def number(value: Decimal | None) -> str | None:
    """Exact, without exponent or trailing zeros: 1.10 → "1.1", 3E+6 → "3000000"."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def result_dict(result: PeriodResult, lang: str = "en") -> dict:
    return {
        "period": result.period,
        "currency": result.currency,
        "employees": [_employee(e) for e in result.employees],
        "teams": [{"team": t.team, **_totals(t.totals)} for t in result.teams],
        "totals": _totals(result.totals),
        "warnings": [w.as_json(lang) for w in result.warnings],
    }


def dumps(result: PeriodResult, lang: str = "en") -> str:
    """Compact (one line): Python's fast encoder only works without indentation."""
    return json.dumps(result_dict(result, lang), ensure_ascii=False) + "\n"


def _totals(t: Totals) -> dict:
    return {"salary": money(t.salary), "bonus": money(t.bonus), "commission": money(t.commission),
            "total": money(t.total)}


def _employee(r: EmployeeResult) -> dict:
    e, c = r.employee, r.commission
    return {
        "employee_id": e.employee_id, "name": e.name, "team": e.team, "position": e.position, "scheme": e.scheme,
        "salary": money(r.salary), "bonus": money(r.bonus), "commission": money(c.amount), "total": money(r.total),
        "commission_detail": {"kpi": c.kpi, "rate": number(c.rate), "plan": number(c.plan), "fact": number(c.fact),
                              "base": number(c.base), "margin_share": number(c.margin_share),
                              "margin_source": c.margin_source},
        "kpis": [_kpi(k) for k in r.kpis],
    }


def _kpi(k: KpiResult) -> dict:
    return {
        "kpi": k.kpi, "title": k.title, "group": k.group, "scope": k.scope, "unit": k.unit,
        "direction": k.direction, "weight": number(k.weight), "cutoff": number(k.cutoff),
        "accelerator": number(k.accelerator), "cap": number(k.cap), "plan": number(k.plan),
        "fact": number(k.fact), "completion": number(k.completion), "factor": number(k.factor),
        "payout": money(k.payout), "status": k.status,
    }
