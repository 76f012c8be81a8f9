"""Numbers in Russian and English: the separators come from Babel's locale data, the formatting is
Python's own (exact for Decimal, and fast). Texts live in `messages`."""
from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale

from kpi_reports.messages import LANGUAGES, text  # noqa: F401  (re-exported for the renderers)

LOCALES = {"ru": "ru_RU", "en": "en_US"}
CENT = Decimal("0.01")


@functools.cache
def _separators(lang: str) -> tuple[str, str]:
    symbols = Locale.parse(LOCALES[lang]).number_symbols["latn"]
    return symbols["group"], symbols["decimal"]


def _local(shown: str, lang: str) -> str:
    group, decimal = _separators(lang)
    return shown.replace(",", "\0").replace(".", decimal).replace("\0", group).replace("-", "−")


def amount(value: Decimal, lang: str) -> str:
    """119800 → `119 800,00` (ru, with no-break spaces) or `119,800.00` (en); half-up to kopecks."""
    return _local(f"{value.quantize(CENT, ROUND_HALF_UP):,f}", lang)


def percent(value: Decimal, lang: str, signed: bool = False, places: int = 1) -> str:
    """0.018 → `1.8%` (en) or `1,8%` (ru); signed: `−25.0%`, `+5.0%`; places: decimals shown."""
    shown = _local(f"{(value * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):,f}%", lang)
    return "+" + shown if signed and value > 0 else shown


def number(value: Decimal, lang: str) -> str:
    """A count or a number of days, to two decimals at most: 1234.5 → `1,234.5` (en), `1 234,5` (ru)."""
    shown = f"{value.quantize(CENT, ROUND_HALF_UP):,f}"
    return _local(shown.rstrip("0").rstrip(".") if "." in shown else shown, lang)
