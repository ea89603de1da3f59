"""A fork's run.json that claims a sweep's winner (audit S, finding 3): the trusted
fork-report job posted a green `mlgate / breast-cancer sweep` check and a sweep comment
("winner: c0ffee ... on the 57 held-out test rows") for a sweep that never ran. A pull
request's run never carries a sweep (only a sweep writes one), so the hand-over is refused,
and nothing is posted."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mlgate.ci import handoff
from mlgate.errors import UserError
from mlgate.result import runs
from tests.ci.conftest import BASE, HEAD
from tests.ci.test_fork_report import PATH, artifact, edit, fake, manifest_of, report
from tests.github.server import FakeGitHub

__all__ = ["fake"]  # the fixture, used by name

SWEEP = {  # the audit's: schema-valid, one configuration, its winner
    "metric": "f1",
    "holdout": 0.5,
    "choosing_rows": 57,
    "held_out_rows": 57,
    "configurations": [
        {
            "id": "c0ffee",
            "params": {"train.C": 0.4},
            "status": "passed",
            "figure": 0.99,
            "passed_where_ranked": True,
            "reason": "",
        }
    ],
    "winner": "c0ffee",
    "choosing": 0.99,
    "held_out": 0.99,
    "unranked": "",
}


def _swept(doc: dict[str, Any]) -> None:
    doc["sweep"] = SWEEP


def test_a_hand_over_claiming_a_sweeps_winner_is_refused_and_nothing_is_posted(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    downloaded, folder = artifact(tmp_path, pull_request_run)
    edit(folder, _swept)
    fake.add_file(PATH, manifest_of(pull_request_run), HEAD)
    fake.add_file(PATH, manifest_of(pull_request_run), BASE)
    with pytest.raises(UserError) as refused:
        report(fake, downloaded)
    said = refused.value.message
    assert said.startswith("the handed-over run ")
    assert "claims a sweep's winner, which only a sweep writes" in said
    assert "a pull request's run never does: it was not written by mlgate as it ran" in said
    assert refused.value.exit_code == 2
    assert fake.comments == {} and fake.check_runs == []


def test_the_same_run_without_the_sweep_is_posted(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    """The refusal is the sweep's: the run as the fork's job wrote it is posted green."""
    downloaded, _ = artifact(tmp_path, pull_request_run)
    fake.add_file(PATH, manifest_of(pull_request_run), HEAD)
    fake.add_file(PATH, manifest_of(pull_request_run), BASE)
    assert report(fake, downloaded).verdict == "passed"
    assert [c["name"] for c in fake.check_runs] == ["mlgate / breast-cancer"]


def test_a_saved_sweep_winners_run_posted_from_its_own_checkout_is_not_refused(
    tmp_path: Path, pull_request_run: Path
) -> None:
    """`mlgate comment` of a sweep's winner (own_verdict with no `whose`): its sweep is
    mlgate's own, and kept."""
    loaded = handoff.read(artifact(tmp_path, pull_request_run)[0])
    downloaded, folder = artifact(tmp_path / "swept", pull_request_run)
    edit(folder, _swept)
    with pytest.raises(UserError, match="claims a sweep's winner"):
        handoff.read(downloaded)
    swept = replace(loaded.result, sweep=runs.read(folder / "run.json").sweep)
    assert swept.sweep is not None
    kept = handoff.own_verdict(swept, loaded.manifest, whose="")
    assert kept.sweep == swept.sweep and kept.verdict == "passed"
