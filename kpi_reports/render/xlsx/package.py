"""Writing an .xlsx package (a zip): parts copied from another package as they are stored, new parts,
and large parts streamed from text chunks and compressed on a second thread while the next chunks are
made (zlib lets go of the interpreter while it compresses).

Python's zipfile has no public way to copy an entry without decompressing and compressing it again;
`copy` writes the stored bytes under a local header of its own and registers the entry, so the part is
identical by construction and costs no compression time.
"""
from __future__ import annotations

import queue
import struct
import threading
import zipfile
from collections.abc import Iterable
from typing import Self

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
"""The time stamp of every new part, as XlsxWriter does: the same input gives the same bytes."""
CHUNK = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s22xHH")


class PackageWriter:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def copy(self, source: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """The entry `info` of `source`, its compressed bytes unchanged."""
        fp = source.fp
        fp.seek(info.header_offset)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
        if signature != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename}")
        fp.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        data = fp.read(info.compress_size)
        entry = zipfile.ZipInfo(info.filename, info.date_time)
        entry.compress_type, entry.CRC = info.compress_type, info.CRC
        entry.compress_size, entry.file_size = info.compress_size, info.file_size
        entry.external_attr, entry.create_system = info.external_attr, info.create_system
        entry.flag_bits = info.flag_bits & ~0x08  # sizes are in the local header: no data descriptor
        out = self.zip.fp
        entry.header_offset = out.tell()
        out.write(entry.FileHeader())
        out.write(data)
        self.zip.filelist.append(entry)
        self.zip.NameToInfo[entry.filename] = entry
        self.zip.start_dir = out.tell()

    def add(self, name: str, data: bytes) -> None:
        self.zip.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)

    def stream(self, name: str, chunks: Iterable[str], level: int = 1) -> None:
        """A part made of text chunks, encoded as UTF-8; compressed while the next chunks are made, at
        the fastest level by default (a third larger than level 6, three times faster)."""
        entry = zipfile.ZipInfo(name, FIXED_TIME)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry._compresslevel = level  # open() takes no level; writestr() sets this same attribute
        pending: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        failed: list[BaseException] = []
        with self.zip.open(entry, "w") as part:
            def compress() -> None:
                while (data := pending.get()) is not None:
                    if not failed:
                        try:
                            part.write(data)
                        except BaseException as e:  # noqa: BLE001 - handed to the main thread, which raises it
                            failed.append(e)
            worker = threading.Thread(target=compress, daemon=True)
            worker.start()
            try:
                buffer, size = [], 0
                for chunk in chunks:
                    buffer.append(chunk)
                    size += len(chunk)
                    if size >= CHUNK:
                        pending.put("".join(buffer).encode("utf-8"))
                        buffer, size = [], 0
                        if failed:
                            break
                pending.put("".join(buffer).encode("utf-8"))
            finally:
                pending.put(None)
                worker.join()
            if failed:
                raise failed[0]
