"""The build context of a version's image, as a folder: the bundle (the model, the run
record and the manifest as registered, each from the store and checked by sha256),
requirements.txt pinned to the training run's packages, mlgate itself, the server's
entry point, a Dockerfile and a .dockerignore.

The texts are pure functions of the version; `write` fetches from the store and writes
the folder beside its place, then renames it there, so a context folder is always whole.
"""

from __future__ import annotations

import os
import platform as host
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate import atomic
from mlgate.deploy import pins as P
from mlgate.deploy.source import WHEELS, Source
from mlgate.errors import OutsideError, UserError
from mlgate.manifest.spec import DockerTarget
from mlgate.registry.artifacts import Store
from mlgate.registry.state import Version
from mlgate.serve.bundle import BUNDLE_FILE, Bundle
from mlgate.serve.service import version_metadata

CONTEXTS = Path(".mlgate") / "docker"  # beside the manifest, out of git
BUNDLE = "bundle"  # the bundle's folder in the context (and in the image, under /app)
ENTRY_POINT = "serve.py"
PORT = 8000
UID = 10001  # the server's user: not root, and no name a base image already uses
_MACHINES = {
    "amd64": "x86_64",
    "arm64": "aarch64",
    "arm": "armv7l",
    "386": "i686",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


@dataclass(frozen=True, kw_only=True)
class Context:
    folder: Path
    image: str  # repository:version
    python: str  # the base image's Python, the training run's minor version
    mlgate: str  # how mlgate gets into the image
    files: tuple[str, ...]  # relative to the folder


def folder_for(root: Path, environment: str, version: str) -> Path:
    return root / CONTEXTS / f"{environment}-{version}"


def write(
    store: Store,
    model: str,
    version: Version,
    environment: str,
    target: DockerTarget,
    *,
    root: Path,
    source: Source,
) -> Context:
    """The context of `version` for `environment`, at `folder_for(root, ...)`, replacing
    one written before."""
    record = version.record
    python = _python_minor(record)
    texts = _texts(model, version, target, python=python, source=source)
    final = folder_for(root, environment, version.version)
    parent = final.parent
    work: Path | None = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if not (parent / ".gitignore").exists():  # contexts hold a model: never in git
            atomic.write_text(
                parent / ".gitignore", "# written by mlgate: build contexts stay local\n*\n"
            )
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=parent))
        bundle = _bundle(store, model, version, work / BUNDLE)
        (work / BUNDLE / BUNDLE_FILE).write_text(bundle.to_json(), "utf-8")
        for name, text in texts.items():
            (work / name).write_text(text, "utf-8")
        if source.wheel is not None:
            (work / WHEELS).mkdir()
            shutil.copyfile(source.wheel, work / WHEELS / source.wheel.name)
        _readable(work)
        _replace(work, final)
    except BaseException as exc:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError):  # a full disk: said, with no traceback
            raise OutsideError(
                f"cannot write the build context in {parent}: {exc.strerror or exc}",
                hint="free some disk space (or fix the folder's permissions), then promote again",
            ) from exc
        raise
    files = sorted(str(p.relative_to(final)) for p in final.rglob("*") if p.is_file())
    return Context(
        folder=final,
        image=f"{target.image}:{version.version}",
        python=python,
        mlgate=source.how,
        files=tuple(files),
    )


def _texts(
    model: str, version: Version, target: DockerTarget, *, python: str, source: Source
) -> dict[str, str]:
    record = version.record
    arch = target.platform.split("/")[1] if target.platform else ""
    machine = _MACHINES.get(arch, host.machine() or "x86_64")
    pinned = P.resolve(
        record.get("packages", {}),
        [f"mlgate[{P.SERVE_EXTRA}]"],
        P.Target(python=record.get("python") or host.python_version(), machine=machine),
        lookup=lambda name: (
            (source.version, source.requires) if name == "mlgate" else P.installed(name)
        ),
    )
    return {
        "requirements.txt": P.render(
            pinned, source.requirement, title=f"{model} {version.version}"
        ),
        "Dockerfile": dockerfile(
            model, version.version, version.commit, python=python, wheels=source.wheel is not None
        ),
        ".dockerignore": dockerignore(wheels=source.wheel is not None),
        ENTRY_POINT: entry_point(model, version.version),
    }


