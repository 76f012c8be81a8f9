"""The review applied: a quarter's reviewed weights written into the user's own Schemes sheet, as a new
version of each changed scheme from the first month of the next quarter — the one change the tool ever
makes to a sheet of the user's, and only when asked.

    applied = kpi_reports.apply.apply_review("team.xlsx", "2026-Q4")          # the suggested weights
    applied = kpi_reports.apply.apply_review("team.xlsx", "2026-Q4", "sheet")  # those typed in Review 2026-Q4
    print(applied.text("en"))

The review is the quarter's by the terms in force in its last month (so that a version added by an earlier
apply, from the next quarter on, does not change what is suggested: applying twice adds nothing). Which
rows are added is `layout/apply_review.py`'s plan; the .xlsx is drawn by `render/xlsx/append.py` (the
other parts of the file byte-identical, replaced atomically, only if the file did not change since it was
read), a Google spreadsheet by `gsheets/apply.py`.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

import python_calamine

from kpi_reports import api, i18n, pipeline
from kpi_reports.engine.quarters import quarter_months, quarter_of
from kpi_reports.engine.review import QuarterReview
from kpi_reports.layout.apply_review import AppendPlan, SchemesGrid, lines_in_force, plan
from kpi_reports.messages import LANGUAGES, catalogue, msg, text
from kpi_reports.model import Workbook
from kpi_reports.names import a1, norm
from kpi_reports.problems import KpiError, Report, UsageError
from kpi_reports.render.xlsx import append, writeback
from kpi_reports.workbook import schema
from kpi_reports.workbook.cells import CellError, is_empty, number
from kpi_reports.workbook.reader import Table, read_tables
from kpi_reports.workbook.validate import validate

Weights = Literal["suggested", "sheet"]
WEIGHTS: tuple[str, ...] = ("suggested", "sheet")


@dataclass(frozen=True)
class Applied:
    """What an apply did or, with `dry_run`, would do."""

    plan: AppendPlan
    source: str
    """The file's path or the spreadsheet's key."""
    lang: str
    weights: str
    """`suggested`, or the name of the review sheet the weights were typed in."""
    written: bool = False
    backup: Path | None = None
    dry_run: bool = False

    def text(self, lang: str | None = None) -> str:
        """The lines the command prints: per scheme what is added (each row's weight before → after) or why
        nothing is."""
        lang = lang or self.lang
        p = self.plan
        weights = text("apply_suggested", lang) if self.weights == "suggested" else \
            text("apply_typed", lang, sheet=self.weights)
        lines = [text("apply_title", lang, quarter=p.quarter, sheet=p.sheet, weights=weights, since=p.since)]
        for change in p.schemes:
            rows = _span(change.rows)
            if change.status == "unchanged":
                lines.append(text("apply_scheme_unchanged", lang, scheme=change.scheme))
            elif change.status == "applied":
                lines.append(text("apply_scheme_applied", lang, scheme=change.scheme, since=p.since, rows=rows))
            else:
                lines.append(text("apply_scheme_added", lang, scheme=change.scheme, since=p.since, rows=rows))
                lines += [text("apply_row", lang, kpi=r.kpi, before=_percent(r.before, lang),
                               after=_percent(r.weight, lang), row=r.row + 1, source=r.source + 1)
                          for r in p.rows if r.scheme == change.scheme]
        if p.rows and p.from_header:
            lines.append(text("apply_from_column", lang, sheet=p.sheet, header=p.from_header,
                              cell=a1(p.header_row, p.from_column)))
        return "\n".join(lines)

    def note(self, lang: str | None = None) -> str:
        """The line that says what was written (or, dry, would be)."""
        lang = lang or self.lang
        p = self.plan
        if not p.rows:
            return text("apply_nothing", lang, path=self.source, sheet=p.sheet)
        if self.dry_run:
            return text("apply_dry_run", lang, count=len(p.rows), sheet=p.sheet)
        done = text("apply_written", lang, path=self.source, count=len(p.rows), sheet=p.sheet)
        return done + (f"; {text('backup_kept', lang, backup=self.backup)}" if self.backup else "")


def apply_review(path: str | os.PathLike, quarter: str, weights: Weights = "suggested", dry_run: bool = False,
                 backup: bool = False, lang: str | None = None) -> Applied:
    """Appends to the Schemes sheet of the workbook at `path` a version from the month after `quarter` of
    each scheme whose weights the review changes (`weights`: the review's suggested ones, or those typed
    in the workbook's review sheet of the quarter); with `dry_run`, plans the rows and writes nothing.

    Raises InvalidWorkbook (every problem by sheet and cell), UsageError or FileProblem before anything is
    written; FileProblem when the file changed while the tool ran (nothing written then either)."""
    if weights not in WEIGHTS:
        raise UsageError(msg("apply_bad_weights", value=weights, choices=" | ".join(WEIGHTS)))
    path = Path(path)
    months = api.review_months(quarter)
    label = quarter_of(months[-1])
    if path.is_file():
        writeback.remove_leftovers(path)
    read_as = writeback.fingerprint(path) if path.is_file() else None
    tables, report = read_tables(path)
    wb, lang = validated(tables, report, str(path), months, lang)
    try:
        if weights == "sheet":
            name, wanted = typed_weights(path, wb, label)
        else:
            name, wanted = "suggested", suggested(reviewed(wb, label))
        planned = plan(wb, grid(tables["Schemes"], wb), label, wanted)
        if not planned.rows or dry_run:
            return Applied(planned, str(path), lang, name, dry_run=dry_run)
        saved = append.write_rows(path, planned, read_as, backup)
    except KpiError as e:
        e.language = e.language or lang  # told in the workbook's language, as a run's errors are
        raise
    return Applied(planned, str(path), lang, name, written=True, backup=saved)


def validated(tables: dict[str, Table], report: Report, source: str, months: list[str],
              lang: str | None) -> tuple[Workbook, str]:
    """The workbook of the review's months from the tables read (raising InvalidWorkbook with every error,
    as `run` does) and the language to tell the outcome in."""
    wb = validate(tables, report, source=source, periods=months)
    wb.warnings = report.warnings
    report.language = wb.settings.language
    report.raise_if_errors()
    return wb, pipeline.language(lang, wb)


def reviewed(wb: Workbook, quarter: str) -> QuarterReview:
    """The quarter's review by the terms in force in its last month: a version from a later month (one an
    earlier apply added) changes nothing of it."""
    return api.review(wb.in_force(quarter_months(quarter)[-1]), quarter)


def suggested(review: QuarterReview) -> dict[str, dict[str, Decimal]]:
    """Per scheme reviewed, its suggested weight per KPI (keyed as the scheme lines key them)."""
    return {s.scheme: {norm(k.kpi): k.suggested_weight for k in s.kpis} for s in review.schemes}


def grid(table: Table, wb: Workbook) -> SchemesGrid:
    """The Schemes table's geometry for the plan. A `from` column to add goes right of the last header; a
    column there holding values without a header is refused, naming the first (they would become `from`
    months)."""
    last_column = max(table.headers)
    last_row = max((r for r, _ in table.rows), default=table.header_row)
    if "from" not in table.columns:
        col = last_column + 1
        taken = next((r for r, values in table.rows if col < len(values) and not is_empty(values[col])), None)
        if taken is not None:
            report = Report(language=wb.settings.language)
            report.add(msg("apply_column_taken", sheet=table.sheet), **table.cell(taken, col).where(),
                       found=str(next(v for r, v in table.rows if r == taken)[col]), hint=msg("apply_column_taken_hint"))
            report.raise_if_errors()
    lang = wb.settings.language or ("ru" if norm(table.sheet) == norm(schema.SCHEMES.ru) else "en")
    return SchemesGrid(table.sheet, table.header_row, dict(table.columns), last_column, last_row,
                       schema.SCHEMES.column("from").title(lang), dict(table.headers))


# --- the weights typed in the review sheet ---------------------------------------------------------------

def typed_weights(path: Path, wb: Workbook, quarter: str) -> tuple[str, dict[str, dict[str, Decimal]]]:
    """The review sheet's name and the "your weight" cells of each scheme's table in it, by scheme and KPI.
    Raises InvalidWorkbook when the workbook has no review sheet of the quarter, and naming each cell that
    is not a share, a KPI or scheme the sheet names that the quarter's last month has not, and each scheme
    whose weights do not add up to 100%."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = review_sheet(book.sheet_names, quarter)
    if sheet is None:
        no_review_sheet(wb, quarter, "apply_no_review_sheet", "apply_no_review_sheet_hint", path=path)
    rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return sheet, read_typed(rows, sheet, wb, quarter)


