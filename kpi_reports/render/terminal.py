"""Compact text tables for the terminal: a period's pay, a quarter's review, and a report of problems."""
from __future__ import annotations

from kpi_reports import explain, i18n
from kpi_reports.engine.report import PeriodReport
from kpi_reports.engine.review import Fund, QuarterReview
from kpi_reports.layout.corrections import correction_line
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


def report_text(report: PeriodReport, lang: str) -> str:
    """What `run` prints: the pay table, each person's main weak spots, the forecast, the warnings."""
    f = report.forecast
    mid_month = f and i18n.text("as_of_line", lang, day=i18n.day_words(f.as_of, lang), elapsed=f.elapsed,
                                days=f.working_days)
    parts = [mid_month, pay_table(report.result, lang, warnings=False), weak_spots_text(report, lang)]
    if report.forecast:
        parts.append(forecast_table(report, lang))
    if report.warnings:
        parts.append(problems_table(report.warnings, lang, title=i18n.text("warnings", lang)))
    if report.test_mode:
        banner = "*** " + i18n.text("test_banner", lang) + " ***"
        parts = [banner, *parts, banner]
    return "\n\n".join(p for p in parts if p)


def weak_spots_text(report: PeriodReport, lang: str) -> str:
    lines = []
    for r in report.result.employees:
        texts = explain.person(report, r.employee.employee_id, lang)
        if texts:
            lines.append(f"{r.employee.employee_id}  {r.employee.name}")
            lines += [f"    · {t}" for t in texts]
    stages = [(team.team, report.team_stages.get(team.team)) for team in report.result.teams]
    stages.append((i18n.text("company_total", lang), report.company_stage))
    lines += [f"[{name}]  {explain.team_stage(count, lang)}" for name, count in stages if count is not None]
    return (i18n.text("weak_spots", lang) + ":\n" + "\n".join(lines)) if lines else ""


def forecast_table(report: PeriodReport, lang: str) -> str:
    f = report.forecast
    titles = {k.kpi: k.title for r in report.result.employees for k in r.kpis}
    rows = [[i18n.text("id_head", lang), i18n.text("employee", lang), i18n.text("forecast_bonus", lang), i18n.text("forecast_total", lang),
             i18n.text("behind", lang)]]
    for r in report.result.employees:
        mine = f.people[r.employee.employee_id]
        behind = ", ".join(titles[k.kpi] for k in mine.kpis if k.status == "behind")
        rows.append([r.employee.employee_id, r.employee.name, i18n.amount(mine.bonus, lang),
                     i18n.amount(mine.total, lang), behind])
    title = i18n.text("forecast_title", lang, as_of=f.as_of.isoformat(), elapsed=f.elapsed, days=f.working_days)
    return title + "\n\n" + table(rows, right={2, 3})


def pay_table(result: PeriodResult, lang: str, warnings: bool = True) -> str:
    L = lambda key: i18n.text(key, lang)
    money = lambda v: i18n.amount(v, lang)
    fixed = any(r.corrections for r in result.employees)  # a Corrections column only when any
    rows = [[L("id_head"), L("employee"), L("bonus"), L("commission"), *[L("correction_corrections")] * fixed, L("total")]]
    pilot = result.pilot
    paid = lambda label, t: ["", label, money(t.bonus), money(t.commission), *[money(t.corrections)] * fixed,
                             money(t.total)]
    for team, people in result.by_team:
        rows.append(["", f"[{team.team}]", "", "", *[""] * fixed, ""])
        for r in people:
            name = f"{r.employee.name} ({L('shown_test_mark')})" if pilot and r.test_mode else r.employee.name
            rows.append([r.employee.employee_id, name, money(r.bonus), money(r.commission.amount),
                         *[money(r.corrected) if r.corrections else ""] * fixed, money(r.total)])
        rows.append(paid(L("team_total"), team.totals))
        rows += [paid(L("shown_live"), team.live), paid(L("shown_test"), team.test)] if pilot else []
    rows.append(paid(L("grand_total"), result.totals))
    rows += [paid(L("shown_live"), result.live), paid(L("shown_test"), result.test)] if pilot else []
    head = f"{L('period')} {result.period}, {result.currency}"
    text = head + "\n\n" + table(rows, right={2, 3, 4, 5})
    short = [i18n.text("shown_prorated_line", lang, id=r.employee.employee_id, name=r.employee.name,
                       salary=money(r.salary), prorated=i18n.text(
                           "shown_prorated", lang, amount=money(r.proration.salary),
                           worked=i18n.number(r.proration.worked_days, lang), working=r.proration.working_days))
             for r in result.employees if r.proration]
    if short:
        text += "\n\n" + L("shown_prorated_title") + ":\n" + "\n".join(short)
    fixes = [i18n.text("correction_person_line", lang, id=r.employee.employee_id, name=r.employee.name,
                       line=correction_line(c, lang)) for r in result.employees for c in r.corrections]
    if fixes:
        text += "\n\n" + L("correction_lines_title") + ":\n" + "\n".join(fixes)
    if warnings and result.warnings:
        text += "\n\n" + problems_table(result.warnings, lang, title=L("warnings"))
    return text


