"""What a payslip says, decided once: the labels, the rule texts, the weak spots, the commission's columns in
their order and every figure — as the engine's Decimal, as the sheet's number format and as the reader's text
in that format's digits. The payslip sheet (layout/payslips.py) and the printable page (render/printed/pdf.py,
render/printed/html.py) all draw from it, so they cannot disagree on a figure, its digits or a word."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel.numbers import format_currency, format_decimal

from kpi_reports import enums, explain, i18n
from kpi_reports.engine.report import PeriodReport
from kpi_reports.layout import corrections
from kpi_reports.layout.model import STYLES
from kpi_reports.messages import text
from kpi_reports.model import EmployeeResult, KpiResult

LABEL_KEYS = ("employee", "position", "team", "bonus_target", "kpi", "group", "plan", "fact", "completion",
              "weight", "rule", "payout", "margin_share", "rate", "base", "commission", "salary", "kpi_bonus",
              "total", "weak_spots", "signature_employee", "signature_head", "signature_accountant", "period")
COMMISSION_COLUMNS = ("plan", "fact", "base", "margin_share", "rate", "commission")
"""The commission table's columns, each a label key, in the order the figure is made: the base is fact − plan
(nothing below plan), times the margin share is the margin earned above plan, times the rate is the commission."""
PRORATION_COLUMNS = ("full_salary", "worked_days", "working_days", "full_bonus_target")
"""A short month's columns, each a `shown_` label key, in the order the line reads: the full salary × the days
worked ÷ the working days; the full bonus target last, only when it is prorated too."""
SHARE_STYLES = ("percent_0", "percent", "percent_2", "percent_3", "percent_4")
"""The sheet's style of a percentage shown with 0 to 4 decimals."""
COMPLETION_PLACES = MARGIN_SHARE_PLACES = 1
"""A computed share (a completion, a margin share) shows one decimal: 95.2%, 30.0%."""
MOST_PLACES = 2
"""A share that was typed in (a weight, a rate) shows the fewest decimals, up to these, that show it exactly;
a KPI measured in per cent (a conversion of 2.25%) shows at least these, and as many more (up to 4) as its
plan and fact need for the completion shown to follow from them: 2.000% and 1.936% for 96.8%, not 2.00% and
1.94% (97.0%)."""


@dataclass(frozen=True)
class Figure:
    """A number as the engine computed it and, as `text`, as the reader sees it ("" for none). `style` is the
    Payslips sheet's style of its cell (a STYLES entry), whose number format decides its digits on the sheet
    and, through `text`, on paper: money to kopecks (on paper with the currency), a percentage with the
    style's decimals, a plain number. The text is made when it is first read: the sheet never asks for it."""

    value: Decimal | None
    style: Literal["money", "percent_0", "percent", "percent_2", "percent_3", "percent_4", "number"] = "number"
    lang: str = "en"
    currency: str = "RUB"

    @functools.cached_property
    def text(self) -> str:
        if self.value is None:
            return ""
        if self.style == "money":
            return money_text(self.value, self.lang, self.currency)
        return i18n.formatted(self.value, STYLES[self.style]["num_format"], self.lang)


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
class Column:
    """One column of a payslip's table: its label key, its label in the language and its figure."""

    key: str
    label: str
    figure: Figure


@dataclass(frozen=True)
class CommissionView:
    heading: str
    kpi: str
    columns: tuple[Column, ...]
    """In COMMISSION_COLUMNS' order: what the sheet, the PDF and the HTML show, in that order."""

    def figure(self, key: str) -> Figure:
        return next(c.figure for c in self.columns if c.key == key)


@dataclass(frozen=True)
class ProrationView:
    """A short month: the full salary × days worked ÷ working days of the month (with Settings prorate_bonus
    the bonus target too), as the columns the sheet's formulas read, in PRORATION_COLUMNS' order, and as the
    line the page shows beside the salary ("60,000.00 × 15 / 22 working days")."""

    heading: str
    columns: tuple[Column, ...]
    salary_note: str
    bonus_target_note: str
    """The bonus target's line, or "" when the bonus target is the full one."""

    def figure(self, key: str) -> Figure:
        return next(c.figure for c in self.columns if c.key == key)


