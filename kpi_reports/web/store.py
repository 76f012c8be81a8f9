"""Where the page keeps an upload while it is worked on and a result while it is looked at.

Each upload is written to a folder of its own, made for that request inside a private folder (mode 0700)
and removed when the request ends, whatever happens; its name is the tool's (`upload.xlsx`), never the
client's. A result is kept in memory under a random token, with the upload's bytes (to compute another
month or language without a new upload), for `keep` seconds; within a bound on the memory results take
(`max_bytes`). A result nobody has looked at yet is never dropped to make room: a new one that does not fit
is refused (`Busy`) instead, and the results already looked at make room, the one looked at longest ago
first.

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
MAX_BYTES = 1 << 30
"""The memory results may take together by default: 1 GiB, some 25 results of 1,000 people."""
CELL_BYTES = 350
"""Memory a result takes per cell of its laid-out sheets, beyond the workbook's bytes: the report, the sheets
and the payslip views grow alike with them. Measured with tracemalloc (`job.process`'s outcome less its
workbook): about 300 bytes a cell at 1,000 people (96,000 cells, 122,000 with a review: a result of 31 MB,
40 MB with it) and 270-320 for the sample."""


class Busy(Exception):
    """No room for a new result: the results not yet looked at fill the memory bound."""


def footprint(outcome, upload: bytes) -> int:
    """The bytes a result takes before any download is made: the upload, the workbook written back and an
    estimate of the rest (`CELL_BYTES`)."""
    return len(upload) + len(outcome.workbook) + CELL_BYTES * sum(len(s.cells) for s in outcome.sheets)


@dataclass
class Entry:
    outcome: object
    upload: bytes
    made: float
    size: int
    """Its bytes: `footprint`, and each download once made."""
    viewed: bool = False
    downloads: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def download(self, kind: str, make: Callable[[], bytes]) -> bytes:
        """A download's bytes, made once per result even when it is asked for twice at once."""
        with self.lock:
            if kind not in self.downloads:
                self.downloads[kind] = make()
                self.size += len(self.downloads[kind])
            return self.downloads[kind]


class Store:
    def __init__(self, root: Path | None = None, keep: float = 1800, max_bytes: int = MAX_BYTES,
                 clock: Callable[[], float] = time.monotonic):
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
        (self.root / "pid").write_text(str(os.getpid()), encoding="ascii")
        self.uploads = self.root / "uploads"
        """Where each request's folder is made: empty between requests."""
        self.uploads.mkdir(mode=0o700)
        remove_stale(self.root.parent)
        self.keep, self.max_bytes, self.clock = keep, max_bytes, clock
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        """The one looked at longest ago first (those not looked at yet in the order they came)."""
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Path]:
        """A new empty folder of this request's own, removed with everything in it when the block ends."""
        folder = Path(tempfile.mkdtemp(dir=self.uploads))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def put(self, outcome, upload: bytes, replaces: str | None = None) -> str:
        """The new result's token; `replaces`: a result this one is computed again from, forgotten when this
        one is kept. Raises Busy, forgetting nothing, when the results not yet looked at leave no room."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        entry = Entry(outcome, upload, self.clock(), footprint(outcome, upload))
        with self._lock:
            self._sweep()
            kept = [e for t, e in self._entries.items() if t != replaces]
            if sum(e.size for e in kept if not e.viewed) + entry.size > self.max_bytes:
                raise Busy()
            self._entries.pop(replaces, None)
            used = sum(e.size for e in kept)
            for old in [t for t, e in self._entries.items() if e.viewed]:
                if used + entry.size <= self.max_bytes:
                    break
                used -= self._entries.pop(old).size
            self._entries[token] = entry
        return token

    def get(self, token: str) -> Entry | None:
        """The result, now looked at (so it may make room for a new one, after those looked at before it)."""
        with self._lock:
            self._sweep()
            entry = self._entries.get(token)
            if entry is not None:
                entry.viewed = True
                self._entries.move_to_end(token)
            return entry

    def replace(self, token: str, outcome, upload: bytes) -> None:
        """The result under `token` made again from `upload` (the page's copy, its month now closed): its
        downloads are made again when asked for. Nothing happens to a result no longer kept."""
        with self._lock:
            entry = self._entries.get(token)
        if entry is None:
            return
        with entry.lock:  # not under the store's lock: a download being made holds the entry's a while
            entry.outcome, entry.upload, entry.downloads = outcome, upload, {}
            entry.size = footprint(outcome, upload)

    def used(self) -> int:
        with self._lock:
            return sum(e.size for e in self._entries.values())

    def _sweep(self) -> None:
        now = self.clock()
        for token in [t for t, e in self._entries.items() if now - e.made >= self.keep]:
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
