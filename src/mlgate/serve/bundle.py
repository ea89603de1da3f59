"""A registered version packed to be served on its own: the model file, the run that
scored it and the manifest it was registered with, in one folder whose `bundle.json`
lists each file's sha256. What a Docker image serves: there is no git repository and no
registry in it, so the bundle carries the schema's inputs and the metadata itself.

Unpickling runs code, so every file is checked against `bundle.json` before the model is
loaded; the bundle is written from the registry's store (`mlgate.deploy.build_context`), where
each file was checked against the version's record.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlgate.errors import MlgateError, UserError
from mlgate.serve.service import Service, Sources

BUNDLE_FILE = "bundle.json"
FORMAT = 1
DEFAULT_HOST = "127.0.0.1"  # an image sets MLGATE_HOST=0.0.0.0 for its port mapping
DEFAULT_PORT = 8000


@dataclass(frozen=True, kw_only=True)
class Bundle:
    model: str  # file names in the bundle's folder
    run: str
    manifest: str
    files: Mapping[str, str]  # every file's name -> sha256
    metadata: Mapping[str, Any] = field(default_factory=dict)  # as /metadata says it
    format: int = FORMAT

    def to_json(self) -> str:
        return (
            json.dumps(
                {**asdict(self), "files": dict(self.files), "metadata": dict(self.metadata)},
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )


def read(folder: Path) -> Bundle:
    """The bundle in `folder`, after checking that each file it lists has its sha256."""
    from mlgate.registry.artifacts import sha256_of

    found = _listed(folder)
    for name, sha in found.files.items():
        _same(folder, name, sha256_of(folder / name), sha)
    return found


def _listed(folder: Path) -> Bundle:
    """The bundle in `folder` as bundle.json lists it, each file it names there (not yet
    checked by sha256)."""
    try:
        raw = json.loads((folder / BUNDLE_FILE).read_text("utf-8"))
        found = Bundle(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise UserError(
            f"{folder} holds no readable {BUNDLE_FILE}: {exc}",
            hint="write the bundle with mlgate (a docker deployment)",
        ) from exc
    if found.format != FORMAT:
        raise UserError(
            f"{folder / BUNDLE_FILE} is format {found.format}; this mlgate reads format {FORMAT}"
        )
    for role in (found.model, found.run, found.manifest):
        if role not in found.files:
            raise UserError(f"{BUNDLE_FILE} names {role} but gives no sha256 for it")
    for name in found.files:
        if Path(name).name != name or not (folder / name).is_file():
            raise UserError(f"{BUNDLE_FILE} lists '{name}', which is not a file in {folder}")
    return found


def _same(folder: Path, name: str, found: str, listed: str) -> None:
    if found != listed:
        raise UserError(
            f"{name} in {folder} is not the file the bundle was written "
            f"with (sha256 {listed[:12]}); it is not loaded"
        )


def write(folder: Path, sources: Sources, metadata: Mapping[str, Any]) -> Bundle:
    """The files a Service was loaded from, copied into `folder` with their sha256: what
    `mlgate serve --workers N` hands its workers, so a worker respawned after `mlgate run`
    replaced the model (or a pull changed the manifest) loads what the others serve."""
    from mlgate import atomic
    from mlgate.registry.artifacts import sha256_of

    names = {
        sources.model_name: sources.model,
        "run.json": sources.run,
        "mlops.yaml": sources.manifest,
    }
    files = {}
    for name, source in names.items():
        shutil.copyfile(source, folder / name)
        files[name] = sha256_of(folder / name)
    if files[sources.model_name] != metadata.get("model_sha256", files[sources.model_name]):
        raise UserError(
            f"{sources.model} changed while the server started: it is not what was loaded",
            hint="serve again once the run that writes it has finished",
        )
    found = Bundle(
        model=sources.model_name,
        run="run.json",
        manifest="mlops.yaml",
        files=files,
        metadata=dict(metadata),
    )
    atomic.write_text(folder / BUNDLE_FILE, found.to_json())
    return found


def load(folder: Path) -> Service:
    """The Service the bundle in `folder` describes: its model, its inputs' schema from
    the run and the registered manifest, its metadata."""
    from mlgate.manifest.load import parse
    from mlgate.model.loading import ModelLoadError
    from mlgate.model.loading import load as load_model
    from mlgate.result import runs
    from mlgate.serve import copied
    from mlgate.serve.schema import InputError, from_run

    found = _listed(folder)
    names = (found.model, found.run, found.manifest)
    with copied.copies({name: folder / name for name in names}) as copy:
        for name in names:  # the copies checked, and loaded: never the folder's files again
            _same(folder, name, copy[name].sha256, found.files[name])
        manifest = parse(
            copy[found.manifest].path.read_bytes(), name=found.manifest, root=folder, files=False
        )
        run = runs.read(copy[found.run].path)
        try:
            schema = from_run(run, manifest)
            model = load_model(
                copy[found.model].path, suffix=Path(found.model).suffix, shown=found.model
            )
        except (InputError, ModelLoadError) as exc:
            raise UserError(str(exc)) from exc
    sources = Sources(
        model=folder / found.model,
        model_name=found.model,
        run=folder / found.run,
        manifest=folder / found.manifest,
    )
    return Service(model=model, schema=schema, metadata=dict(found.metadata), sources=sources)


def main(folder: Path, environ: Mapping[str, str] | None = None) -> int:
    """Serve the bundle on MLGATE_HOST (127.0.0.1) and PORT (8000) with MLGATE_WORKERS
    processes (default: one per core) until SIGTERM; the image's entry point. Returns the
    exit code."""
    from mlgate.serve import run

    environ = os.environ if environ is None else environ
    try:
        host, port = environ.get("MLGATE_HOST", DEFAULT_HOST), _number(environ, "PORT")
        workers = _number(environ, "MLGATE_WORKERS", min(run.default_workers(), 256), most=256)
        run.require_extra()
        service = load(folder)
    except MlgateError as exc:
        print(f"mlgate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        run.serve(service, host=host, port=port, workers=workers)
    except MlgateError as exc:  # a port taken, workers that could not be kept up
        print(f"mlgate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(
        f"stopped serving {service.metadata.get('model')} {service.metadata.get('version')}",
        file=sys.stderr,
    )
    return 0


def _number(
    environ: Mapping[str, str], name: str, default: int = DEFAULT_PORT, *, most: int = 65535
) -> int:
    raw = environ.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) <= most:
        raise UserError(f"{name} is '{raw}'; it must be a whole number from 1 to {most}")
    return int(raw)
