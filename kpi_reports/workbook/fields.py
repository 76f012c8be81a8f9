"""Reading the cells of one table: text, numbers, enums, each problem reported at its cell."""
from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from decimal import Decimal

from kpi_reports.messages import Msg, msg
from kpi_reports.model import Cell, Kpi
from kpi_reports.problems import Report
from kpi_reports.workbook import schema
from kpi_reports.workbook.cells import CellError, is_empty, number, shown, text_id
from kpi_reports.workbook.reader import Table

MISSING = object()
"""What a reader returns for a cell whose problem it has reported."""


class Fields:
    """Reads the cells of one table, reporting what does not fit into the report."""

    def __init__(self, table: Table, report: Report):
        self.table, self.report = table, report

    def raw(self, values: list, key: str) -> tuple[object, int | None]:
        """The value in column `key` of a row, and that column's index (None when the sheet lacks it)."""
        col = self.table.columns.get(key)
        if col is None:
            return None, None
        return (values[col] if col < len(values) else None), col

    def problem(self, row: int, col: int, value: object, message: str, expected: Msg, hint: Msg | None = None,
                severity: str = "error") -> None:
        """Report a problem at a cell; returns None, so that `return cells.problem(…)` gives no value."""
        self.report.add(msg(message), **self.table.cell(row, col).where(), found="" if is_empty(value) else shown(value),
                        expected=expected, hint=hint, severity=severity)

    def text(self, row: int, values: list, key: str, required: bool = True) -> str:
        value, col = self.raw(values, key)
        if is_empty(value):
            if required and col is not None:
                self.problem(row, col, value, "empty_cell", msg("value_for", column=self.table.headers[col]))
            return ""
        return text_id(value)

    def parse(self, row: int, values: list, key: str, parser: Callable[[object], object],
              required: bool = True, default: object = None) -> object:
        value, col = self.raw(values, key)
        if is_empty(value):
            if required and col is not None:
                self.problem(row, col, value, "empty_cell", msg("value_for", column=self.table.headers[col]))
            return default if default is not None or not required else MISSING
        try:
            return parser(value)
        except CellError as e:
            self.problem(row, col, value, "wrong_value", e.expected, e.hint)
            return MISSING

    def amount(self, row: int, values: list, key: str, required: bool = True, default=None):
        result = self.parse(row, values, key, number, required, default)
        return _non_negative(self, row, values, key, result)

    def enum(self, row: int, values: list, key: str, field: str, default: str | None = None):
        def parser(value: object) -> str:
            word = schema.enum_value(field, value)
            if word is None:
                raise CellError(msg("one_of", words=schema.enum_words(field)))
            return word
        return self.parse(row, values, key, parser, default is None, default)


def _non_negative(cells: Fields, row: int, values: list, key: str, result):
    if isinstance(result, Decimal) and result < 0:
        value, col = cells.raw(values, key)
        cells.problem(row, col, value, "negative_amount", msg("zero_or_more"))
        return MISSING
    return result


def kpi_names(kpis: dict[str, Kpi]) -> str:
    return ", ".join(k.kpi for k in kpis.values()) or msg("_none")


def did_you_mean(name: str, names: Collection[str]) -> Msg:
    """The hint for an unknown name: the closest known one ("Did you mean Hunters?"), compared ignoring
    case; else the list of known names (the first 20)."""
    known = sorted(names)
    folded = {n.casefold(): n for n in known}
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    if close:
        return msg("did_you_mean", name=folded[close[0]])
    return msg("known", names=", ".join(known[:20]) + (", …" if len(known) > 20 else "") or msg("_none"))


def duplicate(report: Report, cell: Cell, key: str, first_row: int) -> None:
    report.add(msg("duplicate"), **cell.where(), found=key, expected=msg("each_once"),
               hint=msg("first_in_row", row=first_row + 1))
