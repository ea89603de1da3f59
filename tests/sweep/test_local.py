"""A sweep on this machine, for real: each configuration an ordinary run in a copy of the
project of its own, in parallel worker processes; a finished configuration is not run
again; a worker killed from outside is reported killed and the others are collected."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest

from mlgate import __version__
from mlgate import manifest as manifests
from mlgate.cli.main import main
from mlgate.manifest.spec import Manifest
from mlgate.result import runs
from mlgate.sweep import collect, copies, gating, local, ranking, space
from tests import projects

pytestmark = pytest.mark.e2e  # every configuration trains

# "training" that copies the model `trained_ahead` fitted for the configuration's C: for
# the tests of where configurations run and how they are ranked, which training each one
# for real (1.9 s of CPU apiece, most of it importing scikit-learn) would only slow
PICK_TRAINED = (
    "import os, shutil, yaml\n"
    "C = yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C']\n"
    "shutil.copy(f'trained/{C}.joblib', os.environ['MLGATE_MODEL'])\n"
)


# a training script that kills its worker when C is 0.5, the way the OOM killer or a
# person would: from outside the sweep. The worker is its ancestor forked by the sweep's
# fork server, the test's own child.
TRAIN_OR_DIE = (
    "import os, time, yaml\n"
    "def parent(pid):\n"
    "    return int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
    "if yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C'] == 0.5:\n"
    "    pid = os.getpid()\n"
    "    while parent(parent(pid)) != int(os.environ['SWEEP_TEST_PID']):\n"
    "        pid = parent(pid)\n"
    "    os.kill(pid, 9); time.sleep(3)\n" + PICK_TRAINED
)


def project(
    tmp_path: Path,
    sweep: str,
    train: str = projects.TRAIN_CLASSIFIER,
    trained_ahead: tuple[float, ...] = (),
) -> Path:
    """The iris project with `sweep`; with `trained_ahead`, a model fitted here for each of
    those values of C, as TRAIN_CLASSIFIER would fit it (`train` then picks it)."""
    files = projects.iris_files(Path(), train=train)
    files["mlops.yaml"] = projects.IRIS_MANIFEST + sweep
    root = projects.write(tmp_path / "iris", files)
    if trained_ahead:
        import joblib
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        frame = pd.read_csv(root / "data" / "train.csv")
        (root / "trained").mkdir()
        for c in trained_ahead:
            model = LogisticRegression(C=c, max_iter=500)
            model.fit(frame.drop(columns=["species"]), frame["species"])
            joblib.dump(model, root / "trained" / f"{c}.joblib")
    return root


def test_each_configuration_is_its_own_run_and_a_finished_one_is_not_run_again(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.01, 1.0]}\n")
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    started = time.monotonic()
    finished = local.sweep(loaded, made, workers=2)
    assert [f.status for f in finished] == ["passed", "passed"]
    for f, c in zip(finished, (0.01, 1.0), strict=True):
        result = runs.read(root / f.run)
        assert result.params["train.C"] == c  # its own values, in its own copy
        assert (
            f.metrics is not None and f.metrics["accuracy"] == result.evaluate.metrics["accuracy"]
        )
    assert (root / "params.yaml").read_text() == "train:\n  C: 1.0\n"  # the project's untouched
    assert finished[0].metrics["accuracy"] < finished[1].metrics["accuracy"]  # C=0.01 underfits
    first = time.monotonic() - started
    started = time.monotonic()
    again = local.sweep(loaded, made, workers=2)
    assert [f.resumed for f in again] == [True, True]
    assert [f.run for f in again] == [f.run for f in finished]
    assert time.monotonic() - started < first / 2
    (root / "models").mkdir(exist_ok=True)
    (root / "models" / "model.joblib").write_bytes(b"a `mlgate run` wrote the project's model")
    after_a_run = local.sweep(loaded, made, workers=2)  # what a run writes is no input
    assert [f.resumed for f in after_a_run] == [True, True]
    newer = json.loads((root / finished[0].run).read_text())  # as a later release writes it
    newer |= {"mlgate_version": "99.0.0", "later": "a field this mlgate does not know"}
    (root / finished[0].run).write_text(json.dumps(newer))
    unread = local.sweep(loaded, made, workers=2)  # it would go unranked: run it again
    assert [f.resumed for f in unread] == [False, True]
    assert runs.read(root / unread[0].run).mlgate_version == __version__
    (root / "data" / "train.csv").write_text((root / "data" / "train.csv").read_text() + "\n")
    changed = local.sweep(loaded, made[:1], workers=1)  # other data: another key, run again
    assert not changed[0].resumed and changed[0].run != finished[0].run


def test_data_outside_the_project_is_read_where_it_is_and_its_changes_run_again(
    tmp_path: Path,
) -> None:
    """`../common/train.csv` was looked for beside the copy (every configuration an
    error), and a changed `/abs/test.csv` was "not run again": the fingerprint held the
    project's files alone."""
    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.5, 1.0]}\n", PICK_TRAINED, (0.5, 1.0))
    shared = tmp_path / "common"
    shared.mkdir()
    for name in ("train.csv", "test.csv"):
        (root / "data" / name).rename(shared / name)
    text = (root / "mlops.yaml").read_text()
    text = text.replace("train: data/train.csv", "train: ../common/train.csv")
    text = text.replace("test: data/test.csv", f"test: {shared / 'test.csv'}")
    (root / "mlops.yaml").write_text(text)
    loaded = manifests.load(root / "mlops.yaml")
    assert copies.outside(loaded) == [shared / "train.csv", shared / "test.csv"]
    made = space.configurations(loaded.sweep)
    finished = local.sweep(loaded, made, workers=2)
    assert [f.status for f in finished] == ["passed", "passed"], [f.message for f in finished]
    again = local.sweep(loaded, made, workers=2)
    assert [f.resumed for f in again] == [True, True]
    test = shared / "test.csv"
    test.write_text("\n".join(test.read_text().splitlines()[:-5]) + "\n")  # five rows fewer
    changed = local.sweep(loaded, made, workers=2)
    assert [f.resumed for f in changed] == [False, False]
    from mlgate.result import arrays

    def scored(f: local.Finished) -> int:
        kept = runs.read(root / f.run).evaluate.predictions
        assert kept is not None
        return int(arrays.decode(kept.row_keys).size)

    assert scored(changed[0]) == scored(finished[0]) - 5
    # the winner is gated on its copy's data: files outside the project where they are
    # (`../common/train.csv` was looked for at .mlgate/sweeps/common/train.csv)
    from mlgate.sweep import gating

    inside = Path(".mlgate/sweeps/k")
    assert copies.in_copy(root, "data/x.csv", inside) == ".mlgate/sweeps/k/data/x.csv"
    assert copies.in_copy(root, "../common/train.csv", inside) == str(shared / "train.csv")
    gated = gating.decide(loaded, changed, root).gated
    assert gated is not None and gated.evaluate.status == "passed", gated.summary


