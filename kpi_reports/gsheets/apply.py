"""The review applied to a shared spreadsheet (`kpi-reports sheets KEY --apply-review 2026-Q4`): one read of
the input tabs, the review's suggested weights planned as `review --apply` plans them for a file
(`kpi_reports.apply`), and the new rows appended to the user's Schemes tab in ONE batchUpdate
(`render/gsheets/append.py`): three calls in all, or two when there is nothing to add."""
from __future__ import annotations

from dataclasses import dataclass

from kpi_reports import api
from kpi_reports.apply import Applied, grid, reviewed, suggested, validated
from kpi_reports.engine.quarters import quarter_of
from kpi_reports.gsheets.client import SheetsClient
from kpi_reports.gsheets.source import SpreadsheetTabs, read_spreadsheet_tables
from kpi_reports.layout.apply_review import plan
from kpi_reports.messages import text
from kpi_reports.problems import KpiError
from kpi_reports.render.gsheets.append import append_body
from kpi_reports.render.gsheets.plan import tabs_of


@dataclass(frozen=True)
class SheetsApplied:
    applied: Applied
    calls: int
    """The calls made, the reads included."""

    def note(self, lang: str | None = None) -> str:
        lang = lang or self.applied.lang
        p = self.applied.plan
        if not p.rows:
            return text("apply_sheets_nothing", lang, spreadsheet=self.applied.source, sheet=p.sheet)
        return text("apply_sheets_written", lang, spreadsheet=self.applied.source, count=len(p.rows), sheet=p.sheet,
                    calls=self.calls)


def apply_review(client: SheetsClient, key: str, quarter: str, lang: str | None = None) -> SheetsApplied:
    """Appends to the spreadsheet's Schemes tab a version from the month after `quarter` of each scheme whose
    weights the review suggests changing. Raises InvalidWorkbook (every problem by tab and cell) or the
    review's UsageError before anything is written."""
    before = client.calls
    months = api.review_months(quarter)
    label = quarter_of(months[-1])
    metadata, values = client.read(key)
    source = SpreadsheetTabs(metadata, values)
    tables, report = read_spreadsheet_tables(metadata, values)
    wb, lang = validated(tables, report, source.name, months, lang)
    try:
        planned = plan(wb, grid(tables["Schemes"], wb), label, suggested(reviewed(wb, label)))
        if planned.rows:
            tab = next(t for t in tabs_of(metadata) if t.title == planned.sheet)
            client.batch_update(key, append_body(planned, tab.sheet_id, tab.columns))
    except KpiError as e:
        e.language = e.language or lang
        raise
    return SheetsApplied(Applied(planned, key, lang, "suggested", written=bool(planned.rows)), client.calls - before)
