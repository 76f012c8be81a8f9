"""The problems sheet: every warning of the period, with the sheet and cell it is about. Prints on A4
landscape, one page wide, the header on every page; each row as tall as its wrapped text."""
from __future__ import annotations

from kpi_reports.layout.model import NARROW, STYLES, Page, Sheet, text_width, word_width
from kpi_reports.messages import text
from kpi_reports.problems import Problem

KEYS = ("severity", "sheet", "cell", "employee", "column", "problem")
WIDTHS = (16, 16, 10, 22, 18, 90)


def problems(period: str, warnings: list[Problem], lang: str) -> Sheet:
    heads = [text(key, lang).capitalize() for key in KEYS]
    severities = {text(s, lang) for s in ("warning", "error")}
    sheet = Sheet(text("sheet_problems", lang, period=period), kind="problems", widths=_widths(heads, severities))
    for col, head in enumerate(heads):
        sheet.put(0, col, head, style="header")
        sheet.fit(0, col, col, head, "header")
    for row, p in enumerate(warnings, 1):
        for col, value in enumerate((text(p.severity, lang), p.sheet, p.cell, p.who, p.column, p.text(lang))):
            sheet.put(row, col, value, style="text")
            if value:
                sheet.fit(row, col, col, value, "text")
    sheet.freeze = (1, 0)
    sheet.autofilter = (0, 0, len(warnings), len(KEYS) - 1)
    sheet.page = Page(landscape=True, repeat_rows=(0, 0), print_area=(0, 0, len(warnings), len(KEYS) - 1),
                      footer=text("page_footer", lang), margins=NARROW)
    return sheet


def _widths(heads: list[str], severities: set[str]) -> dict[int, float]:
    """The default widths, widened so that no header breaks inside a word and a severity stays whole."""
    widths = dict(enumerate(WIDTHS))
    for col, head in enumerate(heads):
        widths[col] = max(widths[col], word_width(head, STYLES["header"]))
    widths[0] = max(widths[0], *(text_width(s, STYLES["text"]) for s in severities))
    return widths
