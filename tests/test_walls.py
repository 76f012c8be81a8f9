"""The package keeps its walls: read → validate → compute → lay out → render → the faces, no layer importing
one above it, no circle anywhere in the imports, and no module too long to read at one sitting.

The import graph is read from the source with `ast`, not by importing it: every `import` and `from … import`
anywhere in a module counts — inside functions (lazy imports) and under `if TYPE_CHECKING:` too — since each
is a dependency a reader of the module has to know about, and a lazy one is only a circle put off."""
from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = "kpi_reports"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # layer, top to bottom   its areas: modules and folders of kpi_reports/ ("" is the package's __init__.py)
    ("faces",                ("cli", "__main__", "web", "gsheets")),
    ("front door",           ("", "api", "pipeline", "frames", "apply", "closing")),
    ("render",               ("render",)),
    ("layout",               ("layout", "explain")),
    ("engine",               ("engine",)),
    ("reader",               ("workbook",)),
    ("model",                ("model", "formula", "ledger", "credits", "in_force")),
    ("foundations",          ("problems", "messages", "i18n", "names", "enums", "countries", "files", "collector")),
)
"""A module imports from its own layer and the layers below it, never from one above."""

BESIDE: Mapping[str, tuple[str, ...]] = {"engine": ("reader",), "layout": ("reader",)}
"""Layers below a layer that are still not its to import: the engine and the layouts work on the model,
never on a file."""

FACES_REACH: Mapping[str, tuple[str, ...]] = {"cli": ("web", "gsheets"), "__main__": ("cli",)}
"""A face imports no other face, but the command line starts them (the web page lazily) and
`python -m kpi_reports` is the command line."""

FILES_AND_IO = frozenset({"openpyxl", "python_calamine", "xlsxwriter", "gspread", "jinja2", "typst", "weasyprint",
                          "defusedxml", "zipfile", "requests", "urllib", "pandas"})
NO_LIBRARIES: Mapping[str, frozenset[str]] = {"engine": FILES_AND_IO}
"""Libraries a layer does without: the engine is pure computation over model objects."""

MAX_LINES = 450
"""Longer than this, a module is two modules."""

# --- the import graph ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One dependency: `module` imports `target` (a dotted name) at `line`."""

    module: str
    target: str
    line: int


@dataclass
class Graph:
    """A package's modules (dotted names; a package's `__init__.py` is the package's own name) and the
    imports of each, the package's own and the outside ones apart."""

    root: Path
    """The folder holding the package."""
    files: dict[str, Path] = field(default_factory=dict)
    inside: dict[str, list[Import]] = field(default_factory=dict)
    """module → its imports of the package's modules, in the order met."""
    outside: dict[str, list[Import]] = field(default_factory=dict)
    """module → its imports of anything else, as the top-level name (`openpyxl`, `zipfile`)."""

    def targets(self, module: str) -> set[str]:
        return {i.target for i in self.inside.get(module, ())}

    def where(self, i: Import) -> str:
        """`kpi_reports/web/app.py:32`."""
        return f"{self.files[i.module].relative_to(self.root).as_posix()}:{i.line}"

    def told(self, imports: Sequence[Import]) -> str:
        return "\n".join(f"  {self.where(i)} imports {i.target}" for i in imports)


def module_name(root: Path, file: Path) -> str:
    """`kpi_reports/engine/review.py` → `kpi_reports.engine.review`; `kpi_reports/web/__init__.py` →
    `kpi_reports.web`."""
    parts = file.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str = PACKAGE) -> Graph:
    """The import graph of the package `root/package`: each of its modules and each import in it."""
    graph = Graph(root)
    for file in sorted((root / package).rglob("*.py")):
        graph.files[module_name(root, file)] = file
    for module, file in graph.files.items():
        graph.inside[module], graph.outside[module] = [], []
        tree = ast.parse(file.read_text("utf-8"), str(file))
        for target, line in imported(tree, module, file.name == "__init__.py", graph.files):
            if target == package or target.startswith(package + "."):
                graph.inside[module].append(Import(module, target, line))
            else:
                graph.outside[module].append(Import(module, target.split(".")[0], line))
    return graph


