"""Every text the tool prints, in English and Russian, from `templates/messages.toml`.

Code never holds a sentence for the user: it names a message and its fields (`msg("no_plan", kpi=…)`),
and the text is chosen when it is shown, in the reader's language.
"""
from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_decimal

LANGUAGES = ("ru", "en")


def templates_dir() -> Path:
    """`kpi_reports/templates` in an installed wheel; the checkout's `templates/` otherwise."""
    here = Path(__file__).parent
    return next(p for p in (here / "templates", here.parent / "templates") if p.is_dir())


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    with open(templates_dir() / "messages.toml", "rb") as f:
        return tomllib.load(f)


@dataclass(frozen=True)
class Msg:
    key: str
    params: tuple[tuple[str, object], ...] = ()

    def text(self, lang: str = "en") -> str:
        fields = {k: _field(v, lang) for k, v in self.params}
        return catalogue()[self.key][lang].format(**fields)

    def __str__(self) -> str:
        return self.text("en")


def _field(value: object, lang: str) -> object:
    if isinstance(value, Msg):
        return value.text(lang)
    if isinstance(value, Decimal):  # 0.02 reads 0,02 in Russian
        return format_decimal(value, locale="ru_RU" if lang == "ru" else "en_US", decimal_quantization=False)
    return value


def msg(key: str, **params: object) -> Msg:
    if key not in catalogue():
        raise KeyError(f"no message {key!r} in messages.toml")
    return Msg(key, tuple(params.items()))


@functools.lru_cache(maxsize=8192)
def text(key: str, lang: str, **params: object) -> str:
    """Cached: a payslip per person repeats the same labels and rules thousands of times."""
    return msg(key, **params).text(lang)


def default_language() -> str:
    """The system's language when it is English, else Russian (what the first users read)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "en" if value.lower().startswith("en") else "ru"
    return "ru"
