"""Problems found in a workbook, and the exceptions that carry them.

A problem points at the cell: sheet, cell in A1 form, the column's header, what was found, what was
expected, and a hint. Problems are collected into a report so that a user sees all of them at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    message: str
    sheet: str = ""
    cell: str = ""
    column: str = ""
    found: str | None = None
    expected: str | None = None
    hint: str | None = None
    severity: Severity = "error"

    @property
    def where(self) -> str:
        """`Facts!D7 (calls)`, `Facts (calls)`, `Facts!D7` or `Facts`: as much as is known."""
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or self.cell
        return f"{place} ({self.column})" if self.column else place

    @property
    def text(self) -> str:
        """The message with what was found, what is expected and the hint, in one line."""
        parts = [self.message]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.found is not None:
            parts.append(f"found {self.found!r}" if self.found else "found an empty cell")
        line = ": ".join(parts[:1]) + ("" if len(parts) == 1 else ": " + ", ".join(parts[1:]))
        return f"{line}. {self.hint}" if self.hint else line

    def __str__(self) -> str:
        return f"{self.where}: {self.text}" if self.where else self.text

    def as_json(self) -> dict[str, str]:
        return {"sheet": self.sheet, "cell": self.cell, "column": self.column, "message": self.text}


@dataclass
class Report:
    """Problems collected from one file, errors and warnings alike."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, **where) -> None:
        self.problems.append(Problem(message, **where))

    def warn(self, message: str, **where) -> None:
        self.problems.append(Problem(message, severity="warning", **where))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidWorkbook(self)


class KpiError(Exception):
    """Every error the library raises for a user's input or file."""


class FileProblem(KpiError):
    """The file cannot be read as a workbook at all: one clear line."""


class InvalidWorkbook(KpiError):
    """The workbook was read but its content has errors; `report` lists all of them."""

    def __init__(self, report: Report):
        self.report = report
        errors = report.errors
        super().__init__(f"{len(errors)} error(s) in the workbook; first: {errors[0]}")


class UsageError(KpiError):
    """A command-line or API argument is wrong (a bad --period, say)."""
