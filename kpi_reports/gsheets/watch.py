"""`sheets --watch`: refresh, then poll the input tabs with one values:batchGet every few seconds and
refresh again when they changed. Ctrl-C stops between two calls, never in the middle of a write."""
from __future__ import annotations

import time
from collections.abc import Callable

from kpi_reports.gsheets.client import SheetsClient
from kpi_reports.gsheets.refresh import Refreshed, digest, refresh
from kpi_reports.problems import KpiError


def watch_and_refresh(client: SheetsClient, key: str, options: dict, every: float,
                      done: Callable[[Refreshed], None], failed: Callable[[KpiError], None],
                      sleep: Callable[[float], None] = time.sleep, polls: int | None = None) -> None:
    """Refreshes at once and whenever the input tabs change; a refresh that fails (a bad cell, say) is
    reported through `failed` and the watch goes on, so fixing the cell refreshes. `polls` bounds the
    number of polls (for tests); Ctrl-C (KeyboardInterrupt) ends the watch cleanly."""
    try:
        last = _refresh(client, key, options, done, failed)
        inputs = last.inputs if last else None
        seen = last.digest if last else None
        n = 0
        while polls is None or n < polls:
            n += 1
            sleep(every)
            if inputs is None:
                last = _refresh(client, key, options, done, failed)
                inputs, seen = (last.inputs, last.digest) if last else (None, None)
                continue
            now = digest(client.values(key, inputs))
            if now != seen:
                last = _refresh(client, key, options, done, failed)
                seen = last.digest if last else now
    except KeyboardInterrupt:
        return


def _refresh(client: SheetsClient, key: str, options: dict, done, failed) -> Refreshed | None:
    try:
        result = refresh(client, key, **options)
    except KpiError as e:
        failed(e)
        return None
    done(result)
    return result
