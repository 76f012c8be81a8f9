"""Where the page keeps an upload while it is worked on and a result while it is looked at.

Each upload is written to a folder of its own, made for that request inside a private folder (mode 0700)
and removed when the request ends, whatever happens; its name is the tool's (`upload.xlsx`), never the
client's. A result is kept in memory under a random token, with the upload's bytes (to compute another
month or language without a new upload), for `keep` seconds or until `most` newer results push it out.

The private folder holds the requests' folders (in `uploads/`) and a `pid` file: a server that was killed (no chance to remove its folder) leaves
one naming a process that is gone, and the next server started beside it removes that folder.
"""
from __future__ import annotations

import contextlib
import os
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
PREFIX = "kpi-reports-"


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
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
        (self.root / "pid").write_text(str(os.getpid()), encoding="ascii")
        self.uploads = self.root / "uploads"
        """Where each request's folder is made: empty between requests."""
        self.uploads.mkdir(mode=0o700)
        remove_stale(self.root.parent)
        self.keep, self.most = keep, most
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Path]:
        """A new empty folder of this request's own, removed with everything in it when the block ends."""
        folder = Path(tempfile.mkdtemp(dir=self.uploads))
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


def remove_stale(parent: Path) -> None:
    """Removes the private folders in `parent` whose server process is gone (POSIX only: elsewhere there is
    no harmless way to ask whether a process lives)."""
    if os.name != "posix":
        return
    for folder in parent.glob(PREFIX + "*"):
        try:
            pid = int((folder / "pid").read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue  # not a server's folder, or one being made
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
