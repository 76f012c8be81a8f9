"""Rebuild the bundled samples from kpi_reports.workbook.example: `python samples/build.py`."""
from pathlib import Path

from kpi_reports.workbook.example import example_data
from kpi_reports.workbook.example_changes import changes_data
from kpi_reports.workbook.example_lists import lists_data
from kpi_reports.workbook.template import write_workbook

HERE = Path(__file__).parent
SAMPLES = {"en": HERE / "sales_team.xlsx", "ru": HERE / "sales_team_ru.xlsx"}
CHANGES = {"en": HERE / "team_changes.xlsx", "ru": HERE / "team_changes_ru.xlsx"}
LISTS = {"en": HERE / "crm_lists.xlsx", "ru": HERE / "crm_lists_ru.xlsx"}

if __name__ == "__main__":
    for lang, path in SAMPLES.items():
        write_workbook(path, example_data(lang), lang)
        print(f"{path}: written")
    for lang, path in CHANGES.items():
        write_workbook(path, changes_data(lang), lang)
        print(f"{path}: written")
    for lang, path in LISTS.items():
        write_workbook(path, lists_data(lang), lang)
        print(f"{path}: written")
