"""The drop-in page (`kpi-reports serve`) over plain HTTP, against the real waitress server of `web_server.py`.

Every route: the form, an upload and its result, each payslip, every download, another month or language
without a new upload, the template; and what must hold whatever is sent: each upload its own result (40 at
once too), clear pages with the right status for every refusal (too large, no workbook, an old .xls, a zip
bomb, cell errors, no file, an unknown or expired result, no memory left for a new one, a failure of our
own), a result not yet looked at never dropped for a newer one, text from the workbook or the request never
markup, nothing left in the private folder, other hosts refused, the security headers on every answer.

Figures are the library's own (`kpi_reports.load` + `period_report`, `payslip_views`), formatted with
`kpi_reports.i18n.amount`; the one figure written out is the method's worked case, Ivanov's 119,800.00.
Requests send `Connection: close`: a kept-alive connection that a test still holds would keep the server's
thread waiting for it when the server stops.
"""
from __future__ import annotations

import gc
import io
import json
import os
import random
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
import requests
from click.testing import CliRunner
from pypdf import PdfReader
from test_file_safety import zip_bomb
from werkzeug.http import parse_options_header

import kpi_reports
import kpi_reports.web
from kpi_reports import i18n
from kpi_reports.cli import main
from kpi_reports.engine.review import quarter_months
from kpi_reports.layout.payslip_view import payslip_views
from kpi_reports.messages import text
from kpi_reports.render import json as json_out
from kpi_reports.render.printed.pdf import safe_name, split_names
from kpi_reports.web import job as web_job
from kpi_reports.web.hosts import is_loopback
from kpi_reports.web.store import Busy, Store, footprint

from conftest import SAMPLES, put, sample_without_facts_row
from support.web_server import running

PERIOD = "2026-10"
QUARTER = "2026-Q4"
SAMPLE = SAMPLES / "sales_team.xlsx"
SAMPLE_RU = SAMPLES / "sales_team_ru.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLOSE = {"Connection": "close"}
SCRIPT = "<script>alert(1)</script>"
WORKED_CASE = {"en": "119,800.00", "ru": "119\u00a0800,00"}
"""Ivanov's (E001) total in the method's worked case: 60,000 + 58,000 + 1,800."""


# --- helpers --------------------------------------------------------------------------------------------


def get(url: str, **kw) -> requests.Response:
    return requests.get(url, headers={**CLOSE, **kw.pop("headers", {})}, timeout=60, **kw)


def post(url: str, **kw) -> requests.Response:
    return requests.post(url, headers={**CLOSE, **kw.pop("headers", {})}, timeout=60, **kw)


def upload(site, path: Path | None = None, name: str | None = None, data: bytes | None = None,
           follow: bool = True, **form) -> requests.Response:
    """POST / with a workbook (`path`, or `data` named `name`) and the form's fields (lang en by default)."""
    content = path.read_bytes() if data is None else data
    fields = {"lang": "en", **form}
    return post(site.url, files={"workbook": (name or path.name, content)}, data=fields, allow_redirects=follow)


def computed(site, path: Path = SAMPLE, **form) -> str:
    """Upload `path` and return its result page's address, checking the 303 to /r/<token>."""
    form.setdefault("period", PERIOD)
    r = upload(site, path, follow=False, **form)
    assert r.status_code == 303, r.text
    location = r.headers["Location"]
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{20,40}", location), location
    return site.url.rstrip("/") + location


