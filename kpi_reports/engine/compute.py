"""One period's results for everyone: facts, completion, bonus, commission, team and grand totals.

Pure computation on model objects. Problems that only show when computing (a lower-is-better fact
of 0 with no cap, a ratio team KPI with no TeamPlans cell) are errors naming the cell, collected for
the whole period; warnings (no plan, no facts row, a zero denominator) travel with the result.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from decimal import Context, Decimal

from kpi_reports.engine import pay
from kpi_reports.engine.calendar import WorkCalendar
from kpi_reports.formula import NoValue
from kpi_reports.messages import msg
from kpi_reports.model import (
    NO_PAY,
    Cell,
    Commission,
    Employee,
    EmployeeResult,
    GroupKpi,
    Kpi,
    KpiResult,
    PeriodResult,
    Proration,
    Record,
    SchemeLine,
    TeamResult,
    Totals,
    Workbook,
)
from kpi_reports.problems import Problem, Report

ZERO = Decimal(0)
MARGIN_COLUMNS = ("margin", "маржа")
LIMIT = Decimal("1e15")
"""A completion, and every money line, stays below a quadrillion, as every amount read does
(`workbook.cells.LIMIT`): past it, a plan or fact is a typo (a plan of 0.000000001), and a payout would
not round to kopecks within the 40 digits the engine computes with."""


def compute(wb: Workbook, period: str, views: bool = True, test_mode: bool | None = None) -> PeriodResult:
    """The month by the terms in force then (`Workbook.in_force`). Raises InvalidWorkbook when a figure of
    this period cannot be computed. `views=False` leaves out the department view (teams' and the company's
    KPIs), for callers that only need the pay. `test_mode` True computes everyone in test mode; otherwise each
    person's Employees mode, else `test_mode` (False: live), else Settings mode."""
    wb = wb.in_force(period)
    run = _Period(wb, period, test_mode)
    people = [run.employee(e) for e in wb.employees.values()]
    run.report.raise_if_errors()
    teams: dict[str, list[EmployeeResult]] = {}
    for p in people:
        teams.setdefault(p.employee.team, []).append(p)
    return PeriodResult(
        period=period,
        currency=wb.settings.currency,
        employees=people,
        teams=[TeamResult(t, Totals.of(members), run.view(t, members) if views else [], test_totals(members))
               for t, members in teams.items()],
        totals=Totals.of(people),
        warnings=named(wb, wb.warnings + run.report.warnings),
        company=run.view(None, people) if views else [],
        test=test_totals(people),
    )


def named(wb: Workbook, warnings: list[Problem]) -> list[Problem]:
    """Each warning at a cell of a person's Plans or Facts row names them: `Plans!C30 (Ivan Ivanov, calls)`."""
    whole = wb.whole or wb
    rows = {(r.sheet, r.row + 1): r.key for records in (whole.plans, whole.facts) for r in records.values() if r.sheet}
    names = {e.employee_id: e.name for e in whole.employees.values()}
    found = []
    for w in warnings:
        row = _ROW.search(w.cell) if w.cell and not w.who else None
        who = names.get(rows.get((w.sheet, int(row.group()))), "") if row else ""
        found.append(replace(w, who=who) if who else w)
    return found


_ROW = re.compile(r"\d+$")


def test_totals(people: list[EmployeeResult]) -> Totals:
    return Totals.of([p for p in people if p.test_mode]) if any(p.test_mode for p in people) else NO_PAY


def completions(wb: Workbook, period: str) -> dict[str, dict[str, Decimal | None]]:
    """Only each person's KPI completions (by KPI id): what trends need of past months. Problems of
    that month are not reported here (`check` does); a figure that cannot be computed is None."""
    wb = wb.in_force(period)
    run = _Period(wb, period)
    found = {}
    for e in wb.employees.values():
        plans, facts = wb.plans.get((period, e.employee_id)), wb.facts.get((period, e.employee_id))
        found[e.employee_id] = {wb.kpis[line.kpi].kpi: run.measure(e, line, plans, facts)[3]
                                for line in wb.schemes.get(e.scheme, [])}
    return found


