"""The page's routes (Flask): a thin face over `job`, as `cli.py` is over the library.

    GET  /                       the upload form (?lang=ru|en)
    POST /                       an upload: the result page's address (303), or the problems (422), or
                                 busy (503: the results not yet looked at fill the memory kept for them)
    GET  /r/<token>              the result: summary, payslips, review, warnings, downloads
    POST /r/<token>              the same upload again with other options (month, language, test mode, review)
    POST /r/<token>/close        closes the month shown on the page's copy: the workbook with the ledger (a
                                 download), or the refusal (a month closed already or out of order: 422)
    GET  /r/<token>/payslip/<n>  one payslip's HTML view (shown in the result page's frame)
    GET  /r/<token>/<download>   workbook, pdf, zip, json, review.json
    GET  /template.xlsx          the workbook to fill in (?lang=ru|en)

A token is looked up in memory, never used as a path; no name from the client is ever a path. The token is
what guards the forms posted to /r/<token>: a page elsewhere cannot know it (no Referer is ever sent), and
the Host check keeps such a page from reading this one; closing a month also refuses a request a browser
marks as sent from another site (Sec-Fetch-Site).
"""
from __future__ import annotations

import io
import logging
import re
from decimal import Decimal

import jinja2
from flask import Flask, Request, abort, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from kpi_reports import collector, i18n
from kpi_reports.layout.problems import problems
from kpi_reports.messages import LANGUAGES, templates_dir, text
from kpi_reports.problems import FileProblem, InvalidWorkbook, KpiError
from kpi_reports.render import html_sheet
from kpi_reports.render.printed import html
from kpi_reports.render.printed.pdf import safe_name
from kpi_reports.web import job
from kpi_reports.web.hosts import is_loopback
from kpi_reports.web.store import Busy, Store

log = logging.getLogger("kpi_reports.web")
MB = 1024 * 1024
FORM_ROOM = 64 * 1024
"""Bytes a request may carry beyond the upload limit: the form's other fields and the multipart framing."""
RETRY_AFTER = 60
"""Seconds an upload refused for want of memory (`Busy`) is told to wait before trying again."""
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,40}")
_HOST = re.compile(r"(?P<name>\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(:\d+)?")
DOWNLOADS = {
    "workbook": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
    "pdf": ("application/pdf", job.combined_pdf),
    "zip": ("application/zip", job.pdf_zip),
    "json": ("application/json", job.results_json),
    "review.json": ("application/json", job.review_json),
}
_MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.12"
CLOSER_CHARS = 100
"""The most characters of the "closed by" field the ledger records."""


