"""A sweep on this machine: each configuration an ordinary run, in a copy of the project of
its own (so users' scripts that read params.yaml or write the model where they like never
meet each other), in worker processes of a standard pool.

Each configuration has a worker process of its own (at most `workers` at once), so one
killed from outside is reported killed and the others go on: a sweep never hangs on one.
A configuration whose project, params and values hash to a finished run is not run again.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import atomic, fork_server, proc
from mlgate.errors import Interrupted
from mlgate.manifest.spec import Manifest
from mlgate.sweep.copies import Tree, fingerprint_of, key_of, run_copy
from mlgate.sweep.space import Configuration

if TYPE_CHECKING:
    from mlgate.result.records import RunResult

SWEEPS = Path(".mlgate") / "sweeps"


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
    tail: tuple[str, ...] = ()  # a failed command's last lines (error, killed)
    log: str = ""  # that command's whole output, relative to the project

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


class Stopped(Interrupted):
    """A sweep interrupted (Ctrl-C, SIGTERM) once its workers and their trainings were
    stopped: `stopped`, the configurations they were running, which left no run (a
    resumed sweep runs them again)."""

    def __init__(self, stopped: tuple[Configuration, ...]) -> None:
        super().__init__("")
        self.stopped = stopped


def sweep(
    manifest: Manifest,
    configurations: Sequence[Configuration],
    *,
    workers: int,
    on_done: Callable[[Finished], None] | None = None,
    tree: Tree | None = None,
) -> list[Finished]:
    """Every configuration run (or found finished), in the order given; `tree`: what the
    project hashed to when the search began (Optuna's batches), else hashed now."""
    context = _context()  # the fork server imports while the project is hashed
    tree = tree or fingerprint_of(manifest)
    found, todo = resumed(manifest.root, tree.digest, configurations, on_done)
    _all(manifest, context, tree, todo, workers, found, on_done)
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
    committed = Committed(root)
    for c in configurations:
        done = _finished(root, c, key_of(base, c), committed)
        if done is None:
            todo.append(c)
        else:
            found[c.id] = done
            if on_done:
                on_done(done)
    if committed.refused:
        import sys

        from mlgate.report.inert import one_line

        print(one_line(f"mlgate: sweep: {committed.said()}"), file=sys.stderr)
    return found, todo


class Committed:
    """The sweep's files git tracks (HEAD's tree or the index), asked of git once, and
    only when a record is there: a record a commit put under `.mlgate/sweeps/` is not a
    run this machine made. Its key is predictable (the project's digest leaves `.mlgate/`
    out), so a pull request could commit (`git add -f`) records that name a losing
    configuration's run as the winner's, and the sweep, and the matrix job that collect
    believes, took them as finished (audit V, finding 4)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.listed: frozenset[str] | None = None
        self.refused: list[tuple[str, Configuration]] = []  # (the file, its configuration)

    def of(self, files: Iterable[str]) -> str:
        """The first of `files` (relative to the root) git tracks, itself or a folder on
        its way (a committed link `.mlgate -> elsewhere`), "" when none is."""
        from pathlib import PurePosixPath

        from mlgate import git
        from mlgate.result import runs

        if self.listed is None:
            self.listed = git.tracked(self.root, runs.STATE)
        return next((f for f in files if git.on_the_way(PurePosixPath(f), self.listed)), "")

    def said(self) -> str:
        """One line: the committed files, and that their configurations run again."""
        from mlgate import words

        files = [file for file, _ in self.refused]
        if len(files) == 1:
            c = self.refused[0][1]
            return (
                f"{files[0]} was not read as a finished configuration: git tracks it, and a "
                "record or run a commit put there is not one this machine made, so it runs "
                f"again: {c.id} {c.label()}"
            )
        return (
            f"{words.count(len(files), 'committed record')} not read as finished "
            f"configurations (git tracks {words.first(files[:3], len(files))}): a record or "
            "run a commit put there is not one this machine made; they run again"
        )


def _all(
    manifest: Manifest,
    context: Any,
    tree: Tree,
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
    with proc.Interrupts() as stops:
        try:
            while queue or running:
                while queue and len(running) < max(1, workers):
                    _start(manifest, context, tree, queue.pop(0), workers, running, stops)
                for sentinel in wait(list(running)):
                    process, c, key = running[sentinel]
                    process.join()
                    _reaped(manifest.root, process, key)
                    del running[sentinel]
                    found[c.id] = done = _outcome(manifest.root, c, key, process.exitcode)
                    if on_done:
                        on_done(done)
        except BaseException as exc:  # a stop: no worker, and no training, outlives it
            stops.held = True  # a second (`timeout` sends two) waits until all are stopped
            _stop(manifest.root, running.values())
            if not isinstance(exc, KeyboardInterrupt):
                raise
            stopped = []
            committed = Committed(manifest.root)
            for _, c, key in running.values():
                kept = _finished(manifest.root, c, key, committed)
                if kept is None:
                    stopped.append(c)
                    continue
                found[c.id] = kept = replace(kept, resumed=False)  # it finished as it stopped
                if on_done:
                    on_done(kept)
            raise Stopped(tuple(stopped)) from exc


def _start(
    manifest: Manifest,
    context: Any,
    tree: Tree,
    c: Configuration,
    workers: int,
    running: dict[Any, tuple[Any, Configuration, str]],
    stops: proc.Interrupts,
) -> None:
    """`c`'s worker started, and known in `running` before a stop is raised: one landing
    in start() (the first waits on the fork server's imports, a second or so) left that
    worker, and its training, running after the sweep had stopped."""
    key = key_of(tree.digest, c)
    (manifest.root / SWEEPS / f"{key}.outcome.json").unlink(missing_ok=True)
    process = context.Process(
        target=_child,
        args=(
            str(manifest.path),
            c.id,
            dict(c.params),
            key,
            tree,
            _threads(workers),
            dict(os.environ),
            os.getpid(),
        ),
        daemon=True,
    )
    with stops.holding():
        process.start()
        running[process.sentinel] = (process, c, key)


def _stop(
    root: Path, running: Iterable[tuple[Any, Configuration, str]], grace_s: float = 10.0
) -> None:
    """Each worker asked to stop (SIGTERM: it stops its training's process group, then
    exits), then killed if it has not within `grace_s`, and its training with it."""
    import time

    stopping = list(running)
    for process, _, _ in stopping:
        process.terminate()
    deadline = time.monotonic() + grace_s
    for process, _, key in stopping:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            process.kill()
            process.join()
        _reaped(root, process, key)


def _reaped(root: Path, process: Any, key: str) -> None:
    """A worker that ended: the training it did not live to stop (it was killed outright,
    by a person, the OOM killer or `_stop`), stopped. It ran on orphaned and past its
    timeout, writing into the folder the next sweep starts over in."""
    proc.end_recorded(root / SWEEPS / f"{key}.pgid", process.pid)


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
    tree: Tree,
    threads: int,
    environ: dict[str, str],
    sweep: int,
) -> None:
    """A worker process: one configuration, its outcome written where the sweep reads it.
    It runs in the sweep's environment as it is now (the fork server's is as it was when
    it started), and ends with the sweep (process `sweep`). Its numerical libraries, and
    its user commands' (unless the user set them), use `threads` threads."""
    import signal

    # the process its model is scored from, forked first, while this worker is one thread
    # (limiting the libraries' threads starts some, and so does the watch on the sweep)
    fork_server.prepare(setup=functools.partial(share_cores, threads))
    signal.signal(signal.SIGTERM, _terminated)  # stop the training too, not only this worker
    signal.signal(signal.SIGINT, _left_to_the_sweep)
    _stop_with_the_sweep(sweep)
    root = Path(manifest_path).parent
    proc.record_groups(root / SWEEPS / f"{key}.pgid")  # for the sweep, should this die outright
    os.environ.clear()
    os.environ.update(environ)
    share_cores(threads)
    with _held(root / SWEEPS / f"{key}.lock"):
        try:
            said = _one(manifest_path, cid, params, key, tree)
        except Exception as exc:
            said = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
        atomic.write_text(root / SWEEPS / f"{key}.outcome.json", json.dumps({"id": cid, **said}))


def _stop_with_the_sweep(sweep: int) -> None:
    """This worker ends with the sweep (process `sweep`), however it ended: one killed
    outright left its workers and trainings running to the end. Its fork server is no
    help: every worker holds it alive."""
    from mlgate import lifeline

    lifeline.end_with(sweep, "mlgate-sweep-watch")


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


def _left_to_the_sweep(number: int, frame: object) -> None:
    """Ctrl-C in a worker (the terminal sends it to the whole foreground group): nothing
    here. The sweep gets it too, and stops each worker with SIGTERM, which stops its
    training; raised here, each busy worker printed a KeyboardInterrupt's traceback. A
    handler, not SIG_IGN, which the training would inherit."""


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


def _one(
    manifest_path: str, cid: str, params: dict[str, Any], key: str, tree: Tree
) -> dict[str, Any]:
    """In a worker: the configuration run in its copy (which must hold what the sweep
    hashed, `tree`), kept where a resumed sweep looks."""
    from mlgate.errors import MlgateError
    from mlgate.result import runs

    source = Path(manifest_path)
    root = source.parent
    work = root / SWEEPS / key
    try:
        copied, result = run_copy(source, work, params, tree)
    except MlgateError as exc:
        return {"status": "error", "message": str(exc)}
    run = runs.run_dir(work, result.run_id) / runs.RESULT_FILE
    return keep(root, key, cid, record_of(copied, result, os.path.relpath(run, root)))


def record_of(manifest: Manifest, result: RunResult, run: str) -> dict[str, Any]:
    """What a sweep records of a configuration's run (`run`: its run.json, relative)."""
    status, message = outcome_of(result, shell=manifest.train.command.shell is not None)
    said: dict[str, Any] = {
        "status": status,
        "run": run,
        "metrics": dict(result.evaluate.metrics),
        "message": message,
    }
    failed = _failed_command(result) if status in ("error", "killed") else None
    if failed is not None:  # what `mlgate run` shows of it, and where the rest is
        tail, log = failed
        said["tail"] = list(tail[-10:])
        if run:  # a Ray task's run is written where the sweep wants it, later
            said["log"] = str(Path(run).parent / log)
    return said


def _failed_command(result: RunResult) -> tuple[tuple[str, ...], str] | None:
    """The last lines of the user command that failed (data.prepare's, the training's),
    and its log's name in the run's folder: "exited with code 1" alone, on every line,
    hid a `ModuleNotFoundError` in each log."""
    for outcome, log in ((result.data.prepare, "prepare.log"), (result.train.outcome, "train.log")):
        if outcome is not None and outcome.status != "passed" and outcome.log_tail:
            return outcome.log_tail, log
    return None


def outcome_of(result: RunResult, *, shell: bool) -> tuple[str, str]:
    """A run's verdict (passed, failed) when it trained and scored a model; otherwise
    `killed` (its training ended by a signal: the OOM killer's choice is the training
    process, not the worker) or `error`. Neither is finished: a resumed sweep runs it
    again, and the sweep does not pass. `shell`: the training ran through /bin/sh."""
    from mlgate import commands

    trained, outcome = result.train, result.train.outcome
    if trained.status in ("failed", "error"):
        if outcome is not None and outcome.timed_out:  # its SIGTERM was its timeout's
            return "error", f"training: {outcome.message} (train.timeout)"
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
        tail=tuple(map(str, tail)) if isinstance(tail := said.get("tail"), list) else (),
        log=str(said.get("log", "")),
    )


def _finished(root: Path, c: Configuration, key: str, committed: Committed) -> Finished | None:
    """A run this key already finished (a resumed sweep), if its run is still there and
    neither it nor its record is committed (`committed` keeps which were)."""
    from mlgate.errors import UserError
    from mlgate.result import runs

    record = SWEEPS / f"{key}.json"
    said = _read(root / record)
    if said is None or not (root / str(said.get("run", ""))).is_file():
        return None
    if said.get("status") not in ("passed", "failed"):  # it did not finish: run it again
        return None
    outcome = SWEEPS / f"{key}.outcome.json"
    run = Path(str(said["run"])).as_posix()
    tracked = committed.of([record.as_posix(), outcome.as_posix(), run])
    if tracked:
        committed.refused.append((tracked, c))
        return None
    try:  # one this mlgate cannot read (a newer one's, or changed since) would go unranked
        runs.read(root / str(said["run"]))
    except UserError:
        return None
    return from_record(c, key, said, resumed=True)