def test_a_killed_worker_is_reported_and_the_rest_are_collected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setenv("SWEEP_TEST_PID", str(os.getpid()))
    grid = (0.1, 0.5, 1.0)
    root = project(tmp_path, f"sweep:\n  grid: {{train.C: {list(grid)}}}\n", TRAIN_OR_DIE, grid)
    loaded = manifests.load(root / "mlops.yaml")
    finished = local.sweep(loaded, space.configurations(loaded.sweep), workers=2)
    assert [f.status for f in finished] == ["passed", "killed", "passed"]
    assert finished[1].message == "its worker process was killed (SIGKILL) before it finished"
    ranked = ranking.rank(root, finished, "accuracy", 0.5)
    assert ranked.winner is not None and ranked.winner.finished.status == "passed"
    assert ranked.ranked[-1].finished.status == "killed" and ranked.ranked[-1].choosing is None


# exits 1 when C is 0.5; kills itself, as the OOM killer would kill it, when C is 1.0
TRAIN_CRASHES = (
    "import os, signal, sys, yaml\n"
    "C = yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C']\n"
    "if C == 0.5:\n    sys.exit('out of luck')\n"
    "if C == 1.0:\n    os.kill(os.getpid(), signal.SIGKILL)\n" + PICK_TRAINED
)


