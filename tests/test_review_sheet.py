"""The quarterly review's sheet, JSON and terminal output (`review PATH --quarter 2026-Q4`): LibreOffice
recalculates every formula of the sheet to its cached value, your weights recompute the fund as the engine
would, the flags read with their figures in both languages, and user text stays text."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports import explain, layout
from kpi_reports.cli import main
from kpi_reports.engine.review import Flag, Fund, KpiReview, Move, PersonFund, PersonMonth, QuarterReview, SchemeReview
from kpi_reports.layout import review as sheet_layout
from kpi_reports.messages import text
from kpi_reports.render import json as json_out
from kpi_reports.render import terminal
from kpi_reports.render.xlsx.draw import write_workbook
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.template import write_workbook as write_book

from conftest import SAMPLES, digest, put
from test_sheets import overprinted, poisoned, values, word_boxes

QUARTER = "2026-Q4"
MONEY = re.compile(r"^-?\d+\.\d\d$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
CENT = D("0.01")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def off_steps(data):
    """The sample with hunter's weights off the 5% steps, so that the suggestion differs from them."""
    for kpi, weight in (("revenue", 0.43), ("avg_check", 0.17), ("call_to_meeting", 0.22), ("calls", 0.18)):
        put(data, "Schemes", "weight", weight, scheme="hunter", kpi=kpi)
    return data


@pytest.fixture
def moved(write):
    return write(off_steps(example_data("en")))


def review_of(path, quarter=QUARTER):
    wb = kpi_reports.load(path, periods=kpi_reports.review_months(quarter))
    return wb, kpi_reports.review(wb, quarter)


def by_cell(sheet):
    return {(c.row, c.col): c for c in sheet.cells}


def kpi_rows(sheet, n: int = 0) -> tuple[dict[str, int], int]:
    """The rows of the n-th scheme's weights' table by KPI title, and the row of its totals."""
    cells = by_cell(sheet)
    row = sorted(c.row for c in sheet.cells if c.col == sheet_layout.YOURS and c.value == "Your weight")[n] + 1
    found = {}
    while cells[row, 0].value != text("total", "en"):
        found[cells[row, 0].value] = row
        row += 1
    return found, row


def hand_fund(scheme: SchemeReview, kpi: str, weight: D) -> D:
    """The fund of a KPI at `weight`, as the engine pays it: each person-month's line rounded half-up."""
    return sum(((line.at_full_weight[kpi] * weight).quantize(CENT, ROUND_HALF_UP) for line in scheme.lines), D(0))


# --- the sheet, recalculated ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ru"])
def test_libreoffice_recalculates_every_formula_of_the_review_sheet_to_its_cached_value(moved, soffice, tmp_path,
                                                                                         lang):
    wb, review = review_of(moved)
    hunter = review.schemes[0]
    assert [k.suggested_weight for k in hunter.kpis] != [k.weight for k in hunter.kpis]  # the funds differ
    (sheet,) = layout.review_sheets(review, lang, wb.settings.company)
    assert recalculates(sheet, soffice, tmp_path) >= 3 * (4 + 5 + 4) + 9  # three funds per KPI, the totals, …


def gnumeric(path):
    """Gnumeric's recalculation of the workbook at `path` (`ssconvert --recalc`), a second engine."""
    program = shutil.which("ssconvert")
    assert program, "Gnumeric is needed: apt-get install gnumeric (.ci/run installs it)"
    out = path.with_name(path.stem + "-gnumeric.xlsx")
    subprocess.run([program, "--recalc", str(path), str(out)], check=True, capture_output=True, timeout=180)
    return out


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_gnumeric_recalculates_every_formula_of_the_review_sheet_to_its_cached_value(moved, tmp_path, lang):
    wb, review = review_of(moved)
    (sheet,) = layout.review_sheets(review, lang, wb.settings.company)
    assert recalculates(sheet, lambda path, _: gnumeric(path), tmp_path) >= 3 * (4 + 5 + 4) + 9


