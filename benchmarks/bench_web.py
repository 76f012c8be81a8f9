"""How long the drop-in page takes from the upload to the result page, against the work it cannot avoid and
against `kpi-reports run`, measured in the same run.

    python benchmarks/bench_web.py [--sizes sample,1000] [--repeats 5]

  floor  in this process, the library calls the page makes and nothing else, with the cycle collector
         paused as `run` pauses it: load the workbook, compute the month, lay out the sheets and write them
         back into a copy (`kpi_reports.load`, `period_report`, `layout.sheets`, `writeback.write_back`)
  run    a fresh `python -m kpi_reports run COPY --period 2026-10` (the copy restored before each run): what
         an accountant with a terminal waits for
  page   `kpi-reports serve` in a process of its own; a client POSTs the workbook (multipart, as the form
         does), follows the 303 and reads the result page: the summary, the payslips' list, the first
         payslip's frame address, the downloads

Best of `--repeats` each, alternating. Then, once each, the downloads a result offers: the combined PDF,
the zip of a PDF per person, the workbook, the JSON. The goals: the sample's page under 2 s; a
1,000-person workbook's page under `run` + 1 s (other sizes are measured, not judged).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate, machine

import kpi_reports
from kpi_reports import collector, layout
from kpi_reports.render.xlsx import writeback

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
PERIOD = "2026-10"


def workbook(size: str) -> Path:
    if size == "sample":
        return ROOT / "samples" / "sales_team.xlsx"
    path = OUT / f"kpi_{size}.xlsx"
    if not path.is_file():
        OUT.mkdir(exist_ok=True)
        generate(int(size) - 1, path)
    return path


def floor(source: Path, copy: Path) -> None:
    shutil.copyfile(source, copy)
    with collector.paused():  # as `run` and the page run
        wb = kpi_reports.load(copy, periods=kpi_reports.trend_months(PERIOD))
        report = kpi_reports.period_report(wb, PERIOD)
        writeback.write_back(copy, layout.sheets(report, "en", wb.settings.company))


def run(source: Path, copy: Path) -> None:
    shutil.copyfile(source, copy)
    subprocess.run([sys.executable, "-m", "kpi_reports", "run", str(copy), "--period", PERIOD, "--lang", "en"],
                   check=True, capture_output=True)


def page(url: str, source: Path) -> requests.Response:
    with open(source, "rb") as f:
        done = requests.post(url, files={"workbook": (source.name, f)}, data={"period": PERIOD, "lang": "en"},
                             timeout=600)
    done.raise_for_status()
    assert "/r/" in done.url and 'id="summary"' in done.text, done.text[:500]
    return done


def best(job, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


def started_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "kpi_reports", "serve", "--port", str(port), "--lang", "en"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(200):
        try:
            requests.get(url, timeout=1)
            return server, url
        except requests.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the server did not start: " + (server.stdout.read() if server.stdout else ""))


def measure(size: str, url: str, repeats: int, folder: Path) -> dict:
    source = workbook(size)
    copy = folder / f"copy-{size}.xlsx"
    floor(source, copy)
    page(url, source)  # warm: the server's first request loads its templates
    found = {"floor": [], "run": [], "page": []}
    for _ in range(repeats):
        found["floor"].append(best(lambda: floor(source, copy), 1))
        found["run"].append(best(lambda: run(source, copy), 1))
        found["page"].append(best(lambda: page(url, source), 1))
    result = {name: min(times) for name, times in found.items()}
    done = page(url, source)
    result["page_bytes"] = len(done.content)
    for kind in ("pdf", "zip", "workbook", "json"):
        start = time.perf_counter()
        got = requests.get(done.url + "/" + kind, timeout=600)
        got.raise_for_status()
        result[kind] = time.perf_counter() - start
        result[kind + "_bytes"] = len(got.content)
    return result


def table(results: dict[str, dict]) -> str:
    lines = ["| workbook | floor s | `run` s | page s | page − `run` s | page | PDF s | zip s | workbook s | JSON s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, r in results.items():
        name = "the sample (9 people)" if size == "sample" else f"{int(size):,} people"
        lines.append(f"| {name} | {r['floor']:.2f} | {r['run']:.2f} | {r['page']:.2f} | {r['page'] - r['run']:+.2f} "
                     f"| {r['page_bytes'] / 1024:,.0f} KiB | {r['pdf']:.2f} | {r['zip']:.2f} | {r['workbook']:.2f} "
                     f"| {r['json']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="sample,1000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    sizes = args.sizes.split(",")
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "")
    server, url = started_server()
    folder = OUT / "web"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        results = {size: measure(size, url, args.repeats, folder) for size in sizes}
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{time.strftime('%Y-%m-%d')}, best of {args.repeats}")
    print(table(results))
    served_by = f"flask {version('flask')}, waitress {version('waitress')}"
    print(f"\nMachine: {machine(served_by)}")
    missed = [size for size, r in results.items()
              if (size == "sample" and r["page"] >= 2) or (size == "1000" and r["page"] >= r["run"] + 1)]
    if missed:
        print("goal missed: " + ", ".join(missed))
        if args.check:
            sys.exit(1)


if __name__ == "__main__":
    main()
