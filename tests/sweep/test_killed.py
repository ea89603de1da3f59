"""The bar: 100 local sweeps with workers killed at random moments. None hangs, every
killed configuration is reported as such, and the rest are collected with their runs.

Each configuration's "training" copies a model trained once here, so that a sweep takes a
fraction of a second and the kills land all through its life: while a project is copied,
while it runs, while its outcome is written."""

from __future__ import annotations

import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.sweep import local, space
from tests import projects

pytestmark = pytest.mark.e2e  # a hundred sweeps

SWEEPS = 100


def children(pid: int | str = "self") -> list[int]:
    """A process's child processes, from /proc."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # it ended meanwhile
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return found


def workers() -> list[int]:
    """The sweep's workers: the children of its fork server, this process's child."""
    return [w for server in children() for w in children(server)]


def test_a_hundred_sweeps_with_workers_killed_at_random_moments(tmp_path: Path) -> None:
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    root = tmp_path / "iris"
    files = projects.iris_files(Path())
    copy = "cp ready.joblib models/model.joblib"
    # every stage a configuration's run has, each as light as it can be: the kills are
    # the point, and a hundred sweeps must fit in a test run. Two configurations, both
    # running at once on the two workers, so that a kill can land on either
    files["mlops.yaml"] = (
        "name: iris\n"
        "data: {train: data/train.csv, test: data/test.csv, target: species}\n"
        f"train: {{command: {copy}}}\n"
        "evaluate: {metrics: [accuracy]}\n"
        "sweep:\n  grid: {train.C: [0.1, 0.5]}\n"
    )
    projects.write(root, files)
    (root / "models").mkdir()
    frame = pd.read_csv(root / "data" / "train.csv")
    model = LogisticRegression(max_iter=500).fit(frame.drop(columns="species"), frame["species"])
    joblib.dump(model, root / "ready.joblib")
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    rng = random.Random(0)
    killed = landed = 0
    started = time.monotonic()
    for _ in range(SWEEPS):
        shutil.rmtree(root / ".mlgate", ignore_errors=True)  # every sweep runs everything
        sent: list[int] = []

        def kill_one(
            delay: float = rng.uniform(0.0, 0.3), pick: float = rng.random(), sent: list[int] = sent
        ) -> None:
            time.sleep(delay)
            running = workers()
            if running:
                victim = running[int(pick * len(running))]
                try:
                    os.kill(victim, signal.SIGKILL)
                    sent.append(victim)
                except ProcessLookupError:
                    pass

        killer = threading.Thread(target=kill_one)
        killer.start()
        finished = local.sweep(loaded, made, workers=2)
        killer.join()
        statuses = [f.status for f in finished]
        assert set(statuses) <= {"passed", "killed"}, [f.message for f in finished]
        assert statuses.count("killed") <= len(sent)  # only what was killed says so
        for f in finished:
            if f.status == "killed":
                assert f.message == "its worker process was killed (SIGKILL) before it finished"
            else:  # collected, with its run
                assert (root / f.run).is_file() and f.metrics is not None
        killed += statuses.count("killed")
        landed += len(sent)
    elapsed = time.monotonic() - started
    assert elapsed < 300  # none hung
    assert killed >= SWEEPS // 5, (killed, landed)  # the kills did land, mid-run, often
    print(f"{SWEEPS} sweeps in {elapsed:.0f} s: {landed} kills landed, {killed} reported killed")
