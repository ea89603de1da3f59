"""The marks of deployments begun and not yet recorded, against a race (attacker audit
O): a promotion recorded first dropped the mark of one begun earlier and still
deploying, which, killed after its deployment, left the environment running its version
with nothing said; and a race's winner writing the same tag name for another version
was taken for the mark's own tag written."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from mlgate.registry import intents
from mlgate.registry.state import Assignment, State
from tests.conftest import git

MODEL = "iris"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main", str(tmp_path / "c"))
    return tmp_path / "c"


@pytest.fixture
def alive() -> Iterator[int]:
    """The pid of a process that is still running (a promotion under way elsewhere)."""
    sleeper = subprocess.Popen(["sleep", "60"])
    yield sleeper.pid
    sleeper.kill()
    sleeper.wait()


def _mark(root: Path, version: str, started: str, pid: int, tag: str) -> intents.Intent:
    made = intents.begin(root, MODEL, "staging", version, None, tag=tag, started=started)
    body = json.loads(made.path.read_text())
    made.path.write_text(json.dumps({**body, "pid": pid}))
    return made


def _gone() -> int:
    """The pid of a process that has ended (a promotion killed)."""
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def test_a_promotion_still_deploying_keeps_its_mark_when_a_later_one_is_recorded(
    clone: Path, alive: int
) -> None:
    deploying = _mark(clone, "v0.1.0", "2026-12-07T10:00:00Z", alive, "iris#staging#2")
    dead = _mark(clone, "v0.2.0", "2026-12-07T10:00:01Z", _gone(), "iris#staging#2")
    intents.supersede(clone, MODEL, "staging", "2026-12-07T10:00:02Z")
    assert deploying.path.exists()  # it may finish after the one recorded
    assert not dead.path.exists()  # gone before ours began deploying: ours runs there


def test_a_winners_tag_of_the_same_name_for_another_version_is_not_the_marks(
    clone: Path,
) -> None:
    lost = _mark(clone, "v0.1.0", "2026-12-07T10:00:00Z", _gone(), "iris#staging#2")
    winner = Assignment(
        model=MODEL,
        stage="staging",
        n=2,
        version="v0.3.0",
        tag="iris#staging#2",
        created="2026-12-07T10:00:03Z",
    )
    state = State(model=MODEL, versions=(), assignments=(winner,))
    (found,) = intents.unrecorded(clone, MODEL, state)
    assert (found.version, found.recorded) == ("v0.1.0", "v0.3.0")
    assert lost.path.exists()
    own = State(model=MODEL, versions=(), assignments=(replace(winner, version="v0.1.0"),))
    assert intents.unrecorded(clone, MODEL, own) == ()  # its own tag: recorded, removed
    assert not lost.path.exists()
