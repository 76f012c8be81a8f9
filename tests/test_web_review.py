"""The quarterly review on the drop-in page, in a real browser (headless Chromium through Selenium, against
the real server, as `test_web_browser.py` drives them): asked for on the upload form as a person asks for
it, in English and in Russian.

At a laptop's 1,440 px the page never scrolls sideways: the review's table fits, or scrolls inside its own
box with its first column (the KPI, the person) staying in place — and in a window narrower than the
table it does scroll so. The page shows the review's figures without the sheet's line about typing
weights in the yellow cells: the page has no cells to type in (`Sheet.for_spreadsheets`); the layout
the workbook and Google Sheets draw keeps it. Every figure is the library's own (`kpi_reports.review`,
`i18n`), never typed in.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from test_web_browser import HEIGHT, WIDTH, chrome, page_text, submit, viewport

import kpi_reports
from kpi_reports import i18n
from kpi_reports.engine.review import QuarterReview
from kpi_reports.layout.review import review_sheet
from kpi_reports.messages import text
from kpi_reports.render import html_sheet

from conftest import SAMPLES
from support.web_server import Running, running

QUARTER = "2026-Q4"
SAMPLE = {"en": SAMPLES / "sales_team.xlsx", "ru": SAMPLES / "sales_team_ru.xlsx"}
NARROW = 1024
"""A window narrower than the review's table (a tablet's, half a wide screen): the table scrolls in its box."""


@pytest.fixture(scope="module")
def browser(tmp_path_factory, server) -> Iterator[WebDriver]:
    """Headless Chromium at 1440×900; it asks for the server so that it quits before the server closes."""
    with chrome(tmp_path_factory) as driver:
        yield driver


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Running]:
    with running(tmp_path_factory.mktemp("web-review")) as done:
        yield done


def review_of(path: Path) -> QuarterReview:
    return kpi_reports.review(kpi_reports.load(path, periods=kpi_reports.review_months(QUARTER)), QUARTER)


def ask_for_the_review(driver: WebDriver, server: Running, path: Path, lang: str) -> None:
    """The form as a person fills it: the workbook chosen, the language, the quarter typed in; then sent."""
    driver.get(server.url + f"?lang={lang}")
    form = driver.find_element(By.CSS_SELECTOR, "form.upload")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    Select(form.find_element(By.NAME, "lang")).select_by_value(lang)
    form.find_element(By.NAME, "quarter").send_keys(QUARTER)
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "/r/" in driver.current_url, f"the upload did not lead to a result page: {page_text(driver)}"


@pytest.fixture(scope="module", params=["en", "ru"])
def shown(request, browser, server) -> tuple[str, QuarterReview, str]:
    """(language, the library's review, the result page's address): the sample in that language, reviewed."""
    lang = request.param
    viewport(browser, WIDTH, HEIGHT)
    ask_for_the_review(browser, server, SAMPLE[lang], lang)
    return lang, review_of(SAMPLE[lang]), browser.current_url


def open_review(driver: WebDriver, address: str, width: int, height: int = HEIGHT) -> dict:
    """The page at `address` in a window of `width` × `height`, scrolled to the review; what its boxes measure."""
    viewport(driver, width, height)
    driver.get(address)
    assert driver.execute_script("return [innerWidth, innerHeight]") == [width, height]
    driver.execute_script("document.getElementById('review').scrollIntoView()")
    return measure(driver)


def measure(driver: WebDriver) -> dict:
    return driver.execute_script("""
        const root = document.documentElement, wrap = document.querySelector('#review .sheet-wrap');
        const box = wrap.getBoundingClientRect(), table = wrap.querySelector('table.sheet');
        return {page: root.scrollWidth, inner: innerWidth, scroll: wrap.scrollWidth, client: wrap.clientWidth,
                scrolled: wrap.scrollLeft, overflow: getComputedStyle(wrap).overflowX,
                box: [box.left, box.right], table: table.getBoundingClientRect().right};""")


def first_column(driver: WebDriver, title: str, note: str) -> dict:
    """Where the review's first column cell that reads `title` is, and which element the middle of that cell
    shows (a cell scrolled under it must not); and where the text of the line across the table that reads
    `note` is."""
    return driver.execute_script("""
        const [title, line] = arguments, wrap = document.querySelector('#review .sheet-wrap');
        const cell = [...wrap.querySelectorAll('tr > td:first-child')].find(td => td.textContent.startsWith(title));
        const r = cell.getBoundingClientRect();
        const note = [...wrap.querySelectorAll('td[colspan] .across')].find(e => e.textContent === line);
        const n = note.getBoundingClientRect(), on_top = document.elementFromPoint(r.left + 3, (r.top + r.bottom) / 2);
        return {left: r.left, right: r.right, span: cell.colSpan, on_top: cell.contains(on_top),
                background: getComputedStyle(cell).backgroundColor, note: [n.left, n.right]};""", title, note)


def misaligned_numbers(driver: WebDriver) -> list:
    """The review's numbers across several columns that do not end at their cell's right edge (its padding)."""
    return driver.execute_script("""
        return [...document.querySelectorAll('#review td.num[colspan]')].filter(td => td.textContent).map(td => {
            const range = document.createRange();
            range.selectNodeContents(td);
            return [td.textContent, td.getBoundingClientRect().right - range.getBoundingClientRect().right];
        }).filter(([, gap]) => gap > 10);""")


def covered_first_column(driver: WebDriver) -> list[str]:
    """The review's first column cells wholly in view (in the window and in the box's visible part) that
    something else is drawn over: at either end, on its first line and halfway down."""
    return driver.execute_script("""
        const wrap = document.querySelector('#review .sheet-wrap'), box = wrap.getBoundingClientRect();
        const top = Math.max(0, box.top), bottom = Math.min(innerHeight, box.top + wrap.clientTop + wrap.clientHeight);
        return [...wrap.querySelectorAll('tr > td:first-child:not([colspan])')].filter(td => {
            const r = td.getBoundingClientRect();
            if (!td.textContent || r.top < top || r.bottom > bottom) return false;
            const points = [r.left + 3, r.right - 3].flatMap(x => [r.top + 8, (r.top + r.bottom) / 2].map(y => [x, y]));
            return !points.every(([x, y]) => td.contains(document.elementFromPoint(x, y)));
        }).map(td => td.textContent);""")


def scroll_right(driver: WebDriver) -> None:
    driver.execute_script("document.querySelector('#review .sheet-wrap').scrollLeft = 1e6")


# --- the layout: one for every renderer, the page leaving out the line it has no cells for -------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_pages_grid_leaves_out_the_yellow_cells_line_the_spreadsheets_keep(lang):
    review = review_of(SAMPLE[lang])
    sheet = review_sheet(review, lang)
    how = text("review_how", lang)
    assert how in {c.value for c in sheet.cells}, "the layout the xlsx and Google Sheets draw keeps the line"
    grid = html_sheet.grid(sheet, lang)
    texts = [c.text for row in (*grid.head, *grid.body) for c in row if c is not None]
    assert how not in texts
    assert text("review_rule", lang) in texts, "the other lines about the review stay"
    assert i18n.amount(review.fund.current, lang) in texts


# --- the page ------------------------------------------------------------------------------------------


def test_at_1440_px_the_page_does_not_scroll_sideways_and_the_first_column_stays(browser, shown):
    lang, review, address = shown
    page = open_review(browser, address, WIDTH)
    browser.save_screenshot(f"/tmp/web_review_{lang}.png")
    assert page["page"] <= page["inner"], f"the page scrolls sideways at {WIDTH}px: {page}"
    assert page["box"][1] <= page["inner"], f"the review's box runs past the window: {page}"
    assert not misaligned_numbers(browser), "numbers across columns stand right, as in the sheet"
    title, note = review.schemes[0].kpis[0].title, text("review_rule", lang)
    before = first_column(browser, title, note)
    assert before["span"] == 1
    if page["scroll"] > page["client"]:  # the table is wider than its box: the box scrolls, not the page
        assert page["overflow"] in ("auto", "scroll"), page
        scroll_right(browser)
        after = first_column(browser, title, note)
        assert measure(browser)["scrolled"] > 0
        assert after["left"] == pytest.approx(before["left"], abs=2), "the first column scrolled away"
        assert after["on_top"], "a cell scrolled under the first column shows through it"
        assert not covered_first_column(browser), "a text is drawn over the first column"
        assert measure(browser)["page"] <= page["inner"]
    else:
        assert page["table"] <= page["box"][1] + 0.5, f"the table is cut off at its box's edge: {page}"


def test_in_a_narrower_window_the_review_scrolls_in_its_box_with_its_first_column_in_place(browser, shown):
    lang, review, address = shown
    try:
        page = open_review(browser, address, NARROW)
        assert page["page"] <= page["inner"], f"the page scrolls sideways at {NARROW}px: {page}"
        assert page["scroll"] > page["client"], f"the review fits {NARROW}px: this test shows nothing ({page})"
        assert page["overflow"] in ("auto", "scroll")
        title, note = review.schemes[0].kpis[0].title, text("review_rule", lang)
        before = first_column(browser, title, note)
        scroll_right(browser)
        browser.save_screenshot(f"/tmp/web_review_{lang}_{NARROW}.png")
        after, now = first_column(browser, title, note), measure(browser)
        assert now["scrolled"] > 0 and now["page"] <= now["inner"]
        assert not covered_first_column(browser), "a text is drawn over the first column"
        assert after["left"] == pytest.approx(before["left"], abs=2), "the first column scrolled away"
        assert after["on_top"], "a cell scrolled under the first column shows through it"
        assert after["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), "the first column has no background"
        left, right = now["box"]
        for edge in (*before["note"], *after["note"]):  # the note across the table reads whole, scrolled or not
            assert left <= edge <= right, f"the note runs out of its box ({left}–{right}): {before}, {after}"
    finally:
        viewport(browser, WIDTH, HEIGHT)


def test_the_page_shows_the_reviews_figures_but_not_the_line_about_typing_in_yellow_cells(browser, shown):
    lang, review, address = shown
    viewport(browser, WIDTH, HEIGHT)
    browser.get(address)
    shown_text = browser.find_element(By.ID, "review").get_property("textContent")
    assert text("review_how", lang) not in shown_text
    assert text("review_rule", lang) in shown_text
    assert i18n.amount(review.fund.current, lang) in shown_text
    assert i18n.amount(review.fund.suggested, lang) in shown_text
    for p in review.people:
        assert f"{p.name} ({p.employee_id})" in shown_text
        assert i18n.amount(p.fund.current, lang) in shown_text
    assert text("review_how", lang) not in browser.find_element(By.TAG_NAME, "body").get_property("textContent")

