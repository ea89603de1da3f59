"""Gate decisions: absolute, change, relative change, significance, missing values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgate.compare.distributions import PairedTest
from mlgate.compare.gates import Gate, decide
from mlgate.report import gate_text


def test_allowed_drop_holds_and_explains_itself() -> None:
    found = decide(Gate(metric="f1_macro", min_change=-0.01), 0.905, 0.912, has_baseline=True)
    assert found.status == "passed"
    assert found.change == pytest.approx(-0.007)
    assert (
        gate_text.explanation(found)
        == "f1_macro: 0.9050 vs 0.9120 (-0.0070): change >= -0.01 holds"
    )


def test_a_larger_drop_fails_by_how_much() -> None:
    found = decide(Gate(metric="f1_macro", min_change=-0.01), 0.89, 0.912, has_baseline=True)
    assert found.status == "failed"
    assert gate_text.explanation(found) == (
        "f1_macro: 0.8900 vs 0.9120 (-0.0220): change -0.0220 is below the allowed -0.01"
    )


def test_relative_and_max_change_for_a_loss() -> None:
    gate = Gate(metric="log_loss", max_change=0.05, max_relative_change=0.1)
    found = decide(gate, 0.33, 0.25, has_baseline=True)
    assert found.status == "failed"
    assert found.relative_change == pytest.approx(0.32)
    assert "change +0.0800 is above the allowed +0.05" in gate_text.explanation(found)
    assert "relative change +32.00% is above the allowed +10.00%" in gate_text.explanation(found)


def test_first_model_relative_gates_are_not_evaluated_absolute_ones_decide() -> None:
    relative = decide(Gate(metric="f1", min_change=-0.01), 0.9, None, has_baseline=False)
    assert relative.status == "not evaluated"
    both = decide(Gate(metric="f1", min=0.95, min_change=-0.01), 0.9, None, has_baseline=False)
    assert both.status == "failed" and "0.0500 below the minimum 0.95" in gate_text.explanation(
        both
    )


@pytest.mark.parametrize("missing", [None, math.nan])
def test_missing_values_fail_closed_unless_allowed(missing: float | None) -> None:
    gate = Gate(metric="roc_auc", min_change=-0.01)
    assert decide(gate, 0.9, missing, has_baseline=True).status == "failed"
    assert gate_text.explanation(decide(gate, missing, 0.9, has_baseline=True)) == (
        "roc_auc: no value on the candidate side, so the gate cannot hold"
    )
    allowed = Gate(metric="roc_auc", min_change=-0.01, missing_passes=True)
    assert decide(allowed, 0.9, missing, has_baseline=True).status == "passed"


def paired(delta: float, p: float, rows: int = 114) -> PairedTest:
    return PairedTest(
        method="paired bootstrap",
        rows=rows,
        delta=delta,
        ci_low=delta - 0.02,
        ci_high=delta + 0.02,
        p_value=p,
    )


def test_no_significant_drop_uses_the_metric_direction() -> None:
    gate = Gate(metric="f1", significance="no significant drop")
    noise = decide(gate, 0.90, 0.91, has_baseline=True, test=paired(-0.01, 0.4))
    assert noise.status == "passed"
    real = decide(gate, 0.85, 0.91, has_baseline=True, test=paired(-0.06, 0.001))
    assert real.status == "failed" and "a significant drop" in gate_text.explanation(real)
    # for a loss, a significant rise is the drop
    loss = Gate(metric="log_loss", significance="no significant drop")
    assert decide(loss, 0.2, 0.3, has_baseline=True, test=paired(-0.1, 0.001)).status == "passed"
    assert decide(loss, 0.4, 0.3, has_baseline=True, test=paired(0.1, 0.001)).status == "failed"


def test_significant_gain_and_a_missing_pairing() -> None:
    gate = Gate(metric="accuracy", significance="significant gain")
    assert decide(gate, 0.95, 0.9, has_baseline=True, test=paired(0.05, 0.01)).status == "passed"
    assert decide(gate, 0.91, 0.9, has_baseline=True, test=paired(0.01, 0.3)).status == "failed"
    unpaired = decide(gate, 0.95, 0.9, has_baseline=True, test=None)
    assert unpaired.status == "failed" and "same rows" in gate_text.explanation(unpaired)


def test_a_significant_drop_under_a_gain_gate_is_said_as_a_drop() -> None:
    """A small p beside "no significant gain" read as a gain that fell short; it was a
    significant drop (balanced accuracy 0.9405 against 0.9610, p = 0.00999)."""
    gate = Gate(metric="balanced_accuracy", significance="significant gain")
    dropped = decide(gate, 0.9405, 0.9610, has_baseline=True, test=paired(-0.0206, 0.00999))
    assert gate_text.explanation(dropped) == (
        "balanced_accuracy: 0.9405 vs 0.9610 (-0.0205): a significant drop, not the gain asked "
        "for (paired bootstrap, p = 0.00999, 114 rows)"
    )
    flat = decide(gate, 0.9405, 0.9410, has_baseline=True, test=paired(-0.0005, 0.6))
    assert "no significant gain (paired bootstrap, p = 0.6" in gate_text.explanation(flat)


def test_direction_override() -> None:
    gate = Gate(metric="custom_score", greater_is_better=False, significance="no significant drop")
    assert not gate.better_is_higher
    assert Gate(metric="unknown").better_is_higher


_bound = st.one_of(st.none(), st.floats(-1, 1, allow_nan=False))


@given(
    min_=_bound,
    max_=_bound,
    min_change=_bound,
    max_change=_bound,
    min_rel=_bound,
    max_rel=_bound,
    significance=st.sampled_from(["none", "no significant drop", "significant gain"]),
    candidate=st.floats(-2, 2, allow_nan=False),
    missing=st.sampled_from([None, math.nan, math.inf]),
)
def test_no_gate_ever_passes_on_a_missing_baseline_metric_unless_told_to(
    min_: float | None,
    max_: float | None,
    min_change: float | None,
    max_change: float | None,
    min_rel: float | None,
    max_rel: float | None,
    significance: str,
    candidate: float,
    missing: float | None,
) -> None:
    gate = Gate(
        metric="f1",
        min=min_,
        max=max_,
        min_change=min_change,
        max_change=max_change,
        min_relative_change=min_rel,
        max_relative_change=max_rel,
        significance=significance,
    )  # type: ignore[arg-type]
    decided = decide(gate, candidate, missing, has_baseline=True)
    needs_baseline = (
        any(v is not None for v in (min_change, max_change, min_rel, max_rel))
        or significance != "none"
    )
    if needs_baseline:
        assert decided.status == "failed"
        assert "no value on the baseline side" in gate_text.explanation(decided)


def test_a_significant_rise_of_a_lower_is_better_metric_reports_the_worst_end() -> None:
    test = PairedTest(
        method="paired bootstrap", rows=111, delta=6.28, ci_low=4.21, ci_high=8.29, p_value=0.001
    )
    found = decide(
        Gate(metric="rmse", significance="no significant drop"),
        70.6,
        64.3,
        has_baseline=True,
        test=test,
    )
    assert found.status == "failed" and "worst plausible change +8.2900" in gate_text.explanation(
        found
    )
    # it rose: "a significant drop" was the rule's name, not what happened to rmse
    assert "a significant rise, for the worse (paired bootstrap" in gate_text.explanation(found)
    assert "drop (" not in gate_text.explanation(found)


def test_a_lower_is_better_figure_gone_the_wrong_way_under_a_gain_gate_is_a_rise() -> None:
    gate = Gate(metric="log_loss", significance="significant gain")
    worse = decide(gate, 0.40, 0.30, has_baseline=True, test=paired(0.1, 0.001))
    assert gate_text.explanation(worse).endswith(
        "a significant rise, for the worse, not the gain asked for (paired bootstrap, "
        "p = 0.001, 114 rows)"
    )


def test_a_significance_gate_without_a_test_says_why() -> None:
    gate = Gate(metric="f1", significance="no significant drop")
    why = "150 resamples cannot show a change at 0.99 confidence: it takes at least 199"
    found = decide(gate, 0.9, 0.91, has_baseline=True, test=None, untested=why)
    assert found.status == "failed"
    assert gate_text.explanation(found).endswith(f"'no significant drop' has no paired test: {why}")
    # with no reason given, the rows were not paired
    unpaired = decide(gate, 0.9, 0.91, has_baseline=True, test=None)
    assert unpaired.status == "failed"  # and it says how to go on
    assert gate_text.explanation(unpaired).endswith(
        "'no significant drop' needs both models scored on the same rows, and these were "
        "not (the Baseline section says why): keep the test rows and the columns the "
        "baseline had, or drop `significance` from the gate to decide on the figures alone"
    )


def test_a_change_exactly_at_the_threshold_passes_despite_rounding() -> None:
    """0.985 - 0.995 is -0.010000000000000009 in floating point: a drop of exactly 0.01,
    which `min_change: -0.01` allows; a drop of 6 in 599 rows (0.010017) is past it, and
    says so with the places it takes to show it."""
    from mlgate.report import gate_text

    exact = decide(Gate(metric="accuracy", min_change=-0.01), 0.985, 0.995, has_baseline=True)
    assert 0.985 - 0.995 < -0.01 and exact.status == "passed"
    relative = decide(Gate(metric="accuracy", max_relative_change=0.1), 1.1, 1.0, has_baseline=True)
    assert (1.1 - 1.0) / 1.0 > 0.1 and relative.status == "passed"
    past = decide(
        Gate(metric="accuracy", min_change=-0.01), 0.985, 0.985 + 6 / 599, has_baseline=True
    )
    assert past.status == "failed"
    assert gate_text.explanation(past).endswith("change -0.01002 is below the allowed -0.01"), (
        gate_text.explanation(past)
    )


def test_missing_pass_excuses_the_comparison_not_the_candidates_own_bounds() -> None:
    """A baseline without the metric skipped `min`: MCC 0.9342 under a minimum of 0.95
    passed with a baseline, and failed without one."""
    gate = Gate(metric="mcc", min=0.95, min_change=-0.01, missing_passes=True)
    below = decide(gate, 0.9342, None, has_baseline=True)
    assert (below.status, below.missing) == ("failed", "baseline")
    assert gate_text.explanation(below) == (
        "mcc: 0.9342: 0.0158 below the minimum 0.95; no value on the baseline side to compare with"
    )
    assert gate_text.broken(below) == ">= 0.95"
    assert decide(gate, 0.9342, None, has_baseline=False).status == "failed"  # as alone
    above = decide(gate, 0.96, None, has_baseline=True)
    assert (above.status, gate_text.explanation(above)) == (
        "passed",
        "mcc: no value on the baseline side; allowed by the gate",
    )
    # no value of its own: its minimum cannot be shown to hold (it passed, "allowed")
    for baseline, side in ((None, "both"), (0.97, "candidate")):
        unknown = decide(gate, None, baseline, has_baseline=True)
        assert (unknown.status, unknown.missing) == ("failed", side)
        assert gate_text.explanation(unknown).endswith("so the gate cannot hold")
    unbounded = Gate(metric="mcc", min_change=-0.01, missing_passes=True)
    assert decide(unbounded, None, 0.97, has_baseline=True).status == "passed"


def test_a_gate_on_an_undefined_metric_says_why_in_its_own_line(tmp_path) -> None:
    """A target of 0 makes mape undefined: the gate said only "no value on the candidate
    side", the reason stood apart as a warning, and the paired t-test was taken of
    scikit-learn's terms divided by its epsilon (p = 1, CI [+0.0000, +0.0000])."""
    from dataclasses import replace

    import jsonschema
    import numpy as np

    from mlgate import manifest as manifests
    from mlgate.compare import baseline, comparison
    from mlgate.model.metrics import compute
    from mlgate.report import text
    from mlgate.result import arrays, document
    from mlgate.result.records import Baseline, EvaluateStage, Predictions
    from tests.conftest import REPO_ROOT
    from tests.report.test_markdown import result

    (tmp_path / "mlops.yaml").write_text(
        "name: demand\ndata: {train: t.csv, test: t.csv, target: y}\n"
        "train: {command: python train.py}\nevaluate: {metrics: [mae, mape]}\n"
        "compare:\n  gates:\n    mape: {max_change: 0.05}\n"
    )
    (tmp_path / "t.csv").write_text("x,y\n1,0\n")
    (tmp_path / "train.py").write_text("")
    manifest = manifests.load(tmp_path / "mlops.yaml")
    rng = np.random.default_rng(7)
    y = rng.gamma(2.0, 10.0, 400)
    y[:3] = 0.0

    def evaluated(pred: np.ndarray) -> EvaluateStage:
        with pytest.raises(ValueError) as undefined:
            compute("mape", y, pred, None)
        return EvaluateStage(
            status="passed",
            task="regression",
            metrics={"mae": compute("mae", y, pred, None), "mape": None},
            metric_errors={"mape": str(undefined.value)},
            predictions=Predictions(
                rows=len(y),
                row_keys=arrays.encode(np.arange(len(y), dtype=np.uint64)),
                y_true=arrays.encode(y),
                y_pred=arrays.encode(pred),
            ),
        )

    why = (
        "'mape' is undefined on these rows: 3 of 400 targets are 0, and an error relative to "
        "0 has no size; mae or rmse measure the same errors"
    )
    candidate = result(evaluate=evaluated(y + rng.normal(0, 3, len(y))))
    found = baseline.Found(
        info=Baseline(kind="git", ref="main", name="main @ 1a2b3c4", source=baseline.SCORED),
        result=result(evaluate=evaluated(y + rng.normal(0, 4, len(y)))),
    )
    stage = comparison.compare(manifest, candidate, found, worded=gate_text.worded)
    (gate,) = stage.gates
    assert (gate.status, gate.significance, gate.missing_why) == ("failed", None, why)
    assert gate.missing == "both"  # the baseline's mape is as undefined as the candidate's
    assert gate.explanation == f"mape: no value on either side ({why}), so the gate cannot hold"
    assert gate.warning == ""  # said in the line, not twice
    said = text.render(replace(candidate, compare=stage))
    assert said.count(why) == 1  # the metric's own "not computed" line is the gate's
    schema = __import__("json").loads((REPO_ROOT / "src/mlgate/result/schema.json").read_text())
    jsonschema.validate(document.to_dict(replace(candidate, compare=stage)), schema)
    # without a baseline the reason is the candidate's own evaluation's
    alone = comparison.compare(
        manifest,
        candidate,
        baseline.Found(info=Baseline(kind="none", name="none", source="none")),
        worded=gate_text.worded,
    )
    assert alone.gates[0].missing_why == why


