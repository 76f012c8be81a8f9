"""Who a list's employee cell names: the employee_id, else the e-mail, else the name compared ignoring case,
spaces, word order and ё/е (and a name without its patronymic: `Иван Иванов` for `Иванов Иван Петрович`)."""
from __future__ import annotations

import difflib

from kpi_reports.model import Employee
from kpi_reports.names import norm
from kpi_reports.workbook.cells import text_id


def name_key(text: str) -> tuple[str, ...]:
    """A name's words, compared ignoring case, spaces, word order and ё/е."""
    return tuple(sorted(text.casefold().replace("ё", "е").split()))


class People:
    """Who a list's employee cell names: by employee_id, else e-mail, else name."""

    def __init__(self, employees: dict[str, list[Employee]]):
        self.ids, self.emails, self.names, self.words = {}, {}, {}, []
        for emp_id, rows in employees.items():
            self.ids.setdefault(norm(emp_id), set()).add(emp_id)
            for e in rows:
                if e.email:
                    self.emails.setdefault(e.email.strip().casefold(), set()).add(emp_id)
                if e.name:
                    self.names.setdefault(name_key(e.name), set()).add(emp_id)
        self.words = [(set(key), ids) for key, ids in self.names.items()]
        self.shown = {emp_id: f"{rows[-1].name} ({emp_id})" for emp_id, rows in employees.items()}
        self._cache: dict[object, tuple[str | None, str | None]] = {}

    def match(self, value: object) -> tuple[str | None, str | None]:
        """(employee_id, None), or (None, the problem's message key: unmatched or ambiguous)."""
        got = self._cache.get(value) if value.__hash__ else None
        if got is None:
            got = self._match(text_id(value))
            if value.__hash__:
                self._cache[value] = got
        return got

    def _match(self, text: str) -> tuple[str | None, str | None]:
        key = name_key(text)
        for found in (self.ids.get(norm(text)), self.emails.get(text.strip().casefold()), self.names.get(key)):
            if found:
                return (next(iter(found)), None) if len(found) == 1 else (None, "list_ambiguous")
        if len(key) >= 2:  # "Иван Иванов" for "Иванов Иван Петрович": every word of the cell in one name
            found = {i for words, ids in self.words if set(key) <= words for i in ids}
            if found:
                return (next(iter(found)), None) if len(found) == 1 else (None, "list_ambiguous")
        return None, "list_unmatched"

    def candidates(self, text: str, problem: str) -> str:
        """The closest names for an unmatched cell; the people it could be for an ambiguous one."""
        if problem == "list_ambiguous":
            key = name_key(text)
            ids = (self.ids.get(norm(text)) or self.emails.get(text.strip().casefold()) or self.names.get(key)
                   or {i for words, ids in self.words if set(key) <= words for i in ids})
            return ", ".join(sorted(self.shown[i] for i in ids))
        names = {" ".join(k): ids for k, ids in self.names.items()}
        close = difflib.get_close_matches(" ".join(name_key(text)), list(names), n=3, cutoff=0.5)
        return ", ".join(self.shown[i] for c in close for i in sorted(names[c])) or ", ".join(
            list(self.shown.values())[:5])
