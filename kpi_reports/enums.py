"""The words of the workbook's enum columns (a KPI's group, direction, scope and unit; Settings language and
mode): the canonical values, with the Russian words a cell may hold, canonical Russian first. Below the
reader and the layout alike: the reader accepts the words, the layouts show a value in a language."""
from __future__ import annotations

ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "group": {
        "activity": ("активность",),
        "efficiency": ("эффективность",),
        "result": ("результат",),
    },
    "direction": {"higher": ("больше", "выше"), "lower": ("меньше", "ниже")},
    "scope": {"individual": ("личный", "личная", "индивидуальный"), "team": ("команда", "командный")},
    "unit": {
        "count": ("шт", "штуки", "количество"),
        "money": ("деньги", "руб", "₽"),
        "percent": ("процент", "%"),
        "days": ("дни", "дней"),
    },
    "language": {"ru": ("русский",), "en": ("english", "английский")},
    "mode": {"live": ("боевой", "рабочий", "normal"), "test": ("тест", "тестовый")},
    "switch": {"yes": ("да", "true", "1", "истина", "on"), "no": ("нет", "false", "0", "ложь", "off")},
}
ENUM_RU = {field: {value: words[0] for value, words in values.items()} for field, values in ENUMS.items()}



def label(field: str, value: str, lang: str) -> str:
    """How `value` of the enum `field` is shown in `lang`: the canonical word in English, the first
    Russian one in Russian."""
    return ENUM_RU[field].get(value, value) if lang == "ru" else value