def summed(rows: Iterable[Record | None], metrics: Iterable[str]) -> dict[str, Decimal]:
    """Each metric summed over the Facts rows (an empty cell or a missing row counts as 0): what a KPI's
    formula is applied to for a group, as for team scope."""
    rows = [r for r in rows if r is not None]
    return {m: sum((r.values.get(m) or ZERO for r in rows), ZERO) for m in metrics}


class _Period:
    def __init__(self, wb: Workbook, period: str, test_mode: bool | None = None):
        self.wb, self.period, self.report = wb, period, Report(language=wb.settings.language)
        self.forced = test_mode is True
        self.test_mode = wb.settings.test_mode if test_mode is None else test_mode
        self._team: dict[tuple, tuple[Decimal | None, Decimal | None]] = {}
        self._teams: dict[str, list[Employee]] = {}
        for e in wb.employees.values():
            self._teams.setdefault(e.team, []).append(e)

    # --- one person ---------------------------------------------------------------------------

    def employee(self, e: Employee) -> EmployeeResult:
        plans = self.wb.plans.get((self.period, e.employee_id))
        facts = self.wb.facts.get((self.period, e.employee_id))
        lines = self.wb.schemes.get(e.scheme, [])
        if any(line.scope == "individual" for line in lines) or e.commission_rate > 0:
            if plans is None:
                self.report.warn(msg("no_plans_row", id=e.employee_id, name=e.name, period=self.period),
                                 sheet="Plans", column="employee_id")
            if facts is None:
                self.report.warn(msg("no_facts_row", id=e.employee_id, name=e.name, period=self.period),
                                 sheet="Facts", column="employee_id")
        days = facts.get("worked_days") if facts else None
        proration = self.proration(e, days, facts) if days is not None else None
        target = proration.bonus_target if proration else e.bonus_target
        kpis = [self.kpi(e, line, plans, facts, target) for line in lines]
        bonus = sum((k.payout for k in kpis), Decimal("0.00"))
        commission = self.commission(e, plans, facts)
        salary = pay.prorated(e.salary, days, proration.working_days) if proration else pay.money(e.salary)
        test = self.forced or (e.mode == "test" if e.mode else self.test_mode)
        return EmployeeResult(e, kpis, commission, salary, bonus, salary + bonus + commission.amount, proration, test)

    def proration(self, e: Employee, days: Decimal, facts: Record) -> Proration | None:
        """A short month: the month's working days by the workbook's calendar (the forecast's)."""
        s = self.wb.settings
        working = WorkCalendar(s.calendar, s.holidays, s.workdays).working_days(int(self.period[:4]),
                                                                                 int(self.period[5:]))
        if not working:
            self.report.add(msg("no_working_days", period=self.period), **facts.cell("worked_days").where(),
                            found=_figure(days), hint=msg("check_calendar"))
            return None
        target = pay.prorated(e.bonus_target, days, working) if s.prorate_bonus else e.bonus_target
        return Proration(days, working, pay.money(e.salary), target, s.prorate_bonus)

    def measure(self, e: Employee, line: SchemeLine, plans: Record | None, facts: Record | None):
        """(kpi, plan, fact, completion, rule so far) of one scheme line."""
        kpi = self.wb.kpis[line.kpi]
        if line.scope == "team":
            plan, fact = self.team_values(e, kpi)
        else:
            plan = plans.values.get(kpi.key) if plans else None
            fact = self.fact(kpi, facts)
        return (kpi, plan, fact, *self.completion(e, kpi, line, plan, fact, plans, facts))

    def kpi(self, e: Employee, line: SchemeLine, plans: Record | None, facts: Record | None,
            target: Decimal) -> KpiResult:
        kpi, plan, fact, c, rule = self.measure(e, line, plans, facts)
        f, applied = (ZERO, rule) if c is None else pay.factor(c, line)
        rule = rule if rule == "capped" else applied  # a lower-is-better 0 counts as the cap
        amount = pay.product(pay.product(target, line.weight), f)
        if abs(amount) >= LIMIT:
            self.report.add(msg("payout_too_large", kpi=kpi.kpi, id=e.employee_id, name=e.name, amount=_figure(amount),
                                target=_figure(target), weight=_figure(line.weight), factor=_figure(f)),
                            **self.blame(e, kpi, line, plan, fact, plans, facts), expected=msg("money_limit"),
                            hint=msg("figure_typo"))
            f = amount = ZERO
        own = line.scope != "team" and facts is not None
        made_of = (kpi.key if kpi.formula is None or facts.values.get(kpi.key) is not None else kpi.formula) if own \
            else None
        return KpiResult(kpi.kpi, kpi.title, kpi.group, line.scope, kpi.unit, kpi.direction, line.weight,
                         line.cutoff, line.accelerator, line.cap, plan, fact, c, f, pay.money(amount), rule, made_of)

    def blame(self, e: Employee, kpi: Kpi, line: SchemeLine, plan: Decimal | None, fact: Decimal | None,
              plans: Record | None, facts: Record | None) -> dict:
        """Where a completion comes from, for a problem: the plan's cell when higher is better (fact ÷ plan),
        the fact's when lower is better (plan ÷ fact); as much of it as is known for a team KPI."""
        if kpi.direction == "lower":
            cell = self.fact_cell(kpi, facts) if line.scope == "individual" else None
            where = cell.where() if cell else {"sheet": "Facts", "column": kpi.kpi}
            return {**where, "found": "" if fact is None else _figure(fact)}
        cell = plans.cell(kpi.key) if line.scope == "individual" and plans else self.team_plan_cell(e, kpi)
        where = cell.where() if cell else {"sheet": "TeamPlans" if line.scope == "team" else "Plans", "column": kpi.kpi}
        return {**where, "found": "" if plan is None else _figure(plan)}

    def completion(self, e: Employee, kpi: Kpi, line: SchemeLine, plan, fact, plans: Record | None,
                   facts: Record | None):
        if plan is None:
            where = self.team_plan_cell(e, kpi) if line.scope == "team" else plans.cell(kpi.key) if plans else None
            if where is not None and not self.report.has_error_at(where.sheet, where.ref):  # said once
                self.report.warn(msg("no_plan", kpi=kpi.kpi), **where.where(), found="")
            return None, "no_plan"
        if fact is None:
            return None, "no_fact"
        if kpi.direction == "lower" and fact == 0:
            if line.cap is not None:
                return line.cap, "capped"
            cell = self.fact_cell(kpi, facts)
            self.report.add(msg("lower_zero", id=e.employee_id, name=e.name),
                            **(cell.where() if cell else {"sheet": "Facts"}), found="0",
                            expected=msg("fact_or_cap", kpi=kpi.kpi, scheme=line.scheme))
            return None, "no_fact"
        c = pay.completion(plan, fact, kpi.direction == "lower")
        if c >= LIMIT:  # a plan (or a lower-is-better fact) of 0.000000001, say
            self.report.add(msg("completion_too_large", kpi=kpi.kpi, id=e.employee_id, name=e.name,
                                completion=_figure(c), plan=_figure(plan), fact=_figure(fact)),
                            **self.blame(e, kpi, line, plan, fact, plans, facts), expected=msg("completion_limit"),
                            hint=msg("typo"))
            return None, "no_fact"
        return c, "proportional"

    def fact(self, kpi: Kpi, facts: Record | None) -> Decimal | None:
        """The KPI column when filled; else the formula over the row's metrics; else 0."""
        if facts is None:  # reported once as a missing row; its ratios have no value
            return ZERO if kpi.formula is None or kpi.additive else None
        value = facts.values.get(kpi.key)
        return value if value is not None else self.evaluate(kpi, facts.values, facts)

    def evaluate(self, kpi: Kpi, values: dict, facts: Record | None, who: str = "",
                 quiet: bool = False) -> Decimal | None:
        """The formula's value; with a zero denominator, None and a warning naming the cell and `who`; a
        value past LIMIT (a denominator of 0.000000001), None and an error naming the smallest one's cell."""
        if kpi.formula is None:
            return ZERO
        try:
            value = kpi.formula.evaluate(values)
        except NoValue as zero:
            if quiet:
                return None
            cell = self.fact_cell(kpi, facts, zero.metric)
            self.report.warn(msg("zero_denominator", kpi=kpi.kpi, formula=kpi.formula.text, denominator=zero,
                                 who=who or (facts.key if facts else "")),
                             **(cell.where() if cell else {"sheet": "Facts"}))
            return None
        if abs(value) < LIMIT:
            return value
        if not quiet:
            given = [(v, m) for m in sorted(kpi.formula.denominators) if (v := values.get(m))]
            metric = min(given)[1] if given else None
            cell = self.fact_cell(kpi, facts, metric)
            self.report.add(msg("fact_too_large", kpi=kpi.kpi, formula=kpi.formula.text, value=_figure(value),
                                who=who or (facts.key if facts else "")),
                            **(cell.where() if cell else {"sheet": "Facts", "column": metric or kpi.kpi}),
                            found=_figure(values.get(metric)) if metric else "", expected=msg("fact_limit"),
                            hint=msg("typo"))
        return None

    def fact_cell(self, kpi: Kpi, facts: Record | None, metric: str | None = None) -> Cell | None:
        if facts is None:
            return None
        names = [metric, kpi.key, *(kpi.formula.metrics if kpi.formula else ())]
        return next((facts.cell(n) for n in names if n in facts.columns), None)

    # --- teams --------------------------------------------------------------------------------

    def team_key(self, e: Employee) -> tuple[str, ...]:
        return e.manages or (e.team,)

    def members(self, e: Employee) -> list[Employee]:
        """The people whose totals `e`'s team KPIs use: their team, or the teams they manage (* for all)."""
        teams = self.team_key(e)
        if teams == ("*",):
            return list(self.wb.employees.values())
        return [m for t in teams for m in self._teams.get(t, [])]

    def team_values(self, e: Employee, kpi: Kpi) -> tuple[Decimal | None, Decimal | None]:
        key = (e.team, self.team_key(e), kpi.key)
        if key not in self._team:
            self._team[key] = (self.team_plan(e, kpi), self.team_fact(e, kpi))
        return self._team[key]

    def team_fact(self, e: Employee, kpi: Kpi) -> Decimal | None:
        return self.group_fact(kpi, self.members(e), e.team)

    def team_plan(self, e: Employee, kpi: Kpi) -> Decimal | None:
        row = self.wb.team_plans.get((self.period, e.team))
        plan = self.group_plan(kpi, self.members(e), row)
        if plan is not None or kpi.additive:
            return plan
        cell = row.cell(kpi.key) if row else None
        missing = msg("no_column") if row else msg("no_row", period=self.period, team=e.team)
        self.report.add(msg("no_team_plan", kpi=kpi.kpi),
                        **(cell.where() if cell else {"sheet": "TeamPlans", "column": kpi.kpi}),
                        found="" if cell else missing,
                        expected=msg("team_plan_cell", period=self.period, team=e.team, kpi=kpi.kpi))
        return None

    def group_fact(self, kpi: Kpi, members: list[Employee], who: str, quiet: bool = False) -> Decimal | None:
        """The KPI's formula over the members' summed metrics; without formula, the sum of their facts."""
        rows = [self.wb.facts.get((self.period, m.employee_id)) for m in members]
        if kpi.formula is None:
            return sum((self.fact(kpi, r) or ZERO for r in rows), ZERO)
        return self.evaluate(kpi, summed(rows, kpi.formula.metrics), None, who=who, quiet=quiet)

    def group_plan(self, kpi: Kpi, members: list[Employee], row: Record | None) -> Decimal | None:
        """The TeamPlans cell; else, for an additive KPI, the sum of the members' plans; else None."""
        if row and row.get(kpi.key) is not None:
            return row.get(kpi.key)
        if not kpi.additive:
            return None
        plans = [self.wb.plans.get((self.period, m.employee_id)) for m in members]
        given = [v for p in plans if p and (v := p.values.get(kpi.key)) is not None]
        return sum(given, ZERO) if given else None

    def view(self, team: str | None, people: list[EmployeeResult]) -> list[GroupKpi]:
        """A team's (or, with None, the company's) completion of every KPI its people are paid on."""
        members = [p.employee for p in people]
        row = self.wb.team_plans.get((self.period, team)) if team is not None else None
        keys = dict.fromkeys(line.kpi for m in members for line in self.wb.schemes.get(m.scheme, []))
        completed: dict[str, list[Decimal]] = {}  # by KPI, in people's order: one pass, not one per KPI
        for p in people:
            for k in p.kpis:
                if k.completion is not None:
                    completed.setdefault(k.kpi, []).append(k.completion)
        view = []
        for key in keys:
            kpi = self.wb.kpis[key]
            fact = self.group_fact(kpi, members, team or "", quiet=True)
            plan = self.group_plan(kpi, members, row)
            c = None
            if plan is not None and fact is not None and not (kpi.direction == "lower" and fact == 0):
                c = pay.completion(plan, fact, kpi.direction == "lower")
            done = completed.get(kpi.kpi, [])
            share = pay.ratio(Decimal(sum(x >= 1 for x in done)), Decimal(len(done))) if done else None
            view.append(GroupKpi(kpi.kpi, kpi.title, kpi.unit, kpi.direction, plan, fact, c, share, len(done)))
        return view

    def team_plan_cell(self, e: Employee, kpi: Kpi) -> Cell | None:
        row = self.wb.team_plans.get((self.period, e.team))
        return row.cell(kpi.key) if row else None

    # --- commission ---------------------------------------------------------------------------

    def commission(self, e: Employee, plans: Record | None, facts: Record | None) -> Commission:
        kpi_id = self.wb.settings.commission_kpi
        kpi = self.wb.kpis.get(kpi_id)
        plan = plans.get(kpi_id) if plans else None
        fact = self.fact(kpi, facts) if kpi else (facts.get(kpi_id) or ZERO if facts else ZERO)
        share, source = self.margin_share(e, kpi_id, fact, facts)
        if e.commission_rate > 0 and plans is not None and plan is None:
            self.report.warn(msg("no_commission_plan", kpi=kpi_id, id=e.employee_id, name=e.name),
                             **(plans.cell(kpi_id) or Cell("Plans", "", kpi_id)).where())
        if e.commission_rate > 0 and source == "none":
            self.report.warn(msg("no_margin", id=e.employee_id, name=e.name), sheet="Employees",
                             column="margin_rate", hint=msg("fill_margin"))
        base, amount = self.commission_amount(e, kpi_id, plan, fact, share, plans, facts)
        return Commission(kpi.kpi if kpi else kpi_id, e.commission_rate, plan, fact, base, share, source, amount)

    def commission_amount(self, e: Employee, kpi_id: str, plan: Decimal | None, fact: Decimal | None,
                          share: Decimal, plans: Record | None, facts: Record | None) -> tuple[Decimal, Decimal]:
        """(base, amount) of pay.commission; an amount past LIMIT is an error naming the fact's cell."""
        base = ZERO if plan is None or fact is None else max(ZERO, fact - plan)
        raw = pay.product(pay.product(e.commission_rate, base), share)
        if abs(raw) < LIMIT:
            return pay.commission(e.commission_rate, plan, fact, share)
        cell, found = (facts.cell(kpi_id) if facts else None), fact  # the fact the base is counted from
        if cell is None:
            cell, found = (plans.cell(kpi_id) if plans else None), plan
        self.report.add(msg("commission_too_large", id=e.employee_id, name=e.name, amount=_figure(raw),
                            rate=_figure(e.commission_rate), base=_figure(base), share=_figure(share)),
                        **(cell.where() if cell else {"sheet": "Employees", "column": "commission_rate"}),
                        found=_figure(found) if cell else "", expected=msg("money_limit"), hint=msg("figure_typo"))
        return base, ZERO

    def margin_share(self, e: Employee, kpi_id: str, fact: Decimal | None, facts: Record | None):
        if kpi_id in MARGIN_COLUMNS:
            return Decimal(1), "kpi"
        margin = next((facts.get(c) for c in MARGIN_COLUMNS if facts and facts.get(c) is not None), None)
        if margin is not None and fact:
            return pay.ratio(margin, fact), "facts"
        if e.margin_rate is not None:
            return e.margin_rate, "employee"
        if self.wb.settings.margin_rate is not None:
            return self.wb.settings.margin_rate, "settings"
        return ZERO, "none"


_SHORT = Context(prec=6)


def _figure(value: Decimal | None) -> str:
    """A figure in a problem's text: in full when short, else to 6 digits (3.3e+15, 0.333333), never the
    40 digits of an exact ratio."""
    if value is None:
        return ""
    text = f"{value.normalize(pay.EXACT):f}" if abs(value) < LIMIT else ""
    return text if text and len(text) <= 20 else f"{value.normalize(_SHORT):g}"
