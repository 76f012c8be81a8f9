"""What a year of closed months costs `run`: the same 1,000-person workbook without a ledger and with twelve
closed months (whose recomputation for corrections is the cost), as the user waits for it.

    python benchmarks/bench_ledger.py [--size 1000] [--repeats 3] [--check]

The workbook has 13 months (2025-12..2026-12) of Plans and Facts; the closed copy has 2025-12..2026-11
closed with `kpi_reports.closing.close` (built once into benchmarks/out/, before any timing). Timed, as fresh
processes, `repeats` times, interleaved so that machine noise hits all of them:

  floor      pandas.read_excel(closed copy, engine="calamine", sheet_name=[the input sheets and the Ledger]):
             what any implementation reads (not the closed months' own payslips and summaries)
  today      kpi-reports run WORKBOOK --period 2026-12 --json FILE      (no ledger)
  closed 12  kpi-reports run CLOSED --period 2026-12 --json FILE        (recomputes the 12 closed months)

each with --dry-run (the figures) and writing the sheets into a copy (what `run` does by default); the best
and the median of the repeats are shown, and the median of the paired ratios (a closed run over the today run
just before it, which share the machine's state: its noise here is ±30% from run to run). --check exits 1
when that median exceeds 1.5× (the issue's bound).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import machine

OUT = Path(__file__).resolve().parent / "out"
MONTHS = ("2025-12", *(f"2026-{m:02d}" for m in range(1, 13)))
PERIOD, BOUND = "2026-12", 1.5
READ = ["Employees", "KPIs", "Schemes", "Plans", "TeamPlans", "Facts", "Settings", "Ledger"]


def workbooks(size: int) -> tuple[Path, Path]:
    """The workbook of `size` people over MONTHS, and its copy with every month but the last closed."""
    from kpi_reports import closing
    from kpi_reports.workbook.example import example_data
    from kpi_reports.workbook.template import write_workbook

    plain, closed = OUT / f"ledger_{size}.xlsx", OUT / f"ledger_{size}_closed12.xlsx"
    if not plain.is_file():
        write_workbook(plain, example_data("en", managers=size - 1, months=MONTHS), "en", constant_memory=True)
    if not closed.is_file():
        work = closed.with_suffix(".part.xlsx")
        shutil.copyfile(plain, work)
        for month in MONTHS[:-1]:
            print(f"  closing {month} ...", file=sys.stderr, flush=True)
            closing.close(work, month, by="bench")
        work.rename(closed)
    return plain, closed


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(size: int, repeats: int) -> dict[str, float]:
    plain, closed = workbooks(size)
    json_path = OUT / "ledger.json"
    copies = {name: OUT / f"ledger_copy_{name}.xlsx" for name in ("today", "closed")}
    run = [sys.executable, "-m", "kpi_reports", "run"]
    jobs = {
        "floor": [sys.executable, "-c",
                  f"import pandas; pandas.read_excel({str(closed)!r}, engine='calamine', sheet_name={READ!r})"],
        "today --dry-run": [*run, "--dry-run", str(plain), "--period", PERIOD, "--json", str(json_path)],
        "closed 12 --dry-run": [*run, "--dry-run", str(closed), "--period", PERIOD, "--json", str(json_path)],
        "today": [*run, str(copies["today"]), "--period", PERIOD, "--json", str(json_path)],
        "closed 12": [*run, str(copies["closed"]), "--period", PERIOD, "--json", str(json_path)],
    }
    shutil.copyfile(plain, copies["today"])
    shutil.copyfile(closed, copies["closed"])
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(repeats):
        for name, args in jobs.items():
            times[name].append(timed(args))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {BOUND}× today's run")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    times = measure(args.size, args.repeats)
    best = {name: min(t) for name, t in times.items()}
    middle = {name: statistics.median(t) for name, t in times.items()}
    print(f"| {args.size:,} people, run {PERIOD} | best, s | × today | median, s | × today |")
    print("|---|---:|---:|---:|---:|")
    for name in times:
        base = "today --dry-run" if "dry" in name or name == "floor" else "today"
        print(f"| {name} | {best[name]:.3f} | {best[name] / best[base]:.2f}× | {middle[name]:.3f} | "
              f"{middle[name] / middle[base]:.2f}× |")
    print(f"\nMachine: {machine('')}")
    paired = {dry: statistics.median(c / t for c, t in zip(times["closed 12" + dry], times["today" + dry],
                                                          strict=True)) for dry in ("", " --dry-run")}
    print("\nMedian of the paired ratios (each closed run over the today run just before it): "
          + ", ".join(f"run{dry} {ratio:.2f}×" for dry, ratio in paired.items()))
    if args.check:
        verdict = "ok" if max(paired.values()) <= BOUND else "FAIL"
        print(f"Check: {max(paired.values()):.2f}× today's run with 12 closed months (bound ≤ {BOUND}×): {verdict}")
        sys.exit(0 if verdict == "ok" else 1)


if __name__ == "__main__":
    main()
