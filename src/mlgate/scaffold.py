"""`mlgate init`: write a starter manifest and the workflows, or the whole example
project; `mlgate init --check`: are a repository's workflows what this mlgate writes?

`init` adds what is missing: files that are not there are written, a `.gitignore` gains
the lines for what a run writes, and files that are there are kept and named. `--force`
replaces mlgate's own files (the workflows, the example's files) when they differ; a
manifest that exists is replaced only when named (`--overwrite mlops.yaml`), since it is
the user's own work. A starter manifest is filled in from what the project holds
(`survey`): its data files, their columns and row counts, its scripts.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import shlex
import string
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlgate import action_pin, atomic, proc, words
from mlgate.errors import MlgateError, OutsideError, UserError
from mlgate.manifest import data_formats
from mlgate.manifest.load import MANIFEST_NAMES, present

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlgate.survey import Survey

EXAMPLE = "breast-cancer"
# what a run of the example leaves in its folder; never copied into a user's repository
GENERATED = frozenset({"data", "models", ".mlgate", "__pycache__"})
MANIFEST = "mlops.yaml"  # the name init gives a manifest it writes where there is none
STARTER = {MANIFEST: "starter/mlops.yaml"}
GITIGNORE = ".gitignore"
IGNORE_HEADER = "# what `mlgate run` writes: its runs, and the outputs mlops.yaml declares"
# one workflow a trigger, each a few lines around the one action
WORKFLOWS = {
    ".github/workflows/mlgate.yml": "workflows/pull-request.yml",
    ".github/workflows/mlgate-fork-report.yml": "workflows/fork-report.yml",
    ".github/workflows/mlgate-merge.yml": "workflows/merge.yml",
    ".github/workflows/mlgate-dispatch.yml": "workflows/dispatch.yml",
    ".github/workflows/mlgate-monitor.yml": "workflows/monitor.yml",
    ".github/workflows/mlgate-retrain.yml": "workflows/retrain.yml",
    ".github/workflows/mlgate-sweep.yml": "workflows/sweep.yml",
}
DEFAULT_PYTHON = "3.11"
# the starter's model check: accuracy, or balanced accuracy when one class holds more than
# MAJORITY_MAX of the training rows (always predicting it scores that much accuracy)
ACCURACY_MIN = 0.8
MAJORITY_MAX = 0.6
BALANCED_MIN = 0.6  # chance, and any constant model, is 1 / classes: 0.5 at most
DEFAULT_BRANCH = "main"
OLDEST_PYTHON = (3, 11)  # mlgate's own requires-python
PIN = re.compile(r"^\s*-?\s*uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})\s*#\s*(\S+)", re.M)
Status = Literal["up to date", "missing", "out of date", "edited"]
# the manifest schema's `name` pattern and length
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
NAME_MAX = 64
# what a project's folder below the repository's top may hold to go into its workflows
# as it is: no YAML, no `${{`, no path-filter pattern character (`* ? + [ ] !`)
SAFE_CHARACTER = re.compile(r"[A-Za-z0-9_./-]")
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
SAFE_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")  # the merge workflow's `branches:`
FOLDER_MAX = 200  # the workflow's file name holds it, and a file name has 255 bytes at most
# the first line of each workflow written for a folder, naming it
FOLDER_LINE = "# the mlgate project in {folder}/ (`mlgate init {folder}` wrote this file)\n"


@dataclass(frozen=True, kw_only=True)
class InitResult:
    root: Path
    written: tuple[str, ...]  # sorted posix paths from root (a folder's workflows: ../../)
    kept: tuple[tuple[str, str], ...] = ()  # (path, why) of files that exist and differ
    ignored: tuple[str, ...] = ()  # lines added to .gitignore
    appended: bool = False  # .gitignore was there, and those lines were added to it
    unchanged: tuple[str, ...] = ()  # files already as this mlgate writes them
    read: tuple[str, ...] = ()  # what was read from the project for the manifest
    manifest: str = MANIFEST  # the project's manifest: the name it was found under, if any
    below_top: str = ""  # root, relative to its repository's top when it is not the top


def below_top(root: Path) -> str:
    """`root` relative to its git repository's top ("ml/churn"), "" at the top or outside
    one: GitHub reads workflows only from the top's .github/workflows, so a folder's are
    written there. `root` need not exist yet (its nearest folder is asked); a folder that
    cannot go into a workflow as it is, or one outside the top, is refused."""
    from mlgate import git

    here = root.resolve()
    top = git.toplevel(_nearest_folder(here))
    if top is None:
        return ""
    inside = os.path.relpath(here, top.resolve())
    if inside == ".":
        return ""
    if inside == os.pardir or inside.startswith(os.pardir + os.sep):
        raise UserError(
            f"{str(root)!r} is outside its git repository ({top})",
            hint="give a folder inside the repository",
        )
    return _safe(Path(inside).as_posix())


def _safe(folder: str) -> str:
    """`folder`, refused when it cannot go into a workflow as it is."""
    problem = _unsafe_folder(folder)
    if problem:
        raise UserError(
            f"the folder {folder!r} cannot go into a workflow as it is: {problem}",
            hint="name each folder with letters, digits, '_', '.' and '-', starting with a "
            f"letter, digit or '_', such as {_safe_folder(folder)!r}",
        )
    return folder


def _nearest_folder(path: Path) -> Path:
    while not path.is_dir() and path.parent != path:
        path = path.parent
    return path


def _unsafe_folder(folder: str) -> str:
    """What keeps `folder` out of a workflow's YAML, expressions and path filters
    ("" when nothing): a character other than letters, digits, `_`, `.`, `-` and the `/`
    between names, or a name starting with `-` or `.`."""
    bad = sorted({c for c in folder if not SAFE_CHARACTER.fullmatch(c)})
    if bad:
        return "it holds " + ", ".join("a space" if c == " " else repr(c) for c in bad)
    led = [part for part in folder.split("/") if not SAFE_NAME.fullmatch(part)]
    if led:
        return f"{led[0]!r} starts with {led[0][:1]!r}"
    if len(folder) > FOLDER_MAX:
        return f"it is {len(folder)} characters long, more than {FOLDER_MAX}"
    return ""


def _safe_folder(folder: str) -> str:
    """`folder` with what `_unsafe_folder` refuses replaced, to suggest."""
    parts = [re.sub(r"[^A-Za-z0-9_.-]+", "-", part).lstrip("-.") for part in folder.split("/")]
    return "/".join(part or "project" for part in parts)[:FOLDER_MAX]


@dataclass(frozen=True, kw_only=True)
class WorkflowCheck:
    path: str  # posix path from root, as InitResult.written
    status: Status
    detail: str = ""  # what differs, in a phrase
    diff: str = ""  # unified diff from the file to what init would write


@dataclass(frozen=True, kw_only=True)
class Values:
    """What the templates are filled with, read from the repository where possible."""

    name: str
    python_version: str
    default_branch: str
    action: str = action_pin.uses()  # the `uses:` value (with its version comment)
    extras: str = ""  # the action's `extras:` the project needs beyond its default (png)
    folder: str = ""  # the project's folder below the repository's top ("ml/churn"), if any


def templates_dir() -> Path:
    """The templates inside the installed package, or the checkout's when installed editable."""
    packaged = Path(__file__).with_name("templates")
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "templates"


