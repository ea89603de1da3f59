"""A version's record is checked against its own run, kept in the store by sha256: a tag
edited (and force-pushed) to name another version's model was promoted, deployed and
served as the version, with its run's metrics and params."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mlgate.errors import UserError
from mlgate.registry import lineage, operations
from mlgate.result.records import CheckResult
from tests.conftest import git
from tests.registry.conftest import Project


def test_a_record_and_its_run_agree_and_each_edit_is_named(project: Project) -> None:
    run = project.run
    record = {
        "verdict": "passed",
        "model": {"sha256": run.train.model.sha256},
        "run": {"id": run.run_id},
        "commit": run.git.commit,
        "metrics": dict(run.evaluate.metrics),
        "params": dict(run.params),
    }
    assert lineage.unlike(record, run) is None
    other = "f" * 64
    assert lineage.unlike({**record, "model": {"sha256": other}}, run) == (
        f"its record names the model ffffffffffff, where the run trained "
        f"{run.train.model.sha256[:12]}"
    )
    assert "run elsewhere, where the run kept is" in lineage.unlike(
        {**record, "run": {"id": "elsewhere"}}, run
    )
    assert lineage.unlike({**record, "metrics": {"accuracy": 1.0}}, run) == (
        "its record names other metrics than the run's"
    )
    failed = CheckResult(
        id="model.metric.accuracy.min", stage="model", subject="accuracy", rule=">= 0.99",
        status="failed", message="0.93, below 0.99",
    )  # fmt: skip
    lost = replace(run, model=replace(run.model, checks=(*run.model.checks, failed)))
    assert lineage.unlike(record, lost) is None  # judged as it was written, not anew
    assert lineage.unlike(record, replace(lost, verdict="failed")) == (
        "its record names a passing run, where the run failed"
    )


def test_a_tag_edited_to_name_another_model_is_not_promoted(project: Project) -> None:
    """The forged model is whole and in the store, of the size the record says: only the
    run it names can tell."""
    where = project.where()
    operations.register(where, project.manifest, project.run)
    root = project.root
    other = root / "other-model.bin"
    other.write_bytes(b"another version's model")
    sha = where.store.put(other)
    message = git(root, "tag", "-l", "--format=%(contents)", "iris@v0.1.0")
    head, body = message.split("mlgate-record: ")
    record = json.loads(body)
    record["model"] = {**record["model"], "sha256": sha, "bytes": other.stat().st_size}
    commit = git(root, "rev-list", "-n", "1", "iris@v0.1.0")
    forged = f"{head}mlgate-record: {json.dumps(record)}"
    git(root, "tag", "-f", "-a", "-m", forged, "iris@v0.1.0", commit)
    deployed: list[str] = []

    def deploy(version: object, env: object, previous: object) -> None:
        deployed.append(str(env))

    with pytest.raises(UserError) as refused:
        operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=deploy)
    assert str(refused.value).startswith(
        f"cannot promote iris v0.1.0: its record names the model {sha[:12]}, where the run "
        f"trained {project.run.train.model.sha256[:12]}; nothing was changed"
    )
    assert where.read().current("staging") is None and deployed == []
    from mlgate.serve import service

    with pytest.raises(UserError, match=r"v0\.1\.0 is not served: its record names the model"):
        service.load(project.manifest, "v0.1.0")  # refused before the model's code runs


def test_a_run_that_cannot_be_read_back_is_said_as_what_it_is(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A download cut short was reported as an edited tag: exit 2, "register again"."""
    from mlgate.errors import OutsideError
    from mlgate.result import runs

    where = project.where()
    operations.register(where, project.manifest, project.run)

    def cut_short(path: object) -> None:
        raise OutsideError("could not download object abc: the connection was reset")

    monkeypatch.setattr(runs, "read", cut_short)
    with pytest.raises(OutsideError) as failed:
        operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=lambda *a: None)
    assert str(failed.value) == (
        "cannot promote iris v0.1.0 (its run, read back to check its record): could not "
        "download object abc: the connection was reset; nothing was changed"
    )
