"""Refuse files that are not a workbook we can read safely — before any parser touches them.

One clear line each: a missing file, a folder, an `.xls`, an encrypted workbook, something that is not
a workbook at all, a zip bomb (too large uncompressed, or compressed too well) and an XML bomb
(a DOCTYPE with entities, which no spreadsheet writer produces).
"""
from __future__ import annotations

import os
import re
import zipfile
import zlib
from pathlib import Path

from defusedxml import ElementTree as DefusedET

from kpi_reports.messages import Msg, msg
from kpi_reports.problems import FileProblem

MAX_UNCOMPRESSED = 2 * 1024**3
"""All parts together, uncompressed. A 10,000-employee, 12-month workbook is about 60 MiB."""
MAX_PART = 256 * 1024**2
"""One part, uncompressed. Sheet XML of empty rows inflates only about 7:1, so the ratio check lets a
635 MiB Facts sheet through in a 95 MB file; no real sheet is a tenth of this."""
MAX_RATIO = 200
"""Uncompressed over compressed size of one part larger than RATIO_FLOOR; sheet XML is 5–30×."""
RATIO_FLOOR = 1024**2
PROLOG_BYTES = 64 * 1024
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file(path: str | os.PathLike) -> Path:
    """The path, resolved, when it holds a readable .xlsx/.xlsm; FileProblem otherwise."""
    p = Path(path)
    if not p.exists():
        raise FileProblem(msg("no_such_file"), p)
    if p.is_dir():
        raise FileProblem(msg("is_folder"), p)
    try:
        with open(p, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise FileProblem(msg("cannot_read", reason=e.strerror or e), p) from None
    if head == OLE_MAGIC:
        raise FileProblem(_ole_message(p), p)
    if not zipfile.is_zipfile(p):
        raise FileProblem(msg("not_xlsx"), p)
    with zipfile.ZipFile(p) as zf:
        _check_package(p, zf)
    return p


def _ole_message(p: Path) -> Msg:
    with open(p, "rb") as f:
        data = f.read(4 * 1024**2)
    return msg("encrypted" if "EncryptionInfo".encode("utf-16-le") in data else "xls")


def _check_package(p: Path, zf: zipfile.ZipFile) -> None:
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise FileProblem(msg("is_ods" if "content.xml" in names else "is_zip"), p)
    total, largest = 0, None
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileProblem(msg("zip_ratio", part=info.filename, limit=MAX_RATIO,
                                  ratio=info.file_size // max(info.compress_size, 1)), p)
        if info.file_size > MAX_PART and (largest is None or info.file_size > largest.file_size):
            largest = info
        if info.filename.endswith((".xml", ".rels")):
            _check_prolog(p, zf, info)
    if total > MAX_UNCOMPRESSED:
        raise FileProblem(msg("zip_total", size=total // 1024**2, limit=MAX_UNCOMPRESSED // 1024**2), p)
    if largest is not None:
        raise FileProblem(_part_too_large(zf, largest), p)


def _part_too_large(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Msg:
    """Names the sheet too, when the part is one (every prolog is checked by now, so parsing the index
    of sheets is safe)."""
    sheet = next((name for name, part in _sheet_parts(zf).items() if part == info.filename), None)
    return msg("part_too_large_sheet" if sheet else "part_too_large", part=info.filename, sheet=sheet,
               size=info.file_size // 1024**2, limit=MAX_PART // 1024**2)


def _declares_doctype(head: bytes) -> bool:
    """True when a DOCTYPE comes before the root element, or the prolog never ends within `head`."""
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while m := _PROLOG_ITEM.match(head, pos):
        pos = m.end()
    rest = head[pos:]
    if not rest:
        return len(head) == PROLOG_BYTES
    return rest.startswith(b"<!") or not rest.startswith(b"<")


def _check_prolog(p: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a DOCTYPE before the root element: entity expansion is how XML bombs work."""
    try:
        with zf.open(info) as f:
            head = f.read(PROLOG_BYTES)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as e:
        raise FileProblem(msg("damaged_part", part=info.filename, reason=e), p) from None
    if _declares_doctype(head):
        raise FileProblem(msg("xml_bomb", part=info.filename), p)


_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>.*?<v>([^<]*)</v>', re.DOTALL)
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def error_cells(path: Path, sheets: list[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Cells holding an Excel error (#DIV/0!, #N/A…) by sheet name and zero-based (row, column).

    python-calamine reads them as empty cells; a number that is an error must not pass for "empty".
    Only the named sheets are looked at, and only their raw XML is searched: no parser runs on it.
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as zf:
        for name, part in _sheet_parts(zf).items():
            if name not in sheets:
                continue
            data = zf.read(part)
            if b't="e"' not in data:
                continue
            for m in _ERROR_CELL.finditer(data):
                ref = _CELL_REF.search(m.group(1))
                if ref:
                    col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(ref.group(1).decode()))) - 1
                    found.setdefault(name, {})[(int(ref.group(2)) - 1, col)] = m.group(2).decode("utf-8", "replace")
    return found


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the package, from workbook.xml and its relationships (defusedxml)."""
    book = DefusedET.fromstring(zf.read("xl/workbook.xml"))
    rels = DefusedET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts = {}
    for sheet in book.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
        target = targets.get(rid, "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts
