"""The quarterly review over terms that change from a month on: each scheme is reviewed in its version in
force at the quarter's end, each month counts by its own terms (joiners and leavers only in the months they
worked, KPIs matched by id), the what-if moves the weights only where that version is in force, and the
next review measures the change — per KPI, the weight before → after and the mean completion before →
after — in the engine, the sheet, the terminal and the JSON."""
from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal as D
from decimal import localcontext

import pytest
from test_review_sheet import recalculates

import kpi_reports
from kpi_reports import explain, layout
from kpi_reports.engine.compute import compute
from kpi_reports.engine.pay import EXACT, money
from kpi_reports.engine.review import review
from kpi_reports.layout import review as sheet_layout
from kpi_reports.model import Employee, Kpi, Record, SchemeLine, Settings, Workbook
from kpi_reports.render import json as json_out
from kpi_reports.render import terminal

from conftest import SAMPLES

QUARTER = "2026-Q4"
BEFORE = ("2026-07", "2026-08", "2026-09")
MONTHS = ("2026-10", "2026-11", "2026-12")
CHANGES = SAMPLES / "team_changes.xlsx"


def sample_review(path=CHANGES):
    return kpi_reports.run(path, kpi_reports.Options(quarter=QUARTER, pay=False)).review


def scheme_of(result, name):
    return next(s for s in result.schemes if s.scheme == name)


def kpi_of(scheme, kpi):
    return next(k for k in scheme.kpis if k.kpi == kpi)


def mean(values):
    with localcontext(EXACT):
        return sum(values, D(0)) / len(values)


def completions_by_compute(wb, scheme, kpi, months):
    """The KPI's completions of the people on the scheme in those months, straight from `compute`."""
    return [k.completion for m in months for r in compute(wb, m).employees if r.employee.scheme == scheme
            for k in r.kpis if k.kpi == kpi and k.completion is not None]


# --- the sample: the farmers' weights changed from 2026-10 ---------------------------------------------------

def test_the_farmers_changed_weights_report_before_and_after_with_the_mean_completion_either_side():
    wb = kpi_reports.load(CHANGES)
    farmer = scheme_of(sample_review(), "farmer")
    assert farmer.since == "2026-10" and farmer.dropped == []
    assert {k.kpi: str(k.weight) for k in farmer.kpis} == {"revenue": "0.4", "avg_check": "0.1", "cycle_days": "0.15",
                                                           "meetings": "0.2", "margin": "0.15"}  # the new version
    changed = {k.kpi: k.weight_change for k in farmer.kpis if k.weight_change}
    assert set(changed) == {"meetings", "avg_check"}  # revenue, cycle_days and margin kept their weights
    assert (changed["meetings"].before, changed["meetings"].after) == (D("0.15"), D("0.2"))
    assert (changed["avg_check"].before, changed["avg_check"].after) == (D("0.15"), D("0.1"))
    for kpi, change in changed.items():
        before = completions_by_compute(wb, "farmer", kpi, BEFORE)
        after = completions_by_compute(wb, "farmer", kpi, MONTHS)
        assert change.since == "2026-10"
        assert (change.mean_before, change.person_months_before) == (mean(before), len(before)) == \
            (kpi_of(farmer, kpi).previous, 12)
        assert (change.mean_after, change.person_months_after) == (mean(after), len(after)) == \
            (kpi_of(farmer, kpi).mean, 12)


def test_schemes_whose_version_held_all_quarter_report_no_change():
    result = sample_review()
    for name in ("hunter", "head"):
        scheme = scheme_of(result, name)
        assert scheme.since is None and scheme.dropped == []
        assert all(k.weight_change is None for k in scheme.kpis)


