"""Baselines for real: git refs in temporary repositories (shallow clones too), files,
metrics files, the first model, and the cache that spares a second baseline run."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.compare import baseline
from mlgate.errors import UserError
from mlgate.result import document
from tests import projects
from tests.compare import picked
from tests.conftest import git

pytestmark = (
    pytest.mark.e2e
)  # each test trains: a git baseline is the user's training, run at its commit

# Where a test is about what the comparison finds and says, not about training itself,
# the project's "training" copies the model fitted ahead for its C (tests/compare/picked.py),
# at the candidate's commit and at the baseline's alike

GATES = """\
compare:
  baseline: main
  gates:
    accuracy: {min_change: -0.05}
    f1_macro: {significance: no significant drop}
"""


def iris_repo(make_repo: Callable[..., Path], compare: str = GATES) -> Path:
    files = picked.iris_files(projects.IRIS_MANIFEST + compare)
    files[".gitignore"] = "models/\n"
    return make_repo(files)


def run(root: Path, **env: str):
    return pipeline.run(manifests.load(root / "mlops.yaml"), env={"PATH": _path(), **env})


def _path() -> str:
    import os

    return os.environ["PATH"]


def branch_with_params(root: Path, c: float) -> None:
    git(root, "checkout", "-q", "-b", "feature")
    (root / "params.yaml").write_text(f"train:\n  C: {c}\n")
    git(root, "commit", "-qam", "change C")


def test_a_git_baseline_runs_at_its_commit_and_scores_the_candidates_rows(
    make_repo: Callable[..., Path],
) -> None:
    root = iris_repo(make_repo)
    main = git(root, "rev-parse", "HEAD")
    branch_with_params(root, 0.05)
    result = run(root)
    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert (b.kind, b.ref, b.commit) == ("git", "main", main)
    assert b.source == "scored on the candidate's test rows"
    assert b.same_data is True and b.paired_rows == 30 and not b.cached
    assert [p.name for p in compared.params] == ["train.C"]
    assert (compared.params[0].old, compared.params[0].new) == (1.0, 0.05)
    f1 = next(g for g in compared.gates if g.metric == "f1_macro")
    assert f1.significance is not None and f1.significance.rows == 30
    assert f1.change is not None and f1.significance.delta == pytest.approx(f1.change)
    accuracy = next(m for m in compared.metrics if m.metric == "accuracy")
    assert accuracy.baseline is not None and accuracy.candidate is not None
    assert accuracy.change == pytest.approx(accuracy.candidate - accuracy.baseline)
    # each side is its own model on the same rows, scored by hand: main's (C = 1.0) and the
    # branch's (C = 0.05), which differ there (the baseline scored with the candidate's
    # model was caught by no test of this folder)
    rows = pd.read_csv(root / "data" / "test.csv")
    features, species = rows.drop(columns=["species"]), rows["species"]
    by_hand = [accuracy_score(species, picked.model(c).predict(features)) for c in (1.0, 0.05)]
    assert by_hand[0] != by_hand[1]
    assert [accuracy.baseline, accuracy.candidate] == pytest.approx(by_hand)
    saved = json.loads((root / ".mlgate" / "runs" / result.run_id / "run.json").read_text())
    jsonschema.Draft202012Validator(document.schema()).validate(saved)
    report = (root / ".mlgate" / "runs" / result.run_id / "report.md").read_text()
    history = report[report.index("<summary>Metric history</summary>") :]
    assert f'x-axis ["{main[:7]}", "{result.git.commit[:7]}"]' in history  # type: ignore[index]
    # the user's checkout is as it was: no worktree left, nothing staged, same branch
    assert git(root, "worktree", "list").count("\n") == 0
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD") == "feature"
    assert git(root, "status", "--porcelain") == ""


def test_the_baseline_is_computed_once_per_base_commit(make_repo: Callable[..., Path]) -> None:
    root = iris_repo(make_repo)
    branch_with_params(root, 0.05)
    first = run(root).compare
    second = run(root).compare
    assert first is not None and second is not None
    assert not first.baseline.cached and second.baseline.cached
    assert [g.baseline for g in first.gates] == [g.baseline for g in second.gates]
    assert [g.significance for g in first.gates] == [g.significance for g in second.gates]


def test_a_branch_that_changes_its_gates_and_checks_says_so(
    make_repo: Callable[..., Path],
) -> None:
    """A pull request set `accuracy: {min_change: -1}`, removed a model check and passed,
    with nothing to say the rules had moved: each gate and threshold check set otherwise
    than at the baseline's commit is listed, in run.json, the report and the terminal,
    from a cached baseline too."""
    from mlgate.report import markdown, text

    root = iris_repo(make_repo)
    git(root, "checkout", "-q", "-b", "feature")
    manifest = (root / "mlops.yaml").read_text()
    manifest = manifest.replace("accuracy: {min_change: -0.05}", "accuracy: {min_change: -1}")
    manifest = manifest.replace(
        "  - {metric: accuracy, min: 0.8}\n", "  - {metric: f1_macro, min: 0.5}\n"
    )
    (root / "mlops.yaml").write_text(manifest)
    git(root, "commit", "-qam", "looser")
    for cached in (False, True):
        result = run(root)
        compared = result.compare
        assert compared is not None and compared.baseline.cached is cached
        assert [(r.kind, r.subject, r.change, r.old, r.new) for r in compared.rules] == [
            ("gate", "accuracy", "changed", "change >= -0.05", "change >= -1"),
            ("model check", "accuracy", "removed", ">= 0.8", None),
            ("model check", "f1_macro", "added", None, ">= 0.5"),
        ]
    shown = markdown.render(result)
    assert "What it is judged by changed: 3 rules (gates, model checks) set otherwise" in shown
    assert "| gate accuracy | change &gt;= -0.05 | change &gt;= -1 |" in shown
    said = text.render(result)
    assert "warning: gate accuracy changed since main @ " in said
    assert "model check accuracy removed since main @ " in said and ": >= 0.8 -> none" in said
    # the same manifest as the base's: nothing to say
    git(root, "checkout", "-q", "main")
    assert run(root).compare.rules == ()  # type: ignore[union-attr]


def test_a_shallow_clone_fetches_the_base_branch_itself(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    origin = iris_repo(make_repo)
    main = git(origin, "rev-parse", "HEAD")
    branch_with_params(origin, 0.05)
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        "--single-branch",
        f"file://{origin}",
        str(clone),
    )
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    with pytest.raises(subprocess.CalledProcessError):
        git(clone, "rev-parse", "--verify", "main^{commit}")
    result = run(clone)
    assert result.compare is not None and result.compare.baseline.commit == main
    assert result.compare.baseline.source == "scored on the candidate's test rows"


def test_a_pull_requests_base_branch_is_the_default_baseline(
    make_repo: Callable[..., Path],
) -> None:
    compare = "compare:\n  gates:\n    accuracy: {min_change: -0.05}\n"
    root = iris_repo(make_repo, compare)
    branch_with_params(root, 0.05)
    outside = run(root).compare
    assert outside is not None and outside.baseline.kind == "none"
    assert outside.gates[0].status == "not evaluated"
    inside = run(root, GITHUB_BASE_REF="main").compare
    assert inside is not None and inside.baseline.ref == "main"
    assert inside.gates[0].status == "passed"


def test_a_base_without_a_manifest_is_the_first_model(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"README.md": "nothing yet\n"})
    git(root, "checkout", "-q", "-b", "feature")
    picked.write(root, picked.iris_files(projects.IRIS_MANIFEST + GATES))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first model")
    result = run(root)
    assert result.compare is not None
    assert result.compare.baseline.kind == "none"
    assert "first model" in result.compare.baseline.message
    assert {g.status for g in result.compare.gates} == {"not evaluated"}
    assert result.passed  # the absolute model check decides


def test_a_manifest_renamed_or_moved_since_the_base_still_has_its_baseline(
    make_repo: Callable[..., Path],
) -> None:
    """`git mv mlops.yaml mlops.yml`, or the project moved into `ml/`, with a weaker C: the
    base had no manifest at the new path, so the branch was "the first model" and every
    gate was left out; the model that failed them passed."""
    root = iris_repo(make_repo)
    git(root, "checkout", "-q", "-b", "renamed")
    git(root, "mv", "mlops.yaml", "mlops.yml")
    (root / "params.yaml").write_text("train:\n  C: 0.05\n")
    git(root, "commit", "-qam", "rename the manifest; a weaker model")
    renamed = pipeline.run(manifests.load(root / "mlops.yml"), env={"PATH": _path()})
    assert renamed.compare is not None and renamed.compare.baseline.kind == "git"
    assert renamed.compare.baseline.message == "main holds this model's manifest at mlops.yaml"
    assert {g.status for g in renamed.compare.gates} != {"not evaluated"}
    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-q", "-b", "moved")
    (root / "ml").mkdir()
    for name in ("mlops.yaml", "params.yaml", "train.py", "data", "trained"):
        git(root, "mv", name, f"ml/{name}")
    git(root, "commit", "-qm", "move the project into ml/")
    moved = pipeline.run(manifests.load(root / "ml" / "mlops.yaml"), env={"PATH": _path()})
    assert moved.compare is not None and moved.compare.baseline.kind == "git"
    assert moved.compare.baseline.message == "main holds this model's manifest at mlops.yaml"
    assert moved.compare.baseline.paired_rows > 0


def test_a_run_on_the_commit_its_baseline_names_is_compared_with_none_and_says_so(
    make_repo: Callable[..., Path],
) -> None:
    """`compare.baseline: main`, run on main: the same code trained a second time, and
    "3 of 3 gates passed against main @ <HEAD>", passed by construction."""
    root = iris_repo(make_repo)
    head = git(root, "rev-parse", "HEAD")
    result = run(root)
    assert result.compare is not None and result.compare.baseline.kind == "none"
    assert result.compare.baseline.message == (
        f"main is this very commit ({head[:7]}): a model compared with a retraining of "
        "itself passes every gate by construction, so it is compared with none; "
        "`mlgate compare main~1` compares it with the commit before"
    )
    assert {g.status for g in result.compare.gates} == {"not evaluated"}
    # asked for by name (`mlgate compare main`): done, and said (audit U, finding 3: it
    # passed every gate with no word that the model was compared with itself)
    asked = baseline.override(manifests.load(root / "mlops.yaml"), "main")
    by_name = pipeline.run(asked, env={"PATH": _path()})
    assert by_name.compare is not None and by_name.compare.baseline.kind == "git"
    assert by_name.compare.baseline.message == (
        f"main is this very commit ({head[:7]}): the model is compared with a retraining of "
        "itself, a check that training repeats; `mlgate compare main~1` compares it with the "
        "commit before"
    )
    (root / "notes.txt").write_text("uncommitted\n")  # the work tree is not the commit
    assert run(root).compare.baseline.kind == "git"


def test_a_branch_behind_its_baseline_says_the_baselines_newer_commits_count_as_its_own(
    make_repo: Callable[..., Path],
) -> None:
    """main moved on (C 1.0 -> 0.05) after a README-only branch left it: the branch was
    shown changing train.C and failing a gate, with nothing saying it was behind."""
    root = iris_repo(make_repo)
    git(root, "checkout", "-q", "-b", "readme")
    (root / "README.md").write_text("notes\n")
    git(root, "add", "README.md")
    git(root, "commit", "-qm", "a README")
    git(root, "checkout", "-q", "main")
    (root / "params.yaml").write_text("train:\n  C: 0.05\n")
    git(root, "commit", "-qam", "main: a weaker C")
    git(root, "checkout", "-q", "readme")
    behind = run(root)
    assert behind.compare is not None
    assert behind.compare.baseline.message == (
        "main has 1 commit this run's commit lacks: what changed there counts here as this "
        "commit's own change, undone; merge or rebase main to compare this change alone"
    )
    git(root, "rebase", "-q", "main")
    assert run(root).compare.baseline.message == ""


def test_a_required_baseline_that_is_missing_fails_the_run(make_repo: Callable[..., Path]) -> None:
    compare = "compare:\n  baseline: none\n  required: true\n"
    root = iris_repo(make_repo, compare)
    result = run(root)
    assert not result.passed
    assert "compare.required" in result.summary


def test_an_unknown_ref_is_a_clear_error(make_repo: Callable[..., Path]) -> None:
    root = iris_repo(make_repo, GATES.replace("baseline: main", "baseline: no-such-branch"))
    with pytest.raises(UserError) as caught:
        run(root)
    # a clone with no origin is told so, not to look on an origin it has not got
    assert caught.value.message.endswith(
        "unknown git ref 'no-such-branch' (not in this clone, and it has no origin to fetch)"
    )
    assert caught.value.hint == (
        "name a branch, tag or commit of this clone (`git branch` lists them)"
    )
    assert not (root / ".mlgate" / "runs").exists()  # said before anything trained
    # a misspelt branch is offered the one it likely meant
    (root / "mlops.yaml").write_text(
        (root / "mlops.yaml").read_text().replace("baseline: no-such-branch", "baseline: mian")
    )
    with pytest.raises(UserError) as typo:
        run(root)
    assert typo.value.hint == "did you mean 'main'?"


def test_a_dvc_metrics_file_is_a_baseline_of_stored_numbers(make_repo: Callable[..., Path]) -> None:
    compare = (
        "compare:\n  baseline: {file: baseline/metrics.json}\n  gates:\n"
        "    accuracy: {min_change: -0.05}\n    f1_macro: {min_change: -0.05}\n"
    )
    root = iris_repo(make_repo, compare)
    (root / "baseline").mkdir()
    (root / "baseline" / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.5}}))
    result = run(root)
    compared = result.compare
    assert compared is not None and compared.baseline.source == "stored metrics"
    assert compared.baseline.same_data is None
    accuracy = next(g for g in compared.gates if g.metric == "accuracy")
    assert accuracy.baseline == 0.5 and accuracy.status == "passed"
    f1 = next(g for g in compared.gates if g.metric == "f1_macro")
    assert f1.status == "failed" and "baseline side" in f1.explanation  # fails closed
    assert not result.passed
    saved = json.loads((root / ".mlgate" / "runs" / result.run_id / "run.json").read_text())
    jsonschema.Draft202012Validator(document.schema()).validate(saved)
    report = (root / ".mlgate" / "runs" / result.run_id / "report.md").read_text()
    assert "stored metrics: whether they were measured on the same data cannot be checked" in report


def test_a_missing_baseline_metric_passes_only_when_the_gate_says_so(
    make_repo: Callable[..., Path],
) -> None:
    compare = (
        "compare:\n  baseline: {file: old.yaml}\n  gates:\n"
        "    f1_macro: {min_change: -0.05, missing: pass}\n"
    )
    root = iris_repo(make_repo, compare)
    (root / "old.yaml").write_text("accuracy: 0.9\n")
    result = run(root)
    assert result.compare is not None and result.compare.gates[0].status == "passed"
    assert "allowed by the gate" in result.compare.gates[0].explanation


def test_a_metrics_file_that_is_neither_json_nor_yaml_is_a_clear_error(
    make_repo: Callable[..., Path],
) -> None:
    compare = "compare:\n  baseline: {file: old.json}\n"
    root = iris_repo(make_repo, compare)
    (root / "old.json").write_text("accuracy: [0.9\n")
    with pytest.raises(UserError, match=r"old\.json: not valid JSON"):
        run(root)


def test_metrics_files_at_a_ref_are_read_with_git(make_repo: Callable[..., Path]) -> None:
    compare = (
        "compare:\n  baseline: main\n  metrics: [metrics.json]\n  gates:\n"
        "    accuracy: {min_change: 0.0}\n"
    )
    files = picked.iris_files(projects.IRIS_MANIFEST + compare)
    files["metrics.json"] = json.dumps({"accuracy": 0.99})
    root = make_repo(files)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "metrics.json").write_text(json.dumps({"accuracy": 0.1}))  # not what main holds
    result = run(root)
    gate = result.compare.gates[0] if result.compare else None
    assert gate is not None and gate.baseline == 0.99
    assert result.compare is not None and result.compare.baseline.source == "stored metrics"


def test_a_regression_baseline_is_paired_and_tested_too(make_repo: Callable[..., Path]) -> None:
    files = projects.diabetes_files()
    files["mlops.yaml"] += (
        "compare:\n  baseline: main\n  gates:\n"
        "    rmse: {max_change: 5, significance: no significant drop}\n"
    )
    root = make_repo(files)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "train.py").write_text(projects.TRAIN_REGRESSOR.replace("Ridge()", "Ridge(alpha=3)"))
    git(root, "commit", "-qam", "more regularisation")
    compared = run(root).compare
    assert compared is not None and compared.baseline.same_data is True
    gate = compared.gates[0]
    assert gate.significance is not None and gate.significance.rows == compared.baseline.paired_rows
    assert gate.candidate is not None and gate.baseline is not None
    assert gate.change == pytest.approx(gate.candidate - gate.baseline)
    assert gate.significance.delta == pytest.approx(gate.change, abs=1e-9)
    # RMSE's closed form, named; its interval and p-value agree
    test = gate.significance
    assert test.method == "delta method"
    assert (test.ci_low > 0 or test.ci_high < 0) == (test.p_value < 1 - test.confidence)


def test_a_baseline_whose_own_run_fails_fails_the_gates_closed(
    make_repo: Callable[..., Path],
) -> None:
    files = picked.iris_files(projects.IRIS_MANIFEST + GATES)
    files["train.py"] = (
        "print('reading the features')\nraise SystemExit('no such column: petal_area')\n"
    )
    root = make_repo(files)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "train.py").write_text(picked.PICK)
    git(root, "commit", "-qam", "a training script that works")
    result = run(root)
    compared = result.compare
    assert compared is not None and compared.baseline.source == "unavailable"
    assert "the baseline's own run failed in its train stage" in compared.baseline.message
    # with the command's own last lines: "exited with code 1" alone said nothing of why
    assert compared.baseline.message.endswith(
        "(its last lines: reading the features / no such column: petal_area)"
    )
    assert {g.status for g in compared.gates} == {"failed"} and not result.passed
    assert not (root / ".mlgate" / "cache" / "baselines").exists()  # failures are not cached
    # a command that printed only blank lines: nothing to quote, and no empty quote
    git(root, "checkout", "-q", "main")
    (root / "train.py").write_text("print()\nprint('   ')\nraise SystemExit(3)\n")
    git(root, "commit", "-qam", "a silent failing training")
    git(root, "checkout", "-q", "feature")
    message = run(root).compare.baseline.message
    assert "failed in its train stage" in message and "its last lines" not in message


def test_a_registry_stage_outside_a_repository_says_so(tmp_path: Path) -> None:
    # a stage that holds a version is a baseline (tests/compare/test_resplit.py)
    root = picked.write(
        tmp_path / "plain",
        picked.iris_files(projects.IRIS_MANIFEST + "compare:\n  baseline: {stage: production}\n"),
    )
    with pytest.raises(UserError, match="is not in a git repository; the registry keeps"):
        run(root)


def test_a_git_baseline_outside_a_repository_says_so(tmp_path: Path) -> None:
    root = projects.write(
        tmp_path / "plain", projects.iris_files(Path(), manifest=projects.IRIS_MANIFEST + GATES)
    )
    with pytest.raises(UserError, match="is not in a git repository"):
        run(root)


def test_a_gate_added_since_the_base_is_decided_on_both_models_predictions(
    make_repo: Callable[..., Path],
) -> None:
    """A gate on a metric the base's manifest did not compute failed every time, "no value
    on the baseline side", beside the paired test mlgate had computed on both models."""
    root = iris_repo(make_repo)  # the base computes accuracy, f1_macro and roc_auc
    git(root, "checkout", "-q", "-b", "feature")
    manifest = root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "    accuracy: {min_change: -0.05}\n",
            "    accuracy: {min_change: -0.05}\n    balanced_accuracy: {min_change: -0.05}\n"
            "    log_loss: {max_change: 0.5}\n",
        )
    )
    git(root, "commit", "-qam", "two more gates")
    found = run(root).compare
    assert found is not None and found.baseline.ref == "main"
    gates = {g.metric: g for g in found.gates}
    assert gates["balanced_accuracy"].status == "passed", gates["balanced_accuracy"]
    assert gates["log_loss"].status == "passed", gates["log_loss"]
    # the same code on both sides, the same rows: the same figures
    for metric in ("balanced_accuracy", "log_loss"):
        assert gates[metric].baseline == pytest.approx(gates[metric].candidate, abs=1e-12)
        assert gates[metric].baseline is not None
