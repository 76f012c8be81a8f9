"""Writing the generated sheets back into the user's workbook: atomically, and only if the file is
still the one that was read. Killed at any moment, the path holds the whole old file or the whole new
one; on any error it is left byte-identical."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection
from pathlib import Path

from kpi_reports import files
from kpi_reports.files import atomic_path
from kpi_reports.layout.model import Sheet
from kpi_reports.messages import msg
from kpi_reports.problems import FileProblem
from kpi_reports.render.xlsx.splice import splice


def fingerprint(path: str | os.PathLike) -> tuple[int, int]:
    stat = Path(path).stat()
    return stat.st_size, stat.st_mtime_ns


def write_back(path: str | os.PathLike, sheets: list[Sheet], read_as: tuple[int, int] | None = None,
               backup: bool = False, replace: Collection[str] = ()) -> Path | None:
    """Adds `sheets` to the workbook at `path` (replacing those of an earlier run, and the generated sheets of
    the families `replace`); returns the backup."""
    return replace_checked(path, lambda target, tmp: splice(target, sheets, tmp, replace), read_as, backup)


def replace_checked(path: str | os.PathLike, make: Callable[[Path, Path], None],
                    read_as: tuple[int, int] | None = None, backup: bool = False) -> Path | None:
    """Replaces the workbook at `path` by what `make(original, tmp)` writes into tmp, atomically, only if the
    file is still the one read (`read_as`, its fingerprint); keeps NAME.bak.xlsx with `backup` and returns it."""
    target = Path(os.path.realpath(path))
    if not writable(target):
        raise FileProblem(msg("read_only"), target)
    remove_leftovers(target)
    with atomic_path(target) as tmp:
        make(target, tmp)
        if read_as is not None and _now(target) != read_as:
            raise FileProblem(msg("changed_meanwhile"), target)
        saved = None
        if backup:
            saved = _backup(target)
            with atomic_path(saved) as copy:
                shutil.copyfile(target, copy)
    return saved


def _now(path: Path) -> tuple[int, int] | None:
    """The fingerprint, or None for a file that is gone (moved or deleted meanwhile: not to be recreated)."""
    try:
        return fingerprint(path)
    except FileNotFoundError:
        return None


def writable(path: Path) -> bool:
    """Not marked read-only: the owner's write bit, which even root should respect here."""
    return bool(path.stat().st_mode & 0o200) and os.access(path, os.W_OK)


def remove_leftovers(path: str | os.PathLike) -> list[Path]:
    """Removes the temporary files killed runs left beside the workbook and its backup (`files`): at once
    those no live run holds (by age where there are no locks), never another's; returns them."""
    target = Path(os.path.realpath(path))
    return files.remove_leftovers(target) + files.remove_leftovers(_backup(target))


def _backup(target: Path) -> Path:
    return target.with_name(target.stem + ".bak" + target.suffix)
