"""One pipeline under the three faces: a source and the options in, one outcome out.

    outcome = kpi_reports.run("team.xlsx", kpi_reports.Options(period="2026-10"))
    kpi_reports.write(outcome)                   # the generated sheets into team.xlsx, atomically
    kpi_reports.print_payslips(outcome, "out")   # out/payslips-2026-10.pdf

Every rule of what a run means lives here, once: which month (the one asked for, else the as-of day's, else
the latest with facts; none at all is an error), which months are read, which language (the options', else
the workbook's Settings, else the system's), which payslip template (Settings, from the workbook's folder),
the test mode (the options', else Settings mode). `kpi-reports run`, the web page and a Google Sheets
refresh call `run` and only choose where the outcome goes.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kpi_reports import api, layout
from kpi_reports.engine.ledger import ClosedMonth
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import QuarterReview
from kpi_reports.layout.model import Sheet, on_their_own
from kpi_reports.layout.payslip_view import PayslipView, payslip_views
from kpi_reports.messages import default_language, msg, text
from kpi_reports.model import Settings, Workbook
from kpi_reports.problems import KpiError, Problem, Report, UsageError
from kpi_reports.render.printed import files
from kpi_reports.render.xlsx import draw, writeback


class Source(Protocol):
    """Where a workbook comes from: an .xlsx file (`XlsxFile`), a spreadsheet's tabs (`gsheets.source`)."""

    name: str
    """What the user calls it: the file's path, the spreadsheet's title."""
    folder: Path | None
    """The user's folder of the workbook, where a Settings payslip_template is found; None: it has none."""

    def read(self, periods: Collection[str] | None) -> tuple[Workbook, Report]:
        """The validated workbook with only `periods` (every month when None) and every problem found."""


@dataclass
class XlsxFile:
    """An .xlsx (or .xlsm) on disk. `folder`: the workbook's folder, unless the file is a copy elsewhere
    (the page's upload), which has none of the user's."""

    path: Path
    folder: Path | None = None
    read_as: tuple[int, int] | None = field(default=None, init=False)
    """The file's size and time when it was read: a write-back refuses a file changed since."""

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def name(self) -> str:
        return str(self.path)

    def read(self, periods: Collection[str] | None) -> tuple[Workbook, Report]:
        self.read_as = writeback.fingerprint(self.path) if self.path.is_file() else None
        return api.read(self.path, periods)


def xlsx_file(path: str | os.PathLike) -> XlsxFile:
    """The workbook at `path`, in its own folder: how the command line and a library user read a file."""
    path = Path(path)
    return XlsxFile(path, path.resolve().parent)


@dataclass(frozen=True)
class Options:
    period: str | None = None
    """YYYY-MM; None: the as-of day's month, else the latest month with facts."""
    quarter: str | None = None
    """Also the quarterly weight review of this quarter (2026-Q4)."""
    as_of: dt.date | None = None
    """Facts are month-to-date on this day: forecast to month end."""
    test_mode: bool | None = None
    """True: every output marked as test mode; None: Settings mode."""
    lang: str | None = None
    """en or ru; None: the workbook's Settings language, else the system's."""
    pay: bool = True
    """False: the quarter's review alone (`kpi-reports review`), no month's pay; only its months are read."""
    credited: bool = False
    """Also the Credited sheet: every Deals, Calls and Activities row, and what became of it."""