def recalculates(sheet, soffice, tmp_path) -> int:
    """Asserts LibreOffice (or `soffice`, another engine) recalculates every formula of the review sheet to its
    cached value (the cached values poisoned first); returns how many formulas it checked."""
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, [sheet])
    recalculated = values(soffice(poisoned(ours, tmp_path / "poisoned.xlsx"), "xlsx"))[sheet.name]
    checked = 0
    for cell in (c for c in sheet.cells if c.formula):
        theirs = recalculated[cell.row][cell.col]
        if isinstance(cell.value, str):
            assert theirs == cell.value, cell
        else:
            assert abs(D(str(theirs)) - cell.value) < D("0.000000001"), (cell, theirs)
        checked += 1
    return checked
    assert any(re.fullmatch(r"=SUM\([A-Z]+\d+:[A-Z]+\d+\)", c.formula or "") for c in sheet.cells)
    assert not any("SUMPRODUCT" in c.formula for c in sheet.cells if c.formula)  # no array evaluation


def test_the_funds_cached_are_the_engines(moved):
    _, review = review_of(moved)
    (sheet,) = layout.review_sheets(review, "en")
    cells = by_cell(sheet)
    hunter = review.schemes[0]
    rows, total = kpi_rows(sheet)
    assert list(rows) == [k.title for k in hunter.kpis]
    for k in hunter.kpis:
        row = rows[k.title]
        assert cells[row, sheet_layout.FUND_NOW].value == hand_fund(hunter, k.kpi, k.weight)
        assert cells[row, sheet_layout.FUND_SUGGESTED].value == hand_fund(hunter, k.kpi, k.suggested_weight)
        assert cells[row, sheet_layout.FUND_YOURS].value == hand_fund(hunter, k.kpi, k.suggested_weight)
        assert cells[row, sheet_layout.YOURS].value == k.suggested_weight and \
            cells[row, sheet_layout.YOURS].style == "input"
    assert cells[total, sheet_layout.FUND_NOW].value == hunter.fund.current
    assert cells[total, sheet_layout.FUND_SUGGESTED].value == hunter.fund.suggested


def test_typing_your_weights_recomputes_the_fund_and_the_check(moved, soffice, tmp_path):
    """The head of sales types 10% for calls (the sum is 90%: the check says so), then 55% for revenue
    (100% again): LibreOffice gives the fund each time as the engine's rounding does by hand."""
    _, review = review_of(moved)
    (sheet,) = layout.review_sheets(review, "en")
    hunter = review.schemes[0]
    rows, total = kpi_rows(sheet)
    calls, revenue = rows["Successful calls"], rows["Revenue"]
    check = next(c for c in sheet.cells if c.formula and c.formula.startswith("=IF(ROUND(") and c.row > total)
    assert check.value == "OK: 100%"
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, [sheet])
    weights = {k.kpi: k.suggested_weight for k in hunter.kpis}
    for step, (row, kpi, weight) in enumerate(((calls, "calls", D("0.1")), (revenue, "revenue", D("0.55")))):
        book = openpyxl.load_workbook(ours)
        book[sheet.name].cell(row + 1, sheet_layout.YOURS + 1).value = float(weight)
        ours = tmp_path / f"typed{step}.xlsx"
        book.save(ours)
        weights[kpi] = weight
        got = values(soffice(ours, "xlsx"))[sheet.name]
        for k in hunter.kpis:
            assert D(str(got[rows[k.title]][sheet_layout.FUND_YOURS])).quantize(CENT) == \
                hand_fund(hunter, k.kpi, weights[k.kpi]), (step, k.kpi)
        expected = sum((hand_fund(hunter, k.kpi, weights[k.kpi]) for k in hunter.kpis), D(0))
        assert D(str(got[total][sheet_layout.FUND_YOURS])).quantize(CENT) == expected
        assert D(str(got[total + 1][sheet_layout.FUND_YOURS])).quantize(CENT) == expected - hunter.fund.current
        assert got[total][sheet_layout.FUND_NOW] == pytest.approx(float(hunter.fund.current))  # untouched
        assert got[check.row][check.col] == ("≠ 100%: correct the weights" if step == 0 else "OK: 100%")


