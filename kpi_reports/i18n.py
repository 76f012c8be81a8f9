"""Numbers in Russian and English: Babel's locale data does the formatting. Texts live in `messages`."""
from __future__ import annotations

from decimal import Decimal

import functools

from babel import Locale
from babel.numbers import NumberPattern, format_percent, parse_pattern

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


def percent(value: Decimal, lang: str) -> str:
    return format_percent(value, format="#,##0.0%", locale=LOCALES[lang])
