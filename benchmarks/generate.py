"""Write a standard KPI workbook of any size, for benchmarks.

    python benchmarks/generate.py N OUT.xlsx [--lang en|ru]

N managers (teams of four, alternately hunters and farmers) plus one head of sales, 12 months
(2026-01..2026-12) of plans and facts. Deterministic: the same arguments give the same workbook.
"""
from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

from kpi_reports.workbook.example import YEAR_MONTHS, example_data
from kpi_reports.workbook.template import write_workbook


def generate(managers: int, out: str | Path, lang: str = "en", settings: tuple[tuple[str, object], ...] = ()) -> Path:
    """Write the workbook at `out`; `managers` + 1 employees in all; `settings`: Settings rows added."""
    data = example_data(lang, managers=managers, months=YEAR_MONTHS)
    data.sheets["Settings"].rows.extend([key, value] for key, value in settings)
    write_workbook(out, data, lang, constant_memory=True)
    return Path(out)


def month_report(size: int, folder: Path, period: str = "2026-10"):
    """The workbook of `size` employees in `folder` (generated the first time) and `run`'s report of
    `period`: (workbook, report), what the renderers' benchmarks draw."""
    import kpi_reports
    path = folder / f"kpi_{size}.xlsx"
    if not path.is_file():
        generate(size - 1, path)
    wb = kpi_reports.load(path, periods=kpi_reports.trend_months(period))
    return wb, kpi_reports.period_report(wb, period)


def machine(details: str) -> str:
    """The line a benchmark prints of where it ran: cores, processor, system, Python, then `details` (the
    versions of the packages it measures)."""
    return (f"{len(os.sched_getaffinity(0))} cores (nproc), {platform.processor() or platform.machine()}, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}; {details}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("managers", type=int, metavar="N", help="number of managers (a head of sales is added)")
    parser.add_argument("out", metavar="OUT.xlsx")
    parser.add_argument("--lang", choices=("en", "ru"), default="en")
    args = parser.parse_args()
    if args.managers < 1:
        parser.error("N must be at least 1")
    path = generate(args.managers, args.out, args.lang)
    print(f"{path}: {args.managers} managers + 1 head, {len(YEAR_MONTHS)} months ({args.lang})")


if __name__ == "__main__":
    main()
