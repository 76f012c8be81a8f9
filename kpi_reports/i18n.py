"""Numbers in Russian and English: Babel's locale data does the formatting. Texts live in `messages`."""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent

from kpi_reports.messages import LANGUAGES, text  # noqa: F401  (re-exported for the renderers)

LOCALES = {"ru": "ru_RU", "en": "en_US"}


def amount(value: Decimal, lang: str) -> str:
    """119800 → `119 800,00` (ru) or `119,800.00` (en)."""
    return format_decimal(value, format="#,##0.00", locale=LOCALES[lang], decimal_quantization=True)


def percent(value: Decimal, lang: str) -> str:
    return format_percent(value, format="#,##0.0%", locale=LOCALES[lang])
