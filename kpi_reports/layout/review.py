"""The quarterly review sheet (`Review 2026-Q4`): per scheme, a table of its KPIs — how the quarter's
person-months went, the flags, the suggested weight and a "your weight" cell to type in — with the bonus
fund of the quarter at the current, the suggested and your weights; below each table, every flag
explained with its figures; then the fund by person.

The fund at your weights is a live formula: for each KPI, the sum over the quarter's person-months of
ROUND(payout at a weight of 100% × weight, 2) — the engine's rule, a payout rounded half-up to kopecks
per line — over a what-if block to the right of the print area that holds each person-month's payout
at 100% per KPI. The funds at current and at suggested weights are the same formula over the same
block, so all three recalculate alike; every formula's value is cached (prefilled, your weights are the
suggested ones).

When the scheme's version under review took effect within the quarter, the lines below the table say, per
KPI, the weight before → after and the mean completion before → after. The what-if block then holds the
person-months from that version's first month on — the ones the weights act on — and a month of the
quarter paid by the earlier version enters each fund as paid: a constant added to the KPI's formula, and a
row of its own for a KPI the new version dropped.

Printed on A4 landscape, one page wide; a scheme's block starts a new page rather than break across one
when it fits a page of its own.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from kpi_reports import enums, explain
from kpi_reports.engine.review import DroppedKpi, KpiReview, PersonMonth, QuarterReview, SchemeReview
from kpi_reports.layout.model import (
    LINE,
    NARROW,
    STYLES,
    Page,
    Sheet,
    Validation,
    number_width,
    page_capacity,
    rows_height,
    text_width,
    word_width,
)
from kpi_reports.layout.review_funds import Payouts, weighted
from kpi_reports.layout.review_people import HEADS as PEOPLE_HEADS
from kpi_reports.layout.review_people import PEOPLE, people
from kpi_reports.messages import msg, text
from kpi_reports.names import MAX_COLUMNS, a1, col_letter
from kpi_reports.problems import Report

(KPI, GROUP, MEAN, MEDIAN, ON_PLAN, BELOW, PAID, MONTH1, MONTH2, MONTH3, PREVIOUS, CHANGE, CORRELATION) = range(13)
"""The quarter's table: per KPI, how its person-months went."""
LAST = CORRELATION
FLAGS, WEIGHT, SUGGESTED, YOURS, FUND_NOW, FUND_SUGGESTED, FUND_YOURS = 1, 4, 5, 6, 7, 9, 11
"""The weights' table below it, over the same columns: per KPI the flags, the weights and the funds, each
from its column to SPANS' (merged), so that both tables print one A4 landscape page wide at 8 points."""
SPANS = {KPI: KPI, FLAGS: 3, WEIGHT: WEIGHT, SUGGESTED: SUGGESTED, YOURS: YOURS, FUND_NOW: 8, FUND_SUGGESTED: 10,
         FUND_YOURS: 12}
QUARTER_HEADS = {KPI: "kpi", GROUP: "group", MEAN: "col_mean", MEDIAN: "col_median", ON_PLAN: "col_on_plan",
                 BELOW: "col_below_cutoff", PAID: "col_paid_share", PREVIOUS: "col_previous", CHANGE: "col_change",
                 CORRELATION: "col_correlation"}
WEIGHT_HEADS = {KPI: "kpi", FLAGS: "col_flags", WEIGHT: "col_weight_now", SUGGESTED: "col_suggested",
                YOURS: "col_yours", FUND_NOW: "col_fund_now", FUND_SUGGESTED: "col_fund_suggested",
                FUND_YOURS: "col_fund_yours"}
WIDTHS = {KPI: 20, GROUP: 11}
SHARE_WIDTH, MONEY_WIDTH, KPI_MAX_WIDTH, FLAGS_MAX_WIDTH = 8.5, 12, 24, 20
DATA = LAST + 2
"""The first column of the what-if block, one empty column right of the print area."""
DATA_ID, DATA_MONTH, DATA_WIDTH, DATA_MAX_WIDTH = 12, 10, 14, 40


