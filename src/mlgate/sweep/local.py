"""A sweep on this machine: each configuration an ordinary run, in a copy of the project of
its own (so users' scripts that read params.yaml or write the model where they like never
meet each other), in worker processes of a standard pool.

Each configuration has a worker process of its own (at most `workers` at once), so one
killed from outside is reported killed and the others go on: a sweep never hangs on one.
A configuration whose project, params and values hash to a finished run is not run again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import atomic, words
from mlgate.manifest.spec import Manifest
from mlgate.sweep.space import Configuration

if TYPE_CHECKING:
    from mlgate.result.records import RunResult

SWEEPS = Path(".mlgate") / "sweeps"
LEFT_OUT = (".git", ".mlgate", ".dvc/cache", "__pycache__")  # never copied into a configuration


@dataclass(frozen=True, kw_only=True)
class Finished:
    """One configuration's outcome: its run's verdict and figures, or why there is none."""

    configuration: Configuration
    status: str  # passed, failed, error, killed; collected: missing
    key: str  # what its project, params and values hash to
    run: str = ""  # its run.json, relative to the project
    metrics: Mapping[str, float | None] | None = None
    message: str = ""
    resumed: bool = False  # a finished run with the same key was found: not run again

    @property
    def ran(self) -> bool:
        """It has a run to rank (whether that run passed its checks or not)."""
        return bool(self.run) and self.status in ("passed", "failed")

    def document(self) -> dict[str, Any]:
        return {
            "id": self.configuration.id,
            "params": dict(self.configuration.params),
            "status": self.status,
            "run": self.run,
            "metrics": dict(self.metrics or {}),
            "message": self.message,
            "resumed": self.resumed,
        }


def sweep(
    manifest: Manifest,
    configurations: Sequence[Configuration],
    *,
    workers: int,
    on_done: Callable[[Finished], None] | None = None,
) -> list[Finished]:
    """Every configuration run (or found finished), in the order given."""
    context = _context()  # the fork server imports while the project is hashed
    base = fingerprint(manifest.root, manifest.outputs(), outside(manifest))
    found, todo = resumed(manifest.root, base, configurations, on_done)
    _all(manifest, context, base, todo, workers, found, on_done)
    return [found[c.id] for c in configurations]


def resumed(
    root: Path,
    base: str,
    configurations: Sequence[Configuration],
    on_done: Callable[[Finished], None] | None,
) -> tuple[dict[str, Finished], list[Configuration]]:
    """The configurations that finished before (by id), and those left to run."""
    found: dict[str, Finished] = {}
    todo = []
    for c in configurations:
        done = _finished(root, c, key_of(base, c))
        if done is None:
            todo.append(c)
        else:
            found[c.id] = done
            if on_done:
                on_done(done)
    return found, todo


def _all(
    manifest: Manifest,
    context: Any,
    base: str,
    todo: list[Configuration],
    workers: int,
    found: dict[str, Finished],
    on_done: Callable[[Finished], None] | None,
) -> None:
    """`todo` run `workers` at a time, each in a process of its own: one killed (by a
    person, the OOM killer, a runner shutting down) is that configuration's outcome
    alone, and the others go on."""
    from multiprocessing.connection import wait

    from mlgate.pipeline import warmup

    warmup.start()  # the ranking's imports, here, while the workers run (nothing forks here)
    queue = list(todo)
    running: dict[Any, tuple[Any, Configuration, str]] = {}
    try:
        while queue or running:
            while queue and len(running) < max(1, workers):
                c = queue.pop(0)
                key = key_of(base, c)
                (manifest.root / SWEEPS / f"{key}.outcome.json").unlink(missing_ok=True)
                process = context.Process(
                    target=_child,
                    args=(
                        str(manifest.path),
                        c.id,
                        dict(c.params),
                        key,
                        _threads(workers),
                        dict(os.environ),
                        os.getpid(),
                    ),
                    daemon=True,
                )
                with _signals_held():  # a stop during start() would miss this worker
                    process.start()
                    running[process.sentinel] = (process, c, key)
            for sentinel in wait(list(running)):
                process, c, key = running.pop(sentinel)
                process.join()
                done = _outcome(manifest.root, c, key, process.exitcode)
                found[c.id] = done
                if on_done:
                    on_done(done)
    except BaseException:  # an interrupt, a SIGTERM: no worker, and no training, outlives it
        _stop(process for process, _, _ in running.values())
        raise


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back while a worker starts, delivered once it is known: a
    signal landing in start() (the first waits on the fork server's imports, a second
    or so) left that worker, and its training, running after the sweep had stopped."""
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):  # Windows: nothing to hold
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _stop(processes: Iterable[Any], grace_s: float = 10.0) -> None:
    """Each worker asked to stop (SIGTERM: it stops its training's process group, then
    exits), then killed if it has not within `grace_s`."""
    import time

    stopping = list(processes)
    for process in stopping:
        process.terminate()
    deadline = time.monotonic() + grace_s
    for process in stopping:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            process.kill()
            process.join()


