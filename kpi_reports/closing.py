"""Closing a month: its figures recorded in the Ledger as paid, its sheets kept for good.

    closed = kpi_reports.closing.close("team.xlsx", "2026-10", by="Petrova")

`close` computes the month exactly as `run` does (with the corrections it carries for earlier closed months),
writes its sheets as `run` does — but as the closed month's, which no later run replaces — and appends a
row per person (and per correction paid) to the Ledger sheet, chained on. It refuses a month already closed
and one after an open month with facts; the workbook's errors, a ledger edited by hand among them, stop it
before anything is written. Only `close` writes the ledger.
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from kpi_reports import pipeline
from kpi_reports.engine.ledger import closing_rows
from kpi_reports.layout.ledger import FAMILY, ledger_sheet
from kpi_reports.layout.model import Sheet
from kpi_reports.ledger import Ledger, tool_version
from kpi_reports.messages import msg, text
from kpi_reports.problems import UsageError
from kpi_reports.render.xlsx import writeback


@dataclass(frozen=True)
class Closing:
    """What closing a month writes: the month's sheets, as a closed month's, and the whole ledger."""

    period: str
    ledger: Ledger
    """The ledger with the month's rows appended."""
    added: int
    """How many rows were appended."""
    sheets: tuple[Sheet, ...]
    outcome: pipeline.Outcome

    @property
    def families(self) -> tuple[str, ...]:
        """The generated sheets replaced: the open month's (`run`), the ledger, and this month's own."""
        return ("run", FAMILY, closed_family(self.period))


def closed_family(period: str) -> str:
    return f"closed {period}"


def plan(outcome: pipeline.Outcome, by: str | None = None, now: dt.datetime | None = None) -> Closing:
    """The sheets and ledger rows that close the month `outcome` computed; raises UsageError when it is
    closed already, or when an earlier month with facts is still open after the last one closed."""
    period, wb = outcome.period, outcome.workbook
    ledger = wb.ledger or Ledger()
    if outcome.closed is not None:
        raise UsageError(msg("close_already", period=period, closed_at=outcome.closed.closed_at,
                             by=outcome.closed.closed_by))
    closed = ledger.closed
    last = max(closed, default=None)
    before = [m for m in wb.periods if m < period and m not in closed and last is not None and m > last]
    if before:
        raise UsageError(msg("close_in_order", period=period, first=before[0], last=last))
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = closing_rows(wb, outcome.report.result, stamp, by or _user(), tool_version())
    new = ledger.appended(rows)
    month = tuple(replace(s, family=closed_family(period)) for s in outcome.sheets)
    return Closing(period, new, len(rows), (*month, ledger_sheet(new, outcome.lang)), outcome)


def close(path: str | os.PathLike, period: str, by: str | None = None, backup: bool = False,
          lang: str | None = None, stage: Callable[[str], None] | None = None) -> tuple[Closing, Path | None]:
    """Closes `period` in the workbook at `path`, atomically: the file is the whole old workbook or the whole
    closed one, whenever the process stops. Returns what was written and the backup kept (`backup`)."""
    source = pipeline.xlsx_file(path)
    outcome = pipeline.run(source, pipeline.Options(period=period, lang=lang), stage)
    closing = plan(outcome, by)
    if stage is not None:
        stage(text("progress_write", outcome.lang))
    saved = writeback.write_back(source.path, list(closing.sheets), source.read_as, backup, closing.families)
    return closing, saved


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name (a container without one)
        return "unknown"
