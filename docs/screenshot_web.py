"""Makes docs/web.png, the README's picture of the drop-in page (`kpi-reports serve`): the result page for
samples/sales_team.xlsx, October 2026, in English, as a 1440×900 laptop shows it — the header, the
downloads, the summary with its traffic lights and the start of the payslip pane below it.

    python docs/screenshot_web.py [OUT.png]

Runs the real page (waitress on 127.0.0.1, a free port) and Debian's headless Chromium through its
chromedriver (apt-get install chromium chromium-driver; pip install -e '.[test]' for Selenium). Nothing is
downloaded: the driver's path is given, so Selenium Manager is never asked, and SE_OFFLINE is set besides.
"""
from __future__ import annotations

import base64
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from kpi_reports.web import server

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sales_team.xlsx"
OUT = ROOT / "docs" / "web.png"
PERIOD = "2026-10"
SHOWN = "Ivan Ivanov"
"""Whose payslip the frame shows: the method's worked example."""
WIDTH, HEIGHT = 1440, 900
PANE = 330
"""How much of the payslip pane the picture shows below its heading, in CSS pixels."""
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
         "--lang=en-US", "--hide-scrollbars")
"""--hide-scrollbars: overlay scrollbars, as a laptop's browser shows them; and a capture below the window's
bottom then lays out nothing anew (classic scrollbars vanish in such a capture, so the tables widen)."""


def browser(profile: Path) -> webdriver.Chrome:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        sys.exit("chromium and chromedriver are needed: apt-get install chromium chromium-driver")
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    return driver


def result_page(driver: webdriver.Chrome, url: str) -> None:
    """Upload the sample on the form, as a person does; the browser is left on the result page."""
    driver.get(url + "?lang=en")
    form = driver.find_element(By.CSS_SELECTOR, "form.upload")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(SAMPLE))
    driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "period"), PERIOD)
    Select(form.find_element(By.NAME, "lang")).select_by_value("en")
    before = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait = WebDriverWait(driver, 60)
    wait.until(EC.staleness_of(before))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    if not driver.find_elements(By.ID, "summary"):
        sys.exit("the upload did not lead to a result page:\n" + driver.find_element(By.TAG_NAME, "body").text)
    link = driver.find_element(By.XPATH, f"//section[@id='summary']//td/a[normalize-space(.)='{SHOWN}']")
    link.click()  # the frame shows the method's worked case
    wait.until(lambda d: d.execute_script(
        "const f = document.querySelector('iframe[name=payslip]').contentDocument;"
        "return f.readyState === 'complete' && f.body.textContent.includes(arguments[0])", SHOWN))
    driver.execute_script("return document.fonts.ready")


def shoot(driver: webdriver.Chrome, out: Path) -> None:
    """The page from its top to a little into the payslip pane, laid out for the 1440×900 window."""
    bottom = driver.execute_script(
        "return document.querySelector('.payslip-pane').getBoundingClientRect().top + scrollY + arguments[0]", PANE)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": round(bottom), "scale": 1}})
    out.write_bytes(base64.b64decode(shot["data"]))


def main(out: Path = OUT) -> None:
    with tempfile.TemporaryDirectory(prefix="kpi-screenshot-") as folder:
        page = server("127.0.0.1", 0, root=folder)
        thread = threading.Thread(target=page.run, daemon=True)
        thread.start()
        driver = browser(Path(folder) / "profile")
        try:
            result_page(driver, f"http://127.0.0.1:{page.effective_port}/")
            shoot(driver, out)
        finally:
            driver.quit()
            page.close()
            thread.join(timeout=5)
            page.store.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
