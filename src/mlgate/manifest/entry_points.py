"""`evaluate.predict` and `evaluate.predict_proba` checked without running them: the module
resolves as the scoring process's import will (a file of the project's folder, first on
its path, else an installed module), and a file of the project's defines the function
at its top level. A wrong name passed validate and was found after training, hours in.

Nothing here imports the user's code: a module of the project's is read with `ast`; an
installed one is looked up by its top-level name alone (importlib.util.find_spec of a
top-level name runs no module's code; of `pkg.sub` it would import `pkg`), its
submodules found in the package's folders.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlgate import spelling

KeyPath = tuple[str | int, ...]
Finding = tuple[KeyPath, str, bool]

KEYS = ("predict", "predict_proba")
# calls that may define a module's names where ast cannot see them
_OPEN_CALLS = {"globals", "exec", "setattr", "vars", "locals"}


def problems(raw: dict[str, Any], root: Path) -> Iterator[Finding]:
    evaluate = raw.get("evaluate")
    if not isinstance(evaluate, dict):
        return
    for key in KEYS:
        named = evaluate.get(key)
        if not isinstance(named, str) or named.count(":") != 1:
            continue  # the schema's to refuse
        module, _, function = named.partition(":")
        parts = module.split(".")
        if not function.isidentifier() or not all(p.isidentifier() for p in parts):
            continue
        found = _problem(root, parts, function)
        if found:
            yield ("evaluate", key), found, False


def _problem(root: Path, parts: list[str], function: str) -> str | None:
    module = ".".join(parts)
    found = _resolve(root, parts)
    if found is None:
        if _installed(parts):
            return None
        said = (
            f"names the module '{module}', which is neither a file in the project's folder "
            f"({root}) nor installed"
        )
        if _resolve(root / "src", parts) is not None:  # a src/ layout, not installed
            return (
                f"{said}; did you mean `src.{module}:{function}`, or install the project "
                "(pip install -e .)?"
            )
        return said
    if found.is_dir():  # a folder without __init__.py: a namespace package, no functions
        return (
            f"names '{function}' of '{module}', which is the folder {_shown(found, root)} "
            "(no __init__.py); name a module file's function"
        )
    try:
        tree = ast.parse(found.read_bytes(), filename=str(found))
    except SyntaxError as exc:
        return (
            f"names '{module}', whose file {_shown(found, root)} cannot be imported: "
            f"{exc.msg} (line {exc.lineno})"
        )
    except (OSError, ValueError):
        return None  # unreadable here: the import will say
    defined, functions, open_ = _top_level(tree)
    if function in defined or open_:
        return None
    close = spelling.closest(function, sorted(functions))
    hint = f"; {spelling.did_you_mean(close)}" if close else ""
    listed = ", ".join(sorted(functions)[:10]) or "none"
    return (
        f"names '{function}', which {_shown(found, root)} does not define at its top level "
        f"(its functions: {listed}){hint}"
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _resolve(base: Path, parts: list[str]) -> Path | None:
    """The file (or namespace folder) `parts` names with `base` first on the path, as
    importlib's path finder picks: a package's __init__.py, else a module file, else a
    folder without one; None where nothing there answers to the name."""
    folder = base
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        package = folder / part
        init = package / "__init__.py"
        if init.is_file():
            if last:
                return init
            folder = package
            continue
        module = folder / f"{part}.py"
        if module.is_file():
            return module if last else None  # a module has no submodules
        if package.is_dir():
            if last:
                return package
            folder = package
            continue
        return None
    return None


def _installed(parts: list[str]) -> bool:
    """Whether the module is an installed one: its top-level name found (no code run), its
    submodules in the package's folders; True where the finder's answer cannot be read
    as folders (a zip, a custom finder), the import's to judge."""
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    if spec.submodule_search_locations is None:
        return True  # a module, not a package: its own code may set one (os.path)
    locations = list(spec.submodule_search_locations)
    for part in parts[1:]:
        if not locations:
            return False
        folders = [Path(p) for p in locations]
        if not all(f.is_dir() for f in folders):
            return True
        suffixes = (*importlib.machinery.SOURCE_SUFFIXES, *importlib.machinery.EXTENSION_SUFFIXES)
        file = next(
            (f / f"{part}{s}" for f in folders for s in suffixes if (f / f"{part}{s}").is_file()),
            None,
        )
        packages = [f / part for f in folders if (f / part).is_dir()]
        if file is not None and not packages:
            locations = []
            continue
        if not packages and file is None:
            return False
        locations = [str(p) for p in packages]
    return True


def _top_level(tree: ast.Module) -> tuple[set[str], set[str], bool]:
    """The names a module defines at its top level (in an `if` or `try` there too), its
    functions among them, and whether it may define others ast cannot see (`from x
    import *`, a module __getattr__, globals(), a `global` statement)."""
    defined: set[str] = set()
    functions: set[str] = set()
    open_ = False

    def visit(body: list[ast.stmt]) -> None:
        nonlocal open_
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defined.add(node.name)
                functions.add(node.name)
                open_ |= node.name == "__getattr__"
            elif isinstance(node, ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    defined.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if alias.name == "*":
                        open_ = True
                    else:
                        defined.add(alias.asname or alias.name.partition(".")[0])
            else:
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit([n for n in inner if isinstance(n, ast.stmt)])
                for handler in getattr(node, "handlers", ()) or ():
                    visit(handler.body)
                for case in getattr(node, "cases", ()) or ():
                    visit(case.body)

    visit(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            defined.update(node.names)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _OPEN_CALLS
        ):
            open_ = True
    return defined, functions, open_
