"""The summary sheet: a row per employee grouped by team, each KPI's completion coloured, pay, the main
weak spot; team subtotals and a company total; a chart of the main result KPI against the 100% line.
Every figure refers to the employee's payslip, so the two sheets never disagree.

Printed on A4 landscape, one page wide: every row as tall as its wrapped text, and the chart below the
table inside the print area — on the table's page when both fit, else on a page of its own. The chart's
data (names, completion, 100%) sits below the chart, outside the print area."""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from decimal import Decimal

from kpi_reports import explain
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.weak import StageCount
from kpi_reports.layout.geometry import column_px
from kpi_reports.layout.model import (
    LINE,
    NARROW,
    STYLES,
    Band,
    Chart,
    Colour,
    Page,
    Sheet,
    number_width,
    page_capacity,
    rows_height,
    text_width,
    word_width,
)
from kpi_reports.messages import text
from kpi_reports.model import EmployeeResult, Totals
from kpi_reports.names import a1

MONEY = ("salary", "bonus", "commission", "total")
CORRECTED = ("salary", "bonus", "commission", "corrections", "total")
"""The pay columns of a month that carries corrections of closed months: theirs before the total, which
includes them. A month without keeps MONEY (no empty column)."""
KPI_WIDTH, KPI_MAX_WIDTH, MONEY_WIDTH, SPOT_WIDTH = 9, 16, 11, (17, 60)
NAME_WIDTH = (16, 20)
"""The employee column: as wide as the longest name within these (a longer one wraps)."""
PRINTED = 1340
"""The sheet's width in pixels that prints one A4 landscape page wide (narrow margins) with its text at 8
points or more: the weak spot column takes what the others leave of it, within SPOT_WIDTH."""
MODE_WIDTH = 12
"""A pilot's mode column, at least: the test-mode mark wraps in it, broken only between words."""
CHART_ROWS = 22
"""The chart's height, in rows of the default height."""
FULL = Decimal(1)
"""A completion of 100%."""


def bands(cutoff: Decimal) -> tuple[Band, ...]:
    """A completion's colour: red below its person's cut-off, amber below 100%, green from 100% (the
    first that holds)."""
    return (("red", "<", cutoff), ("amber", "<", FULL), ("green", ">=", FULL))


