"""The drop-in page (`kpi-reports serve`) in a real browser: headless Chromium driven by Selenium, against
the real server (waitress on 127.0.0.1, `web_server.running`).

What a person does with the page, end to end: choose the workbook (a plain form), see the summary with its
traffic-light colours, open a payslip in the frame, download the workbook and the PDF, see a broken
workbook's cells listed, switch the language, tick test mode, drop a file on the page (the script's
progressive enhancement) and be told at once when it is too large; and the result page fits a laptop's
screen. Every figure is compared with the library's own result for the same file (`kpi_reports.load`,
`period_report`, `i18n`), never typed in — except Ivanov's 119,800.00, the method's worked case.

One browser and one server for the module. Chromium and chromedriver are Debian's (`chromium`,
`chromium-driver`): nothing is downloaded, Selenium Manager is never asked (the driver's path is given and
SE_OFFLINE is set). Without them the tests fail when CI is set (CI installs them) and are skipped otherwise.
"""
from __future__ import annotations

import base64
import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import kpi_reports
from kpi_reports import i18n
from kpi_reports.engine.report import PeriodReport
from kpi_reports.layout.model import STYLES
from kpi_reports.layout.payslip_view import money_text
from kpi_reports.messages import text

from conftest import SAMPLES, put
from support.web_server import Running, running

PERIOD = "2026-10"
SAMPLE = SAMPLES / "sales_team.xlsx"
WORKED_CASE = ("E001", Decimal("119800.00"))
"""Ivan Ivanov's total in October: the method's worked example (docs/method.md)."""
WIDTH, HEIGHT = 1440, 900
"""A laptop's screen: the viewport every test sees."""
WAIT = 30
"""Seconds a page, a frame or a download may take."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--lang=en-US")
"""Without the background-networking ones Chromium's own connections are refused by a closed network."""


# --- the browser, the server, the library's answer ------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory, server, small_server) -> Iterator[WebDriver]:
    """Headless Chromium at 1440×900. It asks for the servers so that it quits before they close: a server
    stops at once only when no browser holds a connection to it open."""
    with chrome(tmp_path_factory) as driver:
        yield driver


@contextlib.contextmanager
def chrome(tmp_path_factory) -> Iterator[WebDriver]:
    """Debian's headless Chromium through its ChromeDriver (nothing downloaded), downloading into a folder of
    its own; a missing browser fails the test on CI and skips it elsewhere."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        missing = " and ".join(name for name, found in (("chromium", chromium), ("chromedriver", chromedriver))
                               if not found)
        reason = f"{missing} not found on PATH: apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests need a browser: {reason}")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                 f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path_factory.mktemp("dl")),
                                              "download.prompt_for_download": False})
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SE_OFFLINE", "true")  # Selenium Manager, were it ever asked, stays off the network
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        viewport(driver, WIDTH, HEIGHT)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Running]:
    with running(tmp_path_factory.mktemp("web")) as done:
        yield done


@pytest.fixture(scope="module")
def small_server(tmp_path_factory) -> Iterator[Running]:
    """A page whose upload limit is 1 MB, for the too-large checks."""
    with running(tmp_path_factory.mktemp("web-small"), max_upload_mb=1) as done:
        yield done


@pytest.fixture(scope="module")
def report() -> PeriodReport:
    return kpi_reports.period_report(kpi_reports.load(SAMPLE), PERIOD)


@pytest.fixture(scope="module")
def result(browser, server) -> str:
    """The result page's address for the sample, October, English: uploaded by choosing the file on the
    form's file input, which needs none of the page's script."""
    upload(browser, server, SAMPLE)
    assert "/r/" in browser.current_url, f"the upload did not lead to a result page: {page_text(browser)}"
    return browser.current_url


@pytest.fixture
def downloads(browser, tmp_path) -> Path:
    """A fresh folder the browser saves this test's downloads in."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    return folder


# --- helpers --------------------------------------------------------------------------------------


