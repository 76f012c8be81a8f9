"""The Deals, Calls and Activities lists through the other faces: a Google Sheets refresh (against the local
fake of the Sheets API) and the drop-in web page. `samples/crm_lists.xlsx` (and its Russian twin) is the
sales_team sample with the 2026-10 Facts of calls, meetings, proposals, deals, revenue and margin blanked and
given by the lists instead, so Ivanov (E001) still totals the worked case, 119,800.00 — only if the lists are
read and credited."""
from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner
from test_web import WORKED_CASE, computed, get, page, summary_rows

from kpi_reports.cli import main
from kpi_reports.gsheets import client
from kpi_reports.messages import text

from conftest import SAMPLES
from support import sheets_fake
from support.web_server import running
from support.workbooks import spreadsheet_tabs

fake_sheets = sheets_fake.fixture()
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
PERIOD = "2026-10"
CASES = {  # sample, its language, its spreadsheet's locale, Revenue's title, the list tabs
    "en": ("crm_lists.xlsx", "en", "en_US", "Revenue", ("Deals", "Calls", "Activities")),
    "ru": ("crm_lists_ru.xlsx", "ru", "ru_RU", "Выручка", ("Сделки", "Звонки", "Активности")),
}


# --- the Google Sheets refresh ------------------------------------------------------------------------------


def uploaded_tabs(path, date_pattern: str | None = None) -> dict[str, list[list]]:
    """The workbook as a spreadsheet an upload of it to Google Sheets makes: each date cell shown in its own
    number format (the lists' `dd.mm.yyyy`, Facts' `yyyy-mm`), or, for the list tabs, in `date_pattern`."""
    tabs = spreadsheet_tabs(path)
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        for name, rows in tabs.items():
            in_a_list = name not in ("Employees", "KPIs", "Schemes", "Plans", "TeamPlans", "Facts", "Settings",
                                     "Сотрудники", "Показатели", "Схемы", "Планы", "ПланыКоманд", "Факты", "Настройки")
            for r, row in enumerate(book[name].iter_rows(min_row=1, min_col=1)):
                for c, cell in enumerate(row):
                    if getattr(cell, "is_date", False) and cell.value is not None:
                        pattern = date_pattern if date_pattern and in_a_list else cell.number_format
                        rows[r][c] = {"date": cell.value, "pattern": pattern}
    finally:
        book.close()
    return tabs


