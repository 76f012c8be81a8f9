"""Drawing layouts as Google Sheets tabs: the bodies of `spreadsheets.batchUpdate` calls. Pure: nothing
here talks to Google; the client in `kpi_reports.gsheets` sends what `plan` returns.

`plan(sheets, existing)` draws the `layout.Sheet`s of a refresh (the ones `render/xlsx/draw.py` draws) into
one batchUpdate body, which Google applies atomically: the generated tabs of the same families deleted,
the new ones added after the user's tabs with a grid large enough for every cell, then their cells,
formats, merges, column widths and row heights, frozen panes, filters, conditional colours, input
validations and charts. Each new tab carries developer metadata `kpi_reports_sheet` = its family (`run`,
`review 2026-Q4`, `closed 2026-10`, `ledger`), as `splice.py` marks the .xlsx sheets, so a re-run replaces
exactly the tabs of the families it writes — a refresh (`run`, `review …`) never the Ledger tab nor a closed
month's; a user's tab (no marker) with a generated tab's name, compared ignoring case, is never
touched: the plan is refused (`TabTaken`).

When the one body would pass `limit` (8 MB by default; Google refuses a body over 10 MB), the refresh is
staged instead, still all-or-nothing for anyone looking: the new tabs are written as hidden tabs with
temporary names (marked `staging:<family>`) over as many calls as they need, then one last call swaps
them in — deletes the old generated tabs, shows the staging ones and gives them their names, and turns
their marks into the family. Before the swap, the old tabs are untouched; a failure before it is undone
by the plan's `cleanup` body (and a staging tab left by a killed run is deleted by the next plan's swap).
Formulas of a staging tab that refer to another new tab name it by its temporary name; Sheets rewrites
the references when the swap renames it.

How each tab is drawn (sizes, merges, validations, charts) and what Sheets cannot show:
`render/gsheets/tab.py`; its values: `render/gsheets/values.py`; its styles, number formats and
conditional colours: `render/gsheets/formats.py`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kpi_reports.layout.model import Sheet
from kpi_reports.messages import msg
from kpi_reports.problems import KpiError
from kpi_reports.render.gsheets.tab import KEY, Tab
from kpi_reports.render.gsheets.values import Unit, encode, references, request, update_sheet

STAGING = "staging:"
"""The prefix of the mark of a staging tab: `staging:run` until the swap makes it `run`."""
LIMIT = 8 * 1024 * 1024
"""Bytes of one body above which a refresh is staged (Google refuses a request body over 10 MB)."""
MAX_CELLS = 10_000_000
"""Cells Google keeps in one spreadsheet, every tab's grid counted."""
CHUNK = 1 << 20
"""Bytes of cell values in one updateCells request (fewer when the limit is low)."""


class TabTaken(KpiError):
    """A tab of the user's (or of another family's) has the name of a generated tab."""


@dataclass(frozen=True)
class TabInfo:
    """A tab of the spreadsheet as it stands: from `spreadsheets.get` (`tabs_of` reads its answer)."""

    title: str
    sheet_id: int
    index: int
    family: str | None = None
    """The generated family from the tab's `kpi_reports_sheet` developer metadata; None for a user's tab."""
    hidden: bool = False
    rows: int = 0
    columns: int = 0
    """The tab's grid (0: not known), counted against the spreadsheet's 10 million cells."""

    @property
    def staging(self) -> bool:
        """A staging tab a killed refresh left behind: deleted by the next refresh's last call."""
        return self.family is not None and self.family.startswith(STAGING)


def tabs_of(metadata: Mapping) -> list[TabInfo]:
    """The tabs of a `spreadsheets.get` answer with `sheets(properties,developerMetadata)`."""
    found = []
    for sheet in metadata.get("sheets", []):
        props, grid = sheet.get("properties", {}), sheet.get("properties", {}).get("gridProperties", {})
        family = next((m.get("metadataValue", "") for m in sheet.get("developerMetadata", [])
                       if m.get("metadataKey") == KEY), None)
        found.append(TabInfo(props.get("title", ""), int(props.get("sheetId", 0)), int(props.get("index", 0)),
                             family, bool(props.get("hidden", False)), int(grid.get("rowCount", 0)),
                             int(grid.get("columnCount", 0))))
    return found