# what every run imports, and the manifest's validator, loaded once by the fork server
PRELOADED = ["mlgate.sweep.preload"]


def _context() -> Any:
    """Workers forked from a fork server, a process of one thread: forking the caller
    itself would copy whatever locks its other threads held at that moment (a pytest-xdist
    worker's, a web server's), and a child can hang on one. Where there is no fork server
    (Windows), workers are spawned. The server is started now, its imports under way
    (nothing waits for them until the first worker is asked for)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def _outcome(root: Path, c: Configuration, key: str, exit_code: int | None) -> Finished:
    said = _read(root / SWEEPS / f"{key}.outcome.json")
    if said is not None:  # written whole (atomically): the work finished, however it exited
        return from_record(c, key, said)
    if exit_code is not None and exit_code < 0:
        from mlgate import commands

        name = commands.signal_of(exit_code, shell=False)
        why = f"its worker process was killed ({name}) before it finished"
        return Finished(configuration=c, status="killed", key=key, message=why)
    return Finished(
        configuration=c,
        status="error",
        key=key,
        message=f"its worker process exited with code {exit_code} and no outcome",
    )


def _threads(workers: int) -> int:
    """Threads a configuration's numerical libraries may use: the cores shared out. More,
    and OpenBLAS's threads spin against each other's (measured: two workers used twice the
    CPU of one for the same runs)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _child(
    manifest_path: str,
    cid: str,
    params: dict[str, Any],
    key: str,
    threads: int,
    environ: dict[str, str],
    sweep: int,
) -> None:
    """A worker process: one configuration, its outcome written where the sweep reads it.
    It runs in the sweep's environment as it is now (the fork server's is as it was when
    it started), and ends with the sweep (process `sweep`). Its numerical libraries, and
    its user commands' (unless the user set them), use `threads` threads."""
    import signal

    signal.signal(signal.SIGTERM, _terminated)  # stop the training too, not only this worker
    _stop_with_the_sweep(sweep)
    os.environ.clear()
    os.environ.update(environ)
    share_cores(threads)
    root = Path(manifest_path).parent
    with _held(root / SWEEPS / f"{key}.lock"):
        try:
            said = _one(manifest_path, cid, params, key)
        except Exception as exc:
            said = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
        atomic.write_text(root / SWEEPS / f"{key}.outcome.json", json.dumps({"id": cid, **said}))


def _stop_with_the_sweep(sweep: int) -> None:
    """SIGTERM to this worker when the sweep (process `sweep`) ends, however it ended: one
    killed outright (SIGKILL, a runner's shutdown) left its workers and trainings running
    to the end, writing into the copies a resumed sweep had started over. Its fork server
    is no help: every worker holds it alive. A pidfd (Linux 5.3) turns readable when the
    process ends, and names that process only; elsewhere, nothing is watched."""
    import select
    import signal
    import threading

    try:
        watched = os.pidfd_open(sweep)
    except ProcessLookupError:  # it ended before this worker started
        raise SystemExit(128 + signal.SIGTERM) from None
    except (AttributeError, OSError):
        return

    def watch() -> None:
        select.select([watched], [], [])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="mlgate-sweep-watch", daemon=True).start()


@contextmanager
def _held(lock: Path) -> Iterator[None]:
    """The configuration's lock, for as long as its worker runs it: a resumed sweep's
    worker waits for one still stopping, instead of deleting its copy under it."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _terminated(number: int, frame: object) -> None:
    """SIGTERM in a worker: raised where it waits for its training, whose process group
    proc.stream then kills; by default the worker died alone and its training ran on."""
    raise SystemExit(128 + number)


def share_cores(threads: int) -> None:
    """This process's numerical libraries, and its user commands' (unless the user set
    them), use `threads` threads."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    (_FOUND or _libraries()).limit(limits=threads)


def find_libraries() -> None:
    """The fork server's numerical libraries found once (preload.py): a worker forked from
    it has the same, and finding them (a walk of every loaded library) took 18 ms a
    worker. Elsewhere (a Ray task) they are found at each call: a process may load more."""
    global _FOUND
    _FOUND = _libraries()


_FOUND: Any = None


