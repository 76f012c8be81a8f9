"""The payslips sheet: one printable block per employee, each a small calculator of its own cells.

Plans and facts are values; completion, the rule applied, each payout, the bonus, the commission and
the total are formulas over the block's cells, cached with the engine's figures. A manager who types
another fact sees the pay change (the method: pay you can estimate in 30 seconds).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import Decimal

from kpi_reports import enums
from kpi_reports.engine.report import PeriodReport
from kpi_reports.layout import payslip_view as view
from kpi_reports.layout.credited import fact_formula
from kpi_reports.layout.model import LINE, NARROW, STYLES, Page, Sheet, number_width, text_width, word_width
from kpi_reports.layout.payslip_view import KpiLine, PayslipView
from kpi_reports.messages import text
from kpi_reports.model import EmployeeResult, KpiResult
from kpi_reports.names import MAX_ROWS, a1

COLUMNS = 8  # KPI | group | plan | fact | completion | weight | rule | payout
WIDTHS = {0: 17.5, 1: 11, 2: 12, 3: 12, 4: 11, 5: 8, 6: 19, 7: 13}
"""The narrowest each column gets; `_widths` widens them to what they hold in the language. KPI titles
and rules wrap: a block is one A4 portrait page wide at 9 points or more (narrow margins)."""
HEADS = ("kpi", "group", "plan", "fact", "completion", "weight", "rule", "payout")
COMMISSION_COL = PRORATION_COL = 2
"""The commission table's first column: its columns are the view's (COMMISSION_COLUMNS), in its order; a
short month's proration starts there too (PRORATION_COLUMNS): the full salary under the plan."""
COMMISSION_FORMULAS = {"base": "=IF(AND(ISNUMBER({plan}),ISNUMBER({fact})),MAX(0,{fact}-{plan}),0)",
                       "commission": "=ROUND({rate}*{base}*{margin_share},2)"}
"""The commission's computed columns, over the cells of its other columns (by label key)."""
PRORATED = "=ROUND({full}*{worked_days}/{working_days},2)"
"""A short month's salary (or bonus target) over the proration's cells: the engine's half-up to kopecks."""
LINES = ("salary", "kpi_bonus", "commission", "total")
PER_SHEET = 1000
"""People per payslips sheet: Excel keeps at most 1,023 manual page breaks in a sheet, and each block
must start a page of its own. Fewer when their blocks would run past Excel's last row (many KPIs)."""
R, T = "\0", "\1"
"""Stand-ins, in cached formula templates, for a KPI row's number and the bonus target's cell."""


def payslips(report: PeriodReport, lang: str, company: str = "",
             views: Sequence[PayslipView] | None = None) -> list[Sheet]:
    """One sheet per PER_SHEET people: "Payslips 2026-10", then "Payslips 2026-10 (2)"… `views`: the
    payslip views of `report` in `lang` when the caller has them already (for the printed payslips)."""
    made = {v.employee_id: v for v in views or ()}
    people = [(r, made.get(r.employee.employee_id) or view.payslip_view(r, report, lang, company))
              for _, team in report.result.by_team for r in team]
    parts, part, rows = [], [], 0
    for person in people:
        span = _span(person[1])
        if part and (len(part) == PER_SHEET or rows + span > MAX_ROWS):
            parts.append(part)
            part, rows = [], 0
        part.append(person)
        rows += span
    parts.append(part)
    name = text("sheet_payslips", lang, period=report.result.period)
    facts = functools.partial(fact_formula, report.credited, report.result.period)
    return [_sheet(name if n == 1 else f"{name} ({n})", part, lang, facts) for n, part in enumerate(parts, 1)]


def _sheet(name: str, people: list[tuple[EmployeeResult, PayslipView]], lang: str, facts) -> Sheet:
    sheet = Sheet(name, widths=_widths([r for r, _ in people], lang), kind="payslips")
    row, breaks = 0, []
    for r, v in people:
        if row:
            breaks.append(row)
        row = _block(sheet, row, r, v, lang, functools.partial(facts, r.employee.employee_id)) + 1
    sheet.page = Page(fit_width=True, row_breaks=tuple(breaks), print_area=(0, 0, max(row - 2, 0), COLUMNS - 1),
                      footer=text("page_footer", lang), margins=NARROW)
    return sheet


def _span(v: PayslipView) -> int:
    """The rows `_block` takes for `v`, with the empty row before the next block: banner, title, two lines
    and a gap, the KPI table's head and rows, a gap, the commission (head, row, gap), the pay lines, a
    gap, the weak spots under their label, two rows above the signatures, one after; a short month's proration
    takes a row of heads above the pay lines."""
    weak = 1 + len(v.weak_spots) if v.weak_spots else 0
    return (1 if v.banner else 0) + 4 + 1 + len(v.kpis) + 1 + (3 if v.commission_shown else 0) + \
        (1 if v.proration else 0) + len(v.pay) + 1 + weak + 2 + 1