@dataclass(frozen=True)
class PayLine:
    key: str
    label: str
    amount: Figure
    note: str = ""
    """How the amount is made, when the page says so beside it: a prorated salary's "60,000.00 × 15 / 22
    working days"; a correction's reasons ("revenue fact 3,300,000 → 3,350,000")."""
    period: str = ""
    """A correction's closed month (key "correction"); "" for the month's own lines."""


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
    """Salary, KPI bonus, commission, a line per correction of a closed month (key "correction": what this
    month pays for it, its reasons as the note), total (the corrections paid included)."""
    weak_spots: tuple[str, ...]
    banner: str
    """The test-mode banner, or ""."""
    banner_colour: str
    """The banner's colour: the sheet's (STYLES["banner"]), so paper and sheet warn in the same red."""
    labels: dict[str, str]
    proration: ProrationView | None = None
    """A short month's proration; None: a full month."""
    commission_shown: bool = True
    """The commission block is printed: not for a person paid no commission (no rate), whose line stays."""

    @property
    def bonus_target_note(self) -> str:
        """How a prorated bonus target is made ("45,000.00 × 15 / 22 working days"), or "": the proration's."""
        return self.proration.bonus_target_note if self.proration else ""

    def data(self) -> dict:
        """Plain JSON-able data for a template: every field by name, every Decimal as its exact text, and
        `bonus_target_note` (the templates print it beside the bonus target). The commission's figures are
        there by name as well (`commission.plan.text`, `commission.amount.text`), as templates written before
        its columns came in order name them so."""
        found = _plain(self)
        found["bonus_target_note"] = self.bonus_target_note
        commission = found["commission"]
        for column in commission["columns"]:
            commission["amount" if column["key"] == "commission" else column["key"]] = column["figure"]
        return found


def payslip_views(report: PeriodReport, lang: str, company: str = "") -> list[PayslipView]:
    """Every person's payslip in the summary's order (`PeriodResult.by_team`): the printed document's."""
    return [payslip_view(r, report, lang, company) for _, people in report.result.by_team for r in people]


def payslip_view(r: EmployeeResult, report: PeriodReport, lang: str, company: str = "") -> PayslipView:
    e, period, currency = r.employee, report.result.period, report.result.currency
    money = functools.partial(_money, lang=lang, currency=currency)
    weights = exact_places(k.weight for k in r.kpis)
    proration = proration_view(r, lang, currency)
    salary_note = proration.salary_note if proration else ""
    return PayslipView(
        lang=lang, company=company, period=period, title=title(company, period, lang),
        employee_id=e.employee_id, name=e.name, position=e.position, team=e.team,
        bonus_target=money(r.bonus_target),
        kpis=tuple(kpi_line(k, lang, currency, weights) for k in r.kpis),
        commission=commission_view(r, lang, currency),
        commission_shown=r.commission.rate != 0 or r.commission.amount != 0,
        pay=pay_lines(r, lang, currency, salary_note),
        weak_spots=tuple(explain.person(report, e.employee_id, lang)),
        banner=text("test_banner", lang) if r.test_mode else "",
        banner_colour=STYLES["banner"]["font_color"],
        labels=labels(lang),
        proration=proration,
    )


def pay_lines(r: EmployeeResult, lang: str, currency: str, salary_note: str = "") -> tuple[PayLine, ...]:
    """The month's own pay, then each correction (its amount what this month pays: 0.00 for an overpayment
    not deducted, which its note says), then the total."""
    own = [PayLine(key, text(key, lang), _money(value, lang, currency), salary_note if key == "salary" else "")
           for key, value in (("salary", r.salary), ("kpi_bonus", r.bonus), ("commission", r.commission.amount))]
    fixes = [PayLine("correction", corrections.label(c, lang), _money(c.paid, lang, currency),
                     corrections.note(c, lang), c.period) for c in r.corrections]
    return (*own, *fixes, PayLine("total", text("total", lang), _money(r.total, lang, currency)))


def proration_view(r: EmployeeResult, lang: str, currency: str) -> ProrationView | None:
    """A short month's figures and lines; None for a full month."""
    p = r.proration
    if p is None:
        return None
    worked, working = Figure(p.worked_days, "number", lang), Figure(Decimal(p.working_days), "number", lang)
    figures = {"full_salary": _money(p.salary, lang, currency), "worked_days": worked, "working_days": working,
               "full_bonus_target": _money(r.employee.bonus_target, lang, currency)}
    keys = PRORATION_COLUMNS if p.bonus_prorated else PRORATION_COLUMNS[:-1]

    def line(full: Decimal) -> str:
        return text("shown_prorated", lang, amount=i18n.amount(full, lang), worked=worked.text,
                    working=working.text)
    return ProrationView(
        heading=text("shown_proration_heading_bonus" if p.bonus_prorated else "shown_proration_heading", lang),
        columns=tuple(Column(key, text("shown_" + key, lang), figures[key]) for key in keys),
        salary_note=line(p.salary), bonus_target_note=line(r.employee.bonus_target) if p.bonus_prorated else "")