@pytest.fixture
def fake(fake_sheets, monkeypatch):
    """The fake at the address every call goes to; no credentials anywhere; retries wait no time."""
    monkeypatch.setenv(client.BASE_URL_VARIABLE, fake_sheets.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setattr(client, "_sleep", lambda seconds: None)
    return fake_sheets


def refresh(fake, case: str, date_pattern: str | None = None):
    """The sample of `case` loaded into the fake and `kpi-reports sheets KEY --period 2026-10` run on it."""
    sample, lang, locale, _, _ = CASES[case]
    fake.add_spreadsheet(KEY, uploaded_tabs(SAMPLES / sample, date_pattern), locale=locale)
    done = CliRunner().invoke(main, ["sheets", KEY, "--lang", lang, "--period", PERIOD])
    assert done.exit_code == 0, done.output
    return done


def ivanov_row(grid: list[list]) -> int:
    """The zero-based row of the payslip tab where Ivanov's (E001) block starts."""
    return next(r for r, row in enumerate(grid) if any(isinstance(v, str) and v.endswith("(E001)") for v in row))


@pytest.mark.parametrize("case", list(CASES))
def test_a_refresh_reads_the_list_tabs_in_its_one_batch_get_and_ivanov_totals_119_800(fake, soffice, tmp_path, case):
    _, lang, _, _, lists = CASES[case]
    done = refresh(fake, case)
    assert [c.endpoint for c in fake.calls] == ["spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate"]
    (read,) = fake.calls_to("values.batchGet")
    assert {f"'{tab}'" for tab in lists} <= set(read.query["ranges"]), read.query["ranges"]
    assert WORKED_CASE[lang] in done.output
    fake.to_xlsx(KEY, tmp_path / "state.xlsx")  # the fake does not calculate: LibreOffice does, as Sheets would
    book = openpyxl.load_workbook(soffice(tmp_path / "state.xlsx", "xlsx"), data_only=True)
    slip = book[text("sheet_payslips", lang, period=PERIOD)]
    grid = [list(row) for row in slip.iter_rows(min_row=1, min_col=1, values_only=True)]
    block = [v for row in grid[ivanov_row(grid):ivanov_row(grid) + 20] for v in row]
    assert 119800 in block and 58000 in block and 1800 in block  # total, bonus, commission, recalculated
    summary = book[text("sheet_summary", lang, period=PERIOD)]
    ivanov = next(row for row in summary.iter_rows(values_only=True) if "E001" in row)
    assert 119800 in ivanov


@pytest.mark.parametrize("case, date_pattern", [("en", None), ("ru", None), ("en", "M/d/yyyy")],
                         ids=["en-dates-as-uploaded", "ru-dates-as-uploaded", "en-dates-shown-M/d/yyyy"])
def test_the_payslip_tabs_revenue_fact_of_ivanov_is_a_live_formula_over_the_deals_tab(fake, soffice, tmp_path,
                                                                                      case, date_pattern):
    """As in the .xlsx: the Fact of a KPI the lists credited is the spreadsheet's own SUMIFS over the list, so
    a deal pasted into the Deals tab moves the pay — whatever format the tab's dates are shown in."""
    _, lang, _, revenue, lists = CASES[case]
    refresh(fake, case, date_pattern)
    tab = text("sheet_payslips", lang, period=PERIOD)
    grid = fake.values(KEY, tab)  # formulas as their text: what was written with USER_ENTERED
    start = ivanov_row(grid)
    header = next(r for r in range(start, len(grid)) if text("fact", lang) in grid[r])
    row = next(r for r in range(header, len(grid)) if grid[r] and grid[r][0] == revenue)
    fact = grid[row][grid[header].index(text("fact", lang))]
    assert isinstance(fact, str) and fact.startswith(("=SUMIFS(", "=SUMPRODUCT(")), fact
    assert f"'{lists[0]}'!" in fact, fact
    fake.to_xlsx(KEY, tmp_path / "state.xlsx")
    book = openpyxl.load_workbook(soffice(tmp_path / "state.xlsx", "xlsx"), data_only=True)
    recalculated = [list(r) for r in book[tab].iter_rows(min_row=1, min_col=1, values_only=True)]
    assert recalculated[row][grid[header].index(text("fact", lang))] == 3300000  # the deals of October, summed
    assert 119800 in [v for r in recalculated[start:start + 20] for v in r]


# --- the web page -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running(tmp_path_factory.mktemp("web")) as s:
        yield s


@pytest.mark.parametrize("case", list(CASES))
def test_the_web_page_computes_a_workbook_with_the_lists_and_ivanov_gets_119_800(site, case):
    sample, lang, _, _, _ = CASES[case]
    result = computed(site, SAMPLES / sample, lang=lang)  # the 303 to the result, not a page of errors
    r = get(result)
    assert r.status_code == 200
    p = page(r)
    for refusal in ("web_errors_title", "web_file_title", "web_usage_title"):
        assert text(refusal, lang, name=sample) not in p.text
    assert text("web_failed", lang) not in p.text and "Traceback" not in r.text
    assert text("web_result_title", lang, name=sample, period=PERIOD) in p.text
    _, people = summary_rows(p, lang)
    assert WORKED_CASE[lang] in people["E001"], people["E001"]
    same = summary_rows(page(get(computed(site, SAMPLES / sample.replace("crm_lists", "sales_team"), lang=lang))),
                        lang)[1]
    assert people == same  # everyone as for the workbook whose Facts hold what the lists credit