class _InMemoryRequest(Request):
    """Uploaded files stay in memory (the size limit bounds them): none is spooled to the system's temporary
    folder."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


def create_app(store: Store | None = None, max_upload_mb: int = 50, loopback: bool = True) -> Flask:
    """The page. `loopback`: the server listens on 127.0.0.1 only, so a request naming another host is
    refused (a page elsewhere cannot reach this one through a DNS name that points here)."""
    folder = templates_dir() / "web"
    app = Flask(__name__, template_folder=str(folder), static_folder=str(folder / "static"))
    app.request_class = _InMemoryRequest
    app.wsgi_app = _collector_paused(app.wsgi_app)
    app.config.update(MAX_CONTENT_LENGTH=max_upload_mb * MB + FORM_ROOM)
    app.jinja_env.autoescape = True
    app.jinja_env.undefined = jinja2.StrictUndefined
    store = store or Store()
    globals_ = {"t": text, "languages": LANGUAGES, "sheet_css": html_sheet.css(), "limit_mb": max_upload_mb,
                "keep_minutes": max(1, round(store.keep / 60))}
    app.jinja_env.globals.update(globals_)

    @app.before_request
    def only_this_host():
        if loopback and not _loopback_name(request.host or ""):
            abort(400)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                    "img-src 'self' data:; frame-ancestors 'self'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def index():
        return render_template("index.html.j2", lang=_lang())

    @app.post("/")
    def upload():
        lang = _lang()
        file = request.files.get("workbook")
        if file is None or not file.filename:
            return _error_page(lang, text("web_no_file", lang), 400)
        name = _display_name(file.filename)
        data = file.read()
        if len(data) > max_upload_mb * MB:
            raise RequestEntityTooLarge()
        return _compute(data, name, _options(lang), lang)

    @app.get("/r/<token>")
    def result(token: str):
        entry = _entry(token)
        outcome = entry.outcome
        number = {v.employee_id: i for i, v in enumerate(outcome.views)}
        return render_template("result.html.j2", lang=outcome.lang, token=token, o=outcome,
                               sheets=_grids(outcome, token, number), total=_total(outcome),
                               teams=_teams(outcome, number))

    @app.post("/r/<token>")
    def again(token: str):
        entry = _entry(token)
        lang = _lang()
        return _compute(entry.upload, entry.outcome.name, _options(lang), lang, replaces=token)

    @app.post("/r/<token>/close")
    def close(token: str):
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            abort(403)
        entry = _entry(token)
        outcome = entry.outcome
        lang, name = outcome.lang, outcome.name
        try:
            with store.workspace() as folder:
                data, _ = job.close(entry.upload, name, outcome.period, lang, _closer(request.form.get("by", "")),
                                    folder)
        except KpiError as e:
            return _refusal(e, name, lang, "web_close_refused", url_for("result", token=token))
        try:  # the page's copy is the closed workbook now: the result, looked at again, shows the month closed
            with store.workspace() as folder:
                store.replace(token, job.process(data, name, outcome.options, folder), data)
        except KpiError:
            log.exception("the closed workbook could not be shown again")
        return _workbook_file(data, outcome)

    @app.get("/r/<token>/payslip/<int:number>")
    def payslip(token: str, number: int):
        outcome = _entry(token).outcome
        if not 0 <= number < len(outcome.views):
            abort(404)
        view = outcome.views[number]
        return html.render([view], f"{job.title(outcome)} — {view.name}", outcome.company, outcome.lang)

    @app.get("/r/<token>/<any(workbook, pdf, zip, json, 'review.json'):kind>")
    def download(token: str, kind: str):
        entry = _entry(token)
        outcome = entry.outcome
        if kind == "review.json" and outcome.review is None:
            abort(404)
        mimetype, make = DOWNLOADS[kind]
        if kind == "workbook":
            if outcome.closed is not None:  # its sheets are kept as they were paid: no run writes them again
                closed = outcome.closed
                return _error_page(outcome.lang, text("closed_kept", outcome.lang, period=closed.period,
                                                      closed_at=closed.closed_at, by=closed.closed_by), 409)
            return _workbook_file(outcome.workbook, outcome)
        data = entry.download(kind, lambda: make(outcome))
        return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                         download_name=_download_name(outcome, kind))

    @app.get("/template.xlsx")
    def template():
        lang = _lang()
        with store.workspace() as folder:
            data = job.blank_workbook(lang, folder)
        return send_file(io.BytesIO(data), mimetype=DOWNLOADS["workbook"][0], as_attachment=True,
                         download_name=f"kpi-{lang}.xlsx")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        lang = _lang()
        if isinstance(e, RequestEntityTooLarge):
            message = text("web_too_large", lang, limit=max_upload_mb)
        elif e.code == 404:
            message = text("web_not_found", lang)
        else:
            message = text("web_bad_request", lang)
        return _error_page(lang, message, e.code or 400)

    @app.errorhandler(KpiError)
    def refused(e: KpiError):
        """A download the library cannot make (a missing extra, say): its one clear line."""
        lang = _lang()
        return _error_page(lang, e.message.text(lang), 422)

    @app.errorhandler(Exception)
    def failure(e: Exception):
        log.exception("the page failed on %s %s", request.method, request.path)
        return _error_page(_lang(), text("web_failed", _lang()), 500)

    def _compute(data: bytes, name: str, options: job.Options, lang: str, replaces: str | None = None):
        try:
            with store.workspace() as folder:
                outcome = job.process(data, name, options, folder)
        except KpiError as e:
            return _refusal(e, name, lang)
        try:
            token = store.put(outcome, data, replaces)
        except Busy:
            page, status = _error_page(lang, text("web_busy", lang), 503)
            return page, status, {"Retry-After": str(RETRY_AFTER)}
        return redirect(url_for("result", token=token), 303)

    def _entry(token: str):
        entry = store.get(token) if _TOKEN.fullmatch(token) else None
        if entry is None:
            lang = _lang()
            abort(app.make_response(_error_page(lang, text("web_expired", lang, minutes=globals_["keep_minutes"]),
                                                410)))
        return entry

    return app


def _collector_paused(wsgi):
    """Each request with the cycle collector paused, as a command of the command line runs."""
    def paused(environ, start_response):
        with collector.paused():
            return wsgi(environ, start_response)
    return paused


def _loopback_name(host: str) -> bool:
    """The Host header names this computer: localhost or a loopback address (never another DNS name, which
    could point here only to let a page elsewhere read this one)."""
    m = _HOST.fullmatch(host)
    return bool(m) and is_loopback(m.group("name"))


def _lang() -> str:
    """The language asked for (the form's, else ?lang=), else the browser's first of ru and en, else ru."""
    chosen = ""
    if request.method == "POST":
        try:
            chosen = request.form.get("lang", "")
        except HTTPException:  # a body past the size limit is never read: the address's ?lang= says
            pass
    chosen = chosen or request.args.get("lang", "")
    return chosen if chosen in LANGUAGES else request.accept_languages.best_match(LANGUAGES, default="ru")


def _options(lang: str) -> job.Options:
    """The page's choices: its language always (so not the workbook's), the month, the review, test mode
    when ticked (else Settings mode)."""
    form = request.form
    return job.Options(lang=lang, period=form.get("period", "").strip() or None,
                       test_mode=(form.get("test_mode") == "on") or None, quarter=form.get("quarter", "").strip() or None)


def _display_name(filename: str) -> str:
    """The client's file name as text to show: its last part only, at most 200 characters."""
    return re.split(r"[\\/]", filename)[-1][:200] or "workbook.xlsx"


