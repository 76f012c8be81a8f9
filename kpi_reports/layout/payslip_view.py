"""What a payslip says, decided once: the labels, the rule texts, the weak spots and every figure — as the
engine's Decimal and as the reader's text. The payslip sheet (layout/payslips.py) and the printable page
(render/printed/pdf.py, render/printed/html.py) both draw from it, so they cannot disagree on a figure or a word."""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel.numbers import format_currency, format_decimal

from kpi_reports import enums, explain, i18n
from kpi_reports.engine.report import PeriodReport
from kpi_reports.messages import text
from kpi_reports.model import EmployeeResult, KpiResult

LABEL_KEYS = ("employee", "position", "team", "bonus_target", "kpi", "group", "plan", "fact", "completion",
              "weight", "rule", "payout", "margin_share", "rate", "base", "commission", "salary", "kpi_bonus",
              "total", "weak_spots", "signature_employee", "signature_head", "signature_accountant", "period")


@dataclass(frozen=True)
class Figure:
    """A number as the engine computed it and, as `text`, as the reader sees it ("" for none): money in the
    currency, a share as a percentage with `places` decimals, or a plain number. The text is made when it is
    first read: the Payslips sheet shows the value in a number format and never asks for it."""

    value: Decimal | None
    kind: Literal["money", "share", "number"] = "number"
    lang: str = "en"
    currency: str = "RUB"
    places: int = 1

    @functools.cached_property
    def text(self) -> str:
        if self.value is None:
            return ""
        if self.kind == "money":
            return money_text(self.value, self.lang, self.currency)
        if self.kind == "share":
            return i18n.percent(self.value, self.lang, places=self.places)
        return i18n.number(self.value, self.lang)


@dataclass(frozen=True)
class KpiLine:
    kpi: str
    title: str
    """With "(team)" for a team-scope KPI, as the sheet shows it."""
    group: str
    unit: str
    plan: Figure
    fact: Figure
    completion: Figure
    weight: Figure
    rule: str
    payout: Figure


@dataclass(frozen=True)
class CommissionView:
    heading: str
    kpi: str
    plan: Figure
    fact: Figure
    base: Figure
    margin_share: Figure
    rate: Figure
    amount: Figure


@dataclass(frozen=True)
class PayLine:
    key: str
    label: str
    amount: Figure


@dataclass(frozen=True)
class PayslipView:
    lang: str
    company: str
    period: str
    title: str
    employee_id: str
    name: str
    position: str
    team: str
    bonus_target: Figure
    kpis: tuple[KpiLine, ...]
    commission: CommissionView
    pay: tuple[PayLine, ...]
    """Salary, KPI bonus, commission, total."""
    weak_spots: tuple[str, ...]
    banner: str
    """The test-mode banner, or ""."""
    labels: dict[str, str]

    def data(self) -> dict:
        """Plain JSON-able data for a template: every field by name, every Decimal as its exact text."""
        return _plain(self)


def payslip_views(report: PeriodReport, lang: str, company: str = "") -> list[PayslipView]:
    """Every person's payslip, ordered by team then name (then id): the order of the printed document."""
    people = sorted(report.result.employees,
                    key=lambda r: (r.employee.team.casefold(), r.employee.name.casefold(), r.employee.employee_id))
    return [payslip_view(r, report, lang, company) for r in people]


def payslip_view(r: EmployeeResult, report: PeriodReport, lang: str, company: str = "") -> PayslipView:
    e, period, currency = r.employee, report.result.period, report.result.currency
    c = r.commission
    money = functools.partial(_money, lang=lang, currency=currency)
    return PayslipView(
        lang=lang, company=company, period=period, title=title(company, period, lang),
        employee_id=e.employee_id, name=e.name, position=e.position, team=e.team,
        bonus_target=money(e.bonus_target),
        kpis=tuple(kpi_line(k, lang, currency) for k in r.kpis),
        commission=CommissionView(
            heading=text("commission_on", lang, kpi=c.kpi), kpi=c.kpi, plan=money(c.plan), fact=money(c.fact),
            base=money(c.base), margin_share=_share(c.margin_share, lang), rate=_share(c.rate, lang, 2),
            amount=money(c.amount)),
        pay=tuple(PayLine(key, text(key, lang), money(value)) for key, value in
                  (("salary", r.salary), ("kpi_bonus", r.bonus), ("commission", c.amount), ("total", r.total))),
        weak_spots=tuple(explain.main(report.weak_spots.get(e.employee_id), lang, explain.TOP)),
        banner=text("test_banner", lang) if report.test_mode else "",
        labels=labels(lang),
    )


