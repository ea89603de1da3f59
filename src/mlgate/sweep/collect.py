"""`sweep collect`: the configurations' outcomes from the runs a matrix's jobs uploaded,
each checked as far as it can be before it is believed."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import words
from mlgate.manifest.spec import Manifest
from mlgate.sweep.local import SWEEPS, Finished, outcome_of
from mlgate.sweep.space import Configuration

if TYPE_CHECKING:
    from mlgate.result.records import RunResult

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
    manifest than `manifest`, of another commit than the checkout's (or of none where it
    has one), or of other values
    than its params file's where the sweep sets none, is refused; and a record or run
    refused is said, with why."""
    from mlgate import git
    from mlgate.manifest import params

    expected = _Expected(
        manifest=manifest.sha256,
        params=params.read(manifest.root, manifest.train.params),
        shell=manifest.train.command.shell is not None,
        commit=git.resolve(manifest.root, "HEAD"),
    )
    wanted = {c.id: c for c in configurations}
    accepted: dict[str, list[Finished]] = {}
    refused: dict[str, list[str]] = {}  # every upload of a configuration refused, and why
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
            refused.setdefault(c.id, []).append(f"{os.path.relpath(record, folder)}: {done}")
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
        _settled(c, accepted.get(c.id, []), refused.get(c.id, []), said_unread, folder)
        for c in configurations
    ]


def _first(refusals: list[str]) -> str:
    """The first three refusals, and how many more."""
    more = f"; and {len(refusals) - 3} more" if len(refusals) > 3 else ""
    return "; ".join(refusals[:3]) + more


def _settled(
    c: Configuration, runs_of: list[Finished], refusals: list[str], unread: str | None, folder: Path
) -> Finished:
    if len(runs_of) == 1:
        if not refusals:
            return runs_of[0]
        besides = (
            "another upload of it was"
            if len(refusals) == 1
            else f"{len(refusals)} other uploads of it were"
        )
        return replace(  # ranked on the one that holds, the forged one said, not dropped
            runs_of[0],
            message=f"{runs_of[0].message}; {besides} refused ({_first(refusals)})",
        )
    if runs_of:
        named = ", ".join(f.run for f in runs_of[:3])
        return Finished(
            configuration=c,
            status="error",
            key="",
            message=f"{words.count(len(runs_of), 'run')} of it were uploaded ({named}): "
            "which to rank cannot be told",
        )
    if refusals:  # each said: an old upload's reason alone hid an edited one's
        many = "its upload was" if len(refusals) == 1 else f"its {len(refusals)} uploads were"
        why = f"{many} refused ({_first(refusals)})"
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
    commit: str | None  # the checkout's (None: not a git repository)


def _uploaded(
    folder: Path, run: Path, c: Configuration, key: str, expected: _Expected
) -> Finished | str:
    """`c`'s outcome from its uploaded run, or why not: `run` is outside `folder`, is not
    a run, read another manifest, or ran other values (another configuration's run under
    this one's id, or values the sweep does not set changed), or was made at another
    commit than the checkout's, or at none where the checkout has one."""
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
    made = result.git.commit
    if expected.commit and not made:  # no commit once skipped the check below (audit V)
        return (
            f"its run records no commit, and this checkout is at {expected.commit[:12]}: a "
            "matrix job's run, made in its checkout of that commit, records it (plan, jobs "
            "and collect check out one commit), so which code it ran cannot be told"
        )
    if expected.commit and made and made != expected.commit:
        return (  # another commit's code, though manifest and params are alike
            f"its run was made at commit {made[:12]}, and this checkout is at "
            f"{expected.commit[:12]} (plan, jobs and collect check out one commit)"
        )
    fixed = {k: v for k, v in expected.params.items() if k not in c.params}
    ran = {k: v for k, v in result.params.items() if k not in c.params}
    if ran != fixed:
        changed = sorted(k for k in {*fixed, *ran} if fixed.get(k, _ABSENT) != ran.get(k, _ABSENT))
        return (
            "its run ran other values than the params file's where the sweep sets none "
            f"({words.clip(', '.join(changed), 120)})"
        )
    contradicted = contradiction(result)
    if contradicted:
        return contradicted
    status, message = outcome_of(result, shell=expected.shell)
    if status in ("passed", "failed"):  # said by its checks, not by its `summary` field
        from mlgate.report import verdict

        message = verdict.decide(result)[1]
    return Finished(
        configuration=c,
        status=status,
        key=key,
        run=os.path.relpath(run, folder),
        metrics=dict(result.evaluate.metrics),
        message=message,
    )


def contradiction(result: RunResult) -> str:
    """Why a run's contents contradict each other ("" when they agree): a recorded metric
    that is not what its own predictions give (predictions edited to the labels, the
    figures left as they were: ranked first at 1.0), or a verdict that is not the one its
    own checks give (a failed run's `verdict` edited to "passed"). A run from another
    machine is believed no further than it can be checked."""
    import math

    from mlgate.report import verdict
    from mlgate.result import arrays
    from mlgate.sweep import gating

    evaluated, kept = result.evaluate, result.evaluate.predictions
    if kept is not None:
        scores = arrays.decode(kept.scores) if kept.scores is not None else None
        y_true, y_pred = arrays.decode(kept.y_true), arrays.decode(kept.y_pred)
        names = list(evaluated.metrics)
        again, _ = gating.metrics_on(evaluated, names, y_true, y_pred, scores)
        for name in names:
            said, found = evaluated.metrics[name], again.get(name)
            if said is None or found is None:  # not recomputable from the predictions
                continue
            if not math.isclose(said, found, rel_tol=1e-6, abs_tol=1e-9):
                return (
                    f"its recorded {name} is {said:.4g}, where its own predictions give "
                    f"{found:.4g}: run {result.run_id} was edited after mlgate wrote it"
                )
    by_hand = verdict.written_by_hand(result)
    if by_hand:
        return f"its verdict is not the one its own checks give: {by_hand}"
    return ""


_ABSENT = object()
