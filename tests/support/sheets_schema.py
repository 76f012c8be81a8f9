"""Google Sheets API v4 request bodies checked the way Google checks them, offline.

The schemas are the official discovery document that ships inside google-api-python-client
(`googleapiclient/discovery_cache/documents/sheets.v4.json`), so a body the renderer builds is held to
the published API, not to our idea of it. Two layers, as on Google's side:

* `validate(schema_name, value)` — the JSON parsing layer (proto3 JSON): unknown field, wrong type,
  bad enum value, two members of a oneof. The messages copy Google's (`Invalid JSON payload received.
  Unknown name "foo" at 'requests[0].add_sheet': Cannot find field.`), paths in Google's snake_case.
* `check_request_semantics(index, request, grids)` — what the Sheets backend refuses although the JSON
  parses: an empty field mask, developer metadata without a key or visibility, a range on a sheet that
  does not exist, cells outside the grid as it stands at that point of the batch, more than 10 million
  cells. `apply_to_grids` moves `grids` past a request, and `check_batch(body, grids)` runs the whole
  thing over one batchUpdate body — the renderer's tests can call it without the fake server.

Like Google, the parser accepts snake_case names beside camelCase, numbers written as strings for
integer and number fields, and null for "not set"; `normalize` turns a valid body into the plain
camelCase form the fake applies. Stricter than Google (each on purpose, each noted where it is done):
an enum given as a number is refused; a GridRange / GridCoordinate / DimensionRange without `sheetId`,
or a request whose own `sheetId` is left out (deleteSheet, updateSheetProperties, appendDimension...),
is refused — Google reads it as sheet 0, the first tab of most spreadsheets: a silent write into (or
the deletion of) the user's data. Output-only fields are accepted and ignored, as Google does.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Self

from kpi_reports.names import col_letter

INT32 = (-(2 ** 31), 2 ** 31 - 1)
MAX_CELLS = 10_000_000
PROTO_PACKAGE = "type.googleapis.com/google.apps.sheets.v4."
RANGE_SCHEMAS = ("GridRange", "GridCoordinate", "DimensionRange")

# Oneofs are not in the discovery document; these are the ones of Sheets' protos the project may touch
# (schema id -> (oneof name, members)). `Request` is all of its properties.
ONEOFS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ExtendedValue": ("value", ("numberValue", "stringValue", "boolValue", "formulaValue", "errorValue")),
    "UpdateCellsRequest": ("area", ("start", "range")),
    "DeveloperMetadataLocation": ("location", ("dimensionRange", "sheetId", "spreadsheet")),
    "ConditionalFormatRule": ("rule", ("booleanRule", "gradientRule")),
    "ColorStyle": ("kind", ("rgbColor", "themeColor")),
    "EmbeddedObjectPosition": ("location", ("sheetId", "overlayPosition", "newSheet")),
    "ChartSpec": ("chart", ("basicChart", "pieChart", "bubbleChart", "candlestickChart", "orgChart",
                            "histogramChart", "waterfallChart", "treemapChart", "scorecardChart")),
}

# Field-mask roots that the generic rule (the request's one non-range message field) gets wrong.
MASK_ROOTS = {"updateCells": "CellData", "appendCells": "CellData"}


class Violation(str):
    """An error message (a str, so `list[str]` holds) that also knows the field it is about, for the
    `fieldViolations` of Google's error body."""

    field: str

    def __new__(cls, message: str, field: str = "") -> Self:
        self = super().__new__(cls, message)
        self.field = field
        return self


@cache
def discovery() -> dict:
    """The discovery document, read once from the installed google-api-python-client package."""
    path = resources.files("googleapiclient") / "discovery_cache" / "documents" / "sheets.v4.json"
    return json.loads(path.read_text(encoding="utf-8"))


def schemas() -> dict[str, dict]:
    return discovery()["schemas"]


def snake(name: str) -> str:
    """The proto field name Google puts in error paths: `sheetId` -> `sheet_id`."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@cache
def _names(schema_name: str) -> dict[str, str]:
    """Every accepted spelling of a schema's fields (camelCase and snake_case) -> the camelCase one."""
    names = {}
    for name in schemas()[schema_name].get("properties", {}):
        names[name] = name
        names.setdefault(snake(name), name)
    return names


