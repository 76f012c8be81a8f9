"""The typed objects that flow from reading to computing to output.

Everything here is plain data: amounts are `Decimal`, periods are `YYYY-MM` strings, ids are strings.
A `Record` remembers where each value came from, so that later stages can name the cell.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from kpi_reports.in_force import terms_in_force, version_in_force
from kpi_reports.names import a1, norm
from kpi_reports.problems import Problem

if TYPE_CHECKING:
    from kpi_reports.credits import Credited
    from kpi_reports.formula import Formula
    from kpi_reports.ledger import Ledger

Group = Literal["activity", "efficiency", "result"]
Direction = Literal["higher", "lower"]
Scope = Literal["individual", "team"]
Unit = Literal["count", "money", "percent", "days"]
Mode = Literal["live", "test"]


@dataclass(frozen=True)
class Cell:
    """Where a value lives: `Facts!D7 (calls)`."""

    sheet: str
    ref: str
    column: str

    def where(self) -> dict[str, str]:
        return {"sheet": self.sheet, "cell": self.ref, "column": self.column}


@dataclass(frozen=True)
class Employee:
    employee_id: str
    name: str
    team: str
    scheme: str
    salary: Decimal
    bonus_target: Decimal
    position: str = ""
    commission_rate: Decimal = Decimal(0)
    margin_rate: Decimal | None = None
    email: str = ""
    manages: tuple[str, ...] = ()
    """Teams whose totals this person's team KPIs are measured on (a head of sales); `("*",)` is all."""
    since: str | None = None
    """Employees `from` (YYYY-MM): the first month these terms apply; None: always."""
    until: str | None = None
    """The person's last month worked (Employees `until`, on any of their rows); None: still here."""
    mode: Mode | None = None
    """Employees `mode`: a pilot group paid live among test-mode people, or the reverse; None: Settings mode."""
    row: int = field(default=-1, compare=False)
    """Zero-based row of the Employees sheet these terms are on (-1: not read from a sheet)."""


@dataclass(frozen=True)
class Kpi:
    kpi: str
    title: str
    group: Group
    formula: Formula | None = None
    direction: Direction = "higher"
    unit: Unit = "count"

    @functools.cached_property
    def key(self) -> str:
        """The id as compared: `Call_to_Meeting` and `call to meeting` are one KPI."""
        return norm(self.kpi)

    @property
    def cumulative(self) -> bool:
        """Grows through the month (counts, money), so a pace can be extrapolated; days and ratios do not."""
        return self.additive and self.unit in ("count", "money")

    @property
    def additive(self) -> bool:
        """Sums over people make sense: no formula, or a formula that is a single metric."""
        return self.formula is None or self.formula.single_metric is not None


@dataclass(frozen=True)
class SchemeLine:
    scheme: str
    kpi: str
    weight: Decimal
    cutoff: Decimal = Decimal("0.8")
    accelerator: Decimal = Decimal("1.2")
    cap: Decimal | None = None
    scope: Scope = "individual"
    since: str | None = None
    """Schemes `from` (YYYY-MM): the first month of the scheme's version this line belongs to; None: always."""
    row: int = field(default=-1, compare=False)
    """Zero-based row of the Schemes sheet (-1: not read from a sheet)."""


@dataclass(frozen=True)
class Record:
    """One row of Plans, TeamPlans or Facts: a period, a key (employee or team) and named values.

    `values` maps a normalised column key to its number, or None for an empty cell (or one with an
    error, reported already). `columns` (shared by the rows of a sheet) says where each key's column
    is, so that `cell(key)` can name the cell.
    """

    period: str
    key: str
    values: dict[str, Decimal | None]
    sheet: str = ""
    row: int = 0
    columns: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    def get(self, name: str) -> Decimal | None:
        return self.values.get(name)

    def cell(self, name: str | None) -> Cell | None:
        if name not in self.columns:
            return None
        col, header = self.columns[name]
        return Cell(self.sheet, a1(self.row, col), header)


