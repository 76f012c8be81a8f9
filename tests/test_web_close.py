"""Closed months on the drop-in page (issue 18), against the real waitress server of `web_server.py`.

The result page says whether the month shown is closed, lists every month the workbook's ledger has closed
(when, by whom), shows a closed month's differences and an open month's corrections; its "Close" form closes
the month on the page's copy and answers with the workbook and its Ledger (one row per person, a workbook
`kpi_reports.check` finds nothing wrong with); the closed workbook uploaded again shows the month closed by
whoever closed it, and closing it again, or a month after an open one, is refused on a clear page. Then the
same in a real browser (Debian's Chromium through Selenium), when it is there.

Figures are the library's own (`kpi_reports.load`, `period_report`, `i18n.amount`); the messages are the
page's own (`kpi_reports.messages.text`).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from test_web import PERIOD, SAMPLE, XLSX, assert_clear_page, computed, filename, get, page, post, upload

import kpi_reports
from kpi_reports import i18n
from kpi_reports.messages import text

from support.web_server import Running, running

LEDGER = "Ledger"
CLOSER = "Anna Petrova"


# --- helpers --------------------------------------------------------------------------------------------


def close(result: str, by: str = CLOSER, **headers) -> object:
    """Press the result page's "Close" button: POST its form, as the page has it, with `by` typed in."""
    form = page(get(result)).tag("form", id="close")
    assert form is not None, "the result page has no close form"
    assert form["action"] == result.removeprefix(result.split("/r/")[0]) + "/close"
    return post(result + "/close", data={"by": by, "lang": "en"}, headers=headers)


def closed_file(site: Running, tmp_path: Path, by: str = CLOSER, name: str = "closed.xlsx") -> Path:
    """The sample with October closed on the page by `by`: the download, saved as `name`."""
    r = close(computed(site), by)
    assert r.status_code == 200, r.text[:2000]
    path = tmp_path / name
    path.write_bytes(r.content)
    return path


def ledger_rows(path: Path) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(wb[LEDGER].iter_rows(values_only=True))
    finally:
        wb.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def section_text(r, element: str = "section", **attrs) -> str:
    """The text of the page from the element with `attrs` on (its id, say): what the reader sees there."""
    body = r.text
    start = body.find(" ".join(f'{k}="{v}"' for k, v in attrs.items()))
    assert start >= 0, f"no {attrs} on the page"
    end = body.find(f"</{element}>", start)
    return page_text(body[start:end])


def page_text(html: str) -> str:
    from test_web import Page
    return " ".join(Page("<div " + html).text.split())


def edited(path: Path, out: Path, sheet: str, change) -> Path:
    """`path` with `change(worksheet)` made to one of its sheets, saved as `out` (by openpyxl, as a person
    editing it in a spreadsheet would)."""
    wb = openpyxl.load_workbook(path)
    change(wb[sheet])
    wb.save(out)
    return out


def october_revenue(ws, employee_id: str = "E001", value: int = 3_350_000) -> None:
    head = [c.value for c in next(ws.iter_rows(min_row=3, max_row=3))]
    for row in ws.iter_rows(min_row=4):
        if row[0].value == dt.datetime(2026, 10, 1) and row[1].value == employee_id:
            row[head.index("revenue")].value = value
            return
    raise AssertionError(f"no October Facts row of {employee_id}")


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Running]:
    with running(tmp_path_factory.mktemp("web-close")) as s:
        yield s


@pytest.fixture(scope="module")
def report():
    return kpi_reports.period_report(kpi_reports.load(SAMPLE), PERIOD)


# --- an open month --------------------------------------------------------------------------------------


def test_an_upload_shows_the_month_open_with_its_close_button_and_no_closed_months(site):
    r = get(computed(site))
    assert text("web_close_is_open", "en", period=PERIOD) in section_text(r, id="ledger")
    p = page(r)
    assert p.tag("input", name="by", type="text") is not None
    assert p.tag("table", id="closed-months") is None
    assert p.tag("p", id="month-closed") is None
    assert p.tag("p", id="corrections") is None, "the sample has no closed month to correct"


