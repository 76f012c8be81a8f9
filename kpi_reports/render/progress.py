"""A progress line on the terminal for runs that take more than a moment: the stage and the seconds
so far, refreshed in place, shown only on a terminal and only after `after` seconds."""
from __future__ import annotations

import sys
import threading
import time
from typing import Self, TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, after: float = 1.5, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.after, self.start, self.label, self.width = after, time.monotonic(), "", 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True) if self.enabled else None

    def __enter__(self) -> Self:
        if self._thread:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()

    def stage(self, label: str) -> None:
        self.label = label

    def _loop(self) -> None:
        if self._stop.wait(self.after):
            return
        while not self._stop.is_set():
            line = f"{self.label}… {time.monotonic() - self.start:.1f} s"
            self.stream.write("\r" + line.ljust(self.width))
            self.stream.flush()
            self.width = max(self.width, len(line))
            self._stop.wait(0.2)