def init(
    root: Path,
    *,
    example: bool = False,
    force: bool = False,
    overwrite: tuple[str, ...] = (),
    name: str | None = None,
    action: str | None = None,
    folder: str | None = None,
) -> InitResult:
    """Write into `root` what is missing, and the workflows into its repository's top;
    refuse before writing anything when a folder stands where a file goes, `overwrite`
    names a file init does not write, or a workflow's name is another folder's.

    `folder`: `root` below its repository's top ("" for the top); by default git says."""
    if root.exists() and not root.is_dir():
        raise UserError(f"'{root}' is a file, not a folder")
    if name is not None and not valid_name(name):
        raise UserError(
            f"'{name}' is not a valid model name",
            hint=f"use lowercase letters, digits and inner dashes, such as '{slug(name)}'",
        )
    values = values_for(root, name, action, folder)
    existing = present(root)
    manifest = existing.name if existing else MANIFEST
    if existing:  # either name on --overwrite means the manifest, whichever name it has
        overwrite = tuple(manifest if o in MANIFEST_NAMES else o for o in overwrite)
    found = None
    if not example and (existing is None or manifest in overwrite) and root.is_dir():
        from mlgate.survey import survey

        found = survey(root)
    files = example_files(values, name) if example else starter_files(values, found)
    if example:
        _refuse_beside(root, existing, files, manifest in overwrite)
        _refuse_overwritten(root, files[MANIFEST], existing)
    # the workflows install what the manifest that will stand here needs (Parquet, DVC)
    if existing is None or manifest in overwrite:
        standing = files.get(MANIFEST)
    else:
        standing = existing.read_bytes()
    needs = extras_for(standing)
    if needs:
        files |= workflow_files(replace(values, extras=needs))
    if manifest != MANIFEST and MANIFEST in files:  # the manifest is there under its other name
        content = files.pop(MANIFEST)
        if manifest in overwrite:
            files[manifest] = content
    unknown = sorted(set(overwrite) - set(files))
    if unknown:
        raise UserError(
            f"--overwrite {', '.join(unknown)}: init does not write "
            + ("them" if len(unknown) > 1 else "it"),
            hint="init writes " + ", ".join(sorted(files)),
        )
    blocked = sorted(p for p in {*files, GITIGNORE} if _blocked(root, p))
    if blocked:
        raise UserError(
            "a folder or file stands where mlgate would write: " + ", ".join(blocked),
            hint="move it away; --force replaces files, never folders",
        )
    _refuse_anothers(root, values.folder, files)
    ignore_template = files.pop(GITIGNORE, b"")
    written, kept, unchanged = [], [], []
    for relative, content in sorted(files.items()):
        target = at(root, relative)
        if not target.exists():
            written.append(relative)
        elif target.read_bytes() == content:
            unchanged.append(relative)
        elif relative in overwrite:
            written.append(relative)
        elif relative in MANIFEST_NAMES:
            kept.append((relative, f"it is your manifest; `--overwrite {relative}` replaces it"))
        elif force:
            written.append(relative)
        else:
            kept.append((relative, "it differs from what this mlgate writes; --force replaces it"))
    for relative in written:
        atomic.write_bytes(at(root, relative), files[relative])
    existed = (root / GITIGNORE).is_file()
    wrote, ignored = _ignore(root, root / manifest, ignore_template)
    if wrote:
        written = sorted({*written, GITIGNORE})
    return InitResult(
        root=root,
        written=tuple(sorted(written)),
        kept=tuple(kept),
        ignored=ignored,
        appended=wrote and existed,
        unchanged=tuple(unchanged),
        read=found.said if found else (),
        manifest=manifest,
        below_top=values.folder,
    )