def columns(kpis: int) -> int:
    """How many columns the sheet takes for a scheme of `kpis` KPIs: the table, then the what-if block
    (person-month, month, a payout at 100% per KPI, and each at the three funds' weights)."""
    return DATA + 2 + 4 * kpis


def _check_width(review: QuarterReview) -> None:
    """A scheme whose what-if block would run past XFD, Excel's last column, is refused naming it (raises
    InvalidWorkbook), before anything is written."""
    report = Report()
    for s in review.schemes:
        if columns(len(s.kpis)) > MAX_COLUMNS:
            report.add(msg("review_too_wide", scheme=s.scheme, columns=columns(len(s.kpis))), sheet="Schemes",
                       column="kpi", found=msg("kpis_count", n=len(s.kpis)),
                       expected=msg("at_most", n=MAX_COLUMNS - columns(0)))
    report.raise_if_errors()


def review_sheet(review: QuarterReview, lang: str, company: str = "") -> Sheet:
    _check_width(review)
    sheet = Sheet(text("sheet_review", lang, quarter=review.quarter), kind="review",
                  family=f"review {review.quarter}")
    sheet.widths = _widths(review, lang)
    data = _data(sheet, review, lang)
    row, blocks = 0, []
    if review.test_mode:
        sheet.put(row, KPI, text("test_banner", lang), style="banner")
        row += 1
    title = text("review_title", lang, company=company, quarter=review.quarter) if company else \
        text("review_title_plain", lang, quarter=review.quarter)
    sheet.put(row, KPI, title, style="title")
    row += 1
    months = ", ".join(review.months)
    about = text("review_months", lang, months=months, previous=", ".join(review.previous_months)) \
        if review.previous_months else text("review_no_previous", lang, months=months)
    for line in (about, text("review_rule", lang), text("review_how", lang)):
        _note(sheet, row, line, "aside")
        row += 1
    sheet.for_spreadsheets.add(row - 1)
    for scheme in review.schemes:
        first = row + 1
        row = _scheme(sheet, first, scheme, review, data[scheme.scheme], lang)
        blocks.append((first, row - 1))
    first = row + 1
    row = people(sheet, first, review, data, lang, LAST)
    blocks.append((first, row - 1))
    page = Page(landscape=True, fit_width=True, print_area=(0, 0, row - 1, LAST), footer=text("page_footer", lang),
                margins=NARROW)
    sheet.page = dataclasses.replace(page, row_breaks=_breaks(sheet, page, blocks))
    return sheet