def problems_table(problems: list[Problem], lang: str, title: str = "") -> str:
    rows = [["", i18n.text("where", lang), i18n.text("problem", lang)]]
    rows += [[i18n.text(p.severity, lang), p.where, p.text(lang)] for p in problems]
    return (title + ":\n" if title else "") + table(rows, right=set())


def problems_text(report: Report, lang: str) -> str:
    summary = i18n.text("summary", lang, errors=len(report.errors), warnings=len(report.warnings))
    if not report.problems:
        return i18n.text("no_problems", lang)
    return problems_table(report.errors + report.warnings, lang) + "\n\n" + summary


def review_text(review: QuarterReview, lang: str) -> str:
    """What `review` prints: per scheme its flags a line each, the weights that would change and the bonus
    fund now → at the suggested weights; then the total."""
    L = lambda key, **fields: i18n.text(key, lang, **fields)
    head = L("review_heading", quarter=review.quarter, months=", ".join(review.months), currency=review.currency)
    if review.previous_months:
        head += "; " + L("review_previous", previous=", ".join(review.previous_months))
    parts = [head]
    for s in review.schemes:
        lines = [L("review_scheme", scheme=s.scheme, people=s.people, person_months=s.person_months)]
        flags = [explain.review_flag(f, lang, scheme=s) for f in s.flags]
        flags += [explain.review_flag(f, lang, kpi=k, scheme=s) for k in s.kpis for f in k.flags]
        lines += [f"  · {t}" for t in flags] or [f"  · {L('review_nothing_flagged')}"]
        changes = explain.weight_changes(s, lang)
        if changes:
            means = explain.change_means(s, review.months, review.previous_months, lang)
            lines.append(f"  {L('review_change_title', since=s.since)}. {means}")
            lines += [f"    · {t}" for t in changes]
        changed = [f"{k.title} {i18n.percent(k.weight, lang)} → {i18n.percent(k.suggested_weight, lang)}"
                   for k in s.kpis if k.suggested_weight != k.weight]
        if changed:
            lines.append("  " + L("review_weights_line", weights=", ".join(changed)))
        lines.append("  " + _fund_line("review_fund_line", s.fund, lang))
        parts.append("\n".join(lines))
    parts.append(_fund_line("review_total_line", review.fund, lang))
    if review.warnings:
        parts.append(problems_table(review.warnings, lang, title=L("warnings")))
    if review.test_mode:
        banner = "*** " + i18n.text("test_banner", lang) + " ***"
        parts = [banner, *parts, banner]
    return "\n\n".join(parts)


def _fund_line(key: str, fund: Fund, lang: str) -> str:
    difference = i18n.amount(fund.difference, lang)
    return i18n.text(key, lang, current=i18n.amount(fund.current, lang), suggested=i18n.amount(fund.suggested, lang),
                     difference=("+" + difference) if fund.difference > 0 else difference)