def test_a_training_that_crashes_or_is_killed_did_not_finish_and_runs_again(
    tmp_path: Path,
) -> None:
    """Its run exists (a failed training is a run), but it has no model: `error` or
    `killed`, never `failed` (a model that failed its checks), and never resumed."""
    grid = (0.1, 0.5, 1.0)
    root = project(tmp_path, f"sweep:\n  grid: {{train.C: {list(grid)}}}\n", TRAIN_CRASHES, grid)
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    finished = local.sweep(loaded, made, workers=2)
    assert [f.status for f in finished] == ["passed", "error", "killed"]
    assert finished[1].message == "training: `python train.py` exited with code 1"
    assert finished[2].message == "its training `python train.py` was killed (SIGKILL)"
    assert all(runs.read(root / f.run).train.status != "passed" for f in finished[1:])
    decided = gating.decide(loaded, finished, root)
    assert not decided.complete and not decided.passed  # the command exits 1
    again = local.sweep(loaded, made, workers=2)
    assert [f.resumed for f in again] == [True, False, False]
    assert [f.status for f in again] == ["passed", "error", "killed"]


# writes its process id where the test finds it, then trains for a minute
TRAIN_SLOWLY = (
    "import os, time, yaml\n"
    "C = yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C']\n"
    "open(os.path.join(os.environ['SWEEP_TEST_PIDS'], f'{C}.pid'), 'w').write(str(os.getpid()))\n"
    "time.sleep(60)\n"
)


def _written_pids(folder: Path) -> list[int]:
    """The process ids the trainings wrote so far: a file is there a moment before its
    number is (the script opens it, then writes), and an empty one was read as ''."""
    return [int(text) for p in folder.glob("*.pid") if (text := p.read_text().strip())]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", ["SIGTERM to mlgate", "Ctrl-C", "timeout"])
