"""What a valid manifest says that will likely fail when it runs: warnings, not problems.

A command whose script is not there (the starter manifest names `prepare.py` and
`train.py` before the user has written them) is valid, since the script may be written
later or by an earlier step, but `mlgate validate` should say so rather than call the
manifest simply valid.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from mlgate.errors import Problem
from mlgate.manifest import outside
from mlgate.manifest.spec import Command, Manifest

# programs that run the script named after their options
INTERPRETERS = (
    "python",
    "python3",
    "pypy3",
    "Rscript",
    "bash",
    "sh",
    "zsh",
    "node",
    "julia",
    "ruby",
    "perl",
    "deno",
    "bun",
)
SCRIPT_SUFFIXES = (".py", ".sh", ".bash", ".r", ".jl", ".js", ".mjs", ".ts", ".rb", ".pl")
# options after which the next word is code or a module, not a script
NOT_A_SCRIPT = ("-m", "-c", "-e", "--eval", "--version")
# options whose value is the next word, by interpreter (its version's digits aside)
VALUED = {
    "python": ("-W", "-X", "-Q"),
    "pypy": ("-W", "-X"),
    "bash": ("-o", "-O", "--rcfile", "--init-file"),
    "sh": ("-o",),
    "zsh": ("-o",),
}


def warnings(manifest: Manifest, name: str) -> list[Problem]:
    """Each command that cannot start as it stands (its script is not there, ...), and
    each file read from outside the project (outside.py), located."""
    commands: list[tuple[str, Command | None]] = [
        ("data.prepare", manifest.data.prepare),
        ("train.command", manifest.train.command),
    ]
    commands += [(f"environments.{e.name}.deploy", e.deploy) for e in manifest.environments]
    from mlgate.manifest.semantic_checks import dvc_params_warnings  # it imports this module

    found = unstartable(manifest, name, commands, running=False) + outside.warnings(manifest, name)
    return found + dvc_params_warnings(manifest, name)


def unstartable(
    manifest: Manifest,
    name: str,
    commands: list[tuple[str, Command | None]],
    *,
    running: bool,
) -> list[Problem]:
    """Each of `commands` (key, command) that cannot start, located: its script is not in
    the manifest's folder (with the file beside it that is close: "did you mean
    'trian.py'?"), is not executable, or a list holds the whole line. `running`: said by a
    run about to start them, not by validate of a project still being written."""
    found = []
    for key, command in commands:
        said = why_not(manifest.root, command, running=running) if command is not None else None
        if said is not None:
            path, (line, column) = _place(manifest, key)
            found.append(Problem(file=name, line=line, column=column, path=path, message=said))
    return found


def why_not(root: Path, command: Command, *, running: bool) -> str | None:
    """Why `command` cannot start from `root`, or None."""
    argv = command.argv
    if argv is not None and len(argv) == 1 and " " in argv[0].strip():
        return (
            f"the list [{argv[0]}] is one argument, a program named '{argv[0]}': write each "
            f"word as an item ([{', '.join(argv[0].split())}]) or the line as a string"
        )
    script = script_of(command)
    if script is None:  # a run starts it anyway: its `python` may be another than mlgate's
        return None if running else src_module(root, command)
    path = root / script
    if not path.exists():
        return _missing(root, command, script, running=running)
    given = list(argv) if argv is not None else (command.shell or "").split()
    runs_it = bool(given) and os.path.normpath(given[0]) == script  # by its path, no shell
    if runs_it and path.is_file() and not os.access(path, os.X_OK):  # a checkout from Windows
        return (
            f"'{script}' is not executable: `chmod +x {script}` (and `git update-index "
            f"--chmod=+x {script}` to commit it so), or run it as `bash {script}`"
        )
    return None


def _missing(root: Path, command: Command, script: str, *, running: bool) -> str:
    from mlgate import spelling

    where = Path(script)
    try:
        names = [p.name for p in (root / where.parent).iterdir() if p.is_file()]
    except OSError:  # no such folder
        names = []
    close = [str(where.parent / n) for n in spelling.closest(where.name, names, cutoff=0.7)]
    said = (
        f"`{command.display}` runs '{script}', which does not exist: write it, or change "
        "the command"
        if running
        else f"'{script}' does not exist yet: `{command.display}` will fail until it is "
        "written (or change the command)"
    )
    return said + (f"; {spelling.did_you_mean(close)}" if close else "")


def script_of(command: Command) -> str | None:
    """The relative script file a command runs, when one can be told from its words:
    `python train.py`, `./deploy.sh staging`, `python -W ignore train.py`, `env A=1 python
    train.py`, `cd src && python train.py` (src/train.py), `Rscript -e ...` (none)."""
    parsed = _parsed(command)
    if parsed is None:
        return None
    folder, _, argv = parsed
    program, rest = argv[0], iter(argv[1:])
    candidate = None
    interpreter = os.path.basename(program).split(".")[0]
    if interpreter in INTERPRETERS:  # python3.11 too
        for word in rest:
            if word in NOT_A_SCRIPT:
                return None
            if word in VALUED.get(interpreter.rstrip("0123456789"), ()):
                next(rest, None)  # `-W ignore`: the option's value, not the script
            elif not word.startswith("-"):
                candidate = word
                break
    elif "/" in program or program.lower().endswith(SCRIPT_SUFFIXES):
        candidate = program
    if candidate is None or Path(candidate).is_absolute() or any(c in candidate for c in "$`*?"):
        return None
    if any(c in folder for c in "$`*?~") or Path(folder).is_absolute():
        return None
    if candidate.lower().endswith(SCRIPT_SUFFIXES) or "/" in candidate:
        return os.path.normpath(os.path.join(folder, candidate))
    return None


def _parsed(command: Command) -> tuple[str, list[str], list[str]] | None:
    """The folder a leading `cd` enters, the variables set before the program (`env`,
    `A=1`), and the program's words; None when the words cannot be told."""
    try:
        argv = list(command.argv) if command.argv is not None else shlex.split(command.shell or "")
    except ValueError:  # unbalanced quotes: the shell will say
        return None
    folder = ""
    if len(argv) > 3 and argv[0] == "cd" and argv[2] in ("&&", ";"):  # `cd src && ...`
        folder, argv = argv[1], argv[3:]
    if argv and argv[0] == "env":  # `env [-i] [-u NAME] A=1 python ...`
        argv.pop(0)
        while argv and argv[0].startswith("-"):
            argv = argv[2:] if argv[0] in ("-u", "--unset", "-C", "--chdir") else argv[1:]
    assigned = []
    while argv and "=" in argv[0] and not argv[0].startswith(("-", "=")):
        assigned.append(argv.pop(0).partition("=")[0])  # FOO=bar before the program
    return (folder, assigned, argv) if argv else None


