"""The cycle collector paused while a job runs: a run makes millions of small objects and no garbage cycles
worth chasing, and the collector's repeated passes over them cost a third of a large run. Nested and
concurrent jobs (the web page's threads) share one pause: the collector is back when the last one ends."""
from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_jobs = 0
_was_on = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    global _jobs, _was_on
    with _lock:
        if _jobs == 0:
            _was_on = gc.isenabled()
            gc.disable()
        _jobs += 1
    try:
        yield
    finally:
        with _lock:
            _jobs -= 1
            if _jobs == 0 and _was_on:
                gc.enable()