def _widths(review: QuarterReview, lang: str) -> dict[int, float]:
    """Headers break only between words; KPI titles wrap from KPI_MAX_WIDTH on; a span (of the weights' and
    the people's tables) is as wide as its header's words and its figures, its last column widened for them:
    money holds the largest fund, the flags a flag on a line as far as FLAGS_MAX_WIDTH allows."""
    header = STYLES["header"]
    widths = {col: max(WIDTHS.get(col, SHARE_WIDTH), word_width(_head(col, review, lang), header))
              for col in range(LAST + 1)}
    titles = [_title(k, lang) for s in review.schemes for k in (*s.kpis, *_paid_dropped(s))]
    widths[KPI] = min(KPI_MAX_WIDTH, max([widths[KPI], *(text_width(t, STYLES["text"]) for t in titles)]))
    widths[GROUP] = max(widths[GROUP], *(text_width(_group(g, lang), STYLES["text"]) for g in enums.ENUMS["group"]))
    words = [explain.flag_word(f, lang) for s in review.schemes for k in s.kpis for f in k.flags]
    words += [text("review_change_flag", lang, since=s.since) for s in review.schemes if _paid_dropped(s)]
    flags = max([0, *(min(FLAGS_MAX_WIDTH, text_width(w, STYLES["text"]) + 0.1) for w in words),
                 *(word_width(w, STYLES["text"]) for w in words)])
    largest = max([abs(v) for v in _amounts(review)], default=Decimal(0))
    money = max(MONEY_WIDTH, number_width(largest, 2, STYLES["total"]) + 1)  # + 1: the sign of a difference
    needs = [((col, SPANS[col]), max(word_width(text(key, lang), header), flags if col == FLAGS else
                                     money if col >= FUND_NOW else 0)) for col, key in WEIGHT_HEADS.items()]
    names = max((text_width(f"{p.name} ({p.employee_id})", STYLES["text"]) for p in review.people), default=0)
    needs += [(span, max(word_width(text(key, lang), header), money if i >= 3 else names if i == 0 else 0))
              for i, (span, key) in enumerate(zip(PEOPLE, PEOPLE_HEADS))]
    for (first, last), need in needs:
        widths[last] += max(0.0, need - sum(widths[c] for c in range(first, last + 1)))
    widths[DATA], widths[DATA + 1] = DATA_ID, DATA_MONTH
    ids = [line.employee_id for s in review.schemes for line in in_force(s)]
    widths[DATA] = max([DATA_ID, *(text_width(i, STYLES["plain"]) for i in ids)])
    most = max((len(s.kpis) for s in review.schemes), default=0)
    for i in range(most):
        heads = [_title(s.kpis[i], lang) for s in review.schemes if i < len(s.kpis)]
        need = max(text_width(h, STYLES["header_line"]) for h in heads)
        widths[DATA + 2 + i] = min(DATA_MAX_WIDTH, max(DATA_WIDTH, need, number_width(largest, 2, STYLES["money"])))
    return widths


def _amounts(review: QuarterReview):
    for f in (review.fund, *(s.fund for s in review.schemes), *(p.fund for p in review.people)):
        yield from (f.current, f.suggested)
    for s in review.schemes:
        for line in s.lines:
            yield from line.at_full_weight.values()


def _head(col: int, review: QuarterReview, lang: str) -> str:
    """The quarter's table's header of `col`."""
    if MONTH1 <= col <= MONTH3:
        months = review.months
        return text("col_month", lang, month=months[col - MONTH1] if col - MONTH1 < len(months) else "")
    return text(QUARTER_HEADS[col], lang)


def in_force(scheme: SchemeReview) -> list[PersonMonth]:
    """The person-months the weights act on: those of the months the version under review is in force."""
    return [line for line in scheme.lines if scheme.since is None or line.period >= scheme.since]


def _earlier(scheme: SchemeReview, kpi: str) -> Decimal:
    """What the KPI paid in the quarter's months before the version under review: a constant of each fund."""
    return sum((line.current.get(kpi, Decimal(0)) for line in scheme.lines
                if scheme.since is not None and line.period < scheme.since), Decimal("0.00"))


def _paid_dropped(scheme: SchemeReview) -> list[DroppedKpi]:
    """The dropped KPIs that were paid on in the quarter (the version changed within it): a row each."""
    return [d for d in scheme.dropped if any(d.kpi in line.current for line in scheme.lines)]


def _title(k: KpiReview | DroppedKpi, lang: str) -> str:
    return text("team_scope", lang, title=k.title) if k.scope == "team" else k.title


def _group(group: str, lang: str) -> str:
    return enums.label("group", group, lang)


def _note(sheet: Sheet, row: int, line: str, style: str = "note") -> None:
    """A line of text across the table, wrapped, its row as tall as it needs."""
    sheet.span(row, KPI, LAST, line, style)


# --- a scheme ---------------------------------------------------------------------------------------------

