"""The Ledger sheet: a plain table, a row per person and closed month (and per correction paid), its header
the one the reader looks for, so that the next command reads it back as it was written."""
from __future__ import annotations

from decimal import Decimal

from kpi_reports.enums import label
from kpi_reports.layout.model import NARROW, STYLES, Page, Sheet, number_width, word_width
from kpi_reports.ledger import COLUMNS, MONEY, NAME, RU, Ledger
from kpi_reports.messages import text

FAMILY = "ledger"
WIDTHS = {"no": 6, "period": 10, "employee_id": 10, "name": 22, "team": 16, "mode": 10, "corrects": 10,
          "closed_at": 20, "closed_by": 14, "version": 10, "inputs": 60, "fingerprint": 20,
          "month_fingerprint": 20, "hash": 20}
MONEY_WIDTH = 11
PRINTED = COLUMNS.index("closed_by")
"""The last column on paper: who was paid what, when and by whom the month was closed; the version, the
inputs, the fingerprints and the hash are the chain's, checked by the program rather than read, and off
the print area, so that the rest prints one A4 landscape page wide at 8 points or more."""


def ledger_sheet(ledger: Ledger, lang: str) -> Sheet:
    heads = [key if lang != "ru" else RU[key] for key in COLUMNS]
    largest = max((abs(getattr(row, key)) for row in ledger.rows for key in MONEY
                   if isinstance(getattr(row, key), Decimal)), default=Decimal(0))
    money = max(MONEY_WIDTH, number_width(largest, 2, STYLES["money"]))
    widths = {col: max(money if key in MONEY else WIDTHS.get(key, 14), word_width(head, STYLES["header"]))
              for col, (key, head) in enumerate(zip(COLUMNS, heads, strict=True))}
    sheet = Sheet(NAME["ru" if lang == "ru" else "en"], kind="ledger", family=FAMILY, widths=widths)
    for col, head in enumerate(heads):
        sheet.put(0, col, head, style="header")
    for n, row in enumerate(ledger.rows, 1):
        for col, key in enumerate(COLUMNS):
            value = getattr(row, key)
            if key == "mode":
                value = label("mode", value, lang)
            sheet.put(n, col, value if value != "" else None, style="money" if key in MONEY else "plain")
    sheet.freeze = (1, 3)
    sheet.autofilter = (0, 0, len(ledger.rows), len(COLUMNS) - 1)
    sheet.page = Page(landscape=True, repeat_rows=(0, 0), print_area=(0, 0, len(ledger.rows), PRINTED),
                      footer=text("page_footer", lang), margins=NARROW)
    return sheet