def review_sheet(names: Iterable[str], quarter: str) -> str | None:
    """The first of `names` that is the quarter's review sheet: titled as `review` titles it, in either
    language, in any case."""
    wanted = {text("sheet_review", lang, quarter=quarter).casefold() for lang in LANGUAGES}
    return next((n for n in names if n.casefold() in wanted), None)


def no_review_sheet(wb: Workbook, quarter: str, problem: str, hint: str, **fields: object) -> None:
    """Raises InvalidWorkbook: there is no review sheet of the quarter to take the typed weights from
    (`problem` and `hint` are message keys; the sheet and its column are named in the workbook's language)."""
    lang = pipeline.language(None, wb)
    report = Report(language=wb.settings.language)
    report.add(msg(problem, sheet=text("sheet_review", lang, quarter=quarter)),
               hint=msg(hint, quarter=quarter, column=text("col_yours", lang), **fields))
    report.raise_if_errors()


def read_typed(rows: list[list], sheet: str, wb: Workbook, quarter: str) -> dict[str, dict[str, Decimal]]:
    """The typed weights of a review sheet's rows (as python-calamine gives them, from A1): each header row
    holding "your weight" starts a scheme's table (the scheme named by its heading above), whose KPI rows
    run down to the totals row. Read by the header cells' texts, so a sheet in either language is read."""
    report, found = Report(language=wb.settings.language), {}
    tables = list(_tables(rows))
    if not tables:
        report.add(msg("apply_no_yours", sheet=sheet, column=text("col_yours", pipeline.language(None, wb))),
                   sheet=sheet, hint=msg("apply_review_again"))
    for table in tables:
        typed = _typed(rows, sheet, wb, quarter, table, report)
        if typed is not None:
            found[table[4]] = typed
    report.raise_if_errors()
    return found