def src_module(root: Path, command: Command) -> str | None:
    """Why `python -m pkg.train` will not find `pkg`, where it lives in a src/ layout
    (`src/pkg/`): validate called it valid and the run ended in ModuleNotFoundError."""
    import importlib.util

    parsed = _parsed(command)
    if parsed is None:
        return None
    folder, assigned, argv = parsed
    if folder or "PYTHONPATH" in assigned or not argv[0].startswith(("python", "pypy")):
        return None
    module = next((argv[i + 1] for i, w in enumerate(argv[:-1]) if w == "-m"), None)
    top = (module or "").partition(".")[0]
    if not top.isidentifier() or (root / top).exists() or (root / f"{top}.py").exists():
        return None
    inside = root / "src" / top
    if not (inside.is_dir() or inside.with_suffix(".py").is_file()):
        return None
    try:
        if importlib.util.find_spec(top) is not None:  # installed: `pip install -e .`
            return None
    except (ImportError, ValueError):
        pass
    return (
        f"`{command.display}` imports '{top}', which is in src/ and not installed: run it "
        f"as `PYTHONPATH=src {' '.join(argv)}`, or install the project (`pip install -e .`)"
    )


def _place(manifest: Manifest, key: str) -> tuple[str, tuple[int, int]]:
    """The command's key as written (`data.prepare` or `data.prepare.command`) and place."""
    for candidate in (f"{key}.command", key):
        found = manifest.lines.get(candidate)
        if found:
            return candidate, found
    return key, (1, 1)