class Page(HTMLParser):
    """A page as its tags, its text (entities decoded: what a reader sees), its table rows and selects."""

    def __init__(self, body: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self.rows: list[list[str]] = []
        self.classes: list[list[str]] = []
        self.selects: dict[str, list[str]] = {}
        self.links: list[tuple[str, str]] = []
        self._cell = self._select = self._link = None
        self.feed(body)
        self.close()

    @property
    def text(self) -> str:
        return "".join(self.data)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "tr":
            self.rows.append([])
            self.classes.append([])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
            self.classes[-1].append(a.get("class") or "")
            self._cell = True
        elif tag == "select":
            self._select = a.get("name")
            self.selects[self._select] = []
        elif tag == "option" and self._select:
            self.selects[self._select].append(a.get("value"))
        elif tag == "a" and "href" in a:
            self._link = [a["href"], ""]
            self.links.append(self._link)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "select":
            self._select = None
        elif tag == "a":
            self._link = None

    def handle_data(self, data):
        self.data.append(data)
        if self._cell and self.rows:
            self.rows[-1][-1] += data
        if self._select and self.selects[self._select] and self.selects[self._select][-1] is None:
            self.selects[self._select][-1] = data.strip()
        if self._link is not None:
            self._link[1] += data

    def tag(self, element: str, **attrs) -> dict | None:
        return next((a for t, a in self.tags if t == element and all(a.get(k) == v for k, v in attrs.items())), None)

    def scripts(self) -> list[dict]:
        return [a for t, a in self.tags if t == "script"]


def page(r: requests.Response) -> Page:
    assert r.headers["Content-Type"].startswith("text/html"), r.headers["Content-Type"]
    return Page(r.text)


def assert_no_markup_from_outside(p: Page) -> None:
    """The only scripts are the page's own file: nothing from a workbook or a request became a tag."""
    assert all(a.get("src", "").startswith("/static/") for a in p.scripts()), p.scripts()


def assert_clear_page(r: requests.Response, status: int, message: str) -> Page:
    assert r.status_code == status, (r.status_code, r.text[:2000])
    assert "Traceback" not in r.text and "Internal Server Error" not in r.text
    p = page(r)
    assert message in p.text, f"{message!r} is not on the page:\n{p.text[:3000]}"
    return p


def filename(r: requests.Response) -> str:
    kind, options = parse_options_header(r.headers["Content-Disposition"])
    assert kind == "attachment", r.headers["Content-Disposition"]
    return options["filename"]


def library(path: Path, period: str = PERIOD, lang: str = "en"):
    """What the library computes for `path`: (report, payslip views)."""
    wb = kpi_reports.load(path)
    report = kpi_reports.period_report(wb, period)
    return report, payslip_views(report, lang, wb.settings.company)


def summary_rows(p: Page, lang: str) -> tuple[list[str], dict[str, list[str]]]:
    """The summary table's header and its people's rows by employee ID (ID, name, ..., total, ...)."""
    header = next(row for row in p.rows if text("total", lang) in row and text("id_head", lang) in row)
    people = {row[0]: row for row in p.rows if len(row) == len(header) and re.fullmatch(r"[A-Z]\d{3}", row[0])}
    return header, people


def assert_everyone_with_their_total(p: Page, report, lang: str) -> None:
    header, people = summary_rows(p, lang)
    total = header.index(text("total", lang))
    for e in report.result.employees:
        row = people.get(e.employee.employee_id)
        assert row is not None, f"{e.employee.employee_id} is not in the summary"
        assert row[1] == e.employee.name
        assert row[total] == i18n.amount(e.total, lang), (e.employee.employee_id, row)
    assert len(people) == len(report.result.employees)


def payslip_links(p: Page) -> dict[str, str]:
    """The people list next to the payslip frame: name → /r/<token>/payslip/<n>."""
    return {name: href for href, name in p.links if re.fullmatch(r"/r/[\w-]+/payslip/\d+", href)}


def left_in(folder: Path) -> list[Path]:
    """Whatever is in `folder`, at any depth."""
    return sorted(folder.rglob("*"))


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One server for the tests that need no settings of their own."""
    with running(tmp_path_factory.mktemp("web")) as s:
        yield s


@pytest.fixture(scope="module")
def sample_en():
    return library(SAMPLE, lang="en")


# --- the form -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, how", [("ru", "query"), ("en", "query"), ("ru", "browser"), ("en", "browser")])
def test_the_form_is_shown_in_the_language_asked_for(site, lang, how):
    if how == "query":
        r = get(site.url, params={"lang": lang}, headers={"Accept-Language": "en" if lang == "ru" else "ru"})
    else:
        r = get(site.url, headers={"Accept-Language": "en-GB,en;q=0.8" if lang == "en" else "ru-RU,ru;q=0.9"})
    assert r.status_code == 200
    p = page(r)
    assert p.tag("html")["lang"] == lang
    form = p.tag("form", method="post", enctype="multipart/form-data")
    assert form is not None and form["action"].startswith("/")
    assert p.tag("input", type="file", name="workbook") is not None
    assert p.tag("input", name="period") is not None
    assert p.tag("input", name="quarter") is not None
    assert p.tag("input", type="checkbox", name="test_mode") is not None
    assert p.selects["lang"] == ["ru", "en"]
    assert [a["value"] for t, a in p.tags if t == "option" and "selected" in a] == [lang]
    for key in ("web_period", "web_language", "web_quarter", "web_test_mode", "web_compute", "web_template"):
        assert text(key, lang) in p.text, key
    hrefs = [href for href, _ in p.links]
    assert "/template.xlsx?lang=ru" in hrefs and "/template.xlsx?lang=en" in hrefs


def test_a_browser_language_that_is_neither_gets_russian(site):
    p = page(get(site.url, headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert p.tag("html")["lang"] == "ru" and text("web_compute", "ru") in p.text


def test_the_pages_own_stylesheet_and_script_are_served(site):
    p = page(get(site.url, params={"lang": "en"}))
    for url in [p.tag("link", rel="stylesheet")["href"], p.scripts()[0]["src"]]:
        r = get(site.url.rstrip("/") + url)
        assert r.status_code == 200 and r.content, url


# --- an upload and its result ---------------------------------------------------------------------------


def test_an_upload_shows_everyone_with_the_librarys_totals(site, sample_en):
    report, views = sample_en
    r = upload(site, SAMPLE, period=PERIOD)
    assert r.history and r.history[0].status_code == 303
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{20,40}", r.history[0].headers["Location"])
    assert r.status_code == 200
    p = page(r)
    assert p.tag("html")["lang"] == "en"
    assert text("web_result_title", "en", name="sales_team.xlsx", period=PERIOD) in p.text
    assert text("sheet_summary", "en", period=PERIOD) in p.text
    assert_everyone_with_their_total(p, report, "en")
    total = i18n.amount(Decimal(report.result.totals.total), "en")
    assert text("web_people", "en", people=len(views), total=total) in p.text
    assert text("test_banner", "en") not in p.text


def test_ivanov_gets_the_worked_case(site, sample_en):
    report, _ = sample_en
    ivanov = next(e for e in report.result.employees if e.employee.employee_id == "E001")
    assert i18n.amount(ivanov.total, "en") == WORKED_CASE["en"]
    assert i18n.amount(ivanov.total, "ru") == WORKED_CASE["ru"]
    _, people = summary_rows(page(get(computed(site))), "en")
    assert WORKED_CASE["en"] in people["E001"]


def test_the_summary_shows_the_traffic_lights(site):
    p = page(get(computed(site)))
    lights = {}
    for row, classes in zip(p.rows, p.classes, strict=True):
        for cell, cls in zip(row, classes, strict=True):
            for light in ("s-red", "s-amber", "s-green"):
                if light in cls.split():
                    assert "num" in cls.split() and cell.endswith("%"), (cell, cls)
                    lights.setdefault(light, []).append(Decimal(cell.rstrip("%").replace(",", "")))
    assert set(lights) == {"s-red", "s-amber", "s-green"}, lights.keys()
    assert all(v >= 100 for v in lights["s-green"]) and all(v < 100 for v in lights["s-red"] + lights["s-amber"])


def test_every_payslip_link_opens_that_persons_payslip(site, sample_en):
    report, views = sample_en
    result = computed(site)
    p = page(get(result))
    links = payslip_links(p)
    assert sorted(links) == sorted(v.name for v in views)
    for v in views:
        href = links[v.name]
        assert href.startswith(result.removeprefix(site.url.rstrip("/")) + "/payslip/")
        r = get(site.url.rstrip("/") + href)
        assert r.status_code == 200
        slip = page(r)
        assert v.name in slip.text and v.employee_id in slip.text
        employee = next(e for e in report.result.employees if e.employee.employee_id == v.employee_id)
        assert i18n.amount(employee.total, "en") in slip.text
        assert v.pay[-1].amount.text in slip.text
    summary = [href for href, name in p.links if "#top" in href]
    assert summary and all(h.split("#")[0] in links.values() for h in summary)


def test_a_payslip_number_past_the_last_is_not_found(site, sample_en):
    _, views = sample_en
    result = computed(site)
    assert_clear_page(get(f"{result}/payslip/{len(views)}", headers={"Accept-Language": "en"}), 404,
                      text("web_not_found", "en"))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_test_mode_shows_the_banner(site, lang):
    p = page(get(computed(site, lang=lang, test_mode="on")))
    assert text("test_banner", lang) in p.text
    slip = page(get(site.url.rstrip("/") + next(iter(payslip_links(p).values()))))
    assert text("test_banner", lang) in slip.text


def test_without_test_mode_there_is_no_banner(site):
    p = page(get(computed(site)))
    assert text("test_banner", "en") not in p.text and p.tag("p", id="test-mode") is None
    slip = page(get(site.url.rstrip("/") + next(iter(payslip_links(p).values()))))
    assert text("test_banner", "en") not in slip.text


# --- downloads ------------------------------------------------------------------------------------------


def test_the_workbook_comes_back_with_its_sheets_and_the_generated_ones(site):
    r = get(computed(site) + "/workbook")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == XLSX
    assert filename(r) == "sales_team.xlsx"
    back = openpyxl.load_workbook(io.BytesIO(r.content))
    original = openpyxl.load_workbook(SAMPLE)
    assert [n for n in back.sheetnames if n in original.sheetnames] == original.sheetnames
    for name in original.sheetnames:
        assert list(back[name].iter_rows(values_only=True)) == list(original[name].iter_rows(values_only=True)), name
    for key in ("sheet_payslips", "sheet_summary"):
        assert text(key, "en", period=PERIOD) in back.sheetnames, back.sheetnames


def test_a_non_ascii_upload_name_is_kept_for_the_download(site):
    name = "Команда продаж.xlsx"
    r = upload(site, SAMPLE_RU, name=name, lang="ru", period=PERIOD)
    assert r.status_code == 200
    assert text("web_result_title", "ru", name=name, period=PERIOD) in page(r).text
    assert filename(get(r.url + "/workbook")) == name

def test_the_pdf_has_a_page_per_person(site, sample_en):
    report, _ = sample_en
    r = get(computed(site) + "/pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert filename(r) == f"payslips-{PERIOD}.pdf"
    assert len(PdfReader(io.BytesIO(r.content)).pages) == len(report.result.employees)


def test_the_zip_has_a_pdf_per_person_named_as_split_names_names_them(site, sample_en):
    _, views = sample_en
    r = get(computed(site) + "/zip")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    assert filename(r) == f"payslips-{PERIOD}.zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.namelist() == split_names(views)
        for name in zf.namelist():
            assert len(PdfReader(io.BytesIO(zf.read(name))).pages) == 1, name


def test_the_json_is_the_librarys(site, sample_en):
    report, _ = sample_en
    r = get(computed(site) + "/json")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert filename(r) == f"kpi-{PERIOD}.json"
    data = r.json()
    assert Decimal(data["totals"]["total"]) == report.result.totals.total
    assert {e["employee_id"]: Decimal(e["total"]) for e in data["employees"]} == {
        e.employee.employee_id: e.total for e in report.result.employees}
    assert data == json.loads(json_out.dumps(report, "en"))


def test_the_quarters_offered_are_those_with_facts_for_all_three_months(site):
    months = {p for p, _ in kpi_reports.load(SAMPLE).facts}
    years = {m[:4] for m in months}
    full = sorted((f"{y}-Q{q}" for y in years for q in range(1, 5) if set(quarter_months(f"{y}-Q{q}")) <= months),
                  reverse=True)
    assert QUARTER in full
    p = page(get(computed(site)))
    assert p.selects["quarter"] == ["", *full]
    assert p.selects["period"] == sorted(months, reverse=True)


def test_a_quarter_asked_shows_the_review_and_its_json(site):
    result = computed(site, quarter=QUARTER)
    p = page(get(result))
    assert p.tag("section", id="review") is not None
    assert text("web_review", "en") in p.text
    assert p.tag("p", **{"class": "refused"}) is None
    assert f"{result.removeprefix(site.url.rstrip('/'))}/review.json" in [h for h, _ in p.links]
    r = get(result + "/review.json")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert filename(r) == f"review-{QUARTER}.json"
    review = kpi_reports.review(kpi_reports.load(SAMPLE), QUARTER)
    assert r.json() == json.loads(json_out.review_dumps(review, "en"))


def test_without_a_quarter_there_is_no_review_and_no_review_json(site):
    result = computed(site)
    p = page(get(result))
    assert p.tag("section", id="review") is None
    assert not any(h.endswith("/review.json") for h, _ in p.links)
    assert_clear_page(get(result + "/review.json", headers={"Accept-Language": "en"}), 404,
                      text("web_not_found", "en"))


# --- another month or language, no new upload --------------------------------------------------------------


def test_another_language_is_computed_without_a_new_upload(site):
    report, _ = library(SAMPLE, lang="ru")
    result = computed(site)
    r = post(result, data={"lang": "ru", "period": PERIOD}, allow_redirects=False)
    assert r.status_code == 303
    again = site.url.rstrip("/") + r.headers["Location"]
    assert again != result
    p = page(get(again))
    assert p.tag("html")["lang"] == "ru"
    assert text("sheet_summary", "ru", period=PERIOD) in p.text and text("web_downloads", "ru") in p.text
    assert text("sheet_summary", "en", period=PERIOD) not in p.text
    _, people = summary_rows(p, "ru")
    assert WORKED_CASE["ru"] in people["E001"]
    assert_everyone_with_their_total(p, report, "ru")


def test_another_month_is_computed_without_a_new_upload(site):
    report, _ = library(SAMPLE, period="2026-09")
    r = post(computed(site), data={"lang": "en", "period": "2026-09"})
    assert r.status_code == 200 and r.history[0].status_code == 303
    p = page(r)
    assert text("web_result_title", "en", name="sales_team.xlsx", period="2026-09") in p.text
    assert_everyone_with_their_total(p, report, "en")


# --- each upload its own result ---------------------------------------------------------------------------


def test_two_uploads_at_once_get_their_own_results(site):
    names = {path: {v.name for v in library(path)[1]} for path in (SAMPLE, SAMPLE_RU)}
    assert not names[SAMPLE] & names[SAMPLE_RU]
    jobs = [SAMPLE, SAMPLE_RU] * 3
    start = threading.Barrier(len(jobs))
    results: dict[int, tuple[str, str, set]] = {}

    def work(i: int, path: Path) -> None:
        start.wait()
        r = upload(site, path, period=PERIOD)
        j = get(r.url + "/json")
        results[i] = (r.url, r.text, {e["name"] for e in j.json()["employees"]})

    threads = [threading.Thread(target=work, args=(i, path)) for i, path in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == list(range(len(jobs)))
    assert len({url for url, _, _ in results.values()}) == len(jobs)
    for i, path in enumerate(jobs):
        url, body, in_json = results[i]
        other = names[SAMPLE_RU if path == SAMPLE else SAMPLE]
        shown = set(payslip_links(Page(body)))
        assert shown == names[path] and in_json == names[path], (path, url)
        assert not any(name in Page(body).text for name in other), (path, url)


def test_forty_uploads_at_once_all_keep_their_results(site):
    """40 people uploading together all get their result, whenever they look: none pushes out another's."""
    count = 40
    start = threading.Barrier(count, timeout=60)
    located: dict[int, str] = {}

    def work(i: int) -> None:
        start.wait()
        located[i] = computed(site, name=f"team-{i}.xlsx", lang=("en", "ru")[i % 2])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(located) == list(range(count))
    assert len(set(located.values())) == count
    for i, url in located.items():
        lang = ("en", "ru")[i % 2]
        r = get(url)
        assert r.status_code == 200, (i, r.status_code, r.text[:300])
        p = page(r)
        assert p.tag("html")["lang"] == lang
        assert text("web_result_title", lang, name=f"team-{i}.xlsx", period=PERIOD) in p.text
        _, people = summary_rows(p, lang)
        assert WORKED_CASE[lang] in people["E001"], (i, people["E001"])


# --- what is refused ----------------------------------------------------------------------------------------


def test_an_oversized_upload_gets_413_naming_the_limit(tmp_path):
    with running(tmp_path, max_upload_mb=1) as small:
        data = random.Random(0).randbytes(2_500_000)
        r = post(small.url + "?lang=en", files={"workbook": ("big.xlsx", data)}, data={"lang": "en"})
        assert_clear_page(r, 413, text("web_too_large", "en", limit=1))
        assert left_in(small.folder) == []
        ok = upload(small, SAMPLE, period=PERIOD)  # a file under the limit still goes through
        assert ok.status_code == 200 and ok.history


RANDOM = random.Random(1).randbytes(4096)
OLE = bytes.fromhex("D0CF11E0A1B11AE1") + RANDOM


@pytest.mark.parametrize("name, data, key", [
    ("notes.txt", b"employee_id;name;salary\nE001;Ivan Ivanov;60000\n", "not_xlsx"),
    ("random.xlsx", RANDOM, "not_xlsx"),
    ("team.xls", OLE, "xls"),
    ("team_renamed.xlsx", OLE, "xls"),
])
def test_a_file_that_is_no_workbook_gets_422_saying_why(site, name, data, key):
    r = upload(site, name=name, data=data)
    p = assert_clear_page(r, 422, text(key, "en"))
    assert text("web_file_title", "en", name=name) in p.text
    assert not r.history
    assert left_in(site.folder) == []


def test_a_zip_bomb_is_refused(site, tmp_path):
    bomb = zip_bomb(tmp_path, SAMPLE)
    with pytest.raises(kpi_reports.FileProblem) as refused:
        kpi_reports.load(bomb)
    message = refused.value.message.text("en")
    assert "zip bomb" in message
    r = upload(site, bomb)
    assert_clear_page(r, 422, message)
    assert not r.history
    assert left_in(site.folder) == []


def test_cell_errors_on_two_sheets_are_all_named_by_sheet_and_cell(site, example, write):
    facts = put(example, "Facts", "calls", "many", period=PERIOD, employee_id="E001")
    salary = put(example, "Employees", "salary", "lots", employee_id="E002")
    r = upload(site, write(example, name="broken.xlsx"), period=PERIOD)
    p = assert_clear_page(r, 422, text("web_errors_title", "en", name="broken.xlsx"))
    assert text("web_errors_lead", "en") in p.text and not r.history
    named = {(row[1], row[2]): row for row in p.rows if len(row) >= 5}
    assert ("Facts", facts) in named and ("Employees", salary) in named, named.keys()
    assert "many" in named["Facts", facts][-1] and "lots" in named["Employees", salary][-1]
    assert named["Facts", facts][4] == "calls" and named["Employees", salary][4] == "salary"


@pytest.mark.parametrize("files", [None, {"workbook": ("", b"")}, {"other": ("book.xlsx", b"data")}],
                         ids=["no file", "empty file name", "another field"])
def test_no_file_gets_400(site, files):
    r = post(site.url, files=files, data={"lang": "en", "period": PERIOD})
    assert_clear_page(r, 400, text("web_no_file", "en"))


# --- text from outside is never markup -----------------------------------------------------------------------


def test_a_script_in_an_employee_name_is_shown_as_text(site, example, write):
    put(example, "Employees", "name", SCRIPT, employee_id="E001")
    r = upload(site, write(example), period=PERIOD)
    assert r.status_code == 200
    p = page(r)
    assert_no_markup_from_outside(p)
    assert SCRIPT in p.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert SCRIPT not in r.text
    _, people = summary_rows(p, "en")
    assert people["E001"][1] == SCRIPT
    slip = get(site.url.rstrip("/") + payslip_links(p)[SCRIPT])
    assert slip.status_code == 200
    sp = page(slip)
    assert_no_markup_from_outside(sp)
    assert SCRIPT in sp.text and SCRIPT not in slip.text and "&lt;script&gt;" in slip.text


def test_a_script_and_path_in_the_upload_name_are_text_and_never_a_path(site, tmp_path):
    root = site.folder.parent
    before = set(root.rglob("*"))
    here = set(Path.cwd().iterdir())
    r = upload(site, SAMPLE, name="../../x<script>.xlsx", period=PERIOD)
    assert r.status_code == 200
    p = page(r)
    assert_no_markup_from_outside(p)
    assert text("web_result_title", "en", name="x<script>.xlsx", period=PERIOD) in p.text
    assert "x&lt;script&gt;.xlsx" in r.text and "x<script>" not in r.text and "../" not in p.text
    name = filename(get(r.url + "/workbook"))
    assert not re.search(r"[/\\<>]", name) and ".." not in name
    assert name == safe_name("x<script>", suffix=".xlsx")
    refused = upload(site, name="..\\..\\y<script>.txt", data=b"not a workbook")
    assert refused.status_code == 422
    assert "y<script>.txt" in page(refused).text and "y<script>" not in refused.text
    assert set(root.rglob("*")) == before and set(Path.cwd().iterdir()) == here
    assert left_in(site.folder) == []


# --- the private folder ------------------------------------------------------------------------------------------


def test_the_private_folder_is_private_and_left_empty(site):
    folder = site.folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    result = computed(site)
    assert left_in(folder) == []
    get(result)
    for kind in ("workbook", "pdf", "zip", "json"):
        assert get(f"{result}/{kind}").status_code == 200
        assert left_in(folder) == [], kind
    assert get(f"{result}/payslip/0").status_code == 200
    assert post(result, data={"lang": "ru", "period": PERIOD}).status_code == 200
    assert left_in(folder) == []
    assert upload(site, name="notes.txt", data=b"hello").status_code == 422
    assert left_in(folder) == []
    assert get(site.url + "template.xlsx").status_code == 200
    assert left_in(folder) == []


# --- results that are not there ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["A" * 24, "abc", "not-a-token!", "x" * 100, "..%2F..%2Fetc"])
def test_an_unknown_or_malformed_token_gets_a_clear_page(site, token):
    for suffix in ("", "/pdf", "/payslip/0"):
        r = get(f"{site.url}r/{token}{suffix}", headers={"Accept-Language": "en"})
        assert r.status_code in (404, 410), (token, suffix, r.status_code)
        message = text("web_expired", "en", minutes=30) if r.status_code == 410 else text("web_not_found", "en")
        assert_clear_page(r, r.status_code, message)


def test_an_expired_result_gets_410(tmp_path):
    with running(tmp_path, keep_minutes=0.001) as brief:
        result = computed(brief)
        time.sleep(0.2)
        expired = text("web_expired", "en", minutes=1)
        for r in (get(result, headers={"Accept-Language": "en"}),
                  get(result + "/workbook", headers={"Accept-Language": "en"}),
                  get(result + "/payslip/0", headers={"Accept-Language": "en"}),
                  post(result, data={"lang": "en", "period": PERIOD})):
            assert_clear_page(r, 410, expired)
        assert left_in(brief.folder) == []


# --- memory: results are kept by bytes and age, never dropped before they are looked at --------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def result_of(size: int) -> SimpleNamespace:
    """An outcome the store counts as `size` bytes (its workbook's; no sheets)."""
    return SimpleNamespace(workbook=bytes(size), sheets=())


def test_a_new_upload_that_finds_no_memory_gets_503_and_the_waiting_results_are_kept(tmp_path):
    data = SAMPLE.read_bytes()
    (tmp_path / "work").mkdir()
    one = footprint(web_job.process(data, SAMPLE.name, web_job.Options(PERIOD, lang="en"), tmp_path / "work"), data)
    with running(tmp_path, max_bytes=int(2.5 * one)) as full:
        first, second = computed(full, lang="en"), computed(full, lang="ru")  # neither looked at yet
        for lang in ("en", "ru"):
            r = upload(full, SAMPLE, follow=False, lang=lang, period=PERIOD)
            p = assert_clear_page(r, 503, text("web_busy", lang))
            assert p.tag("html")["lang"] == lang and r.headers["Retry-After"] == "60" and "Location" not in r.headers
        for url, lang in ((first, "en"), (second, "ru")):
            r = get(url)
            assert r.status_code == 200
            assert WORKED_CASE[lang] in summary_rows(page(r), lang)[1]["E001"]
        third = computed(full)  # both looked at now: the first, looked at longest ago, makes room
        assert_clear_page(get(first, headers={"Accept-Language": "en"}), 410, text("web_expired", "en", minutes=30))
        for url in (second, third):
            assert get(url).status_code == 200
        again = post(third, data={"lang": "ru", "period": PERIOD}, allow_redirects=False)
        assert again.status_code == 303  # computing again replaces its own result: room enough
        assert get(third).status_code == 410 and get(second).status_code == 200
        assert get(full.url.rstrip("/") + again.headers["Location"]).status_code == 200
        assert left_in(full.folder) == []


def test_the_store_makes_room_from_results_looked_at_the_one_looked_at_longest_ago_first(tmp_path):
    store = Store(tmp_path, max_bytes=300)
    try:
        a, b, c = (store.put(result_of(100), b"") for _ in range(3))
        with pytest.raises(Busy):
            store.put(result_of(100), b"")  # none is looked at yet: none is dropped
        assert store.used() == 300
        assert store.get(b) and store.get(a)  # b looked at longest ago
        d = store.put(result_of(100), b"")
        assert store.get(b) is None
        assert store.get(a) and store.get(c) and store.get(d)  # looked at: a, c, d
        e = store.put(result_of(150), b"x" * 50)  # the upload's bytes count too
        assert store.get(a) is None and store.get(c) is None and store.get(d) and store.get(e)
        store.get(d).download("pdf", lambda: bytes(100))  # a download made counts: d takes 200
        assert store.used() == 400 and store.get(e)  # over the bound until the next upload makes room
        f = store.put(result_of(100), b"")
        assert store.get(d) is None and store.get(e) and store.get(f) and store.used() == 300
        with pytest.raises(Busy):
            store.put(result_of(301), b"")
        assert store.get(e) and store.get(f)
    finally:
        store.close()


def test_a_result_computed_again_replaces_its_own_or_nothing(tmp_path):
    store = Store(tmp_path, max_bytes=300)
    try:
        old = store.put(result_of(100), b"")
        assert store.get(old)
        waiting = [store.put(result_of(100), b"") for _ in range(2)]
        with pytest.raises(Busy):
            store.put(result_of(150), b"", replaces=old)  # the two waiting leave 100
        assert store.get(old)
        new = store.put(result_of(100), b"", replaces=old)
        assert store.get(old) is None and store.get(new) and store.used() == 300
        assert all(store.get(t) for t in waiting)
    finally:
        store.close()


def test_results_are_forgotten_after_the_keep_time_looked_at_or_not(tmp_path):
    clock = Clock()
    store = Store(tmp_path, keep=60, max_bytes=200, clock=clock)
    try:
        looked_at, waiting = store.put(result_of(100), b""), store.put(result_of(100), b"")
        clock.now = 59.9
        assert store.get(looked_at)
        with pytest.raises(Busy):
            store.put(result_of(200), b"")
        clock.now = 60  # kept from when it was made, looked at or not
        assert store.get(looked_at) is None and store.get(waiting) is None and store.used() == 0
        assert store.get(store.put(result_of(200), b""))
    finally:
        store.close()


@pytest.mark.parametrize("quarter", [None, QUARTER], ids=["month", "with a review"])
def test_a_result_is_counted_for_about_the_memory_it_takes(tmp_path, quarter):
    data = SAMPLE.read_bytes()
    options = web_job.Options("2026-12" if quarter else PERIOD, quarter=quarter, lang="en")
    web_job.process(data, SAMPLE.name, options, tmp_path)  # the first one fills the caches
    gc.collect()
    tracemalloc.start()
    try:
        outcome = web_job.process(data, SAMPLE.name, options, tmp_path)
        gc.collect()
        taken = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    counted = footprint(outcome, data) - len(data)  # the upload's bytes were there before
    assert taken <= counted <= 1.5 * taken, (taken, counted)


# --- our own failure ---------------------------------------------------------------------------------------------


def test_a_server_error_gets_500_without_a_traceback(site, monkeypatch):
    result = computed(site)

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(web_job, "process", broken)
    for r in (upload(site, SAMPLE, period=PERIOD), post(result, data={"lang": "en", "period": "2026-09"})):
        assert_clear_page(r, 500, text("web_failed", "en"))
        assert "secret detail" not in r.text and "RuntimeError" not in r.text
    assert left_in(site.folder) == []


# --- hosts and headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
                                  "localhost.evil.example", "192.168.1.5:{port}", "127.0.0.1:{port}@evil.example"])