def _block(sheet: Sheet, row: int, r: EmployeeResult, v: PayslipView, lang: str,
           facts: Callable[[KpiResult], str | None] = lambda k: None) -> int:
    """Writes one employee's block from `row`; returns the row after it. Its words and figures are the
    payslip view's `v` (layout/payslip_view.py), the ones the printed PDF shows; `facts` gives a KPI's live
    Fact formula over the lists that credited it (`layout.credited.fact_formula`), if any."""
    e, labels = r.employee, v.labels
    if v.banner:
        sheet.merge(row, 0, COLUMNS - 1, v.banner, "banner")
        row += 1
    sheet.merge(row, 0, COLUMNS - 1, v.title, "title")
    sheet.put(row + 1, 0, labels["employee"], style="label")
    _note(sheet, row + 1, 1, 3, f"{v.name} ({v.employee_id})")
    sheet.put(row + 1, 4, labels["position"], style="label")
    _note(sheet, row + 1, 5, 7, v.position)
    sheet.put(row + 2, 0, labels["team"], style="label")
    _note(sheet, row + 2, 1, 3, v.team)
    sheet.put(row + 2, 4, labels["bonus_target"], style="label_wrap")
    sheet.fit(row + 2, 4, 4, labels["bonus_target"], "label_wrap")
    target_row, target = row + 2, a1(row + 2, 5)
    row += 4
    _heads(sheet, row, HEADS, 0, lang)
    first, refs = row + 1, {}
    for k, line in zip(r.kpis, v.kpis, strict=True):
        row += 1
        _kpi_row(sheet, row, k, line, target, lang, refs, facts(k))
    payouts = f"{a1(first, 7)}:{a1(row, 7)}" if r.kpis else None
    row += 2
    row, proration = _pay(sheet, row, v, payouts, lang, refs)
    bonus_prorated = proration is not None and "full_bonus_target" in proration
    sheet.put(target_row, 5, v.bonus_target.value,
              PRORATED.format(full=proration["full_bonus_target"], **proration) if bonus_prorated else None, "money")
    sheet.anchors[e.employee_id] = refs
    row = _weak_spots(sheet, row, list(v.weak_spots), lang)
    row += 2
    for col, key in ((0, "signature_employee"), (3, "signature_head"), (6, "signature_accountant")):
        sheet.put(row, col, labels[key], style="signature")
    return row + 1


def _kpi_row(sheet: Sheet, row: int, k: KpiResult, line: KpiLine, target: str, lang: str,
             refs: dict[str, str], fact: str | None) -> None:
    n = row + 1
    c = f"E{n}"
    sheet.put(row, 0, line.title, style="text")
    sheet.fit(row, 0, 0, line.title, "text")
    sheet.put(row, 1, line.group, style="text")
    sheet.put(row, 2, line.plan.value, style=line.plan.style)
    sheet.put(row, 3, line.fact.value, fact, line.fact.style)
    completion, rule, payout = _formulas(k.direction, k.cap, k.cutoff, k.accelerator, k.plan is None, lang)
    shown = line.completion.value
    sheet.put(row, 4, shown if shown is not None else "", completion.replace(R, str(n)), line.completion.style)
    refs[f"kpi:{k.kpi}"] = c
    sheet.put(row, 5, line.weight.value, style=line.weight.style)
    sheet.put(row, 6, line.rule, rule.replace(R, str(n)), "text")
    sheet.fit(row, 6, 6, line.rule, "text")
    sheet.put(row, 7, line.payout.value, payout.replace(R, str(n)).replace(T, target), "money")


@functools.lru_cache(maxsize=256)
def _formulas(direction: str, cap: Decimal | None, cutoff: Decimal, accelerator: Decimal, no_plan: bool,
              lang: str) -> tuple[str, str, str]:
    """The completion, rule and payout formulas of a KPI row, with R for the row's number (the columns
    are fixed: C plan, D fact, E completion, F weight) and T for the bonus target's cell."""
    if direction == "lower":
        zero = _num(cap) if cap is not None else '""'
        completion = f'=IF(AND(ISNUMBER(C{R}),ISNUMBER(D{R})),IF(D{R}=0,{zero},C{R}/D{R}),"")'
    else:
        completion = f'=IF(AND(ISNUMBER(C{R}),ISNUMBER(D{R}),N(C{R})>0),D{R}/C{R},"")'
    capped = f"MIN(E{R},{_num(cap)})" if cap is not None else f"E{R}"
    factor = f"IF(E{R}<{_num(cutoff)},0,IF(E{R}<=1,E{R},{capped}*{_num(accelerator)}))"
    payout = f"=IF(ISNUMBER(E{R}),ROUND({T}*F{R}*{factor},2),0)"
    return completion, _rule_formula(cap, cutoff, accelerator, no_plan, lang), payout