def _download_name(outcome: job.Outcome, kind: str) -> str:
    stem = safe_name(outcome.name.rsplit(".", 1)[0] if "." in outcome.name else outcome.name, suffix="",
                     fallback="workbook")
    period = outcome.period
    return {"workbook": f"{stem}{outcome.suffix}", "pdf": f"payslips-{period}.pdf",
            "zip": f"payslips-{period}.zip", "json": f"kpi-{period}.json",
            "review.json": f"review-{outcome.options.quarter}.json"}[kind]


def _refusal(e: KpiError, name: str, lang: str, heading: str = "web_usage_title", back: str = ""):
    """A workbook the library refuses: every problem by sheet and cell, or the one line that says why
    (`heading`: what was not done); `back`: the result page it was asked from."""
    if isinstance(e, InvalidWorkbook):
        return render_template("problems.html.j2", lang=lang, name=name, message="", heading="web_errors_title",
                               grid=html_sheet.grid(problems("", e.report.problems, lang), lang), back=back), 422
    heading = "web_file_title" if isinstance(e, FileProblem) else heading
    return render_template("problems.html.j2", lang=lang, name=name, grid=None, heading=heading,
                           message=f"{name}: {e.message.text(lang)}", back=back), 422


def _workbook_file(data: bytes, outcome: job.Outcome):
    mimetype = _MACRO_TYPE if outcome.suffix == ".xlsm" else DOWNLOADS["workbook"][0]
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=_download_name(outcome, "workbook"))


def _closer(typed: str) -> str:
    """Who closes the month, as the form names them: printable characters, spaces collapsed, at most
    CLOSER_CHARS; empty when nothing is left (the ledger then says `job.CLOSER`)."""
    return " ".join("".join(c if c.isprintable() else " " for c in typed).split())[:CLOSER_CHARS]


def _error_page(lang: str, message: str, status: int):
    return render_template("error.html.j2", lang=lang, message=message), status


def _grids(outcome: job.Outcome, token: str, number: dict[str, int]) -> list:
    """The summary with each person's ID and name pointing at their payslip (`number`: employee id → its
    payslip's number), the warnings, the review and the warnings of the review's months."""
    grids = []
    for sheet in outcome.sheets:
        if sheet.kind == "payslips":
            continue
        links = {}
        if sheet.kind == "summary":
            for cell in sheet.cells:
                if cell.col == 0 and isinstance(cell.value, str) and cell.value in number:
                    address = url_for("payslip", token=token, number=number[cell.value]) + "#top"
                    links[cell.row, 0] = links[cell.row, 1] = address
        grids.append((sheet.kind, html_sheet.grid(sheet, outcome.lang, links)))
    if outcome.review is not None and outcome.review.warnings:
        warned = problems(outcome.review.quarter, outcome.review.warnings, outcome.lang)
        grids.append(("review_warnings", html_sheet.grid(warned, outcome.lang)))
    return grids


def _teams(outcome: job.Outcome, number: dict[str, int]) -> list[tuple[str, list[tuple[int, object]]]]:
    """The payslips' list in the summary's order: by team as the summary has them, each team's people as
    its rows go; each with its payslip's number."""
    return [(team.team, [(n, outcome.views[n]) for n in (number[r.employee.employee_id] for r in people)])
            for team, people in outcome.report.result.by_team]


def _total(outcome: job.Outcome) -> str:
    return i18n.amount(Decimal(outcome.report.result.totals.total), outcome.lang)

