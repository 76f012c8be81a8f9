"""The printed payslips on disk: `DIR/payslips-2026-10.pdf` (a page per person, in the Summary's
order), with --split one PDF per person (`1 E001 Иванов Иван.pdf`), with --html the HTML view beside them. Every
file is written atomically: an error leaves no half-written file."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kpi_reports.files import atomic_path
from kpi_reports.layout.payslip_view import PayslipView
from kpi_reports.messages import msg, text
from kpi_reports.problems import FileProblem
from kpi_reports.render.printed import html, pdf

PER_TASK = 100
"""People per --split worker process."""


def write_payslips(views: Sequence[PayslipView], folder: Path, period: str, lang: str, company: str,
                   split: bool = False, with_html: bool = False, template: Path | None = None,
                   stage: Callable[[str], None] | None = None) -> list[Path]:
    """Writes the files; returns them, the combined PDF first."""
    folder = _folder(Path(folder))
    title = text("sheet_payslips", lang, period=period)
    stem = pdf.safe_name(f"payslips-{period}", suffix="")
    written = []
    if stage:
        stage(text("progress_pdf", lang))
    document = pdf.render(views, title, company, lang, template)
    written.append(_write(folder / f"{stem}.pdf", document))
    if with_html:
        written.append(_write(folder / f"{stem}.html", html.render(views, title, company, lang).encode("utf-8")))
    if split:
        names = pdf.split_names(views)
        for name, data in zip(names, singles(views, title, company, lang, template), strict=True):
            written.append(_write(folder / name, data))
    return written


def written_note(paths: list[Path], folder: Path, lang: str) -> str:
    shown = [p.name for p in paths[:3]] + ([f"… ({len(paths)})"] if len(paths) > 3 else [])
    return text("written_payslips", lang, folder=folder, files=", ".join(shown))


def _folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FileProblem(msg("cannot_write_in", folder=folder, reason=e.strerror or e), folder) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileProblem(msg("cannot_write_in", folder=folder, reason="permission denied"), folder)
    return folder


def _write(path: Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def singles(views: Sequence[PayslipView], title: str, company: str, lang: str, template: Path | None = None):
    """Each person's own PDF, in order: tasks of PER_TASK people, each in a fresh worker process, as many at
    once as there are cores."""
    tasks = [list(views[i:i + PER_TASK]) for i in range(0, len(views), PER_TASK)]
    with ThreadPoolExecutor(max_workers=max(1, min(len(tasks), pdf.cores()))) as pool:
        for done in pool.map(lambda task: pdf.render_each(task, title, company, lang, template), tasks):
            yield from done
