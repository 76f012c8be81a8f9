"""A period's results and a quarter's review as JSON: every number a decimal string, money with exactly two
decimals.

The field names are a contract: later versions add fields, never rename them.
"""
from __future__ import annotations

import functools
import json
from decimal import Decimal

from kpi_reports import explain
from kpi_reports.credits import Credited
from kpi_reports.engine.forecast import Forecast
from kpi_reports.engine.pay import EXACT
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import DroppedKpi, Flag, KpiReview, QuarterReview, SchemeReview, WeightChange
from kpi_reports.engine.weak import Stage, StageCount, WeakSpots
from kpi_reports.layout import corrections as corrected
from kpi_reports.model import Correction, EmployeeResult, GroupKpi, KpiResult, PeriodResult, Totals


def number(value: Decimal | None) -> str | None:
    """Exact, without exponent or trailing zeros: 1.10 → "1.1", 3E+6 → "3000000"."""
    return None if value is None else _number(value)


@functools.lru_cache(maxsize=65536)
def _number(value: Decimal) -> str:
    """Cached: weights, cut-offs, plans and rates repeat across thousands of people."""
    text = format(value.normalize(EXACT), "f")  # normalize() rounds to its context: keep all 40 digits
    return "0" if text in ("-0", "0") else text


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def result_dict(result: PeriodResult, lang: str = "en") -> dict:
    """The pay of a period: what `compute` gives."""
    return {
        "period": result.period,
        "currency": result.currency,
        "employees": [_employee(e, lang) for e in result.employees],
        "teams": [{"team": t.team, **_totals(t.totals), **_paid(t.live, t.test), "kpis": [_group_kpi(k) for k in t.kpis]}
                  for t in result.teams],
        "totals": {**_totals(result.totals), **_paid(result.live, result.test)},
        "company": {**_totals(result.totals), **_paid(result.live, result.test),
                    "kpis": [_group_kpi(k) for k in result.company]},
        "warnings": [w.as_json(lang) for w in result.warnings],
    }


def report_dict(report: PeriodReport, lang: str = "en") -> dict:
    """Everything `run` shows: pay, weak spots, the department view, the forecast, the mode."""
    data = result_dict(report.result, lang)
    f = report.forecast
    data.update({
        "mode": "test" if report.test_mode else "live",
        "as_of": f.as_of.isoformat() if f else None,
        "working_days": {"month": f.working_days, "elapsed": f.elapsed} if f else None,
        "warnings": [w.as_json(lang) for w in report.warnings],
    })
    for person in data["employees"]:
        _analysis(person, report.weak_spots[person["employee_id"]], f, lang)
        if report.credited is not None:
            person["credited"] = _credited(report.credited, report.result.period, person["employee_id"])
    for team in data["teams"]:
        team["weakest_stage"] = _stage_count(report.team_stages.get(team["team"]))
    data["company"]["weakest_stage"] = _stage_count(report.company_stage)
    return data


def dumps(report: PeriodReport | PeriodResult, lang: str = "en") -> str:
    """Compact (one line): Python's fast encoder only works without indentation."""
    data = report_dict(report, lang) if isinstance(report, PeriodReport) else result_dict(report, lang)
    return json.dumps(data, ensure_ascii=False) + "\n"


def _credited(c: Credited, period: str, employee_id: str) -> dict:
    """What the lists credited the person in the month: the deals (their ids, or rows), the calls counted,
    every metric's count or sum, and those a Facts cell typed by hand replaced."""
    got = c.values.get((period, employee_id), {})
    calls = next(iter(c.metrics.get("Calls", ())), None)
    return {"deals": c.deals.get((period, employee_id), []), "calls": int(got[calls]) if calls in got else None,
            "metrics": {m: number(v) for m, v in got.items()},
            "typed": sorted(m for m in got if (period, employee_id, m) in c.typed)}


def _totals(t: Totals) -> dict:
    return {"salary": money(t.salary), "bonus": money(t.bonus), "commission": money(t.commission),
            "corrections": money(t.corrections), "total": money(t.total)}


def _paid(live: Totals, test: Totals) -> dict:
    """What is to be paid (the live people's) and what is computed in test mode, not paid: with everyone's
    totals, live + test."""
    return {"live": _totals(live), "test": _totals(test)}


