"""The words of a correction: why a closed month is paid again ("revenue fact 3,300,000 → 3,350,000") and the
line a payslip, the terminal and the command line show for it ("Correction for 2026-10: +1,234.00 (…)").

A change's values come as the ledger keeps them (plain digits, or text as typed); they are shown in the
reader's digits: money to kopecks, shares as per cents, counts without trailing zeros, enum words in the
language, an absent value as "—"."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kpi_reports import enums, i18n
from kpi_reports.messages import Msg, text
from kpi_reports.model import Change, Correction

NONE = "—"
"""A value there was none of (or is none of now)."""
MONEY = frozenset({"salary", "bonus_target"})
"""Employees fields in money."""
RATES = frozenset({"commission_rate", "margin_rate", "weight", "cutoff", "cap"})
"""Fields that are shares, shown as per cents: an employee's and a setting's rates, a scheme line's."""
EMPLOYEE_FIELDS = ("team", "scheme", "salary", "bonus_target", "commission_rate", "margin_rate", "manages", "mode")
"""Employees fields with a column title of their own in messages.toml (`correction_column_<field>`)."""
LINE_FIELDS = ("weight", "cutoff", "accelerator", "cap", "scope")
"""A scheme line's fields, each with its words (`correction_line_<field>`)."""
ENUM_OF = {"scope": "scope", "mode": "mode", "prorate_bonus": "switch"}
"""Fields whose values are enum words, shown in the reader's language."""
_PLAIN = "#,##0.##########"
_SHARE = "0.##########%"


def change_text(change: Change, lang: str, with_cell: bool = False) -> str:
    """What changed, in `lang`: "revenue fact 3,300,000 → 3,350,000", "weight of revenue 40% → 45%". With
    `with_cell` and a cell to name, the cell comes first and stands for the sheet's own word:
    "Facts!F12 revenue 3,300,000 → 3,350,000"."""
    if change.sheet == "Settings" and change.column == "test_mode":  # the Settings mode, live or test
        change = Change("Settings", "mode", _mode(change.old), _mode(change.new), change.cell)
    field = _field(change)
    old, new = _value(change.old, field, lang), _value(change.new, field, lang)
    if with_cell and change.cell is not None:
        what = f"{change.cell.sheet}!{change.cell.ref} {_bare(change, lang)}"
    else:
        what = _what(change, lang)
    return text("correction_change", lang, what=what, old=old, new=new)


def reasons(c: Correction, lang: str) -> list[str]:
    """A correction's reasons: each change's text, or "recomputed with the same inputs" when none changed."""
    return [change_text(x, lang) for x in c.changes] or [text("correction_recomputed", lang)]


def withheld(c: Correction) -> bool:
    """False for an overpayment shown but not deducted (Settings withhold_overpayment = no)."""
    return not (c.amount < 0 and c.paid == 0)


def signed(value: Decimal, lang: str) -> str:
    """+1,234.00, −500.00, 0.00."""
    shown = i18n.amount(value, lang)
    return "+" + shown if value > 0 else shown


def label(c: Correction, lang: str) -> str:
    """"Correction for 2026-10": the pay line's label."""
    return text("correction_for", lang, period=c.period)


def note(c: Correction, lang: str) -> str:
    """What the pay line says beside its amount: the reasons; for an overpayment not deducted, that first."""
    shown = "; ".join(reasons(c, lang))
    if withheld(c):
        return shown
    return text("correction_kept", lang, amount=i18n.amount(-c.amount, lang)) + "; " + shown


def correction_line(c: Correction, lang: str) -> str:
    """"Correction for 2026-10: +1,234.00 (revenue fact 3,300,000 → 3,350,000)"; an overpayment not deducted:
    "Correction for 2026-10: −500.00, not deducted (…)"."""
    key = "correction_line" if withheld(c) else "correction_line_kept"
    return text(key, lang, period=c.period, amount=signed(c.amount, lang), reasons="; ".join(reasons(c, lang)))


# --- the words of one change ----------------------------------------------------------------------------

def _field(change: Change) -> str:
    """The field a change's value is of: a scheme line's `weight`, an employee's `salary`, a metric."""
    if change.sheet == "Schemes":
        return change.column.rpartition(".")[2]
    if change.sheet in ("Employees", "Settings"):
        return change.column
    return ""  # a fact, a plan, a team figure or a formula: as it is


def _what(change: Change, lang: str) -> str:
    sheet, column = change.sheet, change.column
    if sheet == "Facts":
        return text("correction_fact", lang, column=column)
    if sheet == "Plans":
        return text("correction_plan", lang, column=column)
    if sheet == "TeamPlans":
        return text("correction_team_plan", lang, column=column)
    if sheet == "Team":
        kpi, _, part = column.rpartition(".")
        return text("correction_team_fact" if part == "fact" else "correction_team_plan", lang, column=kpi)
    if sheet == "Schemes":
        kpi, _, name = column.rpartition(".")
        return text(f"correction_line_{name}", lang, kpi=kpi) if name in LINE_FIELDS else f"{name} {kpi}"
    if sheet == "KPIs":
        return text("correction_formula", lang, kpi=column.rpartition(".")[0] or column)
    if sheet == "Employees":
        return _column(column, lang)
    if sheet == "Settings":
        if column == "working_days":
            return text("correction_working_days", lang)
        return Msg("correction_setting", (("key", column),)).text(lang)  # `key` is text()'s own parameter
    return f"{sheet} {column}"


def _bare(change: Change, lang: str) -> str:
    """What a change is beside its cell, which names the sheet: the column for a row of figures, an employee's
    field or a setting; the full words for a scheme line and a formula (the cell does not name the KPI)."""
    if change.sheet in ("Facts", "Plans", "TeamPlans", "Settings"):
        return change.column
    if change.sheet == "Employees":
        return _column(change.column, lang)
    return _what(change, lang)


def _mode(test_mode: str | None) -> str | None:
    return {"yes": "test", "no": "live"}.get(test_mode or "", test_mode)


def _column(name: str, lang: str) -> str:
    return text(f"correction_column_{name}", lang) if name in EMPLOYEE_FIELDS else name


def _value(value: str | None, field: str, lang: str) -> str:
    if value is None or value == "":
        return NONE
    if field in ENUM_OF:
        return enums.label(ENUM_OF[field], value, lang)
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    if field in MONEY:
        return i18n.amount(number, lang)
    if field in RATES:
        return i18n.formatted(number, _SHARE, lang)
    return i18n.formatted(number, _PLAIN, lang)
