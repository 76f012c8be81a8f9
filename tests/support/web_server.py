"""The page served for real, as `kpi-reports serve` serves it: waitress on 127.0.0.1, a free port, a
thread of the test's own; its private folder inside the test's temporary folder."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kpi_reports.web import server
from kpi_reports.web.store import Store


@dataclass
class Running:
    url: str
    """http://127.0.0.1:PORT/"""
    store: Store

    @property
    def folder(self) -> Path:
        """The private folder uploads are worked on in (inside the server's own, beside its pid file)."""
        return self.store.uploads


@contextlib.contextmanager
def running(root: Path, max_upload_mb: int = 50, keep_minutes: float = 30,
            max_bytes: int | None = None) -> Iterator[Running]:
    """`max_bytes`: the memory its results may take (else the Store's own bound)."""
    done = server("127.0.0.1", 0, max_upload_mb, keep_minutes, root=root)
    if max_bytes is not None:
        done.store.max_bytes = max_bytes
    thread = threading.Thread(target=done.run, daemon=True)
    thread.start()
    try:
        yield Running(f"http://127.0.0.1:{done.effective_port}/", done.store)
    finally:
        with contextlib.suppress(OSError):  # EBADF: the loop has ended already and closed its trigger
            done.trigger.pull_trigger(lambda: _close_all(done))  # in the server's own thread: its loop ends
        thread.join(timeout=10)
        done.task_dispatcher.shutdown()
        done.store.close()


def _close_all(done) -> None:
    """Every socket of the server's loop closed, the listening one and the connections a browser still holds
    open among them: the loop runs while any is left, so it ends. Run in the loop's thread, as closing a
    socket while another thread waits on it is not safe."""
    for dispatcher in list(done._map.values()):
        dispatcher.close()
