"""Closing a month in a shared spreadsheet (`kpi-reports sheets KEY --close 2026-10 [--by NAME]`): what
`kpi-reports close` does to a file (`kpi_reports.closing`), through the Sheets API.

The calls: the read a refresh makes (the metadata, then every input tab — the Ledger tab among them, its
chain checked — in one values:batchGet), the month computed as a refresh computes it, then the same ONE
atomic batchUpdate a refresh sends (or its staged calls, for a body over the plan's limit): the open
month's `run` tabs and the old Ledger tab deleted, the month's tabs added as the closed month's (family
`closed 2026-10`, which no later refresh replaces) and the whole Ledger tab, the month's rows appended
(family `ledger`, which only closing writes). Google applies a call whole or not at all, so the spreadsheet
is the open one or the closed one, never half.

Every value of the Ledger tab reads back as it was written, so that the chain verifies at the next read:
text is a `stringValue` (never parsed by Sheets: `2026-10`, `E001`, `2026-12-07T15:22:55Z` and the hashes
stay text) and money a `numberValue` of the Decimal's own digits (`render/gsheets/values.py`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi_reports.closing import Closing
from kpi_reports.closing import plan as closing_plan
from kpi_reports.gsheets.client import SheetsClient
from kpi_reports.gsheets.refresh import send
from kpi_reports.gsheets.source import SpreadsheetTabs
from kpi_reports.messages import text
from kpi_reports.pipeline import Options, run
from kpi_reports.problems import KpiError
from kpi_reports.render.gsheets import plan as gsheets


@dataclass(frozen=True)
class SheetsClosed:
    """What closing did: the closing (the month's outcome, the ledger written), the tabs written, the calls."""

    closing: Closing
    spreadsheet: str
    tabs: tuple[str, ...]
    calls: int
    """The calls made, the reads included."""
    staged: bool

    def note(self, lang: str | None = None) -> str:
        lang = lang or self.closing.outcome.lang
        return text("sheets_close_done", lang, period=self.closing.period, rows=self.closing.added,
                    tab=self.tabs[-1], spreadsheet=self.spreadsheet, sheets=", ".join(self.tabs[:-1]),
                    calls=self.calls)


def close(client: SheetsClient, key: str, period: str, by: str | None = None, lang: str | None = None, *,
          limit: int = gsheets.LIMIT, now: dt.datetime | None = None) -> SheetsClosed:
    """Closes `period` in the spreadsheet `key`: its tabs written as the closed month's and the Ledger tab
    with its rows appended (`by`: who closes it; else this computer's user), in one atomic write. Raises
    InvalidWorkbook (every problem by tab and cell, a Ledger edited by hand among them) or UsageError (the
    month closed already, an earlier month still open, a user's tab with a generated tab's name) before
    anything is written."""
    before = client.calls
    metadata, values = client.read(key)
    outcome = run(SpreadsheetTabs(metadata, values), Options(period=period, lang=lang))
    try:
        closing = closing_plan(outcome, by, now)
        planned = gsheets.plan(list(closing.sheets), gsheets.tabs_of(metadata), limit=limit,
                               replace=closing.families)
    except KpiError as e:
        e.language = e.language or outcome.lang
        raise
    send(client, key, planned)
    return SheetsClosed(closing, key, tuple(s.name for s in closing.sheets), client.calls - before, planned.staged)
