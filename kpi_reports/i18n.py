"""Labels and number formats in Russian and English (Babel's locale data does the formatting)."""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent

LANGUAGES = ("ru", "en")
LOCALES = {"ru": "ru_RU", "en": "en_US"}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "employee": "Employee", "team": "Team", "salary": "Salary", "bonus": "Bonus",
        "commission": "Commission", "total": "Total", "team_total": "Team total", "grand_total": "Total",
        "period": "Period", "warnings": "Warnings", "errors": "Errors", "severity": "", "where": "Where",
        "message": "Problem", "error": "error", "warning": "warning", "no_problems": "No problems found.",
        "summary": "{errors} error(s), {warnings} warning(s)",
    },
    "ru": {
        "employee": "Сотрудник", "team": "Команда", "salary": "Оклад", "bonus": "Премия",
        "commission": "Процент", "total": "Итого", "team_total": "Итого по команде", "grand_total": "Итого",
        "period": "Период", "warnings": "Предупреждения", "errors": "Ошибки", "severity": "", "where": "Где",
        "message": "Проблема", "error": "ошибка", "warning": "предупреждение",
        "no_problems": "Проблем не найдено.", "summary": "ошибок: {errors}, предупреждений: {warnings}",
    },
}


def label(lang: str, key: str) -> str:
    return LABELS[lang][key]


def amount(value: Decimal, lang: str) -> str:
    """119800 → `119 800,00` (ru) or `119,800.00` (en)."""
    return format_decimal(value, format="#,##0.00", locale=LOCALES[lang], decimal_quantization=True)


def percent(value: Decimal, lang: str) -> str:
    return format_percent(value, format="#,##0.0%", locale=LOCALES[lang])