@dataclass(frozen=True)
class Settings:
    company: str = ""
    currency: str = "RUB"
    language: str | None = None
    commission_kpi: str = "revenue"
    margin_rate: Decimal | None = None
    funnel: tuple[str, ...] = ()
    """Facts columns in funnel order (normalised); empty: the default calls, meetings, proposals, deals."""
    weak_stage_gap: Decimal = Decimal("0.2")
    calendar: str = "RU"
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    test_mode: bool = False
    review_too_easy: Decimal = Decimal("0.8")
    """Quarterly review: a KPI is too easy when at least this share of person-months is at or above 100%."""
    review_out_of_reach: Decimal = Decimal("0.5")
    """… out of reach when at least this share is below the cut-off."""
    review_over_paying: Decimal = Decimal("0.1")
    """… over-paying when its share of the bonus paid is more than this above its weight (10 points)."""
    review_min_points: int = 8
    """… and its correlation with the result group is told from at least this many person-months."""
    payslip_template: str = ""
    """A Typst template for the printed payslips, as typed (a path relative to the workbook's folder)."""
    prorate_bonus: bool = False
    """Settings prorate_bonus: the bonus target of a short month (Facts worked_days) is prorated as the salary is."""
    corrections_months: int = 12
    """Settings corrections_months: how many closed months before the one run are recomputed for corrections."""
    withhold_overpayment: bool = True
    """Settings withhold_overpayment: a negative correction is deducted (yes) or only shown (no)."""
    paid_stages: tuple[str, ...] = ()
    """Settings paid_stages: the Deals stages credited (empty: the won stages of amoCRM and Bitrix24)."""
    min_call_seconds: int = 0
    """Settings min_call_seconds: a shorter call is not counted."""
    cells: dict[str, Cell] = field(default_factory=dict)
    """Where each setting's value is, to name it in a message."""


@dataclass
class Workbook:
    """The standard workbook after validation: every value parsed, every reference resolved."""

    employees: dict[str, Employee]
    kpis: dict[str, Kpi]
    schemes: dict[str, list[SchemeLine]]
    plans: dict[tuple[str, str], Record]
    team_plans: dict[tuple[str, str], Record]
    facts: dict[tuple[str, str], Record]
    fact_columns: dict[str, Cell]
    """Every Facts column by normalised key (the cell is the header's), to name missing metrics."""
    settings: Settings = field(default_factory=Settings)
    source: str = ""
    warnings: list[Problem] = field(default_factory=list)
    """What validation found worth saying that does not stop a computation."""
    periods: list[str] = field(default_factory=list)
    """Every month with a Plans, TeamPlans or Facts row, sorted."""
    loaded: frozenset[str] | None = None
    """The months whose rows were read (None: all of them)."""
    terms: dict[str, tuple[Employee, ...]] = field(default_factory=dict)
    """Each person's Employees rows, oldest `from` first (a row without one first of all), when any row has
    a `from` or `until`; empty otherwise. `employees` then holds each person's latest terms."""
    versions: dict[str, tuple[tuple[str | None, list[SchemeLine]], ...]] = field(default_factory=dict)
    """Each scheme's versions, (from, lines), oldest first, when any Schemes line has a `from`; empty
    otherwise. `schemes` then holds each scheme's latest version."""
    whole: Workbook | None = field(default=None, repr=False, compare=False)
    """For a month's terms (`in_force`), the workbook with every version; None: this is it."""
    month: str | None = None
    """The month whose terms these are (`in_force`); None: every month's."""
    ledger: Ledger | None = None
    """The Ledger sheet: what the closed months paid; None: no month has been closed."""
    month_fingerprints: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Of the months read and the closed ones a run would recompute (`workbook.ledger.month_fingerprints`): of
    the cells as the source gives them, so one spreadsheet read from another source has others."""
    credited: Credited | None = field(default=None, repr=False, compare=False)
    """What the Deals, Calls and Activities lists credited (`workbook.lists`); None: the workbook has none."""
    locations: dict[str, tuple[str, Mapping[str, tuple[int, str]]]] = field(default_factory=dict)
    """Employees and Schemes: the sheet's name and where each column is (key → (index, header)), to name a cell."""
    _months: dict[str, Workbook] = field(default_factory=dict, init=False, repr=False, compare=False)

    def in_force(self, period: str) -> Workbook:
        """The workbook with the terms in force in `period` (YYYY-MM): the people who work that month, each
        by their Employees row with the latest `from` on or before it, and each scheme's version likewise
        (a scheme with no version in force is left out). Without any `from` or `until`, the workbook itself."""
        if self.month == period:
            return self
        whole = self.whole or self
        if not whole.terms and not whole.versions:
            return whole
        if period not in whole._months:
            employees = ({e.employee_id: e for rows in whole.terms.values() if (e := terms_in_force(rows, period))}
                         if whole.terms else whole.employees)
            schemes = ({name: lines for name, found in whole.versions.items()
                        if (lines := version_in_force(found, period)) is not None}
                       if whole.versions else whole.schemes)
            whole._months[period] = replace(whole, employees=employees, schemes=schemes, terms={}, versions={},
                                            whole=whole, month=period)
        return whole._months[period]


