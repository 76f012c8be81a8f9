"""Which of a person's Employees rows, and which version of a scheme, is in force in a month: the latest `from`
on or before it (and a person not after their `until`). Plain rows in, below the model that uses them."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class _Terms(Protocol):
    since: str | None
    until: str | None


T = TypeVar("T", bound=_Terms)
L = TypeVar("L")


def terms_in_force(rows: Sequence[T], period: str) -> T | None:
    """A person's terms in `period`: the row with the latest `from` on or before it; None before their first
    `from` or after their `until`."""
    found = None
    for e in rows:
        if e.since is None or e.since <= period:
            found = e
    if found is None or (found.until is not None and period > found.until):
        return None
    return found


def version_in_force(versions: Sequence[tuple[str | None, L]], period: str) -> L | None:
    """A scheme's lines in `period`: the version with the latest `from` on or before it; None: none yet."""
    found = None
    for since, lines in versions:
        if since is None or since <= period:
            found = lines
    return found
