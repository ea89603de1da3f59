"""Promotions killed with SIGKILL at random moments: the registry always reads back
consistent, and gto agrees with mlgate."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from mlgate.registry import operations
from tests.conftest import git
from tests.registry.conftest import make_project

KILLS = 50


def _bin(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def test_promotions_killed_at_random_leave_the_registry_consistent(
        tmp_path: Path, origin: Path) -> None:
    ours = make_project(tmp_path / "ours", origin=origin)
    where = ours.where()
    versions = []
    for i in range(3):
        git(ours.root, "commit", "-q", "--allow-empty", "-m", f"release {i}")
        run = replace(ours.run, git=replace(ours.run.git,
                                            commit=git(ours.root, "rev-parse", "HEAD")))
        versions.append(operations.register(where, ours.manifest, run).version)
    git(ours.root, "push", "-q", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    rng = random.Random(5)
    killed = 0
    for i in range(KILLS):
        writer = subprocess.Popen([_bin("mlgate"), "promote", versions[i % 3], "--to",
                                   "staging"], cwd=clone, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.8))
        if writer.poll() is None:
            writer.send_signal(signal.SIGKILL)
            killed += 1
        writer.wait()
        listed = subprocess.run([_bin("mlgate"), "registry", "list", "--json"], cwd=clone,
                                capture_output=True, text=True)
        assert listed.returncode == 0, listed.stderr
        held = json.loads(listed.stdout)["environments"]["staging"]
        remote = git(tmp_path, "ls-remote", "--tags", str(origin), "refs/tags/iris#*")
        local = git(clone, "tag", "--list", "iris#*").split()
        on_origin = {line.split("\t")[1].removeprefix("refs/tags/").removesuffix("^{}")
                     for line in remote.splitlines()}
        assert sorted(local) == sorted(on_origin), i  # `list` dropped any half-made tag
        if i % 10 == 9 or i == KILLS - 1:
            shown = subprocess.run([_bin("gto"), "show", "iris#staging", "--ref"], cwd=clone,
                                   capture_output=True, text=True)
            assert shown.stdout.strip() == (f"iris@{held}" if held else ""), shown.stderr
    assert killed >= 10  # the moments did land inside promotions