def _libraries() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        said = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return said if isinstance(said, dict) else None


def _one(manifest_path: str, cid: str, params: dict[str, Any], key: str) -> dict[str, Any]:
    """In a worker: the configuration run in its copy, kept where a resumed sweep looks."""
    from mlgate.errors import MlgateError
    from mlgate.result import runs

    source = Path(manifest_path)
    root = source.parent
    work = root / SWEEPS / key
    try:
        copied, result = run_copy(source, work, params)
    except MlgateError as exc:
        return {"status": "error", "message": str(exc)}
    run = runs.run_dir(work, result.run_id) / runs.RESULT_FILE
    return keep(root, key, cid, record_of(copied, result, os.path.relpath(run, root)))


def run_copy(source: Path, work: Path, params: Mapping[str, Any]) -> tuple[Manifest, RunResult]:
    """The project of the manifest `source` copied to `work` (what LEFT_OUT names left
    out), the values written into the copy's params file, and the copy run."""
    from mlgate import manifest as manifests
    from mlgate import pipeline

    root = source.parent
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(root, work, ignore=_left_out(root), symlinks=True)
    # the files were looked for in the project (`sweep` loads its manifest): here, data it
    # names outside the project would be looked for beside the copy
    copy = work / source.name
    copied = manifests.parse(copy.read_bytes(), name=str(copy), root=work, path=copy, files=False)
    data = copied.data  # what lies outside the project is read where it is, not in the copy
    there = replace(
        data,
        train=_read_there(root, data.train),
        test=_read_there(root, data.test),
        reference=data.reference and _read_there(root, data.reference),
    )
    copied = replace(copied, data=there)
    _write_params(copied, params)
    return copied, pipeline.run(copied, compare=False)


DATA_ROLES = ("train", "test", "reference")


def outside(manifest: Manifest) -> list[Path]:
    """The data files the manifest names outside its project (`/data/train.csv`,
    `../common/test.csv`): a configuration's copy reads them where they are, and the
    sweep's fingerprint holds their content, or a changed file was "not run again"."""
    prepared = manifest.outputs()
    named = [getattr(manifest.data, role) for role in DATA_ROLES]
    found = [_outside(manifest.root, n) for n in named if n is not None and n not in prepared]
    return [f for f in found if f is not None]


def _read_there(root: Path, named: str) -> str:
    found = _outside(root, named)
    return named if found is None else str(found)


def _outside(root: Path, named: str) -> Path | None:
    if "://" in named:
        return None
    path = Path(os.path.normpath(root / named))
    return None if path.is_relative_to(os.path.normpath(root)) else path


def record_of(manifest: Manifest, result: RunResult, run: str) -> dict[str, Any]:
    """What a sweep records of a configuration's run (`run`: its run.json, relative)."""
    status, message = outcome_of(result, shell=manifest.train.command.shell is not None)
    return {
        "status": status,
        "run": run,
        "metrics": dict(result.evaluate.metrics),
        "message": message,
    }


def outcome_of(result: RunResult, *, shell: bool) -> tuple[str, str]:
    """A run's verdict (passed, failed) when it trained and scored a model; otherwise
    `killed` (its training ended by a signal: the OOM killer's choice is the training
    process, not the worker) or `error`. Neither is finished: a resumed sweep runs it
    again, and the sweep does not pass. `shell`: the training ran through /bin/sh."""
    from mlgate import commands

    trained, outcome = result.train, result.train.outcome
    if trained.status in ("failed", "error"):
        code = outcome.exit_code if outcome is not None else None
        signal = commands.signal_of(code, shell=shell)
        if outcome is not None and signal is not None:
            return "killed", f"its training `{outcome.command}` was killed ({signal})"
        failed = outcome is not None and outcome.status != "passed"
        said = outcome.message if outcome is not None and failed else trained.message
        return "error", f"training: {said or result.summary}"
    if result.evaluate.status == "error":
        return "error", f"evaluation: {result.evaluate.message or result.summary}"
    if result.evaluate.status not in ("passed", "failed"):  # no model scored: not finished
        return "error", result.summary  # (a failed data.prepare may pass when run again)
    return result.verdict, result.summary


def keep(root: Path, key: str, cid: str, record: dict[str, Any]) -> dict[str, Any]:
    """A finished configuration's record, where a resumed sweep finds it."""
    atomic.write_text(root / SWEEPS / f"{key}.json", json.dumps({"id": cid, **record}))
    return record


