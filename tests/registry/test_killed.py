"""Promotions killed with SIGKILL at random moments: the registry always reads back
consistent, and gto agrees with mlgate."""

from __future__ import annotations

import contextlib
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


DEPLOY = """\
import os, pathlib, time
pathlib.Path("live").write_text(os.environ["MLGATE_VERSION"])
if os.path.exists("hang"):  # rolled out; now waits as `kubectl rollout status` does
    pathlib.Path("deploy.pid").write_text(str(os.getpid()))
    time.sleep(60)
"""


def test_a_promotion_killed_after_deploying_is_said_and_the_recorded_version_redeployed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Killed between its deployment and its tag, a promotion left staging running v0.2.0
    while the registry said v0.1.0; promoting v0.1.0 again was "nothing to do" and a
    rollback was refused, so nothing put the recorded version back."""
    from mlgate import promotion
    from mlgate.cli import main

    project = make_project(
        tmp_path / "repo",
        environments="environments:\n  staging: {deploy: {command: python deploy.py}}\n",
        files={"deploy.py": DEPLOY, ".gitignore": "models/\nlive\nhang\ndeploy.pid\n"},
    )
    where = project.where()
    operations.register(where, project.manifest, project.run)
    promotion.promote(where, project.manifest, "v0.1.0", "staging")
    git(project.root, "commit", "-q", "--allow-empty", "-m", "release 2")
    commit = git(project.root, "rev-parse", "HEAD")
    run = replace(project.run, git=replace(project.run.git, commit=commit))
    assert operations.register(where, project.manifest, run).version == "v0.2.0"
    (project.root / "hang").write_text("")
    writer = subprocess.Popen(
        [_bin("mlgate"), "promote", "v0.2.0", "--to", "staging"],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    pid_file = project.root / "deploy.pid"
    for _ in range(600):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.05)
    os.killpg(writer.pid, signal.SIGKILL)  # as a cancelled job's process group is
    writer.wait()
    with contextlib.suppress(ProcessLookupError):  # the command, in a session of its own
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
    (project.root / "hang").unlink()
    live = project.root / "live"
    assert live.read_text() == "v0.2.0"

    read = where.read()
    assert read.current("staging").version == "v0.1.0"
    (left,) = read.unrecorded
    assert (left.environment, left.version, left.recorded) == ("staging", "v0.2.0", "v0.1.0")
    root = str(project.root)
    assert main(["-C", root, "registry", "list"]) == 0
    assert "staging may run v0.2.0 while the registry says v0.1.0" in capsys.readouterr().out
    assert main(["-C", root, "rollback", "staging"]) == 2
    said = capsys.readouterr().err
    assert "may run v0.2.0" in said and "mlgate promote v0.1.0 --to staging" in said

    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    assert "deployed again over v0.2.0" in capsys.readouterr().out
    assert live.read_text() == "v0.1.0"  # deployed again, not "nothing to do"
    after = where.read()
    assert after.current("staging").version == "v0.1.0" and after.unrecorded == ()
    assert after.current("staging").record["unrecorded"] == ["v0.2.0"]
    change = promotion.promote(where, project.manifest, "v0.1.0", "staging")
    assert not change.changed  # nothing unrecorded left: idempotent again


def test_a_promotion_killed_while_git_writes_its_tag_leaves_no_file_in_tmp(
    tmp_path: Path,
) -> None:
    """The tag's message went through a temporary file in /tmp that only a `finally`
    removed: every SIGKILL at that moment left one behind."""
    project = make_project(tmp_path / "repo")
    operations.register(project.where(), project.manifest, project.run)
    real = shutil.which("git")
    shims = tmp_path / "bin"
    shims.mkdir()
    shim = shims / "git"
    shim.write_text(  # git that kills mlgate (its parent) as the assignment's tag is made
        f"#!{sys.executable}\n"
        "import os, signal, sys\n"
        "if sys.argv[1:3] == ['tag', '--annotate']:\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n"
        f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n"
    )
    shim.chmod(0o755)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "TMPDIR": str(scratch)}
    done = subprocess.run(
        [_bin("mlgate"), "promote", "v0.1.0", "--to", "staging"],
        cwd=project.root,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert [p.name for p in scratch.iterdir()] == []
