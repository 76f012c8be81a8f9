"""How long `kpi-reports run PATH --period P` takes to write the generated sheets back into PATH, against
the raw I/O no writer can avoid, measured in the same run.

    python benchmarks/bench_writeback.py [--sizes 100,1000,10000]

  floor  a fresh Python process that reads the input with python-calamine and writes the same mix of
         cells the generated sheets hold (inline text, numbers, formulas with cached values) as plain
         sheet XML into a deflated zip
  ours   a fresh `python -m kpi_reports run COPY --period 2026-10` (the copy is restored before each run)

Both best of 5 (3 at 10,000 employees), alternating; peak memory (max RSS) of our run as well. The
package's bytecode is compiled first, as `pip install` does: a checkout run with PYTHONDONTWRITEBYTECODE
would otherwise compile every module on each start, which no installed copy does.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

import kpi_reports
from kpi_reports import layout

OUT = Path(__file__).resolve().parent / "out"
PERIOD = "2026-10"
FLOOR = r'''
import json, sys, zipfile
from xml.sax.saxutils import escape
import python_calamine
path, mix, target = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
book = python_calamine.CalamineWorkbook.from_path(path)
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python()
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    for sheet, (texts, numbers, formulas) in enumerate(mix):
        rows, n = [], 0
        cells = ["t"] * texts + ["n"] * numbers + ["f"] * formulas
        for start in range(0, len(cells), 8):
            n += 1
            out = []
            for col, kind in enumerate(cells[start:start + 8]):
                ref = "ABCDEFGH"[col] + str(n)
                if kind == "t":
                    out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape("Some text " + ref)}</t></is></c>')
                elif kind == "n":
                    out.append(f'<c r="{ref}"><v>{n * 1.5}</v></c>')
                else:
                    out.append(f'<c r="{ref}"><f>ROUND(A{n}*B{n},2)</f><v>{n * 2.25}</v></c>')
            rows.append(f'<row r="{n}">{"".join(out)}</row>')
        z.writestr(f"xl/worksheets/sheet{sheet + 1}.xml",
                   '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                   + "".join(rows) + "</sheetData></worksheet>")
'''


def mix(path: Path) -> list[tuple[int, int, int]]:
    """(text, number, formula) cells of each generated sheet, from the layout itself."""
    wb = kpi_reports.load(path, periods=kpi_reports.trend_months(PERIOD))
    report = kpi_reports.period_report(wb, PERIOD)
    found = []
    for sheet in layout.sheets(report, wb.settings.language or "en", wb.settings.company):
        formulas = sum(1 for c in sheet.cells if c.formula)
        texts = sum(1 for c in sheet.cells if not c.formula and isinstance(c.value, str))
        found.append((texts, len(sheet.cells) - formulas - texts, formulas))
    return found


def timed(args: list[str], before=None) -> tuple[float, int]:
    if before:
        before()
    start = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, max(usage, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def measure(size: int) -> dict:
    source, copy = OUT / f"kpi_{size}.xlsx", OUT / f"wb_{size}.xlsx"
    if not source.exists():
        generate(size - 1, source)
    cells = mix(source)
    floor_args = [sys.executable, "-c", FLOOR, str(source), json.dumps(cells), str(OUT / f"floor_{size}.zip")]
    ours_args = [sys.executable, "-m", "kpi_reports", "run", str(copy), "--period", PERIOD]
    best = {"floor": (float("inf"), 0), "ours": (float("inf"), 0)}
    for _ in range(3 if size >= 10_000 else 5):
        for name, args, before in (("floor", floor_args, None),
                                   ("ours", ours_args, lambda: shutil.copyfile(source, copy))):
            seconds, _ = timed(args, before)
            best[name] = (min(best[name][0], seconds), 0)
    return {"cells": sum(map(sum, cells)), "floor": best["floor"][0], "ours": best["ours"][0],
            "ours_rss_mib": _rss(ours_args, lambda: shutil.copyfile(source, copy))}


def _rss(args: list[str], before) -> float:
    """Peak memory of one run, in MiB, from GNU time when present, else from this process's children."""
    before()
    if shutil.which("time") or os.path.exists("/usr/bin/time"):
        done = subprocess.run(["/usr/bin/time", "-f", "%M", *args], capture_output=True, text=True, check=True)
        return int(done.stderr.strip().splitlines()[-1]) / 1024
    subprocess.run(args, check=True, capture_output=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def prepare(doc: str) -> list[int]:
    """The sizes asked for (--sizes), with the output folder made and the package's bytecode compiled."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    compileall.compile_dir(Path(kpi_reports.__file__).parent, quiet=1)
    return sorted(int(size) for size in args.sizes.split(","))


def main() -> None:
    sizes = prepare(__doc__)
    print("| employees | generated cells | floor s | run (write-back) s | ratio | peak memory MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        r = measure(size)
        print(f"| {size:,} | {r['cells']:,} | {r['floor']:.2f} | {r['ours']:.2f} | {r['ours'] / r['floor']:.1f}× "
              f"| {r['ours_rss_mib']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
