"""The trusted fork-report job against the loopback GitHub: it judges a fork's run by the
manifest at the pull request's head commit as GitHub holds it (the one its diff shows),
lists the rules the pull request changes from the base commit's manifest itself, and
charts no runs the artifact made up."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mlgate.ci import handoff, jobs
from mlgate.ci.plan import Plan
from mlgate.errors import UserError
from mlgate.github import http
from tests.action import events
from tests.ci.conftest import BASE, CTX, HEAD
from tests.github.server import FakeGitHub, running

TOKEN = "ghs_" + "tru5ted" * 5 + "a"
CONTENTS = ("GET", "/repos/{owner}/{repo}/contents/{path}")
PATH = "mlops.yaml"  # where pull_request_run's hand-over says the manifest is


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """GitHub with pull request #7 from a fork, at HEAD over BASE; no write pacing."""
    monkeypatch.setattr(http, "MIN_WRITE_INTERVAL_S", 0.0)
    with running() as state:
        pull = events.pull_request(number=7, head_sha=HEAD, base_sha=BASE, fork=True)
        state.add_pull(pull["pull_request"])
        yield state


def artifact(tmp_path: Path, run: Path) -> tuple[Path, Path]:
    """The downloaded artifact, and the run folder in it."""
    folder = tmp_path / "mlgate-run" / run.name
    shutil.copytree(run, folder)
    return folder.parent, folder


def edit(folder: Path, change: Any) -> None:
    """run.json, changed as a fork's code may change it."""
    doc = json.loads((folder / "run.json").read_text())
    change(doc)
    (folder / "run.json").write_text(json.dumps(doc))


def report(fake: FakeGitHub, downloaded: Path) -> jobs.Outcome:
    """The fork-report job's step, in this process."""
    ctx = replace(CTX, token=TOKEN, api_url=fake.url)
    plan = Plan(job="fork-report", steps=("post-handoff",), reason="a fork's run completed")

    def load() -> Any:
        raise AssertionError("the fork report reads no manifest of its own")

    return jobs.execute(plan, jobs.Job(ctx=ctx, load=load, artifact=downloaded))


def manifest_of(run: Path) -> bytes:
    return (run / handoff.MANIFEST_COPY).read_bytes()