@dataclass(frozen=True)
class Outcome:
    """What a run made: everything a face shows, writes or prints."""

    source: Source
    options: Options
    settings: Settings
    months: tuple[str, ...]
    """Every month the workbook has rows for, read or not (to choose another one)."""
    lang: str
    report: PeriodReport | None
    """The month's pay; None for a review alone (`Options.pay` False)."""
    review: QuarterReview | None
    review_error: KpiError | None
    """Why the review asked for could not be made (a quarter without all its facts), the month's pay being
    made all the same; None when it was made or not asked for. A face decides whether that is an error."""
    template: Path | None
    """The printed payslips' Typst template (Settings payslip_template); None: the bundled one."""
    template_error: KpiError | None = None
    """Why the template Settings names cannot be used (one outside the workbook's folder, or a source with no
    folder of the user's): raised by printing (`payslip_template`), so that a run that prints nothing, and
    the rest of one that does, goes on all the same."""
    closed: ClosedMonth | None = None
    """The month is closed (in the ledger): its sheets are kept as they are, never written again; a face
    tells whether it still computes as it was paid. None: an open month (or a review alone)."""
    workbook: Workbook | None = field(default=None, repr=False, compare=False)
    """The workbook as read (what `close` records the inputs of)."""

    @property
    def period(self) -> str:
        """The month computed (YYYY-MM), or for a review alone its quarter."""
        return self.report.result.period if self.report else self.review.quarter

    @property
    def company(self) -> str:
        return self.settings.company

    @functools.cached_property
    def views(self) -> tuple[PayslipView, ...]:
        """Every person's payslip as printed, in the Summary's order; made when first asked for (a run that
        only prints its figures never pays for them)."""
        return tuple(payslip_views(self.report, self.lang, self.company)) if self.report else ()

    @functools.cached_property
    def sheets(self) -> tuple[Sheet, ...]:
        """The generated sheets laid out: payslips, summary, problems; the review's. Made when first asked for."""
        month = layout.sheets(self.report, self.lang, self.company, self.views,
                              self.options.credited) if self.report else []
        return (*month, *(layout.review_sheets(self.review, self.lang, self.company) if self.review else ()))

    def without_workbook(self) -> Outcome:
        """This outcome without the workbook it read (every input row: what a face that keeps outcomes, the
        page, need not keep), with its payslips and sheets as laid out already (`cached_property` keeps them
        in the instance's `__dict__`)."""
        kept = dataclasses.replace(self, workbook=None)
        kept.__dict__.update({k: v for k, v in self.__dict__.items() if k in ("views", "sheets")})
        return kept

    def payslip_template(self) -> Path | None:
        """The template to print with (None: the bundled one); raises why the one Settings names cannot be."""
        if self.template_error is not None:
            raise self.template_error
        return self.template

    @property
    def warnings(self) -> list[Problem]:
        """The month's warnings, then the review's."""
        return [*(self.report.warnings if self.report else ()), *(self.review.warnings if self.review else ())]


def run(source: Source | str | os.PathLike, options: Options | None = None,
        stage: Callable[[str], None] | None = None) -> Outcome:
    """Reads, validates and computes the month (and the review); the outcome lays out its sheets and
    payslips when they are first asked for.

    Raises InvalidWorkbook with every problem (by sheet and cell), FileProblem for a file that is no
    workbook, UsageError for options that do not fit the workbook — before anything is written anywhere.
    `stage` is told each stage's label, in the run's language, as it starts (a progress line)."""
    source = source if hasattr(source, "read") else xlsx_file(source)
    options = options or Options()
    lang = options.lang or default_language()
    _tell(stage, "progress_read", lang)
    period = options.period or (options.as_of.strftime("%Y-%m") if options.as_of else None)
    wb, report = source.read(_months(period, options))
    report.raise_if_errors()
    lang = language(options.lang, wb)
    try:
        return _outcome(source, options, wb, period or api.latest_month(wb), lang, stage)
    except KpiError as e:
        e.language = e.language or lang  # what follows the read is told in the workbook's language
        raise


def _months(period: str | None, options: Options) -> list[str] | None:
    """The months to read; a quarter that is not one is said before the file is read."""
    quarter = options.quarter and api.review_months(options.quarter)
    if not options.pay:
        if not quarter:
            raise UsageError(msg("bad_quarter_arg", value=""))
        return quarter
    return api.months_to_read(period, options.quarter)


