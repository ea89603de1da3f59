"""Runs on disk: `.mlgate/runs/<run id>/` holds run.json, report.md and the logs.

Run ids start with the second the run started; runs of the same second are ordered by
when each finished (`oldest_first`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from mlgate import atomic, git, words
from mlgate.errors import UserError
from mlgate.result import document, strict
from mlgate.result.records import RunResult

RUNS = Path(".mlgate") / "runs"
STATE = RUNS.parts[0]  # mlgate's own folder, which git ignores
RESULT_FILE = "run.json"
REPORT_FILE = "report.md"
RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")  # as schema.json's run_id


def new_run_id(now: dt.datetime) -> str:
    """`20261123T031500Z-3f9a1c`: sortable by time, unique without coordination."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def run_dir(root: Path, run_id: str) -> Path:
    """The run's folder, created with a .gitignore so that runs never dirty a checkout."""
    if not RUN_ID.fullmatch(run_id):  # a run id names a folder: never a path of its own
        raise UserError(f"{run_id[:80]!r} is not a run id (such as 20261123T031500Z-3f9a1c)")
    runs = root / RUNS
    folder = runs / run_id
    try:
        if not (runs / ".gitignore").exists():
            atomic.write_text(runs / ".gitignore", "# written by mlgate: runs stay local\n*\n")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only checkout, or a file named .mlgate: was a traceback
        raise UserError(
            f"cannot make the run's folder {folder}: {exc.strerror or exc}",
            hint="run where the project can be written (a writable copy, or -C pointing at "
            f"one), and make sure {root / RUNS.parts[0]} is a folder or absent",
        ) from exc
    return folder


def save(root: Path, result: RunResult, report: str, folder: Path | None = None) -> Path:
    """Write the run's report and its result, atomically together, in `folder` (default:
    the run's own under `root`); return run.json's path."""
    text = document.dumps(result)
    size = len(text.encode("utf-8"))  # as readers count it: names and labels may not be ASCII
    kept = result.evaluate.predictions
    decoded = document.too_many_decoded(kept) if kept is not None else ""
    if size > document.MAX_BYTES or decoded:  # every reader would refuse it: say so now
        rows = f" ({words.count(kept.rows, 'test row')} kept row by row)" if kept else ""
        said = decoded or f"{size:,} bytes, over the {document.MAX_BYTES:,}"
        raise UserError(
            f"the run result would be {said} every reader of it takes{rows}",
            hint="score the model on a sample of the test rows (a smaller data.test)",
        )
    folder = folder or run_dir(root, result.run_id)
    target = folder / RESULT_FILE
    # both or neither (a full disk left a report saying passed beside no result, and a
    # run compared again a new report beside its old result); the result first, which
    # the report is rendered from
    atomic.write_all([(target, text.encode()), (folder / REPORT_FILE, report.encode())])
    return target


def latest(root: Path) -> Path | None:
    """run.json of the newest run that finished writing its result, if any."""
    finished = listed(root)
    return finished[-1] if finished else None


def listed(root: Path) -> list[Path]:
    """The run.json of each run here, oldest first, but those git tracks: runs a commit
    put there rather than this machine's. `.mlgate/` is ignored by git, but `git add -f`
    commits a run anyway, and a folder named for a later second than any run made here
    was the latest: `mlgate comment` after `mlgate run --no-post` posted its figures."""
    runs = root / RUNS
    if not runs.is_dir():
        return []
    found = oldest_first(runs.glob(f"*/{RESULT_FILE}"))
    if not found:
        return []
    listed = git.tracked(root, STATE)
    return [
        p
        for p in found
        if not git.on_the_way(PurePosixPath(p.relative_to(root).as_posix()), listed)
    ]


def oldest_first(results: Iterable[Path]) -> list[Path]:
    """Runs' run.json files by the second each run started (its id's stamp), then by when
    it finished writing: two runs in the same second (a sweep's gated run just after its
    configurations, a script calling `mlgate run` twice) would otherwise be ordered by
    their ids' random suffixes."""

    def age(path: Path) -> tuple[str, int]:
        try:
            written = path.stat().st_mtime_ns
        except OSError:  # removed meanwhile: sorts first, as if oldest
            written = 0
        return path.parent.name.partition("-")[0], written

    return sorted(results, key=age)