def test_the_change_reads_in_english_and_russian_in_the_terminal_the_json_and_the_sheet():
    result = sample_review()
    farmer = scheme_of(result, "farmer")
    meetings = kpi_of(farmer, "meetings")
    line = explain.weight_change(meetings.title, meetings.weight_change, "en")
    assert line == "Meetings held: 15.0% → 20.0% from 2026-10; mean completion 83.7% → 79.3%"
    assert explain.weight_change(meetings.title, meetings.weight_change, "ru") == \
        "Meetings held: 15,0% → 20,0% с 2026-10; среднее выполнение 83,7% → 79,3%"
    out = terminal.review_text(result, "en")
    assert "  Weights changed from 2026-10. Mean completion before the change: over 2026-07, 2026-08, 2026-09; " \
           "after it: over 2026-10, 2026-11, 2026-12." in out
    assert f"    · {line}" in out and "    · Average check: 15.0% → 10.0% from 2026-10;" in out
    assert out.count("Weights changed from") == 1  # hunter and head did not change
    data = json.loads(json_out.review_dumps(result, "en"))
    farmer_json = next(s for s in data["schemes"] if s["scheme"] == "farmer")
    by_kpi = {k["kpi"]: k for k in farmer_json["kpis"]}
    assert by_kpi["meetings"]["weight_change"] == {
        "from": "2026-10", "before": "0.15", "after": "0.2", "mean_before": json_out.number(meetings.weight_change.mean_before),
        "mean_after": json_out.number(meetings.weight_change.mean_after), "person_months_before": 12,
        "person_months_after": 12, "message": line}
    assert by_kpi["revenue"]["weight_change"] is None and farmer_json["dropped"] == []
    for lang in ("en", "ru"):
        (sheet,) = layout.review_sheets(result, lang)
        shown = [c.value for c in sheet.cells if isinstance(c.value, str)]
        assert "• " + explain.weight_change(meetings.title, meetings.weight_change, lang) in shown
        assert explain.change_means(farmer, result.months, result.previous_months, lang) in shown
        assert ("Weights changed from 2026-10" if lang == "en" else "Веса изменены с 2026-10") in shown


# --- joiners and leavers ---------------------------------------------------------------------------------------

def test_people_who_left_or_joined_count_only_in_the_months_they_worked():
    """E004 left after 2026-09, E009 joined from 2026-10: the hunters' Q4 is E001–E003 and E009, their Q3
    E001–E004."""
    wb = kpi_reports.load(CHANGES)
    result = sample_review()
    hunter = scheme_of(result, "hunter")
    assert [(pm.period, pm.employee_id) for pm in hunter.lines] == \
        [(m, e) for m in MONTHS for e in ("E001", "E002", "E003", "E009")]
    assert (hunter.people, hunter.person_months) == (4, 12)
    assert "E004" not in {p.employee_id for p in result.people}
    bonuses = {(m, r.employee.employee_id): r.bonus for m in MONTHS for r in compute(wb, m).employees}
    joiner = next(p for p in result.people if p.employee_id == "E009")
    assert joiner.fund.current == sum(bonuses[m, "E009"] for m in MONTHS)
    assert result.fund.current == sum(bonuses.values())
    assert hunter.fund.current == sum(v for (m, e), v in bonuses.items() if e in ("E001", "E002", "E003", "E009"))
    calls = kpi_of(hunter, "calls")
    q3 = [k.completion for m in BEFORE for r in compute(wb, m).employees if r.employee.scheme == "hunter"
          for k in r.kpis if k.kpi == "calls" and k.completion is not None]
    assert len(q3) == 12 and calls.previous == mean(q3)  # the leaver counts in the quarter she worked


def test_the_review_of_the_sample_without_versions_has_no_change_anywhere():
    result = sample_review(SAMPLES / "sales_team.xlsx")
    assert all(s.since is None and not s.dropped and not any(k.weight_change for k in s.kpis) for s in result.schemes)
    data = json.loads(json_out.review_dumps(result))
    assert all(k["weight_change"] is None for s in data["schemes"] for k in s["kpis"])
    assert "Weights changed" not in terminal.review_text(result, "en")


# --- a version from the quarter's middle: a KPI added, one dropped, weights moved ------------------------------

KPIS = {"revenue": Kpi("revenue", "Revenue", "result", unit="money"),
        "margin": Kpi("margin", "Margin", "result", unit="money"),
        "calls": Kpi("calls", "Calls", "activity"),
        "meetings": Kpi("meetings", "Meetings held", "activity")}
OLD = {"revenue": "0.5", "margin": "0.2", "calls": "0.3"}
NEW = {"revenue": "0.52", "calls": "0.23", "meetings": "0.25"}
"""From 2026-11: margin dropped, meetings added, revenue and calls off the 5% steps (suggested: 50 / 25 / 25)."""
PEOPLE = ("E1", "E2", "E3")


