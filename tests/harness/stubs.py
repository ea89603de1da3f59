"""Stand-ins for the marketplace actions our workflows use, built only from this machine.

A stub does the part of the real action that a test can observe (files restored, PATH
changed, outputs set) with local means, and is strict about `with:`: an input the real
action does not accept fails the step, so a typo in a workflow cannot pass here unnoticed.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote


class StubFailure(Exception):
    """The action failed, as the real one would (the step's outcome becomes failure)."""


@dataclass
class StubCall:
    """What a stub sees of its step, and what it hands back to the runner."""

    action: str  # e.g. "actions/cache/restore" (without @ref)
    ref: str
    inputs: dict[str, str]  # with: values, defaults filled in
    workspace: Path
    state_dir: Path
    run_id: str
    env: dict[str, str]  # the step's process environment
    github: dict[str, Any]
    runner_temp: Path
    outputs: dict[str, str] = field(default_factory=dict)
    exported: dict[str, str] = field(default_factory=dict)  # as `>> $GITHUB_ENV`
    paths: list[str] = field(default_factory=list)  # as `>> $GITHUB_PATH`
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    recorded: dict[str, Any] = field(default_factory=dict)  # facts for tests to assert on
    wants_post: bool = False
    state: dict[str, Any] = field(default_factory=dict)  # main -> post, like save-state

    def info(self, text: str) -> None:
        self.messages.append(("info", text))

    def warning(self, text: str) -> None:
        self.messages.append(("warning", text))

    def home(self) -> Path:
        return Path(self.env.get("HOME") or os.path.expanduser("~"))

    def flag(self, name: str) -> bool:
        """A boolean input read as @actions/core's getBooleanInput does (YAML 1.2 core)."""
        value = self.inputs.get(name, "")
        if value in ("true", "True", "TRUE"):
            return True
        if value in ("false", "False", "FALSE"):
            return False
        raise StubFailure(
            f'Input does not meet YAML 1.2 "Core Schema" specification: {name}\n'
            "Support boolean input list: `true | True | TRUE | false | False | FALSE`"
        )


class Stub:
    """One action. `inputs` maps every input the real action accepts to its default
    (None: no default; defaults may hold `${{ }}`, evaluated by the runner)."""

    name: ClassVar[str]
    inputs: ClassVar[dict[str, str | None]]
    required: ClassVar[frozenset[str]] = frozenset()
    has_post: ClassVar[bool] = False
    post_if: ClassVar[str] = "success()"

    def main(self, call: StubCall) -> None:
        raise NotImplementedError

    def post(self, call: StubCall) -> None:
        """Runs at the end of the job when main set call.wants_post."""


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


# --- actions/checkout -----------------------------------------------------------------------


class Checkout(Stub):
    """The workspace already is the checkout; what is checked is how it was asked for."""

    name = "actions/checkout"
    inputs: ClassVar[dict[str, str | None]] = {
        "repository": "${{ github.repository }}",
        "ref": "",
        "token": "${{ github.token }}",
        "ssh-key": "",
        "ssh-known-hosts": "",
        "ssh-strict": "true",
        "ssh-user": "git",
        "persist-credentials": "true",
        "path": "",
        "clean": "true",
        "filter": "",
        "sparse-checkout": "",
        "sparse-checkout-cone-mode": "true",
        "fetch-depth": "1",
        "fetch-tags": "false",
        "show-progress": "true",
        "lfs": "false",
        "submodules": "false",
        "set-safe-directory": "true",
        "github-server-url": "",
        "allow-unsafe-pr-checkout": "false",
    }

    def main(self, call: StubCall) -> None:
        self.refuse_fork_code(call)
        persist = call.flag("persist-credentials")
        call.recorded["persist-credentials"] = persist
        call.recorded["ref"] = call.inputs["ref"]
        call.recorded["fetch-depth"] = call.inputs["fetch-depth"]
        if persist:
            raise StubFailure(
                "harness policy: actions/checkout must be given `persist-credentials: false` "
                "(the default leaves the token in .git/config for every later step)"
            )
        call.outputs.update(
            ref=call.inputs["ref"] or call.github.get("ref", ""), commit=call.github.get("sha", "")
        )

    @staticmethod
    def refuse_fork_code(call: StubCall) -> None:
        """v7's guard: under pull_request_target or workflow_run (of a pull request), a
        checkout that names the fork's repository, a refs/pull/N ref or the pull request's
        head commit fails unless allow-unsafe-pr-checkout is true. The default checkout (this
        repository, no ref) is never refused."""
        repository, ref = call.inputs["repository"], call.inputs["ref"]
        if call.inputs["allow-unsafe-pr-checkout"].upper() == "TRUE":
            return
        if repository.lower() == str(call.github.get("repository", "")).lower() and not ref:
            return
        event, name = call.github.get("event") or {}, call.github.get("event_name")
        base_id = (event.get("repository") or {}).get("id")
        if name == "pull_request_target":
            pr = event.get("pull_request") or {}
            head_repo = (pr.get("head") or {}).get("repo") or {}
            shas = [(pr.get("head") or {}).get("sha"), pr.get("merge_commit_sha")]
        elif name == "workflow_run" and str(
            (event.get("workflow_run") or {}).get("event", "")
        ).startswith("pull_request"):
            run = event["workflow_run"]
            head_repo = run.get("head_repository") or {}
            shas = [(run.get("head_commit") or {}).get("id")]
            if run.get("event") != "pull_request_target":
                shas.append(run.get("head_sha"))
        else:
            return
        if (
            not isinstance(base_id, int)
            or not isinstance(head_repo.get("id"), int)
            or head_repo["id"] == base_id
        ):
            return
        shas = [str(sha).lower() for sha in shas if sha]
        if (
            repository.lower() == str(head_repo.get("full_name", "")).lower()
            or re.fullmatch(r"refs/pull/[0-9]+/(head|merge)", ref)
            or (re.fullmatch(r"[0-9a-fA-F]{40}", ref) and ref.lower() in shas)
        ):
            raise StubFailure(
                f"Refusing to check out fork pull request code from a '{name}' "
                "workflow (set 'allow-unsafe-pr-checkout: true' to opt in)"
            )


# --- actions/setup-python -------------------------------------------------------------------

_VERSION = re.compile(r"^(pypy|graalpy)?\d+(\.(\d+|x|\*))*(-dev|t|[abrc.\d-]*)?$")


class SetupPython(Stub):
    """Puts a venv of this machine's interpreter first on PATH, so `pip install` stays in it."""

    name = "actions/setup-python"
    inputs: ClassVar[dict[str, str | None]] = {
        "python-version": "",
        "python-version-file": "",
        "cache": "",
        "architecture": "",
        "check-latest": "false",
        "token": "${{ github.server_url == 'https://github.com' && github.token || '' }}",
        "cache-dependency-path": "",
        "update-environment": "true",
        "allow-prereleases": "false",
        "freethreaded": "false",
        "pip-version": "",
    }

    def main(self, call: StubCall) -> None:
        wanted = call.inputs["python-version"]
        version_file = call.inputs["python-version-file"]
        if not wanted and version_file:
            wanted = (call.workspace / version_file).read_text().strip().splitlines()[0]
        for line in _lines(wanted) or ["(none)"]:
            if not _VERSION.match(line):
                raise StubFailure(f"python-version {line!r} is not a version string")
        if call.inputs["cache"] not in ("", "pip", "pipenv", "poetry"):
            raise StubFailure(f"Caching for '{call.inputs['cache']}' is not supported")
        call.recorded["python-version"] = wanted
        venv = self._venv(call.state_dir)
        python = venv / "bin" / "python"
        actual = "{}.{}.{}".format(*sys.version_info[:3])
        if wanted and not any(
            actual.startswith(v.replace(".x", "").rstrip("*").rstrip(".")) for v in _lines(wanted)
        ):
            call.warning(
                f"harness: python-version {wanted} requested, {actual} is what this machine has"
            )
        if call.flag("update-environment"):
            call.paths.append(str(venv / "bin"))
            call.exported.update(
                pythonLocation=str(venv),
                Python_ROOT_DIR=str(venv),
                Python3_ROOT_DIR=str(venv),
                PKG_CONFIG_PATH=str(venv / "lib" / "pkgconfig"),
            )
        call.outputs.update(
            {"python-version": actual, "python-path": str(python), "cache-hit": "false"}
        )

    @staticmethod
    def _venv(state_dir: Path) -> Path:
        """One venv per interpreter, made once; it also sees the packages of the interpreter
        running the tests (even when that is itself a venv), and pip installs into it."""
        exe = os.path.realpath(sys.executable)
        key = hashlib.sha256(f"{exe}|{sys.prefix}|{sys.version}".encode()).hexdigest()[:16]
        venv = state_dir / "python" / key
        if not (venv / "bin" / "python").exists():
            subprocess.run(
                # no pip of its own: the one the tests run with is seen (below), and
                # ensurepip was most of a harness job's set-up (about 3 s)
                [
                    sys.executable,
                    "-m",
                    "venv",
                    "--system-site-packages",
                    "--without-pip",
                    str(venv),
                ],
                check=True,
                capture_output=True,
            )
            purelib = subprocess.run(
                [
                    str(venv / "bin" / "python"),
                    "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            if sys.prefix != sys.base_prefix:  # the tests run in a venv: make its packages seen
                import site

                Path(purelib, "_harness_parent.pth").write_text(
                    "\n".join(site.getsitepackages()) + "\n"
                )
        return venv


# --- actions/cache ----------------------------------------------------------------------------


def _cache_paths(call: StubCall) -> list[str]:
    return _lines(call.inputs["path"])


def _cache_version(paths: list[str], cross_os: str) -> str:
    """actions/cache only restores an entry saved with the same paths (and compression)."""
    return hashlib.sha256("|".join([*paths, "zstd", cross_os]).encode()).hexdigest()


def _cache_file(state_dir: Path, key: str) -> Path:
    return state_dir / "cache" / (quote(key, safe="") + ".tar")


def _resolve(patterns: list[str], workspace: Path, home: Path) -> list[Path]:
    """Expand `~` and globs; relative patterns are relative to the workspace."""
    found: list[Path] = []
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!")
        if pattern.startswith("~"):
            pattern = str(home) + pattern[1:]
        full = pattern if os.path.isabs(pattern) else str(workspace / pattern)
        hits = [Path(p) for p in sorted(glob.glob(full, recursive=True, include_hidden=True))]
        if negate:
            found = [p for p in found if not any(p == h or h in p.parents for h in hits)]
        else:
            found += [p for p in hits if p not in found]
    return found


class _CacheBase(Stub):
    def restore(self, call: StubCall) -> str | None:
        """Restore the exact key, else the newest entry whose key starts with the key, then
        with each restore-keys line in order (GitHub's documented matching); returns the key
        restored."""
        key = call.inputs["key"]
        version = _cache_version(_cache_paths(call), call.inputs["enableCrossOsArchive"])
        index = self._index(call.state_dir)
        candidates = [e for e in index if e["version"] == version]
        match = next((e for e in candidates if e["key"] == key), None)
        if match is None:
            for prefix in [key, *_lines(call.inputs.get("restore-keys", ""))]:
                hits = [e for e in candidates if e["key"].startswith(prefix)]
                if hits:
                    match = max(hits, key=lambda e: e["created"])
                    break
        if match is None:
            return None
        if call.flag("lookup-only"):
            return match["key"]
        # GNU tar, as actions/cache itself uses (and far faster than Python's tarfile),
        # from the workspace: the toolkit's extractTar (-P -C $GITHUB_WORKSPACE)
        archive = _cache_file(call.state_dir, match["key"])
        subprocess.run(["tar", "-xf", str(archive), "-P", "-C", str(call.workspace)], check=True)
        call.info(f"Cache restored from key: {match['key']}")
        return match["key"]

    def save(self, call: StubCall, key: str) -> None:
        paths = _resolve(_cache_paths(call), call.workspace, call.home())
        if not paths:
            call.warning(
                "Path Validation Error: Path(s) specified in the action for caching "
                "do(es) not exist, hence no cache is being saved."
            )
            return
        target = _cache_file(call.state_dir, key)
        if target.exists():
            call.warning(
                f"Failed to save: Unable to reserve cache with key {key}, another job "
                "may be creating this cache."
            )
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        # each path relative to the workspace, `..` and all, as the toolkit's createTar
        # writes them: an entry restores to the same place relative to the next job's
        # workspace (on GitHub, always the same folder)
        relative = [os.path.relpath(path, call.workspace) for path in paths]
        subprocess.run(
            ["tar", "-cf", str(partial), "-P", "-C", str(call.workspace), "--", *relative],
            check=True,
        )
        partial.rename(target)
        version = _cache_version(_cache_paths(call), call.inputs["enableCrossOsArchive"])
        index = self._index(call.state_dir)
        index.append({"key": key, "version": version, "created": time.time()})
        (call.state_dir / "cache" / "index.json").write_text(json.dumps(index, indent=1))
        call.info(f"Cache saved with key: {key}")
        call.recorded["saved"] = key

    @staticmethod
    def _index(state_dir: Path) -> list[dict[str, Any]]:
        path = state_dir / "cache" / "index.json"
        return json.loads(path.read_text()) if path.exists() else []


class Cache(_CacheBase):
    """Restore now, save in a post step (only when the job succeeded and the key missed)."""

    name = "actions/cache"
    inputs: ClassVar[dict[str, str | None]] = {
        "path": None,
        "key": None,
        "restore-keys": "",
        "upload-chunk-size": "",
        "enableCrossOsArchive": "false",
        "fail-on-cache-miss": "false",
        "lookup-only": "false",
        "save-always": "false",
    }
    required = frozenset({"path", "key"})
    has_post = True

    def main(self, call: StubCall) -> None:
        restored = self.restore(call)
        hit = restored == call.inputs["key"]
        call.outputs["cache-hit"] = "true" if hit else "false"
        call.recorded["restored"] = restored
        if restored is None and call.flag("fail-on-cache-miss"):
            raise StubFailure(
                "Failed to restore cache entry. Exiting as fail-on-cache-miss is "
                f"set. Input key: {call.inputs['key']}"
            )
        if restored is None:
            call.info(f"Cache not found for input keys: {call.inputs['key']}")
        call.state["hit"] = hit
        call.wants_post = True

    def post(self, call: StubCall) -> None:
        if call.state.get("hit"):
            call.info(
                f"Cache hit occurred on the primary key {call.inputs['key']}, not saving cache."
            )
            return
        if call.flag("lookup-only"):
            return
        self.save(call, call.inputs["key"])


class CacheRestore(_CacheBase):
    name = "actions/cache/restore"
    inputs: ClassVar[dict[str, str | None]] = {
        "path": None,
        "key": None,
        "restore-keys": "",
        "enableCrossOsArchive": "false",
        "fail-on-cache-miss": "false",
        "lookup-only": "false",
    }
    required = frozenset({"path", "key"})

    def main(self, call: StubCall) -> None:
        restored = self.restore(call)
        if restored is None and call.flag("fail-on-cache-miss"):
            raise StubFailure(
                "Failed to restore cache entry. Exiting as fail-on-cache-miss is "
                f"set. Input key: {call.inputs['key']}"
            )
        call.outputs.update(
            {
                "cache-hit": str(restored == call.inputs["key"]).lower(),
                "cache-primary-key": call.inputs["key"],
                "cache-matched-key": restored or "",
            }
        )


class CacheSave(_CacheBase):
    name = "actions/cache/save"
    inputs: ClassVar[dict[str, str | None]] = {
        "path": None,
        "key": None,
        "upload-chunk-size": "",
        "enableCrossOsArchive": "false",
    }
    required = frozenset({"path", "key"})

    def main(self, call: StubCall) -> None:
        self.save(call, call.inputs["key"])


# --- artifacts ---------------------------------------------------------------------------------


def _artifact_dir(state_dir: Path, run_id: str, name: str) -> Path:
    return state_dir / "artifacts" / str(run_id) / name


def _search_root(pattern: str, workspace: Path, home: Path) -> Path:
    if pattern.startswith("~"):
        pattern = str(home) + pattern[1:]
    full = Path(pattern) if os.path.isabs(pattern) else workspace / pattern
    literal: list[str] = []
    for part in full.parts:
        if any(c in part for c in "*?["):
            break
        literal.append(part)
    return Path(*literal)


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


class UploadArtifact(Stub):
    """v4 semantics: files kept relative to the common root of the paths, hidden files left
    out unless include-hidden-files, one immutable artifact per name in a run."""

    name = "actions/upload-artifact"
    inputs: ClassVar[dict[str, str | None]] = {
        "name": "artifact",
        "path": None,
        "if-no-files-found": "warn",
        "retention-days": "",
        "compression-level": "6",
        "overwrite": "false",
        "include-hidden-files": "false",
        "archive": "true",
    }
    required = frozenset({"path"})

    def main(self, call: StubCall) -> None:
        mode = call.inputs["if-no-files-found"]
        if mode not in ("warn", "error", "ignore"):
            raise StubFailure(
                f"Unrecognized if-no-files-found input. Provided: {mode}. "
                "Available options: warn, error, ignore"
            )
        include_hidden = call.flag("include-hidden-files")
        patterns = _lines(call.inputs["path"])
        includes = [p for p in patterns if not p.startswith("!")]
        excluded = _resolve(
            [p[1:] for p in patterns if p.startswith("!")], call.workspace, call.home()
        )
        # the search root of a pattern is its part before the first glob character
        searches = [
            (
                _search_root(p, call.workspace, call.home()),
                _resolve([p], call.workspace, call.home()),
            )
            for p in includes
        ]
        bases = [str(root if root.is_dir() else root.parent) for root, _ in searches]
        base = Path(os.path.commonpath(bases)) if bases else call.workspace
        files: dict[Path, Path] = {}
        for root, hits in searches:
            for hit in hits:
                candidates = (
                    [hit] if hit.is_file() else sorted(p for p in hit.rglob("*") if p.is_file())
                )
                for path in candidates:
                    if any(path == e or e in path.parents for e in excluded):
                        continue
                    if not include_hidden and _hidden(path.relative_to(root.parent)):
                        continue
                    files[path.relative_to(base)] = path
        name = call.inputs["name"]
        if not files:
            text = (
                f"No files were found with the provided path: {call.inputs['path']}. "
                "No artifacts will be uploaded."
            )
            if mode == "error":
                raise StubFailure(text)
            if mode == "warn":
                call.warning(text)
            else:
                call.info(text)
            return
        if not call.flag("archive"):  # v7: one file, uploaded as is, named after itself
            if len(files) != 1:
                raise StubFailure(
                    f"When 'archive' is false, exactly one file can be uploaded; found {len(files)}"
                )
            rel = next(iter(files))
            name, files = rel.name, {Path(rel.name): files[rel]}
        target = _artifact_dir(call.state_dir, call.run_id, name)
        if target.exists():
            if not call.flag("overwrite"):
                raise StubFailure(
                    "Failed to CreateArtifact: Received non-retryable error: "
                    "(409) Conflict: an artifact with this name already exists "
                    "on the workflow run"
                )
            shutil.rmtree(target)
        for rel, path in files.items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / rel)
        digest = hashlib.sha256()
        for rel in sorted(files):
            digest.update(str(rel).encode() + b"\0" + (target / rel).read_bytes())
        call.recorded["files"] = sorted(str(r) for r in files)
        artifact_id = str(int(digest.hexdigest()[:8], 16))
        call.outputs.update(
            {
                "artifact-id": artifact_id,
                "artifact-url": f"{call.github.get('server_url', '')}/"
                f"{call.github.get('repository', '')}/actions/runs/"
                f"{call.run_id}/artifacts/{artifact_id}",
                "artifact-digest": digest.hexdigest(),
            }
        )


class DownloadArtifact(Stub):
    """By name into `path`; all artifacts into path/<name>/; another run's with run-id, which
    (as in v4) is only honoured together with github-token."""

    name = "actions/download-artifact"
    inputs: ClassVar[dict[str, str | None]] = {
        "name": "",
        "artifact-ids": "",
        "path": "",
        "pattern": "",
        "merge-multiple": "false",
        "github-token": "",
        "repository": "${{ github.repository }}",
        "run-id": "${{ github.run_id }}",
        "skip-decompress": "false",
        "digest-mismatch": "error",
    }

    def main(self, call: StubCall) -> None:
        if call.inputs["digest-mismatch"] not in ("ignore", "info", "warn", "error"):
            raise StubFailure(
                f"digest-mismatch must be ignore, info, warn or error, not "
                f"{call.inputs['digest-mismatch']!r}"
            )
        run_id = call.run_id
        if call.inputs["github-token"]:
            run_id = call.inputs["run-id"]
            call.recorded["cross-run"] = run_id
        dest = Path(call.inputs["path"] or call.workspace)
        if call.inputs["path"].startswith("~"):
            dest = Path(str(call.home()) + call.inputs["path"][1:])
        if not dest.is_absolute():
            dest = call.workspace / dest
        stored = call.state_dir / "artifacts" / str(run_id)
        name = call.inputs["name"]
        if name:
            source = stored / name
            if not source.is_dir():
                raise StubFailure(
                    f"Unable to download artifact(s): Artifact not found for "
                    f"name: {name}\n        Please ensure that your artifact is "
                    "not expired and the artifact was uploaded using a compatible "
                    "version of toolkit/upload-artifact."
                )
            shutil.copytree(source, dest, dirs_exist_ok=True)
            chosen = [name]
        else:
            names = sorted(p.name for p in stored.iterdir()) if stored.is_dir() else []
            pattern = call.inputs["pattern"]
            if pattern:
                import fnmatch

                names = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
            merge = call.flag("merge-multiple")
            for each in names:
                shutil.copytree(stored / each, dest if merge else dest / each, dirs_exist_ok=True)
            chosen = names
        call.recorded["artifacts"] = chosen
        call.outputs["download-path"] = str(dest)


DEFAULT_STUBS: dict[str, Stub] = {
    stub.name: stub
    for stub in (
        Checkout(),
        SetupPython(),
        Cache(),
        CacheRestore(),
        CacheSave(),
        UploadArtifact(),
        DownloadArtifact(),
    )
}