def test_a_stopped_sweep_leaves_no_training_running(tmp_path: Path, how: str) -> None:
    """Each training runs in a process group of its own, which Ctrl-C does not reach: a
    sweep stopped (a runner cancelling the job sends SIGTERM; a person presses Ctrl-C;
    `timeout` and systemd send SIGTERM to mlgate, then to its group, so each worker is
    stopped twice) stops its workers and their trainings, and says it was interrupted."""
    import os
    import signal
    import subprocess
    import sys

    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.1, 0.5]}\n", TRAIN_SLOWLY)
    pids = tmp_path / "pids"
    pids.mkdir()
    sweep = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "-C", str(root), "sweep", "--workers", "2"],
        env={**os.environ, "SWEEP_TEST_PIDS": str(pids)},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's foreground group, as a shell would make it
    )
    try:
        deadline = time.monotonic() + 60
        while len(_written_pids(pids)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        trainings = _written_pids(pids)
        assert len(trainings) == 2 and all(alive(t) for t in trainings)
        workers = [w for server in _children(sweep.pid) for w in _children(server)]
        if how == "Ctrl-C":
            os.killpg(sweep.pid, signal.SIGINT)
        else:
            sweep.send_signal(signal.SIGTERM)
        if how == "timeout":
            os.killpg(sweep.pid, signal.SIGTERM)
        _, err = sweep.communicate(timeout=30)
        assert sweep.returncode == 130, err
        assert "mlgate: interrupted" in err
        assert "Traceback" not in err  # each busy worker printed its KeyboardInterrupt's
        deadline = time.monotonic() + 5  # a worker ends a moment after the sweep's exit
        while any(alive(p) for p in (*trainings, *workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in (*trainings, *workers) if alive(p)]
    finally:  # nothing left behind, whatever went wrong
        with contextlib.suppress(ProcessLookupError):
            os.killpg(sweep.pid, signal.SIGKILL)  # its fork server and workers
        _kill_groups(_written_pids(pids))
        sweep.wait()


STOPPED_TWICE = """\
import os, signal, sys
from mlgate.cli import main
code = main(sys.argv[2:], own_process=sys.argv[1] == "own")
os.kill(os.getpid(), signal.SIGTERM)  # the group's copy, landing after the command unwound
print("exit", code, flush=True)
"""


@pytest.mark.parametrize("own_process", [True, False])
def test_a_second_stop_after_the_first_does_not_kill_the_command(
    tmp_path: Path, own_process: bool
) -> None:
    """`timeout` and systemd signal mlgate, then its group: the second SIGTERM may land
    after the command has unwound from the first. The installed command holds it off to
    its exit (130, "interrupted"); a call from a test's own process gets its handler
    back, so there the late signal does what it did before."""
    import os
    import signal
    import subprocess
    import sys

    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.1]}\n", TRAIN_SLOWLY)
    pids = tmp_path / "pids"
    pids.mkdir()
    how = "own" if own_process else "shared"
    command = subprocess.Popen(
        [sys.executable, "-c", STOPPED_TWICE, how, "-C", str(root), "sweep", "--workers", "1"],
        env={**os.environ, "SWEEP_TEST_PIDS": str(pids)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _written_pids(pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _written_pids(pids)
        command.send_signal(signal.SIGTERM)
        out, err = command.communicate(timeout=30)
        assert "mlgate: interrupted" in err
        if own_process:
            assert (command.returncode, out) == (0, "exit 130\n"), err
        else:
            assert (command.returncode, out) == (-signal.SIGTERM, ""), err
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(command.pid, signal.SIGKILL)
        _kill_groups(_written_pids(pids))
        command.wait()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _sweep_process(root: Path, pids: Path):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "mlgate", "-C", str(root), "sweep", "--workers", "2"],
        env={**os.environ, "SWEEP_TEST_PIDS": str(pids)},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_sweep_stopped_while_its_first_workers_start_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    """SIGTERM while start() waited on the fork server's imports (the sweep's first second
    or so): the worker being started was not yet known, and it and its training ran on
    after mlgate had said "interrupted"."""
    import signal

    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.1, 0.5]}\n", TRAIN_SLOWLY)
    pids = tmp_path / "pids"
    pids.mkdir()
    sweep = _sweep_process(root, pids)
    deadline = time.monotonic() + 30
    servers: list[int] = []
    while not servers and time.monotonic() < deadline:  # the fork server, just started
        servers = _children(sweep.pid)
        time.sleep(0.02)
    time.sleep(0.3)  # the project hashed in milliseconds: start() waits on the imports
    assert servers and not list(pids.glob("*.pid"))
    sweep.send_signal(signal.SIGTERM)
    _, err = sweep.communicate(timeout=30)
    assert sweep.returncode == 130, err
    time.sleep(4)  # a training left behind would have started and written its pid by now
    left = [int(p.read_text()) for p in pids.glob("*.pid")]
    assert not [t for t in left if alive(t)], left
    assert not [w for server in servers for w in _children(server)]