def _refuse_beside(
    root: Path, existing: Path | None, files: dict[str, bytes], replaced: bool
) -> None:
    """The example's scripts and params.yaml written beside a project's own manifest: its
    runs then recorded the example's params (train.C: 0.5) for a model that never read
    them. The example is for a folder of its own, or the example's again (its manifest,
    or one of its own files there as it wrote it: the manifest edited since)."""
    if existing is None or replaced or existing.read_bytes() == files[MANIFEST]:
        return
    own = [p for p in files if p not in (MANIFEST, GITIGNORE) and not p.startswith(".github/")]
    if any(at(root, p).is_file() and at(root, p).read_bytes() == files[p] for p in own):
        return
    raise UserError(
        f"this folder has a manifest of its own ({existing.name}): the example's scripts and "
        "params.yaml would stand beside it, and its runs would record the example's "
        "params.yaml as your model's",
        hint="run `mlgate init --example` in an empty folder to try the example; `mlgate "
        "init` here writes what this project lacks (the workflows, a .gitignore)",
    )


def _refuse_overwritten(root: Path, example: bytes, existing: Path | None) -> None:
    """The example's first run writes its data and model where its manifest says
    (data/train.csv, ...): a file of the project there would be lost, for good when
    untracked. Refused before anything is written; a file the manifest already there
    declares as an output is a run's, not the user's (the example's again)."""
    loaded = _outputs_of(example, root)
    if loaded is None:
        return
    outputs, writers = loaded
    standing = _outputs_of(existing.read_bytes(), root) if existing else None
    ours = set(standing[0]) if standing else set()
    there = [o for o in outputs if o not in ours and (root / o).exists()]
    if not there:
        return
    said = "; ".join(f"{', '.join(paths)} by {how}" for how, paths in _grouped(there, writers))
    raise UserError(
        f"{words.count(len(there), 'file')} of this project would be overwritten by the "
        f"example's first `mlgate run`: {said}",
        hint="run `mlgate init --example` in an empty folder to try the example, or "
        "`mlgate init` to start from your own project and its data (or delete them, if an "
        "earlier run of the example wrote them)",
    )


def _outputs_of(manifest: bytes, root: Path) -> tuple[list[str], dict[str, str]] | None:
    """The files a run of `manifest` writes (not mlgate's own folder), and for each what
    writes it ("data.prepare `python prepare.py`"); None when it cannot be read."""
    from mlgate import manifest as manifests

    try:
        loaded = manifests.parse(manifest, name=MANIFEST, root=root, files=False)
    except MlgateError:
        return None
    writers = {loaded.train.model: f"train.command `{loaded.train.command.display}`"}
    if loaded.data.prepare is not None:
        prepare = f"data.prepare `{loaded.data.prepare.display}`"
        writers |= {loaded.data.train: prepare, loaded.data.test: prepare}
    return [o for o in loaded.outputs() if o in writers], writers


def _grouped(paths: list[str], writers: dict[str, str]) -> list[tuple[str, list[str]]]:
    """`paths` by what writes them, in their order."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(writers[path], []).append(path)
    return list(groups.items())


def at(root: Path, relative: str) -> Path:
    """Where a path init names relative to `root` is: a workflow of a folder's project is
    `../../.github/workflows/...`, taken from where `root` really is (it may not exist)."""
    if relative == ".." or relative.startswith("../"):
        return Path(os.path.normpath(root.resolve() / relative))
    return root / relative


def _refuse_anothers(root: Path, folder: str, files: dict[str, bytes]) -> None:
    """A folder's workflow named as another folder's (`ml/churn` and `ml-churn` both give
    `mlgate.ml-churn.yml`) is that project's: not replaced, even with --force."""
    if not folder:
        return
    for relative in files:
        path = at(root, relative)
        if not relative.startswith("../") or not path.is_file():
            continue
        other = _named_folder(path)
        if other is not None and other != folder:
            top = re.sub(r"^(\.\./)+", "", relative)
            raise UserError(
                f"{top} is the workflow of the project in {other}, and {folder}'s "
                "would have the same name",
                hint=f"rename one of the folders, or remove {other}'s workflows",
            )