def _employee(r: EmployeeResult, lang: str = "en") -> dict:
    e, c, p = r.employee, r.commission, r.proration
    return {
        "employee_id": e.employee_id, "name": e.name, "team": e.team, "position": e.position, "scheme": e.scheme,
        "mode": "test" if r.test_mode else "live",
        "salary": money(r.salary), "bonus": money(r.bonus), "commission": money(c.amount), "total": money(r.total),
        "full_salary": money(p.salary if p else r.salary), "worked_days": number(p.worked_days) if p else None,
        "working_days": p.working_days if p else None, "bonus_target": money(r.bonus_target),
        "commission_detail": {"kpi": c.kpi, "rate": number(c.rate), "plan": number(c.plan), "fact": number(c.fact),
                              "base": number(c.base), "margin_share": number(c.margin_share),
                              "margin_source": c.margin_source},
        "kpis": [_kpi(k) for k in r.kpis],
        "corrections": [correction_dict(c, lang) for c in r.corrections],
    }


def correction_dict(c: Correction, lang: str) -> dict:
    """A closed month recomputed: `amount` recomputed − paid, `paid` what this month pays for it (the amount,
    or 0.00 for an overpayment not withheld), its reasons in `lang` and the inputs that changed (`sheet` the
    standard sheet's key, `cell` where the value is now or None, `old`/`new` as plain text)."""
    return {"period": c.period, "amount": money(c.amount), "paid": money(c.paid),
            "reasons": corrected.reasons(c, lang),
            "changes": [{"sheet": x.sheet, "cell": x.cell.ref if x.cell else None, "column": x.column,
                         "old": x.old, "new": x.new} for x in c.changes]}


def _kpi(k: KpiResult) -> dict:
    return {
        "kpi": k.kpi, "title": k.title, "group": k.group, "scope": k.scope, "unit": k.unit,
        "direction": k.direction, "weight": number(k.weight), "cutoff": number(k.cutoff),
        "accelerator": number(k.accelerator), "cap": number(k.cap), "plan": number(k.plan),
        "fact": number(k.fact), "completion": number(k.completion), "factor": number(k.factor),
        "payout": money(k.payout), "rule": k.rule,
    }


def _group_kpi(k: GroupKpi) -> dict:
    return {"kpi": k.kpi, "title": k.title, "unit": k.unit, "plan": number(k.plan), "fact": number(k.fact),
            "completion": number(k.completion), "share_on_plan": number(k.share_on_plan), "people": k.people}


def _analysis(person: dict, spots: WeakSpots, forecast: Forecast | None, lang: str) -> None:
    """Adds weak spots and funnel to a person's entry; with a forecast, its fields per KPI and in total."""
    weakest = spots.weakest
    mine = forecast.people.get(person["employee_id"]) if forecast else None
    pace = {k.kpi: k for k in mine.kpis} if mine else {}
    stages = sorted((s for s in spots.stages if s.weak), key=lambda s: s.gap, reverse=True)
    person["weak_spots"] = (
        [{"kind": "kpi", "kpi": s.kpi.kpi, "completion": number(s.kpi.completion), "shortfall": number(s.shortfall),
          "at_stake": money(s.at_stake), "below_cutoff": s.below_cutoff,
          "text": explain.shortfall(s, lang, pace.get(s.kpi.kpi))} for s in spots.shortfalls]
        + [{"kind": "stage", **_stage(s), "weakest": s is weakest, "text": explain.stage(s, lang)} for s in stages]
        + [{"kind": "trend", "kpi": t.kpi.kpi, "periods": list(t.periods),
            "completions": [number(c) for c in t.completions], "text": explain.trend(t, lang)} for t in spots.trends])
    person["funnel"] = [_stage(s) for s in spots.stages]
    mine = forecast.people.get(person["employee_id"]) if forecast else None
    person["forecast_bonus"] = money(mine.bonus) if mine else None
    person["forecast_total"] = money(mine.total) if mine else None
    by_kpi = {k.kpi: k for k in mine.kpis} if mine else {}
    for k in person["kpis"]:
        f = by_kpi.get(k["kpi"])
        k["forecast"] = number(f.forecast) if f else None
        k["forecast_completion"] = number(f.completion) if f else None
        k["status"] = f.status if f else None


def _stage(s: Stage) -> dict:
    return {"from": s.source_label, "to": s.target_label, "conversion": number(s.conversion),
            "team_median": number(s.team_median), "company_median": number(s.company_median),
            "gap": number(s.gap), "weak": s.weak}


def _stage_count(c: StageCount | None) -> dict | None:
    return None if c is None else {"from": c.stage.source_label, "to": c.stage.target_label, "people": c.people}


