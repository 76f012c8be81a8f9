"""kpi-reports: a sales team's plans and facts into KPI completion, bonuses and commission.

The pipeline is read → validate → compute → lay out → render; `load`, `compute` and `check` are the
library's entry points, and the CLI is a thin layer over them.
"""
from kpi_reports.api import check, compute, load, period_report, trend_months
from kpi_reports.model import EmployeeResult, KpiResult, PeriodResult, Workbook
from kpi_reports.problems import FileProblem, InvalidWorkbook, KpiError, Problem, Report, UsageError

__all__ = [
    "EmployeeResult",
    "FileProblem",
    "InvalidWorkbook",
    "KpiError",
    "KpiResult",
    "PeriodResult",
    "Problem",
    "Report",
    "UsageError",
    "Workbook",
    "check",
    "compute",
    "load",
    "period_report",
    "trend_months",
]
__version__ = "0.1.0"
