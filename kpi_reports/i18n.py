"""Numbers in Russian and English: the separators come from Babel's locale data, the formatting is
Python's own (exact for Decimal, and fast). Texts live in `messages`."""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date

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


@functools.cache
def _shape(num_format: str) -> tuple[bool, bool, bool, int, int]:
    """An Excel number format's first section as (signed, percent, grouped, fixed decimals, optional ones):
    `+#,##0.00_);-#,##0.00_);0.00_)` → (True, False, True, 2, 0); `#,##0.####_)` → (False, False, True, 0, 4)."""
    first = re.sub(r'_.|"[^"]*"|\\.', "", num_format.split(";")[0])
    decimals = first.split(".", 1)[1] if "." in first else ""
    return first.startswith("+"), "%" in first, "," in first, decimals.count("0"), decimals.count("#")


def formatted(value: Decimal | int, num_format: str, lang: str) -> str:
    """A number as a spreadsheet shows it in a cell of `num_format` (the layout's styles' formats), with the
    language's separators: `0.0%_)` 0.95 → `95,0%` (ru); `+#,##0.00_);…` 1500 → `+1,500.00` (en)."""
    signed, is_percent, grouped, fixed, optional = _shape(num_format)
    value = Decimal(value) * 100 if is_percent else Decimal(value)
    value = value.quantize(Decimal(1).scaleb(-(fixed + optional)), ROUND_HALF_UP)
    shown = f"{value:,f}" if grouped else f"{value:f}"
    if optional and "." in shown:
        whole, decimals = shown.split(".")
        decimals = decimals.rstrip("0").ljust(fixed, "0")
        shown = f"{whole}.{decimals}" if decimals else whole
    shown = _local(shown, lang) + ("%" if is_percent else "")
    return "+" + shown if signed and value > 0 else shown


@functools.cache
def month_words(period: str, lang: str) -> str:
    """`2026-10` → `октябрь 2026` (ru) or `October 2026` (en), as Babel names the month standing alone."""
    return format_date(dt.date(int(period[:4]), int(period[5:7]), 1), "LLLL y", locale=LOCALES[lang])


def day_words(day: dt.date, lang: str) -> str:
    """`15 октября 2026` (ru) or `15 October 2026` (en)."""
    return format_date(day, "d MMMM y", locale=LOCALES[lang])
