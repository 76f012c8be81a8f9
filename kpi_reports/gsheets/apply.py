"""The review applied to a shared spreadsheet (`kpi-reports sheets KEY --apply-review 2026-Q4 [--weights
suggested|sheet]`): one read of the input tabs — and, for the weights typed in the generated Review tab,
that tab in the same values:batchGet — the weights planned as `review --apply` plans them for a file
(`kpi_reports.apply`), and the new rows appended to the user's Schemes tab in ONE batchUpdate
(`render/gsheets/append.py`): three calls in all, or two when there is nothing to add (or it is refused)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from kpi_reports import api
from kpi_reports.apply import (
    WEIGHTS,
    Applied,
    Weights,
    grid,
    no_review_sheet,
    read_typed,
    review_sheet,
    reviewed,
    suggested,
    validated,
)
from kpi_reports.engine.quarters import quarter_of
from kpi_reports.gsheets.client import SheetsClient
from kpi_reports.gsheets.source import (
    SpreadsheetTabs,
    input_ranges,
    quote,
    range_start,
    read_spreadsheet_tables,
    sheet_rows,
    split_range,
    tabs,
)
from kpi_reports.layout.apply_review import plan
from kpi_reports.messages import msg, text
from kpi_reports.model import Workbook
from kpi_reports.problems import KpiError, UsageError
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


def apply_review(client: SheetsClient, key: str, quarter: str, lang: str | None = None,
                 weights: Weights = "suggested") -> SheetsApplied:
    """Appends to the spreadsheet's Schemes tab a version from the month after `quarter` of each scheme whose
    weights the review changes (`weights`: the review's suggested ones, or those typed in the spreadsheet's
    review tab of the quarter, which `sheets --review` writes). Raises InvalidWorkbook (every problem by tab
    and cell: no review tab, a typed weight that is not a share, a scheme's not adding up to 100%) or the
    review's UsageError before anything is written."""
    if weights not in WEIGHTS:
        raise UsageError(msg("apply_bad_weights", value=weights, choices=" | ".join(WEIGHTS)))
    before = client.calls
    months = api.review_months(quarter)
    label = quarter_of(months[-1])
    metadata = client.metadata(key)
    inputs = input_ranges(metadata)
    tab = review_sheet(tabs(metadata), label) if weights == "sheet" else None
    answer = client.values(key, [*inputs, *([quote(tab)] if tab is not None else [])])
    ranges = answer.get("valueRanges", [])
    values = {**answer, "valueRanges": ranges[:len(inputs)]}
    tables, report = read_spreadsheet_tables(metadata, values)
    wb, lang = validated(tables, report, SpreadsheetTabs(metadata, values).name, months, lang)
    try:
        if weights == "sheet":
            got = ranges[len(inputs)] if tab is not None and len(ranges) > len(inputs) else None
            name, wanted = _typed(metadata, tab, got, wb, label, key)
        else:
            name, wanted = "suggested", suggested(reviewed(wb, label))
        planned = plan(wb, grid(tables["Schemes"], wb), label, wanted)
        if planned.rows:
            schemes = next(t for t in tabs_of(metadata) if t.title == planned.sheet)
            client.batch_update(key, append_body(planned, schemes.sheet_id, schemes.columns))
    except KpiError as e:
        e.language = e.language or lang
        raise
    return SheetsApplied(Applied(planned, key, lang, name, written=bool(planned.rows)), client.calls - before)


def _typed(metadata: Mapping, tab: str | None, got: Mapping | None, wb: Workbook, quarter: str,
           key: str) -> tuple[str, dict[str, dict[str, Decimal]]]:
    """The review tab's title and its "your weight" cells by scheme and KPI, read from its value range as
    `review --apply --weights sheet` reads the sheet of a file (numbers unformatted: a share, 0.25)."""
    if tab is None or got is None:
        no_review_sheet(wb, quarter, "apply_no_review_tab", "apply_no_review_tab_hint", spreadsheet=key)
    locale = str(metadata.get("properties", {}).get("locale", ""))
    rows = sheet_rows(got.get("values", []), range_start(split_range(got.get("range", ""))[1]), locale)
    return tab, read_typed(rows, tab, wb, quarter)
