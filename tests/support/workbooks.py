"""Workbooks as the other faces see them: an .xlsx's sheets as a spreadsheet's tabs, for the Sheets fake."""
from __future__ import annotations

from pathlib import Path

import python_calamine


def spreadsheet_tabs(path: Path) -> dict[str, list[list]]:
    """The workbook's sheets as a spreadsheet's tabs, months as dates shown `yyyy-mm` (as an upload of the
    file to Google Sheets keeps them)."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: [[{"date": v, "pattern": "yyyy-mm"} if hasattr(v, "year") else v for v in row]
                   for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
            for name in book.sheet_names}
