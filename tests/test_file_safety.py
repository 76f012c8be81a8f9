"""Files that are not a workbook we can read safely: one clear line each, exit 1, the file untouched.

A missing file, a folder, a text file or a plain zip named .xlsx, an old .xls, an encrypted workbook,
a damaged one, zip bombs (honest and lying about their sizes) and XML bombs. For each, every command
prints exactly one line naming the file and saying what is wrong, exits 1, prints no traceback and
leaves the file's bytes as they were; the library raises `kpi_reports.FileProblem`.
"""
from __future__ import annotations

import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import kpi_reports
from kpi_reports.cli import main
from kpi_reports.workbook.safety import sheet_parts

from conftest import digest

PERIOD = "2026-10"
MIB = 1 << 20
EMPTY_ROWS = b"".join(b'<row r="%d"/>' % (i % 300 + 1) for i in range(MIB // 10))[:MIB]
"""1 MiB of empty rows whose numbers repeat: it deflates 150×, below the ratio limit."""

# A billion laughs: lol9 expands to 10^9 "lol"s.
BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10))
    + b"]>"
)
EXTERNAL_ENTITY = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


# --- building broken files ------------------------------------------------------------------------


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflate_repeated(chunk: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> tuple[bytes, int, int]:
    """Raw deflate of head + chunk × times + tail, built from one compressed copy of `chunk`, so that
    hundreds of MiB cost a fraction of a second: (compressed bytes, CRC-32, uncompressed size)."""
    def block(data: bytes) -> bytes:  # a full flush resets the compressor: blocks can be repeated
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = block(head) + block(chunk) * times + last.compress(tail) + last.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    return raw, zlib.crc32(tail, crc), len(head) + len(chunk) * times + len(tail)


Member = tuple[str, bytes, int, int, int]
"""(name, stored bytes, CRC-32, declared uncompressed size, method: 0 stored, 8 deflated)."""


def members(path: Path, replace: dict[str, Callable[[bytes], Member]] | None = None) -> list[Member]:
    """The parts of a workbook as zip members, some replaced."""
    out = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            data = z.read(info)
            if replace and info.filename in replace:
                out.append(replace[info.filename](data))
            else:
                out.append((info.filename, deflate(data), zlib.crc32(data), len(data), 8))
    return out


def write_zip(path: Path, parts: list[Member]) -> Path:
    """A zip written by hand, so that its headers may say whatever the test wants them to."""
    body, central = bytearray(), bytearray()
    for name, raw, crc, size, method in parts:
        n, offset = name.encode(), len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(raw), size, len(n), 0)
        body += n + raw
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(raw), size,
                               len(n), 0, 0, 0, 0, 0, offset) + n
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(body), 0)
    path.write_bytes(bytes(body + central + end))
    return path


def with_doctype(doctype: bytes, before: bytes = b"") -> Callable[[bytes], bytes]:
    """Put `before` and `doctype` after the XML declaration of a part."""
    def change(data: bytes) -> bytes:
        end = data.index(b"?>") + 2
        return data[:end] + before + doctype + data[end:]
    return change