def _typed(rows: list[list], sheet: str, wb: Workbook, quarter: str, table: tuple, report: Report):
    """One scheme's table of the review sheet: its typed weights by KPI, or None with its problems reported."""
    r, col, kpi_col, lang, scheme = table
    last = quarter_months(quarter)[-1]
    lines = lines_in_force(wb, scheme, last) if scheme else None
    if not lines:
        report.add(msg("apply_typed_unknown_scheme", scheme=scheme or "?", month=last), sheet=sheet,
                   cell=a1(r, kpi_col), hint=msg("apply_review_again"))
        return None
    where = {"sheet": sheet, "column": text("col_yours", lang)}
    titles = {_title(wb, line, lang): line for line in lines}
    typed, seen, cells, errors = {}, set(), [], len(report.errors)
    row = r + 1
    while not is_empty(title := _at(rows, row, kpi_col)) and str(title).strip() != text("total", lang):
        line = titles.get(str(title).strip())
        if line is None:
            report.add(msg("apply_typed_unknown_kpi", title=str(title).strip(), scheme=scheme, month=last),
                       sheet=sheet, cell=a1(row, kpi_col), hint=msg("apply_review_again"))
        else:
            seen.add(line.kpi)
            value, cell = _at(rows, row, col), a1(row, col)
            cells.append(cell)
            kpi = wb.kpis[line.kpi].kpi if line.kpi in wb.kpis else line.kpi
            weight = _share(value, msg("apply_typed_bad", kpi=kpi, scheme=scheme),
                            msg("apply_typed_range", kpi=kpi, scheme=scheme), report, where | {"cell": cell})
            if weight is not None:
                typed[line.kpi] = weight
        row += 1
    for line in lines:
        if line.kpi not in seen:
            kpi = wb.kpis[line.kpi].kpi if line.kpi in wb.kpis else line.kpi
            report.add(msg("apply_typed_missing_kpi", kpi=kpi, scheme=scheme), sheet=sheet,
                       cell=a1(r, kpi_col), hint=msg("apply_review_again"))
    if len(report.errors) > errors:
        return None
    total = sum(typed.values(), Decimal(0))
    if total != 1:
        report.add(msg("apply_typed_not_100", scheme=scheme), **where, cell=f"{cells[0]}:{cells[-1]}",
                   found=f"{(total * 100).normalize():f}%", expected=msg("hundred"))
        return None
    return typed


