"""One payslip, the same on the Payslips sheet, in the PDF and in the HTML (issue 16): the commission's columns
in the same order with the same digits, the weights with the same decimals (whole per cents, or one decimal
on a payslip with a 12.5% weight, never 13%) and the test-mode banner in the same red.

Each test reads what a person would see: the xlsx written by `run --out` (each cached value in its cell's
number format), the PDF's text (`pdftotext -layout`) and colours (its page's content), the HTML's tables."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import kpi_reports
from kpi_reports import i18n
from kpi_reports.cli import main
from kpi_reports.layout.payslip_view import PayslipView, payslip_views
from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.template import write_workbook

from conftest import SAMPLES, put

PERIOD = "2026-10"
SAMPLE = {"en": "sales_team.xlsx", "ru": "sales_team_ru.xlsx"}
COMMISSION = {"en": ["Plan", "Fact", "Base", "Margin share", "Rate", "Commission"],
              "ru": ["План", "Факт", "База", "Доля маржи", "Ставка", "Процент с продаж"]}
"""Plan and fact, the base above plan, times the margin share, times the rate: the commission."""


@dataclass
class Shown:
    """Ivanov's (E001) payslip as each of the three shows it."""

    view: PayslipView
    sheet: dict = field(default_factory=dict)
    pdf: dict = field(default_factory=dict)
    html: dict = field(default_factory=dict)


def tweaked(lang: str, path: Path) -> Path:
    """The example with the hunters' weights 40%, 20%, 27.5% and 12.5%, and Ivanov's rate 2.5% (by position:
    the scheme's and the KPIs' ids are in the language)."""
    data = example_data(lang, months=("2026-09", PERIOD))
    employees, schemes = data.sheets["Employees"], data.sheets["Schemes"]
    scheme = employees.rows[0][employees.columns.index("scheme")]  # Ivanov's: the first row
    hunters = [row for row in schemes.rows if row[0] == scheme]
    weight = schemes.columns.index("weight")
    hunters[2][weight], hunters[3][weight] = Decimal("0.275"), Decimal("0.125")
    put(data, "Employees", "commission_rate", Decimal("0.025"), employee_id="E001")
    write_workbook(path, data, lang)
    return path


@pytest.fixture(scope="module", params=[(lang, case) for lang in ("en", "ru") for case in ("sample", "tweaked")],
                ids=lambda p: "-".join(p))
