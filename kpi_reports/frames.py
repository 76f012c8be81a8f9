"""A period's results as pandas DataFrames, for analysts who work in notebooks.

pandas is an optional extra (`pip install "kpi-reports[pandas]"`): it is imported only when a frame is
asked for, so `import kpi_reports` and the command line never pay for it. Every amount stays the exact
`Decimal` the engine computed (object columns), so sums in the frame agree with the JSON to the kopeck;
`df["total"].astype(float)` is one call away when a chart wants floats.

The column names are the JSON's (`render/json.py`), taken from the result objects themselves so the
two cannot drift: a person's fields as in `employees[]`, a KPI's as in `employees[].kpis[]`.
"""
from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import TYPE_CHECKING

from kpi_reports.messages import msg
from kpi_reports.model import EmployeeResult, KpiResult, PeriodResult
from kpi_reports.problems import MissingExtra

if TYPE_CHECKING:
    import pandas

    from kpi_reports.engine.report import PeriodReport

PERSON = ("employee_id", "name", "team", "position", "scheme")
"""Who a row is about: the Employees columns both frames start with."""
PAY = ("salary", "bonus", "commission", "total")
"""A person's money lines, rounded to kopecks."""
KPI = tuple(f.name for f in fields(KpiResult) if f.name != "made_of")
"""A KPI's fields in the long frame: those of KpiResult, which are the JSON's `kpis[]` names (not `made_of`,
how the payslip's live Fact is written)."""
TERMS = ("mode", "full_salary", "worked_days", "working_days")
"""The month's terms, as the JSON names them: live or test, and a short month's proration (None for a full one)."""
CORRECTIONS = ("corrections",)
"""Paid (or deducted) with this month for closed months recomputed since (`EmployeeResult.corrected`, 0.00
without), included in total: the JSON's `corrections[].paid`, summed."""
LONG_PERSON = ("employee_id", "name", "team")
"""Enough of the person in the long frame to group and filter by without a join."""


def frame(result: PeriodResult | PeriodReport, kpis: bool = False) -> pandas.DataFrame:
    """A row per person (wide), or with `kpis=True` a row per person and KPI (long).

    Wide: employee_id, name, team, position, scheme, salary, bonus, commission, total, mode, full_salary,
    worked_days, working_days, corrections, then for each
    KPI (in order of first appearance) `<kpi>_completion` and `<kpi>_payout`: flat names, so that
    `df.filter(like="_payout")` and `df["revenue_completion"]` work without MultiIndex tuples. A KPI
    outside a person's scheme is None in both columns; one without a completion (no plan, no fact) has
    completion None and payout 0.00, as on the payslip. Long: `LONG_PERSON` then `KPI`. Numbers are
    Decimal, missing values None (not NaN, which would be a float), every column of dtype object.
    A PeriodReport (`period_report`) gives the frame of its pay.
    """
    pd = _pandas()
    result = getattr(result, "result", result)  # a PeriodReport holds the PeriodResult
    if kpis:
        return pd.DataFrame(_long_rows(result), columns=[*LONG_PERSON, *KPI], dtype=object)
    names = _kpi_names(result)
    columns = [*PERSON, *PAY, *TERMS, *CORRECTIONS, *(f"{k}_{part}" for k in names for part in ("completion", "payout"))]
    return pd.DataFrame([_wide_row(p, names) for p in result.employees], columns=columns, dtype=object)


def _pandas():
    """pandas, imported on first use; a clear install hint instead of a bare ModuleNotFoundError."""
    try:
        import pandas
    except ImportError as e:
        raise MissingExtra(msg("missing_extra", package="pandas", extra="pandas")) from e
    return pandas


def _kpi_names(result: PeriodResult) -> list[str]:
    """Every KPI anyone is paid on, in order of first appearance: schemes differ, the columns do not."""
    return list(dict.fromkeys(k.kpi for p in result.employees for k in p.kpis))


def _person(p: EmployeeResult, names: tuple[str, ...]) -> dict:
    return {name: getattr(p.employee, name) for name in names}


def _pay(p: EmployeeResult) -> dict[str, Decimal]:
    return {"salary": p.salary, "bonus": p.bonus, "commission": p.commission.amount, "total": p.total}


def _terms(p: EmployeeResult) -> dict:
    short = p.proration
    return {"mode": "test" if p.test_mode else "live", "full_salary": short.salary if short else p.salary,
            "worked_days": short.worked_days if short else None, "working_days": short.working_days if short else None}


def _wide_row(p: EmployeeResult, names: list[str]) -> dict:
    """One person: who, the pay, the month's terms, and each KPI's completion and payout (None where the scheme
    has none)."""
    row = {**_person(p, PERSON), **_pay(p), **_terms(p), "corrections": p.corrected}
    mine = {k.kpi: k for k in p.kpis}
    for name in names:
        k = mine.get(name)
        row[f"{name}_completion"] = k.completion if k else None
        row[f"{name}_payout"] = k.payout if k else None
    return row


def _long_rows(result: PeriodResult) -> list[dict]:
    """A row per (person, KPI) in the order of the payslips."""
    return [{**_person(p, LONG_PERSON), **{name: getattr(k, name) for name in KPI}}
            for p in result.employees for k in p.kpis]