def _bundle(store: Store, model: str, version: Version, folder: Path) -> Bundle:
    """The model, run and manifest from the store (each `get` checks the sha256 the
    record names), under plain names, and what /metadata says."""
    record = version.record
    folder.mkdir()
    model_name = "model" + Path(record["model"]["file"]).suffix
    wanted = {
        model_name: record["model"]["sha256"],
        "run.json": record["run"]["sha256"],
        "mlops.yaml": record["manifest"]["sha256"],
    }
    sizes = {
        model_name: record["model"].get("bytes"),
        "mlops.yaml": record["manifest"].get("bytes"),
    }
    for name, sha in wanted.items():  # no more downloaded than the record says it has
        shutil.copyfile(store.get(sha, sizes.get(name)), folder / name)
    return Bundle(
        model=model_name,
        run="run.json",
        manifest="mlops.yaml",
        files=wanted,
        metadata=version_metadata(model, version),
    )


def _readable(folder: Path) -> None:
    """Every file 0644 and folder 0755, whatever the umask: COPY keeps the modes, and
    under umask 077 the image's user (not root) could not read serve.py or the bundle."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _replace(work: Path, final: Path) -> None:
    """`work` renamed to `final`; an older `final` is moved aside first and removed after,
    so the name never holds half a context."""
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old.", dir=final.parent))
        os.replace(final, old / final.name)
    os.replace(work, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _python_minor(record: dict[str, Any]) -> str:
    recorded = str(record.get("python") or host.python_version())
    parts = recorded.split(".")
    if len(parts) < 2 or not all(p.isascii() and p.isdigit() for p in parts[:2]):  # not ¹¹
        raise UserError(
            f"the version's record gives Python as '{recorded}'; the image "
            "needs a version like 3.11.7"
        )
    return ".".join(parts[:2])


def dockerfile(model: str, version: str, commit: str, *, python: str, wheels: bool) -> str:
    """Python slim at the training run's minor version, the pinned requirements, the
    bundle, a user that is not root, a health check on /health, the entry point."""
    copy_wheels = f"COPY {WHEELS}/ ./{WHEELS}/\n" if wheels else ""
    probe = (
        "import os, urllib.request; urllib.request.urlopen("
        "'http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health', timeout=4)"
    )
    return f"""\
# written by mlgate: {model} {version} (commit {commit[:12]}), served by {ENTRY_POINT}
FROM python:{python}-slim

LABEL org.opencontainers.image.title="{model}" \\
      org.opencontainers.image.version="{version}" \\
      org.opencontainers.image.revision="{commit}"

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    MLGATE_HOST=0.0.0.0 \\
    PORT={PORT}

WORKDIR /app
COPY requirements.txt ./
{copy_wheels}RUN pip install --no-cache-dir -r requirements.txt \\
    && useradd --create-home --uid {UID} --shell /usr/sbin/nologin mlgate
COPY {BUNDLE}/ ./{BUNDLE}/
COPY {ENTRY_POINT} ./
USER {UID}
EXPOSE {PORT}
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \\
    CMD ["python", "-c", "{probe}"]
CMD ["python", "{ENTRY_POINT}"]
"""


def dockerignore(*, wheels: bool) -> str:
    """Everything out but what the Dockerfile copies: nothing else reaches the engine."""
    kept = ["Dockerfile", "requirements.txt", ENTRY_POINT, BUNDLE, *([WHEELS] if wheels else [])]
    return "# written by mlgate: only what the Dockerfile copies\n*\n" + "".join(
        f"!{name}\n" for name in kept
    )


def entry_point(model: str, version: str) -> str:
    return f'''\
"""Serves {model} {version}, bundled beside this file by mlgate: no git repository or
registry needed. PORT (default {PORT}) and MLGATE_HOST (default 127.0.0.1) say where."""

import sys
from pathlib import Path

from mlgate.serve.bundle import main

if __name__ == "__main__":  # each worker process imports this file again
    sys.exit(main(Path(__file__).resolve().parent / "{BUNDLE}"))
'''
