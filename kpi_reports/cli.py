"""The `kpi-reports` command: parse options, call the library, print. Nothing else lives here."""
from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path

import click

import kpi_reports
from kpi_reports import collector, i18n, pipeline
from kpi_reports.files import atomic_path
from kpi_reports.messages import default_language, msg, text
from kpi_reports.problems import InvalidWorkbook, KpiError, UsageError
from kpi_reports.render import closed as closed_out
from kpi_reports.render import json as json_out
from kpi_reports.render import terminal
from kpi_reports.render.printed.files import written_note as printed_note
from kpi_reports.render.progress import Progress
from kpi_reports.render.xlsx import writeback
from kpi_reports.workbook.example import write_starter

LANG = click.Choice(i18n.LANGUAGES)


def lang_option(default: str | None = None):
    return click.option("--lang", type=LANG, default=default, help="Language of texts and numbers "
                        "(default: the workbook's Settings language, else English on an English system, else "
                        "Russian).")


def output_options(command):
    """--json, --out, --dry-run and --backup: where a command's results and sheets go (run and review)."""
    for option in reversed((
        click.option("--json", "json_path", metavar="FILE|-", help="Write the results as JSON to FILE, or - for stdout."),
        click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the generated sheets to a new workbook FILE instead of into PATH."),
        click.option("--dry-run", is_flag=True, help="Compute and print, write no sheet anywhere."),
        click.option("--backup", is_flag=True, help="Keep the previous PATH as NAME.bak.xlsx."),
    )):
        command = option(command)
    return command