def test_a_request_naming_another_host_is_refused(site, host):
    port = site.url.rstrip("/").rsplit(":", 1)[1]
    headers = {"Host": host.format(port=port), "Accept-Language": "en"}
    assert_clear_page(get(site.url, headers=headers), 400, text("web_bad_request", "en"))
    r = post(site.url, headers=headers, files={"workbook": ("sales_team.xlsx", SAMPLE.read_bytes())},
             data={"lang": "en", "period": PERIOD}, allow_redirects=False)
    assert r.status_code == 400 and "Location" not in r.headers


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "localhost"])
def test_a_request_naming_this_computer_is_served(site, host):
    port = site.url.rstrip("/").rsplit(":", 1)[1]
    assert get(site.url, headers={"Host": host.format(port=port)}).status_code == 200


def test_a_server_on_another_loopback_address_serves_the_address_it_prints(tmp_path):
    """`serve --host 127.0.0.2` prints http://127.0.0.2:PORT/ and counts as loopback: a browser there is served."""
    assert is_loopback("127.0.0.2")
    done = kpi_reports.web.server("127.0.0.2", 0, root=tmp_path)
    thread = threading.Thread(target=done.run, daemon=True)
    thread.start()
    try:
        assert get(f"http://127.0.0.2:{done.effective_port}/").status_code == 200
    finally:
        done.close()
        thread.join(timeout=5)
        done.store.close()