def viewport(driver: WebDriver, width: int, height: int) -> None:
    """Size the window so that the page itself (the viewport) is `width` × `height`."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])


def loaded(driver: WebDriver, before) -> None:
    """Wait until the page `before` (its <html>) is replaced and the new one, frames too, has loaded."""
    WebDriverWait(driver, WAIT).until(EC.staleness_of(before))
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit(driver: WebDriver, button) -> None:
    before = driver.find_element(By.TAG_NAME, "html")
    button.click()
    loaded(driver, before)


def fill_form(driver: WebDriver, period: str | None = PERIOD, lang: str = "en", test_mode: bool = False) -> None:
    """The upload form's options; the month is an <input type=month>, set as its value."""
    form = driver.find_element(By.CSS_SELECTOR, "form.upload")
    if period:
        driver.execute_script("const i = arguments[0]; i.value = arguments[1];"
                              "i.dispatchEvent(new Event('input', {bubbles: true}));"
                              "i.dispatchEvent(new Event('change', {bubbles: true}));",
                              form.find_element(By.NAME, "period"), period)
        assert form.find_element(By.NAME, "period").get_property("value") == period
    Select(form.find_element(By.NAME, "lang")).select_by_value(lang)
    box = form.find_element(By.NAME, "test_mode")
    if box.is_selected() != test_mode:
        box.click()


def upload(driver: WebDriver, server: Running, path: Path, lang: str = "en", test_mode: bool = False) -> None:
    """Open the form, choose `path` on its file input, submit; the browser is left on the answer."""
    driver.get(server.url + f"?lang={lang}")
    driver.find_element(By.CSS_SELECTOR, "form.upload input[type=file]").send_keys(str(path))
    fill_form(driver, lang=lang, test_mode=test_mode)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]"))


def page_text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text[:2000]


def content(element) -> str:
    """The element's text exactly as the page holds it (Selenium's `.text` turns no-break spaces into spaces)."""
    return element.get_property("textContent")


def summary(driver: WebDriver) -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    """The summary table: its header's texts, and each person's row (by ID) as (text, computed background)."""
    head, rows = driver.execute_script("""
        const table = document.querySelector('#summary table.sheet');
        const cells = tr => [...tr.cells].map(c => [c.textContent, getComputedStyle(c).backgroundColor]);
        return [[...table.querySelectorAll('thead tr:last-child th')].map(th => th.textContent),
                [...table.querySelectorAll('tbody tr')].map(cells)];""")
    return head, {row[0][0]: [tuple(cell) for cell in row] for row in rows if row}


def rgb(colour: str) -> str:
    """#F8CBAD → rgb(248, 203, 173), as getComputedStyle gives a colour."""
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


LIGHTS = {name: rgb(STYLES[name]["bg_color"]) for name in ("red", "amber", "green")}


def light(k) -> str:
    """The colour a completion should show (docs/method.md): red below the cut-off, amber below 100%, green."""
    return "red" if k.completion < k.cutoff else "amber" if k.completion < 1 else "green"


def person(report: PeriodReport, employee_id: str):
    return next(r for r in report.result.employees if r.employee.employee_id == employee_id)


def downloaded(folder: Path, name: str) -> Path:
    """The file `name` once the browser has finished saving it (no .crdownload left)."""
    path = folder / name
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if path.is_file() and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded: the folder holds {sorted(p.name for p in folder.iterdir())}")


def drop(driver: WebDriver, name: str, data: bytes | None = None, size: int = 0) -> bool:
    """Drop a file on the drop zone as a browser does: a File in a DataTransfer, dragenter, dragover, drop.
    `data`: its bytes; else `size` zero bytes. Returns whether the page took the drop (prevented the default,
    so the browser does not open the file instead of the page)."""
    return driver.execute_script("""
        const [encoded, name, size, type] = arguments;
        const bytes = encoded === null ? new Uint8Array(size) : Uint8Array.from(atob(encoded), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type}));
        const zone = document.querySelector('.drop');
        const event = kind => new DragEvent(kind, {bubbles: true, cancelable: true, dataTransfer: transfer});
        zone.dispatchEvent(event('dragenter'));
        zone.dispatchEvent(event('dragover'));
        return !zone.dispatchEvent(event('drop'));""",
        None if data is None else base64.b64encode(data).decode("ascii"), name, size, XLSX)


def chosen(driver: WebDriver) -> dict:
    return driver.execute_script("""
        const zone = document.querySelector('.drop'), input = zone.querySelector('input[type=file]');
        const shown = zone.querySelector('.chosen');
        return {files: [...input.files].map(f => [f.name, f.size]), shown: shown.textContent,
                bad: shown.classList.contains('bad'), over: zone.classList.contains('over'),
                limit: Number(zone.dataset.limit)};""")


