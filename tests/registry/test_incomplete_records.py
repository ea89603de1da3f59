"""Version records that lack what promotion, serving and monitoring read (audit O, findings
1, 5, 6 and 12). Every version record mlgate ever wrote names its model, run and manifest
by sha256 (since the registry's first commit): one without them was written or edited by
hand. With no run, the record-vs-run check was skipped and another version's model was
deployed under this version's name; with no model or manifest, serve, a Docker promotion
and monitor ended in a KeyError traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mlgate.errors import UserError
from mlgate.registry import lineage, operations, show
from tests.conftest import git
from tests.registry.conftest import Project


def _forge(root: Path, tag: str, edit: Any) -> dict[str, Any]:
    """The tag's record edited by `edit` (a function of the record), re-tagged at the same
    commit as an attacker with push rights would."""
    message = git(root, "tag", "-l", "--format=%(contents)", tag)
    head, body = message.split("mlgate-record: ")
    record = edit(json.loads(body))
    commit = git(root, "rev-list", "-n", "1", tag)
    git(root, "tag", "-f", "-a", "-m", f"{head}mlgate-record: {json.dumps(record)}", tag, commit)
    return record


def _without(*keys: str) -> Any:
    return lambda record: {k: v for k, v in record.items() if k not in keys}


def _nothing(*args: object) -> None:
    raise AssertionError("nothing is deployed")


@pytest.mark.parametrize("missing", ["run", "model", "manifest"])
def test_a_version_whose_record_lacks_its_run_model_or_manifest_is_refused_by_every_reader(
    project: Project, tmp_path: Path, missing: str
) -> None:
    from mlgate import monitor
    from mlgate.serve import service

    where = project.where()
    operations.register(where, project.manifest, project.run)
    operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=lambda *a: None)
    _forge(project.root, "iris@v0.1.0", _without(missing))
    said = f"tag iris@v0.1.0 is incomplete: its record names no {missing}"

    found = where.read().version("v0.1.0")
    assert found is not None and found.problem is not None and found.problem.startswith(said)
    assert "register the model again with this mlgate" in found.problem
    listed = show.show("list", where, project.manifest, None)
    assert f"unusable: {said}" in listed.text

    with pytest.raises(UserError) as refused:
        operations.promote(where, project.manifest, "v0.1.0", "production", deploy=_nothing)
    assert said in str(refused.value) and "nothing was changed" in str(refused.value)
    assert where.read().current("production") is None

    for target in ("v0.1.0", None):  # plain `serve` picks it as the latest
        with pytest.raises(UserError) as refused:
            service.load(project.manifest, target)
        assert said in str(refused.value) and refused.value.hint == "git show iris@v0.1.0 shows it"

    rows = tmp_path / "rows.csv"
    rows.write_text((project.root / "data" / "test.csv").read_text())
    with pytest.raises(UserError) as refused:
        monitor.monitor(project.manifest, where, rows, stage="staging", shown="rows.csv")
    assert said in str(refused.value)


def test_another_models_record_with_its_run_removed_is_not_promoted(project: Project) -> None:
    """The forge: another model (whole, in the store, of the size the record says) named,
    and the run that would tell removed. It was deployed as the version, exit 0."""
    where = project.where()
    operations.register(where, project.manifest, project.run)
    other = project.root / "other-model.bin"
    other.write_bytes(b"another version's model")
    sha = where.store.put(other)

    def swap(record: dict[str, Any]) -> dict[str, Any]:
        record["model"] = {**record["model"], "sha256": sha, "bytes": other.stat().st_size}
        del record["run"]
        return record

    _forge(project.root, "iris@v0.1.0", swap)
    with pytest.raises(UserError) as refused:
        operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=_nothing)
    assert str(refused.value).startswith(
        "iris v0.1.0 cannot be promoted: tag iris@v0.1.0 is incomplete: its record names no run"
    )
    assert refused.value.hint is not None and "git show iris@v0.1.0" in refused.value.hint
    assert where.read().current("staging") is None


def test_a_bare_passing_record_at_a_commit_no_run_made_is_listed_unusable_and_not_promoted(
    project: Project,
) -> None:
    root = project.root
    where = project.where()
    git(root, "commit", "-q", "--allow-empty", "-m", "no run here")
    commit = git(root, "rev-parse", "HEAD").strip()
    record = {"kind": "version", "verdict": "passed", "commit": commit}
    message = f"Registering artifact iris version v1.0.0\n\nmlgate-record: {json.dumps(record)}"
    git(root, "tag", "-a", "-m", message, "iris@v1.0.0", commit)
    said = "tag iris@v1.0.0 is incomplete: its record names no model, run or manifest"
    assert f"unusable: {said}" in show.show("list", where, project.manifest, None).text
    with pytest.raises(UserError, match=re.escape(said)):
        operations.promote(where, project.manifest, "v1.0.0", "staging", deploy=_nothing)
    assert where.read().current("staging") is None


def test_a_rollback_to_an_incomplete_version_is_refused(project: Project) -> None:
    where = project.where()
    operations.register(where, project.manifest, project.run)
    operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=lambda *a: None)
    # a second version at another commit, by hand from v0.1.0's own record (same run)
    root = project.root
    git(root, "commit", "-q", "--allow-empty", "-m", "second")
    commit = git(root, "rev-parse", "HEAD").strip()
    message = git(root, "tag", "-l", "--format=%(contents)", "iris@v0.1.0")
    head, body = message.split("mlgate-record: ")
    record = {**json.loads(body), "version": "v0.2.0", "commit": commit}
    git(root, "tag", "-a", "-m", f"{head}mlgate-record: {json.dumps(record)}".replace(
        "version v0.1.0", "version v0.2.0"), "iris@v0.2.0", commit)  # fmt: skip
    # staging given v0.2.0 as gto would (its check would refuse the copied record)
    message = "Assigning stage staging to artifact iris version v0.2.0"
    git(root, "tag", "-a", "-m", message, "iris#staging#2", commit)
    _forge(root, "iris@v0.1.0", _without("run"))
    with pytest.raises(
        UserError, match=re.escape("tag iris@v0.1.0 is incomplete: its record names no run")
    ):
        operations.rollback(where, project.manifest, "staging", deploy=_nothing)
    current = where.read().current("staging")
    assert current is not None and current.version == "v0.2.0"


def test_check_objects_refuses_a_record_that_names_no_run(project: Project) -> None:
    """Below the state's reading too: a record with no run is never "an older mlgate's"."""
    from dataclasses import replace

    where = project.where()
    operations.register(where, project.manifest, project.run)
    found = where.read().version("v0.1.0")
    assert found is not None
    bare = replace(found, record={k: v for k, v in found.record.items() if k != "run"})
    with pytest.raises(UserError, match=re.escape("its record (tag iris@v0.1.0) names no run")):
        operations.check_objects(where, bare)
    assert operations.record_unlike_run(where, bare) is not None


