"""The drop-in page (`kpi-reports serve`): drop a workbook in, see the team, get it back with payslips.

    from kpi_reports.web import create_app, serve
    serve("127.0.0.1", 8000)          # waitress, until Ctrl+C
"""
from __future__ import annotations

import logging
import os
import signal
import webbrowser
from collections.abc import Callable

from kpi_reports.messages import msg
from kpi_reports.problems import MissingExtra, UsageError
from kpi_reports.web.hosts import is_loopback

THREADS = 4


def create_app(*args, **kwargs):
    from kpi_reports.web.app import create_app as make
    return make(*args, **kwargs)


def server(host: str = "127.0.0.1", port: int = 8000, max_upload_mb: int = 50, keep_minutes: float = 30,
           threads: int = THREADS, root: str | os.PathLike | None = None):
    """A waitress server for the page, not yet running (`.run()`); `.effective_port` is the port it took
    (port 0: any free one); `.store` its Store, whose private folder is made in `root` (else the system's
    temporary folder). Request bodies are held in memory up to twice the upload limit, so that the
    page, not the server, says a file is too large."""
    try:
        from waitress import create_server

        from kpi_reports.web.app import MB
        from kpi_reports.web.app import create_app as make
    except ImportError as e:
        raise MissingExtra(msg("missing_extra", package=e.name or "flask", extra="web")) from None
    from kpi_reports.web.store import Store

    if host.lower() == "localhost":
        host = "127.0.0.1"  # one socket, one port: localhost may name ::1 as well
    store = Store(root, keep=keep_minutes * 60)
    app = make(store, max_upload_mb, loopback=is_loopback(host))
    body = (2 * max_upload_mb + 16) * MB
    try:
        done = create_server(app, host=host, port=port, threads=threads, max_request_body_size=body,
                             inbuf_overflow=body, expose_tracebacks=False, ident="kpi-reports")
    except OSError as e:  # the port is taken, the address is not this computer's, a port below 1024…
        store.close()
        raise UsageError(msg("web_cannot_listen", host=host, port=port, reason=e.strerror or e)) from None
    done.store = store
    return done


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False, max_upload_mb: int = 50,
          keep_minutes: float = 30, echo: Callable[[str], None] = print, lang: str = "ru") -> None:
    from kpi_reports.messages import text

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    running = server(host, port, max_upload_mb, keep_minutes)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{running.effective_port}/"
    if not is_loopback(host):
        echo(text("web_open_host", lang, host=host))
    echo(text("web_serving", lang, url=url))
    if open_browser:
        webbrowser.open(url)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the page as Ctrl+C does: tidily
    try:
        running.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        running.close()
        running.store.close()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