def shown(request, tmp_path_factory) -> tuple[str, str, Shown]:
    lang, case = request.param
    folder = tmp_path_factory.mktemp(f"{lang}-{case}")
    book = SAMPLES / SAMPLE[lang] if case == "sample" else tweaked(lang, folder / "book.xlsx")
    result = CliRunner().invoke(main, ["run", str(book), "--period", PERIOD, "--test-mode", "--lang", lang,
                                       "--out", str(folder / "out.xlsx"), "--pdf", str(folder), "--html"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    wb = kpi_reports.load(book)
    views = payslip_views(kpi_reports.period_report(wb, PERIOD, test_mode=True), lang, wb.settings.company)
    v = next(v for v in views if v.employee_id == "E001")
    return lang, case, Shown(v, sheet_of(folder / "out.xlsx", v, lang),
                             pdf_of(folder / f"payslips-{PERIOD}.pdf", views.index(v), v),
                             html_of(folder / f"payslips-{PERIOD}.html", views.index(v)))


# --- what each shows ---------------------------------------------------------------------------------------

def sheet_of(path: Path, v: PayslipView, lang: str) -> dict:
    """The block's commission heads and figures, its weights and completions, each as its number format shows
    it, its KPI heads and its banner's colour."""
    book = openpyxl.load_workbook(path, data_only=True)
    ws = book.worksheets[0]
    shown = lambda c: i18n.formatted(Decimal(str(c.value)), c.number_format, lang)
    top = next(c.row for c in ws["B"] if c.value == f"{v.name} ({v.employee_id})")
    heads = next(r for r in range(top, ws.max_row) if ws.cell(r, 1).value == v.labels["kpi"])
    kpis = [ws[r] for r in range(heads + 1, heads + 1 + len(v.kpis))]
    commission = next(r for r in range(top, ws.max_row) if ws.cell(r, 1).value == v.commission.heading)
    return {"commission_heads": [c.value for c in ws[commission][2:8]],
            "commission": [shown(c) for c in ws[commission + 1][2:8]],
            "kpi_heads": [c.value for c in ws[heads][:8]],
            "weights": [shown(row[5]) for row in kpis], "completions": [shown(row[4]) for row in kpis],
            "total": flat(shown(ws.cell(next(c.row for c in ws["G"][top:] if c.value == v.pay[-1].label), 8))),
            "banner": ws.cell(top - 2, 1).value, "colour": "#" + ws.cell(top - 2, 1).font.color.rgb[-6:]}


def pdf_of(path: Path, page: int, v: PayslipView) -> dict:
    """The page's commission heads and figures (the two lines under its heading), its whole text and the colours
    it fills and strokes with."""
    assert shutil.which("pdftotext"), "poppler-utils is needed: apt-get install poppler-utils"
    done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-f", str(page + 1), "-l", str(page + 1),
                           str(path), "-"], capture_output=True, check=True)
    lines = [line.strip() for line in done.stdout.decode("utf-8").splitlines() if line.strip()]
    assert v.name in " ".join(lines)
    at = lines.index(v.commission.heading)
    content = PdfReader(path).pages[page].get_contents().get_data().decode("latin-1")
    return {"commission_heads": re.split(r"\s{2,}", lines[at + 1]), "commission": re.split(r"\s{2,}", lines[at + 2]),
            "text": flat(" ".join(lines)), "fill": colours(content, "scn"), "stroke": colours(content, "SCN")}


def html_of(path: Path, page: int) -> dict:
    slip = Tree.parse(path.read_text("utf-8")).find_all("section")[page]
    commission, kpis = slip.find("table", "commission"), slip.find("table", "kpis")
    rows = [[td.text for td in tr.find_all("td")] for tr in kpis.find_all("tr")[1:]]
    banner = slip.find("div", "banner")
    return {"commission_heads": [th.text for th in commission.find_all("th")],
            "commission": [td.text for td in commission.find_all("td")],
            "kpi_heads": [th.text for th in kpis.find_all("th")],
            "weights": [r[4] for r in rows], "completions": [r[3] for r in rows],
            "banner": banner.text, "style": banner.attrs.get("style", "")}


def digits(text: str) -> str:
    """A figure's digits, separators, sign and per cent, without the currency and the spaces (the sheet shows
    money without the currency, the page with it; Russian groups with no-break spaces)."""
    return re.sub(r"[^\d.,%−]", "", text)


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def colours(content: str, operator: str) -> set[str]:
    """The RGB colours a page's content sets with `operator` (`scn` fill, `SCN` stroke), as #RRGGBB."""
    found = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) " + operator + r"\b", content)
    return {"#" + "".join(f"{round(float(x) * 255):02X}" for x in rgb) for rgb in found}


VOID = frozenset({"meta", "br", "img", "link", "input", "hr"})


class Tree(HTMLParser):
    """Just enough of a DOM: elements with their attributes, children and text."""

    def __init__(self, tag: str = "", attrs: dict | None = None):
        super().__init__()
        self.tag, self.attrs, self.children, self.parts = tag, attrs or {}, [], []
        self._open = [self]

    @classmethod
    def parse(cls, html: str) -> Tree:
        root = cls()
        root.feed(html)
        return root

    def handle_starttag(self, tag, attrs):
        node = Tree(tag, dict(attrs))
        self._open[-1].children.append(node)
        if tag not in VOID:
            self._open.append(node)

    def handle_endtag(self, tag):
        while len(self._open) > 1 and self._open.pop().tag != tag:
            pass

    def handle_data(self, data):
        self._open[-1].parts.append(data)

    @property
    def text(self) -> str:
        return flat("".join(self.parts) + " ".join(c.text for c in self.children))

    def find_all(self, tag: str, cls: str | None = None) -> list[Tree]:
        found = []
        for c in self.children:
            if c.tag == tag and (cls is None or cls in c.attrs.get("class", "").split()):
                found.append(c)
            found.extend(c.find_all(tag, cls))
        return found

    def find(self, tag: str, cls: str | None = None) -> Tree:
        [found] = self.find_all(tag, cls)
        return found