# --- the tests ------------------------------------------------------------------------------------


def test_choosing_the_file_shows_the_summary_with_every_person_the_worked_total_and_traffic_lights(
        browser, result, report):
    browser.get(result)
    assert browser.find_element(By.TAG_NAME, "h1").text == text("web_result_title", "en", name=SAMPLE.name,
                                                                 period=PERIOD)
    assert browser.find_element(By.CSS_SELECTOR, "#summary h2").text == text("sheet_summary", "en", period=PERIOD)
    head, rows = summary(browser)
    people = report.result.employees
    assert {r.employee.employee_id for r in people} <= rows.keys()
    name_col, total_col = head.index(text("employee", "en")), head.index(text("total", "en"))
    for r in people:
        row = rows[r.employee.employee_id]
        assert row[name_col][0] == r.employee.name
        assert row[total_col][0] == i18n.amount(r.total, "en")
    worked_id, worked_total = WORKED_CASE
    assert person(report, worked_id).total == worked_total
    assert rows[worked_id][total_col][0] == "119,800.00"
    assert content(browser.find_element(By.CSS_SELECTOR, ".totals")) == text(
        "web_people", "en", people=len(people), total=i18n.amount(report.result.totals.total, "en"))

    # the traffic lights are painted, in the layout's own colours, as each cell's class says
    painted = browser.execute_script("""
        return Object.fromEntries(['red', 'amber', 'green'].map(name => [name,
            [...document.querySelectorAll('#summary td.s-' + name)].map(c => getComputedStyle(c).backgroundColor)]));""")
    for name, colour in LIGHTS.items():
        assert painted[name], f"no {name} cell in the summary"
        assert set(painted[name]) == {colour}, f"{name} cells are painted {set(painted[name])}, not {colour}"
    for k in person(report, worked_id).kpis:  # Ivanov: green above 100%, amber below
        assert rows[worked_id][head.index(k.title)] == (i18n.percent(k.completion, "en"), LIGHTS[light(k)])

    spot_col = head.index(text("main_weak_spot", "en"))
    for r in people:
        spot = rows[r.employee.employee_id][spot_col][0]
        assert any(spot.startswith(k.title) for k in r.kpis), f"{r.employee.employee_id}'s weak spot: {spot!r}"


def test_each_completion_is_coloured_against_that_persons_own_cut_off(browser, result, report):
    """Red means below the cut-off (docs/method.md), and the cut-off is the person's scheme's."""
    browser.get(result)
    head, rows = summary(browser)
    wrong = []
    for r in report.result.employees:
        for k in r.kpis:
            if k.completion is None:
                continue
            shown, background = rows[r.employee.employee_id][head.index(k.title)]
            assert shown == i18n.percent(k.completion, "en")
            if background != LIGHTS[light(k)]:
                painted = next((name for name, colour in LIGHTS.items() if colour == background), background)
                wrong.append(f"{r.employee.employee_id} {k.title} {shown} (cut-off {i18n.percent(k.cutoff, 'en')}, "
                             f"paid {k.rule}): {painted}, not {light(k)}")
    assert not wrong, "\n".join(wrong)


def test_clicking_a_name_in_the_summary_opens_that_payslip_in_the_frame(browser, result, report):
    browser.get(result)
    first = browser.find_element(By.CSS_SELECTOR, "iframe[name=payslip]").get_property("src")
    shown = person(report, report.result.employees[-1].employee.employee_id)  # not the frame's first payslip
    e = shown.employee
    link = browser.find_element(By.XPATH, f"//section[@id='summary']//td/a[normalize-space(.)='{e.name}']")
    assert link.get_attribute("target") == "payslip"
    link.click()
    WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script("return document.querySelector('iframe[name=payslip]').contentWindow.location.href")
        != first)
    browser.switch_to.frame("payslip")
    try:
        WebDriverWait(browser, WAIT).until(lambda d: e.name in d.find_element(By.TAG_NAME, "body").text)
        slip = browser.find_element(By.CSS_SELECTOR, ".slip")
        assert f"{e.name} ({e.employee_id})" in slip.text
        assert content(slip.find_element(By.CSS_SELECTOR, "table.pay tr.total td:last-child")) == money_text(
            shown.total, "en", report.result.currency)
        assert len(browser.find_elements(By.CSS_SELECTOR, ".slip")) == 1
    finally:
        browser.switch_to.default_content()


