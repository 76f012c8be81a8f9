"""kpi-reports: a sales team's plans and facts into KPI completion, bonuses and commission.

The pipeline is read → validate → compute → lay out → render. `run` goes the whole way from a workbook and
`Options` to an `Outcome` (the month's `PeriodReport`, the review, the payslips, the laid-out sheets, the
warnings), which `write` puts into the workbook and `print_payslips` prints; the command line, the web page
and the Google Sheets refresh are thin faces over it. Its steps are entry points too: `load`, `compute`,
`period_report`, `check`, `review` (the quarterly weight review). `frame` turns a result into pandas
DataFrames (the optional `pandas` extra, imported only when called).
"""
from kpi_reports.api import check, compute, load, period_report, review, review_months, trend_months
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import QuarterReview
from kpi_reports.frames import frame
from kpi_reports.model import EmployeeResult, KpiResult, PeriodResult, Workbook
from kpi_reports.pipeline import Options, Outcome, Written, XlsxFile, print_payslips, run, write
from kpi_reports.problems import FileProblem, InvalidWorkbook, KpiError, MissingExtra, Problem, Report, UsageError

__all__ = [
    "EmployeeResult",
    "FileProblem",
    "InvalidWorkbook",
    "KpiError",
    "KpiResult",
    "MissingExtra",
    "Options",
    "Outcome",
    "PeriodReport",
    "PeriodResult",
    "Problem",
    "QuarterReview",
    "Report",
    "UsageError",
    "Workbook",
    "Written",
    "XlsxFile",
    "check",
    "compute",
    "frame",
    "load",
    "period_report",
    "print_payslips",
    "review",
    "review_months",
    "run",
    "trend_months",
    "write",
]
__version__ = "0.1.0"
