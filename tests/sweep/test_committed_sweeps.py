"""A sweep record or run a commit put under `.mlgate/sweeps/` is never a finished
configuration (audit V, finding 4): the key a record is filed under is predictable (the
project's digest leaves `.mlgate/` out), so a pull request swept once, swapped the two
records (the failing configuration's naming the passing one's run), and committed them
with `git add -f`. `mlgate sweep`, and the sweep workflow's matrix job in a fresh
checkout, "resumed" them, and collect named the losing configuration the winner, PASSED.
And collect checked an upload's commit only when its run.json named one: the forgery
set `"commit": null`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.ci import jobs
from mlgate.ci.plan import plan
from mlgate.result import runs
from mlgate.sweep import collect, local, space
from tests.conftest import git
from tests.sweep.test_ci import context
from tests.sweep.test_local import PICK_TRAINED, project

pytestmark = pytest.mark.e2e  # every configuration trains

GRID = (0.0001, 1.0)  # C=0.0001 underfits: accuracy 0.33, below the manifest's 0.8
SWEEP = f"sweep:\n  grid: {{train.C: {list(GRID)}}}\n  metric: accuracy\n"


def _forged(tmp_path: Path) -> Path:
    """The audit's forgery, committed: the project swept once, the two records (and their
    outcomes) swapped, each run's C swapped and its commit nulled, all `git add -f`-ed."""
    root = project(tmp_path / "origin", SWEEP, PICK_TRAINED, GRID)
    (root / ".gitignore").write_text("/.mlgate/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    loaded = manifests.load(root / "mlops.yaml")
    low, high = local.sweep(loaded, space.configurations(loaded.sweep), workers=2)
    assert (low.status, high.status) == ("failed", "passed")
    sweeps = root / local.SWEEPS
    said = {f.key: json.loads((sweeps / f"{f.key}.json").read_text()) for f in (low, high)}
    for mine, theirs in ((low, high), (high, low)):
        swapped = {**said[theirs.key], "id": mine.configuration.id}
        for name in (f"{mine.key}.json", f"{mine.key}.outcome.json"):
            (sweeps / name).write_text(json.dumps(swapped))
    for f in (low, high):
        doc = json.loads((root / f.run).read_text())
        doc["params"]["train.C"] = GRID[0] if doc["params"]["train.C"] == GRID[1] else GRID[1]
        doc["git"]["commit"] = None  # no commit: collect then checked none
        (root / f.run).write_text(json.dumps(doc))
    committed = [p for p in sweeps.rglob("*") if p.is_file() and p.name.endswith(".json")]
    committed += [p for p in sweeps.glob("*/.mlgate/runs/*/*") if p.is_file()]
    git(root, "add", "-f", *(str(p.relative_to(root)) for p in committed))
    git(root, "commit", "-q", "-m", "add sweep notes")
    return root


def test_committed_records_are_run_again_and_the_sweep_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _forged(tmp_path)
    capsys.readouterr()
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    low, high = local.sweep(loaded, made, workers=2)
    assert (low.resumed, high.resumed) == (False, False)
    assert (low.status, high.status) == ("failed", "passed")  # what each one really scores
    for f, c in ((low, GRID[0]), (high, GRID[1])):
        result = runs.read(root / f.run)
        assert result.params["train.C"] == c
        assert result.git.commit == git(root, "rev-parse", "HEAD")
    [line] = [ln for ln in capsys.readouterr().err.splitlines() if "git tracks" in ln]
    assert line.startswith("mlgate: sweep: 2 committed records not read as finished ")
    assert f"git tracks {local.SWEEPS.as_posix()}/" in line
    assert line.endswith("they run again")
    # staged alone (the index), one record is refused as well, and named
    git(root, "rm", "-q", "--cached", "-r", ".mlgate")
    git(root, "commit", "-q", "-m", "untrack")
    git(root, "add", "-f", f"{local.SWEEPS.as_posix()}/{low.key}.json")
    again = local.sweep(loaded, made, workers=2)
    assert [f.resumed for f in again] == [False, True]
    said = capsys.readouterr().err
    assert (
        f"mlgate: sweep: {local.SWEEPS.as_posix()}/{low.key}.json was not read as a finished "
        "configuration: git tracks it" in said
    )
    assert said.rstrip().endswith(f"so it runs again: {low.configuration.id} train.C=0.0001")


def test_the_sweep_workflow_in_a_fresh_checkout_names_the_real_winner(tmp_path: Path) -> None:
    """The audit's end to end: the matrix job in a fresh clone, its upload, and collect."""
    origin = _forged(tmp_path)
    checkout = tmp_path / "job"
    git(tmp_path, "clone", "-q", str(origin), str(checkout))
    ctx = context(tmp_path, "job")
    made = manifests.load(checkout / "mlops.yaml")
    done = jobs.execute(plan(ctx, "sweep"), jobs.Job(ctx=ctx, load=lambda: made))
    assert [line.rsplit(": ", 1)[1] for line in done.lines[-2:]] == ["failed", "passed"]
    head = git(checkout, "rev-parse", "HEAD")
    sweeps = checkout / local.SWEEPS
    here = tmp_path / "collect"
    git(tmp_path, "clone", "-q", str(origin), str(here))
    artifact = here / "mlgate-sweep" / "mlgate-sweep-0"  # as upload/download-artifact leave it
    artifact.mkdir(parents=True)
    for record in sweeps.glob("*.json"):
        if record.name.count(".") == 1:
            shutil.copy(record, artifact)
    for folder in sweeps.glob("*/.mlgate/runs"):
        shutil.copytree(folder, artifact / folder.relative_to(sweeps))
    for run in artifact.rglob("run.json"):  # each made at the checkout's commit
        assert runs.read(run).git.commit == head
    ctx = context(tmp_path, "collect")
    loaded = manifests.load(here / "mlops.yaml")
    collected = jobs.execute(
        plan(ctx, "sweep-collect"),
        jobs.Job(ctx=ctx, load=lambda: loaded, artifact=Path("mlgate-sweep")),
    )
    gated = collected.result
    assert gated is not None and gated.sweep is not None
    by_id = {c.id: c for c in gated.sweep.configurations}
    assert dict(by_id[gated.sweep.winner].params) == {"train.C": 1.0}
    low = next(c for c in gated.sweep.configurations if c.params["train.C"] == GRID[0])
    assert low.status == "failed"


def test_collect_refuses_a_run_that_records_no_commit_in_a_checkout_that_has_one(
    tmp_path: Path,
) -> None:
    root = project(tmp_path / "origin", SWEEP, PICK_TRAINED, GRID)
    (root / ".gitignore").write_text("/.mlgate/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    low, high = local.sweep(loaded, made, workers=2)
    folder = root / "mlgate-sweep"
    for f in (low, high):
        run = folder / f.key / os.path.relpath(root / f.run, root / local.SWEEPS / f.key)
        shutil.copytree((root / f.run).parent, run.parent)
        record = {"id": f.configuration.id, "run": run.relative_to(folder).as_posix()}
        (folder / f"{f.key}.json").write_text(json.dumps(record))
    assert [f.status for f in collect.collected(folder, loaded, made)] == ["failed", "passed"]
    run = folder / high.key / os.path.relpath(root / high.run, root / local.SWEEPS / high.key)
    doc = json.loads(run.read_text())
    doc["git"]["commit"] = None
    run.write_text(json.dumps(doc))
    found = collect.collected(folder, loaded, made)
    assert found[1].status == "missing"
    head = git(root, "rev-parse", "HEAD")[:12]
    assert f"its run records no commit, and this checkout is at {head}" in found[1].message
    assert f"{high.key}.json: " in found[1].message
