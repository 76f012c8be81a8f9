"""The Settings sheet: key / value rows, each value read as what its key needs."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from kpi_reports import countries
from kpi_reports.messages import msg
from kpi_reports.model import Settings
from kpi_reports.names import norm
from kpi_reports.problems import Report
from kpi_reports.workbook import schema
from kpi_reports.workbook.cells import CellError, is_empty, number, shown
from kpi_reports.workbook.fields import MISSING, Fields
from kpi_reports.workbook.reader import Table

_DATE_TEXT = [(re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (1, 2, 3)),
              (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1))]
_LIST = re.compile(r"[,;\n]+")


def read_settings(table: Table | None, report: Report) -> Settings:
    if table is None:
        return Settings()
    cells, found = Fields(table, report), {}
    for r, values in table.rows:
        raw_key, key_col = cells.raw(values, "key")
        key = None if is_empty(raw_key) else schema.setting_key(raw_key)
        if key is None and not is_empty(raw_key):
            cells.problem(r, key_col, raw_key, "unknown_setting", severity="warning",
                          expected=msg("one_of", words=", ".join(schema.SETTING_KEYS)))
        elif key:
            found[key] = (r, values)
    text = {k: cells.text(r, v, "value", required=False) for k, (r, v) in found.items()}

    def value(key: str, parser, default=None):
        if not text.get(key):
            return default
        result = cells.parse(*found[key], "value", parser)
        return default if result is MISSING else result

    return Settings(
        company=text.get("company", ""),
        currency=(text.get("currency") or "RUB").upper(),
        language=value("language", lambda v: _enum("language", v)),
        commission_kpi=norm(text.get("commission_kpi") or "revenue"),
        margin_rate=value("margin_rate", _share),
        funnel=tuple(norm(m) for m in _LIST.split(text.get("funnel", "")) if m.strip()),
        weak_stage_gap=value("weak_stage_gap", _share, Decimal("0.2")),
        calendar=value("calendar", _calendar, "RU"),
        holidays=value("holidays", _dates, frozenset()),
        workdays=value("workdays", _dates, frozenset()),
        test_mode=value("mode", lambda v: _enum("mode", v) == "test", False),
        review_too_easy=value("review_too_easy", _share, Settings.review_too_easy),
        review_out_of_reach=value("review_out_of_reach", _share, Settings.review_out_of_reach),
        review_over_paying=value("review_over_paying", _share, Settings.review_over_paying),
        review_min_points=value("review_min_points", _count, Settings.review_min_points),
        payslip_template=text.get("payslip_template", ""),
        prorate_bonus=value("prorate_bonus", lambda v: _enum("switch", v) == "yes", False),
        corrections_months=value("corrections_months", _count, Settings.corrections_months),
        withhold_overpayment=value("withhold_overpayment", lambda v: _enum("switch", v) == "yes", True),
        paid_stages=tuple(s.strip() for s in _LIST.split(text.get("paid_stages", "")) if s.strip()),
        min_call_seconds=value("min_call_seconds", _seconds, 0),
        cells={k: table.cell(r, table.columns["value"]) for k, (r, _) in found.items() if "value" in table.columns},
    )


def _enum(field: str, value: object) -> str:
    word = schema.enum_value(field, value)
    if word is None:
        raise CellError(msg("one_of", words=schema.enum_words(field)))
    return word


def _share(value: object) -> Decimal:
    share = number(value)
    if not 0 < share < 1:
        raise CellError(msg("share_range"))
    return share


def _count(value: object) -> int:
    """A whole number above 0: `8`, `8.0`, `" 12 "`."""
    return _whole(value, 1, "positive_count")


def _seconds(value: object) -> int:
    """A whole number of seconds, 0 or more."""
    return _whole(value, 0, "seconds_count")


def _whole(value: object, least: int, expected: str) -> int:
    try:
        count = number(value)
    except CellError:
        count = None
    if count is None or count != count.to_integral_value() or count < least:
        raise CellError(msg(expected))
    return int(count)


def _calendar(value: object) -> str:
    code = str(value).strip().upper()
    if not countries.supported(code):
        raise CellError(msg("calendar_code"), msg("calendar_hint"))
    return code


def _dates(value: object) -> frozenset[dt.date]:
    if isinstance(value, (dt.date, dt.datetime)):
        return frozenset({value if type(value) is dt.date else value.date()})
    return frozenset(date(part.strip()) for part in _LIST.split(str(value)) if part.strip())


def date(text: str) -> dt.date:
    """`2026-11-03` or `03.11.2026`."""
    for pattern, (y, m, d) in _DATE_TEXT:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                break
    raise CellError(msg("date_list"), msg("found_part", part=shown(text)))