def _share(value: object, bad, outside, report: Report, where: dict) -> Decimal | None:
    """A typed weight: a share from 0 to 1 (45% or 0.45); None with the problem reported."""
    try:
        weight = None if is_empty(value) else number(value)
    except CellError:
        report.add(bad, **where, found=str(value), expected=msg("apply_share"))
        return None
    if weight is None or not 0 <= weight <= 1:
        report.add(bad if weight is None else outside, **where, found="" if weight is None else str(value),
                   expected=msg("apply_share"))
        return None
    return weight


def _tables(rows: list[list]):
    """(header row, "your weight" column, KPI column, the sheet's language, the scheme) of each table."""
    yours = {text("col_yours", lang): lang for lang in LANGUAGES}
    headings = {lang: _pattern(catalogue()["review_scheme"][lang]) for lang in LANGUAGES}
    previous = -1
    for r, row in enumerate(rows):
        col = next((c for c, v in enumerate(row) if isinstance(v, str) and v.strip() in yours), None)
        if col is None:
            continue
        lang = yours[row[col].strip()]
        kpi_col = next((c for c, v in enumerate(row) if isinstance(v, str) and v.strip() == text("kpi", lang)), 0)
        scheme = None
        for above in range(r - 1, previous, -1):
            m = headings[lang].fullmatch(str(_at(rows, above, kpi_col)).strip())
            if m:
                scheme = m.group("scheme")
                break
        previous = r
        yield r, col, kpi_col, lang, scheme


def _pattern(template: str) -> re.Pattern:
    """A message template as a pattern: `{scheme}` captured, any other field a number."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(re.escape(p) if i % 2 == 0 else ("(?P<scheme>.+?)" if p == "scheme" else r"[\d\s,.]+")
                      for i, p in enumerate(parts))
    return re.compile(pattern)


def _title(wb: Workbook, line, lang: str) -> str:
    """A KPI's title as the review sheet shows it (a team KPI marked as such)."""
    title = wb.kpis[line.kpi].title if line.kpi in wb.kpis else line.kpi
    return text("team_scope", lang, title=title) if line.scope == "team" else title


def _at(rows: list[list], row: int, col: int) -> object:
    return rows[row][col] if 0 <= row < len(rows) and col < len(rows[row]) else ""


def _percent(share: Decimal, lang: str) -> str:
    """45%, 12.5%: a weight with the decimals it has."""
    places = max(0, -(share * 100).normalize().as_tuple().exponent)
    return i18n.percent(share, lang, places=places)


def _span(rows: tuple[int, ...]) -> str:
    if not rows:
        return ""
    first, last = min(rows) + 1, max(rows) + 1
    return f"{first}" if first == last else f"{first}–{last}"