def test_serving_localhost_that_resolves_to_two_addresses_has_one_port(tmp_path, monkeypatch):
    """Most systems resolve localhost to ::1 and 127.0.0.1; `server()` promises `.effective_port` (which
    `serve` prints), and http://localhost:PORT/ must reach the page whichever address the browser tries."""
    real = socket.getaddrinfo

    def both(host, *args, **kwargs):
        if host == "localhost":
            return [*real("::1", *args, **kwargs), *real("127.0.0.1", *args, **kwargs)]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", both)
    done = kpi_reports.web.server("localhost", 0, root=tmp_path)
    monkeypatch.undo()
    thread = threading.Thread(target=done.run, daemon=True)
    thread.start()
    try:
        port = done.effective_port
        assert get(f"http://127.0.0.1:{port}/", headers={"Host": f"localhost:{port}"}).status_code == 200
    finally:
        done.close()
        thread.join(timeout=5)
        done.store.close()


def test_every_answer_has_the_security_headers(site):
    result = computed(site)
    answers = {
        "form": get(site.url),
        "result": get(result),
        "payslip": get(result + "/payslip/0"),
        "download": get(result + "/pdf"),
        "template": get(site.url + "template.xlsx"),
        "not found": get(site.url + "no/such/page"),
        "expired": get(site.url + "r/" + "A" * 24),
        "refused": upload(site, name="notes.txt", data=b"hello"),
        "other host": get(site.url, headers={"Host": "evil.example"}),
        "redirect": upload(site, SAMPLE, follow=False, period=PERIOD),
    }
    for what, r in answers.items():
        csp = dict((d.strip() + " ").split(" ", 1) for d in r.headers.get("Content-Security-Policy", "").split(";"))
        assert csp.get("default-src", "").strip() == "'self'", (what, csp)
        assert csp.get("frame-ancestors", "").strip() == "'self'", (what, csp)
        assert "unsafe" not in csp.get("script-src", csp["default-src"]), (what, csp)
        assert r.headers.get("X-Content-Type-Options") == "nosniff", what
        assert r.headers.get("Cache-Control") == "no-store", what