def _named_folder(workflow: Path) -> str | None:
    """The folder a workflow init wrote names on its first line (FOLDER_LINE), if any."""
    with workflow.open("rb") as handle:
        first = handle.readline().decode("utf-8", errors="replace")
    found = re.fullmatch(r"# the mlgate project in (.*)/ \(.*\n", first)
    return found[1] if found else None


def _ignore(root: Path, manifest: Path, template: bytes) -> tuple[bool, tuple[str, ...]]:
    """Add to the .gitignore beside the manifest the lines for what a run writes that it
    does not cover yet (never removing one); whether it was written, and the lines added."""
    path = root / GITIGNORE
    text = path.read_text("utf-8", errors="replace") if path.is_file() else template.decode("utf-8")
    patterns = [line.strip() for line in text.splitlines()]
    wanted = [line for line in ignore_lines(manifest) if not _covered(line, patterns)]
    if not wanted and path.is_file():
        return False, ()
    if wanted:
        headed = IGNORE_HEADER in patterns  # a second init adds under a blank line alone
        text += (
            ("" if not text or text.endswith("\n") else "\n")
            + ("\n" if text else "")
            + "\n".join(wanted if headed else [IGNORE_HEADER, *wanted])
            + "\n"
        )
    atomic.write_text(path, text)
    return True, tuple(wanted)


def ignore_lines(manifest: Path) -> list[str]:
    """.gitignore lines for what a run writes: mlgate's own folder (runs, the baseline cache,
    the local model store), the model, and the data files `data.prepare` writes. Outputs the
    manifest declares are not sources; a manifest that cannot be read gives the first only."""
    from mlgate import manifest as manifests

    lines = ["/.mlgate/"]
    try:
        loaded = manifests.parse(
            manifest.read_bytes(), name=manifest.name, root=manifest.parent, files=False
        )
    except (MlgateError, OSError):
        return lines
    for output in loaded.outputs():
        if output == ".mlgate":
            continue  # a folder: the line above
        relative = Path(os.path.normpath(output))
        if not relative.is_absolute() and relative.parts and relative.parts[0] != "..":
            lines.append("/" + _escape(relative.as_posix()))
    return list(dict.fromkeys(lines))


def _escape(path: str) -> str:
    """A path as a .gitignore pattern that matches only it."""
    escaped = re.sub(r"([\\*?\[])", r"\\\1", path)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return escaped


def _covered(line: str, patterns: list[str]) -> bool:
    """Whether a pattern already there ignores `line`'s path: the same pattern, or a folder
    or glob that holds it (a close reading of .gitignore rules, enough not to repeat them)."""
    path = line.lstrip("/").rstrip("/")
    for pattern in patterns:
        if not pattern or pattern.startswith(("#", "!")):
            continue
        bare = pattern.lstrip("/").rstrip("/")
        anchored = pattern.startswith("/") or "/" in bare
        if path == bare or path.startswith(bare + "/"):  # itself, or a folder it is in
            return True
        # an unanchored pattern matches a path's name at any depth
        candidates = [path] if anchored else [path, *Path(path).parts]
        if any(fnmatch.fnmatchcase(c, bare) for c in candidates):
            return True
    return False


def check(
    root: Path, *, action: str | None = None, folder: str | None = None
) -> list[WorkflowCheck]:
    """Each workflow init writes, against the file where it writes it: `root`'s, or for a
    folder below the repository's top (`folder`, by default git says), the top's."""
    if not root.is_dir():
        raise UserError(f"'{root}' is not a folder", hint="give the repository's folder")
    values = values_for(root, None, action, folder)
    existing = present(root)
    if existing is not None:
        values = replace(values, extras=extras_for(existing.read_bytes()))
    found = []
    for relative, expected in workflow_files(values).items():
        path = at(root, relative)
        if not path.is_file():
            found.append(WorkflowCheck(path=relative, status="missing"))
            continue
        text, wanted = path.read_text("utf-8"), expected.decode("utf-8")
        if text == wanted:
            found.append(WorkflowCheck(path=relative, status="up to date"))
            continue
        diff = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                wanted.splitlines(keepends=True),
                fromfile=relative,
                tofile=f"{relative} (mlgate init)",
            )
        )
        pinned, pins = _pin(text), _pin(wanted)
        if pinned != pins:
            detail = f"calls {pinned or 'no pinned mlgate action'}; this mlgate writes {pins}"
            found.append(
                WorkflowCheck(path=relative, status="out of date", detail=detail, diff=diff)
            )
        else:
            found.append(
                WorkflowCheck(
                    path=relative,
                    status="edited",
                    diff=diff,
                    detail="differs from what this mlgate writes",
                )
            )
    return found


