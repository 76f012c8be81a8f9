"""Turning what a cell holds into a Decimal, a period or an id; and A1 cell names.

Numbers may be typed as text the way people type them: `3 000 000`, `3 000 000 руб.`, `142 500 ₽`,
`2,1%`, `0.021`, `1,234,567.89`. A float from the file becomes a Decimal through its shortest text
form, so 0.021 stays 0.021 and not 0.0209999….

Digits are 0–9 only: Python reads `٦٠٠٠٠` (Arabic-Indic) or `６００００` (fullwidth) as 60000, but a
payroll figure in a script the accountant may not read is more likely a paste accident, so such text
is refused with the figure in 0–9 as the hint.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from kpi_reports.messages import Msg, msg
from kpi_reports.names import a1, col_letter  # noqa: F401  (re-exported: cell names live with cells)

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CURRENCY = re.compile(r"(₽|руб\.?|р\.?|rub|rur)$", re.IGNORECASE)
_PLAIN = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)", re.ASCII)  # ASCII: \d is 0-9 only
_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", re.ASCII)
_PERIOD_TEXT = [
    (re.compile(r"(\d{4})-(\d{1,2})(-\d{1,2})?", re.ASCII), (1, 2)),  # 2026-10, 2026-10-01
    (re.compile(r"(\d{1,2})[./](\d{4})", re.ASCII), (2, 1)),  # 10.2026, 10/2026
    (re.compile(r"\d{1,2}\.(\d{1,2})\.(\d{4})", re.ASCII), (2, 1)),  # 01.10.2026
]


LIMIT = Decimal("1e15")
LIMIT_FLOAT = 1e15
"""Amounts at or beyond a quadrillion are typos; refusing them keeps every sum exact at 40 digits."""
TINY = Decimal("1e-9")
"""The smallest size of a number other than 0. Nothing in a payroll is a billionth (a kopeck is 0.01, a
share's finest step 0.001); and a plan of 1e-300 would make fact ÷ plan a completion, and a payout, that
no money (and no 40-digit Decimal rounded to kopecks) can hold."""


class CellError(ValueError):
    """The value does not fit; `expected` says what would."""

    def __init__(self, expected: Msg, hint: Msg | None = None):
        super().__init__(str(expected))
        self.expected = expected
        self.hint = hint


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: object) -> str:
    """How a cell's value reads in a message."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # 1e300 reads 1e+300, not its 301 digits
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def number(value: object) -> Decimal:
    """A cell's value as a Decimal; raises CellError for anything that is not a number."""
    if type(value) is float and value.is_integer() and -LIMIT_FLOAT < value < LIMIT_FLOAT:
        return Decimal(int(value))  # the common case first: exact, and faster than through text
    if isinstance(value, (bool, dt.date, dt.datetime, dt.time, dt.timedelta)):
        raise CellError(msg("a_number"))
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(msg("a_number"))
        result = Decimal(str(value))
    else:
        result = _number_text(str(value))
    if abs(result) >= LIMIT:
        raise CellError(msg("number_limit"), msg("typo"))
    if result and abs(result) < TINY:
        raise CellError(msg("number_tiny"), msg("typo"))
    return result


def _ascii_digits(text: str, expected: str) -> None:
    """Refuses digits other than 0–9 (`٦٠٠٠٠`, `６００００`, `৬০`), with the text in 0–9 as the hint."""
    if text.isascii() or not any(ch.isdecimal() and not "0" <= ch <= "9" for ch in text):
        return
    plain = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
    raise CellError(msg(expected), msg("digits_hint", text=plain.strip()))


def _number_text(text: str) -> Decimal:
    _ascii_digits(text, "number_digits")
    s = _SPACES.sub("", text).replace("−", "-")
    percent = s.endswith("%")
    s = s.rstrip("%")
    s = _CURRENCY.sub("", s)
    if _THOUSANDS_COMMA.fullmatch(s):
        s = s.replace(",", "")
    elif _PLAIN.fullmatch(s):
        s = s.replace(",", ".")
    else:
        raise CellError(msg("number_examples"))
    try:
        result = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the patterns above only let numbers through
        raise CellError(msg("a_number")) from None
    return result / 100 if percent else result


def period(value: object) -> str:
    """A cell's value as `YYYY-MM`: a date cell (any day of the month) or text such as 2026-10."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    _ascii_digits(text, "period_digits")
    for pattern, (year, month) in _PERIOD_TEXT:
        m = pattern.fullmatch(text)
        if m and 1 <= int(m.group(month)) <= 12 and 1900 <= int(m.group(year)) <= 9999:
            return f"{int(m.group(year)):04d}-{int(m.group(month)):02d}"
    raise CellError(msg("a_period"))


def text_id(value: object) -> str:
    """An id cell as text: the number 101 read as 101.0 becomes `101`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