def _outcome(source: Source, options: Options, wb: Workbook, period: str, lang: str, stage) -> Outcome:
    if options.pay and not period:
        raise UsageError(msg("no_facts_month"))
    _tell(stage, "progress_compute", lang)
    report = api.period_report(wb, period, options.as_of, options.test_mode) if options.pay else None
    review, review_error = None, None
    if options.quarter:
        try:
            review = api.review(wb, options.quarter)
        except UsageError as e:
            if not options.pay:
                raise  # the review is all that was asked for
            review_error = e
    found, error = template(wb, source.folder)
    if error is not None:
        error.language = lang  # raised when printing, and told in the run's language then
    closed = api.closed_month(wb, period) if options.pay else None
    return Outcome(source, options, wb.settings, tuple(wb.periods), lang, report, review, review_error, found, error,
                   closed, wb)


def language(asked: str | None, wb: Workbook) -> str:
    """The options' language, else the workbook's Settings language, else the system's."""
    return asked or wb.settings.language or default_language()


def template(wb: Workbook, folder: Path | None) -> tuple[Path | None, KpiError | None]:
    """Settings payslip_template: a .typ file in the workbook's folder or below it — never an absolute
    path or one that climbs out, since the template's folder is all it can read. A source without a
    folder of the user's (a spreadsheet, the page's upload) has nowhere to read it from. Either error is
    kept for printing, rather than payslips quietly printed another way."""
    typed = wb.settings.payslip_template
    if not typed:
        return None, None
    if folder is None:
        where = wb.settings.cells.get("payslip_template")
        return None, KpiError(msg("template_unreadable", template=typed), where and f"{where.sheet}!{where.ref}")
    found = (folder / typed).resolve()
    if Path(typed).is_absolute() or not found.is_relative_to(folder) or found.suffix.lower() != ".typ":
        return None, KpiError(msg("template_outside"), typed)
    return found, None


@dataclass(frozen=True)
class Written:
    path: Path
    sheets: tuple[str, ...]
    backup: Path | None

    def note(self, lang: str) -> str:
        """The line that says what was written."""
        done = text("written_sheets", lang, path=self.path, sheets=", ".join(self.sheets))
        return done + (f"; {text('backup_kept', lang, backup=self.backup)}" if self.backup else "")


def write(outcome: Outcome, out: str | os.PathLike | None = None, backup: bool = False) -> Written:
    """The generated sheets into the workbook that was read (replacing those of an earlier run, only if
    the file is still the one read, keeping NAME.bak.xlsx with `backup`), or into a new workbook `out`."""
    names = tuple(s.name for s in outcome.sheets)
    if outcome.closed is not None and out is None:
        raise UsageError(msg("closed_kept", period=outcome.period, closed_at=outcome.closed.closed_at,
                             by=outcome.closed.closed_by))
    if out is not None:
        draw.write_workbook(Path(out), on_their_own(list(outcome.sheets)))
        return Written(Path(out), names, None)
    source = outcome.source
    if not isinstance(source, XlsxFile):
        raise UsageError(msg("write_needs_file"))
    saved = writeback.write_back(source.path, list(outcome.sheets), source.read_as, backup)
    return Written(source.path, names, saved)


def print_payslips(outcome: Outcome, folder: str | os.PathLike, split: bool = False, with_html: bool = False,
                   stage: Callable[[str], None] | None = None) -> list[Path]:
    """The printed payslips: FOLDER/payslips-YYYY-MM.pdf, with `split` one PDF per person, with `with_html`
    the HTML view; returns the files, the combined PDF first."""
    template = outcome.payslip_template()
    return files.write_payslips(list(outcome.views), Path(folder), outcome.period, outcome.lang, outcome.company,
                                split, with_html, template, stage)


def _tell(stage: Callable[[str], None] | None, key: str, lang: str) -> None:
    if stage is not None:
        stage(text(key, lang))
