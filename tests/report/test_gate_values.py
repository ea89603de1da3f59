"""A gate's result keeps values (its thresholds, each failure's bound and amount, the power
warning's inputs); the report words them. A run.json from before the values were kept has
only the words, and still loads and renders the same gate lines."""

from __future__ import annotations

import json
from dataclasses import replace

from mlgate.compare.gates import Gate, decide
from mlgate.git import GitInfo
from mlgate.report import gate_text, junit, markdown, text
from mlgate.result import document
from mlgate.result.records import (
    Baseline,
    CompareStage,
    DataStage,
    Environment,
    EvaluateStage,
    FileFingerprint,
    GateResult,
    ModelStage,
    PowerShortfall,
    RunResult,
    TrainStage,
)

VALUES = ("thresholds", "failures", "missing", "power", "untested")


def gates() -> tuple[GateResult, ...]:
    failed = decide(
        Gate(metric="f1", min=0.95, min_change=-0.01, max_relative_change=0.1),
        0.9,
        0.93,
        has_baseline=True,
    )
    warned = replace(
        decide(Gate(metric="acc", min_change=-0.01), 0.95, 0.951, has_baseline=True),
        power=PowerShortfall(rows=114, margin=0.01, detectable=0.0312345),
    )
    untested = replace(
        decide(
            Gate(metric="auc", significance="no significant drop"),
            0.8,
            0.9,
            has_baseline=True,
            untested="one class only",
        ),
        untested="one class only",
    )
    missing = decide(Gate(metric="r2", min_change=0.0), None, 0.5, has_baseline=True)
    return tuple(gate_text.worded(g) for g in (failed, warned, untested, missing))


def run(gate_results: tuple[GateResult, ...]) -> RunResult:
    sha = "ab" * 32
    return RunResult(
        run_id="20261123T000000Z-abcdef",
        name="churn",
        mlgate_version="0.1.0",
        started_at="2026-11-23T00:00:00Z",
        duration_s=3.2,
        verdict="failed",
        summary="3 of 4 gates failed",
        manifest=FileFingerprint(path="mlops.yaml", sha256=sha, bytes=120),
        git=GitInfo(commit="c" * 40, branch="feature/x", dirty=False),
        params={},
        environment=Environment(python="3.11.7", platform="Linux", packages={}),
        data=DataStage(status="passed"),
        train=TrainStage(status="passed"),
        evaluate=EvaluateStage(status="passed", task="classification", metrics={"f1": 0.9}),
        model=ModelStage(status="passed"),
        compare=CompareStage(
            status="failed",
            baseline=Baseline(kind="file", name="metrics.json"),
            gates=gate_results,
            message="3 of 4 gates failed",
        ),
    )


def shown(result: RunResult) -> list[str]:
    compared = result.compare.gates if result.compare is not None else ()
    return [
        markdown.render(result),
        text.render(result),
        junit.render(result.checks, compared, suite_name="churn"),
    ]


def test_a_failed_gate_keeps_its_bound_and_amount_as_numbers_in_run_json() -> None:
    saved = json.loads(document.dumps(run(gates())))
    f1, acc, auc, r2 = saved["compare"]["gates"]
    assert f1["thresholds"] == {
        "min": 0.95,
        "max": None,
        "min_change": -0.01,
        "max_change": None,
        "min_relative_change": None,
        "max_relative_change": 0.1,
        "significance": "none",
    }
    below_min, below_change = f1["failures"]
    assert below_min["kind"] == "min" and below_min["bound"] == 0.95
    assert below_min["found"] == 0.9 and below_min["by"] == 0.95 - 0.9
    assert below_change["kind"] == "min_change" and below_change["bound"] == -0.01
    assert below_change["found"] == 0.9 - 0.93 and below_change["by"] == -0.01 - (0.9 - 0.93)
    assert acc["failures"] == [] and acc["power"] == {
        "rows": 114,
        "margin": 0.01,
        "detectable": 0.0312345,
        "apart": None,  # said only when no change is detectable
        "needed": None,
    }
    assert auc["failures"][0]["kind"] == "untested" and auc["failures"][0]["why"] == (
        "one class only"
    )
    assert auc["untested"] == "one class only"
    assert r2["missing"] == "candidate" and r2["status"] == "failed"
    # the words are kept beside the values, for whoever reads run.json
    assert f1["rule"] == ">= 0.95, change >= -0.01, relative change <= +10%"
    assert f1["explanation"] == (
        "f1: 0.9000 vs 0.9300 (-0.0300): 0.0500 below the minimum 0.95; "
        "change -0.0300 is below the allowed -0.01"
    )
    assert acc["warning"].startswith("114 paired rows cannot reliably detect the 0.01 margin")
    assert auc["warning"] == "no paired test: one class only"
    assert document.loads(document.dumps(run(gates()))) == run(gates())


def test_a_significance_failure_keeps_its_p_value_and_worst_change() -> None:
    from mlgate.compare.distributions import PairedTest

    test = PairedTest(
        method="paired t", rows=20, delta=8.0, ci_low=7.0, ci_high=8.29, p_value=0.001
    )
    found = decide(
        Gate(metric="mae", significance="no significant drop", greater_is_better=False),
        18.0,
        10.0,
        has_baseline=True,
        test=test,
    )
    (failure,) = found.failures
    assert failure.kind == "significant_drop" and failure.p_value == 0.001
    assert failure.rows == 20 and failure.worst == 8.29 and failure.method == "paired t"


def test_a_run_json_with_only_the_words_renders_the_same_gate_lines() -> None:
    new = run(gates())
    saved = json.loads(document.dumps(new))
    for gate in saved["compare"]["gates"]:  # as mlgate wrote run.json before the values
        for key in VALUES:
            del gate[key]
    old = document.loads(json.dumps(saved))
    assert all(g.thresholds is None and g.failures == () for g in old.compare.gates)
    assert shown(old) == shown(new)
    for out in shown(old):
        assert "0.0500 below the minimum 0.95" in out
    assert "no paired test: one class only" in markdown.render(old)
    assert "0.95, change &gt;= -0.01, relative change &lt;= +10%" in shown(old)[2]  # the rule
    # the words are shown as stored, not worded again
    said = replace(old.compare.gates[0], explanation="f1: as an older mlgate said it")
    assert gate_text.explanation(said) == "f1: as an older mlgate said it"
    assert "f1: as an older mlgate said it" in text.render(
        replace(old, compare=replace(old.compare, gates=(said,)))
    )


def test_the_gate_table_shows_a_failed_figure_with_the_places_that_show_it_failed() -> None:
    """A candidate of 29,999/30,000 read "1.0000" beside a failed ">= 1", and a change of
    -0.01002 read "-0.0100" beside a failed "change >= -0.01"."""
    near = gate_text.worded(
        decide(Gate(metric="acc", min=1.0), 29_999 / 30_000, None, has_baseline=True)
    )
    drop = gate_text.worded(
        decide(Gate(metric="f1", min_change=-0.01), 0.92498, 0.935, has_baseline=True)
    )
    held = gate_text.worded(decide(Gate(metric="auc", min=0.5), 0.9, 0.9, has_baseline=True))
    table = markdown.render(run((near, drop, held)))
    assert "| ❌ | acc | n/a | 0.99997 | n/a | n/a | &gt;= 1 |" in table
    assert "| ❌ | f1 | 0.9350 | 0.9250 | -0.01002 | -1.07% | change &gt;= -0.01 |" in table
    assert "| ✅ | auc | 0.9000 | 0.9000 | +0.0000 | +0.00% | &gt;= 0.5 |" in table