@dataclass(frozen=True)
class Plan:
    """The calls of a refresh: `payloads` to POST to `spreadsheets/{id}:batchUpdate` in order, as they
    are (compact JSON in UTF-8, each at most the plan's limit: send the bytes, `Content-Type:
    application/json; charset=utf-8`, as re-encoding them with ASCII escapes would make Cyrillic text
    three times as long). Staged, the first call makes every staging tab and the last one is the swap;
    when a call after the first fails before the swap is done, send `cleanup_payload` (Google applies
    each call whole or not at all, so a failed first call leaves nothing to clean up)."""

    payloads: tuple[bytes, ...]
    cleanup_payload: bytes | None = None
    sheet_ids: Mapping[str, int] = field(default_factory=dict)
    """Each new tab's title → its sheetId."""
    staging_titles: Mapping[str, str] = field(default_factory=dict)
    """Staged: each new tab's title → the temporary title it has until the swap."""

    @property
    def staged(self) -> bool:
        return self.cleanup_payload is not None

    @property
    def bodies(self) -> list[dict]:
        """The payloads as JSON objects (decoded: for looking at, not for sending)."""
        return [json.loads(p) for p in self.payloads]

    @property
    def cleanup(self) -> dict | None:
        return json.loads(self.cleanup_payload) if self.cleanup_payload is not None else None

    @property
    def sizes(self) -> list[int]:
        return [len(p) for p in self.payloads]


def body_size(body: object) -> int:
    """Bytes of `body` as it is sent (compact JSON, UTF-8): what the limit is about."""
    return len(encode(body))


# --- the plan -----------------------------------------------------------------------------------------------

