"""Compact text tables for the terminal: a period's pay, and a report of problems."""
from __future__ import annotations

from kpi_reports import i18n
from kpi_reports.model import PeriodResult
from kpi_reports.problems import Problem, Report


def table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def pay_table(result: PeriodResult, lang: str) -> str:
    L = lambda key: i18n.text(key, lang)  # noqa: E731
    money = lambda v: i18n.amount(v, lang)  # noqa: E731
    rows = [["ID", L("employee"), L("bonus"), L("commission"), L("total")]]
    members: dict[str, list] = {}
    for r in result.employees:
        members.setdefault(r.employee.team, []).append(r)
    for team in result.teams:
        rows.append(["", f"[{team.team}]", "", "", ""])
        for r in members[team.team]:
            rows.append([r.employee.employee_id, r.employee.name, money(r.bonus), money(r.commission.amount),
                         money(r.total)])
        rows.append(["", L("team_total"), money(team.totals.bonus), money(team.totals.commission),
                     money(team.totals.total)])
    t = result.totals
    rows.append(["", L("grand_total"), money(t.bonus), money(t.commission), money(t.total)])
    head = f"{L('period')} {result.period}, {result.currency}"
    text = head + "\n\n" + table(rows, right={2, 3, 4})
    if result.warnings:
        text += "\n\n" + problems_table(result.warnings, lang, title=L("warnings"))
    return text


def problems_table(problems: list[Problem], lang: str, title: str = "") -> str:
    rows = [["", i18n.text("where", lang), i18n.text("problem", lang)]]
    rows += [[i18n.text(p.severity, lang), p.where, p.text(lang)] for p in problems]
    return (title + ":\n" if title else "") + table(rows, right=set())


def report_text(report: Report, lang: str) -> str:
    summary = i18n.text("summary", lang, errors=len(report.errors), warnings=len(report.warnings))
    if not report.problems:
        return i18n.text("no_problems", lang)
    return problems_table(report.errors + report.warnings, lang) + "\n\n" + summary
