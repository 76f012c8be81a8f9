"""A refresh of a shared spreadsheet: one read, the same computation and layouts as `run` (and `review`),
one atomic write.

The calls: the spreadsheet's metadata and every input tab in one values:batchGet (two calls, nothing
written on an error in any of them), then one batchUpdate that deletes the generated tabs of the same
families and adds the new ones — or, when that body would pass the plan's limit, hidden staging tabs over
several calls swapped in by one last call (`render/gsheets/plan.py`). Input tabs are never written.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from kpi_reports import api, layout
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import QuarterReview
from kpi_reports.gsheets.client import SheetsClient
from kpi_reports.gsheets.source import input_ranges, read_workbook
from kpi_reports.messages import default_language
from kpi_reports.model import Workbook
from kpi_reports.problems import KpiError
from kpi_reports.render.gsheets import plan as gsheets


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the report (and review) computed, the tabs written, the calls made."""

    report: PeriodReport
    review: QuarterReview | None
    tabs: tuple[str, ...]
    calls: int
    staged: bool
    lang: str
    inputs: tuple[str, ...]
    """The input tabs' ranges read, and `digest`, of their values: what `--watch` compares with."""
    digest: str


def refresh(client: SheetsClient, key: str, period: str | None = None, quarter: str | None = None,
            as_of: dt.date | None = None, test_mode: bool | None = None, lang: str | None = None,
            limit: int = gsheets.LIMIT, read: tuple[dict, dict] | None = None) -> Refreshed:
    """Reads the spreadsheet `key` (or takes `read`, a metadata and values pair already fetched), computes
    `period` (default: the latest month with facts) and, with `quarter`, the review, and writes the
    generated tabs. Raises InvalidWorkbook (every problem, by tab and cell) before anything is written."""
    before = client.calls
    metadata, values = read or client.read(key)
    wb = _workbook(metadata, values, period, quarter)
    lang = lang or wb.settings.language or default_language()
    period = period or api.latest_month(wb)
    report = api.period_report(wb, period, as_of, test_mode)
    sheets = layout.sheets(report, lang, wb.settings.company)
    review = api.review(wb, quarter) if quarter else None
    if review is not None:
        sheets += layout.review_sheets(review, lang, wb.settings.company)
    plan = gsheets.plan(sheets, gsheets.tabs_of(metadata), limit=limit)
    _send(client, key, plan)
    return Refreshed(report, review, tuple(s.name for s in sheets), client.calls - before, plan.staged, lang,
                     tuple(input_ranges(metadata)), digest(values))


def _workbook(metadata: Mapping, values: Mapping, period: str | None, quarter: str | None) -> Workbook:
    """The validated workbook, with the months `run` (and `review`) would read — every month when no period
    is given, as `run` does; InvalidWorkbook on errors."""
    months = api.months_to_read(period, quarter)
    title = metadata.get("properties", {}).get("title", "")
    wb, report = read_workbook(metadata, values, source=title, periods=months)
    report.raise_if_errors()
    return wb


def _send(client: SheetsClient, key: str, plan: gsheets.Plan) -> None:
    """The plan's calls in order. Staged, a call that fails after the first (which made the staging tabs)
    — the swap included, as Google applies a call whole or not at all — is followed by the cleanup, which
    deletes the staging tabs; the error is the one raised."""
    for n, payload in enumerate(plan.payloads):
        try:
            client.send(key, payload)
        except KpiError:
            if plan.staged and n > 0:
                with contextlib.suppress(KpiError):  # the staging tabs go at the next refresh's swap otherwise
                    client.send(key, plan.cleanup_payload)
            raise


def digest(values: Mapping) -> str:
    """A digest of a values:batchGet answer's ranges: equal digests, equal input tabs."""
    ranges = json.dumps(values.get("valueRanges", []), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(ranges.encode("utf-8")).hexdigest()
