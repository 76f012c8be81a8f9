"""What the generated sheets hold: payslips, the summary and, when there are warnings, the problems (`run`);
the quarterly review (`review`)."""
from __future__ import annotations

from collections.abc import Sequence

from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import QuarterReview
from kpi_reports.layout.credited import credited_sheets
from kpi_reports.layout.model import Sheet
from kpi_reports.layout.payslip_view import PayslipView
from kpi_reports.layout.payslips import payslips
from kpi_reports.layout.problems import problems
from kpi_reports.layout.review import review_sheet
from kpi_reports.layout.summary import summary


def sheets(report: PeriodReport, lang: str, company: str = "", views: Sequence[PayslipView] | None = None,
           credited: bool = False) -> list[Sheet]:
    """`views`: the report's payslip views in `lang`, when the caller has made them (for the printed ones);
    `credited`: with the Credited sheet, every list row and what became of it."""
    slips = payslips(report, lang, company, views)
    found = [*slips, summary(report, slips, lang)]
    if credited:
        names = {r.employee.employee_id: r.employee.name for r in report.result.employees}
        found += credited_sheets(report.credited, report.result.period, names, lang)
    if report.warnings:
        found.append(problems(report.result.period, report.warnings, lang))
    return found


def review_sheets(review: QuarterReview, lang: str, company: str = "") -> list[Sheet]:
    return [review_sheet(review, lang, company)]
