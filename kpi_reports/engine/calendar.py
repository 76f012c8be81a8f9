"""Working days of a month: the country's calendar (public holidays and the official transfers of days
off, as the `holidays` library knows them), with the workbook's own lists on top."""
from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass, field

from kpi_reports.countries import public_holidays


@dataclass(frozen=True)
class WorkCalendar:
    country: str = "RU"
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    """Days off besides the country's (Settings holidays)."""
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    """Working days besides the country's, e.g. a working Saturday (Settings workdays)."""

    def is_working(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return public_holidays(self.country, day.year).is_working_day(day)

    def working_days(self, year: int, month: int, until: dt.date | None = None) -> int:
        """Working days of the month, or of its first days up to and including `until`."""
        last = _calendar.monthrange(year, month)[1]
        end = min(last, until.day) if until else last
        return sum(self.is_working(dt.date(year, month, d)) for d in range(1, end + 1))

