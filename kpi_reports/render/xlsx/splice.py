"""Adding generated sheets to someone else's workbook without losing anything of theirs.

The frame of the generated sheets is drawn by XlsxWriter into a workbook of its own; its parts are
added to the user's package under names of their own, and the cells are streamed into the sheet parts
as the package is written (inline strings, so the user's shared strings need no change). Every original
part is copied as it is stored; only the indexes change, and keep every entry they had: the workbook
(new <sheet>s and defined names), its relationships, the content types and the styles (the generated
fonts, fills, borders, number formats, cell formats and conditional formats are reused when equal and
appended otherwise, before any cell is written, so cells carry their final style numbers). A hidden
sheet-local defined name marks each generated sheet with its family (`Sheet.family`), so a re-run
replaces exactly the sheets of the families it writes, keeps the other families' (`run` keeps a
review's sheet and `review` keeps run's), and never touches a sheet of the user's.

The marker's value is the family: TRUE for `run`'s sheets (what every earlier version wrote, so their
workbooks keep working), the family as a string constant otherwise (`"review 2026-Q4"`).
"""
from __future__ import annotations

import contextlib
import html
import re
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Iterator
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as ET

from kpi_reports.layout.model import Sheet
from kpi_reports.messages import msg
from kpi_reports.problems import FileProblem
from kpi_reports.render.xlsx.draw import draw, sheet_xml
from kpi_reports.render.xlsx.package import PackageWriter
from kpi_reports.workbook.safety import open_zip, package_problem

MARKER = "_kpi_reports_sheet"
RUN = "run"
LOCAL = "@local-sheet-id@"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET = R_NS + "/worksheet"
CT = {
    "sheet": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "drawing": "application/vnd.openxmlformats-officedocument.drawing+xml",
    "chart": "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
}


def splice(original: Path, sheets: list[Sheet], target: Path, replace: Collection[str] = ()) -> None:
    """Writes to `target` the user's workbook `original` with `sheets` added after the user's own
    (replacing those of their families a previous run added, and those of the families `replace`). Raises
    FileProblem when a user's sheet has the name of a generated one."""
    with tempfile.TemporaryDirectory(prefix="kpi-reports-") as folder:
        frame = draw(Path(folder) / "frame.xlsx", sheets)
        with open_zip(original) as src, zipfile.ZipFile(frame.path) as gen, _damaged(original):
            book = _Book(src, original)
            book.remove_generated({sheet.family for sheet in sheets} | set(replace))
            new = _Generated(gen)
            book.check_names(new.names, original)
            maps = book.merge_styles(new.styles)
            styles = {name: maps["cellXfs"][number] for name, number in frame.styles.items()}
            for index, name in enumerate(new.names):
                book.add_sheet(name, new.sheet_parts(index, sheets[index], maps, styles, book.unique),
                               sheets[index].family)
            for index_part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                               "xl/styles.xml"):
                _well_formed(book.parts[index_part], index_part, original)
            book.write(target)


