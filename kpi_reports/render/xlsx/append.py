"""Rows appended to a sheet of the user's own workbook — the new versions' rows `review --apply` adds to
Schemes — without losing anything of theirs.

Only the sheet's part changes (and the parts of an Excel table its rows are, when they are one); every
other part of the package is copied as it is stored. In the sheet's XML, edited as text as `splice.py`
edits the index parts: each new row is a copy of the row of the line it versions — every cell with its
style (`s=`), a formula's cell as its cached value (a formula copied as it is would point at the wrong
rows), text shared with the rows above as the same shared string — with the new weight (a number, in the
weight cell's style) and `from` (text as an inline string, or a date serial when the `from` cells above
are dates, in their style). User text never becomes a formula: no `<f>` is written. Then the drop-downs
(data validations) and conditional formats whose ranges end at the table's last row, a sheet-level
filter and an Excel table over the rows are extended down to the new last row, and `<dimension>` to the
new extent. A `from` column to add gets its header cell (in the style of the header cell to its left,
the column as wide as the one to its left) and, when the rows are an Excel table, a table column.

A sheet written in a way this does not edit (rows or cells without a reference, say) is refused with one
clear line; every part edited must still parse before anything is written.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import NoReturn

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as ET

from kpi_reports.layout.apply_review import AppendPlan, NewRow
from kpi_reports.messages import msg
from kpi_reports.names import col_index, col_letter
from kpi_reports.problems import FileProblem
from kpi_reports.render.xlsx import writeback
from kpi_reports.render.xlsx.package import PackageWriter
from kpi_reports.render.xlsx.splice import resolve
from kpi_reports.workbook.safety import open_zip, sheet_parts

TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_RANGE = re.compile(r"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?")


def write_rows(path: str | os.PathLike, plan: AppendPlan, read_as: tuple[int, int] | None = None,
               backup: bool = False) -> Path | None:
    """Appends the plan's rows to the workbook at `path`, atomically, only if the file is still the one read
    (`read_as`, its fingerprint); keeps NAME.bak.xlsx with `backup`. Returns the backup."""
    return writeback.replace_checked(path, lambda target, tmp: append_rows(target, plan, tmp), read_as, backup)


def append_rows(original: Path, plan: AppendPlan, target: Path) -> None:
    """Writes to `target` the workbook `original` with the plan's rows (and `from` header) added."""
    try:
        with open_zip(original) as src:
            part = sheet_parts(src).get(plan.sheet)
            if not part or part not in src.namelist():
                raise FileProblem(msg("damaged_part", part=part or plan.sheet, reason="missing"), original)
            date1904 = re.search(r'date1904="(1|true)"', src.read("xl/workbook.xml").decode("utf-8")) is not None
            sheet = _Sheet(src.read(part).decode("utf-8"), plan, original, date1904)
            changed = {part: sheet.appended()}
            for table in _tables(src, part):
                changed[table] = _table(src.read(table).decode("utf-8"), plan, sheet, original)
            for name, data in changed.items():
                _well_formed(data, name, original)
            with PackageWriter(target) as out:
                for info in src.infolist():
                    if info.filename in changed:
                        out.add(info.filename, changed[info.filename])
                    else:
                        out.copy(src, info)
    except (UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise FileProblem(msg("not_a_workbook", reason=e), original) from None


class _Sheet:
    """The sheet's XML as text, and what the new rows are made of."""

    def __init__(self, xml: str, plan: AppendPlan, path: Path, date1904: bool):
        self.xml, self.plan, self.path, self.date1904 = xml, plan, path, date1904
        data = re.search(r"<(\w+:)?sheetData\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?sheetData>)", xml, re.DOTALL)
        if data is None:
            self._odd("no sheetData")
        self.p = data.group(1) or ""
        self.data = data
        self.rows: list[tuple[int, str, str, str]] = []
        """(sheet row, the row's attributes, its cells' XML, the whole element)."""
        for m in re.finditer(rf"<{self.p}row\b([^>]*?)(?:/>|>(.*?)</{self.p}row>)", data.group(2) or "", re.DOTALL):
            r = re.search(r'\br="(\d+)"', m.group(1))
            if r is None:
                self._odd("a row without a reference")
            self.rows.append((int(r.group(1)), m.group(1), m.group(2) or "", m.group(0)))
        self.by_row = {r: (attrs, cells) for r, attrs, cells, _ in self.rows}
        self.last = plan.rows[0].row if plan.rows else 0
        """The table's last sheet row (1-based) before the new ones: what ranges ending there are extended from."""
        self.new_last = plan.rows[-1].row + 1 if plan.rows else self.last

    def _odd(self, reason: str) -> NoReturn:
        raise FileProblem(msg("apply_odd_sheet", sheet=self.plan.sheet, reason=reason), self.path)

    def cells(self, row: int) -> dict[int, tuple[str, str, str]]:
        """The cells of a sheet row (1-based): column → (attributes, inner XML, the whole element)."""
        attrs_cells = self.by_row.get(row)
        if attrs_cells is None:
            return {}
        found = {}
        for m in re.finditer(rf"<{self.p}c\b([^>]*?)(?:/>|>(.*?)</{self.p}c>)", attrs_cells[1], re.DOTALL):
            ref = re.search(r'\br="([A-Z]{1,3})\d+"', m.group(1))
            if ref is None:
                self._odd("a cell without a reference")
            found[col_index(ref.group(1))] = (m.group(1), m.group(2) or "", m.group(0))
        return found

    # --- the new XML ----------------------------------------------------------------------------

    def appended(self) -> bytes:
        plan, xml = self.plan, self.xml
        new = {r.row + 1: self._row(r) for r in plan.rows}
        rows = []
        for r, attrs, cells, whole in self.rows:
            if r in new:
                if re.search(rf"<{self.p}(?:v|f|is)\b", cells):
                    self._odd(f"row {r} is not empty")
                continue  # a formatted empty row below the table: the new row takes its place
            if plan.from_header and r == plan.header_row + 1:
                whole = self._with_header(attrs, cells)
            rows.append((r, whole))
        rows += list(new.items())
        rows.sort(key=lambda x: x[0])
        body = "".join(whole for _, whole in rows)
        data = self.data
        head = re.match(r"<(?:\w+:)?sheetData\b[^>]*?(?=/?>)", data.group(0)).group(0)
        before, after = self._dimension(self._cols(xml[:data.start()])), self._ranges(xml[data.end():])
        return f"{before}{head}>{body}</{self.p}sheetData>{after}".encode()

    def _row(self, new: NewRow) -> str:
        """A new row: the source row's cells, the weight and `from` put in."""
        plan, n, p = self.plan, new.row + 1, self.p
        source = self.cells(new.source + 1)
        cells = {col: self._copied(attrs, inner, col, n) for col, (attrs, inner, _) in source.items()}
        weight_style = _attr(source.get(plan.weight_column, ("", "", ""))[0], "s")
        cells[plan.weight_column] = _cell(p, plan.weight_column, n, weight_style, None,
                                          f"<{p}v>{_decimal(new.weight)}</{p}v>")
        cells[plan.from_column] = self._since(n)
        attrs = self.by_row.get(new.source + 1, ("", ""))[0]
        kept = "".join(f' {k}="{v}"' for k in ("s", "customFormat", "ht", "customHeight") if (v := _attr(attrs, k)))
        return f'<{self.p}row r="{n}"{kept}>' + "".join(cells[c] for c in sorted(cells)) + f"</{self.p}row>"

    def _copied(self, attrs: str, inner: str, col: int, n: int) -> str:
        """A cell of the source row in row `n`: its style and value; a formula's cell its cached value."""
        p, style, kind = self.p, _attr(attrs, "s"), _attr(attrs, "t")
        if re.search(rf"<{p}f\b", inner):
            value = re.search(rf"<{p}v>(.*?)</{p}v>", inner, re.DOTALL)
            if value is None:
                return _cell(p, col, n, style, None, "")
            if kind == "str":
                return _cell(p, col, n, style, "inlineStr", self._inline(value.group(1)))
            return _cell(p, col, n, style, kind, value.group(0))
        return _cell(p, col, n, style, kind, inner)

    def _inline(self, escaped: str) -> str:
        p = self.p
        return f'<{p}is><{p}t xml:space="preserve">{escaped}</{p}t></{p}is>'

    def _since(self, n: int) -> str:
        """The `from` cell: like the `from` cells above (their style; a date serial when they are dates)."""
        plan = self.plan
        style, as_date = None, False
        for r in range(self.last, plan.header_row + 1, -1):
            found = self.cells(r).get(plan.from_column)
            if found and re.search(rf"<{self.p}(?:v|is)\b", found[1]):
                style, kind = _attr(found[0], "s"), _attr(found[0], "t")
                as_date = kind in (None, "n")
                break
        if as_date:
            year, month = (int(x) for x in plan.since.split("-"))
            base = dt.date(1904, 1, 1) if self.date1904 else dt.date(1899, 12, 30)
            serial = (dt.date(year, month, 1) - base).days
            return _cell(self.p, plan.from_column, n, style, None, f"<{self.p}v>{serial}</{self.p}v>")
        return _cell(self.p, plan.from_column, n, style, "inlineStr",
                     self._inline(html.escape(plan.since, quote=False)))

    def _with_header(self, attrs: str, cells_xml: str) -> str:
        """The header row with the `from` header cell, in the style of the header cell to its left."""
        plan, n = self.plan, self.plan.header_row + 1
        found = self.cells(n)
        cells = {col: whole for col, (_, _, whole) in found.items()}
        left = found.get(plan.from_column - 1)
        style = _attr(left[0], "s") if left else None
        cells[plan.from_column] = _cell(self.p, plan.from_column, n, style, "inlineStr",
                                        self._inline(html.escape(plan.from_header, quote=False)))
        spans = re.search(r'\bspans="(\d+):(\d+)"', attrs)
        if spans and int(spans.group(2)) < plan.from_column + 1:
            attrs = attrs.replace(spans.group(0), f'spans="{spans.group(1)}:{plan.from_column + 1}"')
        return f"<{self.p}row{attrs}>" + "".join(cells[c] for c in sorted(cells)) + f"</{self.p}row>"

    def _dimension(self, xml: str) -> str:
        def fix(m: re.Match) -> str:
            found = _RANGE.fullmatch(m.group(2))
            if not found:
                return m.group(0)
            c1, r1, c2, r2 = found.group(1), int(found.group(2)), found.group(3) or found.group(1), \
                int(found.group(4) or found.group(2))
            last_col = max(col_index(c2), self.plan.from_column if self.plan.from_header else 0)
            return f'{m.group(1)}{c1}{r1}:{col_letter(last_col)}{max(r2, self.new_last)}"'
        return re.sub(r'(<(?:\w+:)?dimension\b[^>]*?\bref=")([^"]*)"', fix, xml, count=1)

    def _cols(self, xml: str) -> str:
        """A new `from` column as wide as the one to its left, when the sheet sets widths and none covers it."""
        plan = self.plan
        if not plan.from_header or not plan.rows:
            return xml
        block = re.search(r"<(\w+:)?cols>(.*?)</(?:\w+:)?cols>", xml, re.DOTALL)
        if block is None:
            return xml
        spans = [(int(_attr(m.group(0), "min") or 0), int(_attr(m.group(0), "max") or 0), m.group(0))
                 for m in re.finditer(r"<(?:\w+:)?col\b[^>]*/>", block.group(2))]
        number = plan.from_column + 1
        if any(lo <= number <= hi for lo, hi, _ in spans):
            return xml
        left = next((tag for lo, hi, tag in spans if lo <= number - 1 <= hi), None)
        width = _attr(left, "width") if left else None
        if width is None:
            return xml
        tag = f'<{block.group(1) or ""}col min="{number}" max="{number}" width="{width}" customWidth="1"/>'
        ordered = sorted([*spans, (number, number, tag)], key=lambda s: s[0])
        inner = "".join(t for _, _, t in ordered)
        return xml[:block.start(2)] + inner + xml[block.end(2):]

    def _ranges(self, xml: str) -> str:
        """Drop-downs, conditional formats (2007 and 2010 ones) and a sheet filter ending at the table's
        last row, extended down to the new last row."""
        extend = self.extend
        xml = re.sub(r'(<(?:\w+:)?(?:dataValidation|conditionalFormatting)\b[^>]*?\bsqref=")([^"]*)(")',
                     lambda m: m.group(1) + extend(m.group(2)) + m.group(3), xml)
        xml = re.sub(r"(<(\w+:)?sqref>)([^<]*)(</(?:\w+:)?sqref>)",
                     lambda m: m.group(1) + extend(m.group(3)) + m.group(4), xml)
        return re.sub(r'(<(?:\w+:)?autoFilter\b[^>]*?\bref=")([^"]*)(")',
                      lambda m: m.group(1) + extend(m.group(2)) + m.group(3), xml)

    def extend(self, sqref: str) -> str:
        """Each range of `sqref` that ends at the table's last row, down to the new last row."""
        def one(ref: str) -> str:
            found = _RANGE.fullmatch(ref)
            if not found:
                return ref
            c1, r1, c2, r2 = found.group(1), int(found.group(2)), found.group(3) or found.group(1), \
                int(found.group(4) or found.group(2))
            if r2 != self.last or r1 > r2:
                return ref
            return f"{c1}{r1}:{c2}{self.new_last}"
        return " ".join(one(ref) for ref in sqref.split())


def _cell(p: str, col: int, n: int, style: str | None, kind: str | None, inner: str) -> str:
    """A cell element (`p`: the sheet's prefix for its namespace, usually none)."""
    attrs = f'r="{col_letter(col)}{n}"' + (f' s="{style}"' if style else "") + (f' t="{kind}"' if kind else "")
    return f"<{p}c {attrs}>{inner}</{p}c>" if inner else f"<{p}c {attrs}/>"


def _attr(attrs: str | None, name: str) -> str | None:
    m = re.search(rf'(?:^|\s){name}="([^"]*)"', attrs or "")
    return m.group(1) if m else None


def _decimal(value) -> str:
    return format(value.normalize(), "f") if value else "0"


# --- an Excel table over the rows ------------------------------------------------------------------

def _tables(src: zipfile.ZipFile, part: str) -> list[str]:
    """The table parts of the sheet `part`, from its relationships."""
    folder, _, name = part.rpartition("/")
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in src.namelist():
        return []
    found = []
    for m in re.finditer(r"<(?:\w+:)?Relationship\b[^>]*/>", src.read(rels).decode("utf-8")):
        if _attr(m.group(0), "Type") == TABLE and (target := _attr(m.group(0), "Target")):
            resolved = resolve(part, target)
            if resolved in src.namelist():
                found.append(resolved)
    return found



def _table(xml: str, plan: AppendPlan, sheet: _Sheet, path: Path) -> bytes:
    """The table's part with its range (and its filter's) down to the new last row and, for a `from` column
    added right of it, one more column. A table that is not over the Schemes rows is left as it is."""
    head = re.search(r"<(?:\w+:)?table\b[^>]*>", xml)
    ref = _attr(head.group(0), "ref") if head else None
    found = _RANGE.fullmatch(ref or "")
    if not found or not plan.rows:
        return xml.encode("utf-8")
    c1, r1, c2, r2 = col_index(found.group(1)), int(found.group(2)), col_index(found.group(3) or found.group(1)), \
        int(found.group(4) or found.group(2))
    if r2 != sheet.last or r1 > plan.header_row + 1:
        return xml.encode("utf-8")
    if int(_attr(head.group(0), "totalsRowCount") or 0):
        raise FileProblem(msg("apply_table_totals", sheet=plan.sheet), path)
    wider = plan.from_header is not None and c2 + 1 == plan.from_column
    new_ref = f"{col_letter(c1)}{r1}:{col_letter(plan.from_column if wider else c2)}{sheet.new_last}"
    xml = re.sub(r'(<(?:\w+:)?(?:table|autoFilter)\b[^>]*?\bref=")' + re.escape(ref) + '"',
                 lambda m: m.group(1) + new_ref + '"', xml)
    if wider:
        columns = re.search(r"<(\w+:)?tableColumns\b[^>]*>(.*?)</(?:\w+:)?tableColumns>", xml, re.DOTALL)
        if columns:
            p = columns.group(1) or ""
            ids = [int(i) for i in re.findall(r'<(?:\w+:)?tableColumn\b[^>]*?\bid="(\d+)"', columns.group(2))]
            count = len(re.findall(r"<(?:\w+:)?tableColumn\b", columns.group(2))) + 1
            name = html.escape(plan.from_header, quote=True)
            block = re.sub(r'count="\d+"', f'count="{count}"', columns.group(0), count=1)
            block = block.replace(f"</{p}tableColumns>",
                                  f'<{p}tableColumn id="{max(ids, default=0) + 1}" name="{name}"/></{p}tableColumns>')
            xml = xml.replace(columns.group(0), block, 1)
    return xml.encode("utf-8")


def _well_formed(data: bytes, part: str, path: Path) -> None:
    try:
        ET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, LookupError) as e:
        raise FileProblem(msg("damaged_part", part=part, reason=e), path) from None
