"""One line per weak spot and per flag of the quarterly review, in the reader's language: the texts are in
templates/messages.toml and the funnel advice in templates/advice.toml, so they can be edited without
touching code."""
from __future__ import annotations

import functools
import string
import tomllib
import weakref
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from kpi_reports import i18n
from kpi_reports.engine.forecast import KpiForecast
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import Flag, KpiReview, SchemeReview, WeightChange
from kpi_reports.engine.weak import Shortfall, Stage, StageCount, Trend, WeakSpots
from kpi_reports.messages import catalogue, templates_dir, text
from kpi_reports.model import Unit
from kpi_reports.names import norm

TOP = 3
"""Weak spots shown per person on a payslip and in the terminal."""
_MADE: weakref.WeakKeyDictionary[WeakSpots, dict] = weakref.WeakKeyDictionary()


def person(report: PeriodReport, employee_id: str, lang: str, most: int | None = TOP) -> list[str]:
    """A person's weak spots in the report; mid-month (a forecast), each KPI's worded on its pace."""
    f = report.forecast
    pace = {k.kpi: k for k in f.people[employee_id].kpis} if f and employee_id in f.people else None
    return main(report.weak_spots.get(employee_id), lang, most, pace)


def main(spots: WeakSpots | None, lang: str, most: int | None = None,
         pace: Mapping[str, KpiForecast] | None = None) -> list[str]:
    """A person's weak spots, most important first: shortfalls (largest money first), the weakest
    funnel stage, falling trends; at most `most` of them; with `pace` (mid-month, by KPI), each KPI's at the
    month's end at this pace. Made once per language: the payslip, the summary and the terminal all show them."""
    if spots is None:
        return []
    made = _MADE.setdefault(spots, {})
    if (lang, most, pace is None) not in made:
        made[lang, most, pace is None] = _texts(spots, lang, most, pace)
    return list(made[lang, most, pace is None])


def _texts(spots: WeakSpots, lang: str, most: int | None, pace: Mapping[str, KpiForecast] | None) -> list[str]:
    shortfalls = [s for s in spots.shortfalls if not pace or pace.get(s.kpi.kpi) is None
                  or pace[s.kpi.kpi].status not in ("ahead", "on_track")]  # on course by month end: not weak
    texts = [shortfall(s, lang, pace and pace.get(s.kpi.kpi)) for s in shortfalls[:most]]
    texts += [stage(spots.weakest, lang)] if spots.weakest else []
    texts += [trend(t, lang) for t in spots.trends[:most]]
    return texts[:most]


def shortfall(s: Shortfall, lang: str, pace: KpiForecast | None = None) -> str:
    """A KPI's shortfall; with `pace` (mid-month), where it ends the month at this pace, and whether that misses
    the cut-off ("at this pace 76.0% of plan by month end, the 80.0% cut-off missed by 4.0 points")."""
    k = s.kpi
    fields = {"title": k.title, "completion": _pct(k.completion, lang), "stake": i18n.amount(s.at_stake, lang)}
    if k.completion is None:
        return text("spot_kpi_no_fact", lang, **fields)
    if pace is not None and pace.completion is not None:
        end = {"pace": _pct(pace.completion, lang), **fields}
        if pace.completion < k.cutoff:
            gap = i18n.formatted((k.cutoff - pace.completion) * 100, "0.0", lang)
            return text("spot_kpi_pace_cutoff", lang, cutoff=_pct(k.cutoff, lang), gap=gap, **end)
        return text("spot_kpi_pace", lang, **end)
    if s.below_cutoff:
        return text("spot_kpi_cutoff", lang, cutoff=_pct(k.cutoff, lang), **fields)
    if k.direction == "lower":  # the fact is above plan: say by how much
        return text("spot_kpi_over", lang, over=quantity(s.shortfall, k.unit, lang), **fields)
    return text("spot_kpi", lang, short=quantity(s.shortfall, k.unit, lang), **fields)


def team_stage(count: StageCount, lang: str) -> str:
    """A team's (or the company's) weakest funnel stage: the one that sags for most of its people, and of how
    many whose funnel has that stage."""
    return text("spot_team_stage", lang, source=count.stage.source_label, target=count.stage.target_label,
                people=count.people, members=count.measured)


def stage(s: Stage, lang: str) -> str:
    return text("spot_stage", lang, source=s.source_label, target=s.target_label,
                conversion=_pct(s.conversion, lang), team=_pct(s.team_median, lang),
                gap=i18n.percent(-s.gap, lang, signed=True) if s.gap is not None else "—",
                advice=advice(s, lang))


def trend(t: Trend, lang: str) -> str:
    return text("spot_trend", lang, title=t.kpi.title, values=" → ".join(_pct(c, lang) for c in t.completions))


def advice(s: Stage, lang: str) -> str:
    for entry in _advice()["stage"]:
        if s.source in map(norm, entry["from"]) and s.target in map(norm, entry["to"]):
            return entry[lang]
    return _advice()["default"][lang].format(source=s.source_label, target=s.target_label)


@functools.cache
def _advice() -> dict:
    with open(templates_dir() / "advice.toml", "rb") as f:
        return tomllib.load(f)


def quantity(value: Decimal | None, unit: Unit, lang: str) -> str:
    if value is None:
        return "—"
    if unit == "money":
        return i18n.amount(value, lang)
    if unit == "percent":  # a gap in percentage points: 2% − 1.87% shows as 0.13%
        return i18n.percent(value, lang, places=2)
    number = i18n.number(value, lang)
    if unit != "days":
        return number
    return text("day_unit" if number == "1" else "days_unit", lang, n=number)