def test_the_sheets_layout(moved, tmp_path):
    out = tmp_path / "out.xlsx"
    result = invoke("review", moved, "--quarter", QUARTER, "--out", out)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Review 2026-Q4"]
    ws = book["Review 2026-Q4"]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0  # one page wide
    assert re.fullmatch(r"'Review 2026-Q4'!\$A\$1:\$M\$\d+", ws.print_area)
    quarter, header = [r for r in ws.iter_rows() if r[0].value == "KPI"][:2]
    assert [c.value for c in quarter[:13]] == [
        "KPI", "Group", "Mean completion", "Median", "At or above 100%", "Below the cut-off",
        "Share of the bonus paid", "Mean 2026-10", "Mean 2026-11", "Mean 2026-12", "Previous quarter", "Change",
        "Correlation with the result"]
    assert [c.value for c in header[:13]] == [
        "KPI", "Flags", None, None, "Weight now", "Suggested weight", "Your weight", "Fund at current weights",
        None, "Fund at suggested weights", None, "Fund at your weights", None]  # spans merged across
    yours = ws.cell(header[0].row + 1, 7)
    assert yours.fill.fgColor.rgb.endswith("FFF2CC")  # a pale yellow input
    validation = next(v for v in ws.data_validations.dataValidation if yours.coordinate in v.sqref)
    assert validation.promptTitle == "Your weight" and "100%" in validation.prompt
    fund = ws.cell(header[0].row + 1, 12).value
    helper, first = re.fullmatch(r"=SUM\(([A-Z]+)(\d+):[A-Z]+\d+\)", fund).groups()
    assert openpyxl.utils.column_index_from_string(helper) > 14  # the what-if block: right of the print area
    weighted = ws[f"{helper}{first}"].value  # a payout at 100% × your weight, rounded to kopecks
    assert re.fullmatch(rf"=ROUND\([A-Z]+{first}\*\$G\${header[0].row + 1},2\)", weighted), weighted
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Bonus fund of the quarter by person" in texts and "What the flags mean" in texts
    assert any(t.startswith("• Meetings held — out of reach: 50.0% of 12 person-months below the 80.0% cut-off")
               for t in texts)
    assert any(t.startswith("• Suggested: 5 points of weight from") for t in texts) or \
        not any(s.moves for s in review_of(moved)[1].schemes)


def test_the_russian_sheet_has_its_russian_name_and_labels(tmp_path):
    out = tmp_path / "out.xlsx"
    result = invoke("review", SAMPLES / "sales_team_ru.xlsx", "--quarter", QUARTER, "--out", out)
    assert result.exit_code == 0, result.output
    data = values(out)
    assert list(data) == ["Пересмотр весов 2026-Q4"]
    cells = [c for row in data["Пересмотр весов 2026-Q4"] for c in row if isinstance(c, str)]
    assert "ООО «Ромашка» — пересмотр весов KPI, 2026-Q4" in cells
    assert "Ваш вес" in cells and "Фонд при ваших весах" in cells and "верно: 100%" in cells


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x","y")', "=1+1", "@SUM(A1)"])
def test_user_text_in_the_review_is_text_never_a_formula(tmp_path, title):
    data = example_data("en")
    put(data, "KPIs", "title", title, kpi="revenue")
    put(data, "Employees", "name", title, employee_id="E001")
    path = tmp_path / "book.xlsx"
    write_book(path, data, "en")
    out = tmp_path / "out.xlsx"
    result = invoke("review", path, "--quarter", QUARTER, "--out", out)
    assert result.exit_code == 0, result.output
    found = [c for ws in openpyxl.load_workbook(out) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(title)]
    assert len(found) >= 4 and all(c.data_type == "s" for c in found)  # KPI rows, what-if headers, a person
    with zipfile.ZipFile(out) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert not re.search(rb"<f>[^<]*(HYPERLINK|SUM\(A1\)|1\+1)", sheets)


def test_test_mode_marks_the_review(tmp_path):
    data = example_data("en")
    data.sheets["Settings"].rows.append(["mode", "test"])
    path = tmp_path / "book.xlsx"
    write_book(path, data, "en")
    _, review = review_of(path)
    assert review.test_mode
    (sheet,) = layout.review_sheets(review, "en")
    assert by_cell(sheet)[0, 0].value == "TEST MODE — not a basis for payment"
    shown = terminal.review_text(review, "en")
    assert shown.startswith("*** TEST MODE") and shown.endswith("payment ***")
    assert json.loads(json_out.review_dumps(review))["mode"] == "test"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_review_prints_on_a4_landscape_pages_with_nothing_over_anything(moved, soffice, tmp_path, lang):
    wb, review = review_of(moved)
    (sheet,) = layout.review_sheets(review, lang, wb.settings.company)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, [sheet])
    pdf = soffice(ours, "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+841[.\d]* x 595[.\d]* pts \(A4\)", info)  # landscape
    pages = word_boxes(pdf)
    assert 1 <= len(pages) <= len(review.schemes) + 1  # a scheme's block or the people's table a page at most
    for n, words in enumerate(pages, 1):
        assert not overprinted(words), (n, overprinted(words)[:5])
    shown = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "###" not in shown
    assert f"{review.fund.current:,.2f}" in shown and "Maria Morozova (H001)" in shown
    assert text("review_whatif", lang)[:20] not in shown  # the what-if block is not printed


