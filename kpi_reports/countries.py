"""The countries whose public holidays and transfers of days off are known (the `holidays` library).

Below the model, so that reading Settings can check a `calendar` code and the engine can count working
days, neither reaching into the other. `holidays` is imported when first needed: it takes a tenth of a
second.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays


def supported(code: str) -> bool:
    import holidays
    return code.upper() in holidays.list_supported_countries()


@functools.cache
def public_holidays(code: str, year: int) -> holidays.HolidayBase:
    """The country's calendar for one year: `.is_working_day(day)` knows its holidays and transfers."""
    import holidays
    return holidays.country_holidays(code.upper(), years=year)
