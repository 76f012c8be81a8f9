"""Numbers in Russian and English: Babel's locale data does the formatting. Texts live in `messages`."""
from __future__ import annotations

from decimal import Decimal

import functools

from babel import Locale
from babel.numbers import NumberPattern, format_decimal, format_percent, parse_pattern

from kpi_reports.messages import LANGUAGES, text  # noqa: F401  (re-exported for the renderers)

LOCALES = {"ru": "ru_RU", "en": "en_US"}


def amount(value: Decimal, lang: str) -> str:
    """119800 → `119 800,00` (ru) or `119,800.00` (en)."""
    locale, pattern = _money(lang)
    return pattern.apply(value, locale)


@functools.cache
def _money(lang: str) -> tuple[Locale, NumberPattern]:
    """Parsed once: Babel parses the locale and the pattern on every call otherwise."""
    return Locale.parse(LOCALES[lang]), parse_pattern("#,##0.00")


def percent(value: Decimal, lang: str, signed: bool = False) -> str:
    """0.018 → `1.8%` (en) or `1,8 %` (ru); signed: `−25.0%`, `+5.0%`."""
    text = format_percent(value, format="#,##0.0%", locale=LOCALES[lang])
    text = text.replace("-", "−")
    return "+" + text if signed and value > 0 else text


def number(value: Decimal, lang: str) -> str:
    """A count or a number of days: 1234.5 → `1,234.5` (en), `1 234,5` (ru)."""
    return format_decimal(value, format="#,##0.##", locale=LOCALES[lang])