def lines_of(weights, since=None):
    return [SchemeLine("s", kpi, D(w), since=since) for kpi, w in weights.items()]


def mid_quarter() -> Workbook:
    """Three people on scheme s over 2026-07…12, plans of 100, completions 85%–109%; version 2 from 2026-11."""
    def record(period, who, values):
        return Record(period, who, values)
    plans, facts = {}, {}
    for m, month in enumerate((*BEFORE, *MONTHS)):
        for p, who in enumerate(PEOPLE):
            plans[month, who] = record(month, who, {k: D(100) for k in KPIS})
            facts[month, who] = record(month, who, {k: D(85 + 3 * ((m * 3 + p * 7 + i * 5) % 9))
                                                    for i, k in enumerate(KPIS)})
    old, new = lines_of(OLD), lines_of(NEW, "2026-11")
    return Workbook(
        employees={e: Employee(e, f"Person {e}", "Team", "s", D(50000), D("33333.33")) for e in PEOPLE},
        kpis=KPIS, schemes={"s": new}, plans=plans, team_plans={}, facts=facts, fact_columns={},
        settings=Settings(), periods=[*BEFORE, *MONTHS], versions={"s": ((None, old), ("2026-11", new))})


def test_a_version_from_the_middle_of_the_quarter_is_reviewed_with_its_added_and_dropped_kpis():
    wb = mid_quarter()
    (scheme,) = review(wb, QUARTER).schemes
    assert scheme.since == "2026-11" and [k.kpi for k in scheme.kpis] == ["revenue", "calls", "meetings"]
    meetings = kpi_of(scheme, "meetings")
    assert meetings.person_months == 6 and meetings.months[0] is None  # not in October's version
    assert meetings.mean == mean(completions_by_compute(wb, "s", "meetings", MONTHS))
    assert meetings.previous is None
    changes = {k.kpi: k.weight_change for k in scheme.kpis}
    assert (changes["meetings"].before, changes["meetings"].after, changes["meetings"].mean_before) == \
        (None, D("0.25"), None)
    assert (changes["revenue"].before, changes["revenue"].after) == (D("0.5"), D("0.52"))
    assert (changes["calls"].before, changes["calls"].after) == (D("0.3"), D("0.23"))
    for kpi in ("revenue", "calls"):
        before = completions_by_compute(wb, "s", kpi, (*BEFORE, "2026-10"))
        after = completions_by_compute(wb, "s", kpi, ("2026-11", "2026-12"))
        assert (changes[kpi].mean_before, changes[kpi].person_months_before) == (mean(before), 12)
        assert (changes[kpi].mean_after, changes[kpi].person_months_after) == (mean(after), 6)
    (margin,) = scheme.dropped
    assert (margin.kpi, margin.weight_change.before, margin.weight_change.after) == ("margin", D("0.2"), None)
    assert margin.weight_change.mean_before == mean(completions_by_compute(wb, "s", "margin", (*BEFORE, "2026-10")))
    assert (margin.weight_change.mean_after, margin.weight_change.person_months_after) == (None, 0)
    assert explain.weight_change(margin.title, margin.weight_change, "en").startswith(
        "Margin: 20.0% → dropped from 2026-11; mean completion before ")
    assert explain.weight_change("Meetings held", changes["meetings"], "en").startswith(
        "Meetings held: new, 25.0% from 2026-11; mean completion ")


