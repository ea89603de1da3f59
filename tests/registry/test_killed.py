"""Promotions killed with SIGKILL at random moments: the registry always reads back
consistent, and gto agrees with mlgate."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.registry import operations
from tests.conftest import git
from tests.registry.conftest import make_project, share_store

pytestmark = pytest.mark.e2e  # `mlgate promote` processes killed at random, then `gto show`

KILLS = 50


def _bin(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def test_promotions_killed_at_random_leave_the_registry_consistent(
    tmp_path: Path, origin: Path
) -> None:
    ours = make_project(tmp_path / "ours", origin=origin)
    where = ours.where()
    versions = []
    for i in range(3):
        git(ours.root, "commit", "-q", "--allow-empty", "-m", f"release {i}")
        run = replace(
            ours.run, git=replace(ours.run.git, commit=git(ours.root, "rev-parse", "HEAD"))
        )
        versions.append(operations.register(where, ours.manifest, run).version)
    git(ours.root, "push", "-q", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    share_store(ours.root, clone)
    reader = operations.Where.of(manifests.load(clone / "mlops.yaml"))
    rng = random.Random(5)
    killed = 0
    for i in range(KILLS):
        # its own process group: the kill takes its git children too, as a cancelled job's
        # does (a git push left running would land after the check below)
        writer = subprocess.Popen(
            [_bin("mlgate"), "promote", versions[i % 3], "--to", "staging"],
            cwd=clone,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.0, 0.5))  # a promotion takes about that long
        if writer.poll() is None:
            os.killpg(writer.pid, signal.SIGKILL)
            killed += 1
        writer.wait()
        read = reader.read()  # what `mlgate registry list` reads, in this process
        held = read.current("staging").version if read.current("staging") else None
        remote = git(tmp_path, "ls-remote", "--tags", str(origin), "refs/tags/iris#*")
        local = git(clone, "tag", "--list", "iris#*").split()
        on_origin = {
            line.split("\t")[1].removeprefix("refs/tags/").removesuffix("^{}")
            for line in remote.splitlines()
        }
        assert sorted(local) == sorted(on_origin), i  # `list` dropped any half-made tag
        if i % 10 == 9 or i == KILLS - 1:
            shown = subprocess.run(
                [_bin("gto"), "show", "iris#staging", "--ref"],
                cwd=clone,
                capture_output=True,
                text=True,
            )
            assert shown.stdout.strip() == (f"iris@{held}" if held else ""), shown.stderr
    assert killed >= 10  # the moments did land inside promotions