def _pct(value: Decimal | None, lang: str) -> str:
    return "—" if value is None else i18n.percent(value, lang)


# --- the quarterly review -------------------------------------------------------------------------------

COUNTS = frozenset({"points", "person_months", "kpis", "limit", "min_points"})
"""Figures that are whole numbers; `correlation` is a coefficient; `activity_*` and `efficiency_*` are
the scheme's activity a month and its efficiency KPI's value; every other number is a share."""
_FIELDS = {"from": "start", "to": "end"}
"""Figure names that are Python keywords, as the templates name them."""


def flag_word(flag: Flag, lang: str) -> str:
    """The flag in a word or two, for the sheet's column: "too easy"."""
    return text(f"flag_{flag.code}", lang)


def review_flag(flag: Flag, lang: str, kpi: KpiReview | None = None, scheme: SchemeReview | None = None) -> str:
    """The flag in a line with its figures and what to do: "Successful calls — too easy: 92.0% of 12
    person-months at or above 100% (flagged from 80.0%): raise the plan, or lower the weight". The figures
    are the flag's (see engine/review.py); the KPI and scheme give the titles and the cut-off."""
    key = f"explain_{flag.figures.get('problem')}" if flag.code == "scheme_design" else f"explain_{flag.code}"
    titles = {k.kpi: k.title for k in scheme.kpis} if scheme else {}
    fields: dict = {"scheme": scheme.scheme if scheme else "", "title": kpi.title if kpi else "",
                    "cutoff": kpi.cutoff if kpi else None}
    fields.update((_FIELDS.get(name, name), value) for name, value in flag.figures.items())
    wanted = _fields(key, lang)
    return text(key, lang, **{name: _shown(name, fields.get(name), titles, lang) for name in wanted})


def too_few_to_tell(kpis: list[KpiReview], min_points: int, lang: str) -> str:
    """One line for the KPIs whose correlation with the result cannot be told from so few person-months."""
    return text("explain_too_few", lang, titles=", ".join(k.title for k in kpis),
                points=str(max(k.correlation_points for k in kpis)), min_points=str(min_points))


def moves(scheme: SchemeReview, lang: str) -> list[str]:
    """Why the suggested weights move beyond rounding: one line per 5-point step from a KPI to another."""
    titles = {k.kpi: k.title for k in scheme.kpis}
    return [text("explain_move", lang, donor=titles.get(m.donor, m.donor), receiver=titles.get(m.receiver, m.receiver))
            for m in scheme.moves]


def weight_change(title: str, change: WeightChange, lang: str) -> str:
    """A KPI's weight before → after the change of version, with its mean completion before → after:
    "Meetings held: 15.0% → 20.0% from 2026-10; mean completion 83.7% → 79.3%" (new, or dropped, said so)."""
    key = "review_change_new" if change.before is None else \
        "review_change_dropped" if change.after is None else "review_change_kpi"
    return text(key, lang, title=title, since=change.since,
                before=_pct(change.before, lang), after=_pct(change.after, lang),
                mean_before=_pct(change.mean_before, lang), mean_after=_pct(change.mean_after, lang))


def weight_changes(scheme: SchemeReview, lang: str) -> list[str]:
    """A line per KPI whose weight the version under review changed, added or dropped (see
    engine/review_change.py); none when it was in force all quarter."""
    lines = [weight_change(k.title, k.weight_change, lang) for k in scheme.kpis if k.weight_change]
    return lines + [weight_change(d.title, d.weight_change, lang) for d in scheme.dropped]


def change_means(scheme: SchemeReview, months: tuple[str, ...], previous: tuple[str, ...], lang: str) -> str:
    """Which months the means before and after the change are over."""
    before = [*previous, *(m for m in months if m < scheme.since)]
    after = [m for m in months if m >= scheme.since]
    return text("review_change_means", lang, before=", ".join(before) or text("review_change_no_months", lang),
                after=", ".join(after))


@functools.cache
def _fields(key: str, lang: str) -> tuple[str, ...]:
    return tuple(sorted({name for _, name, _, _ in string.Formatter().parse(catalogue()[key][lang]) if name}))


def _shown(name: str, value, titles: dict[str, str], lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, (bool, int)):
        return str(value)
    if isinstance(value, str):
        return titles.get(value, value)
    if name in COUNTS:
        return i18n.number(value, lang)
    if name == "correlation":
        return correlation(value, lang)
    if name.startswith(("activity_", "efficiency_")):
        return compact(value, lang)
    return i18n.percent(value, lang)


def correlation(value: Decimal | None, lang: str) -> str:
    """A correlation to two decimals: 0.35, −0.32 (ru: 0,35); "—" for none."""
    if value is None:
        return "—"
    shown = f"{value.quantize(i18n.CENT, ROUND_HALF_UP):f}"
    return shown.replace("-", "−").replace(".", "," if lang == "ru" else ".")


def compact(value: Decimal, lang: str) -> str:
    """A figure of any unit in a few digits: 1 234, 87.5, 0.213 (whole from 1,000 on, three significant
    digits below)."""
    if abs(value) >= 1000:
        return i18n.number(value.quantize(Decimal(1), ROUND_HALF_UP), lang)
    if value == 0:
        return "0"
    digits = max(0, 2 - value.adjusted())
    shown = f"{value.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP):f}"
    shown = shown.rstrip("0").rstrip(".") if "." in shown else shown
    return shown.replace("-", "−").replace(".", "," if lang == "ru" else ".")
