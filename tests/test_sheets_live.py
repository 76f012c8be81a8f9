"""The refresh against the real Google Sheets API, on a spreadsheet made for it — run by hand, never in CI:

    KPI_REPORTS_LIVE_SPREADSHEET=<key> GOOGLE_APPLICATION_CREDENTIALS=key.json python -m pytest tests/test_sheets_live.py

The spreadsheet is a copy of samples/sales_team.xlsx uploaded to Google Sheets and shared with the
service account; the test refreshes it twice and reads the generated tabs back. The offline tests
(test_sheets_command.py, against the local fake) are what CI runs."""
import os

import pytest

from kpi_reports.gsheets.client import connect
from kpi_reports.gsheets.refresh import refresh
from kpi_reports.pipeline import Options

KEY = os.environ.get("KPI_REPORTS_LIVE_SPREADSHEET")
pytestmark = pytest.mark.skipif(not (KEY and os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")),
                                reason="a live check: needs KPI_REPORTS_LIVE_SPREADSHEET and credentials")


def test_a_live_refresh_writes_the_tabs_and_ivanov_totals_119_800():
    session = connect()
    first = refresh(session, KEY, Options("2026-10", lang="en"))
    second = refresh(session, KEY, Options("2026-10", lang="en"))
    assert first.tabs == second.tabs == ("Payslips 2026-10", "Summary 2026-10") and second.calls == 3
    metadata = session.metadata(KEY)
    titles = [s["properties"]["title"] for s in metadata["sheets"]]
    assert titles.count("Payslips 2026-10") == 1 and titles.count("Summary 2026-10") == 1
    values = session.http.values_batch_get(KEY, ["'Payslips 2026-10'"], params={"valueRenderOption": "UNFORMATTED_VALUE"})
    cells = [v for row in values["valueRanges"][0].get("values", []) for v in row]
    assert 119800 in cells  # Ivanov's total, as Google computed the formulas
