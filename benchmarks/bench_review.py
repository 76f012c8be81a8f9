"""How long `kpi-reports review PATH --quarter 2026-Q4` takes, against reading the workbook, in the same run.

    python benchmarks/bench_review.py [--sizes 100,1000]

  floor   a fresh Python process that reads every sheet of the input with python-calamine: the raw work
          no review can avoid (it needs the quarter's and the previous quarter's rows of every sheet)
  json    a fresh `python -m kpi_reports review PATH --quarter 2026-Q4 --dry-run --json FILE`: six months
          computed (the quarter and the one before); the workbooks' weights need no change, so the
          quarter is not computed again
  moved   the same on a copy whose Settings `review_too_easy` is 60%: KPIs are flagged, weights move,
          and the quarter's three months are computed again under the suggested weights
  sheet   a fresh `python -m kpi_reports review COPY --quarter 2026-Q4`: `json`'s work, and the review
          sheet written back into COPY (restored before each run)

Best of 5 (3 at 10,000 employees), alternating; peak memory (max RSS) of the written run as well. The
workbooks are bench_writeback's (N employees × 12 months, generated once into benchmarks/out/).
"""
from __future__ import annotations

import shutil
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_writeback import OUT, _rss, prepare, timed
from generate import generate

import kpi_reports

QUARTER = "2026-Q4"
FLOOR = r'''
import sys
import python_calamine
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python()
'''


def measure(size: int) -> dict[str, float]:
    source, copy, json_path = OUT / f"kpi_{size}.xlsx", OUT / f"review_{size}.xlsx", OUT / f"review_{size}.json"
    moved = OUT / f"review_moved_{size}.xlsx"
    if not source.exists():
        generate(size - 1, source)
    generate(size - 1, moved, settings=(("review_too_easy", Decimal("0.6")),))

    def restore() -> None:
        shutil.copyfile(source, copy)

    review = [sys.executable, "-m", "kpi_reports", "review"]
    jobs = {
        "floor": ([sys.executable, "-c", FLOOR, str(source)], None),
        "json": ([*review, str(source), "--quarter", QUARTER, "--dry-run", "--json", str(json_path)], None),
        "moved": ([*review, str(moved), "--quarter", QUARTER, "--dry-run", "--json", str(json_path)], None),
        "sheet": ([*review, str(copy), "--quarter", QUARTER], restore),
    }
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(3 if size >= 10_000 else 5):
        for name, (args, before) in jobs.items():
            best[name] = min(best[name], timed(args, before)[0])
    return {**best, "rss": _rss(jobs["sheet"][0], restore), "moves": _moves(moved)}


def _moves(path: Path) -> int:
    """The 5-point steps the suggestion takes in `path`: that its quarter was computed again."""
    review = kpi_reports.review(kpi_reports.load(path, periods=kpi_reports.review_months(QUARTER)), QUARTER)
    return sum(len(s.moves) for s in review.schemes)


def main() -> None:
    sizes = prepare(__doc__)
    print("| employees | read floor s | review --dry-run --json s | ratio | weights moved s (moves) | ratio "
          "| sheet written s | ratio | peak memory MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        r = measure(size)
        print(f"| {size:,} | {r['floor']:.2f} | {r['json']:.2f} | {r['json'] / r['floor']:.1f}× "
              f"| {r['moved']:.2f} ({r['moves']}) | {r['moved'] / r['floor']:.1f}× | {r['sheet']:.2f} "
              f"| {r['sheet'] / r['floor']:.1f}× | {r['rss']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
