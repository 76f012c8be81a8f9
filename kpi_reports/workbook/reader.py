"""Reading the standard workbook's sheets into tables of raw cell values.

Sheets are found by their English or Russian name; a header row may sit anywhere in the first 10
rows. Nothing is interpreted here beyond finding sheets, headers and data rows: `validate` does that.
`tables_from_rows` does this for any source that gives a sheet's rows of cell values; `read_tables`
is the .xlsx source (python-calamine), `kpi_reports.gsheets.source` the Google Sheets one.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import os
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from kpi_reports.messages import msg
from kpi_reports.model import Cell
from kpi_reports.names import norm
from kpi_reports.problems import FileProblem, Report
from kpi_reports.workbook import schema, sheetxml
from kpi_reports.workbook.cells import a1, col_letter, is_empty, shown
from kpi_reports.workbook.safety import Package, check_file, open_zip, package_problem, read_part

HEADER_ROWS = 10


@dataclass
class Table:
    sheet: str
    """The sheet's name as it is in the file."""
    spec: schema.Sheet
    header_row: int
    columns: dict[str, int]
    """Named columns of the spec that are present: key → zero-based column index."""
    headers: dict[int, str]
    """Every non-empty header cell: column index → its text."""
    extra: dict[str, int] = field(default_factory=dict)
    """The other columns of an open sheet (Plans, Facts): normalised header → column index."""
    rows: list[tuple[int, list]] = field(default_factory=list)
    """Non-empty data rows below the header: (zero-based row index, values)."""

    @functools.cached_property
    def locations(self) -> dict[str, tuple[int, str]]:
        """Where each value column of an open sheet is: normalised header → (column index, header)."""
        return {key: (col, self.headers[col]) for key, col in self.extra.items()}

    def cell(self, row: int, col: int) -> Cell:
        return Cell(self.sheet, a1(row, col), self.headers.get(col) or col_letter(col))

    def header_cell(self, col: int) -> Cell:
        return self.cell(self.header_row, col)

    def value(self, values: list, key: str) -> object:
        col = self.columns.get(key)
        return values[col] if col is not None and col < len(values) else None


_UNREADABLE = (python_calamine.CalamineError, OSError, ValueError)
"""What calamine raises for a damaged file: its own errors, and plain ones for what it cannot decode."""


RowsOf = Callable[[str], list[list]]
"""A sheet's cells by its name: a list per row from the first, a value per cell from column A, as
python-calamine's `to_python()` gives them (str, float, int, bool, date or datetime; '' for an empty cell)."""

HINTS = {"file": "sheets_in_file", "spreadsheet": "tabs_in_spreadsheet"}
"""The hint of a missing sheet, by the kind of source: what to call the names listed."""


def read_tables(path: str | os.PathLike) -> tuple[dict[str, Table], Report]:
    """The standard sheets present in the workbook, by canonical key, and the problems met finding them.

    Each sheet read is looked at in its XML first (`sheetxml.scan`), while calamine reads the one before it,
    the largest first: the Ledger (a `LATER` table) is then read while the others are validated.
    """
    package = check_file(path)
    p = package.path
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(p))
    except _UNREADABLE as e:
        raise FileProblem(msg("not_a_workbook", reason=e), p) from None
    names = input_sheets(book.sheet_names)
    pool = ThreadPoolExecutor(max_workers=2 + sum(_spec_of(n).key in LATER for n in names))  # calamine reads
    try:  # without the interpreter: a thread per later sheet, and two for the others
        with open_zip(p) as zf:
            scans, sheets, first = {}, {}, None
            for name in sorted(names, key=lambda n: -zf.getinfo(package.sheets[n]).file_size):
                if _spec_of(name).key in LATER:  # looked at too while the others are; the largest first, alone
                    done = threading.Event()
                    sheets[name] = pool.submit(_scanned_rows, package, name, scans, first, done)
                    first = first or done
                    continue
                scans[name] = _scan(package, zf, name)
                sheets[name] = pool.submit(_sheet_rows, p, name)
            unwritable = package_problem(zf.namelist(), read_part(p, zf, "xl/workbook.xml", 2000))
        tables, report = tables_from_rows(book.sheet_names, lambda name: sheets[name].result(), later=LATER)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=False)  # a later table's sheet is still being read
    if unwritable is not None:
        report.add(unwritable)
    for name, found in scans.items():
        _report_scan(report, name, found, next((t for t in tables.values() if t.sheet == name), None))
    for table in tables.values():
        if isinstance(table, Later):
            table.then(lambda made, sheet=table.sheet: _report_scan(report, sheet, scans[sheet], made))
    return tables, report


_HELD, _HOLDING = [0], threading.Lock()


