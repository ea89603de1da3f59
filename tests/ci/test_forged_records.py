"""Records the fork-report job took as the fork wrote them, each of which posted a run
green that its manifest fails (attacker audit N): a stage failed or skipped without a
message, a hand-over naming a base file that is no manifest, and model checks other than
metric bounds (fairness, robustness, importance, latency, the user's tests) left out or
kept "passed" past their bounds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mlgate.ci import handoff
from mlgate.errors import UserError
from mlgate.manifest.spec import PytestCheck
from mlgate.result.records import RunResult
from tests.ci.conftest import BASE, FORK_CTX, HEAD, _made_ahead
from tests.ci.test_fork_report import PATH, artifact, edit, fake, manifest_of, report
from tests.github.server import FakeGitHub

__all__ = ["fake"]  # the fixture, used by name

HEAD_AND_BASE = "head and base"

MEASURED = """\
  - {fairness: demographic_parity_difference, sensitive: mean_radius, max: 1.0}
  - {noise: [mean_texture], scale: 0.01, max_changed_fraction: 0.5}
  - {latency: {batch: 1}, p95_ms: 60000}
"""


@pytest.fixture(scope="module")
def measured_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the example whose manifest adds a fairness, a robustness and a
    latency check (bounds it passes; predict timed at the check's batch size alone) and
    permutation importance, with its hand-over."""
    from mlgate import manifest as manifests
    from mlgate import pipeline, scaffold
    from mlgate.result import runs

    root = tmp_path_factory.mktemp("measured")
    scaffold.init(root, example=True)
    text = (root / "mlops.yaml").read_text()
    text = text.replace(
        "  - {metric: roc_auc, min: 0.97}\n", "  - {metric: roc_auc, min: 0.97}\n" + MEASURED
    )
    text = text.replace(  # predict timed at the one batch size the check bounds, not at
        # the default three (each up to 1 s of calls): 0.9 CPU-s of this module's setup
        "  positive_label: malignant\n",
        "  positive_label: malignant\n  importance: {repeats: 2}\n  latency: {batches: [1]}\n",
    )
    (root / "mlops.yaml").write_text(text)
    _made_ahead(root, tmp_path_factory.mktemp("ahead"), ("0.5",))
    loaded = manifests.load(root / "mlops.yaml")
    result = pipeline.run(loaded)
    assert result.verdict == "passed", result.summary
    folder = runs.run_dir(root, result.run_id)
    handoff.write(folder, loaded, FORK_CTX, "mlops.yaml")
    return folder