def rewrite(sample: Path, target: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    def replaced(data: bytes) -> Member:
        new = change(data)
        return part, deflate(new), zlib.crc32(new), len(new), 8
    return write_zip(target, members(sample, {part: replaced}))


@pytest.fixture
def sample(example, write) -> Path:
    """A valid workbook, the bundled example."""
    return write(example, name="sample.xlsx")


def text_file(tmp: Path, sample: Path) -> Path:
    path = tmp / "notes.xlsx"
    path.write_text("employee_id;name;salary\nE001;Ivan Ivanov;60000\n", encoding="utf-8")
    return path


def empty_file(tmp: Path, sample: Path) -> Path:
    path = tmp / "empty.xlsx"
    path.write_bytes(b"")
    return path


def truncated(tmp: Path, sample: Path) -> Path:
    data = sample.read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def plain_zip(tmp: Path, sample: Path) -> Path:
    path = tmp / "archive.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "not a workbook")
        z.writestr("data/employees.csv", "employee_id,name\nE001,Ivan\n")
    return path


def ods_file(tmp: Path, sample: Path) -> Path:
    path = tmp / "team.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return path


def _xls(path: Path) -> Path:
    import xlwt
    book = xlwt.Workbook()
    sheet = book.add_sheet("Employees")
    for col, title in enumerate(["employee_id", "name", "team", "scheme", "salary", "bonus_target"]):
        sheet.write(0, col, title)
    for col, value in enumerate(["E001", "Ivan Ivanov", "Hunters", "hunter", 60000, 50000]):
        sheet.write(1, col, value)
    book.save(str(path))
    return path


def old_xls(tmp: Path, sample: Path) -> Path:
    return _xls(tmp / "team.xls")


def xls_named_xlsx(tmp: Path, sample: Path) -> Path:
    return _xls(tmp / "team_renamed.xlsx")


def encrypted(tmp: Path, sample: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile
    path = tmp / "locked.xlsx"
    with open(sample, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    return path


def damaged_part(tmp: Path, sample: Path) -> Path:
    def damaged(data: bytes) -> Member:
        raw = bytearray(deflate(data))
        raw[len(raw) // 3: len(raw) // 3 + 16] = b"\xff" * 16
        return "xl/worksheets/sheet1.xml", bytes(raw), zlib.crc32(data), len(data), 8
    return write_zip(tmp / "damaged.xlsx", members(sample, {"xl/worksheets/sheet1.xml": damaged}))


def zip_bomb(tmp: Path, sample: Path) -> Path:
    """300 MiB of zeros, honestly declared, in a few hundred KiB."""
    raw, crc, size = deflate_repeated(b"\0" * MIB, 300)
    return write_zip(tmp / "bomb.xlsx", members(sample) + [("xl/media/image1.png", raw, crc, size, 8)])


def zip_bomb_in_a_sheet(tmp: Path, sample: Path) -> Path:
    """A sheet padded with 300 MiB of spaces: the part calamine would inflate and parse."""
    def padded(data: bytes) -> Member:
        cut = data.index(b"<sheetData>")
        raw, crc, size = deflate_repeated(b" " * MIB, 300, data[:cut], data[cut:])
        return "xl/worksheets/sheet1.xml", raw, crc, size, 8
    return write_zip(tmp / "bomb_sheet.xlsx", members(sample, {"xl/worksheets/sheet1.xml": padded}))


def zip_bomb_too_large_in_total(tmp: Path, sample: Path) -> Path:
    """2,100 parts of 1 MiB of zeros each, honestly declared: none expands suspiciously on its own
    (1 MiB is below the ratio check's floor), together they are 2.05 GiB."""
    raw, crc, size = deflate_repeated(b"\0" * MIB, 1)
    parts = [(f"xl/media/image{i}.bin", raw, crc, size, 8) for i in range(2100)]
    return write_zip(tmp / "bomb_total.xlsx", members(sample) + parts)


def facts_too_large(tmp: Path, sample: Path) -> Path:
    """A Facts sheet of 257 MiB of EMPTY_ROWS: below the ratio limit, as a real 635 MiB sheet of empty rows
    with growing numbers (7×) is."""
    with zipfile.ZipFile(sample) as z:
        facts = sheet_parts(z)["Facts"]
    def padded(data: bytes) -> Member:
        cut = data.index(b"<sheetData>") + len(b"<sheetData>")
        raw, crc, size = deflate_repeated(EMPTY_ROWS, 257, data[:cut], data[cut:])
        return facts, raw, crc, size, 8
    return write_zip(tmp / "huge_facts.xlsx", members(sample, {facts: padded}))


def zip_bomb_lying_small(tmp: Path, sample: Path) -> Path:
    """A sheet that inflates to 300 MiB while its headers say it is as small as the real one."""
    def lying(data: bytes) -> Member:
        cut = data.index(b"<sheetData>")
        raw, crc, _ = deflate_repeated(b" " * MIB, 300, data[:cut], data[cut:])
        return "xl/worksheets/sheet1.xml", raw, crc, len(data), 8
    return write_zip(tmp / "bomb_lying.xlsx", members(sample, {"xl/worksheets/sheet1.xml": lying}))


def zip_bomb_lying_small_with_matching_crc(tmp: Path, sample: Path) -> Path:
    """As above, with a CRC that fits the declared size, so that only counting the bytes can tell."""
    def lying(data: bytes) -> Member:
        cut = data.index(b"<sheetData>")
        raw, _, _ = deflate_repeated(b" " * MIB, 300, data[:cut], data[cut:])
        head = (data[:cut] + b" " * MIB)[: len(data)]
        return "xl/worksheets/sheet1.xml", raw, zlib.crc32(head), len(data), 8
    return write_zip(tmp / "bomb_crc.xlsx", members(sample, {"xl/worksheets/sheet1.xml": lying}))


def xml_bomb(tmp: Path, sample: Path) -> Path:
    return rewrite(sample, tmp / "laughs.xlsx", "xl/workbook.xml", with_doctype(BILLION_LAUGHS))


def entity_in_shared_strings(target: Path, sample: Path, doctype: bytes, entity: bytes) -> Path:
    """The DOCTYPE declared in the shared strings and its entity used in the first sheet's name."""
    def used(data: bytes) -> bytes:
        return with_doctype(doctype)(data).replace(b"<t>Employees</t>", b"<t>&" + entity + b";</t>", 1)
    return rewrite(sample, target, "xl/sharedStrings.xml", used)


def xml_bomb_in_shared_strings(tmp: Path, sample: Path) -> Path:
    return entity_in_shared_strings(tmp / "laughs_strings.xlsx", sample, BILLION_LAUGHS, b"lol9")


def xml_bomb_in_a_sheet(tmp: Path, sample: Path) -> Path:
    return rewrite(sample, tmp / "laughs_sheet.xlsx", "xl/worksheets/sheet1.xml", with_doctype(BILLION_LAUGHS))


def xml_external_entity(tmp: Path, sample: Path) -> Path:
    return entity_in_shared_strings(tmp / "xxe.xlsx", sample, EXTERNAL_ENTITY, b"xxe")


def xml_bomb_behind_a_comment(tmp: Path, sample: Path) -> Path:
    """A comment before the DOCTYPE that looks like the start of an element."""
    return rewrite(sample, tmp / "laughs_comment.xlsx", "xl/workbook.xml",
                   with_doctype(BILLION_LAUGHS, before=b"<!-- <workbook> -->"))


def xml_bomb_used_behind_a_comment(tmp: Path, sample: Path) -> Path:
    def used(data: bytes) -> bytes:
        bombed = with_doctype(BILLION_LAUGHS, before=b"<!--<sst>-->")(data)
        return bombed.replace(b"<t>Employees</t>", b"<t>&lol9;</t>", 1)
    return rewrite(sample, tmp / "laughs_comment_used.xlsx", "xl/sharedStrings.xml", used)


# (builder, words of which the line must hold at least one: what is wrong)
BAD_FILES = {
    "text file named .xlsx": (text_file, ["not an Excel workbook"]),
    "empty file": (empty_file, ["not an Excel workbook"]),
    "truncated workbook": (truncated, ["not an Excel workbook", "damaged"]),
    "plain zip": (plain_zip, ["zip file", "not an Excel workbook"]),
    "OpenDocument": (ods_file, [".ods"]),
    "real .xls": (old_xls, [".xls"]),
    ".xls named .xlsx": (xls_named_xlsx, [".xls"]),
    "encrypted .xlsx": (encrypted, ["encrypted", "password"]),
    "damaged part": (damaged_part, ["damaged", "cannot be read"]),
    "zip bomb": (zip_bomb, ["zip bomb"]),
    "zip bomb in a sheet": (zip_bomb_in_a_sheet, ["zip bomb"]),
    "zip bomb too large in total": (zip_bomb_too_large_in_total, ["zip bomb"]),
    "a part over 256 MiB": (facts_too_large, ["256 MiB"]),
    "zip bomb lying about its size": (zip_bomb_lying_small, ["zip bomb", "damaged", "declared", "size"]),
    "zip bomb lying about size and CRC": (zip_bomb_lying_small_with_matching_crc,
                                          ["zip bomb", "damaged", "declared", "size"]),
    "XML bomb": (xml_bomb, ["XML bomb", "DOCTYPE"]),
    "XML bomb in shared strings": (xml_bomb_in_shared_strings, ["XML bomb", "DOCTYPE"]),
    "XML bomb in a sheet": (xml_bomb_in_a_sheet, ["XML bomb", "DOCTYPE"]),
    "external entity": (xml_external_entity, ["XML bomb", "DOCTYPE", "entit"]),
    "XML bomb behind a comment": (xml_bomb_behind_a_comment, ["XML bomb", "DOCTYPE"]),
    "XML bomb used behind a comment": (xml_bomb_used_behind_a_comment, ["XML bomb", "DOCTYPE", "entit"]),
}
COMMANDS = {"check": ("check",), "run": ("run", "--period", PERIOD)}


# --- helpers ------------------------------------------------------------------------------------------


def invoke(command: tuple[str, ...], path: Path):
    args = [command[0], str(path), *command[1:]]
    return CliRunner().invoke(main, args)


def assert_one_clear_line(result, path: Path, words: list[str]) -> str:
    output = result.output
    assert result.exit_code == 1, f"exit {result.exit_code}:\n{output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{output}"
    line = lines[0]
    assert str(path) in line, f"the line does not name {path}: {line}"
    assert any(w.lower() in line.lower() for w in words), f"none of {words} in: {line}"
    return line


# --- every bad file, every command -------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize("case", BAD_FILES.keys())
def test_bad_file_is_one_clear_line_and_exit_1(case, command, sample, tmp_path):
    build, words = BAD_FILES[case]
    path = build(tmp_path, sample)
    before = digest(path)
    started = time.monotonic()
    result = invoke(command, path)
    took = time.monotonic() - started
    assert_one_clear_line(result, path, words)
    assert digest(path) == before
    assert took < 5, f"{case}: {took:.1f}s to refuse"


@pytest.mark.parametrize("case", BAD_FILES.keys())
def test_library_raises_file_problem(case, sample, tmp_path):
    build, words = BAD_FILES[case]
    path = build(tmp_path, sample)
    before = digest(path)
    with pytest.raises(kpi_reports.FileProblem) as load:
        kpi_reports.load(path)
    with pytest.raises(kpi_reports.FileProblem):
        kpi_reports.check(path)
    assert "\n" not in str(load.value) and str(path) in str(load.value)
    assert any(w.lower() in str(load.value).lower() for w in words), f"none of {words} in: {load.value}"
    assert isinstance(load.value, kpi_reports.KpiError)
    assert digest(path) == before


def test_a_part_over_256_mib_is_refused_naming_the_sheet_the_part_and_the_limit(sample, tmp_path):
    path = facts_too_large(tmp_path, sample)
    with zipfile.ZipFile(path) as z:
        sizes = {info.filename: (info.file_size, info.compress_size) for info in z.infolist()}
    size, packed = sizes["xl/worksheets/sheet6.xml"]
    assert size > 256 * MIB and size < 200 * packed  # neither the ratio nor the total limit applies
    before = digest(path)
    line = assert_one_clear_line(invoke(COMMANDS["run"], path), path, ["256 MiB"])
    assert "Facts" in line and "xl/worksheets/sheet6.xml" in line and "257 MiB" in line
    assert digest(path) == before


def test_a_part_over_256_mib_that_is_no_sheet_is_refused_naming_the_part(sample, tmp_path):
    raw, crc, size = deflate_repeated(EMPTY_ROWS, 300)
    path = write_zip(tmp_path / "huge_media.xlsx", members(sample) + [("xl/media/data.bin", raw, crc, size, 8)])
    line = assert_one_clear_line(invoke(COMMANDS["check"], path), path, ["256 MiB"])
    assert "xl/media/data.bin" in line and "300 MiB" in line


def test_bad_files_are_built_fast_and_small(sample, tmp_path):
    """The bombs are cheap to build: the suite stays fast and light."""
    for case in ("zip bomb", "zip bomb in a sheet", "zip bomb lying about its size", "a part over 256 MiB"):
        started = time.monotonic()
        path = BAD_FILES[case][0](tmp_path, sample)
        assert time.monotonic() - started < 3
        assert path.stat().st_size < 2 * MIB


def test_zip_bomb_really_expands(sample, tmp_path):
    """The bomb is real: 300 MiB declared from well under 1 MiB, and zip's own reader agrees."""
    path = zip_bomb(tmp_path, sample)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/media/image1.png")
        assert info.file_size == 300 * MIB and info.compress_size < MIB
        with z.open(info) as f:
            assert f.read(MIB) == b"\0" * MIB


def test_xml_bomb_file_is_otherwise_a_valid_workbook(sample, tmp_path):
    """Without the DOCTYPE the rebuilt file checks clean: it is the bomb that is refused."""
    path = rewrite(sample, tmp_path / "rebuilt.xlsx", "xl/workbook.xml", lambda data: data)
    result = invoke(("check",), path)
    assert result.exit_code == 0, result.output


# --- missing file and folder ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_missing_file_is_one_clear_line(command, tmp_path):
    path = tmp_path / "nowhere" / "team.xlsx"
    result = invoke(command, path)
    assert_one_clear_line(result, path, ["no such file", "not found", "does not exist"])
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_folder_is_one_clear_line(command, tmp_path):
    path = tmp_path / "team.xlsx"
    path.mkdir()
    (path / "inside.txt").write_text("x")
    result = invoke(command, path)
    assert_one_clear_line(result, path, ["folder", "directory"])
    assert [p.name for p in path.iterdir()] == ["inside.txt"]


def test_missing_file_in_the_library_is_a_file_problem(tmp_path):
    with pytest.raises(kpi_reports.FileProblem, match="no such file"):
        kpi_reports.load(tmp_path / "team.xlsx")


# --- --debug shows what happened ------------------------------------------------------------------------------


def test_debug_lets_the_file_problem_through(tmp_path, sample):
    path = text_file(tmp_path, sample)
    result = CliRunner().invoke(main, ["--debug", "check", str(path)])
    assert isinstance(result.exception, kpi_reports.FileProblem)


# --- nothing writes over the input -------------------------------------------------------------------------------


def test_init_does_not_overwrite_an_existing_file(sample):
    before = digest(sample)
    result = CliRunner().invoke(main, ["init", str(sample)])
    line = assert_one_clear_line(result, sample, ["exists"])
    assert "--force" in line
    assert digest(sample) == before


@pytest.mark.parametrize("case", ["text file named .xlsx", "encrypted .xlsx", "zip bomb", "XML bomb"])
def test_run_with_json_onto_a_bad_input_leaves_it_alone(case, sample, tmp_path):
    path = BAD_FILES[case][0](tmp_path, sample)
    before = digest(path)
    result = CliRunner().invoke(main, ["run", str(path), "--period", PERIOD, "--json", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert digest(path) == before
    assert not re.search(r"\.tmp|~\$", " ".join(p.name for p in tmp_path.iterdir())), list(tmp_path.iterdir())