def handles_errors(command):
    """Turn the library's errors into a clear message and exit code 1; --debug shows the traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        try:
            with collector.paused():
                return command(*args, **kwargs)
        except KpiError as e:
            if ctx.obj.get("debug"):
                raise
            click.echo(_problem_text(e, ctx.obj.get("lang") or kwargs.get("lang")), err=True)
            ctx.exit(1)
    return wrapper


@click.group()
@click.version_option(kpi_reports.__version__)
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """KPI completion, bonuses and commission for a sales team, from a standard workbook."""
    ctx.ensure_object(dict)["debug"] = debug


@main.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@lang_option()
@handles_errors
def check(path: Path, lang: str | None) -> None:
    """Check the workbook at PATH: every problem at once, with sheet and cell. Exit 1 on errors."""
    writeback.remove_leftovers(path)  # what a killed run left beside it
    report = kpi_reports.check(path)
    click.echo(terminal.problems_text(report, lang or report.language or default_language()))
    sys.exit(1 if report.errors else 0)


@main.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--period", metavar="YYYY-MM", help="The month to compute (default: the latest one with facts).")
@output_options
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Facts are month-to-date on this day: forecast each KPI and the pay to month end.")
@click.option("--test-mode", is_flag=True, default=None,
              help="Mark every output as test mode, not a basis for payment (or Settings mode = test).")
@click.option("--pdf", "pdf_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Also print the payslips to DIR/payslips-YYYY-MM.pdf: an A4 page per person, in the Summary's order.")
@click.option("--split", is_flag=True, help="With --pdf: also one PDF per person, numbered in that order (1 E001 Name.pdf).")
@click.option("--html", "with_html", is_flag=True, help="With --pdf: also the HTML view, payslips-YYYY-MM.html.")
@click.option("--credited", is_flag=True,
              help="Also a Credited sheet: every Deals, Calls and Activities row, whom and which month it was "
                   "credited to, or why not.")
@lang_option()
@handles_errors
def run(path: Path, period: str | None, json_path: str | None, out_path: Path | None, dry_run: bool,
        backup: bool, as_of: dt.datetime | None, test_mode: bool | None, pdf_dir: Path | None, split: bool,
        with_html: bool, credited: bool, lang: str | None) -> None:
    """Compute pay for one month — bonus per KPI, commission, totals, weak spots; with --as-of, the
    forecast — and add payslips, a summary and the problems to the workbook at PATH, replacing the
    sheets an earlier run added. Nothing else in the workbook changes."""
    options = pipeline.Options(period=period, as_of=as_of.date() if as_of else None, test_mode=test_mode or None,
                               lang=lang, credited=credited)
    with Progress() as progress:
        outcome = kpi_reports.run(path, options, progress.stage)
        if outcome.closed is not None and out_path is None:
            _closed(outcome)
        if pdf_dir is not None:
            outcome.payslip_template()  # a template that cannot print is said before anything is written
        note = _written(outcome, out_path, dry_run or outcome.closed is not None, backup, progress)
        if outcome.closed is not None and out_path is None:
            note = "\n".join(filter(None, (note, closed_out.closed_text(outcome.closed, outcome.lang))))
        if pdf_dir is not None:
            written = kpi_reports.print_payslips(outcome, pdf_dir, split, with_html, progress.stage)
            note = "\n".join(filter(None, (note, printed_note(written, pdf_dir, outcome.lang))))
    _print(lambda: json_out.dumps(outcome.report, outcome.lang), lambda: terminal.report_text(outcome.report, outcome.lang),
           json_path, note)


def _closed(outcome: pipeline.Outcome) -> None:
    """A closed month run again that no longer computes as it was paid: what changed, exit 1, nothing written."""
    click.get_current_context().find_root().obj["lang"] = outcome.lang
    if outcome.closed.differences:
        click.echo(closed_out.closed_text(outcome.closed, outcome.lang), err=True)
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to close.")
@click.option("--by", metavar="NAME", help="Who closes it, recorded in the ledger (default: this computer's user).")
@click.option("--backup", is_flag=True, help="Keep the previous PATH as NAME.bak.xlsx.")
@lang_option()
@handles_errors
def close(path: Path, period: str, by: str | None, backup: bool, lang: str | None) -> None:
    """Close a paid month: compute it as `run` does, write its sheets (kept for good: no later run replaces
    them) and record every person's pay in the Ledger sheet, each row chained to the one before. A closed
    month never changes by itself; a later change to it is paid as a correction in the next open month."""
    from kpi_reports import closing

    with Progress() as progress:
        done, saved = closing.close(path, period, by, backup, lang, progress.stage)
    outcome = done.outcome
    click.get_current_context().find_root().obj["lang"] = outcome.lang
    click.echo(terminal.report_text(outcome.report, outcome.lang))
    note = text("close_done", outcome.lang, period=done.period, rows=done.added, sheet=done.sheets[-1].name, path=path)
    click.echo(note + (f"; {text('backup_kept', outcome.lang, backup=saved)}" if saved else ""), err=True)


@main.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--employee", metavar="ID", help="One person's history only.")
@click.option("--json", "json_path", metavar="FILE|-", help="Write the history as JSON to FILE, or - for stdout.")
@lang_option()
@handles_errors
def history(path: Path, employee: str | None, json_path: str | None, lang: str | None) -> None:
    """What the ledger says was paid: per person and closed month, the pay, the corrections paid with it and
    why, and when and by whom the month was closed — the answer to "why was I paid this in March"."""
    found, lang = kpi_reports.api.history(path, employee, lang)
    click.get_current_context().find_root().obj["lang"] = lang
    _print(lambda: closed_out.history_dumps(found, lang), lambda: closed_out.history_text(found, lang), json_path, "")


@main.command()
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--quarter", required=True, metavar="YYYY-Qn", help="The quarter to review, such as 2026-Q4.")
@output_options
@click.option("--apply", "apply_weights", is_flag=True,
              help="Write the reviewed weights into PATH's Schemes sheet instead, as a new version of each changed "
                   "scheme from the next quarter's first month (with --dry-run: print the rows it would add).")
@click.option("--weights", type=click.Choice(["suggested", "sheet"]), default=None,
              help="With --apply: the suggested weights (the default), or those typed in the \"your weight\" "
                   "column of the workbook's Review YYYY-Qn sheet.")
@lang_option()
@handles_errors
def review(path: Path, quarter: str, json_path: str | None, out_path: Path | None, dry_run: bool, backup: bool,
           apply_weights: bool, weights: str | None, lang: str | None) -> None:
    """Review a quarter's KPI weights: per scheme and KPI how the three months went, the flags (too easy,
    out of reach, gamed, beside the point, over-paying, scheme design), suggested weights and the bonus
    fund at current and suggested weights — and add the sheet "Review YYYY-Qn", with a column of your own
    weights to try, to the workbook at PATH, replacing the one an earlier review of that quarter added.
    The sheets `run` added stay; nothing else in the workbook changes. With --apply, the weights go into
    the Schemes sheet instead (rows appended, looking like those above; nothing else changes)."""
    if apply_weights or weights:
        _apply(path, quarter, weights, json_path, out_path, dry_run, backup, apply_weights, lang)
        return
    with Progress() as progress:
        outcome = kpi_reports.run(path, pipeline.Options(quarter=quarter, lang=lang, pay=False), progress.stage)
        note = _written(outcome, out_path, dry_run, backup, progress)
    _print(lambda: json_out.review_dumps(outcome.review, outcome.lang),
           lambda: terminal.review_text(outcome.review, outcome.lang), json_path, note)


def _apply(path: Path, quarter: str, weights: str | None, json_path: str | None, out_path: Path | None,
           dry_run: bool, backup: bool, apply_weights: bool, lang: str | None) -> None:
    """review --apply: the rows added to Schemes (or, dry, that would be), then the line saying so."""
    from kpi_reports.apply import apply_review

    if not apply_weights:
        raise UsageError(msg("apply_weights_without_apply"))
    for option, given in (("--out", out_path), ("--json", json_path)):
        if given:
            raise UsageError(msg("apply_not_with", option=option))
    applied = apply_review(path, quarter, weights or "suggested", dry_run, backup, lang)
    click.get_current_context().find_root().obj["lang"] = applied.lang
    click.echo(applied.text())
    click.echo(applied.note(), err=True)


def _written(outcome: pipeline.Outcome, out_path: Path | None, dry_run: bool, backup: bool, progress) -> str:
    """The generated sheets into PATH, or a new workbook at --out, unless --dry-run; the line that says so.
    Errors from here on are told in the run's language."""
    click.get_current_context().find_root().obj["lang"] = outcome.lang
    if dry_run:
        return ""
    progress.stage(text("progress_write", outcome.lang))
    return kpi_reports.write(outcome, out_path, backup).note(outcome.lang)