def _rule_formula(cap: Decimal | None, cutoff: Decimal, accelerator: Decimal, no_plan: bool, lang: str) -> str:
    def q(s: str) -> str:
        return '"' + s.replace('"', '""') + '"'
    pct = f'TEXT(ROUND(E{R},2),"0%")'  # ROUND first: 1.035 shows 104% as in _pct, not the double's 103%
    no_value = q(text("rule_no_plan" if no_plan else "rule_no_fact", lang))
    below = f'{pct}&{q(text("rule_below", lang, c="", cutoff=_pct(cutoff)))}'
    proportional = f'{pct}&{q(text("rule_proportional", lang, c=""))}'
    accelerated = f'{pct}&{q(text("rule_accelerated", lang, c="", accelerator=_plain(accelerator, lang)))}'
    over = accelerated
    if cap is not None:
        capped = q(text("rule_capped", lang, cap=_pct(cap), accelerator=_plain(accelerator, lang)))
        over = f"IF(E{R}>{_num(cap)},{capped},{accelerated})"
    return f'=IF(ISNUMBER(E{R}),IF(E{R}<{_num(cutoff)},{below},IF(E{R}<=1,{proportional},{over})),{no_value})'


rule_text = view.rule_text
"""What the rule formula shows for the engine's figures (the view's, kept here for the callers)."""


def _pay(sheet: Sheet, row: int, v: PayslipView, payouts: str | None, lang: str,
         refs: dict[str, str]) -> tuple[int, dict[str, str] | None]:
    """The commission, a short month's proration, the pay lines; returns the row after them and the
    proration's cells by column key (None for a full month)."""
    commission = _commission(sheet, row, v, lang) if v.commission_shown else None
    row += 3 if v.commission_shown else 0
    proration = None
    if v.proration:
        proration = _proration(sheet, row, v, lang)
        row += 1
    fixes = [line for line in v.pay if line.key == "correction"]
    refs.update({key: a1(row + i, 7) for i, key in enumerate(("salary", "bonus", "commission"))})
    refs["total"] = a1(row + 3 + len(fixes), 7)
    if fixes:
        refs["corrections"] = f"{a1(row + 3, 7)}:{a1(row + 2 + len(fixes), 7)}"
    total = f"={refs['salary']}+{refs['bonus']}+{refs['commission']}" + \
        (f"+SUM({refs['corrections']})" if fixes else "")
    formulas = [PRORATED.format(full=proration["full_salary"], **proration) if proration else None,
                f"=SUM({payouts})" if payouts else None, commission and f"={commission}", *[None] * len(fixes), total]
    for i, (line, formula) in enumerate(zip(v.pay, formulas, strict=True)):
        last = i == len(v.pay) - 1
        if line.key == "correction":  # the label and its reasons across the row, the amount in its column
            _note(sheet, row + i, 0, 6, f"{line.label}: {line.note}")
            sheet.put(row + i, 7, line.amount.value, None, "money_bold")
            continue
        sheet.put(row + i, 6, line.label, style="total_label" if last else "label")
        sheet.put(row + i, 7, line.amount.value, formula, "total" if last else "money_bold")
    return row + len(v.pay), proration


def _proration(sheet: Sheet, row: int, v: PayslipView, lang: str) -> dict[str, str]:
    """A short month's heading and heads on `row`, its figures on the salary line below them, read by the
    salary's formula (and the bonus target's): "Full salary | × days worked | / working days". Returns
    the figures' cells by column key."""
    p = v.proration
    sheet.merge(row, 0, 1, p.heading, "header")
    sheet.fit(row, 0, 1, p.heading, "header")
    _heads(sheet, row, tuple("shown_" + column.key for column in p.columns), PRORATION_COL, lang)
    for col, column in enumerate(p.columns, PRORATION_COL):
        sheet.put(row + 1, col, column.figure.value, style=column.figure.style)
    return {column.key: a1(row + 1, col) for col, column in enumerate(p.columns, PRORATION_COL)}


