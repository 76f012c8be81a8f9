"""How names are compared: sheet names, column headers, KPI ids, metric names, enum words.

`Employee ID`, `employee_id` and `EMPLOYEE ID` are the same name; so are `Табельный номер` and
`табельный_номер`. Case, spaces, underscores, hyphens and `ё`/`е` do not matter.
"""
from __future__ import annotations

import re

_IGNORED = re.compile(r"[\s_\-.]+")


def norm(name: object) -> str:
    return _IGNORED.sub("", str(name)).casefold().replace("ё", "е")