def _print(json_text, terminal_text, json_path: str | None, note: str) -> None:
    """The JSON to stdout (`-`, and then nothing else there) or to a file (atomically); the terminal text;
    the line that says what was written, on stderr."""
    if json_path == "-":
        click.echo(json_text(), nl=False)
    else:
        if json_path:
            with atomic_path(json_path) as tmp:
                tmp.write_text(json_text(), encoding="utf-8")
        click.echo(terminal_text())
    if note:
        click.echo(note, err=True)


@main.command()
@click.argument("spreadsheet")
@click.option("--period", metavar="YYYY-MM", help="The month to compute (default: the latest one with facts).")
@click.option("--review", "quarter", metavar="YYYY-Qn", help="Also refresh the quarterly review tab of this quarter.")
@click.option("--credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="A service account's JSON key (else GOOGLE_APPLICATION_CREDENTIALS, else gspread's files).")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Facts are month-to-date on this day: forecast each KPI and the pay to month end.")
@click.option("--test-mode", is_flag=True, default=None,
              help="Mark every output as test mode, not a basis for payment (or Settings mode = test).")
@click.option("--watch", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Keep watching the input tabs, one small read every SECONDS, and refresh when they change.")
@click.option("--apply-review", "apply_quarter", metavar="YYYY-Qn",
              help="Instead of a refresh, append the quarter's reviewed weights to the Schemes tab as a new version "
                   "of each changed scheme from the next quarter's first month, in one batch.")
@click.option("--weights", type=click.Choice(["suggested", "sheet"]), default=None,
              help="With --apply-review: the suggested weights (the default), or those typed in the \"your weight\" "
                   "column of the spreadsheet's Review YYYY-Qn tab.")
@click.option("--close", "close_period", metavar="YYYY-MM",
              help="Instead of a refresh, close this paid month: its tabs kept for good and every person's pay "
                   "appended to the Ledger tab, in one batch.")
@click.option("--by", metavar="NAME", help="With --close: who closes it, recorded in the ledger (default: this "
                                           "computer's user).")
@lang_option()
@handles_errors
def sheets(spreadsheet: str, period: str | None, quarter: str | None, credentials: Path | None,
           as_of: dt.datetime | None, test_mode: bool | None, watch: float | None, apply_quarter: str | None,
           weights: str | None, close_period: str | None, by: str | None, lang: str | None) -> None:
    """Refresh the generated tabs of the Google Sheets spreadsheet SPREADSHEET (its address or key): read
    its input tabs in one call, compute as `run` does (and, with --review, as `review` does), and write the
    payslips, summary and review tabs in one atomic batch. Input tabs are never written, but by
    --apply-review, which appends the reviewed weights' rows to Schemes (and writes nothing else). A closed
    month's tabs and the Ledger tab are written by --close alone; a closed month refreshed writes nothing
    and says what changed since (exit 1 if anything did)."""
    from kpi_reports.gsheets import client as sheets_client
    from kpi_reports.gsheets.refresh import refresh
    from kpi_reports.gsheets.watch import watch_and_refresh

    if weights and not apply_quarter:
        raise UsageError(msg("apply_sheets_weights_without"))
    if by is not None and not close_period:
        raise UsageError(msg("sheets_close_by_without"))
    if close_period:
        others = {"--period": period, "--review": quarter, "--as-of": as_of, "--test-mode": test_mode, "--watch": watch,
                  "--apply-review": apply_quarter}
        _close_tabs(spreadsheet, close_period, by, credentials, lang, others)
        return
    if apply_quarter:
        others = {"--period": period, "--review": quarter, "--as-of": as_of, "--test-mode": test_mode, "--watch": watch}
        _apply_to_tab(spreadsheet, apply_quarter, weights or "suggested", credentials, lang, others)
        return
    key = sheets_client.spreadsheet_key(spreadsheet)
    scopes = sheets_client.WATCH_SCOPES if watch else sheets_client.SCOPES
    session = sheets_client.connect(credentials, scopes=scopes)
    options = pipeline.Options(period=period, quarter=quarter, as_of=as_of.date() if as_of else None,
                               test_mode=test_mode or None, lang=lang)
    if watch is None:
        _refreshed(refresh(session, key, options), key, once=True)
        return
    watch_and_refresh(session, key, options, watch, lambda done: _refreshed(done, key),
                      lambda e: click.echo(_problem_text(e, lang), err=True))


def _close_tabs(spreadsheet: str, period: str, by: str | None, credentials: Path | None, lang: str | None,
                others: dict) -> None:
    """sheets --close: the month's tabs and the Ledger tab written in one batch, then the line saying so."""
    from kpi_reports.gsheets import client as sheets_client
    from kpi_reports.gsheets.close import close

    for option, given in others.items():
        if given:
            raise UsageError(msg("sheets_close_not_with", option=option))
    done = close(sheets_client.connect(credentials), sheets_client.spreadsheet_key(spreadsheet), period, by, lang)
    outcome = done.closing.outcome
    click.get_current_context().find_root().obj["lang"] = outcome.lang
    click.echo(terminal.report_text(outcome.report, outcome.lang))
    click.echo(done.note(), err=True)


def _apply_to_tab(spreadsheet: str, quarter: str, weights: str, credentials: Path | None, lang: str | None,
                  others: dict) -> None:
    """sheets --apply-review: the rows appended to the Schemes tab, then the line saying so."""
    from kpi_reports.gsheets import client as sheets_client
    from kpi_reports.gsheets.apply import apply_review

    for option, given in others.items():
        if given:
            raise UsageError(msg("apply_sheets_not_with", option=option))
    done = apply_review(sheets_client.connect(credentials), sheets_client.spreadsheet_key(spreadsheet), quarter, lang,
                        weights)
    click.get_current_context().find_root().obj["lang"] = done.applied.lang
    click.echo(done.applied.text())
    click.echo(done.note(), err=True)


def _refreshed(done, key: str, once: bool = False) -> None:
    """A refresh's report; for a closed month (nothing written), what changed since it was closed — and, a
    single refresh, exit 1 when anything did (a watch goes on)."""
    outcome = done.outcome
    click.echo(terminal.report_text(outcome.report, outcome.lang))
    if outcome.review is not None:
        click.echo(terminal.review_text(outcome.review, outcome.lang))
    if done.closed is not None:
        click.echo(closed_out.closed_text(done.closed, outcome.lang), err=True)
        if once and done.closed.differences:
            click.get_current_context().find_root().obj["lang"] = outcome.lang
            sys.exit(1)
        return
    click.echo(text("sheets_refreshed", outcome.lang, spreadsheet=key, sheets=", ".join(done.tabs), calls=done.calls),
               err=True)


def _problem_text(e: KpiError, lang: str | None) -> str:
    if isinstance(e, InvalidWorkbook):
        return terminal.problems_text(e.report, lang or e.report.language or default_language())
    lang = lang or e.language or default_language()
    return f"{text('_error', lang)}: {e.text(lang)}"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; another than 127.0.0.1 lets other computers use the page.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="The port (0: any free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the browser.")