def _commission(sheet: Sheet, row: int, v: PayslipView, lang: str) -> str:
    """The commission's heading, its columns' heads and its row below them, as the view orders them; returns
    the commission's cell."""
    c = v.commission
    sheet.merge(row, 0, 1, c.heading, "header")
    sheet.fit(row, 0, 1, c.heading, "header")
    _heads(sheet, row, tuple(column.key for column in c.columns), COMMISSION_COL, lang)
    cells = {column.key: a1(row + 1, col) for col, column in enumerate(c.columns, COMMISSION_COL)}
    for col, column in enumerate(c.columns, COMMISSION_COL):
        formula = COMMISSION_FORMULAS.get(column.key)
        sheet.put(row + 1, col, column.figure.value, formula and formula.format(**cells), column.figure.style)
    return cells["commission"]


def _weak_spots(sheet: Sheet, row: int, texts: list[str], lang: str) -> int:
    if texts:
        row += 1
        sheet.put(row, 0, text("weak_spots", lang), style="label")
    for t in texts:
        row += 1
        _note(sheet, row, 0, COLUMNS - 1, "• " + t)
    return row


def _heads(sheet: Sheet, row: int, keys: tuple[str, ...], first_col: int, lang: str) -> None:
    """A table's header row, as tall as its tallest header (measured once per sheet: they repeat)."""
    for col, key in enumerate(keys, first_col):
        sheet.put(row, col, text(key, lang), style="header")
    height = _heads_height(keys, first_col, lang, tuple(sheet.widths.items()))
    if height > LINE:
        sheet.heights[row] = height


@functools.lru_cache(maxsize=64)
def _heads_height(keys: tuple[str, ...], first_col: int, lang: str, widths: tuple[tuple[int, float], ...]) -> float:
    probe = Sheet("", widths=dict(widths))
    for col, key in enumerate(keys, first_col):
        probe.fit(0, col, col, text(key, lang), "header")
    return probe.heights.get(0, LINE)


def _note(sheet: Sheet, row: int, first_col: int, last_col: int, value: str) -> None:
    """Text across merged columns, wrapped, its row as tall as it needs."""
    sheet.span(row, first_col, last_col, value, "note")


def _group(group: str, lang: str) -> str:
    return view.group(group, lang)


def _widths(people: list[EmployeeResult], lang: str) -> dict[int, float]:
    """Each column as wide as its labels in `lang` and its largest number need, and never narrower than
    WIDTHS: so no label is cut by the next cell and no number shows as ###."""
    widths = dict(_label_widths(lang))
    amounts = max((abs(v) for r in people for v in (*_amounts(r), *(c.paid for c in r.corrections))), default=0)
    money = STYLES["money"]
    amounts = max(amounts, max((r.proration.salary for r in people if r.proration), default=0))
    for col, need in ((2, number_width(amounts, 2, money)), (3, number_width(amounts, 2, money)),
                      (5, number_width(max((r.employee.bonus_target for r in people), default=0), 2, money)),
                      (_BASE_COL, number_width(max((r.commission.base for r in people), default=0), 2, money)),
                      (7, number_width(max((r.total for r in people), default=0), 2, STYLES["total"]))):
        widths[col] = max(widths[col], need)
    return widths


_BASE_COL = COMMISSION_COL + view.COMMISSION_COLUMNS.index("base")


def _amounts(r: EmployeeResult):
    """The plans and facts a payslip shows: its KPIs' and its commission's."""
    for k in r.kpis:
        yield from (v for v in (k.plan, k.fact) if v is not None)
    yield from (v for v in (r.commission.plan, r.commission.fact) if v is not None)


@functools.lru_cache(maxsize=4)
def _label_widths(lang: str) -> tuple[tuple[int, float], ...]:
    """The width each column needs for its labels: headers and the bonus target's label break only between
    words; the labels beside a value, the signatures, the groups and the pay lines stay on one line. KPI
    titles and rules wrap."""
    widths = dict(WIDTHS)
    texts = [*((col, word_width(text(key, lang), STYLES["header"])) for col, key in enumerate(HEADS)),
             *((col, word_width(text(key, lang), STYLES["header"]))
               for col, key in enumerate(view.COMMISSION_COLUMNS, COMMISSION_COL)),
             *((col, text_width(text(key, lang), STYLES[style])) for col, key, style in _LABELS),
             *((1, text_width(_group(g, lang), STYLES["text"])) for g in enums.ENUMS["group"]),
             (4, word_width(text("bonus_target", lang), STYLES["label_wrap"]))]
    for col, need in texts:
        widths[col] = max(widths[col], need)
    return tuple(widths.items())


_LABELS = ((0, "employee", "label"), (0, "team", "label"), (0, "weak_spots", "label"),
           (0, "signature_employee", "signature"), (3, "signature_head", "signature"),
           (4, "position", "label"), (6, "signature_accountant", "signature"),
           *((6, key, "label") for key in LINES[:-1]), (6, LINES[-1], "total_label"))


_num, _pct, _plain = view.num, view.pct, view.plain
