"""Replacing a file atomically: killed at any moment, the path holds the whole old file or the whole new one.

A process killed while it writes leaves its temporary file, `.NAME.kpi-XXXXXXXX.tmp`, beside NAME. The
writer holds an exclusive lock (flock) on that file for as long as it writes, so `remove_leftovers(NAME)`
(called by the write-back into the user's workbook and by `check`) removes a leftover at once — it is one
nobody holds any more — and never a live writer's file. Where there are no such locks (Windows, a file
system without them) a leftover is removed once it is STALE seconds old. Only files of that form, and of
the unmarked form earlier versions left (`.NAME.XXXXXXXX.tmp`, by age only), owned by the user running
the tool, are ever removed.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from kpi_reports.messages import msg
from kpi_reports.problems import FileProblem

try:
    import fcntl
except ImportError:  # Windows: no flock; leftovers go by age
    fcntl = None

STALE = 600
"""Seconds after which a leftover that cannot be told from a live writer's file by its lock is removed."""

MARK = "kpi-"
"""Starts the random part of the temporary file's name: the files this module locks, and may remove at once."""


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside `target`; when the block ends without error it replaces `target`.

    The temporary file is flushed to disk before the rename and the folder after it. On any error the
    temporary file is removed and `target` is left as it was. The file is locked while it is written, so
    that `remove_leftovers` can tell it from a killed writer's leftover.
    """
    target = Path(os.path.realpath(target))
    folder = target.parent
    if not folder.is_dir():
        raise FileProblem(msg("folder_missing", folder=folder), target)
    tmp, held = _create(target)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
        os.replace(tmp, target)
        _fsync_folder(folder)
    except OSError as e:
        raise FileProblem(msg("cannot_write", reason=e.strerror or e), target) from None
    finally:
        tmp.unlink(missing_ok=True)
        if held is not None:
            os.close(held)  # the lock goes with it


def _create(target: Path) -> tuple[Path, int | None]:
    """The new temporary file and, where locks work, the descriptor that holds its lock."""
    for _ in range(10):
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.{MARK}", suffix=".tmp", dir=target.parent)
        except OSError as e:
            raise FileProblem(msg("cannot_write_in", folder=target.parent, reason=e.strerror or e), target) from None
        if fcntl is None:
            os.close(fd)  # Windows cannot rename a file that is open
            return Path(name), None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # a cleaner took it between its creation and the lock, and removes it: another one
            continue
        except OSError:
            os.close(fd)  # no locks on this file system: the age rule
            return Path(name), None
        try:
            if os.path.samestat(os.fstat(fd), os.lstat(name)):
                return Path(name), fd
        except FileNotFoundError:
            pass  # removed by a cleaner before the lock: another one
        os.close(fd)
    raise FileProblem(msg("cannot_write_in", folder=target.parent, reason=os.strerror(errno.EAGAIN)), target)


def remove_leftovers(target: str | os.PathLike) -> list[Path]:
    """Removes what killed writes of `target` left beside it; returns what was removed. Never raises.

    A marked temporary file is removed when no process holds its lock (at once), or, where locks do not
    work, when it is STALE seconds old; an unmarked one of an earlier version when it is STALE seconds old.
    Anything else — another name, a link, a folder, another user's file — is left alone.
    """
    target = Path(os.path.realpath(target))
    name = re.escape(target.name)
    marked = re.compile(rf"\.{name}\.{re.escape(MARK)}[a-z0-9_]+\.tmp")
    unmarked = re.compile(rf"\.{name}\.[a-z0-9_]{{8}}\.tmp")
    removed = []
    try:
        entries = [entry.name for entry in os.scandir(target.parent)]
    except OSError:
        return removed
    for entry in entries:
        if marked.fullmatch(entry) or unmarked.fullmatch(entry):
            path = target.parent / entry
            with contextlib.suppress(OSError):
                if _remove_if_left(path, lockable=marked.fullmatch(entry) is not None):
                    removed.append(path)
    return removed


def _remove_if_left(path: Path, lockable: bool) -> bool:
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        return False
    if lockable and fcntl is not None:
        verdict = _unlocked_removed(path)
        if verdict is not None:
            return verdict
    if time.time() - st.st_mtime > STALE:
        path.unlink()
        return True
    return False


def _unlocked_removed(path: Path) -> bool | None:
    """True when nobody held `path`'s lock and it was removed, False when a live writer holds it, None when
    the file system has no locks."""
    flags = os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, os.O_RDWR | flags)  # NFS locks exclusively only what is open for writing
    except PermissionError:
        fd = os.open(path, os.O_RDONLY | flags)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return None
        if not os.path.samestat(os.fstat(fd), os.lstat(path)):
            return False  # replaced meanwhile: not the file that was found unlocked
        path.unlink()  # while locked: a writer that created it a moment ago sees it gone and makes another
        return True
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