def _scheme(sheet: Sheet, row: int, scheme: SchemeReview, review: QuarterReview, data: dict[str, Payouts],
            lang: str) -> int:
    """The scheme's block from `row`: its title, the design flags, the KPI table with the totals and the
    check of your weights, the explanations. `data`: per KPI, the what-if block's range of its payouts at
    100%. Returns the row after the block."""
    head = text("review_scheme", lang, scheme=scheme.scheme, people=scheme.people,
                person_months=scheme.person_months)
    sheet.merge(row, KPI, LAST, head, "team")
    row += 1
    for flag in scheme.flags:
        _note(sheet, row, "• " + explain.review_flag(flag, lang, scheme=scheme))
        row += 1
    if not scheme.flags:
        _note(sheet, row, text("review_scheme_ok", lang), "aside")
        row += 1
    for col in range(LAST + 1):
        sheet.span(row, col, col, _head(col, review, lang), "header")
    for k in scheme.kpis:
        row += 1
        _quarter_row(sheet, row, k, review.thresholds.min_points, lang)
    row += 2
    for col, key in WEIGHT_HEADS.items():
        sheet.span(row, col, SPANS[col], text(key, lang), "header")
    first = row + 1
    for k in scheme.kpis:
        row += 1
        _weights_row(sheet, row, k, scheme, data.get(k.kpi), lang)
    sheet.validations.append(Validation(first, YOURS, row, YOURS, Decimal(0), Decimal(1), text("input_title", lang),
                                        text("input_note", lang)))
    for d in _paid_dropped(scheme):
        row += 1
        _dropped_row(sheet, row, d, scheme, lang)
    row = _totals(sheet, row + 1, scheme, first, row, lang)
    if explain.weight_changes(scheme, lang):
        row = _changes(sheet, row + 1, scheme, review, lang)
    return _explanations(sheet, row + 1, scheme, review.thresholds.min_points, lang)


def _quarter_row(sheet: Sheet, row: int, k: KpiReview, min_points: int, lang: str) -> None:
    """A KPI's row of the quarter's table: its group and how its person-months went."""
    sheet.span(row, KPI, KPI, _title(k, lang), "text")
    sheet.put(row, GROUP, _group(k.group, lang), style="text")
    for col, value in ((MEAN, k.mean), (MEDIAN, k.median), (ON_PLAN, k.on_plan), (BELOW, k.below_cutoff),
                       (PAID, k.paid_share), *zip((MONTH1, MONTH2, MONTH3), k.months), (PREVIOUS, k.previous)):
        _share(sheet, row, col, value, "percent")
    _share(sheet, row, CHANGE, k.change, "signed_percent")
    if k.correlation is not None:
        sheet.put(row, CORRELATION, k.correlation, style="ratio")
    else:
        sheet.span(row, CORRELATION, CORRELATION, text("too_few_to_tell", lang) if too_few(k, min_points) else "—",
                   "text")


def _weights_row(sheet: Sheet, row: int, k: KpiReview, scheme: SchemeReview, payouts: Payouts | None,
                 lang: str) -> None:
    """A KPI's row of the weights' table: its flags, the weights and the three funds, live over `payouts`."""
    sheet.span(row, KPI, KPI, _title(k, lang), "text")
    sheet.span(row, FLAGS, SPANS[FLAGS], ", ".join(explain.flag_word(f, lang) for f in k.flags), "text")
    sheet.put(row, WEIGHT, k.weight, style="percent")
    sheet.put(row, SUGGESTED, k.suggested_weight, style="percent")
    sheet.put(row, YOURS, k.suggested_weight, style="input")
    n = row + 1
    now = sum((line.current.get(k.kpi, Decimal(0)) for line in scheme.lines), Decimal("0.00"))
    suggested = sum((line.suggested.get(k.kpi, Decimal(0)) for line in scheme.lines), Decimal("0.00"))
    earlier = _earlier(scheme, k.kpi)
    plus = f"+{earlier:f}" if earlier else ""
    for f, (col, weight, value, share) in enumerate(((FUND_NOW, WEIGHT, now, k.weight),
                                                     (FUND_SUGGESTED, SUGGESTED, suggested, k.suggested_weight),
                                                     (FUND_YOURS, YOURS, suggested, k.suggested_weight))):
        formula = f"=SUM({weighted(sheet, payouts, f, f'${col_letter(weight)}${n}', share)}){plus}" \
            if payouts else None
        sheet.span(row, col, SPANS[col], value, "money", formula)


