"""Problems found in a workbook, and the exceptions that carry them.

A problem points at the cell: sheet, cell in A1 form, the column's header, what was found, what was
expected, and a hint. Problems are collected into a report so that a user sees all of them at once.
Texts are messages (`kpi_reports.messages`), shown in the reader's language.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from kpi_reports.messages import Msg, msg

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    message: Msg
    sheet: str = ""
    cell: str = ""
    column: str = ""
    found: str | Msg | None = None
    expected: Msg | None = None
    hint: Msg | None = None
    severity: Severity = "error"
    who: str = ""
    """The person whose row the cell is on (Plans, Facts), when known: `Plans!C30 (Ivan Ivanov, calls)`."""

    @property
    def where(self) -> str:
        """`Facts!D7 (Ivan Ivanov, calls)`, `Facts!D7 (calls)`, `Facts (calls)`, `Facts!D7` or `Facts`: as much as
        is known."""
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or self.cell
        about = ", ".join(x for x in (self.who, self.column) if x)
        return f"{place} ({about})" if about else place

    def text(self, lang: str = "en") -> str:
        """The message with what is expected, what was found and the hint, in one line."""
        details = []
        if self.expected is not None:
            details.append(msg("_expected", what=self.expected).text(lang))
        if self.found is not None:
            found = self.found.text(lang) if isinstance(self.found, Msg) else self.found
            details.append(msg("_found", value=found).text(lang) if found else msg("_found_empty").text(lang))
        line = self.message.text(lang) + (": " + ", ".join(details) if details else "")
        return f"{line}. {self.hint.text(lang)}" if self.hint else line

    def render(self, lang: str = "en") -> str:
        return f"{self.where}: {self.text(lang)}" if self.where else self.text(lang)

    def __str__(self) -> str:
        return self.render("en")

    def as_json(self, lang: str = "en") -> dict[str, str]:
        return {"sheet": self.sheet, "cell": self.cell, "column": self.column, "employee": self.who,
                "message": self.text(lang)}


@dataclass
class Report:
    """Problems collected from one file, errors and warnings alike."""

    problems: list[Problem] = field(default_factory=list)
    language: str | None = None
    """The workbook's own language (Settings), when it could be read: the default for showing the report."""
    settled: set[tuple[str, str]] = field(default_factory=set)
    """(sheet, cell) of cells already named for having no value to read (a formula without its value, a
    damaged one): an error about such a cell's value would only repeat it."""

    def add(self, message: Msg, **where) -> None:
        if where.get("cell") and (where.get("sheet"), where["cell"]) in self.settled:
            return
        self.problems.append(Problem(message, **where))

    def warn(self, message: Msg, **where) -> None:
        self.problems.append(Problem(message, severity="warning", **where))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def has_error_at(self, sheet: str, cell: str) -> bool:
        return any(p.sheet == sheet and p.cell == cell for p in self.errors)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidWorkbook(self)


class KpiError(Exception):
    """Every error the library raises for a user's input or file: a message, and the file it is about."""

    language: str | None = None
    """The language of the workbook the error came after, when it was read: the one to tell it in."""

    def __init__(self, message: Msg, path: object = None):
        self.message, self.path = message, path
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        return f"{self.path}: {self.message.text(lang)}" if self.path is not None else self.message.text(lang)


class FileProblem(KpiError):
    """The file cannot be read as a workbook at all: one clear line."""


class UsageError(KpiError):
    """A command-line or API argument is wrong (a bad --period, say)."""


class SheetsProblem(KpiError):
    """A Google spreadsheet cannot be reached or read: no credentials, not shared, not found, quota
    exceeded after retries, the API refusing a request, the network. One clear line."""


class InvalidWorkbook(KpiError):
    """The workbook was read but its content has errors; `report` lists all of them."""

    def __init__(self, report: Report):
        self.report = report
        first = report.errors[0]
        Exception.__init__(self, f"{len(report.errors)} error(s) in the workbook; first: {first}")
        self.message, self.path = first.message, None

    def text(self, lang: str = "en") -> str:
        return "\n".join(p.render(lang) for p in self.report.errors)


class MissingExtra(KpiError, ImportError):
    """An optional extra the called function needs is not installed (pandas for `kpi_reports.frame`).
    Also an ImportError, so that code guarding an optional import with `except ImportError` works."""
