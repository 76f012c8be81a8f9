"""kpi-reports: a sales team's plans and facts into KPI completion, bonuses and commission.

The pipeline is read → validate → compute → lay out → render; `load`, `compute`, `check` and `review` (the
quarterly weight review) are the library's entry points, and the CLI is a thin layer over them. `frame`
turns a result into pandas DataFrames (the optional `pandas` extra, imported only when called).
"""
from kpi_reports.api import check, compute, load, period_report, review, review_months, trend_months
from kpi_reports.engine.review import QuarterReview
from kpi_reports.frames import frame
from kpi_reports.model import EmployeeResult, KpiResult, PeriodResult, Workbook
from kpi_reports.problems import FileProblem, InvalidWorkbook, KpiError, MissingExtra, Problem, Report, UsageError

__all__ = [
    "EmployeeResult",
    "FileProblem",
    "InvalidWorkbook",
    "KpiError",
    "KpiResult",
    "MissingExtra",
    "PeriodResult",
    "Problem",
    "QuarterReview",
    "Report",
    "UsageError",
    "Workbook",
    "check",
    "compute",
    "frame",
    "load",
    "period_report",
    "review",
    "review_months",
    "trend_months",
]
__version__ = "0.1.0"
