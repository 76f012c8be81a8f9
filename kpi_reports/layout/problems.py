"""The problems sheet: every warning of the period, with the sheet and cell it is about."""
from __future__ import annotations

from kpi_reports.layout.model import Sheet
from kpi_reports.messages import text
from kpi_reports.problems import Problem


def problems(period: str, warnings: list[Problem], lang: str) -> Sheet:
    sheet = Sheet(text("sheet_problems", lang, period=period), kind="problems",
                  widths={0: 16, 1: 16, 2: 10, 3: 18, 4: 100})
    for col, key in enumerate(("warning", "sheet", "cell", "column", "problem")):
        sheet.put(0, col, text(key, lang).capitalize(), style="header")
    for row, p in enumerate(warnings, 1):
        for col, value in enumerate((text(p.severity, lang), p.sheet, p.cell, p.column, p.text(lang))):
            sheet.put(row, col, value, style="text")
    sheet.freeze = (1, 0)
    sheet.autofilter = (0, 0, len(warnings), 4)
    return sheet
