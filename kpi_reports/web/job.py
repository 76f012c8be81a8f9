"""What one upload is turned into: the pipeline `kpi-reports run` runs (`pipeline.run`), on a copy of the
upload in a private folder; then each download, made when it is first asked for."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kpi_reports import pipeline
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import QuarterReview, quarter_months
from kpi_reports.layout.model import Sheet
from kpi_reports.layout.payslip_view import PayslipView
from kpi_reports.messages import msg, text
from kpi_reports.pipeline import Options
from kpi_reports.problems import FileProblem, KpiError
from kpi_reports.render import json as json_out
from kpi_reports.render.printed import files as printed
from kpi_reports.render.printed import pdf
from kpi_reports.workbook.example import write_starter

SUFFIXES = (".xlsx", ".xlsm")
"""The upload is saved as `upload` + one of these (the client's, when it is one of them): a macro-enabled
workbook stays one."""


@dataclass(frozen=True)
class Outcome:
    name: str
    """The client's file name, shown as text and used (made safe) for the downloads' names; never a path."""
    suffix: str
    run: pipeline.Outcome
    quarters: tuple[str, ...]
    """The quarters whose three months the workbook has, for choosing a review."""
    workbook: bytes
    """The upload with the generated sheets written back."""

    @property
    def months(self) -> tuple[str, ...]:
        """The months the workbook has rows for, for choosing another one."""
        return self.run.months

    @property
    def options(self) -> Options:
        return self.run.options

    @property
    def lang(self) -> str:
        return self.run.lang

    @property
    def period(self) -> str:
        return self.run.period

    @property
    def report(self) -> PeriodReport:
        return self.run.report

    @property
    def review(self) -> QuarterReview | None:
        return self.run.review

    @property
    def review_error(self) -> str:
        return self.run.review_error.text(self.lang) if self.run.review_error else ""

    @property
    def company(self) -> str:
        return self.run.company

    @property
    def views(self) -> tuple[PayslipView, ...]:
        return self.run.views

    @property
    def sheets(self) -> tuple[Sheet, ...]:
        return self.run.sheets


def suffix(name: str) -> str:
    ending = Path(name).suffix.lower()
    return ending if ending in SUFFIXES else SUFFIXES[0]


def process(upload: bytes, name: str, options: Options, folder: Path) -> Outcome:
    """The pipeline `kpi-reports run` runs, on a copy of the upload in `folder` (the only file written),
    which has no folder of the user's beside it. Raises KpiError (InvalidWorkbook with every problem,
    FileProblem for a file that is no workbook) on bad input, as the command line does."""
    path = folder / ("upload" + suffix(name))
    path.write_bytes(upload)
    outcome = pipeline.run(pipeline.XlsxFile(path), options)
    try:
        pipeline.write(outcome)
    except FileProblem as e:
        if e.message.key != "sheet_taken":
            raise
        raise FileProblem(msg("web_sheet_taken", **dict(e.message.params))) from None  # no --out here
    return Outcome(name, path.suffix, outcome, _quarters(outcome.months), path.read_bytes())


def _quarters(months: tuple[str, ...]) -> tuple[str, ...]:
    found = {f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months}
    return tuple(sorted((q for q in found if set(quarter_months(q)) <= set(months)), reverse=True))


def title(outcome: Outcome) -> str:
    return text("sheet_payslips", outcome.lang, period=outcome.period)


def combined_pdf(outcome: Outcome) -> bytes:
    return pdf.render(outcome.views, title(outcome), outcome.company, outcome.lang, outcome.run.payslip_template())


def pdf_zip(outcome: Outcome) -> bytes:
    """A PDF per person, named as `run --pdf DIR --split` names them. PDFs are compressed already: stored."""
    singles = printed.singles(outcome.views, title(outcome), outcome.company, outcome.lang, outcome.run.payslip_template())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for file_name, data in zip(pdf.split_names(outcome.views), singles, strict=True):
            zf.writestr(zipfile.ZipInfo(file_name, dt.datetime.now().timetuple()[:6]), data)
    return buffer.getvalue()


def results_json(outcome: Outcome) -> bytes:
    return json_out.dumps(outcome.report, outcome.lang).encode("utf-8")


def review_json(outcome: Outcome) -> bytes:
    if outcome.review is None:
        raise KpiError(msg("web_not_found"))
    return json_out.review_dumps(outcome.review, outcome.lang).encode("utf-8")


def blank_workbook(lang: str, folder: Path) -> bytes:
    """The workbook `kpi-reports init` writes: explanations, drop-downs and example rows for this month."""
    path = folder / "template.xlsx"
    write_starter(path, lang)
    return path.read_bytes()
