"""Printable payslips as PDF, through Typst (the `typst` package: the compiler as a Python binding).

Why Typst: measured on 1,000 real payslips it renders about 500 pages a second in under 0.5 GB, where
WeasyPrint managed 12.5 pages a second and 860 MB (benchmarks/bench_pdf.py measures it again). Its own
embedded fonts (Libertinus Serif, with Cyrillic) are used and the system's ignored, so every machine
prints the same; it reads no network and no file outside its root folder.

No user text is ever markup: the payslips go to the template as one JSON string in `sys.inputs`, which
the template parses with `json(...)` and only ever places as text. The template's folder is its root,
so it can read nothing outside it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kpi_reports.layout.payslip_view import PayslipView
from kpi_reports.messages import msg, templates_dir
from kpi_reports.problems import KpiError, MissingExtra

CHUNK = 250
"""Pages per Typst compilation: Typst holds what it laid out in memory until its process ends (about
0.9 GB per 1,000 pages), so a larger run is rendered in chunks in worker processes and joined with pypdf."""
STANDARD = "a-2b"
"""PDF/A-2b, for archiving."""
TEMPLATE = "payslip.typ"


def default_template() -> Path:
    return templates_dir() / TEMPLATE


def document_data(views: Sequence[PayslipView], title: str, author: str, lang: str) -> str:
    """The JSON the template reads: the document's title and author, the language and one entry a page."""
    return json.dumps({"title": title, "author": author or title, "lang": lang,
                       "pages": [v.data() for v in views]}, ensure_ascii=False)


def render(views: Sequence[PayslipView], title: str, author: str, lang: str, template: Path | None = None,
           standard: str | None = STANDARD, chunk: int = CHUNK, timestamp: dt.datetime | None = None,
           workers: int | None = None) -> bytes:
    """One PDF with a page per payslip, in the order given. More than `chunk` payslips are rendered in
    chunks, each in a process of its own (Typst keeps what it laid out until its process ends, about
    0.9 GB per 1,000 pages), `workers` at a time, and joined."""
    stamp = timestamp or _now()
    chunks = [list(views[i:i + chunk]) for i in range(0, max(len(views), 1), chunk)]
    if len(chunks) == 1:
        return _render_chunk(chunks[0], title, author, lang, template, standard, stamp)
    used = Path(template) if template else default_template()
    if not used.is_file():  # said before any process starts
        raise KpiError(msg("template_missing"), used)
    with ThreadPoolExecutor(max_workers=min(len(chunks), workers or cores())) as pool:
        parts = list(pool.map(lambda part: _in_worker(part, title, author, lang, used, standard, stamp), chunks))
    return _join(parts, title, author)


def _in_worker(views: list[PayslipView], title: str, author: str, lang: str, template: Path, standard: str | None,
               stamp: dt.datetime) -> bytes:
    """One chunk rendered by a fresh `python -m kpi_reports.render.printed.pdf`: the JSON in, the PDF out."""
    return _run_worker({"each": [document_data(views, title, author, lang)], "template": str(template),
                        "standard": standard, "timestamp": stamp.isoformat()}, template)[0]


def _run_worker(job: dict, template: Path) -> list[bytes]:
    done = subprocess.run([sys.executable, "-m", "kpi_reports.render.printed.pdf"],
                          input=json.dumps(job, ensure_ascii=False).encode("utf-8"), capture_output=True, check=False)
    if done.returncode == 2:
        raise KpiError(msg("template_error", reason=done.stderr.decode("utf-8").strip()), template)
    if done.returncode != 0:
        raise RuntimeError(f"the PDF worker failed: {done.stderr.decode('utf-8', 'replace')}")
    out, at = [], 0
    while at < len(done.stdout):  # each PDF after its length in 8 bytes
        size = int.from_bytes(done.stdout[at:at + 8], "big")
        out.append(done.stdout[at + 8:at + 8 + size])
        at += 8 + size
    return out


def _worker() -> None:
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    template = Path(job["template"])
    with _compiler(template) as (typst, compiler, used):
        for data in job["each"]:
            try:
                pdf = compiler.compile(format="pdf", sys_inputs={"data": data}, pdf_tags=False,
                                       pdf_standards=[job["standard"]] if job["standard"] else [],
                                       timestamp=dt.datetime.fromisoformat(job["timestamp"]))
            except typst.TypstError as e:
                sys.stderr.write(template_error(e, used))
                sys.exit(2)
            sys.stdout.buffer.write(len(pdf).to_bytes(8, "big") + pdf)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _render_chunk(views: list[PayslipView], title: str, author: str, lang: str, template: Path | None,
                  standard: str | None, stamp: dt.datetime) -> bytes:
    with _compiler(template) as (typst, compiler, used):
        return _compile(compiler, typst, used, document_data(views, title, author, lang), standard, stamp)