def example_files(values: Values, name: str | None = None) -> dict[str, bytes]:
    """Every file of the example project, without what a run of it left behind, its
    workflows filled in for the repository; renamed only when a name is given."""
    source = templates_dir() / "projects" / EXAMPLE
    files = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if relative.as_posix() in WORKFLOWS:
            continue  # written for the repository below, at its top
        if path.is_file() and not GENERATED.intersection(relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    if name is not None:
        files["mlops.yaml"] = re.sub(
            rb"(?m)^name: .*$", b"name: " + name.encode(), files["mlops.yaml"], count=1
        )
    return files | workflow_files(values)


def starter_files(values: Values, found: Survey | None = None) -> dict[str, bytes]:
    return {
        target: _fill(source, values, starter_fields(found)) for target, source in STARTER.items()
    } | workflow_files(values)


def _holder(found: Survey) -> str:
    """What splits the data file: dvc.yaml's stage, or the prepare.py to be written."""
    return f"dvc.yaml's stage '{found.dvc_prepare}'" if found.dvc_prepare else "prepare.py"


def starter_fields(found: Survey | None) -> dict[str, str]:
    """The starter manifest's blanks, from what the project holds: its data files, the
    target's column and type, the smallest file's rows, its scripts; each guess said in a
    comment, and what is not there yet said too."""
    from mlgate.survey import Survey

    found = found or Survey()
    data = found.train is not None and found.test is not None
    fields = {"read_note": "".join(f"#   {line}\n" for line in found.said)}
    if fields["read_note"]:
        fields["read_note"] = "# read by mlgate init (check each guess):\n" + fields["read_note"]
    if found.dvc_prepare and found.dvc_remote:
        # a fresh clone (CI's, the baseline's worktree) has none of the stage's inputs
        # that `dvc add` tracks: without --pull its first run stopped at a missing file
        fields["prepare_line"] = (
            f"  prepare: {_command('dvc', 'repro', '--pull', found.dvc_prepare)}  # dvc.yaml's "
            f"stage that writes the data files, its inputs pulled from '{found.dvc_remote}'"
        )
    elif found.dvc_prepare:
        fields["prepare_line"] = (
            f"  prepare: {_command('dvc', 'repro', found.dvc_prepare)}  # dvc.yaml's stage "
            "that writes the data files"
        )
    elif found.to_prepare:  # one file to split, or features and labels to join
        made = found.to_prepare
        script = found.prepare or "prepare.py"
        fields["prepare_line"] = (
            f"  prepare: {_command('python', script)}  # must {made.does} {made.train} and "
            f"{made.test}" + ("" if found.prepare else " (prepare.py does not exist yet)")
        )
    elif found.prepare:
        fields["prepare_line"] = (
            f"  prepare: {_command('python', found.prepare)}  # writes the data files"
        )
    elif data:
        fields["prepare_line"] = (
            "  # prepare: python prepare.py  # a command that writes "
            "the data files, if they are made"
        )
    else:
        fields["prepare_line"] = (
            "  prepare: python prepare.py    # writes the data files "
            "(prepare.py does not exist yet; or drop this line and commit the files)"
        )
    for role, file in (("train", found.train), ("test", found.test)):
        fields[role] = _scalar(file.path) if file else f"data/{role}.csv"
        fields[f"{role}_note"] = "" if file else f"         # no {role} data file was found"
        if found.to_prepare:
            fields[role] = _scalar(getattr(found.to_prepare, role))
            fields[f"{role}_note"] = "         # written by data.prepare"
    fields["columns"] = _columns_block(found.columns)
    fields["id_line"] = (
        f"  id: {_scalar(found.id)}   # names each row: not a feature, not compared for leakage\n"
        if found.id
        else ""
    )
    others = [
        c for c in (found.train.columns if found.train else ()) if c not in (found.target, found.id)
    ]
    fields["features"] = ", ".join(_scalar(c) for c in others[:2]) or "age, plan"
    fields["target"] = _scalar(found.target) if found.target else "label"
    fields["target_note"] = "   # the column the model predicts" + (
        "" if found.target else ": set it"
    )
    rows = found.rows_min
    fields["rows_min"] = str(rows or 100)
    fewest = words.count(found.fewest_rows or 0, "row")
    fields["rows_note"] = f"  # the smallest file has {fewest} today" if rows else ""
    if rows and found.to_prepare and found.to_prepare.split and found.train:
        fields["rows_note"] = (
            f"  # a fifth of {found.train.path}'s {words.count(found.train.rows, 'row')}: "
            f"its test rows, if {_holder(found)} holds out 20%"
        )
    trainer = found.trainer or "train.py"
    fields["train_key"] = "command"
    fields["train_command"] = _command("python", trainer)
    fields["train_command_note"] = "     # must write the model to $MLGATE_MODEL" + (
        "" if found.trainer else f"; {trainer} does not exist yet"
    )
    if found.trainer_writes:  # a script written before mlgate: its own path is the model's
        fields["train_command_note"] = (
            f"     # it saves {found.trainer_writes}: the model the run scores\n"
            f"  outputs: {{model: {_scalar(found.trainer_writes)}}}"
        )
    if found.dvc_train:  # the pipeline trains: mlgate runs its stage, scores what it wrote
        stage, model = found.dvc_train
        fields["train_key"] = "dvc"
        fields["train_command"] = _scalar(stage)
        fields["train_command_note"] = (
            f"     # dvc.yaml's stage that writes the model: run as dvc repro\n"
            f"  outputs: {{model: {_scalar(model)}}}"
        )
    task = found.task or "classification"
    fields["task"] = task
    fields["task_note"] = (
        "         # or regression"
        if task == "classification"
        else "             # or classification"
    )
    fields["metrics"] = (
        "accuracy, f1_macro, roc_auc" if task == "classification" else "rmse, mae, r2"
    )
    fields["model_check"], fields["gate"] = _model_gate(
        task, found.majority, found.majority_on_test
    )
    return fields


def _model_gate(
    task: str, majority: tuple[str, float] | None, on_test: float | None = None
) -> tuple[str, str]:
    """The starter's model check and gate: where the target was read, ones a model that
    always predicts the commonest class cannot pass. Accuracy, unless one class holds more
    than MAJORITY_MAX of the training rows: then that model scores a high accuracy, but
    1 / classes (0.5 at most) of balanced accuracy; the comment says what it scores on the
    test rows (`on_test`), which the check is measured on, else on the training rows (the
    training rows' 0.5378 beside a check whose test rows gave it 0.5573)."""
    if task != "classification":
        return "{metric: r2, min: 0.5}", "r2: {min_change: -0.01}        # a drop of at most 0.01"
    metric, floor = "accuracy", ACCURACY_MIN
    note = ""
    if majority is not None:
        value, share = majority
        shown = json.dumps(value, ensure_ascii=False)  # a comment holds it on one line
        scored = share if on_test is None else on_test
        rows = " on the training rows" if on_test is None else ""
        note = f"  # the majority class {shown} alone scores {round(scored, 4):g} accuracy{rows}"
        if share > MAJORITY_MAX:
            metric, floor = "balanced_accuracy", BALANCED_MIN
            note += "; any constant model 0.5 balanced accuracy at most"
    check = f"{{metric: {metric}, min: {floor}}}{note}"
    return check, f"{metric}: {{min_change: -0.01}}  # a drop of at most 0.01"


def _columns_block(seeds: tuple[tuple[str, dict[str, object]], ...]) -> str:
    """data.columns as the data shows it today, or a commented example when there is none."""
    if not seeds:
        return (
            "  # columns:                   # expectations checked on every data file\n"
            "  #   age: {type: integer, min: 0, max: 120, nullable: false}\n"
            "  #   plan: {type: category, values: [basic, pro]}\n"
        )
    lines = [
        "  columns:                     # as the data files are today: tighten them (min, max, ...)"
    ]
    for name, rules in seeds:
        inner = ", ".join(f"{key}: {_yaml_value(value)}" for key, value in rules.items())
        lines.append(f"    {_scalar(name)}: {{{inner}}}")
    return "\n".join(lines) + "\n"


def _yaml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    return _scalar(str(value))


def _command(*argv: str) -> str:
    """A command line as a YAML scalar: each word quoted for the shell that runs it (a
    script named `train $(id).py` is a name), the line quoted for YAML when it must be."""
    line = shlex.join(argv)
    return line if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_./ -]*", line) else json.dumps(line)