# --- the template --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_template_is_a_workbook_the_library_reads(site, tmp_path, lang):
    r = get(site.url + "template.xlsx", params={"lang": lang})
    assert r.status_code == 200 and r.headers["Content-Type"] == XLSX
    assert filename(r) == f"kpi-{lang}.xlsx"
    path = tmp_path / filename(r)
    path.write_bytes(r.content)
    wb = kpi_reports.load(path)
    assert wb.employees and wb.facts
    assert left_in(site.folder) == []


# --- loopback and the command line -----------------------------------------------------------------------------------


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
                                            ("LOCALHOST", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                            ("::", False), ("example.com", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


class _Stopped:
    """A server whose run() returns at once, as after Ctrl+C."""

    effective_port = 8123

    def __init__(self):
        self.ran = self.closed = False
        self.store = self

    def run(self):
        self.ran = True

    def close(self):
        self.closed = True


@pytest.mark.parametrize("args, host, warned", [(["--host", "0.0.0.0"], "0.0.0.0", True),
                                                (["--host", "192.168.1.5"], "192.168.1.5", True),
                                                (["--host", "127.0.0.1"], "127.0.0.1", False),
                                                ([], "127.0.0.1", False)])
def test_serve_warns_when_other_computers_can_reach_the_page(monkeypatch, args, host, warned):
    stopped, hosts = _Stopped(), []

    def fake(host, *args, **kwargs):
        hosts.append(host)
        return stopped

    monkeypatch.setattr(kpi_reports.web, "server", fake)
    result = CliRunner().invoke(main, ["serve", *args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert hosts == [host] and stopped.ran and stopped.closed
    warning = text("web_open_host", "en", host=host)
    assert (warning in result.output) is warned, result.output
    assert text("web_serving", "en", url=f"http://{host}:8123/") in result.output



def test_a_port_in_use_is_one_clear_line_and_leaves_no_folder(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(kpi_reports.problems.UsageError) as e:
            kpi_reports.web.server("127.0.0.1", port, root=tmp_path)
        result = CliRunner().invoke(main, ["serve", "--port", str(port), "--lang", "en"])
    assert str(port) in e.value.text("en") and "--port" in e.value.text("en")
    assert list(tmp_path.iterdir()) == []
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: cannot listen on 127.0.0.1 port")


def test_a_sheet_of_the_users_own_with_a_generated_sheets_name_is_named_and_left_alone(site, tmp_path):
    book = openpyxl.load_workbook(SAMPLE)
    book.create_sheet(text("sheet_summary", "en", period=PERIOD))["A1"] = "mine"
    own = tmp_path / "own.xlsx"
    book.save(own)
    r = upload(site, own, period=PERIOD)
    p = assert_clear_page(r, 422, text("web_sheet_taken", "en", sheet=text("sheet_summary", "en", period=PERIOD)))
    assert "--out" not in p.text and not r.history
    assert left_in(site.folder) == []


def test_the_review_shows_the_warnings_of_its_months(site, tmp_path):
    path = sample_without_facts_row(tmp_path / "gap.xlsx", "E003", "2026-11")
    r = upload(site, path, period="2026-12", quarter=QUARTER)
    assert r.status_code == 200, r.text[:300]
    wb = kpi_reports.load(path, periods=kpi_reports.review_months(QUARTER))
    warned = kpi_reports.review(wb, QUARTER).warnings
    assert any(w.message.key == "no_facts_row" for w in warned)
    review = Page(r.text[r.text.index('id="review"'):]).text
    assert text("web_review_warnings", "en") in review
    for w in warned:
        assert w.text("en") in review


def test_a_killed_servers_folder_is_removed_by_the_next_server_and_a_live_ones_kept(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead = tmp_path / "kpi-reports-dead"
    (dead / "uploads" / "x").mkdir(parents=True)
    (dead / "uploads" / "x" / "upload.xlsx").write_bytes(b"left by a killed server")
    (dead / "pid").write_text(gone.stdout.strip())
    alive = tmp_path / "kpi-reports-alive"
    alive.mkdir()
    (alive / "pid").write_text(str(os.getpid()))
    other = tmp_path / "kpi-reports-no-pid"
    other.mkdir()
    store = Store(tmp_path)
    try:
        assert not dead.exists() and alive.exists() and other.exists()
        assert stat.S_IMODE(store.uploads.stat().st_mode) == 0o700 and list(store.uploads.iterdir()) == []
    finally:
        store.close()
    assert not store.root.exists()


def test_serve_stops_tidily_on_sigterm(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "kpi_reports", "serve", "--port", str(port), "--lang", "en"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                assert get(f"http://127.0.0.1:{port}/").status_code == 200
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert [p.name[:12] for p in tmp_path.iterdir()] == ["kpi-reports-"]
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=10)
    finally:
        server.kill()
    assert server.returncode == 0 and "Traceback" not in output, output
    assert list(tmp_path.iterdir()) == []


def test_a_pilot_shows_the_live_and_test_mode_pay_and_marks_only_the_test_mode_payslips(site):
    """The second sample's 2026-10: Ivanov and Smirnova live among test-mode people, a joiner's short month."""
    report = kpi_reports.run(SAMPLES / "team_changes.xlsx", kpi_reports.Options(period=PERIOD)).report
    p = page(get(computed(site, SAMPLES / "team_changes.xlsx")))
    assert text("shown_live", "en") in p.text and text("shown_test", "en") in p.text
    assert i18n.amount(report.result.live.total, "en") in p.text
    assert p.tag("p", id="test-mode") is None  # no whole-month banner: the marks are per person
    links = payslip_links(p)
    for r in report.result.employees:
        slip = page(get(site.url.rstrip("/") + links[r.employee.name]))
        assert (text("test_banner", "en") in slip.text) == r.test_mode, r.employee.employee_id
    joiner = page(get(site.url.rstrip("/") + links["Nikolai Fedorov"]))
    assert "60,000.00 × 15 / 22" in joiner.text