# --- the command ------------------------------------------------------------------------------------------------

def test_review_prints_the_flags_and_the_funds(moved):
    result = invoke("review", moved, "--quarter", QUARTER, "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Quarterly review 2026-Q4 (2026-10, 2026-11, 2026-12), RUB; compared with 2026-07")
    assert "Scheme farmer — people: 4, person-months: 12" in out
    assert "  · Meetings held — out of reach: 50.0% of 12 person-months below the 80.0% cut-off" in out
    _, review = review_of(moved)
    hunter = review.schemes[0]
    assert hunter.fund.difference < 0
    assert f"  Bonus fund: {hunter.fund.current:,.2f} → {hunter.fund.suggested:,.2f} " \
           f"(−{-hunter.fund.difference:,.2f})" in out
    assert "  Weights: Revenue 43.0% → 45.0%, Average check 17.0% → 15.0%" in out
    assert f"All schemes — bonus fund: {review.fund.current:,.2f} → {review.fund.suggested:,.2f}" in out
    assert "written" not in out  # --dry-run


@pytest.mark.parametrize("quarter", ["2026-Q4", "2026q4", "Q4 2026", " 2026 - q4 "])
def test_the_quarter_may_be_written_several_ways(quarter):
    result = invoke("review", SAMPLES / "sales_team.xlsx", "--quarter", quarter, "--dry-run", "--json", "-")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["quarter"] == "2026-Q4"


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026-13", "Q4", "fourth"])
def test_a_bad_quarter_is_one_clear_line(tmp_path, quarter):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(SAMPLES / "sales_team.xlsx", book)
    before = digest(book)
    result = invoke("review", book, "--quarter", quarter)
    assert result.exit_code == 1
    assert result.output == f"Error: quarter '{quarter}': expected a quarter such as 2026-Q4\n"
    assert digest(book) == before


def test_a_quarter_with_a_month_without_facts_names_the_month_and_writes_nothing(tmp_path):
    data = example_data("en")
    facts = data.sheets["Facts"]
    period = facts.columns.index("period")
    facts.rows = [r for r in facts.rows if str(r[period])[:7] != "2026-11"]
    book = tmp_path / "team.xlsx"
    write_book(book, data, "en")
    before = digest(book)
    result = invoke("review", book, "--quarter", QUARTER)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: quarter 2026-Q4: no Facts rows for 2026-11; ")
    assert digest(book) == before
    ru = invoke("review", book, "--quarter", QUARTER, "--lang", "ru")
    assert ru.output.startswith("Ошибка: квартал 2026-Q4: нет строк Фактов за 2026-11; ")


def test_a_quarter_outside_the_workbook_names_its_months():
    result = invoke("review", SAMPLES / "sales_team.xlsx", "--quarter", "2027-Q1", "--dry-run")
    assert result.exit_code == 1
    assert "no Facts rows for 2027-01, 2027-02, 2027-03" in result.output
    assert "Months in the workbook: 2026-07, 2026-08, 2026-09, 2026-10, 2026-11, 2026-12" in result.output


def test_a_bad_cell_of_the_quarter_is_named_and_nothing_is_written(tmp_path):
    data = example_data("en")
    cell = put(data, "Facts", "calls", "many", employee_id="E002", period="2026-12")
    book = tmp_path / "team.xlsx"
    write_book(book, data, "en")
    before = digest(book)
    result = invoke("review", book, "--quarter", QUARTER)
    assert result.exit_code == 1 and f"Facts!{cell} (calls)" in result.output
    assert digest(book) == before


def test_the_library_checks_what_was_loaded():
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx", periods=kpi_reports.trend_months("2026-10"))
    with pytest.raises(kpi_reports.UsageError, match="were not loaded"):
        kpi_reports.review(wb, QUARTER)
    assert kpi_reports.review_months("Q1 2027") == ["2026-10", "2026-11", "2026-12", "2027-01", "2027-02", "2027-03"]