def test_a_lone_surrogate_in_one_record_leaves_the_rest_of_the_registry_readable(
    project: Project,
) -> None:
    """ "\\ud800" is valid JSON and passed the schema; no UTF-8 can hold it, so `registry
    list --json` and `registry show` failed for every version."""
    where = project.where()
    operations.register(where, project.manifest, project.run)
    _forge(project.root, "iris@v0.1.0", lambda r: {**r, "reason": "\ud800"})
    found = where.read().version("v0.1.0")
    assert found is not None and found.problem == (
        "tag iris@v0.1.0 is corrupt: its record holds \\ud800, a lone surrogate, which is no "
        "character"
    )
    for action, target in (("list", None), ("show", "v0.1.0"), ("history", None)):
        shown = show.show(action, where, project.manifest, target)
        json.dumps(shown.document, ensure_ascii=False).encode("utf-8")
        shown.text.encode("utf-8")


def test_a_byte_that_was_not_utf8_in_a_reason_still_reads() -> None:
    """A --reason typed in a Latin-1 terminal reaches the record as U+DCE9 (Python's
    surrogateescape): a record mlgate wrote, kept readable."""
    from mlgate.registry import tags

    said = json.dumps({"kind": "assignment", "reason": "caf\udce9"})
    assert tags.record_of(f"x\n\nmlgate-record: {said}\n") == {
        "kind": "assignment",
        "reason": "caf\udce9",
    }


def test_an_edited_model_file_is_named_and_not_promoted(project: Project) -> None:
    """The record's model.file picks the loader (its suffix) and is shown as the model's
    path: an edit of it went undetected."""
    run = project.run
    assert run.train.model is not None
    record = {"model": {"file": run.train.model.path, "sha256": run.train.model.sha256}}
    assert lineage.unlike(record, run) is None
    dotted = {"model": {**record["model"], "file": "./" + run.train.model.path}}
    assert lineage.unlike(dotted, run) is None
    edited = {"model": {**record["model"], "file": "models/model.skops`rm -rf ~`"}}
    assert lineage.unlike(edited, run) == (
        "its record names the model file 'models/model.skops`rm -rf ~`', where the run "
        f"trained {run.train.model.path!r}"
    )
    where = project.where()
    operations.register(where, project.manifest, project.run)
    _forge(
        project.root,
        "iris@v0.1.0",
        lambda r: {**r, "model": {**r["model"], "file": "models/model.skops"}},
    )
    with pytest.raises(
        UserError, match=re.escape("its record names the model file 'models/model.skops'")
    ):
        operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=_nothing)


def test_monitor_refuses_a_version_whose_record_is_not_its_runs(
    project: Project, tmp_path: Path
) -> None:
    """monitor loads the model the record names, with the loader its file's suffix picks:
    the record is checked against the run first, as serve and a promotion do."""
    from mlgate import monitor

    where = project.where()
    operations.register(where, project.manifest, project.run)
    operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=lambda *a: None)
    _forge(
        project.root,
        "iris@v0.1.0",
        lambda r: {**r, "model": {**r["model"], "file": "models/model.skops"}},
    )
    rows = tmp_path / "rows.csv"
    rows.write_text((project.root / "data" / "test.csv").read_text())
    with pytest.raises(UserError) as refused:
        monitor.monitor(project.manifest, where, rows, stage="staging", shown="rows.csv")
    assert str(refused.value).startswith(
        "v0.1.0, which staging holds, is not monitored: its record names the model file "
        "'models/model.skops'"
    )
    assert refused.value.hint == lineage.edited("iris@v0.1.0")
