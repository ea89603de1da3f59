"""Dependencies point down only: no import cycle between mlgate's packages or top-level
modules, and the core imports nothing of GitHub, CI, the CLI or the terminal.

The graph is read from the source with `ast`, so it sees what `import` sees at run time and
more: imports inside functions and under `TYPE_CHECKING` count, because a lazy import is
still a dependency. The layer order the graph must keep is written in docs/architecture.md.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO_ROOT

SOURCE = REPO_ROOT / "src" / "mlgate"
CORE = ("manifest", "data", "model", "compare", "result", "report", "pipeline")
EDGES_OF_THE_WORLD = ("github", "ci", "cli", "console", "publish")


@dataclass(frozen=True)
class Edge:
    """One import: the unit that imports, the unit imported, and where it is written."""

    source: str
    target: str
    path: Path
    line: int

    def where(self, root: Path) -> str:
        return f"{self.source} -> {self.target} ({self.path.relative_to(root.parent)}:{self.line})"


def _module_name(path: Path, root: Path) -> tuple[str, ...]:
    """`root/a/b.py` -> ("a", "b"); `root/a/__init__.py` -> ("a",); the root's -> ()."""
    parts = path.relative_to(root).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def _unit(parts: tuple[str, ...], root: Path) -> str:
    """The package or top-level module a module belongs to; the root package's own
    `__init__` is its own unit, named after the root."""
    if not parts:
        return root.name
    head = parts[0]
    if (root / head).is_dir() or (root / f"{head}.py").is_file():
        return head
    return root.name  # a name defined in the root's __init__ (`from mlgate import __version__`)


def _imported(
    node: ast.AST, module: tuple[str, ...], is_package: bool, root: Path
) -> Iterator[tuple[str, ...]]:
    """The modules (within the root package) that one import statement names, as parts."""
    name = root.name
    if isinstance(node, ast.Import):
        for alias in node.names:
            dotted = tuple(alias.name.split("."))
            if dotted[0] == name:
                yield dotted[1:]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            here = module if is_package else module[:-1]  # the package the module is in
            if node.level - 1 > len(here):
                raise AssertionError(f"relative import above {name} in {module}")
            base = here[: len(here) - (node.level - 1)]
            named = (*base, *node.module.split(".")) if node.module else base
        elif node.module and node.module.split(".")[0] == name:
            named = tuple(node.module.split(".")[1:])
        else:
            return
        for alias in node.names:
            # `from mlgate import cli` imports the module cli; `from mlgate.x import y` imports x
            yield named if named else (alias.name,)


def import_edges(root: Path) -> list[Edge]:
    """Every import between different units under the package directory `root`."""
    edges = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        source = _unit(module, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for parts in _imported(node, module, path.name == "__init__.py", root):
                target = _unit(parts, root)
                if target != source:
                    edges.append(Edge(source, target, path, node.lineno))
    return edges


def find_cycle(edges: list[Edge]) -> list[Edge]:
    """One cycle in the graph as the edges that close it, or [] when it has none."""
    graph: dict[str, dict[str, Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, {}).setdefault(edge.target, edge)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Edge] = []

    def visit(unit: str) -> list[Edge]:
        state[unit] = 1
        for target, edge in sorted(graph.get(unit, {}).items()):
            if state.get(target) == 1:
                start = next((i for i, e in enumerate(path) if e.source == target), len(path))
                return [*path[start:], edge]
            if target not in state:
                path.append(edge)
                found = visit(target)
                if found:
                    return found
                path.pop()
        state[unit] = 2
        return []

    for unit in sorted(graph):
        if unit not in state:
            found = visit(unit)
            if found:
                return found
    return []


@functools.cache
def source_edges() -> tuple[Edge, ...]:
    """mlgate's own graph, parsed once for the tests that read it (seconds of `ast`)."""
    return tuple(import_edges(SOURCE))


def test_no_import_cycle_between_packages_or_top_level_modules() -> None:
    cycle = find_cycle(list(source_edges()))
    assert not cycle, "import cycle:\n  " + "\n  ".join(edge.where(SOURCE) for edge in cycle)


def reaching_out(edges: list[Edge]) -> list[Edge]:
    """The imports from the core into GitHub, CI, the CLI or the terminal."""
    return [e for e in edges if e.source in CORE and e.target in EDGES_OF_THE_WORLD]


def test_the_core_imports_nothing_of_github_ci_the_cli_or_the_terminal() -> None:
    assert [edge.where(SOURCE) for edge in reaching_out(list(source_edges()))] == []


def test_the_units_the_rules_name_exist() -> None:
    """A renamed package would make the rules above pass without checking anything."""
    units = {path.stem for path in SOURCE.iterdir() if path.suffix == ".py" or path.is_dir()}
    assert set(CORE) | set(EDGES_OF_THE_WORLD) <= units


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_cycle_through_relative_and_function_level_imports_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "mlgate",
        {
            "__init__.py": "",
            "low/__init__.py": "",
            "low/a.py": "def f():\n    from ..high import b\n",  # lazy and relative
            "high/__init__.py": "",
            "high/b.py": "from mlgate.mid.c import x\n",
            "mid/__init__.py": "from . import c\n",  # within its own package: no edge
            "mid/c.py": "import mlgate.low.a\nx = 1\n",
            "top.py": "from mlgate import low, high\n",
        },
    )
    edges = import_edges(root)
    assert {(e.source, e.target) for e in edges} == {
        ("low", "high"),
        ("high", "mid"),
        ("mid", "low"),
        ("top", "low"),
        ("top", "high"),
    }
    cycle = find_cycle(edges)
    assert [(e.source, e.target) for e in cycle] == [
        ("high", "mid"),
        ("mid", "low"),
        ("low", "high"),
    ]
    assert cycle[-1].where(root) == "low -> high (mlgate/low/a.py:2)"


def test_a_core_package_that_reaches_the_terminal_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "mlgate",
        {
            "__init__.py": "",
            "console.py": "",
            "compare/__init__.py": "",
            "compare/dvc.py": "import sys\n\n\ndef note():\n    from .. import console\n",
            "cli.py": "from mlgate.compare import dvc\n",  # the other way round is fine
        },
    )
    (found,) = reaching_out(import_edges(root))
    assert found.where(root) == "compare -> console (mlgate/compare/dvc.py:5)"


def test_a_graph_without_cycle_has_none(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "mlgate",
        {
            "__init__.py": "",
            "a.py": "from mlgate import b\nfrom mlgate import __version__\n",
            "b/__init__.py": "from .c import y\n",
            "b/c.py": "import json\ny = 1\n",
        },
    )
    edges = import_edges(root)
    assert {(e.source, e.target) for e in edges} == {("a", "b"), ("a", "mlgate")}
    assert find_cycle(edges) == []


def test_every_package_and_top_level_module_has_its_layer_in_the_architecture() -> None:
    """docs/architecture.md's table is where a newcomer finds a unit's place: five modules
    had none (`bounds`, `lifeline`, `orphans`, `kept_model`, `scratch`)."""
    import re

    table = (REPO_ROOT / "docs" / "architecture.md").read_text()
    listed = {name.rstrip("/") for name in re.findall(r"`([a-z_]+/?)`", table)}
    units = {
        path.stem
        for path in SOURCE.iterdir()
        if (path.suffix == ".py" and not path.stem.startswith("__"))
        or (path.is_dir() and (path / "__init__.py").is_file())
    }
    assert sorted(units - listed) == []