def imported(tree: ast.AST, module: str, is_package: bool, modules: Mapping[str, Path]) -> Iterator[tuple[str, int]]:
    """Each dotted name the module's import statements bring in, anywhere in the tree, with its line:
    `from a.b import c` is `a.b.c` when that is a module, else `a.b`; relative imports made absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node, module, is_package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule if submodule in modules else base), node.lineno


def absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a `from … import` reads from, made absolute: `from ..x import y` in `p.q.r` is `p.x`."""
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[:len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def circles(graph: Graph) -> list[list[str]]:
    """Every circle of imports: the strongly connected components of more than one module, or of one that
    imports itself, each sorted (Tarjan's algorithm, iterative so that no depth is too deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def enter(node: str) -> Iterator[str]:
        index[node] = low[node] = len(index)
        stack.append(node)
        return iter(sorted(graph.targets(node)))

    for start in graph.inside:
        if start in index:
            continue
        work = [(start, enter(start))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    found += _component(stack, node, graph)
            elif child not in index:
                work.append((child, enter(child)))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return found


def _component(stack: list[str], root: str, graph: Graph) -> list[list[str]]:
    """Pop the component whose root is `root` off the stack: [it] when it is a circle, else []."""
    members = stack[stack.index(root):]
    del stack[stack.index(root):]
    return [sorted(members)] if len(members) > 1 or root in graph.targets(root) else []


def a_circle(graph: Graph, component: Sequence[str]) -> list[Import]:
    """One circle through a component, as the imports that make it: the shortest way from its first module
    back to itself."""
    start, members = component[0], set(component)
    ways: dict[str, list[Import]] = {start: []}
    queue = [start]
    for node in queue:
        for i in graph.inside.get(node, ()):
            if i.target == start:
                return [*ways[node], i]
            if i.target in members and i.target not in ways:
                ways[i.target] = [*ways[node], i]
                queue.append(i.target)
    raise AssertionError(f"no circle through {component}")


# --- the walls -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Walls:
    """The rules a graph is held to: the layers (top to bottom) and their exceptions, as the tables above."""

    layers: Sequence[tuple[str, Sequence[str]]]
    beside: Mapping[str, Sequence[str]] = field(default_factory=dict)
    faces_reach: Mapping[str, Sequence[str]] = field(default_factory=dict)
    no_libraries: Mapping[str, frozenset[str]] = field(default_factory=dict)
    package: str = PACKAGE

    def area(self, module: str) -> str | None:
        """The table's area a module is in, the most specific one: "engine" for kpi_reports.engine.review,
        "" for the package's __init__; None when the table does not place it."""
        areas = [a for _, areas in self.layers for a in areas]
        inner = module.removeprefix(self.package + ".") if module != self.package else ""
        found = [a for a in areas if inner == a or (a and inner.startswith(a + "."))]
        return max(found, key=len) if found else None

    def layer(self, module: str) -> tuple[int, str] | None:
        """(height, name) of the module's layer, 0 the bottom."""
        area = self.area(module)
        for height, (name, areas) in enumerate(reversed(self.layers)):
            if area in areas:
                return height, name
        return None

    def why_not(self, i: Import) -> str | None:
        """Why `i` goes through a wall, or None when it does not (or a side is not in the table)."""
        here, there = self.layer(i.module), self.layer(i.target)
        if here is None or there is None:
            return None
        if there[0] > here[0]:
            return f"{there[1]} is above {here[1]}"
        if there[1] in self.beside.get(here[1], ()):
            return f"{there[1]} is beside {here[1]}, not below it"
        return self._face_to_face(i, here[1], there[1])

    def _face_to_face(self, i: Import, here: str, there: str) -> str | None:
        top = self.layers[0][0]
        source, target = self.area(i.module), self.area(i.target)
        if here != top or there != top or source == target or target in self.faces_reach.get(source, ()):
            return None
        return f"the face {source} does not start the face {target}"

    def breaches(self, graph: Graph, layer: str) -> list[tuple[Import, str]]:
        """The imports of a layer's modules that go through a wall, each with the wall."""
        found = []
        for module, imports in graph.inside.items():
            if (self.layer(module) or (None, None))[1] == layer:
                found += [(i, why) for i in imports if (why := self.why_not(i))]
        return found

    def libraries(self, graph: Graph, layer: str) -> list[Import]:
        """The outside imports of a layer's modules that the layer does without."""
        barred = self.no_libraries.get(layer, frozenset())
        return [i for module, imports in graph.outside.items() for i in imports
                if i.target in barred and (self.layer(module) or (None, None))[1] == layer]


WALLS = Walls(LAYERS, BESIDE, FACES_REACH, NO_LIBRARIES)
GRAPH = import_graph(ROOT)


def told(graph: Graph, found: Sequence[tuple[Import, str]]) -> str:
    return "\n".join(f"  {graph.where(i)} imports {i.target}: {why}" for i, why in found)


def long_modules(graph: Graph, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules over `limit` lines: path (from the root) → lines."""
    lines = {path.relative_to(graph.root).as_posix(): len(path.read_text("utf-8").splitlines())
             for path in graph.files.values()}
    return {path: n for path, n in lines.items() if n > limit}


# --- the package ---------------------------------------------------------------------------------------


def test_every_module_has_its_place_in_the_layers():
    unplaced = [module for module in GRAPH.files if WALLS.area(module) is None]
    assert not unplaced, f"put these in LAYERS: {unplaced}"


def test_every_import_of_the_package_names_one_of_its_modules():
    stale = [i for imports in GRAPH.inside.values() for i in imports if i.target not in GRAPH.files]
    assert not stale, "no such module:\n" + GRAPH.told(stale)


@pytest.mark.parametrize("layer", [name for name, _ in LAYERS])
def test_a_layer_imports_nothing_above_it_nor_beside_it(layer):
    found = WALLS.breaches(GRAPH, layer)
    assert not found, f"{layer} goes through its walls:\n" + told(GRAPH, found)


@pytest.mark.parametrize("layer", sorted(NO_LIBRARIES))
def test_the_engine_imports_no_file_format_and_no_input_or_output(layer):
    found = WALLS.libraries(GRAPH, layer)
    assert not found, f"{layer} imports:\n" + GRAPH.told(found)


def test_no_circle_in_the_imports():
    found = circles(GRAPH)
    assert not found, "circles:\n" + "\n\n".join(GRAPH.told(a_circle(GRAPH, c)) for c in found)


def test_no_module_is_over_450_lines():
    assert not long_modules(GRAPH)


def test_the_package_init_is_a_module_of_the_graph_on_the_front_door():
    assert GRAPH.files[PACKAGE].name == "__init__.py" and WALLS.area(PACKAGE) == ""
    assert WALLS.layer(PACKAGE) == (6, "front door") and WALLS.area("kpi_reports.engine.review") == "engine"
    assert "kpi_reports.api" in GRAPH.targets(PACKAGE)


# --- the helpers, on tiny packages ---------------------------------------------------------------------


def package(tmp_path: Path, files: Mapping[str, str]) -> Graph:
    """A package `pkg` in tmp_path of the given files (path under pkg/ → source), and its graph."""
    for name, source in {"__init__.py": "", **files}.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, "utf-8")
    return import_graph(tmp_path, "pkg")


def test_a_circle_through_a_lazy_import_is_found_with_the_imports_that_make_it(tmp_path):
    graph = package(tmp_path, {"a.py": "from pkg.b import f\n",
                               "b.py": "def f():\n    from pkg import a\n    return a\n",
                               "c.py": "import pkg.a\n"})
    assert circles(graph) == [["pkg.a", "pkg.b"]]
    assert graph.told(a_circle(graph, ["pkg.a", "pkg.b"])) == "  pkg/a.py:1 imports pkg.b\n  pkg/b.py:2 imports pkg.a"


def test_a_circle_through_the_package_init_under_type_checking_is_found(tmp_path):
    graph = package(tmp_path, {"__init__.py": "from pkg.a import x\n",
                               "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg\nx = 1\n"})
    assert circles(graph) == [["pkg", "pkg.a"]]
    assert graph.outside["pkg.a"] == [Import("pkg.a", "typing", 1)]


def test_a_module_importing_itself_is_a_circle_and_a_chain_is_not(tmp_path):
    assert circles(package(tmp_path / "one", {"a.py": "def f():\n    from . import a\n"})) == [["pkg.a"]]
    assert circles(package(tmp_path / "two", {"a.py": "import pkg.b\n", "b.py": "import pkg.c\n", "c.py": ""})) == []


def test_relative_imports_are_made_absolute_and_names_that_are_modules_count_as_modules(tmp_path):
    graph = package(tmp_path, {"a.py": "x = 1\n", "sub/__init__.py": "from .d import y\n", "sub/d.py": "y = 2\n",
                               "sub/c.py": "from ..a import x\nfrom . import d\nfrom pkg.sub import d as e, y\n"})
    assert graph.targets("pkg.sub.c") == {"pkg.a", "pkg.sub.d", "pkg.sub"}
    assert graph.targets("pkg.sub") == {"pkg.sub.d"}


def test_the_walls_catch_an_import_upwards_beside_between_faces_and_of_a_library(tmp_path):
    graph = package(tmp_path, {"top.py": "import pkg.web\n", "web.py": "import pkg.cli\n", "cli.py": "import pkg.web\n",
                               "low.py": "def f():\n    import pkg.mid\n", "mid.py": "import pkg.side\n",
                               "side.py": "import zipfile\n", "pure.py": "import zipfile\nimport pkg.low\n"})
    walls = Walls([("faces", ("cli", "web", "top")), ("mid", ("mid", "pure")), ("side", ("side",)), ("low", ("low",))],
                  beside={"mid": ("side",)}, faces_reach={"cli": ("web",)}, no_libraries={"mid": frozenset({"zipfile"})},
                  package="pkg")
    assert told(graph, walls.breaches(graph, "low")) == "  pkg/low.py:2 imports pkg.mid: mid is above low"
    assert told(graph, walls.breaches(graph, "mid")) == "  pkg/mid.py:1 imports pkg.side: side is beside mid, not below it"
    assert [(graph.where(i), why) for i, why in walls.breaches(graph, "faces")] == [
        ("pkg/top.py:1", "the face top does not start the face web"),
        ("pkg/web.py:1", "the face web does not start the face cli")]
    assert walls.libraries(graph, "mid") == [Import("pkg.pure", "zipfile", 1)] and walls.libraries(graph, "side") == []
    assert walls.area("pkg.nowhere") is None and walls.layer("pkg.low") == (0, "low")


def test_long_modules_are_counted_in_lines(tmp_path):
    graph = package(tmp_path, {"a.py": "x = 1\n" * 451, "b.py": "x = 1\n" * 450})
    assert long_modules(graph) == {"pkg/a.py": 451}