def _dropped_row(sheet: Sheet, row: int, d: DroppedKpi, scheme: SchemeReview, lang: str) -> None:
    """A KPI the version under review dropped within the quarter: what it paid before, in each fund."""
    sheet.span(row, KPI, KPI, _title(d, lang), "text")
    sheet.span(row, FLAGS, SPANS[FLAGS], text("review_change_flag", lang, since=scheme.since), "text")
    for col in (WEIGHT, SUGGESTED, YOURS):
        sheet.put(row, col, "—", style="percent")
    paid = _earlier(scheme, d.kpi)
    for col in (FUND_NOW, FUND_SUGGESTED, FUND_YOURS):
        sheet.span(row, col, SPANS[col], paid, "money")


def too_few(k: KpiReview, min_points: int) -> bool:
    """No correlation because there are too few person-months to tell (not because a side is flat, nor for
    a result KPI with no other result KPI to compare with)."""
    return k.correlation is None and k.correlation_points < min_points and \
        (k.group != "result" or k.correlation_points > 0)


def _share(sheet: Sheet, row: int, col: int, value: Decimal | None, style: str) -> None:
    sheet.put(row, col, value if value is not None else "—", style=style)


def _totals(sheet: Sheet, row: int, scheme: SchemeReview, first: int, last: int, lang: str) -> int:
    """The totals row (the weights' sums and the funds), the funds' differences, the check of your weights;
    returns the row after them."""
    def total(col: int, value: Decimal, style: str = "total") -> None:
        sheet.span(row, col, SPANS[col], value, style, f"=SUM({a1(first, col)}:{a1(last, col)})")
    cells = {(c.row, c.col): c.value for c in sheet.cells if first <= c.row <= last}
    column = {col: sum((v for r in range(first, last + 1) if isinstance(v := cells[(r, col)], Decimal)), Decimal(0))
              for col in (WEIGHT, SUGGESTED, YOURS, FUND_NOW, FUND_SUGGESTED, FUND_YOURS)}  # as SUM: text left out
    sheet.put(row, KPI, text("total", lang), style="total_label")
    sheet.span(row, FLAGS, SPANS[FLAGS], None, "total_label")
    for col in (WEIGHT, SUGGESTED, YOURS):
        total(col, column[col], "total_percent")
    for col in (FUND_NOW, FUND_SUGGESTED, FUND_YOURS):
        total(col, column[col])
    sums = row
    row += 1
    sheet.put(row, KPI, text("fund_difference", lang), style="label")
    for col in (FUND_SUGGESTED, FUND_YOURS):
        value = column[col] - column[FUND_NOW]
        sheet.span(row, col, SPANS[col], value, "signed", f"={a1(sums, col)}-{a1(sums, FUND_NOW)}")
    row += 1
    sheet.put(row, KPI, text("weights_total", lang), style="label")
    ok, wrong = text("weights_ok", lang), text("weights_not_100", lang)
    shown = ok if column[YOURS] == 1 else wrong
    formula = f'=IF(ROUND({a1(sums, YOURS)},6)=1,{_quoted(ok)},{_quoted(wrong)})'
    sheet.span(row, FLAGS, SPANS[FLAGS], shown, "check", formula)
    return row + 1


def _changes(sheet: Sheet, row: int, scheme: SchemeReview, review: QuarterReview, lang: str) -> int:
    """The change of version within the quarter: a line per KPI whose weight it changed, added or dropped,
    with the mean completion before → after; returns the row after them."""
    sheet.put(row, KPI, text("review_change_title", lang, since=scheme.since), style="label")
    row += 1
    _note(sheet, row, explain.change_means(scheme, review.months, review.previous_months, lang), "aside")
    for line in explain.weight_changes(scheme, lang):
        row += 1
        _note(sheet, row, "• " + line)
    if len(in_force(scheme)) < len(scheme.lines):
        row += 1
        _note(sheet, row, text("review_change_earlier", lang, since=scheme.since), "aside")
    return row + 1