def from_record(
    c: Configuration, key: str, said: Mapping[str, Any], resumed: bool = False
) -> Finished:
    return Finished(
        configuration=c,
        status=str(said.get("status", "error")),
        key=key,
        run=str(said.get("run", "")),
        metrics=said.get("metrics"),
        message=str(said.get("message", "")),
        resumed=resumed,
    )


def _finished(root: Path, c: Configuration, key: str) -> Finished | None:
    """A run this key already finished (a resumed sweep), if its run is still there."""
    said = _read(root / SWEEPS / f"{key}.json")
    if said is None or not (root / str(said.get("run", ""))).is_file():
        return None
    if said.get("status") not in ("passed", "failed"):  # it did not finish: run it again
        return None
    return from_record(c, key, said, resumed=True)


def _write_params(manifest: Manifest, values: Mapping[str, Any]) -> None:
    """The configuration's values into the copy's params file, by path (`train.C`), in
    the file's own format: a JSON file written as YAML broke scripts that read it with
    `json.load`."""
    import yaml

    from mlgate.manifest.build import DEFAULT_PARAMS

    path = manifest.resolve(manifest.train.params or DEFAULT_PARAMS)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for dotted, value in values.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(_held_key(node, part), {})
        node[_held_key(node, last)] = value
    if path.suffix.lower() == ".json":
        atomic.write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        atomic.write_text(path, _yaml_1_2(data))


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}  # 1.2's, and 1.1's


def _yaml_1_2(data: Any) -> str:
    """PyYAML writes YAML 1.1, leaving "1e3" plain, which the params reader (YAML 1.2, as
    DVC reads it) took back as 1000.0: a text is quoted unless it is a plain word."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        plain = _PLAIN.fullmatch(value) is not None and value.lower() not in _WORDS
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain else '"')

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)


def _held_key(node: Mapping[Any, Any], part: str) -> Any:
    """The key `part` names as YAML read it (`1:` is the number 1): a new text key "1"
    beside it would leave the script reading the old value."""
    return next((key for key in node if str(key) == part), part)


def fingerprint(root: Path, outputs: Sequence[str] = (), outside: Sequence[Path] = ()) -> str:
    """The project as a configuration's copy would hold it: every file's path and content,
    but what a run writes (`outputs`: the model, prepared data), which each configuration
    writes afresh: a `mlgate run` between two sweeps would otherwise run every one again;
    and the data files it reads from `outside` the project."""
    digest = hashlib.sha256()
    for path in outside:
        digest.update(str(path).encode() + b"\0")
        if path.is_file():
            with path.open("rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())
    ignore = _left_out(root)
    written = {os.path.normpath(o) for o in outputs}
    for folder, dirs, names in os.walk(root):
        skipped = ignore(folder, dirs + names)
        skipped |= {n for n in names if os.path.relpath(Path(folder) / n, root) in written}
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        for name in sorted(n for n in names if n not in skipped):
            path = Path(folder) / name
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            with path.open("rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()


def key_of(base: str, c: Configuration) -> str:
    return hashlib.sha256(f"{base}\0{c.id}".encode()).hexdigest()[:16]


def _left_out(root: Path) -> Callable[[str, list[str]], set[str]]:
    """shutil.copytree's ignore: mlgate's own folder, git's, DVC's cache, bytecode."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).relative_to(root).as_posix()
        return {n for n in names if n in LEFT_OUT or f"{here}/{n}".removeprefix("./") in LEFT_OUT}

    return ignore


RECORD_BYTES = 1 << 20  # a record is an id, a status, a path, figures, a message


