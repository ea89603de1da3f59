"""Find, read and validate the manifest (`mlops.yaml` or `mlops.yml`): a typed Manifest
or a ManifestError listing all."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlgate import files, yaml_source
from mlgate.errors import ManifestError, Problem, UserError
from mlgate.manifest import build, params, schema_check, semantic_checks
from mlgate.manifest.spec import Manifest

MANIFEST_NAMES = ("mlops.yaml", "mlops.yml")


def spellings(path: str) -> list[str]:
    """`path` (a manifest's, from a repository's top), then the other names a manifest may
    have in its folder: where a commit that renamed it since has it."""
    folder = path.rpartition("/")[0]
    beside = [f"{folder}/{name}" if folder else name for name in MANIFEST_NAMES]
    return list(dict.fromkeys((path, *beside)))


def find(directory: Path, manifest: Path | None = None) -> Path:
    """The manifest to use: the one given (relative to `directory`), else the one there
    (`present`)."""
    if manifest is not None:
        candidate = directory / manifest
        if candidate.is_dir():
            raise UserError(f"manifest '{manifest}' is a folder, not a file", hint=_NAME_ONE)
        if not candidate.is_file():
            raise UserError(f"manifest '{manifest}' not found in {directory}")
        return candidate
    both = [directory / n for n in MANIFEST_NAMES if (directory / n).is_file()]
    if len(both) > 1:  # one was read and the other silently not
        raise UserError(
            f"{directory} holds both mlops.yaml and mlops.yml",
            hint="keep one, or name the one to use with --manifest",
        )
    found = present(directory)
    if found is not None:
        return found
    near = _near(directory)
    alike = near.startswith("; found ")  # init would write a second manifest beside it
    raise UserError(
        f"no mlops.yaml (or mlops.yml) in {directory}{near}",
        hint="rename it, or pass --manifest with its name" if alike else _NAME_ONE,
    )


_NAME_ONE = "run `mlgate init` to write one, or pass --manifest PATH"


def _near(directory: Path) -> str:
    """What stands there in place of a manifest: "; found Mlops.yaml (the name is
    mlops.yaml)", or one in the folder above ("" for nothing)."""
    try:
        names = [p.name for p in directory.iterdir() if p.is_file()]
    except OSError:
        names = []
    alike = [n for n in names if n.lower() in MANIFEST_NAMES or n.lower().startswith("mlops.y")]
    if alike:
        return f"; found {alike[0]} (the name is mlops.yaml, in lower case, ending .yaml or .yml)"
    above = present(directory.parent) if directory.parent != directory else None
    return f"; the folder above has {above.name}: run mlgate there, or with -C .." if above else ""


def present(directory: Path) -> Path | None:
    """The manifest in `directory` under either of its names (mlops.yaml first), or None."""
    return next((directory / n for n in MANIFEST_NAMES if (directory / n).is_file()), None)


def load(
    path: Path, *, display_name: str | None = None, starting: tuple[str, ...] = ()
) -> Manifest:
    """Parse and validate the manifest at `path`. Raises ManifestError with every problem,
    a script that a command in `starting` (`train.command`) runs and that is missing too."""
    name = display_name or str(path)
    try:
        raw = files.read_bytes(path, limit=yaml_source.MAX_BYTES, name=f"manifest {name}")
    except files.TooLarge:  # located, as parse locates it, and the other limits are
        size = path.stat().st_size
        said = f"the manifest is {size:,} bytes, more than the {yaml_source.MAX_BYTES:,} mlgate "
        problem = Problem(
            file=name, line=1, column=1, path="", message=said + "reads from a manifest"
        )
        raise ManifestError([problem]) from None
    return parse(raw, name=name, root=path.parent, path=path, starting=starting)


def parse(
    raw: bytes,
    *,
    name: str,
    root: Path,
    path: Path | None = None,
    files: bool = True,
    starting: tuple[str, ...] = (),
) -> Manifest:
    """Validate manifest bytes; `name` is how problems refer to the file; `files=False`
    does not look for the files it names."""
    try:
        doc = yaml_source.load_bytes(raw, name)
    except yaml_source.YamlProblems as exc:
        raise ManifestError(exc.problems) from exc
    problems = list(doc.problems)
    if doc.data is None:
        problems.append(
            Problem(
                file=name,
                line=1,
                column=1,
                path="",
                message="the manifest is empty; it needs at least name, data and train",
            )
        )
    else:
        # a value the YAML layer rejected is not reported again as wrong for the schema
        rejected = {p.path for p in doc.problems}
        misspelt = _misspelt_sections(doc.data)
        problems += [
            p
            for p in [
                *schema_check.check(doc),
                *(
                    p
                    for p in semantic_checks.semantic_problems(
                        doc, root, files=files, starting=starting
                    )
                    if not _of_sections(p, misspelt)
                ),
            ]
            if p.path not in rejected
        ]
        if files:  # what validate accepts, the run can read
            problems += params.problems(root, build.params_file(doc.data, root), name)
    if problems:
        raise ManifestError(_unique(problems), subject=_subject(problems, name))
    return build.build(
        doc, path=path or root / name, root=root, sha256=hashlib.sha256(raw).hexdigest()
    )


def _misspelt_sections(data: object) -> set[str]:
    """The top-level sections the manifest misspells (`evalute:`), absent under their own
    names: a check that reads one would say it is missing, beside the misspelling."""
    if not isinstance(data, dict):
        return set()
    from mlgate import spelling

    known = set(schema_check.schema().get("properties", {}))
    found: set[str] = set()
    for key in data:
        if isinstance(key, str) and key not in known:
            found.update(s for s in spelling.closest(key, sorted(known)) if s not in data)
    return found


def _of_sections(problem: Problem, sections: set[str]) -> bool:
    """A semantic problem that names one of `sections` as a key (its path, or one of its
    keys in its words: `evaluate.slices`), not as any word (`train.csv`, `data/train.py`)."""
    import re

    for section in sections:
        keys = schema_check.keys_of(section)
        named = rf"(?<![\w/\\.-]){re.escape(section)}\.(?:{'|'.join(map(re.escape, keys))})\b"
        if problem.path.split(".")[0] == section or (keys and re.search(named, problem.message)):
            return True
    return False


def _subject(problems: list[Problem], name: str) -> str:
    """Where the problems are: the manifest, the params file it names, or both."""
    found = {p.file for p in problems}
    if found == {name}:
        return "the manifest"
    return next(iter(found)) if len(found) == 1 else "the manifest and the files it names"


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