def _quoted(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _explanations(sheet: Sheet, row: int, scheme: SchemeReview, min_points: int, lang: str) -> int:
    """What the flags mean, a line each with its figures; why the suggestion moves weight; which
    correlations cannot be told."""
    sheet.put(row, KPI, text("review_explanations", lang), style="label")
    lines = [explain.review_flag(f, lang, kpi=k, scheme=scheme) for k in scheme.kpis for f in k.flags]
    lines += explain.moves(scheme, lang)
    few = [k for k in scheme.kpis if too_few(k, min_points)]
    if few:
        lines.append(explain.too_few_to_tell(few, min_points, lang))
    for line in lines:
        row += 1
        _note(sheet, row, "• " + line)
    if not any(k.flags for k in scheme.kpis):
        row += 1
        _note(sheet, row, text("review_no_flags", lang), "aside")
    return row + 1


# --- the what-if block --------------------------------------------------------------------------------------

def _data(sheet: Sheet, review: QuarterReview, lang: str) -> dict[str, dict[str, Payouts]]:
    """Right of the print area, per scheme: a header, then per person-month the employee, the month and each
    KPI's payout at a weight of 100%; then, for each KPI, a column per fund for the table's rows to fill in
    (`_weighted`): plain ROUND of one cell each, summed, so that every spreadsheet program computes the funds
    alike (no array evaluation). Returns per scheme and KPI where its payouts are."""
    row = 0
    sheet.put(row, DATA, text("review_whatif", lang), style="subtitle")
    ranges: dict[str, dict[str, Payouts]] = {}
    funds = [_head(col, review, lang) for col in (FUND_NOW, FUND_SUGGESTED, FUND_YOURS)]
    for scheme in review.schemes:
        row += 2
        sheet.put(row, DATA, text("review_scheme", lang, scheme=scheme.scheme, people=scheme.people,
                                  person_months=scheme.person_months), style="team")
        row += 1
        sheet.put(row, DATA, text("id_head", lang), style="header_line")
        sheet.put(row, DATA + 1, text("col_month_short", lang), style="header_line")
        helper = DATA + 2 + len(scheme.kpis)
        for i, k in enumerate(scheme.kpis):
            sheet.put(row, DATA + 2 + i, _title(k, lang), style="header_line")
            for f, fund in enumerate(funds):
                sheet.put(row, helper + 3 * i + f, f"{_title(k, lang)}: {fund}", style="header_line")
        first = row + 1
        lines = in_force(scheme)
        for line in lines:
            row += 1
            sheet.put(row, DATA, line.employee_id, style="plain")
            sheet.put(row, DATA + 1, line.period, style="plain")
            for i, k in enumerate(scheme.kpis):
                sheet.put(row, DATA + 2 + i, line.at_full_weight.get(k.kpi, Decimal(0)), style="money")
        ranges[scheme.scheme] = {k.kpi: Payouts(DATA + 2 + i, range(first, row + 1), tuple(
            line.at_full_weight.get(k.kpi, Decimal(0)) for line in lines), helper + 3 * i,
            tuple(line.employee_id for line in lines), DATA)
            for i, k in enumerate(scheme.kpis)} if lines else {}
    return ranges


# --- the pages ----------------------------------------------------------------------------------------------

def _breaks(sheet: Sheet, page: Page, blocks: list[tuple[int, int]]) -> tuple[int, ...]:
    """A page break before each block (and the empty row above it) that would not fit what is left of its
    page but fits a page of its own."""
    capacity, used, breaks = page_capacity(sheet, page), rows_height(sheet, 0, blocks[0][0] - 1), []
    for first, last in blocks:
        height = rows_height(sheet, first, last)
        if used + LINE + height > capacity and height <= capacity:
            breaks.append(first)
            used = height
        else:
            used = (used + LINE + height) % capacity
    return tuple(breaks)
