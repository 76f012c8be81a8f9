"""Everything `run` shows for a month: pay, weak spots, the department view and, mid-month, the forecast."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kpi_reports.credits import Credited
from kpi_reports.engine.compute import completions, compute
from kpi_reports.engine.forecast import Forecast, forecast
from kpi_reports.engine.weak import StageCount, WeakSpots, weak_spots, weakest_stage
from kpi_reports.ledger import months_before
from kpi_reports.model import PeriodResult, Workbook
from kpi_reports.problems import Problem


@dataclass(frozen=True)
class PeriodReport:
    result: PeriodResult
    weak_spots: dict[str, WeakSpots]
    """By employee id."""
    team_stages: dict[str, StageCount | None]
    """Each team's weakest funnel stage: the one that sags for most of its people."""
    company_stage: StageCount | None
    forecast: Forecast | None
    test_mode: bool
    """Everyone computed in test mode (the whole month marked); a pilot marks its people (EmployeeResult)."""
    warnings: list[Problem]
    credited: Credited | None = None
    """What the Deals, Calls and Activities lists credited (the payslips' live Facts formulas over them)."""


def period_report(wb: Workbook, period: str, as_of: dt.date | None = None,
                  test_mode: bool | None = None) -> PeriodReport:
    month = wb.in_force(period)
    result = compute(month, period, test_mode=test_mode)
    spots = weak_spots(month, result, _history(wb, period))
    teams: dict[str, list[WeakSpots]] = {}
    for r in result.employees:
        teams.setdefault(r.employee.team, []).append(spots[r.employee.employee_id])
    return PeriodReport(
        result=result,
        weak_spots=spots,
        team_stages={team: weakest_stage(s) for team, s in teams.items()},
        company_stage=weakest_stage(list(spots.values())),
        forecast=forecast(month, period, as_of, test_mode) if as_of else None,
        test_mode=all(r.test_mode for r in result.employees) if result.employees else bool(
            wb.settings.test_mode if test_mode is None else test_mode),
        warnings=result.warnings,
        credited=wb.credited,
    )


def _history(wb: Workbook, period: str) -> list[tuple[str, dict[str, dict[str, Decimal | None]]]]:
    """The completions of the two months before, for trends: both or neither."""
    months = months_before(period, 2)
    if any(m not in wb.periods or (wb.loaded is not None and m not in wb.loaded) for m in months):
        return []
    return [(m, completions(wb, m)) for m in months]
