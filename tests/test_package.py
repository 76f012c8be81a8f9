"""The zip writer under the write-back: copies entries as stored, streams large parts through a second
thread, and never hides an error of either thread."""
from __future__ import annotations

import errno
import io
import zipfile

import pytest

from kpi_reports.render.xlsx.package import CHUNK, PackageWriter


def chunks(n: int):
    for i in range(n):
        yield f'<row r="{i}"><c r="A{i}"><v>{i * 1.5}</v></c></row>'


def test_a_streamed_part_holds_every_chunk_in_order(tmp_path):
    path = tmp_path / "out.zip"
    with PackageWriter(path) as out:
        out.stream("xl/worksheets/sheet1.xml", chunks(200_000))  # several megabytes: many hand-overs
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/worksheets/sheet1.xml").decode() == "".join(chunks(200_000))
        assert len(z.read("xl/worksheets/sheet1.xml")) > 4 * CHUNK and z.testzip() is None


def test_a_copied_entry_keeps_its_compressed_bytes_and_reads_back(tmp_path):
    source = tmp_path / "in.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("a.xml", "<a>" + "x" * 10_000 + "</a>")
        z.writestr(zipfile.ZipInfo("b.bin"), bytes(range(256)) * 10)  # stored, not deflated
    target = tmp_path / "out.zip"
    with zipfile.ZipFile(source) as src, PackageWriter(target) as out:
        for info in src.infolist():
            out.copy(src, info)
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        assert [i.filename for i in after.infolist()] == ["a.xml", "b.bin"]
        for name in ("a.xml", "b.bin"):
            old, new = before.getinfo(name), after.getinfo(name)
            assert (new.compress_type, new.CRC, new.compress_size) == (old.compress_type, old.CRC, old.compress_size)
            assert after.read(name) == before.read(name)
        assert after.testzip() is None


def test_an_error_while_making_the_chunks_reaches_the_caller(tmp_path):
    def failing():
        yield from chunks(100_000)
        raise ValueError("layout broke")
    with pytest.raises(ValueError, match="layout broke"), PackageWriter(tmp_path / "out.zip") as out:
        out.stream("sheet.xml", failing())


class FullDisk(io.BytesIO):
    def write(self, data) -> int:
        if self.tell() + len(data) > 256 * 1024:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_an_error_while_compressing_and_writing_reaches_the_caller():
    with pytest.raises(OSError, match="No space left"), PackageWriter(FullDisk()) as out:
        out.stream("sheet.xml", chunks(400_000))
