"""One line per weak spot, in the reader's language: the texts are in templates/messages.toml and the
funnel advice in templates/advice.toml, so they can be edited without touching code."""
from __future__ import annotations

import functools
import tomllib
import weakref
from decimal import Decimal

from kpi_reports import i18n
from kpi_reports.engine.weak import Shortfall, Stage, Trend, WeakSpots
from kpi_reports.messages import templates_dir, text
from kpi_reports.model import Unit
from kpi_reports.names import norm

TOP = 3
"""Weak spots shown per person on a payslip and in the terminal."""
_MADE: weakref.WeakKeyDictionary[WeakSpots, dict] = weakref.WeakKeyDictionary()


def main(spots: WeakSpots | None, lang: str, most: int | None = None) -> list[str]:
    """A person's weak spots, most important first: shortfalls (largest money first), the weakest
    funnel stage, falling trends; at most `most` of them. Made once per language: the payslip, the
    summary and the terminal all show them."""
    if spots is None:
        return []
    made = _MADE.setdefault(spots, {})
    if (lang, most) not in made:
        made[lang, most] = _texts(spots, lang, most)
    return list(made[lang, most])


def _texts(spots: WeakSpots, lang: str, most: int | None) -> list[str]:
    texts = [shortfall(s, lang) for s in spots.shortfalls[:most]]
    texts += [stage(spots.weakest, lang)] if spots.weakest else []
    texts += [trend(t, lang) for t in spots.trends[:most]]
    return texts[:most]


def shortfall(s: Shortfall, lang: str) -> str:
    k = s.kpi
    fields = {"title": k.title, "completion": _pct(k.completion, lang), "stake": i18n.amount(s.at_stake, lang)}
    if k.completion is None:
        return text("spot_kpi_no_fact", lang, **fields)
    if s.below_cutoff:
        return text("spot_kpi_cutoff", lang, cutoff=_pct(k.cutoff, lang), **fields)
    if k.direction == "lower":  # the fact is above plan: say by how much
        return text("spot_kpi_over", lang, over=quantity(s.shortfall, k.unit, lang), **fields)
    return text("spot_kpi", lang, short=quantity(s.shortfall, k.unit, lang), **fields)


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