# --- JSON -----------------------------------------------------------------------------------------------------

def test_review_json_has_the_documented_fields_as_decimal_strings(moved, tmp_path):
    path = tmp_path / "review.json"
    before = digest(moved)
    result = invoke("review", moved, "--quarter", QUARTER, "--json", path, "--dry-run")
    assert result.exit_code == 0 and result.output.startswith("Quarterly review")
    assert digest(moved) == before
    data = json.loads(path.read_text("utf-8"))
    assert set(data) >= {"quarter", "months", "previous_months", "currency", "mode", "thresholds", "schemes",
                         "people", "fund"}
    assert (data["quarter"], data["months"]) == ("2026-Q4", ["2026-10", "2026-11", "2026-12"])
    assert data["thresholds"] == {"too_easy": "0.8", "out_of_reach": "0.5", "over_paying": "0.1", "min_points": 8}
    hunter, farmer, _ = data["schemes"]
    assert set(hunter) >= {"scheme", "people", "person_months", "kpis", "flags", "moves", "fund"}
    revenue = hunter["kpis"][0]
    assert set(revenue) >= {"kpi", "title", "group", "scope", "current_weight", "suggested_weight", "cutoff",
                            "person_months", "mean", "median", "on_plan", "below_cutoff", "paid_share", "months",
                            "previous", "change", "correlation", "correlation_points", "inflates", "flags", "fund"}
    assert (revenue["kpi"], revenue["current_weight"], revenue["suggested_weight"]) == ("revenue", "0.43", "0.45")
    assert [m["period"] for m in revenue["months"]] == ["2026-10", "2026-11", "2026-12"]
    assert hunter["flags"] == [] or all(f["code"] == "scheme_design" and f["message"] for f in hunter["flags"])
    meetings = next(k for k in farmer["kpis"] if k["kpi"] == "meetings")
    (flag,) = meetings["flags"]
    assert flag == {"code": "out_of_reach", "below_cutoff": "0.5", "threshold": "0.5", "person_months": 12,
                    "message": "Meetings held — out of reach: 50.0% of 12 person-months below the 80.0% cut-off "
                               "(flagged from 50.0%): the plan is unrealistic, or people need training"}
    for scheme in data["schemes"]:
        for k in scheme["kpis"]:
            for key in ("current_weight", "suggested_weight", "cutoff", "mean", "median", "on_plan", "below_cutoff",
                        "paid_share", "previous", "change", "correlation"):
                assert k[key] is None or NUMBER.match(k[key]), (key, k[key])
            assert all(MONEY.match(v) for v in k["fund"].values())
        assert all(MONEY.match(v) for v in scheme["fund"].values())
    assert all(MONEY.match(v) for p in data["people"] for v in p["fund"].values())
    fund = data["fund"]
    assert D(fund["difference"]) == D(fund["suggested"]) - D(fund["current"])
    assert D(fund["current"]) == sum(D(p["fund"]["current"]) for p in data["people"])
    assert D(hunter["fund"]["current"]) == sum(D(k["fund"]["current"]) for k in hunter["kpis"])


def test_review_json_to_stdout_is_only_the_json_in_the_output_language():
    result = invoke("review", SAMPLES / "sales_team.xlsx", "--quarter", QUARTER, "--json", "-", "--dry-run",
                    "--lang", "ru")
    data = json.loads(result.output)
    farmer = data["schemes"][1]
    meetings = next(k for k in farmer["kpis"] if k["kpi"] == "meetings")
    assert meetings["flags"][0]["message"].startswith("Meetings held — недостижим: 50,0% из 12 человеко-месяцев")


# --- the flags, worded ------------------------------------------------------------------------------------------

def kpi_review(kpi="calls", title="Successful calls", group="activity", **figures) -> KpiReview:
    usual = {"scope": "individual", "weight": D("0.2"), "suggested_weight": D("0.15"), "cutoff": D("0.8"),
             "person_months": 12, "mean": D("1.25"), "median": D("1.2"), "on_plan": D("0.9166"), "below_cutoff": D(0),
             "paid_share": D("0.35"), "months": (D("1.2"), D("1.25"), D("1.3")), "previous": D("1.1"),
             "change": D("0.15"), "correlation": D("-0.1"), "correlation_points": 12, "inflates": None}
    return KpiReview(kpi=kpi, title=title, group=group, **{**usual, **figures})


