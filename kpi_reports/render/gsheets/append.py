"""The review applied to a Google spreadsheet (`sheets --apply-review`): the plan's rows
(`layout/apply_review.py`) as the body of ONE `spreadsheets.batchUpdate`, which Google applies whole or
not at all. Pure: nothing here talks to Google.

The requests, in order: the new rows inserted right below the Schemes table (insertDimension, inheriting
the format of the row above — so a row someone added below the table meanwhile moves down rather than
being written over); a column for `from` when the tab has none left of its edge; the `from` header, in
the format of the header cell to its left (copyPaste PASTE_FORMAT); then per new row, the row of the line
it versions pasted over it (copyPaste PASTE_NORMAL: every value, number format, style and drop-down of the
user's, as the user would copy the row), and the new weight and `from` written into it (updateCells;
`from` as text, so that no value the user reads is ever taken for a formula).
"""
from __future__ import annotations

from kpi_reports.layout.apply_review import AppendPlan


def append_body(plan: AppendPlan, sheet_id: int, columns: int) -> dict:
    """The batchUpdate body that appends the plan's rows to the tab `sheet_id`, whose grid is `columns`
    wide; an empty plan has no requests."""
    if not plan.rows:
        return {"requests": []}
    first, count = plan.rows[0].row, len(plan.rows)
    requests: list[dict] = [{"insertDimension": {
        "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": first, "endIndex": first + count},
        "inheritFromBefore": True}}]
    if plan.from_header is not None:
        if plan.from_column >= columns:
            requests.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                 "length": plan.from_column + 1 - columns}})
        requests.append(_value(sheet_id, plan.header_row, plan.from_column, {"stringValue": plan.from_header}))
        if plan.from_column > 0:
            requests.append(_paste(sheet_id, plan.header_row, plan.from_column - 1, plan.header_row,
                                   plan.from_column, 1, "PASTE_FORMAT"))
    for new in plan.rows:
        requests.append(_paste(sheet_id, new.source, 0, new.row, 0, plan.width, "PASTE_NORMAL"))
        requests.append(_value(sheet_id, new.row, plan.weight_column, {"numberValue": float(new.weight)}))
        requests.append(_value(sheet_id, new.row, plan.from_column, {"stringValue": plan.since}))
    return {"requests": requests}


def _value(sheet_id: int, row: int, column: int, value: dict) -> dict:
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column},
                            "rows": [{"values": [{"userEnteredValue": value}]}], "fields": "userEnteredValue"}}


def _paste(sheet_id: int, row: int, column: int, to_row: int, to_column: int, width: int, kind: str) -> dict:
    def span(r: int, c: int) -> dict:
        return {"sheetId": sheet_id, "startRowIndex": r, "endRowIndex": r + 1, "startColumnIndex": c,
                "endColumnIndex": c + width}
    return {"copyPaste": {"source": span(row, column), "destination": span(to_row, to_column), "pasteType": kind}}
