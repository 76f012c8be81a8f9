"""Refuse files that are not a workbook we can read safely — before any parser touches them.

One clear line each: a missing file, a folder, an `.xls`, an encrypted workbook, something that is not
a workbook at all, a zip bomb (too large uncompressed, or compressed too well) and an XML bomb
(a DOCTYPE with entities, which no spreadsheet writer produces).
"""
from __future__ import annotations

import contextlib
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree as DefusedET
from defusedxml.common import DefusedXmlException

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
DAMAGED = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, KeyError, ValueError)
"""What zipfile raises reading a damaged part: a bad CRC or header, cut data, an unknown method."""


@dataclass(frozen=True)
class Package:
    """A package that passed the checks, with what they read of it."""
    path: Path
    sheets: dict[str, str]
    """Sheet name → its part (every one is in the package)."""
    strings: int
    """How many shared strings it holds."""
    strings_part: str | None
    """The shared strings' part, when there is one."""


def check_file(path: str | os.PathLike) -> Package:
    """The package at `path`, resolved, when it holds a readable .xlsx/.xlsm; FileProblem otherwise."""
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
    with open_zip(p) as zf:
        return _check_package(p, zf)


@contextlib.contextmanager
def open_zip(p: Path) -> Iterator[zipfile.ZipFile]:
    """The package, or one clear line when its directory is damaged (a changed signature, a bad extra field)."""
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as e:
        raise FileProblem(msg("damaged_zip", reason=e), p) from None
    with zf:
        yield zf


def read_part(p: Path, zf: zipfile.ZipFile, part: str, limit: int = -1) -> bytes:
    """A part's bytes (the first `limit` of them), or one clear line naming the part when it is damaged."""
    try:
        with zf.open(part) as f:
            return f.read(limit)
    except DAMAGED as e:
        raise FileProblem(msg("damaged_part", part=part, reason=e), p) from None


def _ole_message(p: Path) -> Msg:
    with open(p, "rb") as f:
        data = f.read(4 * 1024**2)
    return msg("encrypted" if "EncryptionInfo".encode("utf-16-le") in data else "xls")


def _check_package(p: Path, zf: zipfile.ZipFile) -> Package:
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
    sheets = sheet_parts(zf)
    for sheet, part in sheets.items():
        if part not in names:
            raise FileProblem(msg("sheet_part_missing", sheet=sheet, part=part), p)
    strings_part = _parts_of(zf).get("sharedStrings")
    strings_part = strings_part if strings_part in names else None
    return Package(p, sheets, _shared_strings(p, zf, strings_part) if strings_part else 0, strings_part)


WRITEBACK_PARTS = ("xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml")


def package_problem(names: set[str] | list[str], workbook_head: bytes) -> Msg | None:
    """What makes a package one the write-back cannot add sheets to (the reader reports it as an error, so
    that `check` says it too): a part every Excel-saved workbook has is missing, or it is Strict Open XML."""
    missing = next((part for part in WRITEBACK_PARTS if part not in names), None)
    if missing:
        return msg("missing_part", part=missing)
    return msg("strict_ooxml") if b"purl.oclc.org/ooxml" in workbook_head else None


def _shared_strings(p: Path, zf: zipfile.ZipFile, part: str) -> int:
    """How many shared strings `part` holds; refuses a count the part cannot hold (calamine makes room for
    `uniqueCount` strings before reading one)."""
    data = read_part(p, zf, part)
    claimed = _UNIQUE_COUNT.search(data, 0, 4096)
    if claimed and int(claimed.group(1)) > len(data):
        raise FileProblem(msg("too_many_strings", part=part, claimed=claimed.group(1).decode(), size=len(data)), p)
    return data.count(b"<si>") + data.count(b"<si ") + data.count(b"<si/>")


_UNIQUE_COUNT = re.compile(rb'<sst\b[^>]*\buniqueCount\s*=\s*["\']\s*(\d+)')


def _part_too_large(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Msg:
    """Names the sheet too, when the part is one (every prolog is checked by now, so parsing the index
    of sheets is safe)."""
    sheet = next((name for name, part in sheet_parts(zf).items() if part == info.filename), None)
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
    except DAMAGED as e:
        raise FileProblem(msg("damaged_part", part=info.filename, reason=e), p) from None
    if _declares_doctype(head):
        raise FileProblem(msg("xml_bomb", part=info.filename), p)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the package, from workbook.xml and its relationships (defusedxml). A
    target that climbs out of the package names no part in it (and is refused as missing)."""
    book = _xml(zf, "xl/workbook.xml")
    targets = {rel.get("Id"): _part(rel.get("Target", "")) for rel in _xml(zf, "xl/_rels/workbook.xml.rels")}
    parts = {}
    for sheet in book.iter():
        if sheet.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in sheet.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            parts[sheet.get("name", "")] = targets.get(rid, "")
    return parts


def _parts_of(zf: zipfile.ZipFile) -> dict[str, str]:
    """The workbook's related parts by the last word of their type (sharedStrings, styles, theme…)."""
    return {rel.get("Type", "").rpartition("/")[2]: _part(rel.get("Target", ""))
            for rel in _xml(zf, "xl/_rels/workbook.xml.rels")}


def _part(target: str) -> str:
    return target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _xml(zf: zipfile.ZipFile, part: str):
    try:
        return DefusedET.fromstring(zf.read(part))
    except (DefusedET.ParseError, DefusedXmlException, LookupError, *DAMAGED) as e:
        raise FileProblem(msg("damaged_part", part=part, reason=e), zf.filename) from None
