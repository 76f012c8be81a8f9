"""A refresh of a shared spreadsheet: one read, the pipeline `kpi-reports run` runs (`pipeline.run`), one
atomic write.

The calls: the spreadsheet's metadata and every input tab in one values:batchGet (two calls, nothing
written on an error in any of them), then one batchUpdate that deletes the generated tabs of the same
families and adds the new ones — or, when that body would pass the plan's limit, hidden staging tabs over
several calls swapped in by one last call (`render/gsheets/plan.py`). Input tabs are never written.

A refresh writes the families `run` and `review …` only, so the Ledger tab and a closed month's tabs
(`sheets --close`, `gsheets/close.py`) stay as they are; the Ledger tab is read with the input tabs and its
chain checked, so a ledger edited by hand stops the refresh at its cell. A closed month refreshed again
writes nothing: `Refreshed.closed` tells whether it still computes as it was paid.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from kpi_reports.engine.ledger import ClosedMonth
from kpi_reports.gsheets.client import SheetsClient
from kpi_reports.gsheets.source import SpreadsheetTabs, input_ranges
from kpi_reports.pipeline import Options, Outcome, run
from kpi_reports.problems import KpiError
from kpi_reports.render.gsheets import plan as gsheets


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the outcome of the run, the tabs written, the calls made."""

    outcome: Outcome
    tabs: tuple[str, ...]
    calls: int
    staged: bool
    inputs: tuple[str, ...]
    """The input tabs' ranges read, and `digest`, of their values: what `--watch` compares with."""
    digest: str

    @property
    def closed(self) -> ClosedMonth | None:
        """The month is closed: nothing was written (`tabs` is empty); its differences from the ledger."""
        return self.outcome.closed


def refresh(client: SheetsClient, key: str, options: Options | None = None, limit: int = gsheets.LIMIT,
            read: tuple[dict, dict] | None = None) -> Refreshed:
    """Reads the spreadsheet `key` (or takes `read`, a metadata and values pair already fetched), runs the
    pipeline on it as `run` does a file, and writes the generated tabs — none for a closed month (see
    `Refreshed.closed`). Raises InvalidWorkbook (every problem, by tab and cell: a Ledger row edited by hand
    among them), or the review's error when one was asked for, before anything is written."""
    before = client.calls
    metadata, values = read or client.read(key)
    outcome = run(SpreadsheetTabs(metadata, values), options or Options())
    if outcome.review_error is not None:
        raise outcome.review_error
    if outcome.closed is not None:
        return Refreshed(outcome, (), client.calls - before, False, tuple(input_ranges(metadata)), digest(values))
    plan = gsheets.plan(list(outcome.sheets), gsheets.tabs_of(metadata), limit=limit)
    send(client, key, plan)
    return Refreshed(outcome, tuple(s.name for s in outcome.sheets), client.calls - before, plan.staged,
                     tuple(input_ranges(metadata)), digest(values))


def send(client: SheetsClient, key: str, plan: gsheets.Plan) -> None:
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
