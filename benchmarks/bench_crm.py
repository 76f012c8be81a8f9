"""What crediting CRM lists costs `run`: a 1,000-person workbook whose month's calls, meetings, proposals,
deals, revenue and margin come from 100,000 deals, 1,000,000 calls and their activities pasted in as
they were exported, against python-calamine reading those three sheets, as the user waits for it.

    python benchmarks/bench_crm.py [--size 1000] [--deals 100000] [--calls 1000000] [--repeats 3] [--check]

The workbook is `example_data` over 2026-08..2026-10 for size − 1 managers and a head of sales; in 2026-10
the Facts cells of calls, meetings, proposals, deals, revenue and margin are empty (cycle_days and the row
stay), and three sheets hold the lists instead, a header in row 1 and a row per item from row 2:

  Deals       deal_id, employee, amount, stage, closed_on     (about 70% "Closed - won")
  Calls       employee, date, duration, direction, status     (a date-time; 5–600 s; 60% answered)
  Activities  employee, date, type                            (two per deal: 55% meetings, 45% proposals)

spread unevenly over the managers (the head gets none), dated on October's weekdays and a few % in late
September. It is written once, before any timing, with XlsxWriter in constant_memory mode into
benchmarks/out/ (from random.Random(seed): the same arguments give the same file). Timed, as fresh
processes, `repeats` times, interleaved so that machine noise hits both:

  floor  python-calamine: CalamineWorkbook.from_path(W), get_sheet_by_name(…).to_python() for Deals, Calls
         and Activities: what any implementation must read of the lists
  ours   kpi-reports run W --period 2026-10 --dry-run      (must exit 0)

The package's bytecode is compiled first, as `pip install` does (this machine sets PYTHONDONTWRITEBYTECODE,
so a checkout would otherwise compile every module on each start). The best and the median of the repeats
are shown, with each child's peak memory (its own ru_maxrss, from wait4), and the median of the paired
ratios (each run over the floor just before it, which share the machine's state). --check exits 1 when that
median exceeds 1.5× or our peak memory exceeds 1 GiB.
"""
from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import machine

OUT = Path(__file__).resolve().parent / "out"
MONTHS = ("2026-08", "2026-09", "2026-10")
PERIOD, BOUND, MEMORY_BOUND_MIB = "2026-10", 1.5, 1024
LISTS = ("Deals", "Calls", "Activities")
CREDITED = ("calls", "meetings", "proposals", "deals", "revenue", "margin")
"""The Facts columns of PERIOD left empty: the lists give them."""
ACTIVITIES_PER_DEAL = 2  # meetings ≥ proposals ≥ paid deals on average, as a funnel narrows
STAGES = (("Closed - won", 70), ("Negotiation", 18), ("Closed - lost", 12))  # the first is paid
EARLY = 0.03
"""The share of rows dated in the month before (late September): a list exported over a wider range."""
FLOOR = f"""
import sys, python_calamine
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
for name in {list(LISTS)!r}:
    book.get_sheet_by_name(name).to_python()
"""
_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0, as XlsxWriter's write_datetime counts


def workbook(people: int = 1000, deals: int = 100_000, calls: int = 1_000_000, seed: int = 2026) -> Path:
    """The workbook of `people` (people − 1 managers and a head of sales) with the lists, built the first time."""
    defaults = (deals, calls) == (100_000, 1_000_000)
    path = OUT / (f"crm_{people}.xlsx" if defaults else f"crm_{people}_{deals}_{calls}.xlsx")
    if path.is_file():
        return path
    print(f"  writing {path.name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    OUT.mkdir(exist_ok=True)
    work = path.with_suffix(".part.xlsx")
    _write(work, people, deals, calls, seed)
    work.rename(path)
    print(f"  {path.name}: {time.perf_counter() - start:.1f} s, {path.stat().st_size / 2**20:.0f} MB",
          file=sys.stderr, flush=True)
    return path


def _write(path: Path, people: int, deals: int, calls: int, seed: int) -> None:
    import xlsxwriter

    from kpi_reports.workbook import schema, template
    from kpi_reports.workbook.example import example_data

    data = example_data("en", managers=people - 1, months=MONTHS)
    facts = data.sheets["Facts"]
    blank = [facts.columns.index(key) for key in CREDITED]
    first_day = dt.date(int(PERIOD[:4]), int(PERIOD[5:]), 1)
    for row in facts.rows:
        if row[0] == first_day:
            for i in blank:
                row[i] = None
    managers = [row[0] for row in data.sheets["Employees"].rows if row[0] != "H001"]

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False})
    formats = {k: book.add_format({"num_format": v}) for k, v in template._NUM_FORMATS.items()}
    formats["month"] = book.add_format({"num_format": "yyyy-mm"})
    formats["title"] = book.add_format({"bold": True, "font_size": 14})
    formats["explain"] = book.add_format({"italic": True, "font_color": "#595959"})
    formats["header"] = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
    schemes = template._scheme_names(data)
    for spec in schema.SHEETS:
        if spec.key in data.sheets:
            template._write_sheet(book, spec, data.sheets[spec.key], "en", formats, schemes)
    header = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    money = book.add_format({"num_format": "#,##0.00"})

    rnd = random.Random(seed)
    weights = [rnd.uniform(0.6, 1.4) for _ in managers]  # some people sell and call more than others
    days = _days(first_day)

    ws = _list_sheet(book, "Deals", ["deal_id", "employee", "amount", "stage", "closed_on"], header)
    who = rnd.choices(managers, weights, k=deals)
    stages = rnd.choices([s for s, _ in STAGES], [w for _, w in STAGES], k=deals)
    dates = sorted(_serial(rnd.choice(days[rnd.random() < EARLY])) for _ in range(deals))
    for r, (when, employee, stage) in enumerate(zip(dates, who, stages, strict=True), 1):
        ws.write_number(r, 0, 1_000_000 + r)
        ws.write_string(r, 1, employee)
        ws.write_number(r, 2, rnd.randrange(20_000, 80_001, 100), money)
        ws.write_string(r, 3, stage)
        ws.write_number(r, 4, when, day)

    ws = _list_sheet(book, "Calls", ["employee", "date", "duration", "direction", "status"], header)
    who = rnd.choices(managers, weights, k=calls)
    seconds = sorted(_serial(rnd.choice(days[rnd.random() < EARLY])) * 86400 + rnd.randrange(9 * 3600, 19 * 3600)
                     for _ in range(calls))
    for r, (when, employee) in enumerate(zip(seconds, who, strict=True), 1):
        ws.write_string(r, 0, employee)
        ws.write_number(r, 1, when / 86400, moment)
        ws.write_number(r, 2, rnd.randint(5, 600))
        ws.write_string(r, 3, "outgoing" if rnd.random() < 0.7 else "incoming")
        ws.write_string(r, 4, "answered" if rnd.random() < 0.6 else "missed")

    ws = _list_sheet(book, "Activities", ["employee", "date", "type"], header)
    count = ACTIVITIES_PER_DEAL * deals
    who = rnd.choices(managers, weights, k=count)
    dates = sorted(_serial(rnd.choice(days[rnd.random() < EARLY])) for _ in range(count))
    for r, (when, employee) in enumerate(zip(dates, who, strict=True), 1):
        ws.write_string(r, 0, employee)
        ws.write_number(r, 1, when, day)
        ws.write_string(r, 2, "meeting" if rnd.random() < 0.55 else "proposal")
    book.close()