def test_closing_gives_the_workbook_back_with_a_ledger_row_per_person_that_check_passes(site, tmp_path, report):
    r = close(computed(site))
    assert r.status_code == 200, r.text[:2000]
    assert r.headers["Content-Type"] == XLSX
    assert filename(r) == SAMPLE.name
    path = tmp_path / "closed.xlsx"
    path.write_bytes(r.content)
    rows = ledger_rows(path)
    people = {e.employee.employee_id: e for e in report.result.employees}
    assert sorted(row["employee_id"] for row in rows) == sorted(people)
    for row in rows:
        assert row["period"] == PERIOD and row["closed_by"] == CLOSER
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["closed_at"])
        assert f"{row['total']:.2f}" == str(people[row["employee_id"]].total)
    assert kpi_reports.check(path).problems == []
    wb = openpyxl.load_workbook(path, read_only=True)
    sample = openpyxl.load_workbook(SAMPLE, read_only=True)
    assert wb.sheetnames[:len(sample.sheetnames)] == sample.sheetnames, "the input sheets are kept, first"
    assert text("sheet_payslips", "en", period=PERIOD) in wb.sheetnames
    wb.close()
    sample.close()


@pytest.mark.parametrize("typed, recorded", [("", "web"), ("   ", "web"), ("  Anna\x00\t Petrova \n", CLOSER),
                                             ("x" * 300, "x" * 100)])
def test_the_closer_is_what_was_typed_made_plain_else_web(site, tmp_path, typed, recorded):
    rows = ledger_rows(closed_file(site, tmp_path, typed))
    assert {row["closed_by"] for row in rows} == {recorded}


def test_the_page_looked_at_again_after_closing_shows_the_month_closed_and_refuses_a_second_close(site):
    result = computed(site)
    assert close(result).status_code == 200
    r = get(result)
    assert CLOSER in section_text(r, id="ledger")
    assert page(r).tag("form", id="close") is None
    again = post(result + "/close", data={"by": "Someone else", "lang": "en"})
    assert_clear_page(again, 422, text("web_close_refused", "en", name=SAMPLE.name))
    assert "Someone else" not in again.text


# --- a closed month -------------------------------------------------------------------------------------


def test_the_closed_workbook_uploaded_again_shows_the_month_closed_by_its_closer(site, tmp_path):
    path = closed_file(site, tmp_path)
    closed_at = ledger_rows(path)[0]["closed_at"]
    result = computed(site, path)
    r = get(result)
    assert text("web_close_is_closed", "en", period=PERIOD, closed_at=closed_at, by=CLOSER) in section_text(
        r, id="ledger")
    assert text("web_close_same", "en", period=PERIOD) in section_text(r, id="ledger")
    p = page(r)
    assert p.tag("form", id="close") is None
    table = [row for row in p.rows if row and row[0] == PERIOD]
    assert table == [[PERIOD, closed_at, CLOSER]], p.rows[:5]
    assert not any(href.endswith("/workbook") for href, _ in p.links), "a closed month is never written again"
    refused = get(result + "/workbook")
    assert_clear_page(refused, 409, text("closed_kept", "en", period=PERIOD, closed_at=closed_at, by=CLOSER))
    assert get(result + "/json").status_code == 200, "its figures are still there to download"


def test_another_month_of_the_closed_workbook_lists_the_closed_one_and_can_be_closed(site, tmp_path):
    path = closed_file(site, tmp_path)
    result = computed(site, path, period="2026-11")
    r = get(result)
    assert text("web_close_is_open", "en", period="2026-11") in section_text(r, id="ledger")
    assert [row[:1] + row[2:] for row in page(r).rows if row and row[0] == PERIOD] == [[PERIOD, CLOSER]]
    done = close(result, "Boris")
    assert done.status_code == 200, done.text[:2000]
    out = tmp_path / "november.xlsx"
    out.write_bytes(done.content)
    assert {(row["period"], row["closed_by"]) for row in ledger_rows(out)} == {(PERIOD, CLOSER), ("2026-11", "Boris")}
    assert kpi_reports.check(out).problems == []


def test_closing_a_closed_month_again_is_refused_with_a_clear_message(site, tmp_path):
    path = closed_file(site, tmp_path)
    closed_at = ledger_rows(path)[0]["closed_at"]
    result = computed(site, path)
    r = post(result + "/close", data={"by": "Boris", "lang": "en"})
    p = assert_clear_page(r, 422, text("close_already", "en", period=PERIOD, closed_at=closed_at, by=CLOSER))
    assert text("web_close_refused", "en", name=path.name) in p.text
    assert p.tag("a", href=result.removeprefix(result.split("/r/")[0])) is not None, "a way back to the result"