def test_a_sweep_killed_outright_takes_its_workers_and_trainings_with_it(
    tmp_path: Path,
) -> None:
    """SIGKILL (the OOM killer's, a runner's shutdown) cannot be caught: the workers see
    their fork server end with it, and stop their trainings; they ran on to the end, and
    wrote into the copies a resumed sweep had started over."""
    import os
    import signal

    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.1, 0.5]}\n", TRAIN_SLOWLY)
    pids = tmp_path / "pids"
    pids.mkdir()
    sweep = _sweep_process(root, pids)
    deadline = time.monotonic() + 60
    while len(_written_pids(pids)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    trainings = _written_pids(pids)
    assert len(trainings) == 2 and all(alive(t) for t in trainings)
    os.kill(sweep.pid, signal.SIGKILL)
    sweep.wait(timeout=30)  # its stderr stays open while anything it started runs
    deadline = time.monotonic() + 20
    while any(alive(t) for t in trainings) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [t for t in trainings if alive(t)]


# writes its process id where the test finds it, kills its worker as a person or the OOM
# killer would (from outside: the worker is the ancestor the sweep's fork server forked,
# the fork server the test's child), then trains for a minute
TRAIN_KILLING_ITS_WORKER = (
    "import os, time\n"
    "def parent(pid):\n"
    "    return int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
    "pids = os.environ['SWEEP_TEST_PIDS']\n"
    "open(os.path.join(pids, 'training.pid'), 'w').write(str(os.getpid()))\n"
    "pid = os.getpid()\n"
    "while parent(parent(pid)) != int(os.environ['SWEEP_TEST_PID']):\n"
    "    pid = parent(pid)\n"
    "time.sleep(0.2)\n"
    "os.kill(pid, 9)\n"
    "time.sleep(60)\n"
)


def test_a_worker_killed_outright_takes_its_training_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its training runs in a session of its own, which only the worker stopped: it ran on
    orphaned, past its timeout, writing into the folder the next sweep starts over in."""
    import os

    pids = tmp_path / "pids"
    pids.mkdir()
    monkeypatch.setenv("SWEEP_TEST_PID", str(os.getpid()))
    monkeypatch.setenv("SWEEP_TEST_PIDS", str(pids))
    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.5]}\n", TRAIN_KILLING_ITS_WORKER)
    loaded = manifests.load(root / "mlops.yaml")
    try:
        (finished,) = local.sweep(loaded, space.configurations(loaded.sweep), workers=1)
        assert finished.message == "its worker process was killed (SIGKILL) before it finished"
        training = int((pids / "training.pid").read_text())
        deadline = time.monotonic() + 5
        while alive(training) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(training)
        assert not list((root / local.SWEEPS).glob("*.pgid"))  # its record went with it
    finally:  # nothing left behind, whatever went wrong
        _kill_groups(_written_pids(pids))


def _kill_groups(pids: list[int]) -> None:
    """SIGKILL to the process group of each of `pids` that is still running."""
    import os
    import signal

    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            group = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
            if group > 1:
                os.killpg(group, signal.SIGKILL)


def test_the_command_ranks_on_some_rows_and_gives_the_winners_figure_on_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = "sweep:\n  grid: {train.C: [0.01, 1.0]}\n  metric: accuracy\n"
    root = project(tmp_path, sweep, PICK_TRAINED, (0.01, 1.0))
    assert main(["sweep", "-C", str(root), "--workers", "2", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (
        said["metric"] == "accuracy" and said["rows"]["choosing"] + said["rows"]["held_out"] == 30
    )
    winner = said["winner"]
    assert winner["params"] == {"train.C": 1.0}
    # recomputed by hand from the winner's own run: the held-out rows are the row keys
    # at or past the split, the choosing rows the others
    import numpy as np

    from mlgate.result import arrays

    kept = runs.read(root / winner["run"]).evaluate.predictions
    keys = arrays.decode(kept.row_keys).astype(np.uint64)
    held = (keys % np.uint64(ranking.SPLIT)) < np.uint64(ranking.SPLIT // 2)
    right = arrays.decode(kept.y_true) == arrays.decode(kept.y_pred)
    assert winner["held_out"] == pytest.approx(right[held].mean())
    assert winner["choosing"] == pytest.approx(right[~held].mean())
    assert main(["sweep", "plan", "-C", str(root)]) == 0
    plan = json.loads(capsys.readouterr().out)
    made = space.configurations(manifests.load(root / "mlops.yaml").sweep)
    assert [j["configurations"] for j in plan["include"]] == [c.id for c in made]


def test_a_matrix_of_jobs_collected_ranks_as_the_local_pool_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each job a fresh checkout running its own ids (`--only`), its `.mlgate/sweeps/`
    uploaded as an artifact of its own; the collect job downloads them all under one
    folder (as actions/download-artifact does: a folder an artifact) and ranks them."""
    import shutil

    grid = (0.01, 0.3, 1.0)
    sweep = f"sweep:\n  grid: {{train.C: {list(grid)}}}\n  metric: accuracy\n"
    here = project(tmp_path / "here", sweep, PICK_TRAINED, grid)
    assert main(["sweep", "-C", str(here), "--json", "--workers", "2"]) == 0
    pooled = json.loads(capsys.readouterr().out)
    assert main(["sweep", "plan", "-C", str(here)]) == 0
    jobs = json.loads(capsys.readouterr().out)["include"]
    downloaded = tmp_path / "downloaded"
    for n, job in enumerate(jobs):
        checkout = project(tmp_path / f"job{n}", sweep, PICK_TRAINED, grid)
        assert main(["sweep", "-C", str(checkout), "--only", job["configurations"]]) == 0
        # a job's part has no winner: none gated as a run of the project (one was, and
        # became the last run `mlgate report` and `comment` read), nothing ranked
        assert not (checkout / ".mlgate" / "runs").exists()
        assert "nothing ranked, no winner gated" in capsys.readouterr().err
        sweeps = checkout / ".mlgate" / "sweeps"
        artifact = downloaded / f"mlgate-sweep-{n}"
        for record in sweeps.glob("*.json"):
            if record.name.count(".") == 1:
                (artifact / record.name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(record, artifact / record.name)
        for folder in sweeps.glob("*/.mlgate/runs"):
            shutil.copytree(folder, artifact / folder.relative_to(sweeps))
    assert main(["sweep", "collect", str(downloaded), "-C", str(here), "--json"]) == 0
    collected = json.loads(capsys.readouterr().out)
    order = [c["id"] for c in collected["configurations"]]
    assert order == [c["id"] for c in pooled["configurations"]]
    assert collected["winner"]["id"] == pooled["winner"]["id"]
    assert collected["winner"]["held_out"] == pooled["winner"]["held_out"]
    shutil.rmtree(downloaded / "mlgate-sweep-1")  # a job that failed to upload
    assert main(["sweep", "collect", str(downloaded), "-C", str(here), "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert [c["status"] for c in said["configurations"]].count("missing") == 1


def two_swept(
    tmp_path: Path, params: str | None = None
) -> tuple[Path, Manifest, list[space.Configuration], list[local.Finished]]:
    """A sweep of two values of C run here, for what collect is then handed."""
    grid = (0.1, 1.0)
    root = project(tmp_path, f"sweep:\n  grid: {{train.C: {list(grid)}}}\n", PICK_TRAINED, grid)
    if params is not None:
        (root / "params.yaml").write_text(params)
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    return root, loaded, made, local.sweep(loaded, made, workers=2)


def test_collect_trusts_no_upload_it_cannot_check(tmp_path: Path) -> None:
    """An artifact is a pull request's output: a record that names a run outside the
    folder, or another configuration's run under its id, counts for nothing, and what a
    record claims (its status, its figures) is read from the run itself."""
    import shutil

    root, loaded, made, (first, second) = two_swept(tmp_path)
    folder = tmp_path / "downloaded"
    outside = tmp_path / "outside"
    shutil.copytree(root / Path(first.run).parent, outside)
    inside = folder / "job" / "other"
    shutil.copytree(root / Path(second.run).parent, inside)

    def upload(name: str, record: dict[str, object]) -> None:
        (folder / "job" / name).write_text(json.dumps(record))

    claim = {"id": first.configuration.id, "status": "passed", "metrics": {"accuracy": 1.0}}
    upload("a.json", {**claim, "run": "../../outside/run.json"})  # a run outside the folder
    upload("b.json", {**claim, "run": "other/run.json"})  # C=1.0's run as C=0.1's
    upload("c.json", {"id": second.configuration.id, "status": "failed", "run": "other/run.json"})
    found = collect.collected(folder, loaded, made)
    assert (found[0].status, found[0].run) == ("missing", "")
    kept = runs.read(inside / "run.json")
    assert (found[1].status, found[1].metrics) == (kept.verdict, dict(kept.evaluate.metrics))
    assert found[1].status == "passed"  # the run's own verdict, not the record's "failed"


def test_collect_survives_hostile_records_and_says_what_it_refused(tmp_path: Path) -> None:
    """A record nested 200,000 deep crashed collect with a traceback; a link to /dev/zero
    filled 24 GB; a FIFO hung it; two uploads of one configuration were settled by path
    order, the forged one winning; a refused run was called "did not upload"."""
    import os
    import shutil

    root, loaded, made, (first, second) = two_swept(tmp_path)
    folder = tmp_path / "downloaded"
    for n in (1, 2):  # the second configuration uploaded twice, by two jobs
        shutil.copytree(root / Path(second.run).parent, folder / f"job{n}" / "run")
        record = {"id": second.configuration.id, "run": "run/run.json"}
        (folder / f"job{n}" / "key.json").write_text(json.dumps(record))
    hostile = folder / "hostile"
    hostile.mkdir()
    (hostile / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (hostile / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(hostile / "fifo.json")
    bad = folder / "job3"
    shutil.copytree(root / Path(first.run).parent, bad / "run")
    doc = json.loads((bad / "run" / "run.json").read_text())
    doc["run_id"] = "../../x"  # refused by the run result's schema
    (bad / "run" / "run.json").write_text(json.dumps(doc))
    (bad / "key.json").write_text(json.dumps({"id": first.configuration.id, "run": "run/run.json"}))
    started = time.monotonic()
    found = collect.collected(folder, loaded, made)
    assert time.monotonic() - started < 30
    assert found[0].status == "missing"
    assert found[0].message.startswith(
        "no run of it under downloaded: its upload was refused (job3/key.json: "
    )
    assert "run_id" in found[0].message
    assert found[1].status == "error"
    assert found[1].message == (
        "2 runs of it were uploaded (job1/run/run.json, job2/run/run.json): which to rank "
        "cannot be told"
    )


def test_collect_refuses_a_run_of_another_manifest_or_of_other_fixed_values(
    tmp_path: Path,
) -> None:
    """A run whose value the sweep does not set (`prepare.seed: "<img …>"`) differed from
    the params file's, or whose manifest was another, was ranked as the configuration's."""
    import shutil

    root, loaded, made, (first, second) = two_swept(tmp_path, "train:\n  C: 1.0\n  seed: 7\n")
    folder = tmp_path / "downloaded"
    for n, (done, change) in enumerate(((first, "params"), (second, "manifest"))):
        job = folder / f"job{n}"
        shutil.copytree(root / Path(done.run).parent, job / "run")
        doc = json.loads((job / "run" / "run.json").read_text())
        if change == "params":
            doc["params"]["train.seed"] = "<img src=x>"
        else:
            doc["manifest"]["sha256"] = "0" * 64
        (job / "run" / "run.json").write_text(json.dumps(doc))
        record = {"id": done.configuration.id, "run": "run/run.json"}
        (job / "key.json").write_text(json.dumps(record))
    found = collect.collected(folder, loaded, made)
    assert [f.status for f in found] == ["missing", "missing"]
    assert found[0].message.endswith(
        "its run ran other values than the params file's where the sweep sets none (train.seed))"
    )
    assert found[1].message.endswith(
        "its run read another manifest than this one (plan, jobs and collect read one))"
    )