def test_the_workbook_link_downloads_the_upload_with_the_generated_sheets(browser, result, report, downloads):
    browser.get(result)
    browser.find_element(By.CSS_SELECTOR, "#downloads a[href$='/workbook']").click()
    path = downloaded(downloads, SAMPLE.name)
    wb = openpyxl.load_workbook(path, data_only=True)
    sample = openpyxl.load_workbook(SAMPLE, read_only=True)
    original = sample.sheetnames
    sample.close()
    assert wb.sheetnames[:len(original)] == original, "the input sheets are kept, first, in their order"
    assert text("sheet_payslips", "en", period=PERIOD) in wb.sheetnames
    rows = list(wb[text("sheet_summary", "en", period=PERIOD)].iter_rows(values_only=True))
    head = next(row for row in rows if row[0] == "ID")
    total_col = head.index(text("total", "en"))
    totals = {row[0]: row[total_col] for row in rows if row[0] and row[total_col] is not None}
    for r in report.result.employees:
        assert Decimal(str(totals[r.employee.employee_id])) == r.total
    worked_id, worked_total = WORKED_CASE
    assert totals[worked_id] == worked_total == 119800


def test_the_pdf_link_downloads_one_page_per_person(browser, result, report, downloads):
    browser.get(result)
    browser.find_element(By.CSS_SELECTOR, "#downloads a[href$='/pdf']").click()
    path = downloaded(downloads, f"payslips-{PERIOD}.pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
    assert len(pypdf.PdfReader(path).pages) == len(report.result.employees)


def test_a_broken_workbook_lists_each_bad_cell_by_sheet_and_address_and_computes_nothing(
        browser, server, example, write):
    bad = {("Facts", put(example, "Facts", "meetings", "twenty", period=PERIOD, employee_id="E002")),
           ("Employees", put(example, "Employees", "salary", -60000, employee_id="E003"))}
    path = write(example)
    upload(browser, server, path)
    assert browser.find_element(By.CSS_SELECTOR, "#problems h1").text == text("web_errors_title", "en",
                                                                              name=path.name)
    listed = browser.execute_script("""
        return [...document.querySelectorAll('#problems table.sheet tbody tr')].map(
            tr => [...tr.cells].map(c => c.textContent));""")
    head = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#problems thead th")]
    sheet_col, cell_col = head.index(text("sheet", "en").capitalize()), head.index(text("cell", "en").capitalize())
    assert {(row[sheet_col], row[cell_col]) for row in listed} == bad
    for section in ("summary", "downloads", "payslips"):
        assert not browser.find_elements(By.ID, section), f"a broken workbook's page shows #{section}"
    assert not browser.find_elements(By.CSS_SELECTOR, "a[href*='/r/']"), "a broken workbook's page links a result"
    assert browser.find_element(By.CSS_SELECTOR, "form.upload input[type=file]"), "the form is there to try again"


def test_the_language_buttons_show_the_result_in_russian(browser, server, report):
    upload(browser, server, SAMPLE)
    english = browser.current_url
    submit(browser, browser.find_element(By.CSS_SELECTOR, "header form.langs button[name=lang][value=ru]"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    assert browser.current_url != english
    assert browser.find_element(By.CSS_SELECTOR, "header .brand").text == text("web_title", "ru")
    assert browser.find_element(By.CSS_SELECTOR, "#downloads h2").text == text("web_downloads", "ru")
    assert browser.find_element(By.CSS_SELECTOR, "#summary h2").text == text("sheet_summary", "ru", period=PERIOD)
    assert browser.find_element(By.CSS_SELECTOR, "#payslips h2").text == text("web_payslips", "ru")
    assert browser.find_elements(By.CSS_SELECTOR, "header form.langs button[name=lang][value=en]")
    head, rows = summary(browser)
    total_col = head.index(text("total", "ru"))
    worked_id, _ = WORKED_CASE
    assert rows[worked_id][total_col][0] == i18n.amount(person(report, worked_id).total, "ru") == "119\u00a0800,00"
    assert content(browser.find_element(By.CSS_SELECTOR, ".totals")) == text(
        "web_people", "ru", people=len(report.result.employees), total=i18n.amount(report.result.totals.total, "ru"))


def test_test_mode_shows_the_banner_on_the_page_and_in_the_payslip(browser, server):
    upload(browser, server, SAMPLE, test_mode=True)
    banner = browser.find_element(By.ID, "test-mode")
    assert banner.is_displayed()
    assert banner.text == text("test_banner", "en")
    assert banner.value_of_css_property("color") in ("rgb(176, 0, 32)", "rgba(176, 0, 32, 1)")  # --red
    browser.switch_to.frame("payslip")
    try:
        inside = WebDriverWait(browser, WAIT).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".slip .banner")))
        assert inside.text == text("test_banner", "en")
    finally:
        browser.switch_to.default_content()


