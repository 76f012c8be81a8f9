"""The printed payslips (`run --pdf DIR [--split] [--html]`): a page per person, the engine's figures in
the locale's format, user text printed literally, templates that can read nothing outside their folder."""
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest
from babel.numbers import format_currency
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.layout.payslip_view import money_text, payslip_views
from kpi_reports.render.printed import html, pdf
from kpi_reports.render.printed.pdf import safe_name, split_names

from conftest import SAMPLES, put

INJECTIONS = ("<script>alert(1)</script>", "{{ 7*7 }}", '#read("/etc/passwd")')
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flat(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def pages_text(path) -> list[str]:
    assert shutil.which("pdftotext"), "poppler-utils is needed: apt-get install poppler-utils"
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return [flat(p) for p in done.stdout.decode("utf-8").split("\f")[:-1]]


@pytest.mark.parametrize("lang, name", [("en", "sales_team.xlsx"), ("ru", "sales_team_ru.xlsx")])
def test_a_page_per_person_with_the_engines_figures_in_the_locales_format(tmp_path, lang, name):
    result = invoke("run", SAMPLES / name, "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out",
                    "--lang", lang)
    assert result.exit_code == 0, result.output
    target = tmp_path / "out" / "payslips-2026-10.pdf"
    assert "payslips-2026-10.pdf" in result.stderr
    wb = kpi_reports.load(SAMPLES / name)
    report = kpi_reports.period_report(wb, "2026-10")
    views = payslip_views(report, lang, wb.settings.company)
    assert len(PdfReader(target).pages) == len(report.result.employees) == len(views)
    texts = pages_text(target)
    assert len(texts) == len(views)
    for page, v, in zip(texts, views, strict=True):
        assert flat(v.name) in page and v.employee_id in page
        for line in v.pay:
            assert flat(line.amount.text) in page, (v.employee_id, line.key)
        for k in v.kpis:
            assert flat(k.payout.text) in page
    ivanov = texts[[v.employee_id for v in views].index("E001")]
    assert ("119 800,00 ₽" if lang == "ru" else "RUB 119,800.00") in ivanov


def test_pdf_metadata_and_pdf_a(tmp_path):
    invoke("run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--dry-run", "--pdf", tmp_path)
    reader = PdfReader(tmp_path / "payslips-2026-10.pdf")
    assert reader.metadata.title == "Payslips 2026-10"
    assert reader.metadata.author == "Romashka LLC"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(>|=\")2", xmp) and re.search(r"pdfaid:conformance(>|=\")B", xmp)


def test_fonts_are_embedded_and_the_same_on_every_machine(tmp_path):
    invoke("run", SAMPLES / "sales_team_ru.xlsx", "--period", "2026-10", "--dry-run", "--pdf", tmp_path)
    done = subprocess.run(["pdffonts", str(tmp_path / "payslips-2026-10.pdf")], capture_output=True, text=True,
                          check=True)
    fonts = done.stdout.splitlines()[2:]
    assert fonts and all(re.match(r"\w{6}\+(LibertinusSerif|NewCM10)-", f) and re.search(r"\byes\s+yes\b", f)
                         for f in fonts), done.stdout  # Typst's own fonts (₽ from New Computer Modern), embedded


def test_test_mode_banner_on_every_page(tmp_path):
    invoke("run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--dry-run", "--test-mode", "--pdf", tmp_path)
    assert all("TEST MODE — not a basis for payment" in p for p in pages_text(tmp_path / "payslips-2026-10.pdf"))


@pytest.fixture
def hostile(example, write):
    for i, name in enumerate((*INJECTIONS, 'A/B ..\\"C" Иванов: *?<>|')):
        put(example, "Employees", "name", name, employee_id=f"E00{i + 1}")
    return write(example)


def test_injected_names_print_literally_in_the_pdf_and_the_html(tmp_path, hostile):
    result = invoke("run", hostile, "--period", "2026-10", "--dry-run", "--pdf", tmp_path, "--html", "--split")
    assert result.exit_code == 0, result.output
    text = " ".join(pages_text(tmp_path / "payslips-2026-10.pdf"))
    for name in INJECTIONS:
        assert name in text
    assert "root:" not in text
    page = (tmp_path / "payslips-2026-10.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "{{ 7*7 }}" in page and "#read(&#34;/etc/passwd&#34;)" in page
    names = sorted(p.name for p in tmp_path.glob("[0-9]* E*.pdf"))
    assert any(n.endswith(" E004 A B C Иванов.pdf") for n in names)
    assert all("/" not in n and "\\" not in n and '"' not in n and ".." not in n for n in names)
    assert all(p.parent == tmp_path for p in tmp_path.rglob("*.pdf"))


def test_split_writes_one_pdf_per_person(tmp_path):
    result = invoke("run", SAMPLES / "sales_team_ru.xlsx", "--period", "2026-10", "--dry-run", "--pdf", tmp_path,
                    "--split")
    assert result.exit_code == 0
    singles = sorted(tmp_path.glob("[1-9] [EH]0*.pdf"))
    assert len(singles) == 9 and singles[0].name == "1 E001 Иванов Иван Петрович.pdf"
    assert all(len(PdfReader(p).pages) == 1 for p in singles)


@pytest.mark.parametrize("name, safe", [
    ("E001 Иванов Иван", "E001 Иванов Иван.pdf"),
    ("../../etc/passwd", "etc passwd.pdf"),
    ("..", "payslip.pdf"),
    ('a"b\'c', "a b'c.pdf"),
    ("CON", "_CON.pdf"),
    ("nul.txt", "_nul.txt.pdf"),
    (" .hidden. ", "hidden.pdf"),
    ("C:\\Windows\\x", "C Windows x.pdf"),
    ("tab\there\x00", "tab here.pdf"),
])
def test_safe_file_names(name, safe):
    assert safe_name(name) == safe


def test_safe_names_are_capped_and_numbered_so_that_no_two_are_alike():
    assert len(safe_name("Я" * 500)) <= pdf.MAX_NAME + 4

    class V:
        def __init__(self, employee_id, name):
            self.employee_id, self.name = employee_id, name
    assert split_names([V("E1", "A/B"), V("E1", "A:B"), V("E1", "a b")]) == ["1 E1 A B.pdf", "2 E1 A B.pdf",
                                                                              "3 E1 a b.pdf"]
    assert split_names([V("E1", "x")] * 10)[0] == "01 E1 x.pdf"


def _with_template(example, write, tmp_path, body: str, name: str = "mine.typ"):
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    example.sheets["Settings"].rows.append(["payslip_template", f"templates/{name}"])
    return write(example)


def test_settings_payslip_template_is_used(example, write, tmp_path):
    path = _with_template(example, write, tmp_path, '#let d = json(bytes(sys.inputs.data))\n'
                          '#for p in d.pages [MY TEMPLATE #p.name #pagebreak(weak: true)]\n')
    result = invoke("run", path, "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out")
    assert result.exit_code == 0, result.output
    texts = pages_text(tmp_path / "out" / "payslips-2026-10.pdf")
    assert len(texts) == 9 and all(t.startswith("MY TEMPLATE ") for t in texts)
    assert "MY TEMPLATE Ivan Ivanov" in texts


def test_a_template_written_before_the_commission_columns_still_prints_them_by_name(example, write, tmp_path):
    path = _with_template(example, write, tmp_path, '#let d = json(bytes(sys.inputs.data))\n'
                          '#for p in d.pages [#let c = p.commission\n'
                          'OLD #c.plan.text / #c.fact.text / #c.base.text / #c.margin_share.text / #c.rate.text / '
                          '#c.amount.text #pagebreak(weak: true)]\n')
    result = invoke("run", path, "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out", "--lang", "en")
    assert result.exit_code == 0, result.output
    texts = pages_text(tmp_path / "out" / "payslips-2026-10.pdf")
    assert "OLD RUB 3,000,000.00 / RUB 3,300,000.00 / RUB 300,000.00 / 30.0% / 2% / RUB 1,800.00" in texts  # Ivanov


@pytest.mark.parametrize("body", ['#read("/etc/passwd")', '#read("file:///etc/passwd")', '#read("../book.xlsx")',
                                  '#image("http://example.com/logo.png")', '#import "@preview/cetz:0.3.4"'])
def test_a_template_reads_no_file_outside_its_folder_and_nothing_from_the_network(example, write, tmp_path, body):
    path = _with_template(example, write, tmp_path, "\n" + body + "\n")
    result = invoke("run", path, "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out")
    assert result.exit_code == 1
    assert "mine.typ" in result.stderr and "line 2" in result.stderr, result.stderr
    assert "root:" not in result.output
    assert not (tmp_path / "out" / "payslips-2026-10.pdf").exists()


def test_the_package_downloader_is_pointed_nowhere_and_the_environment_restored(example, write, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    path = _with_template(example, write, tmp_path, '#import "@preview/cetz:0.3.4"\n')
    result = invoke("run", path, "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out")
    assert result.exit_code == 1 and "failed to download package" in result.stderr
    assert "proxy.example" not in result.stderr
    import os
    assert os.environ["HTTPS_PROXY"] == "http://proxy.example:3128"


def test_a_broken_template_names_the_file_and_line(example, write, tmp_path):
    path = _with_template(example, write, tmp_path, "#let data = 1\n\n#table(columns: 2, [a]\n")
    result = invoke("run", path, "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out")
    assert result.exit_code == 1
    assert re.search(r"templates/mine\.typ: the payslip template cannot be used: line 3: ", result.stderr), \
        result.stderr


def test_a_missing_template_is_a_clear_error(example, write, tmp_path):
    example.sheets["Settings"].rows.append(["payslip_template", "nowhere.typ"])
    result = invoke("run", write(example), "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out")
    assert result.exit_code == 1 and "nowhere.typ: the payslip template does not exist" in result.stderr


def test_an_unwritable_folder_is_a_clear_error_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--dry-run", "--pdf", blocker / "out")
    assert result.exit_code == 1 and "cannot write in" in result.stderr
    (tmp_path / "out" / "payslips-2026-10.pdf").mkdir(parents=True)  # the target cannot be replaced
    result = invoke("run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out")
    assert result.exit_code == 1 and "cannot be written" in result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["payslips-2026-10.pdf"]


def test_pdf_with_out_writes_both(tmp_path):
    result = invoke("run", SAMPLES / "sales_team.xlsx", "--period", "2026-10", "--out", tmp_path / "o.xlsx",
                    "--pdf", tmp_path / "pdf")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o.xlsx").is_file() and (tmp_path / "pdf" / "payslips-2026-10.pdf").is_file()


def test_chunks_join_into_one_document_with_its_metadata():
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    views = payslip_views(kpi_reports.period_report(wb, "2026-10"), "en", "Romashka LLC")
    import io
    reader = PdfReader(io.BytesIO(pdf.render(views, "T", "Romashka LLC", "en", chunk=4)))
    assert len(reader.pages) == len(views) and reader.metadata.author == "Romashka LLC"


def test_a_broken_html_template_names_the_file_and_line(tmp_path):
    (tmp_path / "t.html.j2").write_text("<p>\n{{ pages[0].nothing_here }}\n", encoding="utf-8")
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    views = payslip_views(kpi_reports.period_report(wb, "2026-10"), "en", "R")
    with pytest.raises(kpi_reports.KpiError, match=r"t\.html\.j2: .*line 2"):
        html.render(views, "T", "R", "en", tmp_path / "t.html.j2")


def test_split_for_many_people_runs_in_worker_processes_and_keeps_the_order(tmp_path, write, monkeypatch):
    from kpi_reports.render.printed import files as printed
    from kpi_reports.workbook.example import example_data

    monkeypatch.setattr(printed, "PER_TASK", 7)
    path = write(example_data("ru", managers=20, months=("2026-10",)), "ru")
    result = invoke("run", path, "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out", "--split")
    assert result.exit_code == 0, result.output
    wb = kpi_reports.load(path)
    views = payslip_views(kpi_reports.period_report(wb, "2026-10"), "ru", wb.settings.company)
    assert len(views) > 2 * printed.PER_TASK
    for name, v in zip(split_names(views), views, strict=True):
        [page] = pages_text(tmp_path / "out" / name)
        assert flat(v.name) in page and flat(v.pay[-1].amount.text) in page


@pytest.mark.parametrize("typed", ["/etc/passwd", "../outside.typ", "templates/../../x.typ", "notes.txt"])
def test_settings_template_must_be_a_typ_file_beside_the_workbook(example, write, tmp_path, typed):
    example.sheets["Settings"].rows.append(["payslip_template", typed])
    result = invoke("run", write(example), "--period", "2026-10", "--dry-run", "--pdf", tmp_path / "out")
    assert result.exit_code == 1 and "expected a .typ file in the workbook's folder" in result.stderr
    assert not (tmp_path / "out").exists()


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False, allow_infinity=False),
       st.sampled_from(["ru", "en"]), st.sampled_from(["RUB", "USD", "EUR", "KZT", "JPY", "CHF"]))
def test_money_on_a_payslip_reads_as_babel_formats_the_currency(value, lang, currency):
    """As Babel formats it, with a no-break space after a currency shown by its code (`RUB 4,000.00`, not
    `RUB4,000.00`), as an English reader writes it."""
    cents = value.quantize(Decimal("0.01"), ROUND_HALF_UP) + 0  # + 0: a payslip shows no "−0.00" (Babel would)
    babel = format_currency(cents, currency, locale={"ru": "ru_RU", "en": "en_US"}[lang]).replace("-", "−")
    babel = re.sub(r"^(−?)([A-Z]{3})(?=\d)", "\\1\\2\u00a0", babel)
    assert money_text(value, lang, currency) == babel