def test_the_what_if_moves_the_weights_only_where_the_version_under_review_is_in_force():
    wb = mid_quarter()
    (scheme,) = review(wb, QUARTER).schemes
    suggested = {k.kpi: k.suggested_weight for k in scheme.kpis}
    assert suggested == {"revenue": D("0.5"), "calls": D("0.25"), "meetings": D("0.25")}
    differs = {(pm.period, pm.employee_id, kpi) for pm in scheme.lines for kpi in pm.current
               if pm.suggested[kpi] != pm.current[kpi]}
    assert differs == {(m, e, kpi) for m in ("2026-11", "2026-12") for e in PEOPLE for kpi in ("revenue", "calls")}
    for pm in scheme.lines:
        for kpi, full in pm.at_full_weight.items():
            if pm.period >= "2026-11":
                assert pm.suggested[kpi] == money(EXACT.multiply(full, suggested[kpi]))
    # the engine again, on a workbook whose second version carries the suggested weights
    again = replace(wb, versions={"s": (wb.versions["s"][0], ("2026-11", [replace(x, weight=suggested[x.kpi])
                                                                          for x in wb.versions["s"][1][1]]))})
    assert scheme.fund.suggested == sum(compute(again, m).totals.bonus for m in MONTHS) != scheme.fund.current
    assert scheme.fund.current == sum(compute(wb, m).totals.bonus for m in MONTHS)
    assert wb.versions["s"][1][1][0].weight == D("0.52")  # the caller's workbook is left as it was


def test_the_json_of_a_dropped_kpi_carries_what_it_paid_so_the_funds_add_up():
    (scheme,) = (result := review(mid_quarter(), QUARTER)).schemes
    (data,) = json.loads(json_out.review_dumps(result))["schemes"]
    (margin,) = data["dropped"]
    assert margin["weight_change"]["before"] == "0.2" and margin["weight_change"]["after"] is None
    assert {k["kpi"] for k in data["kpis"] if "weight_change" in k} == {"revenue", "calls", "meetings"}
    total = sum(D(k["fund"]["current"]) for k in (*data["kpis"], margin))
    assert total == D(data["fund"]["current"]) == scheme.fund.current


def kpi_rows(sheet):
    cells = {(c.row, c.col): c for c in sheet.cells}
    row = next(c.row for c in sheet.cells if c.col == sheet_layout.YOURS and c.value == "Your weight") + 1
    found = {}
    while cells[row, 0].value != "Total":
        found[cells[row, 0].value] = row
        row += 1
    return cells, found, row


def test_the_sheet_keeps_the_months_before_the_change_as_paid_and_lists_the_dropped_kpi():
    result = review(mid_quarter(), QUARTER)
    (scheme,) = result.schemes
    (sheet,) = layout.review_sheets(result, "en")
    cells, rows, total = kpi_rows(sheet)
    assert list(rows) == ["Revenue", "Calls", "Meetings held", "Margin"]
    october = {kpi: sum(pm.current.get(kpi, D(0)) for pm in scheme.lines if pm.period == "2026-10")
               for kpi in ("revenue", "calls", "margin")}
    revenue = cells[rows["Revenue"], sheet_layout.FUND_NOW]
    assert revenue.formula.endswith(f"+{october['revenue']}") and revenue.formula.startswith("=SUM(")
    assert "+" not in cells[rows["Meetings held"], sheet_layout.FUND_NOW].formula.split(")")[-1]  # new: nothing before
    margin = rows["Margin"]
    assert cells[margin, sheet_layout.FLAGS].value == "dropped from 2026-11"
    assert [cells[margin, col].value for col in (sheet_layout.FUND_NOW, sheet_layout.FUND_SUGGESTED,
                                                 sheet_layout.FUND_YOURS)] == [october["margin"]] * 3
    assert cells[total, sheet_layout.FUND_NOW].value == scheme.fund.current
    assert cells[total, sheet_layout.FUND_SUGGESTED].value == scheme.fund.suggested
    assert cells[total, sheet_layout.WEIGHT].value == 1 == cells[total, sheet_layout.YOURS].value
    block = [c for c in sheet.cells if c.col == sheet_layout.DATA + 1 and c.style == "plain"]
    assert sorted(c.value for c in block) == ["2026-11"] * 3 + ["2026-12"] * 3  # the months the weights act on
    shown = [c.value for c in sheet.cells if isinstance(c.value, str)]
    assert "The months before 2026-11 were paid by the earlier weights: the funds keep them as paid, and the " \
           "weights act on the months from 2026-11 on." in shown
    assert any(s.startswith("• Margin: 20.0% → dropped from 2026-11") for s in shown)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_libreoffice_recalculates_the_review_of_a_mid_quarter_version_to_its_cached_values(soffice, tmp_path, lang):
    (sheet,) = layout.review_sheets(review(mid_quarter(), QUARTER), lang)
    assert recalculates(sheet, soffice, tmp_path) >= 3 * 3 + 6