def test_a_dropped_workbook_is_chosen_named_and_computed(browser, server, report):
    browser.get(server.url + "?lang=en")
    data = SAMPLE.read_bytes()
    assert drop(browser, SAMPLE.name, data), "the page let the browser handle the drop (open the file)"
    state = chosen(browser)
    assert state["files"] == [[SAMPLE.name, len(data)]]
    assert state["shown"] == SAMPLE.name and not state["bad"] and not state["over"]
    fill_form(browser)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]"))
    assert "/r/" in browser.current_url, page_text(browser)
    head, rows = summary(browser)
    worked_id, worked_total = WORKED_CASE
    assert rows[worked_id][head.index(text("total", "en"))][0] == i18n.amount(worked_total, "en")
    assert {r.employee.employee_id for r in report.result.employees} <= rows.keys()


def test_a_dropped_file_over_the_limit_is_refused_at_once(browser, small_server):
    browser.get(small_server.url + "?lang=en")
    limit = chosen(browser)["limit"]
    assert limit == 1024 * 1024
    assert drop(browser, "big.xlsx", size=limit + 1)
    state = chosen(browser)
    assert state["files"] == [], "the file over the limit stays chosen"
    assert state["shown"] == "big.xlsx: " + text("web_too_large", "en", limit=1)
    assert state["bad"]
    # with no file chosen the form is not sent: the browser stops it (the input is required)
    browser.execute_script("window.sent = false;"
                           "document.querySelector('form.upload').addEventListener('submit', () => window.sent = true)")
    browser.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    assert browser.execute_script("return window.sent") is False
    assert browser.find_element(By.CSS_SELECTOR, ".drop .chosen").text == state["shown"]


def test_a_file_at_the_limit_passes_the_page_and_is_not_called_too_large_by_the_server(browser, small_server):
    """The page lets through a file of up to `data-limit` bytes; the server must not then refuse it as larger
    than the limit (the rest of the form is not the file)."""
    browser.get(small_server.url + "?lang=en")
    limit = chosen(browser)["limit"]
    assert drop(browser, "edge.xlsx", size=limit)
    assert chosen(browser)["files"] == [["edge.xlsx", limit]]
    fill_form(browser, period=None)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]"))
    title = text("web_file_title", "en", name="edge.xlsx")
    shown = "const p = document.getElementById('problems'); return p && [p.querySelector('h1')?.textContent, p.textContent]"
    WebDriverWait(browser, WAIT).until(lambda d: (d.execute_script(shown) or [None])[0] == title)  # the final page
    assert text("web_too_large", "en", limit=1) not in browser.execute_script(shown)[1]


def test_the_result_page_fits_a_laptop_screen_without_scrolling_sideways(browser, result):
    viewport(browser, WIDTH, HEIGHT)
    browser.get(result)
    assert browser.execute_script("return [innerWidth, innerHeight]") == [WIDTH, HEIGHT]
    page = browser.execute_script("""
        const root = document.documentElement;
        return {scroll: root.scrollWidth, client: root.clientWidth,
                boxes: [...document.querySelectorAll('.sheet-wrap, .payslip-pane, iframe, .downloads, header.top')]
                    .map(e => [e.className || e.tagName, Math.ceil(e.getBoundingClientRect().right)])};""")
    assert page["scroll"] <= page["client"], f"the page scrolls sideways: {page}"
    for name, right in page["boxes"]:
        assert right <= page["client"], f"{name} reaches {right}px, past the {page['client']}px the page has"