MAX_KPIS = 7
"""More KPIs than this in a scheme is a design problem (a warning of `check`, a flag of the review)."""
TEAM_SHARE = (Decimal("0.10"), Decimal("0.20"))
"""The team-scope share of a scheme that has individual lines too should lie in this range."""


# --- results --------------------------------------------------------------------------------------

Rule = Literal["no_plan", "no_fact", "below_cutoff", "proportional", "accelerated", "capped"]
"""Which rule of pay applied to a KPI."""


@dataclass(frozen=True)
class KpiResult:
    kpi: str
    title: str
    group: Group
    scope: Scope
    unit: Unit
    direction: Direction
    weight: Decimal
    cutoff: Decimal
    accelerator: Decimal
    cap: Decimal | None
    plan: Decimal | None
    fact: Decimal | None
    completion: Decimal | None
    factor: Decimal
    payout: Decimal
    rule: Rule
    made_of: Formula | str | None = field(default=None, compare=False)
    """How a person's own fact was made: the metric it is (a Facts column named like the KPI, or credited by a
    list), or the formula over metrics; None for a team KPI's aggregate or a person without facts."""


@dataclass(frozen=True)
class Commission:
    kpi: str
    rate: Decimal
    plan: Decimal | None
    fact: Decimal | None
    base: Decimal
    """Fact above plan, never below zero."""
    margin_share: Decimal
    margin_source: Literal["kpi", "facts", "employee", "settings", "none"]
    amount: Decimal


@dataclass(frozen=True)
class Proration:
    """A short month (Facts worked_days): salary × worked days ÷ working days of the month, rounded half-up to
    kopecks; the bonus target too with Settings prorate_bonus."""

    worked_days: Decimal
    working_days: int
    """Of the month, by the workbook's calendar (the forecast's)."""
    salary: Decimal
    """The month's full salary, as the terms give it."""
    bonus_target: Decimal
    """The bonus target the KPIs pay on: prorated (to kopecks) with Settings prorate_bonus, else the full one."""
    bonus_prorated: bool


@dataclass(frozen=True)
class EmployeeResult:
    employee: Employee
    """The terms in force in the month."""
    kpis: list[KpiResult]
    commission: Commission
    salary: Decimal
    """Rounded to kopecks, like every money line (prorated for a short month)."""
    bonus: Decimal
    total: Decimal
    proration: Proration | None = None
    """The month's salary (and bonus target) prorated by Facts worked_days; None: a full month."""
    test_mode: bool = False
    """Computed in test mode (Employees mode, else Settings mode): shown, never paid."""
    corrections: tuple[Correction, ...] = ()
    """Closed months recomputed differently from what they paid: carried into this month. `total` includes
    the deducted ones (`Correction.paid`)."""

    @property
    def earned(self) -> Decimal:
        """This month's own pay: salary, bonus and commission, without the corrections."""
        return self.salary + self.bonus + self.commission.amount

    @property
    def corrected(self) -> Decimal:
        """The corrections paid (or deducted) with this month's pay."""
        return sum((c.paid for c in self.corrections), Decimal("0.00"))

    @property
    def bonus_target(self) -> Decimal:
        """What the KPI payouts are a share of: the prorated target of a short month with prorate_bonus."""
        return self.proration.bonus_target if self.proration else self.employee.bonus_target


