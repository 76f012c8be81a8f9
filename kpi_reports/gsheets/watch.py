"""`sheets --watch`: refresh, then poll every few seconds and refresh again when the input tabs changed.

A poll is one small call: when the spreadsheet's file last changed (Drive's `modifiedTime`). Only when it
did are the input tabs read (one values:batchGet) and compared with the last refresh's, so an edit to a
generated tab — a weight typed into the review's what-if — never triggers a refresh that would undo it.
Where Drive's metadata is refused (the scope not granted, the Drive API off), every poll reads the input
tabs instead. Ctrl-C stops between two calls, never in the middle of a write.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from kpi_reports.gsheets.client import SheetsClient
from kpi_reports.gsheets.refresh import Refreshed, digest, refresh
from kpi_reports.pipeline import Options
from kpi_reports.problems import KpiError


def watch_and_refresh(client: SheetsClient, key: str, options: Options, every: float,
                      done: Callable[[Refreshed], None], failed: Callable[[KpiError], None],
                      sleep: Callable[[float], None] = time.sleep, polls: int | None = None) -> None:
    """Refreshes at once and whenever the input tabs change; a refresh that fails (a bad cell, say) is
    reported through `failed` and the watch goes on, so fixing the cell refreshes. `polls` bounds the
    number of polls (for tests); Ctrl-C (KeyboardInterrupt) ends the watch cleanly."""
    try:
        last = _refresh(client, key, options, done, failed)
        stamp, n = _stamp(client, key), 0
        while polls is None or n < polls:
            n += 1
            sleep(every)
            if stamp is not None:
                now = _stamp(client, key)
                if now == stamp:
                    continue
                stamp = now
            if last is None or digest(client.values(key, last.inputs)) != last.digest:
                last = _refresh(client, key, options, done, failed) or last
                stamp = _stamp(client, key) if stamp is not None else None  # after our own write
    except KeyboardInterrupt:
        return


def _stamp(client: SheetsClient, key: str) -> str | None:
    """The file's `modifiedTime`, or None when Drive's metadata cannot be read: then every poll reads."""
    try:
        return client.modified(key)
    except KpiError:
        return None


def _refresh(client: SheetsClient, key: str, options: Options, done, failed) -> Refreshed | None:
    try:
        result = refresh(client, key, options)
    except KpiError as e:
        failed(e)
        return None
    done(result)
    return result