def test_a_positive_class_changed_since_the_baseline_measures_both_sides_alike(tmp_path) -> None:
    """`positive_label: malignant` at main, `benign` on the branch, the model unchanged:
    f1 read "0.9770 vs 0.9600 (+0.0170)" beside its own paired test of delta 0, [0, 0]."""
    import numpy as np

    from mlgate import manifest as manifests
    from mlgate.compare import baseline, comparison
    from mlgate.model.metrics import compute
    from mlgate.result import arrays
    from mlgate.result.records import Baseline, EvaluateStage, Predictions
    from tests.report.test_markdown import result

    (tmp_path / "mlops.yaml").write_text(
        "name: cancer\ndata: {train: t.csv, test: t.csv, target: y}\n"
        "train: {command: python train.py}\n"
        "evaluate: {metrics: [f1, accuracy], positive_label: benign}\n"
        "compare:\n  gates:\n    f1: {min_change: -0.01, significance: no significant drop}\n"
    )
    (tmp_path / "t.csv").write_text("x,y\n1,benign\n")
    (tmp_path / "train.py").write_text("")
    manifest = manifests.load(tmp_path / "mlops.yaml")
    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.35).astype(np.int32)  # 1: malignant, 0: benign
    pred = np.where(rng.random(300) < 0.9, y, 1 - y).astype(np.int32)
    classes = ["benign", "malignant"]

    def evaluated(positive: int) -> EvaluateStage:
        return EvaluateStage(
            status="passed",
            task="classification",
            positive_label=classes[positive],
            metrics={
                "f1": compute("f1", y, pred, None, classes=[0, 1], positive_index=positive),
                "accuracy": compute("accuracy", y, pred, None, classes=[0, 1]),
            },
            predictions=Predictions(
                rows=len(y),
                row_keys=arrays.encode(np.arange(len(y), dtype=np.uint64)),
                y_true=arrays.encode(y),
                y_pred=arrays.encode(pred),
                classes=tuple(classes),
            ),
        )

    candidate, theirs = result(evaluate=evaluated(0)), result(evaluate=evaluated(1))
    assert candidate.evaluate.metrics["f1"] != theirs.evaluate.metrics["f1"]
    found = baseline.Found(
        info=Baseline(kind="git", ref="main", name="main @ 1a2b3c4", source=baseline.SCORED),
        result=theirs,
    )
    stage = comparison.compare(manifest, candidate, found, worded=gate_text.worded)
    (f1,) = [m for m in stage.metrics if m.metric == "f1"]
    assert f1.baseline == f1.candidate == candidate.evaluate.metrics["f1"] and f1.change == 0
    (gate,) = stage.gates
    assert gate.status == "passed" and gate.significance is not None
    assert gate.significance.delta == 0
    assert stage.baseline.message == (
        "the baseline's positive class was 'malignant': both sides' figures are of "
        "'benign', on the paired rows"
    )