def _join(path: str, name: str) -> str:
    return f"{path}.{snake(name)}" if path else snake(name)


def _shown(value: Any) -> str:
    """A value as Google quotes it in `Invalid value at ...`: strings in quotes, the rest as JSON."""
    return json.dumps(value, ensure_ascii=False)


def _unknown(name: str, path: str, reason: str) -> Violation:
    where = f" at '{path}'" if path else ""
    return Violation(f'Invalid JSON payload received. Unknown name "{name}"{where}: {reason}', path)


def _invalid(path: str, kind: str, value: Any) -> Violation:
    return Violation(f"Invalid value at '{path}' ({kind}), {_shown(value)}", path)


# ---------------------------------------------------------------------------------------------------
# The JSON layer


def validate(schema_name: str, value: Any, path: str = "") -> list[str]:
    """Google's JSON-parsing errors for `value` as an instance of the discovery schema `schema_name`
    (`validate("BatchUpdateSpreadsheetRequest", body)`); [] when it parses. `path` prefixes the
    paths in the messages (Google's form: `requests[0].add_sheet`)."""
    if value is None:
        return []
    if not isinstance(value, dict) and not path:
        return [Violation("Invalid JSON payload received. Root element must be a message.")]
    if not isinstance(value, dict):
        if isinstance(value, list):
            return [_unknown(path.rsplit(".", 1)[-1], path.rpartition(".")[0],
                             "Proto field is not repeating, cannot start list.")]
        return [_invalid(path, PROTO_PACKAGE + schema_name, value)]
    schema = schemas()[schema_name]
    errors: list[str] = []
    names = _names(schema_name)
    for key, item in value.items():
        name = names.get(key)
        if name is None:
            errors.append(_unknown(key, path, "Cannot find field."))
            continue
        errors += _validate_property(schema["properties"][name], item, _join(path, name))
    return errors or _check_oneofs(schema_name, value, path)


def _validate_property(prop: dict, value: Any, path: str) -> list[str]:
    """One field: a message ($ref), a repeated field (array), a map (additionalProperties) or a scalar."""
    if value is None:
        return []
    if "$ref" in prop:
        return validate(prop["$ref"], value, path)
    kind = prop.get("type")
    if kind == "array":
        if not isinstance(value, list):
            return _validate_property(prop["items"], value, path)
        errors = []
        for i, item in enumerate(value):
            if item is None:
                errors.append(_invalid(f"{path}[{i}]", _type_name(prop["items"]), None))
            else:
                errors += _validate_property(prop["items"], item, f"{path}[{i}]")
        return errors
    if kind == "object" and "additionalProperties" in prop:
        if not isinstance(value, dict):
            return [_invalid(path, "TYPE_MESSAGE", value)]
        errors = []
        for key, item in value.items():
            errors += _validate_property(prop["additionalProperties"], item, f"{path}[{key}]")
        return errors
    return _validate_scalar(prop, value, path)


def _type_name(prop: dict) -> str:
    if "$ref" in prop:
        return PROTO_PACKAGE + prop["$ref"]
    if "enum" in prop:
        return "TYPE_ENUM"
    return {("integer", "int32"): "TYPE_INT32", ("number", "double"): "TYPE_DOUBLE",
            ("number", "float"): "TYPE_FLOAT", ("boolean", None): "TYPE_BOOL"}.get(
                (prop.get("type"), prop.get("format")), "TYPE_STRING")


def _validate_scalar(prop: dict, value: Any, path: str) -> list[str]:
    kind = prop.get("type")
    if kind == "any":
        return []
    if isinstance(value, (dict, list)):
        reason = ("Starting an object on a scalar field" if isinstance(value, dict)
                  else "Proto field is not repeating, cannot start list.")
        return [_unknown(path.rsplit(".", 1)[-1], path.rpartition(".")[0], reason)]
    ok = {
        "string": lambda: _is_enum_member(prop, value) if "enum" in prop else isinstance(value, str),
        "boolean": lambda: isinstance(value, bool),
        "integer": lambda: _as_int32(value) is not None,
        "number": lambda: _as_number(value) is not None,
    }.get(kind, lambda: True)()
    return [] if ok else [_invalid(path, _type_name(prop), value)]