def _scalar(text: str) -> str:
    """A string as a YAML scalar: bare when plain and read back as itself (not `yes`,
    `null`, `2020`, `1.5`), else double-quoted (JSON's quoting)."""
    import yaml

    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_./-]*", text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def workflow_files(values: Values) -> dict[str, bytes]:
    """The workflows, by their path from the project's folder: for a folder below the
    repository's top, `../../.github/workflows/mlgate-merge.ml-churn.yml` and the like."""
    return {
        workflow_path(target, values.folder): _fill(source, values)
        for target, source in WORKFLOWS.items()
    }


def workflow_path(target: str, folder: str) -> str:
    """Where a workflow of WORKFLOWS goes for a project in `folder` ("" at the top), from
    that folder: at the top, its file name with the folder in it, so that each project
    of a repository has its own."""
    if not folder:
        return target
    stem = target.removesuffix(".yml")
    return "../" * len(folder.split("/")) + f"{stem}.{folder.replace('/', '-')}.yml"


def _fill(template: str, values: Values, fields: dict[str, str] | None = None) -> bytes:
    """`$name`-style placeholders (they never clash with YAML, and `${{` is left alone);
    the pinned mlgate action replaced by the one asked for."""
    text = (templates_dir() / template).read_text("utf-8")
    text = string.Template(text).safe_substitute(
        name=values.name,
        python_version=values.python_version,
        default_branch=values.default_branch,
        **(fields or {}),
    )
    text = text.replace(action_pin.uses(), values.action)
    if values.extras:  # after each python-version of a step that does not set its own
        text = re.sub(
            r'(?m)^( +)(python-version: "[^"\n]*")\n(?!\1extras:)',
            lambda m: f"{m[1]}{m[2]}\n{m[1]}extras: {values.extras}\n",
            text,
        )
    if values.folder and template in WORKFLOWS.values():
        text = _in_folder(text, template, values.folder)
    return text.encode("utf-8")


