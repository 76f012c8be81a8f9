from kpi_reports.cli import main

main(prog_name="kpi-reports")