def test_closing_a_month_after_an_open_one_is_refused_naming_the_open_one(site, tmp_path):
    path = closed_file(site, tmp_path)
    result = computed(site, path, period="2026-12")
    r = close(result)
    assert_clear_page(r, 422, text("close_in_order", "en", period="2026-12", first="2026-11", last=PERIOD))


def test_a_ledger_edited_by_hand_is_refused_naming_its_cell(site, tmp_path):
    path = closed_file(site, tmp_path)
    tampered = edited(path, tmp_path / "tampered.xlsx", LEDGER, lambda ws: ws.__setitem__("K2", 999999))
    r = upload(site, tampered, period=PERIOD, follow=False)
    p = assert_clear_page(r, 422, text("web_errors_title", "en", name=tampered.name))
    assert any("Ledger!A2:S2" in cell for row in p.rows for cell in row), p.rows


def test_a_closed_month_that_computes_differently_shows_who_and_which_cell(site, tmp_path):
    path = closed_file(site, tmp_path)
    changed = edited(path, tmp_path / "changed.xlsx", "Facts", october_revenue)
    closed = kpi_reports.run(changed, kpi_reports.Options(period=PERIOD)).closed
    assert {d.employee_id for d in closed.differences} >= {"E001"}
    r = get(computed(site, changed))
    differences = section_text(r, "div", id="differences")
    assert text("web_close_changed", "en", period=PERIOD, count=len(closed.differences)) in differences
    assert "E001 Ivan Ivanov: 119,800.00 →" in differences
    assert "Facts!G28" in differences and "3,300,000" in differences and "3,350,000" in differences


def test_the_next_open_month_says_it_carries_a_correction(site, tmp_path):
    path = closed_file(site, tmp_path)
    changed = edited(path, tmp_path / "changed.xlsx", "Facts", october_revenue)
    november = kpi_reports.period_report(kpi_reports.load(changed), "2026-11")
    amount = i18n.amount(november.result.totals.corrections, "en")
    people = sum(1 for e in november.result.employees if e.corrections)
    assert people and november.result.totals.corrections != 0
    r = get(computed(site, changed, period="2026-11"))
    assert text("web_close_corrections", "en", period="2026-11", people=people, amount=amount) in section_text(
        r, id="ledger")


# --- what the close route takes -------------------------------------------------------------------------


def test_a_close_a_browser_marks_as_from_another_site_is_refused_and_nothing_is_closed(site):
    result = computed(site)
    r = close(result, **{"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert page(get(result)).tag("form", id="close") is not None, "the month is still open"


def test_closing_an_unknown_result_gets_a_clear_page(site):
    r = post(site.url + "r/" + "A" * 24 + "/close", data={"by": CLOSER, "lang": "en"})
    assert_clear_page(r, 410, text("web_expired", "en", minutes=30))


def test_a_test_mode_result_has_no_close_button(site):
    r = get(computed(site, test_mode="on"))
    assert page(r).tag("form", id="close") is None
    assert text("web_close_test_mode", "en") in section_text(r, id="ledger")


def test_the_private_folder_is_left_empty_after_closing(site):
    assert close(computed(site)).status_code == 200
    assert sorted(site.folder.rglob("*")) == []


# --- in a real browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory, site):
    """Headless Chromium, as test_web_browser.py starts it; it asks for the server so that it quits before the
    server stops."""
    from test_web_browser import chrome

    with chrome(tmp_path_factory) as driver:
        yield driver


def test_in_a_browser_the_close_button_downloads_the_closed_workbook_and_the_page_then_shows_it_closed(
        browser, site, tmp_path, report):
    from selenium.webdriver.common.by import By
    from test_web_browser import downloaded
    from test_web_browser import upload as choose

    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    choose(browser, site, SAMPLE)
    assert "/r/" in browser.current_url
    ledger = browser.find_element(By.ID, "ledger")
    assert text("web_close_is_open", "en", period=PERIOD) in ledger.text
    form = ledger.find_element(By.ID, "close")
    form.find_element(By.NAME, "by").send_keys(CLOSER)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    path = downloaded(folder, SAMPLE.name)
    rows = ledger_rows(path)
    assert {row["closed_by"] for row in rows} == {CLOSER}
    assert len(rows) == len(report.result.employees)
    assert kpi_reports.check(path).problems == []
    browser.refresh()
    ledger = browser.find_element(By.ID, "ledger")
    assert CLOSER in ledger.find_element(By.ID, "month-closed").text
    assert browser.find_elements(By.ID, "close") == []