def _in_folder(text: str, template: str, folder: str) -> str:
    """A workflow for the project in `folder` (already safe: `below_top`), at the top:
    named for it (file, `name:`, concurrency group, the workflows it names); each mlgate
    step of a job that checks out given `working-directory`; the paths of that job's
    other steps (artifacts uploaded, downloaded) put under the folder; a pull_request or
    push trigger filtered to the folder and the workflow's own file (a merge that changes
    only another project's files registers no new version of this one). A job that checks out
    nothing (the fork report's) reads what it downloads where it is: left as it is."""
    names = {Path(t).name: Path(workflow_path(t, folder)).name for t in WORKFLOWS}
    titles = {_title(source): f"{_title(source)} ({folder})" for source in WORKFLOWS.values()}
    own = next(Path(t).name for t, source in WORKFLOWS.items() if source == template)
    text = re.sub(
        r"(?<![\w./-])mlgate(?:-[a-z]+)*\.yml(?![\w.-])",
        lambda m: names.get(m[0], m[0]),
        text,
    )
    text = _exactly(r"(?m)^name: (.*)$", lambda m: f"name: {titles[m[1]]}", text)
    text = re.sub(  # the comments' "Actions -> mlgate sweep -> Run workflow"
        r"-> (mlgate[a-z ]*?) ->", lambda m: f"-> {titles.get(m[1], m[1])} ->", text
    )
    text = _exactly(r"(?m)^(  group: mlgate-)", lambda m: f"{m[1]}{folder}-", text)
    # a job's name is what a required status check names: each project's its own
    text = re.sub(r"(?m)^(    name: .*)$", lambda m: f"{m[1]} ({folder})", text)
    text = re.sub(
        r"(?m)^(    workflows: )\[(.*)\]$",
        lambda m: m[1] + json.dumps([titles[w.strip()] for w in m[2].split(",")]),
        text,
    )
    for trigger in ("pull_request", "push"):
        if re.search(rf"(?m)^  {trigger}:$", text):
            text = _exactly(
                rf"(?m)^  {trigger}:\n(?:    .*\n)*",
                lambda m: (
                    m[0]
                    + "    paths:  # this project's files, and this workflow\n"
                    + f"      - {json.dumps(folder + '/**')}\n"
                    + f"      - {json.dumps(f'.github/workflows/{names[own]}')}\n"
                ),
                text,
            )
    head, jobs = text.split("\njobs:\n", 1)
    parts = re.split(r"(?m)^(?=  [\w-]+:\n)", jobs)
    jobs = "".join(_job_in_folder(part, folder) for part in parts)
    return FOLDER_LINE.format(folder=folder) + head + "\njobs:\n" + jobs


def _title(template: str) -> str:
    """A workflow template's `name:`."""
    found = re.search(r"(?m)^name: (.*)$", (templates_dir() / template).read_text("utf-8"))
    if found is None:
        raise AssertionError(f"{template} has no name")
    return found[1]


def _exactly(pattern: str, replacement: Callable[[re.Match[str]], str], text: str) -> str:
    """`re.sub` of a pattern the template holds once (a template that changed fails here,
    in the tests, rather than writing a workflow half for the folder)."""
    done, count = re.subn(pattern, replacement, text, count=2)
    if count != 1:
        raise AssertionError(f"{pattern!r} matched {count} times")
    return done


def _job_in_folder(job: str, folder: str) -> str:
    """One job's lines (`  name:` and what is under it) for a project in `folder`."""
    if not re.search(r"(?m)^ +(?:- )?uses: actions/checkout@", job):
        return job
    out: list[str] = []
    mlgate = False  # the line before was a `uses:` of the mlgate action
    block = -1  # the indentation of a `path: |` whose lines are being put under the folder
    for line in job.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" "))
        if block >= 0 and line.strip() and indent > block:
            out.append(f"{line[:indent]}{folder}/{line[indent:]}")
            continue
        block = -1
        item = re.fullmatch(r"( +)(?:- )?(\w[\w-]*): ?(.*)\n", line)
        key, value = (item[2], item[3]) if item else ("", "")
        if mlgate and key == "with" and not value:
            out.append(f"{line}{line[:indent]}  working-directory: {json.dumps(folder)}\n")
        elif key == "path" and value == "|":
            block = indent
            out.append(line)
        elif key == "path":
            value, hash_, comment = value.partition("  #")
            out.append(
                f"{line[: line.index('path:')]}path: {json.dumps(f'{folder}/{value}')}"
                + (f"  {hash_}{comment}" if hash_ else "")
                + "\n"
            )
        else:
            out.append(line)
        mlgate = key == "uses" and not value.startswith("actions/")
    return "".join(out)


def extras_for(manifest: bytes | None) -> str:
    """The action's extras a manifest needs beyond png: pyarrow for Parquet data (pandas
    hands it to the model), DVC for a DVC training stage, onnxruntime or skops for the
    model file's format (train.outputs.model's `.onnx`, `.skops`); "" for none (or a
    manifest that cannot be read: validate says why)."""
    import yaml

    from mlgate.manifest.model_formats import model_reader

    try:
        raw = yaml.safe_load(manifest or b"")
    except yaml.YAMLError:
        return ""
    raw = raw if isinstance(raw, dict) else {}
    parquet = bool(data_formats.parquet_files(raw.get("data")))
    dvc = isinstance(raw.get("train"), dict) and "dvc" in raw["train"]
    model = model_reader(raw)
    needed = [
        *(["dvc"] if dvc else []),
        *(["parquet"] if parquet else []),
        *([model[1].extra] if model else []),
    ]
    return ",".join(["png", *needed]) if needed else ""