def find(root: Path, given: str) -> Path:
    """The run.json `--run` names: a run.json, a run's folder, a run id, or the start of one
    that only one run has."""
    path = Path(given)
    if path.is_file():
        return path
    if (path / RESULT_FILE).is_file():
        return path / RESULT_FILE
    runs = root / RUNS
    if "/" not in given and (runs / given / RESULT_FILE).is_file():
        return runs / given / RESULT_FILE
    ids = [p.parent.name for p in oldest_first(runs.glob(f"*/{RESULT_FILE}"))]
    starting = [i for i in ids if given and "/" not in given and i.startswith(given)]
    if len(starting) == 1:
        return runs / starting[0] / RESULT_FILE
    if starting:
        raise UserError(
            f"'{given}' starts {words.count(len(starting), 'run id')}: "
            + words.first(starting[:5], len(starting)),
            hint="give more of the run id",
        )
    folders = [path] if path.is_dir() and path.parent.name == RUNS.name else []
    folders += [runs / given] if given and "/" not in given else []
    unfinished = next((f for f in folders if f.is_dir()), None)
    if unfinished is not None:
        # a run stopped before it wrote its result (killed, a full disk): said as that,
        # not as no run at all beside the folder the user can see
        raise UserError(
            f"run '{given}' did not finish: {unfinished} has no {RESULT_FILE} (the run was "
            "stopped before it ended, or could not write it)",
            hint="run again (`mlgate run`); the folder can be removed",
        )
    said = f"; the latest is {ids[-1]}" if ids else "; there are no runs yet"
    raise UserError(
        f"no run '{given}'{said}",
        hint=f"give a run id (a folder of {RUNS.as_posix()}/), a run's folder or its run.json",
    )


def read_latest(root: Path) -> RunResult:
    """The newest finished run; a clear error when there is none yet."""
    return read(latest_or_said(root))


def latest_or_said(root: Path) -> Path:
    """run.json of the newest finished run; a clear error when there is none yet."""
    path = latest(root)
    if path is None:
        raise UserError("no run to use: `mlgate run` first, or pass --run PATH/run.json")
    return path


def history(
    root: Path,
    name: str,
    metrics: list[str],
    *,
    limit: int = 20,
    current: RunResult | None = None,
    minimum: int = 2,
) -> dict[str, list[tuple[str, float | None]]]:
    """Each metric over this model's recent local runs (oldest first), labelled by commit;
    None where a run that was scored has no value of it (undefined on its rows).
    A sweep's gated winner is measured on its held-out rows alone, so it is no point on a
    line of runs measured on every test row, and has no such line of its own."""
    if current is not None and current.sweep is not None:
        return {}
    runs = listed(root)
    if current is not None:  # an older run's report: the runs before it, not those since
        stamp = current.run_id.partition("-")[0]
        runs = [p for p in runs if p.parent.name.partition("-")[0] <= stamp]
    runs = runs[-limit:]
    found = []
    for path in runs:
        try:
            found.append(read(path))
        except UserError:  # a run written by an older mlgate, or torn: not history
            continue
    if current is not None:
        found = [*[r for r in found if r.run_id != current.run_id][-(limit - 1) :], current]
    points: dict[str, list[tuple[str, float | None]]] = {m: [] for m in metrics}
    for run in found:
        if run.name != name or run.sweep is not None or run.evaluate.status != "passed":
            continue
        label = (run.git.commit or "")[:7] or run.run_id[:15]
        for metric in metrics:  # None: undefined on that run (the chart says so)
            points[metric].append((label, run.evaluate.metrics.get(metric)))
    return {m: p for m, p in points.items() if sum(v is not None for _, v in p) >= minimum}


def newest_with_model(root: Path, sha256: str) -> RunResult | None:
    """The newest finished run whose trained model has this sha256 (the one that wrote
    the file, or the latest to write the same bytes); None when no run did. A run.json
    that cannot be read (an older mlgate's, torn) is passed over."""
    for path in reversed(listed(root)):
        try:  # most runs' files do not hold the hash at all: not read whole
            if sha256.encode() not in path.read_bytes():
                continue
            run = read(path)
        except (OSError, UserError):
            continue
        model = run.train.model
        if run.train.status == "passed" and model is not None and model.sha256 == sha256:
            return run
    return None


def read(path: Path) -> RunResult:
    data = strict.read(path, limit=document.MAX_BYTES, what="run result")
    return document.loads(data, source=str(path))