FLAGS = [
    Flag("too_easy", {"on_plan": D("0.9166"), "threshold": D("0.8"), "person_months": 12}),
    Flag("out_of_reach", {"below_cutoff": D("0.6"), "threshold": D("0.5"), "person_months": 10}),
    Flag("gamed", {"basis": "months", "efficiency": "call_to_meeting", "from": "2026-10", "to": "2026-12",
                   "activity_from": D(1040), "activity_to": D("1233.5"), "efficiency_from": D("0.2134"),
                   "efficiency_to": D("0.1787")}),
    Flag("beside_the_point", {"correlation": D("-0.3158"), "points": 12}),
    Flag("over_paying", {"paid_share": D("0.35"), "weight": D("0.2"), "excess": D("0.15"), "threshold": D("0.1")}),
]
DESIGN = [
    Flag("scheme_design", {"problem": "too_many_kpis", "kpis": 9, "limit": 7}),
    Flag("scheme_design", {"problem": "result_not_heaviest", "result": D("0.3"), "efficiency": D("0.4"),
                           "activity": D("0.3")}),
    Flag("scheme_design", {"problem": "team_share", "team": D("0.3"), "low": D("0.1"), "high": D("0.2")}),
]
WORDED = {
    "too_easy": "Successful calls — too easy: 91.7% of 12 person-months at or above 100% (flagged from 80.0%): "
                "raise the plan, or lower the weight",
    "out_of_reach": "Successful calls — out of reach: 60.0% of 10 person-months below the 80.0% cut-off (flagged "
                    "from 50.0%): the plan is unrealistic, or people need training",
    "gamed": "Successful calls — gamed: up from 1,040 to 1,234 a month (2026-10 → 2026-12) while Call → meeting got "
             "worse, 0.213 → 0.179: volume for its own sake — done to earn the KPI, not to win results",
    "beside_the_point": "Successful calls — beside the point: no positive correlation with the result group (−0.32 "
                        "over 12 person-months): it does not lead to results; replace it, or lower its weight",
    "over_paying": "Successful calls — over-paying: it paid 35.0% of the scheme's bonus at a weight of 20.0%, 15.0% "
                   "above it (flagged above 10.0%): the accelerator pays too much — cap it, or lower the weight",
    "too_many_kpis": "Scheme hunter — 9 KPIs, more than 7: each weighs too little to steer anyone",
    "result_not_heaviest": "Scheme hunter — the result group weighs 30.0%, less than efficiency (40.0%) or "
                           "activity (30.0%): results should carry the largest weight",
    "team_share": "Scheme hunter — team KPIs weigh 30.0%, outside 10.0%–20.0% of the bonus",
}


def built_review() -> QuarterReview:
    """A hand-built review with every flag: what the layout, the JSON and the terminal show of each."""
    calls = kpi_review(flags=tuple(FLAGS), inflates="call_to_meeting")
    c2m = kpi_review("call_to_meeting", "Call → meeting", "efficiency", weight=D("0.3"), suggested_weight=D("0.35"),
                     correlation=None, correlation_points=5)
    revenue = kpi_review("revenue", "Revenue", "result", weight=D("0.5"), suggested_weight=D("0.5"),
                         correlation=None, correlation_points=0)
    lines = [PersonMonth("E001", m, {"calls": D(50000), "call_to_meeting": D("40000.005"), "revenue": D(66000)},
                         {"calls": D("10000.00"), "call_to_meeting": D("12000.00"), "revenue": D("33000.00")},
                         {"calls": D("7500.00"), "call_to_meeting": D("14000.00"), "revenue": D("33000.00")})
             for m in ("2026-10", "2026-11", "2026-12")]
    fund = Fund(D("165000.00"), D("163500.00"))
    scheme = SchemeReview("hunter", 1, 3, [calls, c2m, revenue], DESIGN, fund, lines,
                          [Move("calls", "call_to_meeting")])
    return QuarterReview(QUARTER, ("2026-10", "2026-11", "2026-12"), (), "RUB", [scheme],
                         [PersonFund("E001", "Ivan Ivanov", "Hunters", "hunter", fund)], fund, False)


