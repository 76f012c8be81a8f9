"""What one upload is turned into: the same library calls as `kpi-reports run` (and `review`), on a copy of
the upload in a private folder; then each download, made when it is first asked for."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import kpi_reports
from kpi_reports import api, layout
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import QuarterReview, quarter_months
from kpi_reports.layout.model import Sheet
from kpi_reports.layout.payslip_view import PayslipView, payslip_views
from kpi_reports.messages import msg, text
from kpi_reports.problems import FileProblem, KpiError, UsageError
from kpi_reports.render import json as json_out
from kpi_reports.render.printed import files as printed
from kpi_reports.render.printed import pdf
from kpi_reports.render.xlsx import writeback
from kpi_reports.workbook.example import write_starter

SUFFIXES = (".xlsx", ".xlsm")
"""The upload is saved as `upload` + one of these (the client's, when it is one of them): a macro-enabled
workbook stays one."""


@dataclass(frozen=True)
class Options:
    lang: str
    period: str | None = None
    test_mode: bool = False
    quarter: str | None = None


@dataclass(frozen=True)
class Outcome:
    name: str
    """The client's file name, shown as text and used (made safe) for the downloads' names; never a path."""
    suffix: str
    options: Options
    company: str
    months: tuple[str, ...]
    """The months the workbook has rows for, for choosing another one."""
    quarters: tuple[str, ...]
    """The quarters whose three months the workbook has, for choosing a review."""
    report: PeriodReport
    review: QuarterReview | None
    review_error: str
    sheets: tuple[Sheet, ...]
    views: tuple[PayslipView, ...]
    workbook: bytes
    """The upload with the generated sheets written back."""

    @property
    def period(self) -> str:
        return self.report.result.period


def suffix(name: str) -> str:
    ending = Path(name).suffix.lower()
    return ending if ending in SUFFIXES else SUFFIXES[0]


def process(upload: bytes, name: str, options: Options, folder: Path) -> Outcome:
    """Raises KpiError (InvalidWorkbook with every problem, FileProblem for a file that is no workbook) on
    bad input, as the command line does; the upload's copy in `folder` is the only file written."""
    path = folder / ("upload" + suffix(name))
    path.write_bytes(upload)
    wb = kpi_reports.load(path, periods=api.months_to_read(options.period, options.quarter))
    lang = options.lang
    period = options.period or api.latest_month(wb)
    if not period:
        raise UsageError(msg("web_no_facts"))
    report = kpi_reports.period_report(wb, period, None, options.test_mode or None)
    review, review_error = None, ""
    if options.quarter:
        try:
            review = kpi_reports.review(wb, options.quarter)
        except UsageError as e:
            review_error = e.text(lang)
    company = wb.settings.company
    views = payslip_views(report, lang, company)
    sheets = [*layout.sheets(report, lang, company, views),
              *(layout.review_sheets(review, lang, company) if review else ())]
    try:
        writeback.write_back(path, sheets)
    except FileProblem as e:
        if e.message.key != "sheet_taken":
            raise
        raise FileProblem(msg("web_sheet_taken", **dict(e.message.params))) from None  # no --out here
    months = tuple(wb.periods)  # every month the workbook has rows for, read or not
    return Outcome(name, path.suffix, options, company, months, _quarters(months), report, review, review_error,
                   tuple(sheets), tuple(views), path.read_bytes())


def _quarters(months: tuple[str, ...]) -> tuple[str, ...]:
    found = {f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months}
    return tuple(sorted((q for q in found if set(quarter_months(q)) <= set(months)), reverse=True))


def title(outcome: Outcome) -> str:
    return text("sheet_payslips", outcome.options.lang, period=outcome.period)


def combined_pdf(outcome: Outcome) -> bytes:
    return pdf.render(outcome.views, title(outcome), outcome.company, outcome.options.lang)


def pdf_zip(outcome: Outcome) -> bytes:
    """A PDF per person, named as `run --pdf DIR --split` names them. PDFs are compressed already: stored."""
    singles = printed.singles(outcome.views, title(outcome), outcome.company, outcome.options.lang)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for file_name, data in zip(pdf.split_names(outcome.views), singles, strict=True):
            zf.writestr(zipfile.ZipInfo(file_name, dt.datetime.now().timetuple()[:6]), data)
    return buffer.getvalue()


def results_json(outcome: Outcome) -> bytes:
    return json_out.dumps(outcome.report, outcome.options.lang).encode("utf-8")


def review_json(outcome: Outcome) -> bytes:
    if outcome.review is None:
        raise KpiError(msg("web_not_found"))
    return json_out.review_dumps(outcome.review, outcome.options.lang).encode("utf-8")


def blank_workbook(lang: str, folder: Path) -> bytes:
    """The workbook `kpi-reports init` writes: explanations, drop-downs and example rows for this month."""
    path = folder / "template.xlsx"
    write_starter(path, lang)
    return path.read_bytes()
