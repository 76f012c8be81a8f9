"""The summary sheet: a row per employee grouped by team, each KPI's completion coloured, pay, the main
weak spot; team subtotals and a company total; a chart of the main result KPI against the 100% line.
Every figure refers to the employee's payslip, so the two sheets never disagree."""
from __future__ import annotations

from decimal import Decimal

from kpi_reports import explain
from kpi_reports.engine.report import PeriodReport
from kpi_reports.layout.model import Chart, Colour, Page, Sheet
from kpi_reports.messages import text
from kpi_reports.names import a1

MONEY = ("salary", "bonus", "commission", "total")


def summary(report: PeriodReport, payslips: list[Sheet], lang: str) -> Sheet:
    result = report.result
    sheet = Sheet(text("sheet_summary", lang, period=result.period), kind="summary")
    kpis = list(dict.fromkeys((k.kpi, k.title) for r in result.employees for k in r.kpis))
    cutoffs = {k.kpi: k.cutoff for r in result.employees for k in reversed(r.kpis)}
    row = 0
    if report.test_mode:
        sheet.put(row, 0, text("test_banner", lang), style="banner")
        row += 1
    heads = ["ID", text("employee", lang), *(title for _, title in kpis), *(text(k, lang) for k in MONEY),
             text("main_weak_spot", lang)]
    for col, head in enumerate(heads):
        sheet.put(row, col, head, style="header")
    header, money_col, spot_col = row, 2 + len(kpis), 2 + len(kpis) + len(MONEY)
    sheet.widths = {0: 8, 1: 30, **{2 + i: 12 for i in range(len(kpis))},
                    **{money_col + i: 14 for i in range(len(MONEY))}, spot_col: 60}
    where = {e: ("'" + slips.name.replace("'", "''") + "'!", refs) for slips in payslips
             for e, refs in slips.anchors.items()}
    subtotals, names, members = [], [], {}
    for r in result.employees:
        members.setdefault(r.employee.team, []).append(r)
    for team in result.teams:
        row += 1
        sheet.put(row, 0, team.team, style="team")
        first = row + 1
        for r in members.get(team.team, ()):
            row += 1
            source, refs = where[r.employee.employee_id]
            sheet.put(row, 0, r.employee.employee_id, style="text")
            sheet.put(row, 1, r.employee.name, style="text")
            names.append(row)
            mine = {k.kpi: k for k in r.kpis}
            for i, (kpi, _) in enumerate(kpis):
                k = mine.get(kpi)
                if k is not None:
                    value = k.completion if k.completion is not None else ""
                    sheet.put(row, 2 + i, value, f"={source}{refs['kpi:' + kpi]}", "percent")
            for i, key in enumerate(MONEY):
                value = {"salary": r.salary, "bonus": r.bonus, "commission": r.commission.amount,
                         "total": r.total}[key]
                sheet.put(row, money_col + i, value, f"={source}{refs[key]}", "money")
            sheet.put(row, spot_col, _main_spot(report, r.employee.employee_id, lang), style="text")
        row += 1
        sheet.put(row, 1, text("team_subtotal", lang, team=team.team), style="total_label")
        for i, key in enumerate(MONEY):
            col = money_col + i
            sheet.put(row, col, getattr(team.totals, key), f"=SUM({a1(first, col)}:{a1(row - 1, col)})", "total")
        subtotals.append(row)
    row += 1
    sheet.put(row, 1, text("company_total", lang), style="total_label")
    for i, key in enumerate(MONEY):
        col = money_col + i
        sheet.put(row, col, getattr(result.totals, key), "=" + "+".join(a1(s, col) for s in subtotals) if subtotals
                  else None, "total")
    sheet.freeze = (header + 1, 2)
    sheet.autofilter = (header, 0, row - 1, spot_col)
    for i, (kpi, _) in enumerate(kpis):
        sheet.colours.append(Colour(header + 1, 2 + i, row - 1, 2 + i, cutoffs[kpi]))
    main = next(((kpi, title) for r in result.employees for k in r.kpis if k.group == "result"
                 for kpi, title in [(k.kpi, k.title)]), None)
    if main and names:
        _chart(sheet, report, main, kpis.index(main), names, row + 3, lang)
    sheet.page = Page(landscape=True, fit_width=True, repeat_rows=(header, header),
                      print_area=(0, 0, row, spot_col), footer=text("page_footer", lang))
    return sheet


def _main_spot(report: PeriodReport, employee_id: str, lang: str) -> str:
    return next(iter(explain.main(report.weak_spots.get(employee_id), lang, explain.TOP)), "")


def _chart(sheet: Sheet, report: PeriodReport, main: tuple[str, str], index: int, names: list[int], row: int,
           lang: str) -> None:
    """Chart data in a small block below the table (names, completion, 100%), then the chart beside it."""
    _, title = main
    sheet.put(row, 1, text("employee", lang), style="header")
    sheet.put(row, 2, title, style="header")
    sheet.put(row, 3, text("plan_line", lang), style="header")
    first = row + 1
    cells = {(c.row, c.col): c for c in sheet.cells}
    for i, source in enumerate(names):
        completion, name = cells.get((source, 2 + index)), cells[(source, 1)]
        sheet.put(first + i, 1, name.value, f"={a1(source, 1)}", "text")
        value = completion.value if completion is not None else ""
        sheet.put(first + i, 2, value, f"={a1(source, 2 + index)}" if completion is not None else None, "percent")
        sheet.put(first + i, 3, Decimal(1), style="percent")
    last = first + len(names) - 1
    sheet.charts.append(Chart(text("chart_completion", lang, kpi=title), (1, first, last), (2, first, last),
                              Decimal(1), text("plan_line", lang), (row, 5)))
