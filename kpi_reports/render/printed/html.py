"""The HTML view of the printed payslips: jinja2 with autoescape on, so every text from the workbook is
escaped and never markup; StrictUndefined, so a template naming a field that does not exist is an error;
the loader rooted at the templates folder, so a template can include nothing outside it."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpi_reports.layout.payslip_view import PayslipView
from kpi_reports.messages import msg, templates_dir
from kpi_reports.problems import KpiError, MissingExtra

TEMPLATE = "payslip.html.j2"


def render(views: Sequence[PayslipView], title: str, author: str, lang: str, template: Path | None = None) -> str:
    try:
        import jinja2
    except ImportError:
        raise MissingExtra(msg("missing_extra", package="jinja2", extra="pdf")) from None
    template = Path(template) if template else templates_dir() / TEMPLATE
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template.parent)),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    try:
        return env.get_template(template.name).render(title=title, author=author or title, lang=lang,
                                                      pages=[v.data() for v in views])
    except jinja2.TemplateNotFound:
        raise KpiError(msg("template_missing"), template) from None
    except jinja2.TemplateError as e:
        line = getattr(e, "lineno", None) or _line(e, template)
        reason = f"line {line}: {e.message}" if line else str(e)
        raise KpiError(msg("template_error", reason=reason), template) from None


def _line(e: Exception, template: Path) -> int | None:
    """The template's line a rendering error happened on: jinja2 puts the template's own frames, with its
    lines, into the traceback."""
    line, tb = None, e.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).name == template.name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