def summary(report: PeriodReport, payslips: list[Sheet], lang: str) -> Sheet:
    result = report.result
    sheet = Sheet(text("sheet_summary", lang, period=result.period), kind="summary")
    kpis = list(dict.fromkeys((k.kpi, k.title) for r in result.employees for k in r.kpis))
    row = 0
    if report.test_mode:
        sheet.put(row, 0, text("test_banner", lang), style="banner")
        row += 1
    mark = pilot_mark(report, lang)
    money = money_columns(report)
    heads = [text("id_head", lang), text("employee", lang), *(title for _, title in kpis), *(_head(k, lang) for k in money),
             *([text("shown_mode", lang)] if mark else []), text("main_weak_spot", lang)]
    header, money_col = row, 2 + len(kpis)
    mode_col = money_col + len(money) if mark else None
    spot_col = money_col + len(money) + (1 if mark else 0)
    sheet.widths = _widths(heads, len(kpis), result.totals.total, mark, len(money),
                           [(r.employee.employee_id, r.employee.name) for r in result.employees])
    for col, head in enumerate(heads):
        sheet.put(row, col, head, style="header")
        sheet.fit(row, col, col, head, "header")
    where = {e: ("'" + slips.name.replace("'", "''") + "'!", refs) for slips in payslips
             for e, refs in slips.anchors.items()}
    subtotals, names, seated, tested = [], [], [], []
    money_cols = range(money_col, money_col + len(money))
    for team, people in result.by_team:
        row += 1
        sheet.put(row, 0, team.team, style="team")
        first = row + 1
        for r in people:
            row += 1
            e = r.employee.employee_id
            _person(sheet, row, r, where[e], kpis, _main_spot(report, e, lang), mark, money)
            names.append(row)
            seated.append(r)
        row += 1
        sheet.put(row, 1, text("team_subtotal", lang, team=team.team), style="total_label")
        for i, key in enumerate(money):
            col = money_col + i
            sheet.put(row, col, getattr(team.totals, key), f"=SUM({a1(first, col)}:{a1(row - 1, col)})", "total")
        _stage(sheet, row, spot_col, report.team_stages.get(team.team), lang)
        subtotals.append(row)
        if mark:
            tested.append(_live_and_test(sheet, row, money_col, team.live, team.test,
                                         [f"SUMIF({a1(first, mode_col)}:{a1(row - 1, mode_col)},{_quoted(mark)},"
                                          f"{a1(first, col)}:{a1(row - 1, col)})" for col in money_cols], lang,
                                         money))
            row += 2
    row += 1
    company = row
    sheet.put(row, 1, text("company_total", lang), style="total_label")
    for i, key in enumerate(money):
        col = money_col + i
        sheet.put(row, col, getattr(result.totals, key), "=" + "+".join(a1(s, col) for s in subtotals) if subtotals
                  else None, "total")
    _stage(sheet, row, spot_col, report.company_stage, lang)
    if mark:
        _live_and_test(sheet, row, money_col, result.live, result.test,
                       ["+".join(a1(t, col) for t in tested) for col in money_cols], lang, money)
        row += 2
    sheet.freeze = (header + 1, 2)
    sheet.autofilter = (header, 0, company - 1, spot_col)
    sheet.colours = _colours(seated, names, kpis)
    main = next(((kpi, title) for r in result.employees for k in r.kpis if k.group == "result"
                 for kpi, title in [(k.kpi, k.title)]), None)
    page = Page(landscape=True, fit_width=True, repeat_rows=(header, header),
                print_area=(0, 0, row, spot_col), footer=text("page_footer", lang), margins=NARROW)
    if main and names:
        page = _chart(sheet, page, main, kpis.index(main), names, lang)
    sheet.page = page
    return sheet


def columns(kpis: int, corrections: bool = False) -> int:
    """How many columns the sheet takes with `kpis` KPIs: ID, name, a completion per KPI, the pay (with
    `corrections`, a Corrections column: a month that carries corrections of closed months), the main weak
    spot (the chart's data lies in the first four)."""
    return 2 + kpis + len(CORRECTED if corrections else MONEY) + 1


def money_columns(report: PeriodReport) -> tuple[str, ...]:
    """The pay columns: with a Corrections column when anyone's pay carries a correction (CORRECTED)."""
    return CORRECTED if any(r.corrections for r in report.result.employees) else MONEY


def _head(key: str, lang: str) -> str:
    return text("correction_corrections", lang) if key == "corrections" else text(key, lang)


def _colours(people: list[EmployeeResult], rows: list[int], kpis: list[tuple[str, str]]) -> list[Colour]:
    """Each completion coloured against its own person's cut-off (`bands`): per KPI column, a range for
    each run of rows whose people share the cut-off (schemes differ: a farmer's revenue cut-off need not
    be a hunter's). The rows between (team headings, subtotals) hold no completion and join the run.
    `people` in the table's order, `rows` theirs."""
    by_row = {row: {k.kpi: k.cutoff for k in r.kpis} for row, r in zip(rows, people, strict=True)}
    found = []
    for col, (kpi, _) in enumerate(kpis, 2):
        held = [(row, by_row[row][kpi]) for row in rows if kpi in by_row[row]]
        for cutoff, run in itertools.groupby(held, key=lambda held_row: held_row[1]):
            run = list(run)
            found.append(Colour(run[0][0], col, run[-1][0], col, bands(cutoff)))
    return found


