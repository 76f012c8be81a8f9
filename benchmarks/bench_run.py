"""How long `kpi-reports run --json` takes, against the floor: reading the same workbook with pandas.

    python benchmarks/bench_run.py [--sizes 100,1000,10000] [--check]

For each size, a workbook of that many employees (size - 1 managers and a head of sales, 12 months)
is generated once into benchmarks/out/, then in this same run:

  floor  pandas.read_excel(path, engine="calamine", sheet_name=None): every sheet into DataFrames
  ours   the command `kpi-reports run PATH --period 2026-10 --json FILE` (its table printed to /dev/null)

both in-process (best of 5, interleaved) and as fresh subprocesses (best of 3, interleaved; imports
and interpreter start-up included). --check exits 1 when ours exceeds 2x the floor in-process at
1,000 employees, the project's goal.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas

import kpi_reports
from kpi_reports import cli

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate, machine

OUT = Path(__file__).resolve().parent / "out"
PERIOD = "2026-10"
GOAL_SIZE, GOAL_RATIO = 1000, 2.0


def floor(path: Path) -> None:
    pandas.read_excel(path, engine="calamine", sheet_name=None)


def ours(path: Path, json_path: Path) -> None:
    """The command itself, in this process: `kpi-reports run PATH --period P --json FILE`."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        cli.main(["run", "--dry-run", str(path), "--period", PERIOD, "--json", str(json_path)], standalone_mode=False)


def best_of(repeats: int, jobs: dict) -> dict[str, float]:
    """The fastest of `repeats` runs of each job, run in turn so that machine noise hits all of them."""
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(repeats):
        for name, job in jobs.items():
            gc.collect()  # start each run from the same heap: the garbage of the previous one is not its cost
            start = time.perf_counter()
            job()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def command(args: list[str]):
    def run() -> None:
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return run


def measure(size: int) -> dict[str, dict[str, float]]:
    path, json_path = OUT / f"kpi_{size}.xlsx", OUT / f"kpi_{size}.json"
    generate(size - 1, path)
    in_process = best_of(5, {"floor": lambda: floor(path), "ours": lambda: ours(path, json_path)})
    floor_code = f"import pandas; pandas.read_excel({str(path)!r}, engine='calamine', sheet_name=None)"
    subprocesses = best_of(3, {
        "floor": command([sys.executable, "-c", floor_code]),
        "ours": command([sys.executable, "-m", "kpi_reports", "run", "--dry-run", str(path), "--period", PERIOD,
                         "--json", str(json_path)]),
    })
    return {"in-process": in_process, "subprocess": subprocesses}


def table(results: dict[int, dict]) -> str:
    lines = ["| employees | in-process floor s | ours s | ratio | subprocess floor s | ours s | ratio |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for size, r in results.items():
        cells = [f"{size:,}"]
        for kind in ("in-process", "subprocess"):
            f, o = r[kind]["floor"], r[kind]["ours"]
            cells += [f"{f:.3f}", f"{o:.3f}", f"{o / f:.2f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine_line() -> str:
    from importlib.metadata import version
    return machine(f"pandas {pandas.__version__}, python-calamine {version('python-calamine')}, "
                   f"kpi-reports {kpi_reports.__version__} at {code_state()}")


def code_state() -> str:
    """The commit measured, and whether the package had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "kpi_reports"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    return f"commit {commit}" + (" + uncommitted changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="employees per workbook, comma-separated")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if ours exceeds {GOAL_RATIO}x the floor in-process at {GOAL_SIZE:,} employees")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")} | ({GOAL_SIZE} if args.check else set()))
    if sizes[0] < 2:
        parser.error("every size must be at least 2 (a manager and the head of sales)")
    OUT.mkdir(exist_ok=True)
    results = {}
    for size in sizes:
        print(f"{size:,} employees ...", file=sys.stderr, flush=True)
        results[size] = measure(size)
    print(table(results))
    print(f"\nMachine: {machine_line()}")
    if args.check:
        r = results[GOAL_SIZE]["in-process"]
        ratio = r["ours"] / r["floor"]
        verdict = "ok" if ratio <= GOAL_RATIO else "FAIL"
        print(f"\nCheck: {ratio:.2f}× the floor at {GOAL_SIZE:,} employees (goal ≤ {GOAL_RATIO}×): {verdict}")
        sys.exit(0 if ratio <= GOAL_RATIO else 1)


if __name__ == "__main__":
    main()