def test_the_manifest_copy_is_checked_against_the_head_commit_and_posted(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    downloaded, _ = artifact(tmp_path, pull_request_run)
    fake.add_file(PATH, manifest_of(pull_request_run), HEAD)
    fake.add_file(PATH, manifest_of(pull_request_run), BASE)
    done = report(fake, downloaded)
    assert done.verdict == "passed"
    assert f"manifest: the hand-over's copy is {PATH} at the pull request's head commit " in (
        "\n".join(done.lines)
    )
    assert f"rules: 0 rules set otherwise than in {PATH} at the base commit bbbbbbbbbbbb" in (
        done.lines
    )
    assert fake.calls[CONTENTS] == 2
    (comment,) = fake.comments[7]
    assert "breast-cancer: passed" in comment["body"]
    assert "What it is judged by changed" not in comment["body"]


def test_a_manifest_copy_of_the_forks_own_making_is_refused(
    fake: FakeGitHub, tmp_path: Path, example_run: Path
) -> None:
    """The audit's forgery: the copy without its model checks and gates, its sha256 in
    run.json, f1 0.31, posted as a green check. The repository's file at the head commit
    (the one the pull request's diff shows) is another."""
    downloaded, folder = artifact(tmp_path, example_run)
    real = manifest_of(example_run)
    forged = re.sub(rb"(?ms)^model_checks:.*?(?=^environments:)", b"", real)
    assert forged != real and b"gates:" not in forged
    (folder / handoff.MANIFEST_COPY).write_bytes(forged)

    def lowered(doc: dict[str, Any]) -> None:
        doc["manifest"].update(sha256=hashlib.sha256(forged).hexdigest(), bytes=len(forged))
        doc["evaluate"]["metrics"].update(f1=0.31, roc_auc=0.5, accuracy=0.55)
        doc["model"]["checks"] = []
        doc["compare"]["gates"] = []
        for m in doc["compare"]["metrics"]:
            m["candidate"] = doc["evaluate"]["metrics"][m["metric"]]

    edit(folder, lowered)
    assert handoff.read(downloaded).result.verdict == "passed"  # alone, it is believed
    fake.add_file("models/mlops.yaml", real, HEAD)
    with pytest.raises(UserError) as error:
        report(fake, downloaded)
    line = [n for n, text in enumerate(real.splitlines(), 1) if text.startswith(b"model_")]
    assert error.value.exit_code == 2
    assert error.value.message == (
        "the handed-over manifest is not models/mlops.yaml at the pull request's head commit "
        f"aaaaaaaaaaaa: it differs from line {line[0]} on ({len(real):,} bytes there, "
        f"{len(forged):,} in the artifact)"
    )
    assert fake.comments == {} and fake.check_runs == []


def test_a_handover_naming_a_file_the_head_commit_lacks_is_refused(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    downloaded, _ = artifact(tmp_path, pull_request_run)
    with pytest.raises(UserError, match="aaaaaaaaaaaa, and that commit has no such file"):
        report(fake, downloaded)
    assert fake.comments == {} and fake.check_runs == []


def test_the_rules_a_pull_request_loosens_are_listed_from_the_base_not_from_the_run(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    """The base's manifest asks f1 to drop 0.01 at most, the pull request's 0.02: the run
    the fork wrote lists no rule changed (and one made up), the comment the trusted
    job posts lists the one the pull request changed."""
    downloaded, folder = artifact(tmp_path, pull_request_run)
    head = manifest_of(pull_request_run)
    base = head.replace(b"f1: {min_change: -0.02,", b"f1: {min_change: -0.01,")
    assert base != head
    fake.add_file(PATH, head, HEAD)
    fake.add_file(PATH, base, BASE)
    made_up = {"kind": "gate", "subject": "latency", "change": "added", "old": None, "new": "x"}
    edit(folder, lambda doc: doc["compare"].update(rules=[made_up]))
    done = report(fake, downloaded)
    assert f"rules: 1 rule set otherwise than in {PATH} at the base commit bbbbbbbbbbbb" in (
        done.lines
    )
    assert done.result is not None and done.result.compare is not None
    (rule,) = done.result.compare.rules
    assert (rule.kind, rule.subject, rule.change) == ("gate", "f1", "changed")
    (comment,) = fake.comments[7]
    assert "What it is judged by changed: 1 rule" in comment["body"]
    row = "| gate f1 | change &gt;= -0.01, no significant drop | change &gt;= -0.02"
    assert row in comment["body"]
    assert "latency" not in comment["body"]


def test_a_pull_request_that_adds_the_manifest_is_posted_and_says_so(
    fake: FakeGitHub, tmp_path: Path, example_run: Path
) -> None:
    """A new project's first pull request is posted, as a new model that no rules of the
    base branch judged: said in the step, the comment's verdict and the check's title."""
    downloaded, _ = artifact(tmp_path, example_run)
    fake.add_file("models/mlops.yaml", manifest_of(example_run), HEAD)
    fake.add_file("other/mlops.yaml", b"name: churn\n", BASE)  # another model's
    done = report(fake, downloaded)
    assert done.verdict == "passed" and len(fake.comments[7]) == 1
    assert (
        "rules: models/mlops.yaml does not exist at the base commit bbbbbbbbbbbb, nor any "
        "manifest of 'breast-cancer' (a new model, judged by no rules of the base branch)"
    ) in done.lines
    new = (
        "a new model: no manifest of the base branch names breast-cancer, so none of its "
        "rules judged this run (models/mlops.yaml is new in this pull request). "
    )
    (comment,) = fake.comments[7]
    assert f"## ✅ breast-cancer: passed\n\n{new}" in comment["body"]
    (check,) = fake.check_runs
    assert check["output"]["title"].startswith(f"breast-cancer passed: {new}")


def forged_second_manifest(folder: Path, real: bytes) -> bytes:
    """The audit's second manifest: the model's name, no model checks and no gates, and a
    run of a weaker model that says it passed by it."""
    forged = re.sub(rb"(?ms)^model_checks:.*?(?=^environments:)", b"", real)
    (folder / handoff.MANIFEST_COPY).write_bytes(forged)

    def lowered(doc: dict[str, Any]) -> None:
        doc["manifest"].update(sha256=hashlib.sha256(forged).hexdigest(), bytes=len(forged))
        doc["evaluate"]["metrics"].update(f1=0.31, roc_auc=0.5, accuracy=0.55)
        doc["model"]["checks"] = []
        doc["compare"]["gates"] = []
        for m in doc["compare"]["metrics"]:
            m["candidate"] = doc["evaluate"]["metrics"][m["metric"]]

    edit(folder, lowered)
    return forged


def test_a_second_manifest_of_the_model_is_judged_against_the_bases(
    fake: FakeGitHub, tmp_path: Path, example_run: Path
) -> None:
    """The audit's fork added `models/mlops.yaml` (the model's name, no checks, no gates)
    beside the base's `mlops.yaml`, and pointed its hand-over at it: the base had no file
    at that path, so the run was taken to add the model, and a run with no baseline and
    f1 0.31 was posted green as breast-cancer. The base's manifest of the model judges it."""
    downloaded, folder = artifact(tmp_path, example_run)
    real = manifest_of(example_run)
    forged = forged_second_manifest(folder, real)
    for ref in (BASE, HEAD):
        fake.add_file("mlops.yaml", real, ref)
    fake.add_file("models/mlops.yaml", forged, HEAD)
    with pytest.raises(UserError) as error:
        report(fake, downloaded)
    assert error.value.message == (
        "the handed-over run says it had no baseline, where its manifest (compare.baseline: "
        "auto) compares a pull request with its base branch main, which has mlops.yaml"
    )
    assert fake.comments == {} and fake.check_runs == []


def test_a_new_manifest_is_judged_by_the_bases_manifest_of_its_model_wherever_it_is(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    """The base's manifest of the model in another folder than the new one's: its rules
    are the ones listed as changed, with where each manifest is."""
    downloaded, folder = artifact(tmp_path, pull_request_run)
    head = manifest_of(pull_request_run)
    base = head.replace(b"f1: {min_change: -0.02,", b"f1: {min_change: -0.01,")
    claim = json.loads((folder / handoff.HANDOFF_FILE).read_text())
    claim["manifest_path"] = "evil/mlops.yaml"
    (folder / handoff.HANDOFF_FILE).write_text(json.dumps(claim))
    fake.add_file("evil/mlops.yaml", head, HEAD)
    fake.add_file("ml/model/mlops.yaml", base, BASE)
    fake.add_file("ml/other/mlops.yaml", b"name: churn\n", BASE)  # another model's
    fake.add_file("ml/model/train.py", b"", BASE)
    done = report(fake, downloaded)
    assert (
        "rules: evil/mlops.yaml is new in the pull request, and the base's manifest of "
        "'breast-cancer' is ml/model/mlops.yaml; 1 rule set otherwise than in "
        "ml/model/mlops.yaml at the base commit bbbbbbbbbbbb"
    ) in done.lines
    (comment,) = fake.comments[7]
    assert "What it is judged by changed: 1 rule" in comment["body"]
    assert (
        "| gate f1 | change &gt;= -0.01, no significant drop | change &gt;= -0.02"
        in (comment["body"])
    )
    assert "a new model" not in comment["body"]


def test_a_run_that_claims_no_baseline_where_the_base_has_the_manifest_is_refused(
    fake: FakeGitHub, tmp_path: Path, example_run: Path
) -> None:
    """The audit's run with `baseline.kind: none`: every gate "not evaluated", a green
    check. A pull request's run (compare.baseline auto) compares with its base branch,
    and the base commit has the manifest."""
    downloaded, _ = artifact(tmp_path, example_run)
    for ref in (HEAD, BASE):
        fake.add_file("models/mlops.yaml", manifest_of(example_run), ref)
    with pytest.raises(UserError) as error:
        report(fake, downloaded)
    assert error.value.message == (
        "the handed-over run says it had no baseline, where its manifest (compare.baseline: "
        "auto) compares a pull request with its base branch main, which has models/mlops.yaml"
    )
    assert fake.comments == {} and fake.check_runs == []


def test_a_run_compared_with_another_branch_is_refused(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    downloaded, folder = artifact(tmp_path, pull_request_run)
    for ref in (HEAD, BASE):
        fake.add_file(PATH, manifest_of(pull_request_run), ref)
    edit(folder, lambda doc: doc["compare"]["baseline"].update(ref="v0.1", name="v0.1 @ 1234567"))
    with pytest.raises(UserError, match=r"was compared with 'v0\.1 @ 1234567' \(git\), where"):
        report(fake, downloaded)


def test_a_pull_request_that_renames_the_model_is_refused(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    """The check's name and the comment's marker are the model's: a fork's report under
    another model's name would stand in for that model's."""
    downloaded, _ = artifact(tmp_path, pull_request_run)
    head = manifest_of(pull_request_run)
    fake.add_file(PATH, head, HEAD)
    fake.add_file(PATH, head.replace(b"name: breast-cancer", b"name: churn"), BASE)
    with pytest.raises(UserError, match="renames the model 'churn' to 'breast-cancer'"):
        report(fake, downloaded)
    assert fake.comments == {} and fake.check_runs == []


def test_earlier_runs_inside_the_artifact_are_not_charted(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    """Two run.json files the fork put under `<run>/.mlgate/runs/` were charted as the
    model's history (f1 0.41, 0.55), and read whole, up to 512 MiB each."""
    downloaded, folder = artifact(tmp_path, pull_request_run)
    for ref in (HEAD, BASE):
        fake.add_file(PATH, manifest_of(pull_request_run), ref)
    run = json.loads((folder / "run.json").read_text())
    for month, f1 in ((1, 0.41), (2, 0.55)):
        earlier = json.loads(json.dumps(run))
        earlier["run_id"] = f"2025{month:02d}01T000000Z-aaaaa{month}"
        earlier["started_at"] = f"2025-{month:02d}-01T00:00:00Z"
        earlier["evaluate"]["metrics"]["f1"] = f1
        where = folder / ".mlgate" / "runs" / earlier["run_id"]
        where.mkdir(parents=True)
        (where / "run.json").write_text(json.dumps(earlier))
    report(fake, downloaded)
    (comment,) = fake.comments[7]
    assert "Metric history" in comment["body"]  # the baseline's point and this run's
    assert "0.4100" not in comment["body"] and "0.5500" not in comment["body"]


def test_a_fork_that_renamed_the_manifest_cannot_claim_the_first_model(
    fake: FakeGitHub, tmp_path: Path, example_run: Path
) -> None:
    """`git mv mlops.yaml mlops.yml`: the base commit had no file at the head's path, so
    the pull request was taken to add the manifest, and a run that said it had no
    baseline (every gate left out) was posted green."""
    downloaded, _ = artifact(tmp_path, example_run)
    fake.add_file("models/mlops.yaml", manifest_of(example_run), HEAD)
    fake.add_file("models/mlops.yml", manifest_of(example_run), BASE)
    with pytest.raises(UserError) as error:
        report(fake, downloaded)
    assert error.value.message == (
        "the handed-over run says it had no baseline, where its manifest (compare.baseline: "
        "auto) compares a pull request with its base branch main, which has models/mlops.yml"
    )
    assert fake.comments == {} and fake.check_runs == []


def test_a_new_model_says_when_not_every_file_of_the_base_was_read(
    fake: FakeGitHub, tmp_path: Path, example_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handoff, "MAX_CANDIDATES", 1)
    downloaded, _ = artifact(tmp_path, example_run)
    fake.add_file("models/mlops.yaml", manifest_of(example_run), HEAD)
    for folder in ("a", "b"):  # two to read, one read
        fake.add_file(f"{folder}/mlops.yaml", b"name: churn\n", BASE)
    done = report(fake, downloaded)
    assert fake.calls[CONTENTS] == 4  # the head's, the base's two spellings, and a/
    (comment,) = fake.comments[7]
    partly = "(not every file of the base commit was read: one unread may name it)"
    assert f"(models/mlops.yaml is new in this pull request) {partly}. " in comment["body"]
    assert any(line.endswith(partly) for line in done.lines)