def _widths(heads: list[str], kpis: int, largest: Decimal, mark: str | None = None,
            pay: int = len(MONEY), people: Sequence[tuple[str, str]] = ()) -> dict[int, float]:
    """Column widths: each KPI's title on at most three lines and broken only between words, as far as
    KPI_MAX_WIDTH allows; money holds the company total; a pilot's mode column beside it, its `mark` wrapped
    (MODE_WIDTH); the IDs and names (`people`) on a line, as far as NAME_WIDTH allows; the weak spot what
    is left of PRINTED."""
    money = max(MONEY_WIDTH, number_width(largest, 2, STYLES["total"]), word_width(heads[2 + kpis], STYLES["header"]))
    header = STYLES["header"]
    kpi = [min(KPI_MAX_WIDTH, max(KPI_WIDTH, word_width(head, header), text_width(head, header) / 3 + 2))
           for head in heads[2:2 + kpis]]
    mode = [max(MODE_WIDTH, word_width(mark, STYLES["test_mark"]))] if mark else []
    ids = max([word_width(heads[0], header), *(text_width(i, STYLES["text"]) for i, _ in people)])
    name = min(NAME_WIDTH[1], max([NAME_WIDTH[0], *(text_width(n, STYLES["text"]) for _, n in people)]))
    widths = [min(NAME_WIDTH[1], ids), name, *kpi, *[money] * pay, *mode]
    left = (PRINTED - sum(map(column_px, widths)) - 5) / 7
    return dict(enumerate([*widths, min(SPOT_WIDTH[1], max(SPOT_WIDTH[0], left))]))


def pilot_mark(report: PeriodReport, lang: str) -> str | None:
    """In a pilot (some people live, some in test mode) the mark a test-mode person's row carries in the mode
    column, the one their payslip carries; None in a month paid all live or all in test mode (marked whole)."""
    return text("test_banner", lang) if report.result.pilot else None


def _live_and_test(sheet: Sheet, row: int, money_col: int, live: Totals, test: Totals, tests: list[str],
                   lang: str, money: tuple[str, ...] = MONEY) -> int:
    """Below a total on `row`: what is to be paid (the total less the test-mode pay) and the test-mode pay
    (`tests`: its formula per money column, without the "="). Returns the test-mode row."""
    for at, key, totals in ((row + 1, "shown_live", live), (row + 2, "shown_test", test)):
        sheet.put(at, 1, text(key, lang), style="label")
        for i, name in enumerate(money):
            col = money_col + i
            formula = f"={a1(row, col)}-{a1(row + 2, col)}" if key == "shown_live" else "=" + tests[i]
            sheet.put(at, col, getattr(totals, name), formula, "money_bold" if key == "shown_live" else "money")
    return row + 2


def _quoted(value: str) -> str:
    """A text as a SUMIF criterion in a formula: quoted, its wildcards taken literally."""
    literal = value.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return '"' + literal.replace('"', '""') + '"'


def _person(sheet: Sheet, row: int, r: EmployeeResult, where: tuple[str, dict], kpis: list[tuple[str, str]],
            spot: str, mark: str | None = None, money: tuple[str, ...] = MONEY) -> None:
    """An employee's row: completions and pay referring to the payslip (`where`: its sheet and cells); in a
    pilot, the test-mode mark (`mark`) in the mode column beside the pay when the person is in test mode."""
    source, refs = where
    money_col = 2 + len(kpis)
    sheet.put(row, 0, r.employee.employee_id, style="text")
    sheet.put(row, 1, r.employee.name, style="text")
    mine = {k.kpi: k for k in r.kpis}
    for i, (kpi, _) in enumerate(kpis):
        k = mine.get(kpi)
        if k is not None:
            value = k.completion if k.completion is not None else ""
            sheet.put(row, 2 + i, value, f"={source}{refs['kpi:' + kpi]}", "percent")
    for i, key in enumerate(money):
        if key == "corrections":  # the sum of the payslip's correction lines; none: an empty cell
            cells = refs.get("corrections")
            sheet.put(row, money_col + i, r.corrected if cells else None, f"=SUM({source}{cells})" if cells else None,
                      "money")
            continue
        value = {"salary": r.salary, "bonus": r.bonus, "commission": r.commission.amount, "total": r.total}[key]
        sheet.put(row, money_col + i, value, f"={source}{refs[key]}", "money")
    spot_col = money_col + len(money)
    if mark is not None:
        sheet.put(row, spot_col, mark if r.test_mode else None, style="test_mark" if r.test_mode else "text")
        if r.test_mode:
            sheet.fit(row, spot_col, spot_col, mark, "test_mark")
        spot_col += 1
    sheet.put(row, spot_col, spot, style="text")
    sheet.fit(row, 0, 0, r.employee.employee_id, "text")
    sheet.fit(row, 1, 1, r.employee.name, "text")
    sheet.fit(row, spot_col, spot_col, spot, "text")