@dataclass(frozen=True)
class Change:
    """An input of a closed month that is not what it was when the month was closed."""

    sheet: str
    """The standard sheet's key: Employees, Schemes, Plans, TeamPlans, Facts, Settings."""
    column: str
    """The column (a KPI or metric for Plans and Facts; `kpi.weight` for a scheme line; a Settings key)."""
    old: str | None
    """As recorded in the ledger (a number as plain digits); None: there was none."""
    new: str | None
    cell: Cell | None = None
    """Where the value is now; None: it is no longer in the workbook."""


@dataclass(frozen=True)
class Correction:
    """A closed month recomputed: what it earns now less what it paid (its pay and corrections so far)."""

    period: str
    """The closed month corrected (YYYY-MM)."""
    amount: Decimal
    """Recomputed minus paid, to kopecks: above zero is owed to the person, below zero an overpayment."""
    paid: Decimal
    """What this month pays for it: the amount, or zero for an overpayment that Settings says not to withhold."""
    changes: tuple[Change, ...] = ()
    """The inputs that changed since (empty: the same inputs compute differently, e.g. a new calendar)."""
    inputs: str = ""
    """The month's inputs now (`ledger.inputs_text`), recorded when this month is closed."""


@dataclass(frozen=True)
class Totals:
    salary: Decimal
    bonus: Decimal
    commission: Decimal
    total: Decimal
    corrections: Decimal = Decimal("0.00")
    """Paid (or deducted) for closed months; included in `total`."""

    @classmethod
    def of(cls, people: list[EmployeeResult]) -> Totals:
        return cls(
            salary=sum((p.salary for p in people), Decimal("0.00")),
            bonus=sum((p.bonus for p in people), Decimal("0.00")),
            commission=sum((p.commission.amount for p in people), Decimal("0.00")),
            total=sum((p.total for p in people), Decimal("0.00")),
            corrections=sum((p.corrected for p in people), Decimal("0.00")),
        )

    def __sub__(self, other: Totals) -> Totals:
        return Totals(self.salary - other.salary, self.bonus - other.bonus, self.commission - other.commission,
                      self.total - other.total, self.corrections - other.corrections)


@dataclass(frozen=True)
class GroupKpi:
    """A KPI over a team or the company: the aggregate (as for team scope) and how many are on plan."""

    kpi: str
    title: str
    unit: Unit
    direction: Direction
    plan: Decimal | None
    fact: Decimal | None
    completion: Decimal | None
    share_on_plan: Decimal | None
    """Of the people paid on this KPI with a completion, the share at or above 100%."""
    people: int


NO_PAY = Totals(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


@dataclass(frozen=True)
class TeamResult:
    team: str
    totals: Totals
    """Everyone's, test-mode people's included."""
    kpis: list[GroupKpi] = field(default_factory=list)
    test: Totals = NO_PAY
    """Of its test-mode people: computed, not to be paid."""

    @property
    def live(self) -> Totals:
        """What is to be paid: its live people's."""
        return self.totals - self.test


@dataclass(frozen=True)
class PeriodResult:
    period: str
    currency: str
    employees: list[EmployeeResult]
    teams: list[TeamResult]
    totals: Totals
    warnings: list[Problem]
    company: list[GroupKpi] = field(default_factory=list)
    test: Totals = NO_PAY
    """Of the test-mode people: computed, not to be paid."""

    @property
    def live(self) -> Totals:
        """What is to be paid: the live people's."""
        return self.totals - self.test

    @property
    def by_team(self) -> list[tuple[TeamResult, list[EmployeeResult]]]:
        """Each team as `teams` has them, with its people as `employees` has them: the one order of the summary,
        the terminal, the payslips and their files, and the page."""
        members: dict[str, list[EmployeeResult]] = {}
        for r in self.employees:
            members.setdefault(r.employee.team, []).append(r)
        return [(t, members.get(t.team, [])) for t in self.teams]

    @property
    def pilot(self) -> bool:
        """Some people are paid live and some computed in test mode (a month all one or the other is not)."""
        modes = {r.test_mode for r in self.employees}
        return len(modes) == 2