def _is_enum_member(prop: dict, value: Any) -> bool:
    # Stricter than Google: proto3 JSON also takes an enum's number; the project always writes names.
    return isinstance(value, str) and value in prop["enum"]


def _as_int32(value: Any) -> int | None:
    """The int32 that proto3 JSON reads from `value` (a whole number, or a string of one), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not re.fullmatch(r"-?\d+", value.strip()):
            return None
        value = int(value)
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int) or not INT32[0] <= value <= INT32[1]:
        return None
    return value


def _as_number(value: Any) -> float | int | None:
    """A double as proto3 JSON reads it: a JSON number, a numeric string, "NaN", "Infinity"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) or value.strip() in ("NaN", "Infinity", "-Infinity") else None
    return None


def _check_oneofs(schema_name: str, value: dict, path: str) -> list[str]:
    """Two members of one oneof set is a parse error; a `Request` with none is refused too."""
    if schema_name == "Request":
        oneof, members = "kind", tuple(schemas()["Request"]["properties"])
    elif schema_name in ONEOFS:
        oneof, members = ONEOFS[schema_name]
    else:
        return []
    names = _names(schema_name)
    present = [names[k] for k, v in value.items() if k in names and names[k] in members and v is not None]
    if schema_name == "Request" and not present:
        return [Violation(f"Invalid {path or 'request'}: No request set.", path)]
    if len(present) > 1:
        return [Violation(f"Invalid value at '{path}' (oneof), oneof field '{oneof}' is already set. "
                          f"Cannot set '{present[1]}'", path)]
    return []


def normalize(schema_name: str, value: Any) -> Any:
    """A copy of a *valid* body in the form Google stores: camelCase names, numbers as numbers, no
    nulls. The fake applies this form, so it need not care how the client spelt the JSON."""
    if not isinstance(value, dict):
        return value
    names, properties = _names(schema_name), schemas()[schema_name].get("properties", {})
    out = {}
    for key, item in value.items():
        if item is None:
            continue
        name = names[key]
        out[name] = _normalize_property(properties[name], item)
    return out


def _normalize_property(prop: dict, value: Any) -> Any:
    if "$ref" in prop:
        return normalize(prop["$ref"], value)
    kind = prop.get("type")
    if kind == "array":
        return [_normalize_property(prop["items"], item) for item in value]
    if kind == "object" and "additionalProperties" in prop:
        return {key: _normalize_property(prop["additionalProperties"], item) for key, item in value.items()}
    if kind == "integer":
        return _as_int32(value)
    if kind == "number" and isinstance(value, str):
        return float(value)
    return value


# ---------------------------------------------------------------------------------------------------
# The backend layer: rules the discovery document cannot express


@dataclass
class Grid:
    """A sheet as far as the backend's checks care: its title and its grid's size."""

    title: str
    rows: int
    columns: int


def grids_of(sheets: list[dict]) -> dict[int, Grid]:
    """`grids` for the checks from a spreadsheet's `sheets[].properties` (a GET's answer)."""
    grids = {}
    for sheet in sheets:
        props = sheet.get("properties", sheet)
        grid = props.get("gridProperties", {})
        grids[props["sheetId"]] = Grid(props.get("title", ""), grid.get("rowCount", 1000), grid.get("columnCount", 26))
    return grids


column_letters = col_letter
"""0 -> A, 25 -> Z, 26 -> AA: the package's own (the fake imports it from here)."""


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def check_request_semantics(index: int, request: dict, grids: dict[int, Grid]) -> list[str]:
    """What Google's backend refuses in request `index` of a batch (a *valid, normalized* Request),
    given the sheets as they stand after the requests before it. Messages as Google words them
    (`Invalid requests[2].updateCells: No grid with id: 7`) where known, close to it otherwise."""
    kind = next(iter(request))
    body = request[kind]
    where = f"Invalid requests[{index}].{kind}: "
    problems = (_mask_problems(kind, body) or _metadata_problems(kind, body)
                or _sheet_problems(kind, body, grids) or _grid_problems(kind, body, grids)
                or _size_problems(kind, request, grids))
    return [Violation(where + problem, f"requests[{index}].{snake(kind)}") for problem in problems]