@contextlib.contextmanager
def _damaged(path: Path) -> Iterator[None]:
    """A part of the user's package that cannot be read or is not UTF-8 (every index part Excel writes is)
    is one clear line, as the reader's are."""
    try:
        yield
    except (UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise FileProblem(msg("damaged_zip" if isinstance(e, zipfile.BadZipFile) else "not_a_workbook", reason=e),
                          path) from None


def marker(family: str) -> str:
    """The marker's value, as the XML text of a defined name: TRUE for run's sheets, else a string constant."""
    return "TRUE" if family == RUN else html.escape('"' + family.replace('"', '""') + '"', quote=False)


def family_of(value: str) -> str:
    """The family a marker's XML text names: a string constant's text; anything else (TRUE) is run's."""
    value = html.unescape(value).strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return RUN


class _Book:
    """The user's package: its index parts held as text and edited in place, the parts added, the parts
    dropped; every other part is copied as it is stored."""

    def __init__(self, src: zipfile.ZipFile, path: Path):
        self.src = src
        self.order = [i.filename for i in src.infolist()]
        self.dropped: set[str] = set()
        self.parts: dict[str, bytes | Iterator[str]] = {}
        if "xl/workbook.xml" not in self.order:
            raise FileProblem(msg("not_xlsx"), path)
        self.workbook = src.read("xl/workbook.xml").decode("utf-8")
        problem = package_problem(self.order, self.workbook[:2000].encode())
        if problem is not None:
            raise FileProblem(problem, path)
        self.rels = src.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        self.types = src.read("[Content_Types].xml").decode("utf-8")
        self.parts["xl/styles.xml"] = src.read("xl/styles.xml")
        self.r = _prefix(self.workbook, R_NS) or "r"
        self.counter = 0

    def exists(self, part: str) -> bool:
        return part in self.parts or (part in self.order and part not in self.dropped)

    def read(self, part: str) -> bytes:
        data = self.parts.get(part)
        return data if isinstance(data, bytes) else self.src.read(part)

    def write(self, target: Path) -> None:
        """[Content_Types].xml first, then the original parts in their order, then the new ones."""
        with PackageWriter(target) as out:
            names = ["[Content_Types].xml"] + [n for n in self.order if n != "[Content_Types].xml"]
            names += [n for n in self.parts if n not in names]
            for name in names:
                data = self.parts.get(name)
                if isinstance(data, bytes):
                    out.add(name, data)
                elif data is not None:
                    out.stream(name, data)
                elif name not in self.dropped:
                    out.copy(self.src, self.src.getinfo(name))

    def unique(self, stem: str, ext: str) -> str:
        while True:
            self.counter += 1
            name = f"{stem}{self.counter}.{ext}"
            if not any(p.endswith("/" + name) and self.exists(p) for p in (*self.order, *self.parts)):
                return name

    # --- sheets -----------------------------------------------------------------------------

    def sheets(self) -> list[tuple[str, str, str]]:
        """(name, r:id, the whole <sheet/> element) in order."""
        found = []
        for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*/>", self.workbook):
            tag = m.group(0)
            name = html.unescape(re.search(r'\bname="([^"]*)"', tag).group(1))
            rid = re.search(rf'\b{self.r}:id="([^"]*)"', tag).group(1)
            found.append((name, rid, tag))
        return found

    def generated(self) -> dict[int, str]:
        """Position → family of the sheets an earlier run of the tool added (the marker is local to each)."""
        found = {}
        for m in re.finditer(r"<(?:\w+:)?definedName\b([^>]*)>(.*?)</(?:\w+:)?definedName>", self.workbook,
                             re.DOTALL):
            attrs = m.group(1)
            local = re.search(r'\blocalSheetId="(\d+)"', attrs)
            if local and re.search(rf'\bname="{MARKER}"', attrs):
                found[int(local.group(1))] = family_of(m.group(2))
        return found

    def check_names(self, names: list[str], path: Path) -> None:
        mine = {n.casefold() for n, _, _ in self.sheets()}
        for name in names:
            if name.casefold() in mine:
                raise FileProblem(msg("sheet_taken", sheet=name), path)

    def remove_generated(self, families: set[str]) -> None:
        """Drops the generated sheets of `families` (and everything of theirs); keeps the others."""
        doomed = sorted((i for i, family in self.generated().items() if family in families), reverse=True)
        for index in doomed:
            _, rid, tag = self.sheets()[index]
            target = re.search(rf'<Relationship\b[^>]*Id="{rid}"[^>]*/>', self.rels).group(0)
            part = "xl/" + re.search(r'Target="([^"]*)"', target).group(1).lstrip("/").removeprefix("xl/")
            self._drop_part(part)
            self.rels = self.rels.replace(target, "")
            self.workbook = self.workbook.replace(tag, "")
            self._shift_local_names(index)
        if doomed:
            self._drop_calc_chain()

    def _drop_part(self, part: str) -> None:
        rels = _rels_of(part)
        if self.exists(rels):
            for target in re.findall(r'Target="([^"]*)"', self.read(rels).decode("utf-8")):
                if not target.startswith(("http:", "https:", "file:", "mailto:")):
                    self._drop_part(resolve(part, target))
            self._drop(rels)
        self._drop(part)
        self.types = re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", self.types)

    def _shift_local_names(self, removed: int) -> None:
        def fix(m: re.Match) -> str:
            tag = m.group(0)
            local = re.search(r'localSheetId="(\d+)"', tag)
            if local is None:
                return tag
            i = int(local.group(1))
            if i == removed:
                return ""
            return tag.replace(local.group(0), f'localSheetId="{i - 1}"') if i > removed else tag
        self.workbook = re.sub(r"<(?:\w+:)?definedName\b[^>]*>.*?</(?:\w+:)?definedName>", fix, self.workbook,
                               flags=re.DOTALL)
        self.workbook = re.sub(r"<(?:\w+:)?definedNames>\s*</(?:\w+:)?definedNames>", "", self.workbook)
        active = re.search(r'activeTab="(\d+)"', self.workbook)
        if active and int(active.group(1)) >= removed and int(active.group(1)) > 0:
            self.workbook = self.workbook.replace(active.group(0), f'activeTab="{int(active.group(1)) - 1}"')

    def _drop(self, part: str) -> None:
        self.parts.pop(part, None)
        self.dropped.add(part)

    def _drop_calc_chain(self) -> None:
        """It may point into the removed sheets; Excel rebuilds it."""
        self._drop("xl/calcChain.xml")
        self.rels = re.sub(r'<Relationship\b[^>]*Target="/?(?:xl/)?calcChain\.xml"[^>]*/>', "", self.rels)
        self.types = re.sub(r'<Override\b[^>]*PartName="/xl/calcChain\.xml"[^>]*/>', "", self.types)

    def add_sheet(self, name: str, parts: list[tuple[str, bytes | Iterator[str], str, list[str]]],
                  family: str = RUN) -> None:
        """parts: (part name, data, content type, defined names with LOCAL for the sheet's position);
        `family`: what the sheet's marker says."""
        sheet_part, _, _, names = parts[0]
        for part, data, content_type, _ in parts:
            self.parts[part] = data
            if content_type:  # relationship parts are typed by their extension
                self.types = self.types.replace("</Types>", f'<Override PartName="/{part}" '
                                                            f'ContentType="{content_type}"/></Types>')
        rid = self._new_rid()
        self.rels = self.rels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{WORKSHEET}" '
                                                          f'Target="/{sheet_part}"/></Relationships>')
        ids = [int(i) for i in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bsheetId="(\d+)"', self.workbook)]
        index = len(self.sheets())
        element = (f'<sheet name="{html.escape(name)}" sheetId="{max(ids, default=0) + 1}" '
                   f'{self.r}:id="{rid}"/>')
        self.workbook = re.sub(r"(</(?:\w+:)?sheets>)", lambda m: element + m.group(1), self.workbook, count=1)
        defined = "".join(n.replace(LOCAL, str(index)) for n in names)
        defined += f'<definedName name="{MARKER}" localSheetId="{index}" hidden="1">{marker(family)}</definedName>'
        if re.search(r"</(?:\w+:)?definedNames>", self.workbook):
            self.workbook = re.sub(r"(</(?:\w+:)?definedNames>)", lambda m: defined + m.group(1), self.workbook,
                                   count=1)
        else:
            block = f"<definedNames>{defined}</definedNames>"
            anchor = re.search(r"<(?:\w+:)?(calcPr|oleSize|customWorkbookViews|pivotCaches|smartTagPr|"
                               r"smartTagTypes|webPublishing|fileRecoveryPr|webPublishObjects|extLst)\b",
                               self.workbook)
            if anchor:
                self.workbook = self.workbook[:anchor.start()] + block + self.workbook[anchor.start():]
            else:
                self.workbook = re.sub(r"(</(?:\w+:)?workbook>)", lambda m: block + m.group(1), self.workbook)
        self.parts["xl/workbook.xml"] = self.workbook.encode("utf-8")
        self.parts["xl/_rels/workbook.xml.rels"] = self.rels.encode("utf-8")
        self.parts["[Content_Types].xml"] = self.types.encode("utf-8")

    def _new_rid(self) -> str:
        used = set(re.findall(r'Id="([^"]*)"', self.rels))
        n = 1
        while f"rIdKpi{n}" in used:
            n += 1
        return f"rIdKpi{n}"

    # --- styles -------------------------------------------------------------------------------

    def merge_styles(self, generated: str) -> dict[str, dict[int, int]]:
        """Adds the generated styles to the user's; returns, per list, generated index → index in the book.

        An entry equal to one the book has (the user's, or a previous run's) is reused, so re-runs add
        nothing; the others are appended, so the user's entries keep their numbers.
        """
        styles = self.parts["xl/styles.xml"].decode("utf-8")
        mine = {f.group(2): int(f.group(1)) for f in re.finditer(
            r'<(?:\w+:)?numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', _block(styles, "numFmts") or "")}
        next_id = max([163, *mine.values()]) + 1
        maps: dict[str, dict[int, int]] = {"numFmt": {}}
        added = []
        for f in re.finditer(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/>', _block(generated, "numFmts") or ""):
            if f.group(2) not in mine:
                mine[f.group(2)] = next_id
                added.append(f'<numFmt numFmtId="{next_id}" formatCode="{f.group(2)}"/>')
                next_id += 1
            maps["numFmt"][int(f.group(1))] = mine[f.group(2)]
        styles = _append(styles, "numFmts", added)
        for key in ("fonts", "fills", "borders", "dxfs", "cellXfs"):
            items = [_remap(i, maps) for i in _items(_block(generated, key), key)]
            existing = _items(_block(styles, key), key)
            maps[key], added = {}, []
            for n, item in enumerate(items):
                if item not in existing and item not in added:
                    added.append(item)
                maps[key][n] = existing.index(item) if item in existing else len(existing) + added.index(item)
            styles = _append(styles, key, added)
        self.parts["xl/styles.xml"] = styles.encode("utf-8")
        return maps


_REFS = {"numFmtId": "numFmt", "fontId": "fonts", "fillId": "fills", "borderId": "borders"}


def _remap(item: str, maps: dict[str, dict[int, int]]) -> str:
    """Rewrites numFmtId / fontId / fillId / borderId through the maps made so far (built-in formats stay)."""
    def fix(m: re.Match) -> str:
        key, value = m.group(1), int(m.group(2))
        return f'{key}="{maps.get(_REFS[key], {}).get(value, value)}"'
    return re.sub(r'\b(numFmtId|fontId|fillId|borderId)="(\d+)"', fix, item)


class _Generated:
    """The workbook XlsxWriter drew: its sheets' parts, renamed and restyled for the user's package."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        workbook = zf.read("xl/workbook.xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = dict(re.findall(r'Id="([^"]*)"[^>]*Target="([^"]*)"', rels))
        self.names, self.paths = [], []
        for m in re.finditer(r'<sheet name="([^"]*)" sheetId="\d+" r:id="([^"]*)"/>', workbook):
            self.names.append(html.unescape(m.group(1)))
            self.paths.append("xl/" + targets[m.group(2)])
        self.defined = [(int(m.group(1)), m.group(0)) for m in re.finditer(
            r'<definedName [^>]*localSheetId="(\d+)"[^>]*>.*?</definedName>', workbook)]
        self.styles = zf.read("xl/styles.xml").decode("utf-8")

    def sheet_parts(self, index: int, sheet: Sheet, maps: dict[str, dict[int, int]], styles: dict[str, int],
                    unique) -> list[tuple[str, bytes | Iterator[str], str, list[str]]]:
        """The sheet's part (its cells to be made as it is written), its drawing and chart parts, and
        their relationships, under new names."""
        path = self.paths[index]
        frame = _restyle(self.zf.read(path).decode("utf-8"), maps).replace(' tabSelected="1"', "")
        sheet_name = "xl/worksheets/" + unique("kpiSheet", "xml")
        names = [name.replace(f'localSheetId="{index}"', f'localSheetId="{LOCAL}"')
                 for i, name in self.defined if i == index]
        parts = [(sheet_name, sheet_xml(frame, sheet, styles), CT["sheet"], names)]
        rels_path = _rels_of(path)
        if rels_path in self.zf.namelist():
            rels = self.zf.read(rels_path).decode("utf-8")
            for target in re.findall(r'Target="([^"]*)"', rels):
                drawing = resolve(path, target)
                new_drawing = "xl/drawings/" + unique("kpiDrawing", "xml")
                rels = rels.replace(f'Target="{target}"', f'Target="/{new_drawing}"')
                parts += self._drawing(drawing, new_drawing, unique)
            parts.append((_rels_of(sheet_name), rels.encode("utf-8"), "", []))
        return [p for p in parts if p[2]] + [p for p in parts if not p[2]]

    def _drawing(self, path: str, new: str, unique) -> list[tuple[str, bytes, str, list[str]]]:
        parts = [(new, self.zf.read(path), CT["drawing"], [])]
        rels_path = _rels_of(path)
        if rels_path in self.zf.namelist():
            rels = self.zf.read(rels_path).decode("utf-8")
            for target in re.findall(r'Target="([^"]*)"', rels):
                chart = "xl/charts/" + unique("kpiChart", "xml")
                rels = rels.replace(f'Target="{target}"', f'Target="/{chart}"')
                parts.append((chart, self.zf.read(resolve(path, target)), CT["chart"], []))
            parts.append((_rels_of(new), rels.encode("utf-8"), "", []))
        return parts


def _restyle(sheet: str, maps: dict[str, dict[int, int]]) -> str:
    """Renumbers the style references of a frame's cell, row and column tags and conditional formats
    (a frame holds no text, so matching whole tags is safe)."""
    xf, dxf = maps["cellXfs"], maps["dxfs"]

    def tag(m: re.Match) -> str:
        return re.sub(r'\b(s|style)="(\d+)"', lambda a: f'{a.group(1)}="{xf[int(a.group(2))]}"', m.group(0))
    sheet = re.sub(r"<(?:c|row|col)\b[^>]*>", tag, sheet)
    return re.sub(r"<cfRule\b[^>]*>", lambda m: re.sub(r'dxfId="(\d+)"', lambda a: f'dxfId="{dxf[int(a.group(1))]}"',
                                                       m.group(0)), sheet)


def _block(styles: str, key: str) -> str | None:
    m = re.search(rf"<(\w+:)?{key}\b[^>]*?(/>|>.*?</(\w+:)?{key}>)", styles, re.DOTALL)
    return m.group(0) if m else None


def _items(block: str | None, key: str) -> list[str]:
    if not block:
        return []
    child = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf",
             "dxfs": "dxf"}[key]
    return re.findall(rf"<(?:\w+:)?{child}\b(?:[^>]*/>|.*?</(?:\w+:)?{child}>)", block, re.DOTALL)


def _append(styles: str, key: str, items: list[str]) -> str:
    if not items:
        return styles
    block = _block(styles, key)
    if block is None:
        new = f'<{key} count="{len(items)}">{"".join(items)}</{key}>'
        before = {"numFmts": "fonts", "dxfs": "tableStyles"}.get(key, "cellStyles")
        m = re.search(rf"<(\w+:)?{before}\b", styles)
        return styles[:m.start()] + new + styles[m.start():] if m else styles.replace("</styleSheet>",
                                                                                       new + "</styleSheet>")
    prefix = re.match(r"<(\w+:)?", block).group(1) or ""
    count = len(_items(block, key)) + len(items)
    if block.endswith("/>"):
        new = re.sub(r'\s*count="\d+"', "", block[:-2]) + f' count="{count}">{"".join(items)}</{prefix}{key}>'
    else:
        head = re.match(rf"<(?:\w+:)?{key}\b[^>]*>", block).group(0)
        new_head = re.sub(r'count="\d+"', f'count="{count}"', head) if "count=" in head else \
            head[:-1] + f' count="{count}">'
        new = new_head + block[len(head):-len(f"</{prefix}{key}>")] + "".join(items) + f"</{prefix}{key}>"
    return styles.replace(block, new, 1)


def _prefix(xml: str, namespace: str) -> str | None:
    m = re.search(rf'xmlns:(\w+)="{re.escape(namespace)}"', xml)
    return m.group(1) if m else None


def _rels_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


def resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    folder = part.rpartition("/")[0].split("/")
    for piece in target.split("/"):
        if piece == "..":
            folder.pop()
        elif piece != ".":
            folder.append(piece)
    return "/".join(folder)


def _well_formed(data: bytes, part: str, path: Path) -> None:
    """An index part edited here must still parse (defusedxml, entities refused) before anything is written."""
    try:
        ET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, LookupError) as e:
        raise FileProblem(msg("damaged_part", part=part, reason=e), path) from None