def render_each(views: Sequence[PayslipView], title: str, author: str, lang: str, template: Path | None = None,
                standard: str | None = STANDARD) -> list[bytes]:
    """A PDF of its own per payslip (titled `title — name`), in a fresh worker process (never a fork of
    this one: Typst's threads do not survive a fork), with one compiler for them all."""
    used = Path(template) if template else default_template()
    if not used.is_file():
        raise KpiError(msg("template_missing"), used)
    return _run_worker({"each": [document_data([v], f"{title} — {v.name}", author, lang) for v in views],
                        "template": str(used), "standard": standard, "timestamp": _now().isoformat()}, used)


PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
NOWHERE = "http://127.0.0.1:9"
"""The discard port: where Typst's package downloader is sent, so that it reaches no network."""


@contextlib.contextmanager
def _compiler(template: Path | None) -> Iterator[tuple]:
    """A Typst compiler whose root is the template's folder, with Typst's own fonts only, and no way out:
    packages are looked up in an empty folder, and a download goes to a proxy that is not there."""
    typst = _typst()
    template = Path(template) if template else default_template()
    if not template.is_file():
        raise KpiError(msg("template_missing"), template)
    saved = {name: os.environ.get(name) for name in (*PROXY_VARS, "NO_PROXY", "no_proxy")}
    with tempfile.TemporaryDirectory(prefix="kpi-typst-") as empty:
        try:
            os.environ.update(dict.fromkeys(PROXY_VARS, NOWHERE))
            for name in ("NO_PROXY", "no_proxy"):
                os.environ.pop(name, None)
            yield typst, typst.Compiler(str(template), root=str(template.parent), ignore_system_fonts=True,
                                        package_path=empty, package_cache_path=empty), template
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _compile(compiler, typst, template: Path, data: str, standard: str | None, stamp: dt.datetime) -> bytes:
    try:
        return compiler.compile(format="pdf", sys_inputs={"data": data}, pdf_standards=[standard] if standard else [],
                                timestamp=stamp, pdf_tags=False)  # tags (for screen readers) double the time
    except typst.TypstError as e:
        raise KpiError(msg("template_error", reason=template_error(e, template)), template) from None


def template_error(e, template: Path) -> str:
    """Typst's message with the line it names: `line 12: unknown variable: foo`."""
    found = re.search(r"(?:^|\s)(?:[^\s:]*?)(\d+):(\d+)", e.diagnostic or "")
    line = _line(e.diagnostic or "", template)
    where = f"line {line}: " if line else (f"{found.group(0).strip()}: " if found else "")
    return where + (e.message or str(e)).strip()


def _line(diagnostic: str, template: Path) -> int | None:
    """The line Typst's diagnostic points at in the template (`┌─ payslip.typ:12:3`)."""
    found = re.search(re.escape(template.name) + r":(\d+):\d+", diagnostic)
    return int(found.group(1)) if found else None


def _join(parts: list[bytes], title: str, author: str) -> bytes:
    try:
        from pypdf import PdfWriter
    except ImportError:
        raise MissingExtra(msg("missing_extra", package="pypdf", extra="pdf")) from None
    from pypdf import PdfReader
    from pypdf.generic import NameObject

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    first = PdfReader(io.BytesIO(parts[0])).trailer["/Root"]
    for key in ("/Metadata", "/OutputIntents", "/MarkInfo", "/Lang"):  # PDF/A: the XMP and the colour profile
        if key in first:
            writer._root_object[NameObject(key)] = first[key].clone(writer)
    writer.add_metadata({"/Title": title, "/Author": author or title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _typst():
    try:
        import typst
    except ImportError:
        raise MissingExtra(msg("missing_extra", package="typst", extra="pdf")) from None
    return typst


# --- file names ---------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?", re.IGNORECASE)
MAX_NAME = 120
"""Characters of a file name before its extension: well below every file system's 255 bytes in UTF-8."""


def safe_name(text: str, suffix: str = ".pdf", fallback: str = "payslip") -> str:
    """A file name that is safe on Windows, macOS and Linux, never a path: `E001 Иванов Иван.pdf`.
    Drops `/ \\ : * ? " < > |` and control characters, `..`, leading dots, trailing dots and spaces;
    prefixes Windows' reserved names (CON, NUL, COM1…) with `_`; caps the length."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub(" ", name).replace("..", " ")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    name = name[:MAX_NAME].rstrip(". ")
    if not name:
        name = fallback
    if _RESERVED.fullmatch(name):
        name = "_" + name
    return name + suffix


def split_names(views: Sequence[PayslipView]) -> list[str]:
    """One safe file name per payslip, numbered in the views' order so that a folder listing sorts them as the
    combined document has them (and no two are alike): `01 E001 Иванов Иван.pdf`."""
    width = len(str(len(views)))
    return [safe_name(f"{i:0{width}d} {v.employee_id} {v.name}") for i, v in enumerate(views, 1)]


if __name__ == "__main__":
    _worker()
