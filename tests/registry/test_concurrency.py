"""Twenty promotions of different versions to one environment, from twenty processes in
twenty clones of one origin, all at once: none lost, none torn, and the environment holds
the last writer's version, for mlgate and for gto alike."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mlgate import promotion
from mlgate.registry import gitio, operations, state
from tests.conftest import git
from tests.registry.conftest import make_project, share_store

pytestmark = pytest.mark.e2e  # twenty `mlgate promote` processes at once

WRITERS = 20


def test_twenty_concurrent_promotions_are_all_recorded(tmp_path: Path, origin: Path) -> None:
    ours = make_project(tmp_path / "ours", origin=origin)
    where = ours.where()
    versions = []
    for i in range(WRITERS):  # twenty versions on twenty commits (one run's model each)
        git(ours.root, "commit", "-q", "--allow-empty", "-m", f"release {i}")
        commit = git(ours.root, "rev-parse", "HEAD")
        run = replace(
            ours.run,
            run_id=f"2099010{i // 10}T0000{i % 10}0Z-abcdef",
            git=replace(ours.run.git, commit=commit),
        )
        versions.append(operations.register(where, ours.manifest, run).version)
    git(ours.root, "push", "-q", "origin", "main")
    promotion.promote(where, ours.manifest, versions[0], "staging")

    mlgate = shutil.which("mlgate", path=str(Path(sys.executable).parent)) or "mlgate"
    writers = []
    for i, version in enumerate(versions):
        clone = tmp_path / f"clone{i}"
        git(tmp_path, "clone", "-q", str(origin), str(clone))
        share_store(ours.root, clone)
        git(clone, "config", "user.name", f"writer{i}")  # who each record says
        writers.append(
            subprocess.Popen(
                [mlgate, "promote", version, "--to", "production", "--reason", f"writer {i}"],
                cwd=clone,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    # production requires staging: only versions[0] may go, the rest must be refused
    outcomes = [(w.wait(timeout=300), w.stdout.read(), w.stderr.read()) for w in writers]
    assert outcomes[0][0] == 0, outcomes[0]
    assert all(code == 2 and "has not been in staging" in err for code, _, err in outcomes[1:]), (
        outcomes[1:3]
    )

    writers = []
    for i, version in enumerate(versions):
        writers.append(
            subprocess.Popen(
                [mlgate, "promote", version, "--to", "staging", "--reason", f"writer {i}"],
                cwd=tmp_path / f"clone{i}",
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outcomes = [(w.wait(timeout=300), w.stdout.read(), w.stderr.read()) for w in writers]
    assert all(code == 0 for code, _, _ in outcomes), [o for o in outcomes if o[0]][:2]

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(origin), str(fresh))
    git(fresh, "fetch", "-q", "origin", "refs/tags/*:refs/tags/*")
    read = state.build("iris", gitio.read(fresh, "iris"))
    history = read.history("staging")
    # each of the other 19 versions once; versions[0] held staging already, so its writer
    # wrote nothing if it read before anyone else wrote, or once more if it read after
    again = [a.version for a in history[1:]].count(versions[0])
    assert again in (0, 1)
    assert ("nothing to do" in outcomes[0][1]) == (again == 0), outcomes[0]
    assert [a.n for a in history] == list(range(1, WRITERS + 1 + again))
    assert sorted(a.version for a in history[1:] if a.version != versions[0]) == sorted(
        versions[1:]
    )
    assert all(a.record.get("by", "").startswith("writer") for a in history[1:])
    assert {a.record["by"] for a in history[1:] if a.version != versions[0]} == {
        f"writer{versions.index(a.version)} <tests@mlgate.invalid>"
        for a in history[1:]
        if a.version != versions[0]
    }
    created = [a.created for a in history]
    assert created == sorted(created) and len(set(created)) == len(created)
    last = history[-1]
    gto = shutil.which("gto", path=str(Path(sys.executable).parent)) or "gto"
    shown = subprocess.run(
        [gto, "show", "iris#staging", "--ref"], cwd=fresh, capture_output=True, text=True
    )
    assert shown.stdout.strip() == f"iris@{last.version}", shown.stdout + shown.stderr
