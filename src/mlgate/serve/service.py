"""What a server serves: the model, the schema of its inputs and its metadata, for a
registered version (from the store, checked by sha256) or for the model file the
manifest names (checked against the run that wrote it).

Pickle and joblib run code when loaded, so they load only from the registry's own
content-addressed store (the sha256 the version's record names) or from the path the
manifest names, never from a path given on the command line. `.skops` files load with
only scikit-learn, NumPy and SciPy types trusted, so from anywhere: one that no run
checked is served as it is, and said to be (/metadata gives no run, metrics or verdict).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.errors import OutsideError, UserError
from mlgate.manifest.spec import Manifest
from mlgate.serve import copied
from mlgate.serve.schema import InputSchema, from_run

if TYPE_CHECKING:
    from mlgate.registry.operations import Where
    from mlgate.registry.state import Version
    from mlgate.result.records import RunResult


@dataclass(frozen=True, kw_only=True)
class Sources:
    """The files a Service was loaded from: what workers spawned to serve it load again,
    byte for byte, from a bundle (serve/run.py), never the work tree or the registry anew."""

    model: Path
    model_name: str  # the model file's name in a bundle: its suffix says how to load it
    run: Path
    manifest: Path


@dataclass(frozen=True, kw_only=True)
class Service:
    model: Any = field(repr=False)
    schema: InputSchema
    metadata: dict[str, Any]
    sources: Sources | None = None
    notes: tuple[str, ...] = ()  # what the command says before serving


def load(manifest: Manifest, target: str | None = None) -> Service:
    """`target`: a registered version (v1.2.0), `latest` (the latest version), the
    manifest's model path, a `.skops` file anywhere, or None (the latest version, else
    the manifest's model)."""
    from mlgate.registry.operations import Where

    try:
        where: Where | None = Where.of(manifest)
    except UserError as exc:  # not a git repository: no registry, the manifest's path only
        if target is not None and target != "latest" and _a_version(target):
            raise UserError(f"{target} is not served: {exc.message}", hint=exc.hint) from exc
        where = None
    notes: tuple[str, ...] = ()
    try:
        current = where.read() if where is not None else None
    except OutsideError as exc:  # origin down, or .git read-only: a version's tag is here
        if where is None or target is None or not _a_version(target):
            raise
        current = where.read_here()
        notes = (f"{exc.message}; {target} is served as this clone's tags have it",)
    latest = current.latest() if current is not None else None
    if target == "latest" and latest is None:
        raise UserError(
            f"{manifest.name} has no version registered yet, so no latest",
            hint="mlgate register the last run, or serve the manifest's model with no argument",
        )
    if target in (None, "latest") and latest is not None:
        target = latest.version
    if target is not None and _a_version(target) and where and current is not None:
        found = current.version(target)
        if found is None:
            raise UserError(f"{manifest.name} has no version {target}")
        return replace(_from_version(manifest, where, found), notes=notes)
    if (
        target is not None
        and not _the_manifests(manifest, target)
        and not target.endswith(".skops")
    ):
        raise UserError(
            f"'{target}' is not the model file mlops.yaml names "
            f"({manifest.train.model}); a pickle or joblib file loads only "
            "from there or from the registry, because loading it runs code",
            hint="serve a registered version, or a .skops file",
        )
    return _from_manifest(manifest, Path(target) if target else None)


def _a_version(target: str) -> bool:
    """`v1.2.0` (semver, as versions are named), not a file: `vmodel.joblib` was looked up
    as a version."""
    return re.fullmatch(r"v\d+(\.\d+)*([-+][0-9A-Za-z.+-]*)?", target) is not None


def _the_manifests(manifest: Manifest, target: str) -> bool:
    """The model file the manifest names, however the path is written (absolute was
    refused as "not the model file mlops.yaml names")."""
    named = manifest.resolve(manifest.train.model)
    return Path(target) == Path(manifest.train.model) or Path(target).resolve() == named.resolve()


def _from_version(manifest: Manifest, where: Where, version: Version) -> Service:
    from mlgate.model.loading import ModelLoadError, trained_elsewhere
    from mlgate.registry import lineage
    from mlgate.result import runs

    record = version.record
    if version.problem:
        raise UserError(
            f"{version.version} is not served: {version.problem}",
            hint=f"git show {version.tag} shows it",
        )
    if record.get("verdict") != "passed":
        raise UserError(f"{version.version} has no passing run on record; it is not served")
    suffix = Path(record["model"]["file"]).suffix  # a store object has none: the record's
    names = {"model": "model" + suffix, "run": "run.json", "manifest": "mlops.yaml"}
    stored = {names[role]: where.store.get(record[role]["sha256"]) for role in names}
    with copied.copies(stored) as copy:  # what is checked is what is loaded
        for role, name in names.items():
            _same(copy[name].sha256, record[role]["sha256"], stored[name])
        run = runs.read(copy["run.json"].path)
        if why := lineage.unlike(record, run):  # before any of the model's code runs
            raise UserError(
                f"{version.version} is not served: {why}",
                hint=lineage.edited(version.tag),
            )
        try:  # refused, as monitor refuses it, where it needs the project's own module:
            # that file is this checkout's now, not the one the version was trained with
            model = trained_elsewhere(
                manifest.root, copy[names["model"]].path, suffix=suffix, shown=names["model"]
            )
        except ModelLoadError as exc:
            raise UserError(f"{version.version} is not served: {exc}") from exc
        inputs = _registered(copy["mlops.yaml"].path, manifest)
    return Service(
        model=model,
        # the inputs the version was trained on, as its own manifest names them: the work
        # tree's, after a change of data.features, refused every request to a rolled-back one
        schema=from_run(run, inputs),
        metadata=version_metadata(manifest.name, version),
        sources=Sources(
            model=stored[names["model"]],
            model_name=names["model"],
            run=stored["run.json"],
            manifest=stored["mlops.yaml"],
        ),
    )


