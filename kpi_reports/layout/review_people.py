"""The review sheet's last table: a row per person with the quarter's fund at the current, the suggested and
your weights (live over the what-if block), and their totals over every scheme."""
from __future__ import annotations

from kpi_reports.engine.review import QuarterReview
from kpi_reports.layout.model import Sheet
from kpi_reports.layout.review_funds import Payouts, at_your_weights
from kpi_reports.messages import text
from kpi_reports.names import a1

PEOPLE = ((0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 12))
"""The table's columns, as spans of the KPI tables' (13 columns): employee, team, scheme, the fund now,
suggested, the difference and at your weights; `review.widths` makes each span as wide as it needs."""
HEADS = ("employee", "team", "scheme_col", "fund_now", "fund_suggested", "difference", "fund_yours")


def people(sheet: Sheet, row: int, review: QuarterReview, data: dict[str, dict[str, Payouts]], lang: str,
           last: int) -> int:
    """The table from `row` (its heading across columns up to `last`); returns the row after it."""
    sheet.merge(row, 0, last, text("review_people", lang), "team")
    row += 1
    for (first, end), key in zip(PEOPLE, HEADS):
        sheet.span(row, first, end, text(key, lang), "header")
    first_person = row + 1
    shares = {s.scheme: {k.kpi: k.suggested_weight for k in s.kpis} for s in review.schemes}
    for p in review.people:
        row += 1
        for (first, end), value in zip(PEOPLE[:3], (f"{p.name} ({p.employee_id})", p.team, p.scheme)):
            sheet.span(row, first, end, value, "text")
        now, suggested = (a1(row, col) for col, _ in PEOPLE[3:5])
        sheet.span(row, *PEOPLE[3], p.fund.current, "money")
        sheet.span(row, *PEOPLE[4], p.fund.suggested, "money")
        sheet.span(row, *PEOPLE[5], p.fund.difference, "signed", f"={suggested}-{now}")
        yours = at_your_weights(p.employee_id, data.get(p.scheme, {}), shares.get(p.scheme, {}), p.fund.suggested)
        sheet.span(row, *PEOPLE[6], yours[0], "money", yours[1])
    row += 1
    sheet.span(row, *PEOPLE[0], text("total", lang), "total_label")
    for first, end in PEOPLE[1:3]:
        sheet.span(row, first, end, None, "total_label")
    for (first, end), value, style in zip(PEOPLE[3:], (review.fund.current, review.fund.suggested,
                                                       review.fund.difference, review.fund.suggested),
                                          ("total", "total", "signed_total", "total")):
        formula = f"=SUM({a1(first_person, first)}:{a1(row - 1, first)})" if review.people else None
        sheet.span(row, first, end, value, style, formula)
    return row + 1