@click.option("--max-upload", type=click.IntRange(min=1), default=50, show_default=True, metavar="MB",
              help="The largest workbook the page takes.")
@click.option("--keep", type=click.FloatRange(min=1), default=30, show_default=True, metavar="MINUTES",
              help="How long a result (and its upload) is kept in memory for the downloads.")
@lang_option()
@handles_errors
def serve(host: str, port: int, open_browser: bool, max_upload: int, keep: float, lang: str | None) -> None:
    """A web page for dropping a workbook in: the team summary, each payslip, the review, and downloads —
    the workbook with the generated sheets, the PDFs, the JSON. Listens on 127.0.0.1 unless told otherwise;
    uploads are worked on in a private temporary folder and kept only in memory, for --keep minutes."""
    from kpi_reports.web import serve as run_server

    run_server(host, port, open_browser, max_upload, keep, click.echo, lang or default_language())


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@lang_option()
@click.option("--period", metavar="YYYY-MM", help="The month of the example rows (default: this month).")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@handles_errors
def init(path: Path, lang: str, period: str | None, force: bool) -> None:
    """Write a ready-to-fill standard workbook with explanations, drop-downs and example rows."""
    if path.exists() and not force:
        raise KpiError(msg("exists"), path)
    lang = lang or default_language()
    write_starter(path, lang, period)
    click.echo(text("written", lang, path=path))
