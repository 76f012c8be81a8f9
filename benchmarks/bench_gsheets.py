"""How long drawing a refresh for Google Sheets takes (`render/gsheets.plan`: the batchUpdate bodies, no
HTTP), how large the bodies are and how many calls they make, against a floor measured in the same run.

    python benchmarks/bench_gsheets.py [--sizes 1000,10000]

  floor  the generated sheets' bare cell values — text, numbers as doubles, formulas as their text —
         walked from the layout and serialised as one compact JSON document in UTF-8: the raw
         serialisation no renderer can avoid, with none of the API's wrapping
  ours   `plan(sheets, existing)` on the same layout: every request of the refresh encoded, packed into
         one body or, above 8 MiB, staged calls (hidden tabs, then the swap); `existing` is a spreadsheet
         holding the workbook's input tabs and the tabs of an earlier run, which the refresh replaces

Both in-process with the cycle collector paused (as the CLI runs), best of 5 (3 at 10,000 employees),
alternating. The layout (`layout.sheets`) is made once per size, before timing: it is the same for the
.xlsx and Sheets, and bench_writeback times it. The workbooks are bench_writeback's (N employees × 12
months, generated once into benchmarks/out/).
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import month_report

from kpi_reports import layout
from kpi_reports.render.gsheets import plan as gsheets

OUT = Path(__file__).resolve().parent / "out"
PERIOD = "2026-10"
INPUTS = ("Employees", "KPIs", "Schemes", "Plans", "Facts", "Settings")


def floor(sheets: list[layout.Sheet]) -> bytes:
    values = [[c.formula or (c.value if c.value is None or isinstance(c.value, (str, int)) else float(c.value))
               for c in sheet.cells] for sheet in sheets]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def existing(sheets: list[layout.Sheet], size: int) -> list[gsheets.TabInfo]:
    """The input tabs (Plans and Facts: 12 months of everyone) and an earlier run's tabs."""
    tabs = [gsheets.TabInfo(name, i, i, rows=12 * size + 10 if name in ("Plans", "Facts") else size + 10, columns=12)
            for i, name in enumerate(INPUTS)]
    return tabs + [gsheets.TabInfo(s.name, 1000 + i, len(INPUTS) + i, s.family, rows=1000, columns=26)
                   for i, s in enumerate(sheets)]


def measure(size: int) -> dict:
    wb, report = month_report(size, OUT, PERIOD)
    start = time.perf_counter()
    sheets = layout.sheets(report, wb.settings.language or "en", wb.settings.company)
    layout_s = time.perf_counter() - start
    tabs = existing(sheets, size)
    best = {"floor": float("inf"), "ours": float("inf")}
    gc.disable()
    try:
        for _ in range(3 if size >= 10_000 else 5):
            for name, job in (("floor", lambda: floor(sheets)), ("ours", lambda: gsheets.plan(sheets, tabs))):
                start = time.perf_counter()
                result = job()
                best[name] = min(best[name], time.perf_counter() - start)
                if name == "floor":
                    floor_bytes = len(result)
                else:
                    plan = result
                del result
    finally:
        gc.enable()
    kinds: Counter = Counter()
    for body in plan.bodies:
        for request in body["requests"]:
            kind = next(iter(request))
            kinds[kind] += len(gsheets.encode(request))
    return {"cells": sum(len(s.cells) for s in sheets), "layout": layout_s, **best, "floor_bytes": floor_bytes,
            "bytes": sum(plan.sizes), "calls": len(plan.payloads), "staged": plan.staged,
            "largest": max(plan.sizes), "kinds": kinds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    sizes = sorted(int(size) for size in parser.parse_args().sizes.split(","))
    OUT.mkdir(exist_ok=True)
    rows = []
    print("| employees | generated cells | layout s | floor s | floor MB | requests built s | ratio | body MB "
          "| × floor | calls | largest call MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for size in sizes:
        r = measure(size)
        rows.append((size, r))
        calls = f"{r['calls'] - 1} staging + swap" if r["staged"] else "1"
        print(f"| {size:,} | {r['cells']:,} | {r['layout']:.2f} | {r['floor']:.3f} | {r['floor_bytes'] / 1e6:.1f} "
              f"| {r['ours']:.3f} | {r['ours'] / r['floor']:.1f}× | {r['bytes'] / 1e6:.1f} "
              f"| {r['bytes'] / r['floor_bytes']:.1f}× | {calls} | {r['largest'] / 1e6:.2f} |", flush=True)
    print()
    print("Bytes by request kind:")
    for size, r in rows:
        total = sum(r["kinds"].values())
        shares = ", ".join(f"{kind} {n / 1e6:.2f} MB ({n / total:.0%})" for kind, n in r["kinds"].most_common())
        print(f"- {size:,}: {shares}")


if __name__ == "__main__":
    main()
