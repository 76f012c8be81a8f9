"""What the lists credited, as the sheets show it: a payslip's live Fact over a list (COUNTIFS / SUMIFS on the
person's spellings, the stage or status words and the month's dates), and the Credited sheet — every list row
with the person and month it went to, or why it did not count."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

from kpi_reports import formula as formulas
from kpi_reports.credits import Credited, ListRow, ListSource
from kpi_reports.layout.model import NARROW, STYLES, Page, Sheet, exact_criterion, word_width
from kpi_reports.messages import msg, text
from kpi_reports.model import KpiResult
from kpi_reports.names import MAX_ROWS, col_letter

TERMS = 24
"""The most COUNTIFS a live Fact sums (spellings × stages): beyond, the Fact is shown as a value."""


def fact_formula(credited: Credited | None, period: str, employee_id: str, k: KpiResult) -> str | None:
    """The live formula of a payslip's Fact when the lists credited every metric it is made of (and a
    spreadsheet counts their rows as they were credited); None: the fact is shown as a value."""
    if credited is None or k.made_of is None or k.fact is None:
        return None
    metrics = (k.made_of,) if isinstance(k.made_of, str) else k.made_of.metrics
    refs = {}
    for m in metrics:
        if not credited.credited(period, employee_id, m) or (period, employee_id, m) in credited.value_only:
            return None
        source = credited.sources.get(m)
        spelt = credited.spellings.get((source.sheet, employee_id), (employee_id,)) if source else ()
        refs[m] = source and list_formula(source, spelt, period)
        if not refs[m]:
            return None
    return "=" + (refs[k.made_of] if isinstance(k.made_of, str) else formulas.spreadsheet(k.made_of, refs))


def list_formula(source: ListSource, spellings: tuple[str, ...], period: str) -> str | None:
    """COUNTIFS (or SUMIFS) over the list's columns: the person, each `match` column's words, the month's
    dates, the shortest call. A set of texts (two spellings of a name, two paid stages) is a sum of one such
    function per combination, never an array constant: Gnumeric counts only an array's first element. None
    when it cannot be written (no words, more than TERMS combinations, a text longer than a literal)."""
    sets = [(source.employee, spellings), *source.match]
    combinations = list(itertools.product(*(words for _, words in sets)))
    if not combinations or len(combinations) > TERMS:
        return None
    column = _column(source.sheet)
    y, m = int(period[:4]), int(period[5:])
    after = (y + m // 12, m % 12 + 1)
    fixed = [f'{column(source.date)},">="&DATE({y},{m},1)', f'{column(source.date)},"<"&DATE({after[0]},{after[1]},1)']
    if source.at_least:
        fixed.append(f'{column(source.at_least[0])},">={source.at_least[1]}"')
    terms = []
    for words in combinations:
        criteria = [exact_criterion(word) for word in words]
        if None in criteria:
            return None
        parts = [f"{column(col)},{c}" for (col, _), c in zip(sets, criteria, strict=True)] + fixed
        terms.append(f"SUMIFS({column(source.total)},{','.join(parts)})" if source.total is not None
                     else f"COUNTIFS({','.join(parts)})")
    return terms[0] if len(terms) == 1 else "(" + "+".join(terms) + ")"


def _column(sheet: str):
    quoted = "'" + sheet.replace("'", "''") + "'"
    return lambda col: f"{quoted}!${col_letter(col)}:${col_letter(col)}"


# --- the Credited sheet ------------------------------------------------------------------------------

KEYS = ("list_sheet", "list_row", "list_ref", "list_written", "list_credited_to", "period", "list_metric",
        "list_amount", "list_outcome")
WIDTHS = (14, 8, 14, 26, 30, 10, 14, 16, 48)


def credited_sheets(credited: Credited | None, period: str, names: dict[str, str], lang: str) -> list[Sheet]:
    """Every list row with the person and month it was credited to, or why not; a sheet per MAX_ROWS - 1
    rows. `names`: employee id → name. None without lists."""
    if credited is None or credited.rows is None:
        return []
    title = text("sheet_credited", lang, period=period)
    parts, sheet, row = [], None, 0
    for found in credited.rows():
        if sheet is None or row == MAX_ROWS:
            sheet = _sheet(title if not parts else f"{title} ({len(parts) + 1})", lang)
            parts.append(sheet)
            row = 1
        for col, value in enumerate(_cells(found, period, names, lang)):
            sheet.put(row, col, value, style="money" if col == 7 and value is not None else "text")
        row += 1
        sheet.autofilter = (0, 0, row - 1, len(KEYS) - 1)
    return parts


def _sheet(name: str, lang: str) -> Sheet:
    heads = [text(k, lang) for k in KEYS]
    sheet = Sheet(name, kind="credited", widths={c: max(w, word_width(h, STYLES["header"]))
                                                  for c, (w, h) in enumerate(zip(WIDTHS, heads, strict=True))})
    for col, head in enumerate(heads):
        sheet.put(0, col, head, style="header")
    sheet.freeze = (1, 0)
    sheet.page = Page(landscape=True, repeat_rows=(0, 0), footer=text("page_footer", lang), margins=NARROW)
    return sheet


def _cells(r: ListRow, period: str, names: dict[str, str], lang: str) -> Iterator:
    yield r.sheet
    yield r.row + 1
    yield r.ref
    yield r.written
    yield f"{names.get(r.employee_id, '')} ({r.employee_id})" if r.employee_id else ""
    yield r.period or ""
    yield r.metric or ""
    yield r.amount
    if r.reason is None:
        yield text("list_counted" if r.period == period else "list_counted_other", lang, period=r.period)
    else:
        yield msg(r.reason, found=r.found).text(lang)