@pytest.mark.parametrize("flag", FLAGS + DESIGN, ids=lambda f: f.figures.get("problem", f.code))
def test_every_flag_reads_with_its_figures(flag):
    review = built_review()
    scheme = review.schemes[0]
    kpi = None if flag.code == "scheme_design" else scheme.kpis[0]
    assert explain.review_flag(flag, "en", kpi=kpi, scheme=scheme) == WORDED[flag.figures.get("problem", flag.code)]
    russian = explain.review_flag(flag, "ru", kpi=kpi, scheme=scheme)
    assert "—" in russian and not re.search(r"[a-z]{4,}", russian.replace("Successful calls", "").replace(
        "Call → meeting", "").replace("hunter", "")), russian  # Russian words around the user's names


def test_a_hand_built_review_shows_every_flag_in_sheet_json_and_terminal():
    review = built_review()
    (sheet,) = layout.review_sheets(review, "en")
    shown = [c.value for c in sheet.cells if isinstance(c.value, str)]
    for worded in WORDED.values():
        assert "• " + worded in shown
    assert "too easy, out of reach, gamed, beside the point, over-paying" in shown
    assert "• Suggested: 5 points of weight from Successful calls (too easy or gamed) to Call → meeting" in shown
    assert "• Correlation with the result: too few person-months to tell for Call → meeting (5; at least 8 are " \
           "needed)" in shown
    cells = by_cell(sheet)
    quarter, row = (c.row for c in sheet.cells if c.value == "Call → meeting" and c.col == 0)  # both tables
    assert cells[quarter, sheet_layout.CORRELATION].value == "too few"
    assert cells[row, sheet_layout.FUND_NOW].value == D("36000.00")
    assert cells[row, sheet_layout.FUND_SUGGESTED].value == D("42000.00")
    revenue = next(c.row for c in sheet.cells if c.value == "Revenue" and c.col == 0)  # the quarter's table
    assert cells[revenue, sheet_layout.CORRELATION].value == "—"  # no other result KPI: nothing to tell
    data = json.loads(json_out.review_dumps(review))
    flags = data["schemes"][0]["kpis"][0]["flags"]
    assert [f["code"] for f in flags] == ["too_easy", "out_of_reach", "gamed", "beside_the_point", "over_paying"]
    assert flags[2] == {"code": "gamed", "message": WORDED["gamed"], "basis": "months", "efficiency": "call_to_meeting",
                        "from": "2026-10", "to": "2026-12", "activity_from": "1040", "activity_to": "1233.5",
                        "efficiency_from": "0.2134", "efficiency_to": "0.1787"}
    assert [f["problem"] for f in data["schemes"][0]["flags"]] == ["too_many_kpis", "result_not_heaviest", "team_share"]
    assert data["schemes"][0]["moves"] == [{"donor": "calls", "receiver": "call_to_meeting"}]
    assert data["people"][0]["fund"] == {"current": "165000.00", "suggested": "163500.00", "difference": "-1500.00"}
    out = terminal.review_text(review, "en")
    for worded in WORDED.values():
        assert f"  · {worded}" in out
    assert "  Weights: Successful calls 20.0% → 15.0%, Call → meeting 30.0% → 35.0%" in out
    assert "  Bonus fund: 165,000.00 → 163,500.00 (−1,500.00)" in out


def test_the_marker_names_the_family_and_reads_earlier_versions_markers():
    from kpi_reports.render.xlsx.splice import family_of, marker
    assert marker("run") == "TRUE" and family_of("TRUE") == "run"
    assert marker("review 2026-Q4") == '"review 2026-Q4"' and family_of('"review 2026-Q4"') == "review 2026-Q4"
    assert family_of("&quot;review 2026-Q4&quot;") == "review 2026-Q4"  # as some programs escape it


def test_each_person_and_the_total_over_every_scheme_have_a_fund_at_your_weights(moved):
    wb, review = review_of(moved)
    (sheet,) = layout.review_sheets(review, "en", wb.settings.company)
    head = next(c for c in sheet.cells if c.value == "Fund at your weights" and c.col == sheet_layout.PEOPLE[6][0])
    column = [c for c in sheet.cells if c.col == head.col and c.row > head.row]
    people, total = column[:-1], column[-1]
    assert len(people) == len(review.people)
    assert all(c.formula.startswith("=SUMIF(") for c in people)
    assert [c.value for c in people] == [p.fund.suggested for p in review.people]
    assert total.formula.startswith("=SUM(") and total.value == review.fund.suggested