@contextlib.contextmanager
def few_collections():
    """Reading a workbook makes millions of objects (a list per row, a value per cell) and no cycles among
    them: the cyclic collector, which would walk them all again and again (as long as the reading itself, for
    a million calls), waits until every reading under way is done. What they made is then set aside from its
    walks (`gc.freeze`: it is freed as ever when no longer used), until the next reading puts it back."""
    with _HOLDING:
        _HELD[0] += 1
        if _HELD[0] == 1:
            _HELD.append(gc.isenabled())
            gc.disable()
            gc.unfreeze()
    try:
        yield
    finally:
        with _HOLDING:
            _HELD[0] -= 1
            if _HELD[0] == 0 and _HELD.pop():
                gc.freeze()
                gc.enable()


LATER = frozenset({schema.LEDGER.key, *(s.key for s in schema.LISTS)})
"""The tables made only when first asked for: the Ledger, which holds a row per person and closed month, and
the CRM's lists, a row per deal or call: each is looked at and read in a thread of its own, while the others
are validated."""


class Later:
    """A table still being read: `table` waits for it (and reports what `tables_from_rows` reports about a
    sheet); `then` adds what is to be done with it once made."""

    def __init__(self, sheet: str, make: Callable[[], Table | None]):
        self.sheet, self._make, self._after = sheet, make, []

    def then(self, after: Callable[[Table | None], None]) -> None:
        self._after.append(after)

    @functools.cached_property
    def table(self) -> Table | None:
        made = self._make()
        for after in self._after:
            after(made)
        return made


def made(table: Table | Later | None) -> Table | None:
    """The table itself, waited for when it is still being read."""
    return table.table if isinstance(table, Later) else table


def _scanned_rows(package: Package, sheet: str, scans: dict[str, sheetxml.Scan], after: threading.Event | None,
                  done: threading.Event) -> list[list]:
    """`_sheet_rows` after `_scan`, in a thread of their own: its zlib and calamine run without the interpreter.
    The scan starts `after` the largest later sheet's (a scan needs the interpreter, and the largest sheet's
    reading, the last to end, waits for its own), and sets `done` when it ends."""
    if after is not None:
        after.wait()
    try:
        with open_zip(package.path) as zf:
            scans[sheet] = _scan(package, zf, sheet)
    finally:
        done.set()
    return _sheet_rows(package.path, sheet)


def _scan(package: Package, zf, sheet: str) -> sheetxml.Scan:
    """The sheet's XML looked at; one clear line when it cannot be parsed, when a cell points at a shared string
    that is not there, or when its cells would take a grid far larger than themselves (the sheet is then
    not handed to calamine)."""
    p, part, strings = package.path, package.sheets[sheet], package.strings
    try:
        found = sheetxml.scan(read_part(p, zf, part), strings)
    except sheetxml.Damaged as e:
        raise FileProblem(msg("damaged_part", part=part, reason=e), p) from None
    if found.bad_strings:
        raise FileProblem(msg("bad_string_index", sheet=sheet, cell=a1(*found.bad_strings[0]), count=strings,
                              part=package.strings_part or "xl/sharedStrings.xml"), p)
    if found.far is not None:
        rows, cols = found.extent
        raise FileProblem(msg("far_cell", sheet=sheet, cell=a1(*found.far), rows=f"{rows:,}", cols=f"{cols:,}",
                              area=f"{rows * cols:,}", cells=f"{found.cells:,}"), p)
    return found


def _report_scan(report: Report, sheet: str, found: sheetxml.Scan, table: Table | None) -> None:
    """The sheet's cells that have no value to read, named; later problems about those cells are left out."""
    def where(row: int, col: int) -> dict:
        return table.cell(row, col).where() if table else {"sheet": sheet, "cell": a1(row, col)}

    for (row, col), error in sorted(found.marks.items()):
        if error:
            report.add(msg("formula_error"), **where(row, col), found=error, hint=msg("fix_formula"))
        else:
            report.add(msg("formula_no_value"), **where(row, col), hint=msg("open_and_save"))
    report.settled.update((sheet, a1(row, col)) for row, col in found.marks)


def tables_from_rows(names: list[str], rows_of: RowsOf, report: Report | None = None,
                     source_label: str = "file", later: Collection[str] = ()) -> tuple[dict[str, Table], Report]:
    """The standard sheets among `names` (a workbook's sheets, a spreadsheet's tabs), by canonical key.

    Each sheet is matched to the standard ones through its English or Russian name; `rows_of` is asked
    for the rows of the first sheet matching each (never for any other), in the order of `schema.SHEETS`.
    Problems (a missing sheet, two sheets for one table, no header row, a missing or repeated column) go
    into `report` (a new one by default), naming the sheet as it is called in the source and the cell.
    `source_label` ("file" or "spreadsheet") says how a missing sheet's hint calls the names listed.
    A table of `later` is a `Later`: its rows are asked for, and its problems reported, when it is first used.
    """
    report = Report() if report is None else report
    tables: dict[str, Table] = {}
    by_spec = _match_sheets(names, report)
    for spec in schema.SHEETS:
        found = by_spec.get(spec.key, [])
        if not found:
            if spec.required:
                report.add(msg("missing_sheet"), sheet=spec.key,
                           expected=msg("sheet_named", en=spec.key, ru=spec.ru),
                           hint=msg(HINTS[source_label], names=", ".join(names)))
            continue
        if spec.key in later:
            tables[spec.key] = Later(found[0], functools.partial(_made_table, found[0], spec, rows_of, report))
            continue
        table = _table(found[0], spec, rows_of(found[0]), report)
        if table:
            tables[spec.key] = table
    return tables, report


