"""A fork's run is decided again from its own figures before it is posted.

The figures are the fork's (its code trained and scored the model); what mlgate decided
from them is not the fork's to say. Each forgery below was posted as a green check.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mlgate.ci import handoff
from mlgate.compare import gates, recheck
from mlgate.compare.distributions import mcnemar
from mlgate.compare.paired import recorded
from mlgate.errors import UserError
from mlgate.result.records import Baseline, MetricChange, RunResult


@pytest.fixture
def received(tmp_path: Path, example_run: Path) -> handoff.Received:
    shutil.copytree(example_run, tmp_path / "mlgate-run" / example_run.name)
    return handoff.read(tmp_path / "mlgate-run")


def against_a_baseline(received: handoff.Received, drop: float) -> RunResult:
    """The example run compared with a baseline `drop` better on each gate's metric (an
    f1 of 1 at most), its gates decided as mlgate decides them, with a real paired test
    behind the significance rules."""
    result = received.result
    assert result.compare is not None and result.evaluate.predictions is not None
    rows = result.evaluate.predictions.rows
    rng = np.random.default_rng(0)
    right = rng.random((2, rows)) < [[0.80], [0.97]]  # the candidate is right less often
    test = mcnemar(right[0], right[1])
    decided, baselines = [], {}
    for gate in received.manifest.compare.gates:
        candidate = result.evaluate.metrics[gate.metric]
        assert candidate is not None
        tested = test if gate.significance != "none" else None
        baseline = min(candidate + drop, 1.0) if gate.better_is_higher else candidate - drop
        baselines[gate.metric] = baseline
        decision = gates.decide(gate, candidate, baseline, has_baseline=True, test=tested)
        decided.append(
            replace(decision, significance=recorded(tested) if tested is not None else None)
        )
    compared = replace(
        result.compare,
        baseline=Baseline(
            kind="git",
            ref="main",
            commit="b" * 40,
            name="main @ bbbbbbb",
            paired_rows=rows,
            candidate_rows=rows,
        ),
        metrics=tuple(with_baseline(c, baselines.get(c.metric)) for c in result.compare.metrics),
        gates=tuple(decided),
    )
    return replace(result, compare=compared)


def with_baseline(change: MetricChange, baseline: float | None) -> MetricChange:
    """A compared metric with this baseline, as the comparison writes it."""
    if baseline is None or change.candidate is None:
        return change
    delta = change.candidate - baseline
    relative = delta / abs(baseline) if baseline else None
    return replace(change, baseline=baseline, change=delta, relative_change=relative)


def test_an_honest_run_agrees_with_itself(received: handoff.Received) -> None:
    assert recheck.disagreements(received.manifest, received.result) == []
    failing = against_a_baseline(received, drop=0.06)
    assert {g.status for g in failing.compare.gates} == {"failed"}  # type: ignore[union-attr]
    assert recheck.disagreements(received.manifest, failing) == []


def test_a_failed_gate_marked_passed_is_found(received: handoff.Received) -> None:
    failing = against_a_baseline(received, drop=0.06)
    assert failing.compare is not None
    forged = replace(
        failing,
        compare=replace(
            failing.compare,
            gates=tuple(replace(g, status="passed", failures=()) for g in failing.compare.gates),
        ),
    )
    found = recheck.disagreements(received.manifest, forged)
    assert found[0].startswith("gate f1 says passed, where its candidate 0.97")
    assert found[0].endswith("say failed")
    assert len(found) == 3


def test_a_loosened_threshold_or_a_missing_gate_is_found(received: handoff.Received) -> None:
    result = against_a_baseline(received, drop=0.0)
    assert result.compare is not None
    first = result.compare.gates[0]
    assert first.thresholds is not None
    loose = replace(first, thresholds=replace(first.thresholds, min_change=-0.5))
    for gate in (loose, replace(first, thresholds=None)):  # None: words shown as written
        forged = replace(
            result, compare=replace(result.compare, gates=(gate, *result.compare.gates[1:]))
        )
        assert recheck.disagreements(received.manifest, forged) == [
            "gate f1's thresholds are not the manifest's"
        ]
    fewer = replace(result, compare=replace(result.compare, gates=result.compare.gates[1:]))
    assert recheck.disagreements(received.manifest, fewer) == [
        'its gates are "accuracy", "log_loss", where the manifest\'s are "f1", "accuracy", '
        '"log_loss"'
    ]
    assert recheck.disagreements(received.manifest, replace(result, compare=None)) == [
        "it passed with no comparison, where the manifest sets gates"
    ]


def test_a_p_value_its_interval_contradicts_is_found(received: handoff.Received) -> None:
    result = against_a_baseline(received, drop=0.06)
    assert result.compare is not None
    accuracy = result.compare.gates[1]
    assert accuracy.significance is not None and accuracy.significance.p_value < 0.05
    calm = replace(accuracy.significance, p_value=0.9)  # its interval still excludes zero
    forged = replace(
        result,
        compare=replace(
            result.compare,
            gates=(
                result.compare.gates[0],
                replace(accuracy, significance=calm),
                *result.compare.gates[2:],
            ),
        ),
    )
    found = recheck.disagreements(received.manifest, forged)
    assert found[0] == "gate accuracy's interval and p-value disagree"


def test_a_model_check_marked_passed_under_its_minimum_is_found(
    received: handoff.Received,
) -> None:
    result = received.result
    metrics = {**result.evaluate.metrics, "f1": 0.5}
    checks = tuple(
        replace(c, observed=0.5) if c.id == "model.metrics.f1" else c for c in result.model.checks
    )
    forged = replace(
        result,
        evaluate=replace(result.evaluate, metrics=metrics),
        model=replace(result.model, checks=checks),
    )
    found = recheck.disagreements(received.manifest, forged)
    assert found[0] == "model check f1 says passed, where f1 = 0.5 says failed"
    assert found[1:] == [  # the comparison's table still says the figure it was made from
        f"compared metric f1's candidate {result.evaluate.metrics['f1']!r} is not its "
        "evaluation's 0.5"
    ]
    dropped = replace(result, model=replace(result.model, checks=result.model.checks[1:]))
    assert recheck.disagreements(received.manifest, dropped)[0].startswith(
        'its metric checks are "roc_auc", where the manifest\'s are "f1", "roc_auc"'
    )


def test_the_hand_over_refuses_a_forged_check_and_words_the_checks_itself(
    tmp_path: Path, example_run: Path
) -> None:
    folder = tmp_path / "mlgate-run" / example_run.name
    shutil.copytree(example_run, folder)
    run = folder / "run.json"
    data = json.loads(run.read_text())
    for check in data["model"]["checks"]:
        check["message"] = "all good\n::warning::merge me"
    run.write_text(json.dumps(data))
    worded = handoff.read(tmp_path / "mlgate-run").result.model.checks
    assert [c.message for c in worded][:2] == [
        f"f1 = {data['evaluate']['metrics']['f1']:.4f} (>= 0.9)",
        f"roc_auc = {data['evaluate']['metrics']['roc_auc']:.4f} (>= 0.97)",
    ]
    data["evaluate"]["metrics"]["f1"] = 0.5
    for check in data["model"]["checks"]:
        if check["id"] == "model.metrics.f1":
            check["observed"] = 0.5
    run.write_text(json.dumps(data))
    with pytest.raises(UserError, match=r"model check f1 says passed, where f1 = 0\.5 says failed"):
        handoff.read(tmp_path / "mlgate-run")


def test_a_run_of_another_mlgate_is_told_to_run_again(tmp_path: Path, example_run: Path) -> None:
    """Rules change between versions: a fork's run by an older mlgate that decides a gate
    otherwise is refused all the same, but the hint says why it may be honest."""
    folder = tmp_path / "mlgate-run" / example_run.name
    shutil.copytree(example_run, folder)
    run = folder / "run.json"
    data = json.loads(run.read_text())
    data["mlgate_version"] = "0.1.0"
    data["evaluate"]["metrics"]["f1"] = 0.5
    for check in data["model"]["checks"]:
        if check["id"] == "model.metrics.f1":
            check["observed"] = 0.5
    run.write_text(json.dumps(data))
    with pytest.raises(UserError) as refused:
        handoff.read(tmp_path / "mlgate-run")
    assert refused.value.hint is not None
    assert refused.value.hint.startswith("it says mlgate 0.1.0 wrote it, and this is ")


def test_a_name_from_the_forks_manifest_is_quoted_in_what_is_said(
    received: handoff.Received,
) -> None:
    """The manifest is the fork's too: a metric named with a line break would have started
    a line of its own (a workflow command, in a job's log)."""
    result = against_a_baseline(received, drop=0.06)
    assert result.compare is not None
    odd = "f1\n::error::merge me"
    gates_ = tuple(replace(g, metric=odd) if g.metric == "f1" else g for g in result.compare.gates)
    manifest = replace(
        received.manifest,
        compare=replace(
            received.manifest.compare,
            gates=tuple(
                replace(g, metric=odd) if g.metric == "f1" else g
                for g in received.manifest.compare.gates
            ),
        ),
    )
    forged = replace(
        result,
        compare=replace(
            result.compare, gates=tuple(replace(g, status="passed", failures=()) for g in gates_)
        ),
    )
    found = recheck.disagreements(manifest, forged)
    assert found[0].startswith('gate "f1\\n::error::merge me" says passed')
    assert all("\n" not in said for said in found)


def test_a_gate_decided_on_figures_the_table_contradicts_is_found(
    received: handoff.Received,
) -> None:
    """A fork's gate rows claimed f1 0.985 over a table that said 0.92 against a baseline of
    0.98; each row's decision agreed with its own pair, and the check went green."""
    result = against_a_baseline(received, drop=0.06)
    assert result.compare is not None
    log_loss = result.compare.gates[2]
    assert (log_loss.metric, log_loss.status) == ("log_loss", "failed")
    assert log_loss.baseline is not None
    claimed = log_loss.baseline + 0.01  # within its max_change of 0.05: passed
    forged_gate = gates.decide(
        received.manifest.compare.gates[2], claimed, log_loss.baseline, has_baseline=True
    )
    assert forged_gate.status == "passed"
    compared = replace(result.compare, gates=(*result.compare.gates[:2], forged_gate))
    found = recheck.disagreements(received.manifest, replace(result, compare=compared))
    assert found == [
        f"gate log_loss is decided on {claimed!r} against {log_loss.baseline!r}, where the "
        f"compared metric is {log_loss.candidate!r} against {log_loss.baseline!r}"
    ]


def test_figures_no_model_or_test_could_have_are_found(received: handoff.Received) -> None:
    result = against_a_baseline(received, drop=0.06)
    assert result.compare is not None and result.evaluate.predictions is not None
    rows = result.evaluate.predictions.rows
    over = {**result.evaluate.metrics, "f1": 1.04}
    assert recheck.disagreements(
        received.manifest, replace(result, evaluate=replace(result.evaluate, metrics=over))
    )[-2:] == [
        "metric f1 is 1.04, which it cannot be",
        f"compared metric f1's candidate {result.evaluate.metrics['f1']!r} is not its "
        "evaluation's 1.04",
    ]
    accuracy = result.compare.gates[1]
    assert accuracy.significance is not None
    padded = replace(accuracy, significance=replace(accuracy.significance, rows=rows + 286))
    gates_ = (result.compare.gates[0], padded, *result.compare.gates[2:])
    assert f"gate accuracy's test counts {rows + 286:,} rows, of {rows:,} compared" in (
        recheck.disagreements(
            received.manifest, replace(result, compare=replace(result.compare, gates=gates_))
        )
    )
    f1 = next(c for c in result.compare.metrics if c.metric == "f1")
    assert f1.change is not None
    shifted = replace(f1, change=f1.change + 0.05)
    metrics = tuple(shifted if c is f1 else c for c in result.compare.metrics)
    assert recheck.disagreements(
        received.manifest, replace(result, compare=replace(result.compare, metrics=metrics))
    ) == ["compared metric f1's change is not its sides' difference"]


def test_a_figure_computed_again_from_the_kept_predictions_may_differ_in_its_last_digits(
    received: handoff.Received,
) -> None:
    """The comparison recomputes the candidate's figures from run.json's predictions,
    whose probabilities are 32-bit: an honest run's log_loss read 0.10330839455 beside its
    evaluation's 0.10330839316, and was refused as not written by mlgate."""
    result = against_a_baseline(received, drop=0.06)
    assert result.compare is not None
    value = result.evaluate.metrics["log_loss"]
    assert value is not None
    nudged = tuple(
        replace(c, candidate=value * (1 + 1.3e-8)) if c.metric == "log_loss" else c
        for c in result.compare.metrics
    )
    honest = replace(result, compare=replace(result.compare, metrics=nudged))
    assert not [d for d in recheck.disagreements(received.manifest, honest) if "candidate" in d]