def plan(sheets: list[Sheet], existing: Iterable[TabInfo], *, limit: int = LIMIT,
         max_cells: int = MAX_CELLS, replace: Iterable[str] = ()) -> Plan:
    """The batchUpdate bodies that put `sheets` into a spreadsheet whose tabs are `existing`: one body
    when it is at most `limit` bytes, else the staged calls (see the module's docstring). The generated
    tabs of the sheets' families go, and those of the families `replace` (closing a month replaces the
    open month's `run` tabs by its `closed YYYY-MM` ones); the other families' stay. Raises TabTaken when
    a tab that stays has the name of a new one, and KpiError when the spreadsheet would hold more than
    `max_cells` cells."""
    existing = sorted(existing, key=lambda t: t.index)
    families = {s.family for s in sheets} | set(replace)
    doomed = [t for t in existing if t.family in families or t.staging]
    kept = [t for t in existing if t not in doomed]
    names = {t.title.casefold(): t for t in kept}
    for sheet in sheets:
        if sheet.name.casefold() in names:
            raise TabTaken(msg("gsheets_tab_taken", sheet=names[sheet.name.casefold()].title))
    ids = _new_ids(len(sheets), {t.sheet_id for t in existing})
    tabs = [Tab(sheet, sheet_id) for sheet, sheet_id in zip(sheets, ids)]
    cells = sum(t.rows * t.columns for t in kept) + sum(tab.rows * tab.columns for tab in tabs)
    _check_cells(cells, max_cells)
    chunk = max(1024, min(CHUNK, limit // 4))
    units = [unit for tab in tabs for unit in tab.units(chunk)]
    sheet_ids = {tab.sheet.name: tab.id for tab in tabs}
    single = _single(tabs, existing, doomed)
    if len(_EMPTY) + sum(len(part) + 1 for part in single) + sum(len(u.data) + 1 for u in units) - 1 <= limit:
        return Plan((_payload([*single, *(u.data for u in units)]),), sheet_ids=sheet_ids)
    _check_cells(cells + sum(t.rows * t.columns for t in doomed), max_cells)  # old and new tabs, until the swap
    return _staged(tabs, existing, doomed, units, limit, sheet_ids)


def _check_cells(cells: int, most: int) -> None:
    if cells > most:
        raise KpiError(msg("gsheets_too_many_cells", cells=f"{cells:,}", limit=f"{most:,}"))


def _new_ids(n: int, used: set[int]) -> list[int]:
    """The n smallest positive sheetIds no tab has: deterministic, and never 0 (most spreadsheets' first tab)."""
    ids, candidate = [], 1
    while len(ids) < n:
        if candidate not in used:
            ids.append(candidate)
        candidate += 1
    return ids


def _single(tabs: list[Tab], existing: list[TabInfo], doomed: list[TabInfo]) -> list[bytes]:
    """The requests before the tabs' contents in the one-body refresh. The old tabs go first, so
    that their names are free; when no visible tab would stay, one of them is renamed out of the way and
    deleted only once the new tabs exist (a spreadsheet keeps at least one visible tab)."""
    before = []
    survivors = [t for t in existing if t not in doomed]
    keeper = None
    if doomed and not any(not t.hidden for t in survivors):
        keeper = next((t for t in doomed if not t.hidden), None)
    if keeper is not None:
        taken = {t.title.casefold() for t in existing} | {tab.sheet.name.casefold() for tab in tabs}
        before.append(update_sheet({"sheetId": keeper.sheet_id, "title": _free(f"~{keeper.title}", taken)}, "title"))
    before += [request({"deleteSheet": {"sheetId": t.sheet_id}}) for t in doomed if t is not keeper]
    first = len(existing) - len(doomed) + (keeper is not None)
    for i, tab in enumerate(tabs):
        before += tab.head(tab.sheet.name, first + i, hidden=False, family=tab.sheet.family)
    if keeper is not None:
        before.append(request({"deleteSheet": {"sheetId": keeper.sheet_id}}))
    return before


def _staged(tabs: list[Tab], existing: list[TabInfo], doomed: list[TabInfo], units: list[Unit], limit: int,
            sheet_ids: dict[str, int]) -> Plan:
    taken = {t.title.casefold() for t in existing} | {tab.sheet.name.casefold() for tab in tabs}
    temporary = {}
    for tab in tabs:
        temporary[tab.sheet.name] = _free(f"kpi-reports staging {tab.id}", taken)
        taken.add(temporary[tab.sheet.name].casefold())
    rename = references(temporary)
    heads = [part for i, tab in enumerate(tabs)
             for part in tab.head(temporary[tab.sheet.name], len(existing) + i, hidden=True,
                                  family=STAGING + tab.sheet.family)]
    parts = [*heads, *(u.redraw(rename) for u in units)]
    calls, current, size = [], [], 0
    for part in parts:
        if current and size + len(part) + 1 + len(_EMPTY) > limit:
            calls.append(_payload(current))
            current, size = [], 0
        current.append(part)
        size += len(part) + 1
    if current:
        calls.append(_payload(current))
    swap = [update_sheet({"sheetId": tab.id, "hidden": False}, "hidden") for tab in tabs]
    swap += [request({"deleteSheet": {"sheetId": t.sheet_id}}) for t in doomed]
    swap += [update_sheet({"sheetId": tab.id, "title": tab.sheet.name}, "title") for tab in tabs]
    swap += [request({"updateDeveloperMetadata": {
        "dataFilters": [{"developerMetadataLookup": {"metadataKey": KEY, "metadataLocation": {"sheetId": tab.id},
                                                     "locationMatchingStrategy": "EXACT_LOCATION"}}],
        "developerMetadata": {"metadataValue": tab.sheet.family}, "fields": "metadataValue"}}) for tab in tabs]
    calls.append(_payload(swap))
    cleanup = _payload([request({"deleteSheet": {"sheetId": tab.id}}) for tab in tabs])
    return Plan(tuple(calls), cleanup, sheet_ids, temporary)


def _free(title: str, taken: set[str]) -> str:
    while title.casefold() in taken:
        title += "~"
    return title


_EMPTY = b'{"requests":[]}'


def _payload(parts: list[bytes]) -> bytes:
    return b'{"requests":[' + b",".join(parts) + b"]}"


