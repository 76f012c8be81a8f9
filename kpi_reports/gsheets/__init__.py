"""Google Sheets as a source of the standard workbook (issue 10, `kpi-reports sheets`).

`source` turns a spreadsheet's metadata and one values:batchGet of its input tabs into the reader's
tables (the .xlsx path's reading and checks from there on); `client` is the transport — credentials
through gspread, `KPI_REPORTS_SHEETS_URL` for another base address, retries, clear errors. gspread is
imported only by `client`, so `source` works without the `sheets` extra.
"""