def _stage(sheet: Sheet, row: int, col: int, count: StageCount | None, lang: str) -> None:
    """In a subtotal's (or the company total's) weak-spot cell: the funnel stage that sags for most of the
    team's people, when one sags for anyone."""
    if count is None:
        return
    line = explain.team_stage(count, lang)
    sheet.put(row, col, line, style="total_note")
    sheet.fit(row, col, col, line, "total_note")


def _main_spot(report: PeriodReport, employee_id: str, lang: str) -> str:
    return next(iter(explain.person(report, employee_id, lang)), "")


def _chart(sheet: Sheet, page: Page, main: tuple[str, str], index: int, names: list[int], lang: str) -> Page:
    """The chart below the table, across the names, KPIs and pay, inside the print area; its data (names,
    completion, 100%) in a small block below it, outside. Returns the page with the print area taken down
    to the chart's last row; when table and chart do not fit one page, with a page break a row above the
    chart, which then fills its page."""
    _, title = main
    (_, _, last, spot_col), header = page.print_area, page.repeat_rows[0]
    top, capacity = last + 2, page_capacity(sheet, page)
    rows, breaks = CHART_ROWS, ()
    if rows_height(sheet, 0, last) + (1 + CHART_ROWS) * LINE > capacity:
        rows, breaks = max(CHART_ROWS, int((capacity - rows_height(sheet, header, header)) / LINE) - 2), (top,)
        top += 1  # a row below the break: a chart right on it has its title drawn on the page before too
    bottom = top + rows - 1
    first, last_name = bottom + 3, bottom + 2 + len(names)
    _chart_data(sheet, bottom + 2, title, [(source, 2 + index) for source in names], lang)
    sheet.charts.append(Chart(text("chart_completion", lang, kpi=title), (1, first, last_name),
                              (2, first, last_name), FULL, text("plan_line", lang),
                              (top, 1), (bottom, spot_col - 1)))
    return dataclasses.replace(page, row_breaks=breaks, print_area=(0, 0, bottom, spot_col))


def _chart_data(sheet: Sheet, row: int, title: str, sources: list[tuple[int, int]], lang: str) -> None:
    """From `row`: a header, then per employee the name, the completion and 100%, each referring to its row
    of the table (`sources`: the row and column of each completion; the name is in column 1)."""
    sheet.put(row, 1, text("employee", lang), style="header")
    sheet.put(row, 2, title, style="header")
    sheet.fit(row, 2, 2, title, "header")
    sheet.put(row, 3, text("plan_line", lang), style="header")
    cells = {(c.row, c.col): c for c in sheet.cells}
    for i, (source, col) in enumerate(sources, row + 1):
        completion, name = cells.get((source, col)), cells[(source, 1)]
        sheet.put(i, 1, name.value, f"={a1(source, 1)}", "text")
        value = completion.value if completion is not None else ""
        sheet.put(i, 2, value, f"={a1(source, col)}" if completion is not None else None, "percent")
        sheet.put(i, 3, FULL, style="percent")
