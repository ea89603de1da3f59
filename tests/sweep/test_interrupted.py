"""A sweep stopped (SIGTERM as a runner sends on a cancelled job, Ctrl-C) says what it
leaves, in its progress lines' terms: how many configurations finished, which its workers
were running when it stopped, how many had not started, and that `mlgate sweep` again
resumes from the finished ones; then "interrupted", exit 130. It said only
"mlgate: interrupted", and a user had to read `.mlgate/sweeps/*.json` to know."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.sweep import copies, local, space
from tests.sweep.test_local import PICK_TRAINED, _kill_groups, _written_pids, alive, project

pytestmark = pytest.mark.e2e

# the configuration whose C the test names hangs (and says its process id); every other
# copies the model fitted ahead for its C, so it finishes in a moment
HANG_OR_PICK = (
    "import os, time, yaml\n"
    "C = yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C']\n"
    "if str(C) == os.environ['SWEEP_TEST_HANG']:\n"
    "    pids = os.environ['SWEEP_TEST_PIDS']\n"
    "    open(os.path.join(pids, f'{C}.pid'), 'w').write(str(os.getpid()))\n"
    "    time.sleep(60)\n" + PICK_TRAINED
)
GRID = (0.5, 1.0, 2.0, 4.0)  # one worker: 0.5 and 1.0 finish, 2.0 hangs, 4.0 waits


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_a_stopped_sweep_says_what_finished_what_it_stopped_and_how_to_resume(
    tmp_path: Path, how: str
) -> None:
    started = time.monotonic()
    root = project(tmp_path, f"sweep:\n  grid: {{train.C: {list(GRID)}}}\n", HANG_OR_PICK, GRID)
    pids = tmp_path / "pids"
    pids.mkdir()
    sweep = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "-C", str(root), "sweep", "--workers", "1"],
        env={**os.environ, "SWEEP_TEST_PIDS": str(pids), "SWEEP_TEST_HANG": "2.0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's foreground group, as a shell would make it
    )
    try:
        deadline = time.monotonic() + 120
        while not _written_pids(pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        hanging = _written_pids(pids)
        assert hanging and sweep.poll() is None, "the third configuration never started"
        if how == "Ctrl-C":
            os.killpg(sweep.pid, signal.SIGINT)
        else:
            sweep.send_signal(signal.SIGTERM)
        _, err = sweep.communicate(timeout=60)
        deadline = time.monotonic() + 5  # the training stopped with its worker
        while any(alive(p) for p in hanging) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in hanging if alive(p)], err
    finally:  # nothing left behind, whatever went wrong
        with contextlib.suppress(ProcessLookupError):
            os.killpg(sweep.pid, signal.SIGKILL)
        _kill_groups(_written_pids(pids))
        sweep.wait()
    assert sweep.returncode == 130, err
    made = space.configurations(manifests.load(root / "mlops.yaml").sweep)
    ids = {c.params["train.C"]: c.id for c in made}
    lines = err.splitlines()
    assert lines[0] == "sweep: 4 configurations, 1 worker"
    assert lines[1:3] == [
        f"[1/4] {ids[0.5]} train.C=0.5: passed",
        f"[2/4] {ids[1.0]} train.C=1.0: passed",
    ]
    assert lines[3:] == [
        "sweep: stopped with 2 of 4 configurations finished",
        "  stopped while running (its training stopped, no run kept):",
        f"    {ids[2.0]} train.C=2.0",
        "  not started: 1 configuration",
        "sweep: `mlgate sweep` again resumes from the 2 finished (found by their keys, not "
        "run again) and runs the rest, as long as the project is unchanged",
        "mlgate: interrupted",
    ], err
    # what it said is so: the next sweep finds the two finished and runs the other two
    loaded = manifests.load(root / "mlops.yaml")
    found, todo = local.resumed(root, copies.fingerprint_of(loaded).digest, made, None)
    assert sorted(found) == sorted([ids[0.5], ids[1.0]])
    assert [c.id for c in todo] == [ids[2.0], ids[4.0]]
    assert time.monotonic() - started < 180
