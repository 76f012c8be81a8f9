"""Replacing a file atomically: killed at any moment, the path holds the whole old file or the whole new one."""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kpi_reports.messages import msg
from kpi_reports.problems import FileProblem


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside `target`; when the block ends without error it replaces `target`.

    The temporary file is flushed to disk before the rename and the folder after it. On any error the
    temporary file is removed and `target` is left as it was.
    """
    target = Path(os.path.realpath(target))
    folder = target.parent
    if not folder.is_dir():
        raise FileProblem(msg("folder_missing", folder=folder), target)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise FileProblem(msg("cannot_write_in", folder=folder, reason=e.strerror or e), target) from None
    os.close(fd)
    tmp = Path(name)
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