# --- the tests ---------------------------------------------------------------------------------------------

EXPECTED = {  # Ivanov's commission as the three show it (digits): the worked case, and with a 2.5% rate
    ("en", "sample"): ["3,000,000.00", "3,300,000.00", "300,000.00", "30.0%", "2%", "1,800.00"],
    ("ru", "sample"): ["3000000,00", "3300000,00", "300000,00", "30,0%", "2%", "1800,00"],
    ("en", "tweaked"): ["3,000,000.00", "3,300,000.00", "300,000.00", "30.0%", "2.5%", "2,250.00"],
    ("ru", "tweaked"): ["3000000,00", "3300000,00", "300000,00", "30,0%", "2,5%", "2250,00"],
}
WEIGHTS = {"sample": ["40%", "20%", "20%", "20%"], "tweaked": ["40.0%", "20.0%", "27.5%", "12.5%"]}


def test_the_commission_has_the_same_columns_in_the_same_order_with_the_same_digits(shown):
    lang, case, s = shown
    assert s.sheet["commission_heads"] == s.pdf["commission_heads"] == s.html["commission_heads"] == COMMISSION[lang]
    assert [digits(t) for t in s.sheet["commission"]] == [digits(t) for t in s.pdf["commission"]] == \
        [digits(t) for t in s.html["commission"]] == EXPECTED[lang, case]
    assert flat(s.pdf["commission"][-1]) == s.html["commission"][-1] == flat(s.view.commission.figure("commission").text)


def test_the_total_is_the_same_everywhere_and_the_worked_case_totals_119_800(shown):
    lang, case, s = shown
    total = flat(s.view.pay[-1].amount.text)
    assert total in s.pdf["text"] and digits(s.sheet["total"]) == digits(total)
    if case == "sample":  # the method's worked case: Ivanov
        assert total == ("119 800,00 ₽" if lang == "ru" else "RUB 119,800.00")


def test_weights_and_completions_show_the_same_decimals_everywhere(shown):
    lang, case, s = shown
    weights = [w.replace(".", ",") for w in WEIGHTS[case]] if lang == "ru" else WEIGHTS[case]
    assert s.sheet["weights"] == s.html["weights"] == weights
    assert s.sheet["completions"] == s.html["completions"]
    for completion, weight in zip(s.sheet["completions"], weights, strict=True):
        assert f"{completion} {weight} " in s.pdf["text"]  # the KPI row: completion, weight, then the rule


def test_the_kpi_table_has_the_same_columns_in_the_same_order(shown):
    _, _, s = shown
    group = s.view.labels["group"]
    heads = [h for h in s.sheet["kpi_heads"] if h != group]  # on paper a KPI's group is printed under its name
    assert s.html["kpi_heads"] == heads
    assert " ".join(heads) in s.pdf["text"]


def test_the_test_mode_banner_is_the_sheets_red_everywhere(shown):
    _, _, s = shown
    red = s.sheet["colour"]
    assert red == s.view.banner_colour == "#C00000"
    assert s.sheet["banner"] == s.html["banner"] == s.view.banner and s.view.banner in s.pdf["text"]
    assert f"--banner: {red}" in s.html["style"]
    assert red in s.pdf["fill"] and red in s.pdf["stroke"]  # the banner's text and its frame
    assert "#B00020" not in s.pdf["fill"] | s.pdf["stroke"]