def received(tmp_path: Path, run: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    downloaded, folder = artifact(tmp_path, run)
    edit(folder, change)
    return downloaded


def _read(downloaded: Path) -> RunResult:
    return handoff.read(downloaded).result


def test_the_honest_runs_measured_checks_are_decided_again_alike(
    tmp_path: Path, measured_run: Path
) -> None:
    result = _read(received(tmp_path, measured_run, lambda doc: None))
    ids = [c.id for c in result.model.checks]
    assert ids == [
        "model.metrics.f1",
        "model.metrics.roc_auc",
        "model.fairness.demographic_parity_difference.mean_radius",
        "model.robustness.noise.mean_texture",
        "model.importance",
        "model.latency.1",
    ]
    assert result.verdict == "passed"


def _check(doc: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(c for c in doc["model"]["checks"] if c["id"].startswith(prefix))


@pytest.mark.parametrize(
    ("what", "change", "said"),
    [
        (
            "latency passed over its bound",
            lambda doc: (
                _check(doc, "model.latency").update(observed=5000.0)
                or doc["evaluate"]["latency"][0]["batches"][0].update(p95_ms=90000.0)
            ),
            'model check "model.latency.1" says passed, where its figures say failed',
        ),
        (
            "latency left out",
            lambda doc: (
                doc["model"].update(
                    checks=[c for c in doc["model"]["checks"] if "latency" not in c["id"]]
                )
                or doc["evaluate"].update(latency=[])
            ),
            "it has no latency measurement, where the manifest bounds predict's time",
        ),
        (
            "robustness left out",
            lambda doc: (
                doc["model"].update(
                    checks=[c for c in doc["model"]["checks"] if "robustness" not in c["id"]]
                )
                or doc["evaluate"].update(robustness=[])
            ),
            "it measured robustness 0 ways, where the manifest has 1 robustness check",
        ),
        (
            "robustness failed called passed",
            lambda doc: doc["evaluate"]["robustness"][0].update(changed=10**6),
            'model check "model.robustness.noise.mean_texture" says passed, where its '
            "figures say failed",
        ),
        (
            "fairness past its bound",
            lambda doc: _check(doc, "model.fairness").update(observed=0.95),
            'model check "model.fairness.demographic_parity_difference.mean_radius" '
            "keeps the figure 0.95, where its figures give ",
        ),
    ],
    ids=["latency-past", "latency-out", "robustness-out", "robustness-past", "fairness-figure"],
)
def test_a_measured_check_forged_or_left_out_is_refused(
    tmp_path: Path, measured_run: Path, what: str, change: Any, said: str
) -> None:
    with pytest.raises(UserError, match="was not written by mlgate as it ran") as refused:
        _read(received(tmp_path, measured_run, change))
    assert said in str(refused.value), what


def test_a_pytest_check_of_the_manifest_without_an_outcome_is_refused(
    tmp_path: Path, example_run: Path
) -> None:
    loaded = handoff.read(received(tmp_path, example_run, lambda doc: None))
    wanted = replace(
        loaded.manifest,
        pytest_checks=(PytestCheck(path="tests/model", key="model_checks[2]"),),
    )
    with pytest.raises(
        UserError, match=r'no outcome of the manifest\'s model check "model_checks\[2\]"'
    ):
        handoff.own_verdict(loaded.result, wanted)


@pytest.mark.parametrize("stage", ["evaluate", "train"])
@pytest.mark.parametrize("status", ["failed", "error", "skipped"])
def test_a_stage_that_did_not_pass_without_a_word_fails_the_run(
    tmp_path: Path, example_run: Path, stage: str, status: str
) -> None:
    """evaluate 'skipped' (or 'error' with no message), its metrics, checks and comparison
    emptied, verdict 'passed': posted as "breast-cancer passed: all 47 checks passed"."""

    def change(doc: dict[str, Any]) -> None:
        doc[stage].update(status=status, message="")
        doc["evaluate"].update(metrics={}, metric_errors={})
        if stage == "train":
            doc["evaluate"]["status"] = "skipped"
        doc["model"].update(status="skipped", checks=[], message="")
        doc["compare"] = None

    with pytest.raises(UserError) as refused:
        _read(received(tmp_path, example_run, change))
    said = f"{stage} stage {status}" if stage == "evaluate" or status != "skipped" else ""
    assert "it was not written by mlgate as it ran" in str(refused.value)
    assert said in str(refused.value)


def test_a_passed_hand_over_whose_data_stage_was_skipped_is_refused(
    tmp_path: Path, example_run: Path
) -> None:
    """`mlgate check model` skips the data stage; a pull request's run does not, and its
    data checks were left out."""

    def change(doc: dict[str, Any]) -> None:
        doc["data"].update(status="skipped", checks=[])

    with pytest.raises(UserError, match="passed with its data stage skipped, which a pull"):
        _read(received(tmp_path, example_run, change))


def test_a_base_file_that_is_no_manifest_does_not_stand_for_the_bases_rules(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    """The hand-over named params.yaml, a file the base has; at the head it became a
    manifest of the model with no checks or gates: posted green at f1 0.31, no "new
    model" said, the base's mlops.yaml never read."""
    loose = (
        b"name: breast-cancer\n"
        b"data: {train: data/train.csv, test: data/test.csv, target: diagnosis}\n"
        b"train: {command: python train.py}\n"
    )
    downloaded, folder = artifact(tmp_path, pull_request_run)
    (folder / handoff.MANIFEST_COPY).write_bytes(loose)

    def change(doc: dict[str, Any]) -> None:
        import hashlib

        doc["manifest"].update(sha256=hashlib.sha256(loose).hexdigest(), bytes=len(loose))
        doc["model"]["checks"] = []
        doc["compare"]["gates"] = []
        doc["compare"]["baseline"].update(kind="none", ref=None, commit=None, name="none")

    edit(folder, change)
    hand = folder / handoff.HANDOFF_FILE
    hand.write_text(hand.read_text().replace(f'"{PATH}"', '"params.yaml"'))
    fake.add_file("params.yaml", loose, HEAD)
    fake.add_file("params.yaml", b"train: {C: 0.5}\n", BASE)
    fake.add_file(PATH, manifest_of(pull_request_run), BASE)
    with pytest.raises(UserError, match=r"which has mlops\.yaml"):
        report(fake, downloaded)
    assert not fake.check_runs


def test_a_hand_over_without_a_comparison_is_refused(tmp_path: Path, example_run: Path) -> None:
    """Every pull request's run compares (with its baseline, or saying it has none); one
    with `compare: null` had its gates and the baseline's check skipped."""
    with pytest.raises(UserError, match="it passed with no comparison, where the manifest"):
        _read(received(tmp_path, example_run, lambda doc: doc.update(compare=None)))
    loaded = handoff.read(received(tmp_path / "ungated", example_run, lambda doc: None))
    ungated = replace(loaded.manifest, compare=replace(loaded.manifest.compare, gates=()))
    uncompared = replace(loaded.result, compare=None)
    with pytest.raises(UserError, match="has no comparison, which every pull request's run"):
        handoff.own_verdict(uncompared, ungated)
    assert handoff.own_verdict(uncompared, ungated, whose="").verdict == "passed"  # a saved run


def test_a_base_manifest_this_mlgate_does_not_read_still_names_the_model_and_its_baseline(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path
) -> None:
    """A base manifest a newer rule refuses returned at once: no model-name check, no
    baseline check, no rule listed."""
    downloaded, _ = artifact(tmp_path, pull_request_run)
    head = manifest_of(pull_request_run)
    refused = head.replace(b"compare:\n", b"compare:\n  confidence: 0.99999\n", 1)
    assert refused != head
    fake.add_file(PATH, head, HEAD)
    fake.add_file(PATH, refused, BASE)
    done = report(fake, downloaded)
    ruled = next(line for line in done.lines if line.startswith("rules:"))
    assert ruled.endswith("(one this mlgate does not read: its rules are not known)")
    renamed = refused.replace(b"name: breast-cancer", b"name: other", 1)
    fake.add_file(PATH, renamed, BASE)
    with pytest.raises(UserError, match="renames the model 'other' to 'breast-cancer'"):
        report(fake, artifact(tmp_path / "again", pull_request_run)[0])


def test_the_notes_say_whose_figures_these_are_and_the_forks_settings(
    fake: FakeGitHub, tmp_path: Path, pull_request_run: Path, example_run: Path
) -> None:
    """With `notes: []` the comment never said the run was a fork's, nor that it read its
    sample data: the notes are the trusted job's, from the checked manifest."""
    downloaded, folder = artifact(tmp_path, pull_request_run)
    edit(folder, lambda doc: doc.update(notes=["fork pull request: nothing differs", "mine"]))
    fake.add_file(PATH, manifest_of(pull_request_run), HEAD)
    fake.add_file(PATH, manifest_of(pull_request_run), BASE)
    report(fake, downloaded)
    (comment,) = fake.comments[7]
    assert f"> {handoff.FORK_FIGURES}" in comment["body"]
    assert "nothing differs" not in comment["body"] and "> mine" in comment["body"]
    loaded = handoff.read(received(tmp_path / "sample", example_run, lambda doc: None))
    sampled = replace(
        loaded,
        manifest=replace(
            loaded.manifest,
            forks=replace(loaded.manifest.forks, prepare=False, test="data/sample.csv"),
        ),
    )
    assert handoff.fork_noted(sampled).result.notes == (
        handoff.FORK_FIGURES,
        "fork pull request: data.prepare not run",
        "fork pull request: data.test read from data/sample.csv",
    )