def _mask_problems(kind: str, body: dict) -> list[str]:
    """Every update request's `fields` must list at least one field, each of which must exist."""
    schema = schemas()[schemas()["Request"]["properties"][kind]["$ref"]]
    if "fields" not in schema.get("properties", {}):
        return []
    mask = body.get("fields", "").strip()
    if not mask:
        return ["At least one field must be listed in 'fields'. (Use '*' to indicate all fields.)"]
    root = MASK_ROOTS.get(kind) or next(
        (p["$ref"] for name, p in schema["properties"].items()
         if "$ref" in p and p["$ref"] not in RANGE_SCHEMAS and name != "dataSourceSheetRange"), None)
    if root is None:
        return []
    return [f"Invalid field mask path: '{path}'" for path in (p.strip() for p in mask.split(","))
            if path != "*" and not _mask_path_exists(root, path)]


def _mask_path_exists(schema_name: str, path: str) -> bool:
    """`userEnteredFormat.textFormat.bold` names a field of CellData: each part a field of the last."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        prop = schemas()[schema_name].get("properties", {}).get(_names(schema_name).get(part, ""))
        if prop is None:
            return False
        schema_name = prop.get("$ref") or prop.get("items", {}).get("$ref") or ""
        if not schema_name:
            return i == len(parts) - 1
    return True


def _metadata_problems(kind: str, body: dict) -> list[str]:
    """Developer metadata must have a key, a visibility and a location; a delete needs a filter."""
    if kind == "createDeveloperMetadata":
        meta = body.get("developerMetadata", {})
        if not meta.get("metadataKey"):
            return ["Developer metadata must specify a metadataKey."]
        if meta.get("visibility", "DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED").endswith("UNSPECIFIED"):
            return ["Developer metadata must specify a visibility."]
        if not meta.get("location"):
            return ["Developer metadata must specify a location."]
    if kind == "deleteDeveloperMetadata" and not body.get("dataFilter"):
        return ["A data filter must be specified."]
    return []


def _sheet_ids(kind: str, body: dict) -> Iterator[tuple[str, Any]]:
    """(what, sheetId) for every place in a request that names an existing sheet."""
    for range_schema, obj in _objects(kind, body):
        yield range_schema, obj.get("sheetId")
    direct = {"deleteSheet": "sheetId", "appendDimension": "sheetId", "appendCells": "sheetId",
              "deleteConditionalFormatRule": "sheetId"}
    if kind in direct:
        yield kind, body.get(direct[kind])
    if kind == "updateSheetProperties":
        yield "SheetProperties", body.get("properties", {}).get("sheetId")
    location = _metadata_location(kind, body)
    if location and "sheetId" in location:
        yield "DeveloperMetadataLocation", location["sheetId"]
    position = body.get("chart", {}).get("position", {}) if kind == "addChart" else {}
    if "sheetId" in position:
        yield "EmbeddedObjectPosition", position["sheetId"]
    anchor = position.get("overlayPosition", {}).get("anchorCell")
    if anchor is not None:
        yield "GridCoordinate", anchor.get("sheetId")


def _metadata_location(kind: str, body: dict) -> dict | None:
    if kind == "createDeveloperMetadata":
        return body.get("developerMetadata", {}).get("location")
    return None


def _objects(kind: str, body: dict) -> Iterator[tuple[str, dict]]:
    """Every GridRange / GridCoordinate / DimensionRange inside a request, found through the schema."""
    yield from _walk(schemas()["Request"]["properties"][kind]["$ref"], body)


def _walk(schema_name: str, value: Any) -> Iterator[tuple[str, dict]]:
    if not isinstance(value, dict):
        return
    if schema_name in RANGE_SCHEMAS:
        yield schema_name, value
        return
    properties = schemas()[schema_name].get("properties", {})
    for name, item in value.items():
        prop = properties.get(name, {})
        ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
        if not ref:
            continue
        for element in (item if isinstance(item, list) else [item]):
            yield from _walk(ref, element)


def _sheet_problems(kind: str, body: dict, grids: dict[int, Grid]) -> list[str]:
    """Ranges name a sheet that exists at this point of the batch; titles and ids stay unique."""
    if kind == "addSheet":
        props = body.get("properties", {})
        if props.get("sheetId") in grids:
            return [f"A sheet with the id {props['sheetId']} already exists."]
        if _title_taken(props.get("title"), grids, None):
            return [f'A sheet with the name "{props["title"]}" already exists. Please enter another name.']
        return []
    for what, sheet_id in _sheet_ids(kind, body):
        if sheet_id is None:
            # Stricter than Google, which reads a missing sheetId as 0: see the module docstring.
            return [f"{what} without sheetId (Google would use sheet 0; this fake insists it is named)."]
        if sheet_id is not None and sheet_id not in grids:
            return [f"No grid with id: {sheet_id}"]
    if kind == "deleteSheet" and len(grids) == 1:
        return ["You can't remove all the sheets in a document."]
    if kind == "updateSheetProperties":
        props = body.get("properties", {})
        if "title" in _mask_fields(body) and _title_taken(props.get("title"), grids, props.get("sheetId")):
            return [f'A sheet with the name "{props["title"]}" already exists. Please enter another name.']
    return []


def _title_taken(title: str | None, grids: dict[int, Grid], own_id: int | None) -> bool:
    return title is not None and any(g.title.casefold() == title.casefold()
                                     for sid, g in grids.items() if sid != own_id)


def _mask_fields(body: dict) -> set[str]:
    """The top-level names of a field mask (`gridProperties.rowCount,title` -> {gridProperties, title});
    `*` stands for every field."""
    parts = {p.strip().split(".")[0] for p in body.get("fields", "").split(",")}
    return {"*", "title", "gridProperties", "index", "hidden", "tabColor", "tabColorStyle",
            "rightToLeft"} if "*" in parts else parts


def _a1(title: str, row: int, column: int, end_row: int, end_column: int) -> str:
    first = f"{column_letters(column)}{row + 1}"
    last = f"{column_letters(end_column - 1)}{end_row}"
    return f"{_quoted(title)}!{first}" + ("" if first == last else f":{last}")


def _beyond(grid: Grid, row: int, column: int, end_row: int, end_column: int) -> str | None:
    if end_row <= grid.rows and end_column <= grid.columns and row >= 0 and column >= 0:
        return None
    return (f"Range ({_a1(grid.title, row, column, end_row, end_column)}) exceeds grid limits. "
            f"Max rows: {grid.rows}, max columns: {grid.columns}")


def _grid_problems(kind: str, body: dict, grids: dict[int, Grid]) -> list[str]:
    """Cells and ranges lie inside the grid as it stands now: a sheet is grown before it is written."""
    if kind == "updateCells" and "start" in body:
        start, rows = body["start"], body.get("rows", [])
        grid = grids[start["sheetId"]]
        row, column = start.get("rowIndex", 0), start.get("columnIndex", 0)
        width = max((len(r.get("values", [])) for r in rows), default=0)
        problem = _beyond(grid, row, column, row + max(len(rows), 1), column + max(width, 1))
        if problem:
            return [problem]
    for what, obj in _objects(kind, body):
        grid = grids[obj["sheetId"]]
        problem = _range_problem(kind, what, obj, grid)
        if problem:
            return [problem]
    return []


def _range_problem(kind: str, what: str, obj: dict, grid: Grid) -> str | None:
    if what == "GridCoordinate":
        row, column = obj.get("rowIndex", 0), obj.get("columnIndex", 0)
        return _beyond(grid, row, column, row + 1, column + 1)
    if what == "DimensionRange":
        size = grid.rows if obj.get("dimension") == "ROWS" else grid.columns
        if obj.get("dimension") not in ("ROWS", "COLUMNS"):
            return "A dimension (ROWS or COLUMNS) must be specified."
        start, end = obj.get("startIndex", 0), obj.get("endIndex", size)
        # an insert may start at the end (adding after the last row); anything else lies inside
        if not 0 <= start <= end or (start > size if kind == "insertDimension" else end > size):
            return (f"Range ({obj['dimension']} {start}:{end} of {_quoted(grid.title)}) exceeds grid limits. "
                    f"Max rows: {grid.rows}, max columns: {grid.columns}")
        return None
    row, column = obj.get("startRowIndex", 0), obj.get("startColumnIndex", 0)
    end_row, end_column = obj.get("endRowIndex", grid.rows), obj.get("endColumnIndex", grid.columns)
    if row > end_row or column > end_column:
        return "The start index must be less than or equal to the end index."
    return _beyond(grid, row, column, end_row, end_column)


def _size_problems(kind: str, request: dict, grids: dict[int, Grid]) -> list[str]:
    """Google keeps a spreadsheet at 10 million cells or fewer."""
    if kind not in ("addSheet", "appendDimension", "insertDimension", "updateSheetProperties", "appendCells"):
        return []
    after = {sid: Grid(g.title, g.rows, g.columns) for sid, g in grids.items()}
    apply_to_grids(request, after)
    if sum(g.rows * g.columns for g in after.values()) > MAX_CELLS:
        return [f"This action would increase the number of cells in the workbook above the limit of {MAX_CELLS} cells."]
    return []


def apply_to_grids(request: dict, grids: dict[int, Grid], new_sheet_id: int | None = None) -> None:
    """Move `grids` past a (checked, normalized) request: sheets added or deleted, renamed, grown or
    shrunk. `new_sheet_id` is the id the server chose for an addSheet that named none."""
    kind = next(iter(request))
    body = request[kind]
    if kind == "addSheet":
        props = body.get("properties", {})
        sheet_id = props.get("sheetId", new_sheet_id)
        grid = props.get("gridProperties", {})
        if sheet_id is not None:
            grids[sheet_id] = Grid(props.get("title", f"Sheet{len(grids) + 1}"),
                                   grid.get("rowCount", 1000), grid.get("columnCount", 26))
    elif kind == "deleteSheet":
        grids.pop(body["sheetId"], None)
    elif kind == "updateSheetProperties":
        _apply_sheet_properties(body, grids[body["properties"]["sheetId"]])
    elif kind == "appendDimension":
        _grow(grids[body["sheetId"]], body.get("dimension"), body.get("length", 0))
    elif kind == "insertDimension":
        span = body["range"]
        _grow(grids[span["sheetId"]], span.get("dimension"), span.get("endIndex", 0) - span.get("startIndex", 0))
    elif kind == "deleteDimension":
        span = body["range"]
        grid = grids[span["sheetId"]]
        size = grid.rows if span.get("dimension") == "ROWS" else grid.columns
        _grow(grid, span.get("dimension"), -(span.get("endIndex", size) - span.get("startIndex", 0)))
    elif kind == "appendCells":
        grid = grids[body["sheetId"]]
        grid.rows += len(body.get("rows", []))  # at most: the fake appends after the last row with data


def _apply_sheet_properties(body: dict, grid: Grid) -> None:
    fields, props = _mask_fields(body), body.get("properties", {})
    if "title" in fields:
        grid.title = props.get("title", "")
    sizes = props.get("gridProperties", {})
    mask = {p.strip() for p in body.get("fields", "").split(",")}
    for name, attr in (("rowCount", "rows"), ("columnCount", "columns")):
        if name in sizes and ("*" in mask or "gridProperties" in mask or f"gridProperties.{name}" in mask):
            setattr(grid, attr, sizes[name])


def _grow(grid: Grid, dimension: str | None, by: int) -> None:
    if dimension == "ROWS":
        grid.rows += by
    elif dimension == "COLUMNS":
        grid.columns += by


def check_batch(body: Any, grids: dict[int, Grid]) -> list[str]:
    """Everything Google would refuse in one batchUpdate body, against sheets `grids` ({sheetId:
    Grid}, e.g. from `grids_of(spreadsheet["sheets"])`): the JSON errors, else the first backend error
    (Google stops at the first), else []. `grids` is left as it was. An addSheet without a sheetId
    cannot be referred to later in the batch, so it is not tracked."""
    errors = validate("BatchUpdateSpreadsheetRequest", body)
    if errors:
        return errors
    requests = normalize("BatchUpdateSpreadsheetRequest", body).get("requests", [])
    if not requests:
        return [Violation("Must specify at least one request.", "requests")]
    grids = {sid: Grid(g.title, g.rows, g.columns) for sid, g in grids.items()}
    for index, request in enumerate(requests):
        problems = check_request_semantics(index, request, grids)
        if problems:
            return problems
        apply_to_grids(request, grids)
    return []