# --- the quarterly review ------------------------------------------------------------------------------

def review_dict(review: QuarterReview, lang: str = "en") -> dict:
    """What `review` shows: per scheme and KPI the quarter's figures, the flags (each with its figures and a
    message in `lang`), the weights now and suggested, and the bonus fund at both, per person and in total."""
    t = review.thresholds
    return {
        "quarter": review.quarter,
        "months": list(review.months),
        "previous_months": list(review.previous_months),
        "currency": review.currency,
        "mode": "test" if review.test_mode else "live",
        "thresholds": {"too_easy": number(t.too_easy), "out_of_reach": number(t.out_of_reach),
                       "over_paying": number(t.over_paying), "min_points": t.min_points},
        "schemes": [_scheme_review(s, review.months, lang) for s in review.schemes],
        "people": [{"employee_id": p.employee_id, "name": p.name, "team": p.team, "scheme": p.scheme,
                    "fund": _fund(p.fund.current, p.fund.suggested)} for p in review.people],
        "fund": _fund(review.fund.current, review.fund.suggested),
        "warnings": [w.as_json(lang) for w in review.warnings],
    }


def review_dumps(review: QuarterReview, lang: str = "en") -> str:
    return json.dumps(review_dict(review, lang), ensure_ascii=False) + "\n"


def _scheme_review(s: SchemeReview, months: tuple[str, ...], lang: str) -> dict:
    data = {
        "scheme": s.scheme, "people": s.people, "person_months": s.person_months,
        "kpis": [_kpi_review(k, s, months, lang) for k in s.kpis],
        "flags": [_flag(f, explain.review_flag(f, lang, scheme=s)) for f in s.flags],
        "moves": [{"donor": m.donor, "receiver": m.receiver} for m in s.moves],
        "fund": _fund(s.fund.current, s.fund.suggested),
    }
    data["dropped"] = [_dropped(d, s, lang) for d in s.dropped]
    return data


def _weight_change(title: str, c: WeightChange, lang: str) -> dict:
    return {"from": c.since, "before": number(c.before), "after": number(c.after),
            "mean_before": number(c.mean_before), "mean_after": number(c.mean_after),
            "person_months_before": c.person_months_before, "person_months_after": c.person_months_after,
            "message": explain.weight_change(title, c, lang)}


def _dropped(d: DroppedKpi, s: SchemeReview, lang: str) -> dict:
    paid = sum((line.current.get(d.kpi, Decimal(0)) for line in s.lines), Decimal("0.00"))
    return {"kpi": d.kpi, "title": d.title, "group": d.group, "scope": d.scope,
            "weight_change": _weight_change(d.title, d.weight_change, lang), "fund": _fund(paid, paid)}


def _kpi_review(k: KpiReview, s: SchemeReview, months: tuple[str, ...], lang: str) -> dict:
    current = sum((line.current.get(k.kpi, Decimal(0)) for line in s.lines), Decimal("0.00"))
    suggested = sum((line.suggested.get(k.kpi, Decimal(0)) for line in s.lines), Decimal("0.00"))
    data = {
        "kpi": k.kpi, "title": k.title, "group": k.group, "scope": k.scope,
        "current_weight": number(k.weight), "suggested_weight": number(k.suggested_weight),
        "cutoff": number(k.cutoff), "person_months": k.person_months,
        "mean": number(k.mean), "median": number(k.median), "on_plan": number(k.on_plan),
        "below_cutoff": number(k.below_cutoff), "paid_share": number(k.paid_share),
        "months": [{"period": p, "mean": number(m)} for p, m in zip(months, k.months)],
        "previous": number(k.previous), "change": number(k.change),
        "correlation": number(k.correlation), "correlation_points": k.correlation_points,
        "inflates": k.inflates,
        "flags": [_flag(f, explain.review_flag(f, lang, kpi=k, scheme=s)) for f in k.flags],
        "fund": _fund(current, suggested),
        "weight_change": _weight_change(k.title, k.weight_change, lang) if k.weight_change else None,
    }
    return data


def _flag(flag: Flag, message: str) -> dict:
    figures = {key: number(value) if isinstance(value, Decimal) else value for key, value in flag.figures.items()}
    return {"code": flag.code, "message": message, **figures}


def _fund(current: Decimal, suggested: Decimal) -> dict:
    return {"current": money(current), "suggested": money(suggested), "difference": money(suggested - current)}
