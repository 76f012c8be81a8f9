"""What the terminal says about closed months: a closed month run again, and what the ledger paid (`history`)."""
from __future__ import annotations

import json
from decimal import Decimal

from kpi_reports import i18n
from kpi_reports.engine.history import PaidMonth, paid_total
from kpi_reports.engine.ledger import ClosedMonth
from kpi_reports.layout.corrections import change_text, correction_line
from kpi_reports.render import json as json_out
from kpi_reports.render.terminal import table


def closed_text(closed: ClosedMonth, lang: str) -> str:
    """A closed month run again: that it stands, or per person what changed and which input."""
    stamp = {"period": closed.period, "closed_at": closed.closed_at, "by": closed.closed_by}
    if not closed.differences:
        return i18n.text("closed_same", lang, **stamp)
    lines = [i18n.text("closed_changed", lang, count=len(closed.differences), **stamp)]
    for d in closed.differences:
        delta = d.new - d.old
        lines.append("  " + i18n.text("closed_person", lang, id=d.employee_id, name=d.name, old=i18n.amount(d.old, lang),
                                      new=i18n.amount(d.new, lang),
                                      delta=("+" if delta > 0 else "") + i18n.amount(delta, lang)))
        for c in d.changes or ():
            lines.append("    " + change_text(c, lang, with_cell=True))
        if not d.changes:
            lines.append("    " + i18n.text("closed_no_inputs", lang))
    return "\n".join(lines)


def history_text(found: dict[str, list[PaidMonth]], lang: str) -> str:
    """Per person, a table of their closed months (pay, corrections, total, closed at and by), each
    correction's line below its month."""
    if not found:
        return i18n.text("history_none", lang)
    heads = [i18n.text(k, lang) for k in ("history_month", "salary", "bonus", "commission", "correction_corrections",
                                          "total", "history_closed", "history_by")]
    parts = []
    for months in found.values():
        first = months[0].row
        rows, notes = [heads], []
        for m in months:
            r = m.row
            money = [i18n.amount(v if v is not None else Decimal(0), lang)
                     for v in (r.salary, r.bonus, r.commission, r.corrections, r.total)]
            mark = " " + i18n.text("history_test", lang) if r.test else ""
            rows.append([r.period + mark, *money, r.closed_at, r.closed_by])
            notes += [f"  {r.period}: {correction_line(c, lang)}" for c in m.corrections]
        parts.append("\n".join([f"{first.employee_id}  {first.name}", table(rows, set(range(1, 6))), *notes]))
    return "\n\n".join(parts)


def history_dumps(found: dict[str, list[PaidMonth]], lang: str) -> str:
    """The history as JSON: money as decimal strings with two decimals, as `run --json` gives it."""
    people = [{"employee_id": months[0].row.employee_id, "name": months[-1].row.name,
               "paid": json_out.money(paid_total(months)),
               "months": [_month(m, lang) for m in months]} for months in found.values()]
    return json.dumps({"employees": people}, ensure_ascii=False, indent=2) + "\n"


def _month(m: PaidMonth, lang: str) -> dict:
    r = m.row
    return {"period": r.period, "mode": r.mode, "team": r.team, "salary": json_out.money(r.salary),
            "bonus": json_out.money(r.bonus), "commission": json_out.money(r.commission),
            "corrections": json_out.money(r.corrections), "total": json_out.money(r.total),
            "closed_at": r.closed_at, "closed_by": r.closed_by, "version": r.version,
            "corrected": [json_out.correction_dict(c, lang) for c in m.corrections]}
