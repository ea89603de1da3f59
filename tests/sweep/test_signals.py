"""How a sweep, its workers and their trainings end: a sweep stopped twice still stops every
worker, and a training stopped by its own `train.timeout` (a SIGTERM) says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.sweep import local
from tests import projects

# the sweep's loop with workers that never end by themselves: a first SIGTERM stops the
# sweep, and a second lands as it asks its workers to stop (`timeout` sends one to the
# process and one to its group). What each worker was told is printed.
STOPPED_TWICE = """
import os, signal, sys, threading, time
from pathlib import Path
from types import SimpleNamespace
from mlgate.sweep import local
from mlgate.sweep.copies import Tree
from mlgate.sweep.space import Configuration

class Stopped(Exception):
    pass

def stop(number, frame):
    raise Stopped

class Worker:
    def __init__(self, target, args, daemon):
        self.sentinel, self._end = os.pipe()  # ready when it ends: never, by itself
        self.exitcode = None
        self.pid = 0
    def start(self):
        told.append("started")
        if told.count("started") == 2:  # the first stop, as the sweep waits on them
            threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGTERM)).start()
    def terminate(self):
        told.append("terminated")
        os.kill(os.getpid(), signal.SIGTERM)  # the second stop
    def join(self, timeout=None):
        time.sleep(min(timeout or 0, 0.1))  # still running at the end of its grace
    def kill(self):
        told.append("killed")
        self.exitcode = -9

told = []
signal.signal(signal.SIGTERM, stop)
root = Path(sys.argv[1])
manifest = SimpleNamespace(root=root, path=root / "mlops.yaml")
todo = [Configuration(id="a", params={"x": 1}), Configuration(id="b", params={"x": 2})]
try:
    local._all(manifest, SimpleNamespace(Process=Worker), Tree(files=()), todo, 2, {}, None)
except Stopped:
    print(" ".join(told))
"""


def test_a_sweep_stopped_twice_still_kills_the_workers_it_stops(tmp_path: Path) -> None:
    """The second stop, raised while the sweep asked its workers to stop, cut that short:
    a worker that did not end was never killed, and the sweep's exit then waited on it
    forever (multiprocessing joins its children at exit)."""
    stopped = subprocess.run(
        [sys.executable, "-c", STOPPED_TWICE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.split() == ["started"] * 2 + ["terminated"] * 2 + ["killed"] * 2


def test_a_training_stopped_by_its_timeout_is_reported_timed_out_not_killed(
    tmp_path: Path,
) -> None:
    """Its timeout stops it with SIGTERM: the sweep said "killed (SIGTERM)", as if the OOM
    killer or a person had, and never named train.timeout."""
    files = projects.iris_files(Path())
    files["mlops.yaml"] = projects.IRIS_MANIFEST.replace(
        "  command: python train.py\n  timeout: 2m\n", "  command: sleep 30\n  timeout: 1s\n"
    )
    root = projects.write(tmp_path / "iris", files)
    loaded = manifests.load(root / "mlops.yaml")
    result = pipeline.run(loaded, compare=False)
    assert result.train.outcome is not None and result.train.outcome.timed_out
    assert local.outcome_of(result, shell=True) == (
        "error",
        "training: `sleep 30` timed out after 1s and was stopped (train.timeout)",
    )