def values_for(
    root: Path, name: str | None, action: str | None, folder: str | None = None
) -> Values:
    """`folder`: `root` below its repository's top; by default git says (`below_top`)."""
    folder = below_top(root) if folder is None else folder and _safe(folder)
    branch = default_branch(_nearest_folder(root.resolve()))
    if not SAFE_BRANCH.fullmatch(branch):
        raise UserError(
            f"the default branch {branch!r} cannot go into the merge workflow as it is",
            hint="rename it with letters, digits, '_', '.', '-' and '/' (git branch -m)",
        )
    return Values(
        name=name or _unshared_name(root, folder),
        python_version=python_version(root),
        default_branch=branch,
        action=parse_action(action),
        folder=folder,
    )


def _unshared_name(root: Path, folder: str) -> str:
    """The folder's name as the model's, unless another project of the repository (one
    whose workflows init wrote at its top) has that name: `teams/a/churn` and
    `teams/b/churn` would share registry tags, comments and the retraining branch, so
    the second is named for its whole path (`teams-b-churn`)."""
    own = slug(root.resolve().name)
    if not folder:
        return own
    top = root.resolve().parents[len(folder.split("/")) - 1]
    for other in _folders_at(top) - {folder}:
        manifest = present(top / other)
        written = manifest.read_text("utf-8", errors="replace") if manifest else ""
        found = re.search(r"(?m)^name:[ \t]*['\"]?([a-z0-9-]+)", written)
        if (found[1] if found else slug(Path(other).name)) == own:
            return slug(folder)
    return own


def _folders_at(top: Path) -> set[str]:
    """The folders whose projects have workflows at the repository's top, by their first
    line (FOLDER_LINE)."""
    named = (_named_folder(p) for p in (top / ".github" / "workflows").glob("*.yml"))
    return {folder for folder in named if folder is not None}


def parse_action(action: str | None) -> str:
    """`OWNER/REPO@SHA` (a fork or mirror of mlgate's action) as a pinned `uses:` value."""
    if action is None:
        return action_pin.uses()
    match = re.fullmatch(r"([\w.-]+/[\w.-]+)@([0-9a-f]{40})", action)
    if match is None:
        raise UserError(
            f"--action '{action}' is not OWNER/REPO@COMMIT",
            hint="pin the action by its full 40-character commit id",
        )
    # not "# vX.Y.Z": that named mlgate's release beside another repository's commit
    return action_pin.uses(match.group(1), match.group(2), f"for-mlgate-{action_pin.TAG}")


def _pin(text: str) -> str | None:
    """The mlgate action a workflow calls, as `owner/repo@sha # tag`."""
    for repository, commit, tag in PIN.findall(text):
        if not repository.startswith("actions/"):
            return f"{repository}@{commit} # {tag}"
    return None


def valid_name(name: str) -> bool:
    return len(name) <= NAME_MAX and NAME.match(name) is not None


def slug(text: str) -> str:
    """A folder's name as a model name: lowercase letters, digits and inner dashes."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:NAME_MAX].rstrip("-") or "model"


def python_version(root: Path) -> str:
    """The repository's Python (`.python-version`, else pyproject's requires-python lower
    bound) when mlgate runs on it, else mlgate's default."""
    found = None
    pinned, project = root / ".python-version", root / "pyproject.toml"
    if pinned.is_file():
        found = re.match(r"\s*(\d+)\.(\d+)", pinned.read_text("utf-8", errors="replace"))
    elif project.is_file():
        found = re.search(
            r"(?m)^requires-python\s*=\s*[\"'][^\"']*>=\s*(\d+)\.(\d+)",
            project.read_text("utf-8", errors="replace"),
        )
    if found and (int(found.group(1)), int(found.group(2))) >= OLDEST_PYTHON:
        return f"{found.group(1)}.{found.group(2)}"
    return DEFAULT_PYTHON


def default_branch(root: Path) -> str:
    """The branch `compare` calls the default (origin's, else the one of init.defaultBranch,
    main and master that exists, else the only one), so that merges to it are what the
    merge workflow runs on; else the branch checked out (a repository without commits),
    else git's init.defaultBranch."""
    if not root.is_dir():
        return DEFAULT_BRANCH
    from mlgate import git

    try:
        known = git.default_branch(root)
        if known:
            return known
        for argv in (
            ["git", "symbolic-ref", "--quiet", "--short", "HEAD"],
            ["git", "config", "--get", "init.defaultBranch"],
        ):
            out = proc.output(argv, cwd=root, check=False).strip()
            if out:
                return out
    except OutsideError:  # no git at all
        return DEFAULT_BRANCH
    return DEFAULT_BRANCH


def _blocked(root: Path, relative: str) -> bool:
    """A folder where the file goes, or a file where one of its folders goes."""
    target = at(root, relative)
    folders = [at(root, parent.as_posix()) for parent in Path(relative).parents]
    return target.is_dir() or any(f.exists() and not f.is_dir() for f in folders)