def input_sheets(names: list[str]) -> list[str]:
    """The sheets among `names` that are read: the first one matching each standard sheet, in `names` order."""
    firsts = {}
    for name in names:
        spec = _spec_of(name)
        if spec:
            firsts.setdefault(spec.key, name)
    return [name for name in names if name in firsts.values()]


def _sheet_rows(path: Path, name: str) -> list[list]:
    """One sheet's cells, from a workbook object of its own (one is not shared between threads)."""
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(
            skip_empty_area=False)
    except _UNREADABLE as e:
        raise FileProblem(msg("sheet_unreadable", sheet=name, reason=e), path) from None


def _spec_of(name: str) -> schema.Sheet | None:
    key = norm(name)
    return next((s for s in schema.SHEETS if key in s.names()), None)


def _match_sheets(sheet_names: list[str], report: Report) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in sheet_names:
        spec = _spec_of(name)
        if spec:
            found.setdefault(spec.key, []).append(name)
    for key, names in found.items():
        if len(names) > 1:
            report.add(msg("two_sheets"), sheet=names[1], found=", ".join(names),
                       expected=msg("one_sheet", name=key), hint=msg("rename_one"))
    return found


def _made_table(sheet: str, spec: schema.Sheet, rows_of: RowsOf, report: Report) -> Table | None:
    return _table(sheet, spec, rows_of(sheet), report)


def _table(sheet: str, spec: schema.Sheet, rows: list[list], report: Report) -> Table | None:
    header_row, columns = _find_header(spec, rows)
    required = [c for c in spec.columns if c.required]
    if header_row is None:
        report.add(msg("no_header"), sheet=sheet,
                   expected=msg("header_with", columns=", ".join(f"{c.key} [{c.ru}]" for c in required)))
        return None
    header = rows[header_row]
    headers = {i: shown(v).strip() for i, v in enumerate(header) if not is_empty(v)}
    for column in required:
        if column.key not in columns:
            span = a1(header_row, 0) + ":" + a1(header_row, len(header) - 1)
            report.add(msg("missing_column"), sheet=sheet, cell=span,
                       expected=msg("column_named", en=column.key, ru=column.ru), found=", ".join(headers.values()))
    table = Table(sheet, spec, header_row, columns, headers)
    seen: dict[str, int] = {}
    for i, text in headers.items():
        key = norm(text)
        if key in seen:
            report.add(msg("two_columns"), **table.header_cell(i).where(), found=text,
                       hint=msg("first_in_column", column=col_letter(seen[key])))
        seen.setdefault(key, i)
        if spec.open and i not in columns.values():
            table.extra.setdefault(key, i)
    for column in spec.columns:  # a value with a name of its own (Facts worked_days): kept beside the metrics
        if spec.open and column.kind == "amount" and column.key in columns:
            table.extra[column.key] = columns.pop(column.key)
    table.rows = [(r, values) for r, values in enumerate(rows[header_row + 1:], header_row + 1)
                  if values and type(first := values[0]) is str and first and not first.isspace() or not _blank(values)]
    # (a row whose first cell holds text is filled: the common case, told without a call)
    return table


def _blank(values: list) -> bool:
    for v in values:  # a plain loop: it stops at the first filled cell, usually the first one
        if v != "" and v is not None and (type(v) is not str or v.strip()):
            return False
    return True


def _find_header(spec: schema.Sheet, rows: list[list]) -> tuple[int | None, dict[str, int]]:
    """The first row holding every required column; failing that, the row holding most named ones."""
    best: tuple[int | None, dict[str, int]] = (None, {})
    names = [(c.key, c.names()) for c in spec.columns]
    required = {c.key for c in spec.columns if c.required}
    for r, row in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for i, value in enumerate(row):
            if is_empty(value):
                continue
            key = norm(shown(value))
            for column_key, aliases in names:
                if key in aliases and column_key not in columns:
                    columns[column_key] = i
                    break
        if required <= columns.keys():
            return r, columns
        if len(columns) > len(best[1]):
            best = (r, columns)
    return best