def collected(
    folder: Path, manifest: Manifest, configurations: Sequence[Configuration]
) -> list[Finished]:
    """The configurations' outcomes from the runs other machines made (a matrix's jobs,
    each uploading its `.mlgate/sweeps/`), found under `folder` by id; one no job reported
    is `missing`. Runs are named relative to `folder`. An upload is not trusted: a record
    counts only for a run inside `folder` that holds the configuration's own values, and
    its status, figures and message are read from that run; two such runs of one
    configuration are an `error` (which to rank cannot be told); a run of another
    manifest than `manifest`, or of other values than its params file's where the sweep
    sets none, is refused; and a record or run refused is said, with why."""
    from mlgate.manifest import params

    expected = _Expected(
        manifest=manifest.sha256,
        params=params.read(manifest.root, manifest.train.params),
        shell=manifest.train.command.shell is not None,
    )
    wanted = {c.id: c for c in configurations}
    accepted: dict[str, list[Finished]] = {}
    refused: dict[str, str] = {}
    unread: list[str] = []  # records refused before their id could be read
    for record in sorted(folder.rglob("*.json")):
        if record.name.count(".") != 1:  # KEY.json only: not KEY.outcome.json, not run.json
            continue
        said = _record(record)
        if isinstance(said, str):
            unread.append(f"{os.path.relpath(record, folder)}: {said}")
            continue
        c = wanted.get(str(said.get("id")))
        if c is None:
            continue
        run = record.parent / str(said.get("run", "")).removeprefix(f"{SWEEPS.as_posix()}/")
        done = _uploaded(folder, run, c, record.stem, expected)
        if isinstance(done, str):
            refused.setdefault(c.id, f"{os.path.relpath(record, folder)}: {done}")
        elif all(f.run != done.run for f in accepted.get(c.id, [])):
            accepted.setdefault(c.id, []).append(done)
    # which configuration an unread record was for cannot be told: each missing one says
    # how many there were, not the first alone as if it were its own
    said_unread = None
    if unread:
        said_unread = (
            unread[0]
            if len(unread) == 1
            else (f"{words.count(len(unread), 'record')} were refused unread, such as {unread[0]}")
        )
    return [
        _settled(c, accepted.get(c.id, []), refused.get(c.id), said_unread, folder)
        for c in configurations
    ]


def _settled(
    c: Configuration, runs_of: list[Finished], refusal: str | None, unread: str | None, folder: Path
) -> Finished:
    if len(runs_of) == 1:
        return runs_of[0]
    if runs_of:
        named = ", ".join(f.run for f in runs_of[:3])
        return Finished(
            configuration=c,
            status="error",
            key="",
            message=f"{words.count(len(runs_of), 'run')} of it were uploaded ({named}): "
            "which to rank cannot be told",
        )
    if refusal:
        why = f"its upload was refused ({refusal})"
    else:
        why = "its job failed or did not upload" + (
            f", or its record is one refused unread ({unread})" if unread else ""
        )
    return Finished(
        configuration=c,
        status="missing",
        key="",
        message=f"no run of it under {folder.name}: {why}",
    )


def _record(path: Path) -> dict[str, Any] | str:
    """An uploaded record, or why it is refused: a regular file (a link to /dev/zero never
    ended, a FIFO hung collect) of at most RECORD_BYTES of strict JSON."""
    from mlgate import files
    from mlgate.errors import UserError
    from mlgate.result import strict

    try:
        text = files.read_bytes(path, limit=RECORD_BYTES, name=path.name)
        said = strict.parse(text, limit=RECORD_BYTES, source=path.name, what="sweep record")
    except UserError as exc:
        return exc.message
    return said if isinstance(said, dict) else "not a JSON object"


@dataclass(frozen=True, kw_only=True)
class _Expected:
    """What every uploaded run must have run: the collect job's manifest and params."""

    manifest: str  # its sha256
    params: Mapping[str, Any]  # flattened
    shell: bool  # the training runs through /bin/sh (how a killed one says so)


def _uploaded(
    folder: Path, run: Path, c: Configuration, key: str, expected: _Expected
) -> Finished | str:
    """`c`'s outcome from its uploaded run, or why not: `run` is outside `folder`, is not
    a run, read another manifest, or ran other values (another configuration's run under
    this one's id, or values the sweep does not set changed)."""
    from mlgate.errors import MlgateError
    from mlgate.result import runs

    try:
        inside = run.resolve().is_relative_to(folder.resolve())
        regular = inside and run.is_file()
    except OSError:
        inside = regular = False
    if not inside:
        return "its run is outside the folder"
    if not regular:
        return "its run is not there"
    try:
        result = runs.read(run)
    except MlgateError as exc:
        return str(exc).replace(str(folder) + os.sep, "")
    if any(result.params.get(k, _ABSENT) != v for k, v in c.params.items()):
        return "its run ran other values than the configuration's"
    if result.manifest.sha256 != expected.manifest:
        return "its run read another manifest than this one (plan, jobs and collect read one)"
    fixed = {k: v for k, v in expected.params.items() if k not in c.params}
    ran = {k: v for k, v in result.params.items() if k not in c.params}
    if ran != fixed:
        changed = sorted(k for k in {*fixed, *ran} if fixed.get(k, _ABSENT) != ran.get(k, _ABSENT))
        return (
            "its run ran other values than the params file's where the sweep sets none "
            f"({words.clip(', '.join(changed), 120)})"
        )
    status, message = outcome_of(result, shell=expected.shell)
    return Finished(
        configuration=c,
        status=status,
        key=key,
        run=os.path.relpath(run, folder),
        metrics=dict(result.evaluate.metrics),
        message=message,
    )


_ABSENT = object()