def _same(found: str, recorded: str, path: Path) -> None:
    """A store object copied for loading has the sha256 its record names: it was checked
    a moment before, so a difference means it changed meanwhile."""
    if found != recorded:
        raise OutsideError(
            f"{path} (object {recorded[:12]} of the model store) changed while it was "
            "read: it is not loaded",
            hint=f"`sha256sum {path}` shows the hash of what it holds now; mlgate never "
            "changes a stored object: put the original back",
        )


def _registered(path: Path, current: Manifest) -> Manifest:
    """The manifest a version was registered with, read as a bundle's is."""
    from mlgate.manifest.load import parse

    return parse(path.read_bytes(), name=current.path.name, root=current.root, files=False)


def version_metadata(model: str, version: Version) -> dict[str, Any]:
    """What /metadata says of a registered version: its lineage, from its record."""
    record = version.record
    return {
        "model": model,
        "version": version.version,
        "commit": version.commit,
        "registered": version.created,
        "metrics": record.get("metrics", {}),
        "params": record.get("params", {}),
        "data": record.get("data", []),
        "model_sha256": record["model"]["sha256"],
        "run_id": record["run"].get("id"),
    }


def _from_manifest(manifest: Manifest, given: Path | None) -> Service:
    """The manifest's model, if it is the one the last run trained and checked; or a
    `.skops` file from elsewhere, served as it is (it cannot run code of its own) and
    said to be unchecked, with the inputs the last run read."""
    from mlgate.model.loading import ModelLoadError, alone
    from mlgate.result import runs

    elsewhere = given is not None and not _the_manifests(manifest, str(given))
    path = manifest.resolve(str(given)) if given else manifest.resolve(manifest.train.model)
    _require_file(path, manifest, elsewhere)
    latest = runs.latest(manifest.root)  # never a run a commit put there
    if latest is None:
        raise UserError(
            f"no run of {manifest.name} yet: the model to serve, and the inputs it takes, "
            "come from the last run",
            hint="mlgate run first",
        )
    run = runs.read(latest)
    with copied.copies({path.name: path}) as copy:  # what is hashed is what is loaded
        sha = copy[path.name].sha256
        gated = run.train.model is not None and run.train.model.sha256 == sha
        if not gated and not elsewhere:
            raise UserError(
                f"{path.name} is not the model run {run.run_id} trained and scored",
                hint="mlgate run again, so what is served is what was checked",
            )
        if gated and run.evaluate.status not in ("passed", "failed"):  # no figure to gate
            raise UserError(
                f"run {run.run_id} could not score {path.name}, so it is not served: "
                f"{run.evaluate.message or 'its evaluation ' + run.evaluate.status}",
                hint="fix what the run says and mlgate run again",
            )
        try:
            model = alone(  # as the workers load it: the project's folder is not put on the path
                manifest.root,
                copy[path.name].path,
                suffix=path.suffix,
                shown=path.name,
                checked=gated,
            )
        except ModelLoadError as exc:
            raise UserError(str(exc)) from exc
    return Service(
        model=model,
        schema=from_run(run, manifest),
        sources=Sources(model=path, model_name=path.name, run=latest, manifest=manifest.path),
        metadata=_run_metadata(manifest, run, sha) if gated else _unchecked(manifest, sha),
        notes=() if gated else (_unchecked_note(path, manifest),),
    )


def _require_file(path: Path, manifest: Manifest, elsewhere: bool) -> None:
    """A model path that is not a file, said as such: a missing .skops file was "no model
    to serve ... mlgate run first", as if a run could write it."""
    if path.is_file():
        return
    if elsewhere:
        raise UserError(f"cannot serve {path}: there is no such file", hint="check the path")
    raise UserError(
        f"no model to serve: {path} (train.outputs.model in mlops.yaml) is not there",
        hint="mlgate run, which trains it and checks it",
    )


def _run_metadata(manifest: Manifest, run: RunResult, sha: str) -> dict[str, Any]:
    """What /metadata says of the manifest's model: the run that trained and checked it."""
    return {
        "model": manifest.name,
        "version": None,
        "commit": run.git.commit,
        "metrics": dict(run.evaluate.metrics),
        "params": dict(run.params),
        "data": [  # as a version's record has them (registry/operations.py)
            {"role": d.role, "file": d.file.path, "sha256": d.file.sha256, "rows": d.rows}
            for d in run.data.datasets
        ],
        "model_sha256": sha,
        "run_id": run.run_id,
        "verdict": run.verdict,
    }


def _unchecked(manifest: Manifest, sha: str) -> dict[str, Any]:
    """What /metadata says of a .skops file no run checked: its sha256, and no lineage."""
    return {
        "model": manifest.name,
        "version": None,
        "commit": None,
        "metrics": {},
        "params": {},
        "data": [],
        "model_sha256": sha,
        "run_id": None,
        "verdict": None,
    }


def _unchecked_note(path: Path, manifest: Manifest) -> str:
    return (
        f"{path.name} is served as it is: no run of {manifest.name} trained and checked it, "
        "so /metadata gives its sha256 and no run, metrics or verdict (its inputs are "
        "those the last run read)"
    )
