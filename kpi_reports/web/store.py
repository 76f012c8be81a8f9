"""Where the page keeps an upload while it is worked on and a result while it is looked at.

Each upload is written to a folder of its own, made for that request inside a private folder (mode 0700)
and removed when the request ends, whatever happens; its name is the tool's (`upload.xlsx`), never the
client's. A result is kept in memory under a random token, with the upload's bytes (to compute another
month or language without a new upload), for `keep` seconds or until `most` newer results push it out.
"""
from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_BYTES = 18


@dataclass
class Entry:
    outcome: object
    upload: bytes
    made: float = field(default_factory=time.monotonic)
    downloads: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def download(self, kind: str, make: Callable[[], bytes]) -> bytes:
        """A download's bytes, made once per result even when it is asked for twice at once."""
        with self.lock:
            if kind not in self.downloads:
                self.downloads[kind] = make()
            return self.downloads[kind]


class Store:
    def __init__(self, root: Path | None = None, keep: float = 1800, most: int = 16):
        self.root = Path(tempfile.mkdtemp(prefix="kpi-reports-", dir=root))
        self.keep, self.most = keep, most
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Path]:
        """A new empty folder of this request's own, removed with everything in it when the block ends."""
        folder = Path(tempfile.mkdtemp(dir=self.root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def put(self, outcome: object, upload: bytes) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._lock:
            self._sweep()
            self._entries[token] = Entry(outcome, upload)
            while len(self._entries) > self.most:
                self._entries.popitem(last=False)
        return token

    def get(self, token: str) -> Entry | None:
        with self._lock:
            self._sweep()
            return self._entries.get(token)

    def drop(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def _sweep(self) -> None:
        now = time.monotonic()
        while self._entries:
            token, entry = next(iter(self._entries.items()))
            if now - entry.made < self.keep:
                break
            del self._entries[token]

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
        shutil.rmtree(self.root, ignore_errors=True)