def commission_view(r: EmployeeResult, lang: str, currency: str) -> CommissionView:
    c = r.commission
    figures = {"plan": _money(c.plan, lang, currency), "fact": _money(c.fact, lang, currency),
               "base": _money(c.base, lang, currency),
               "margin_share": _share(c.margin_share, lang, MARGIN_SHARE_PLACES),
               "rate": _share(c.rate, lang, exact_places([c.rate])), "commission": _money(c.amount, lang, currency)}
    return CommissionView(heading=text("commission_on", lang, kpi=c.kpi), kpi=c.kpi,
                          columns=tuple(Column(key, text(key, lang), figures[key]) for key in COMMISSION_COLUMNS))


def exact_places(shares: Iterable[Decimal | None]) -> int:
    """The fewest decimals, up to MOST_PLACES, that show every one of `shares` as a percentage exactly: weights
    of 40% and 15% → 0 (`40%`); one of 12.5% → 1 (`12.5%`, never `13%`, and the others `40.0%`)."""
    hundreds = [s * 100 for s in shares if s is not None]
    return next((places for places in range(MOST_PLACES)
                 if all(h == h.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) for h in hundreds)), MOST_PLACES)


def title(company: str, period: str, lang: str) -> str:
    """"Romashka LLC — payslip for October 2026": the month in words (sheet names keep `2026-10`)."""
    month = i18n.month_words(period, lang)
    return text("payslip_title", lang, company=company, period=month) if company else \
        text("payslip_title_plain", lang, period=month)


@functools.cache
def labels(lang: str) -> dict[str, str]:
    return {key: text(key, lang) for key in LABEL_KEYS}


def kpi_title(k: KpiResult, lang: str) -> str:
    return text("team_scope", lang, title=k.title) if k.scope == "team" else k.title


def group(name: str, lang: str) -> str:
    return enums.label("group", name, lang)


def kpi_line(k: KpiResult, lang: str, currency: str = "RUB", weight_places: int | None = None) -> KpiLine:
    """`weight_places`: the decimals of every weight on the payslip (`exact_places` of them); by default, what
    this weight needs."""
    places = _percent_places(k) if k.unit == "percent" else MOST_PLACES
    return KpiLine(kpi=k.kpi, title=kpi_title(k, lang), group=group(k.group, lang), unit=k.unit,
                   plan=_measure(k.plan, k.unit, lang, currency, places),
                   fact=_measure(k.fact, k.unit, lang, currency, places),
                   completion=_share(k.completion, lang, COMPLETION_PLACES),
                   weight=_share(k.weight, lang, exact_places([k.weight]) if weight_places is None else weight_places),
                   rule=rule_text(k, lang),
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
    """119800 → `119 800,00 ₽` (ru) or `RUB 119,800.00` (en), as Babel formats the currency, to kopecks; a
    currency a locale shows by its code gets a no-break space between code and digits, as English readers
    write it.

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
    if not (found and negative == "-" + shown):
        return None
    return (before + "\u00a0" if before[-1:].isalpha() else before), ("\u00a0" + after if after[:1].isalpha() else after)


def _money(value: Decimal | None, lang: str, currency: str) -> Figure:
    return Figure(value, "money", lang, currency)


def _share(value: Decimal | None, lang: str, places: int) -> Figure:
    return Figure(value, SHARE_STYLES[places], lang)


def _measure(value: Decimal | None, unit: str, lang: str, currency: str, places: int = MOST_PLACES) -> Figure:
    if unit == "money":
        return _money(value, lang, currency)
    if unit == "percent":
        return _share(value, lang, places)
    return Figure(value, "number", lang)


def _percent_places(k: KpiResult) -> int:
    """The decimals, from MOST_PLACES up to 4, with which fact ÷ plan (or plan ÷ fact, lower being better) as
    shown gives the completion shown."""
    if k.plan is None or k.fact is None or k.completion is None:
        return MOST_PLACES
    step = Decimal(1).scaleb(-3)  # the completion's 0.1%
    shown = k.completion.quantize(step, ROUND_HALF_UP)
    for places in range(MOST_PLACES, len(SHARE_STYLES)):
        q = Decimal(1).scaleb(-(places + 2))
        plan, fact = k.plan.quantize(q, ROUND_HALF_UP), k.fact.quantize(q, ROUND_HALF_UP)
        top, bottom = (fact, plan) if k.direction == "higher" else (plan, fact)
        if bottom and (top / bottom).quantize(step, ROUND_HALF_UP) == shown:
            return places
    return len(SHARE_STYLES) - 1


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