def _list_sheet(book, name: str, columns: list[str], header):
    ws = book.add_worksheet(name)
    for i, title in enumerate(columns):
        ws.write_string(0, i, title, header)
        ws.set_column(i, i, 20 if name == "Calls" and title == "date" else 14)
    ws.freeze_panes(1, 0)
    return ws


def _days(first: dt.date) -> dict[bool, list[dt.date]]:
    """The weekdays of the month starting `first`, or (early) of the last week of the month before."""
    month = [first + dt.timedelta(n) for n in range(31) if (first + dt.timedelta(n)).month == first.month]
    before = [first - dt.timedelta(n) for n in range(1, 8)]
    return {False: [d for d in month if d.weekday() < 5], True: [d for d in before if d.weekday() < 5]}


def _serial(day: dt.date) -> int:
    return (day - _EPOCH).days


def timed(args: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MiB) of one fresh process; it must exit 0 (its stderr is shown if not)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode:
        sys.exit(f"{' '.join(args[:2] if args[1] == '-c' else args)} exited {child.returncode}:\n"
                 + stderr.decode(errors="replace")[-4000:])
    return seconds, usage.ru_maxrss / 1024


def measure(path: Path, repeats: int) -> dict[str, list[tuple[float, float]]]:
    jobs = {
        "floor": [sys.executable, "-c", FLOOR, str(path)],
        "ours": [sys.executable, "-m", "kpi_reports", "run", str(path), "--period", PERIOD, "--dry-run"],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
    for _ in range(repeats):
        for name, args in jobs.items():
            runs[name].append(timed(args))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="people: size − 1 managers and a head of sales")
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 above {BOUND}× the floor or {MEMORY_BOUND_MIB} MiB")
    args = parser.parse_args()
    import kpi_reports
    compileall.compile_dir(Path(kpi_reports.__file__).parent, quiet=1)
    path = workbook(args.size, args.deals, args.calls)
    runs = measure(path, args.repeats)
    times = {name: [s for s, _ in r] for name, r in runs.items()}
    peak = {name: max(m for _, m in r) for name, r in runs.items()}
    best = {name: min(t) for name, t in times.items()}
    middle = {name: statistics.median(t) for name, t in times.items()}
    labels = {"floor": "floor (python-calamine: Deals, Calls, Activities)", "ours": f"run {PERIOD} --dry-run"}
    print(f"| {args.size:,} people, {args.deals:,} deals, {args.calls:,} calls | best, s | × floor | median, s "
          "| × floor | peak memory, MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in runs:
        print(f"| {labels[name]} | {best[name]:.3f} | {best[name] / best['floor']:.2f}× | {middle[name]:.3f} | "
              f"{middle[name] / middle['floor']:.2f}× | {peak[name]:.0f} |")
    details = f"python-calamine {version('python-calamine')}, {args.repeats} repeats"
    print(f"\nMachine: {machine(details)}")
    paired = statistics.median(o / f for o, f in zip(times["ours"], times["floor"], strict=True))
    print(f"\nMedian of the paired ratios (each run over the floor just before it): {paired:.2f}×")
    if args.check:
        verdict = "ok" if paired <= BOUND and peak["ours"] <= MEMORY_BOUND_MIB else "FAIL"
        print(f"Check: {paired:.2f}× the floor (bound ≤ {BOUND}×), peak {peak['ours']:.0f} MiB "
              f"(bound ≤ {MEMORY_BOUND_MIB} MiB): {verdict}")
        sys.exit(0 if verdict == "ok" else 1)


if __name__ == "__main__":
    main()