def title(company: str, period: str, lang: str) -> str:
    return text("payslip_title", lang, company=company, period=period) if company else \
        text("payslip_title_plain", lang, period=period)


@functools.cache
def labels(lang: str) -> dict[str, str]:
    return {key: text(key, lang) for key in LABEL_KEYS}


def kpi_title(k: KpiResult, lang: str) -> str:
    return text("team_scope", lang, title=k.title) if k.scope == "team" else k.title


def group(name: str, lang: str) -> str:
    return enums.label("group", name, lang)


def kpi_line(k: KpiResult, lang: str, currency: str = "RUB") -> KpiLine:
    return KpiLine(kpi=k.kpi, title=kpi_title(k, lang), group=group(k.group, lang), unit=k.unit,
                   plan=_measure(k.plan, k.unit, lang, currency), fact=_measure(k.fact, k.unit, lang, currency),
                   completion=_share(k.completion, lang), weight=_share(k.weight, lang, 0), rule=rule_text(k, lang),
                   payout=_money(k.payout, lang, currency))


def rule_text(k: KpiResult, lang: str) -> str:
    """What the rule applied says for the engine's figures (what the sheet's rule formula shows)."""
    if k.completion is None:
        return text("rule_no_plan" if k.plan is None else "rule_no_fact", lang)
    c = pct(k.completion)
    if k.completion < k.cutoff:
        return text("rule_below", lang, c=c, cutoff=pct(k.cutoff))
    if k.completion <= 1:
        return text("rule_proportional", lang, c=c)
    if k.cap is not None and k.completion > k.cap:
        return text("rule_capped", lang, cap=pct(k.cap), accelerator=plain(k.accelerator, lang))
    return text("rule_accelerated", lang, c=c, accelerator=plain(k.accelerator, lang))


def pct(value: Decimal) -> str:
    """As TEXT(x, "0%") shows it: 110%, 95%."""
    return f"{(value * 100).quantize(Decimal(1), ROUND_HALF_UP)}%"


def num(value: Decimal) -> str:
    """A constant in a formula: plain decimal text (formulas always use the point)."""
    return format(value.normalize(), "f")


def plain(value: Decimal, lang: str) -> str:
    shown = num(value)
    return shown.replace(".", ",") if lang == "ru" else shown


def money_text(value: Decimal, lang: str, currency: str = "RUB") -> str:
    """119800 → `119 800,00 ₽` (ru) or `RUB119,800.00` (en), as Babel formats the currency, to kopecks.

    Babel's pattern for the locale and currency is read once (what comes before and after the digits);
    the digits are `i18n.amount`'s, with the same separators: a tenth of the time of `format_currency`,
    which a payslip asks for some twenty times."""
    value = value.quantize(i18n.CENT, ROUND_HALF_UP)
    affixes = _affixes(i18n.LOCALES[lang], currency)
    if affixes is None:
        return format_currency(value, currency, locale=i18n.LOCALES[lang]).replace("-", "−")
    before, after = affixes
    return ("−" if value < 0 else "") + before + i18n.amount(abs(value), lang) + after


@functools.cache
def _affixes(locale: str, currency: str) -> tuple[str, str] | None:
    """What Babel writes before and after an amount's digits: ("RUB", "") in en_US, ("", "\u00a0₽") in ru_RU;
    None for a currency it shows otherwise (without two decimals, say), which Babel then formats itself."""
    shown = format_currency(Decimal("1.00"), currency, locale=locale)
    digits = format_decimal(Decimal("1.00"), format="0.00", locale=locale)
    before, found, after = shown.partition(digits)
    negative = format_currency(Decimal("-1.00"), currency, locale=locale)
    return (before, after) if found and negative == "-" + shown else None


def _money(value: Decimal | None, lang: str, currency: str) -> Figure:
    return Figure(value, "money", lang, currency)


def _share(value: Decimal | None, lang: str, places: int = 1) -> Figure:
    return Figure(value, "share", lang, places=places)


def _measure(value: Decimal | None, unit: str, lang: str, currency: str) -> Figure:
    if unit == "money":
        return _money(value, lang, currency)
    if unit == "percent":
        return _share(value, lang, 2)
    return Figure(value, "number", lang)


def _plain(value):
    """dataclasses.asdict, without its deep copies (a fifth of the time), and Decimals as text."""
    if isinstance(value, Figure):
        return {"value": None if value.value is None else format(value.value, "f"), "text": value.text}
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (str, int, type(None))):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return {f: _plain(getattr(value, f)) for f in _names(type(value))}


@functools.cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
