"""The report's calibration section: the reliability diagram's bins are scikit-learn's
`calibration_curve`, their weighted gaps are the calibration error the run computes, and
class names from the data stay inert."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from mlgate.model.metrics import compute
from mlgate.report import charts, markdown
from mlgate.result import arrays
from mlgate.result.records import EvaluateStage, Predictions
from tests.report.test_markdown import result

ROW = re.compile(
    r"^\| [\[(]([\d.]+), ([\d.]+)\] \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) \| ([+-][\d.]+) \|$"
)


def scored(y: np.ndarray, p: np.ndarray, classes: tuple[str, ...]) -> EvaluateStage:
    scores = np.c_[1 - p, p] if p.ndim == 1 else p
    return EvaluateStage(
        status="passed",
        task="classification",
        metrics={"accuracy": 0.9},
        positive_label=classes[1],
        predictions=Predictions(
            rows=len(y),
            row_keys=arrays.encode(np.arange(len(y), dtype=np.uint64)),
            y_true=arrays.encode(y.astype(np.int64)),
            y_pred=arrays.encode(scores.argmax(axis=1).astype(np.int64)),
            scores=arrays.encode(scores),
            classes=classes,
        ),
    )


def test_the_bins_are_scikit_learns_reliability_curve_and_sum_to_the_error() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(2000) < 0.35).astype(np.int64)
    p = np.clip(rng.normal(0.25 + 0.45 * y, 0.2), 0, 1)
    section = charts.reliability_section(result(evaluate=scored(y, p, ("stay", "churn"))))
    rows = [ROW.match(line) for line in section.splitlines() if ROW.match(line)]
    observed, stated = calibration_curve(y, p, n_bins=10, strategy="uniform")
    assert len(rows) == len(observed)
    np.testing.assert_allclose([float(m[4]) for m in rows], stated, atol=5e-5)  # 4 decimals
    np.testing.assert_allclose([float(m[5]) for m in rows], observed, atol=5e-5)
    counts = np.array([int(m[3].replace(",", "")) for m in rows])
    assert counts.sum() == len(y)
    error = compute("calibration_error", y, (p > 0.5).astype(np.int64), np.c_[1 - p, p])
    weighted = float(np.sum(counts / len(y) * np.abs(observed - stated)))
    assert abs(error - weighted) < 1e-12
    assert f"calibration error {error:.4f}" in section
    assert "the probability of `churn`" in section
    assert section.count("```mermaid") == 1
    brier = skm.brier_score_loss(y, p)
    assert f"Brier score: {brier:.4f} (95% interval " in section
    assert f"{error:.4f} (95% interval " in section and "bootstrap percentiles" in section


def test_more_classes_bin_the_most_probable_class_and_names_stay_inert() -> None:
    rng = np.random.default_rng(4)
    scores = rng.dirichlet([2.0, 1.0, 1.0], size=500)
    y = rng.integers(0, 3, 500)
    hostile = ("<b>a</b>", "b | c", "`d`")
    section = charts.reliability_section(result(evaluate=scored(y, scores, hostile)))
    assert "the most probable class's probability" in section
    assert "Brier" not in section  # mlgate's Brier score is of two classes
    rows = [ROW.match(line) for line in section.splitlines() if ROW.match(line)]
    hit = scores.argmax(axis=1) == y
    observed, stated = calibration_curve(hit, scores.max(axis=1), n_bins=10)
    np.testing.assert_allclose([float(m[4]) for m in rows], stated, atol=5e-5)
    np.testing.assert_allclose([float(m[5]) for m in rows], observed, atol=5e-5)
    y2, p2 = np.array([0, 1] * 20), np.linspace(0.05, 0.95, 40)
    named = charts.reliability_section(result(evaluate=scored(y2, p2, ("no", hostile[0]))))
    assert "the probability of `<b>a</b>`" in named  # a code span: shown, never read


def test_no_probabilities_no_section_and_the_report_places_it_after_the_curves() -> None:
    plain = result()
    assert charts.reliability_section(plain) == ""
    assert "Calibration" not in markdown.render(plain)
    y = np.array([0, 1] * 50)
    p = np.linspace(0.05, 0.95, 100)
    report = markdown.render(result(evaluate=scored(y, p, ("a", "b"))))
    assert report.index("ROC and precision-recall") < report.index("Calibration (")
    regression = replace(result().evaluate, task="regression")
    assert charts.reliability_section(result(evaluate=regression)) == ""


def test_against_a_baseline_both_models_are_binned_on_the_rows_compared(tmp_path) -> None:
    from mlgate import manifest as manifests
    from mlgate.compare import baseline, comparison
    from mlgate.report import gate_text
    from mlgate.result.records import Baseline

    (tmp_path / "mlops.yaml").write_text(
        "name: churn\ndata: {train: t.csv, test: t.csv, target: y}\n"
        "train: {command: python train.py}\n"
        "compare:\n  gates:\n    calibration_error: {significance: no significant drop}\n"
    )
    (tmp_path / "t.csv").write_text("x,y\n1,0\n")
    manifest = manifests.load(tmp_path / "mlops.yaml")
    rng = np.random.default_rng(5)
    y = (rng.random(3000) < 0.4).astype(np.int64)
    ours = np.clip(rng.normal(0.3 + 0.4 * y, 0.15), 0, 1)
    theirs = np.minimum(ours**2, 0.75)  # other probabilities, none above 0.75

    def evaluated(p: np.ndarray) -> EvaluateStage:
        error = compute("calibration_error", y, (p > 0.5).astype(np.int64), np.c_[1 - p, p])
        return replace(scored(y, p, ("stay", "churn")), metrics={"calibration_error": error})

    candidate = result(evaluate=evaluated(ours))
    found = baseline.Found(
        info=Baseline(kind="git", ref="main", name="main @ 1a2b3c4", source=baseline.SCORED),
        result=result(evaluate=evaluated(theirs)),
    )
    stage = comparison.compare(manifest, candidate, found, worded=gate_text.worded)
    assert [r.role for r in stage.reliability] == ["candidate", "baseline"]
    for drawn, p in zip(stage.reliability, (ours, theirs), strict=True):
        observed, stated = calibration_curve(y, p, n_bins=10, strategy="uniform")
        np.testing.assert_allclose([b.observed for b in drawn.bins], observed, rtol=1e-12)
        np.testing.assert_allclose([b.stated for b in drawn.bins], stated, rtol=1e-12)
        assert sum(b.rows for b in drawn.bins) == len(y)
        error = compute("calibration_error", y, (p > 0.5).astype(np.int64), np.c_[1 - p, p])
        assert drawn.error == error
    (gate,) = stage.gates
    assert gate.candidate == stage.reliability[0].error  # the gate's figures are the same
    assert gate.baseline == stage.reliability[1].error
    section = charts.reliability_section(replace(candidate, compare=stage))
    assert (
        "**Against the baseline (main @ 1a2b3c4)**, on the 3,000 rows both were compared on: "
        f"calibration error "
        f"{stage.reliability[0].error:.4f} (candidate) and {stage.reliability[1].error:.4f} "
        "(baseline)" in section
    )
    # a bin only one model filled: dashes for the other, not a zero rate
    mine, other = ({(b.lower, b.upper) for b in r.bins} for r in stage.reliability)
    assert mine ^ other
    for lower, upper in mine ^ other:
        edges = f"| {'[' if lower == 0 else '('}{lower:.1f}, {upper:.1f}] |"
        side_by_side = [line for line in section.splitlines() if line.count("|") == 8]
        (line,) = [line for line in side_by_side if line.startswith(edges)]
        assert "| 0 | — | — |" in line, line
    written = charts.write_png(replace(candidate, compare=stage), tmp_path / "png")
    assert tmp_path / "png" / "reliability.png" in written


def test_one_calibration_error_has_one_interval_at_the_manifests_confidence() -> None:
    """With evaluate.intervals, the metrics list gave 0.1770 [0.1423, 0.2204] (a row
    bootstrap of 200) and the calibration section 0.1436 to 0.2186 (1,000 resamples, 95%,
    whatever compare.confidence said)."""
    from mlgate.compare import intervals
    from mlgate.manifest.spec import Compare

    rng = np.random.default_rng(5)
    p = rng.uniform(0, 1, 600)
    y = (rng.random(600) < np.clip(p + 0.1, 0, 1)).astype(np.int64)
    stage = scored(y, p, ("no", "yes"))
    error = compute("calibration_error", y, (p > 0.5).astype(np.int64), np.c_[1 - p, p])
    stage = replace(stage, metrics={"calibration_error": error})
    spec = Compare(confidence=0.99, resamples=500, seed=3)
    (own,) = intervals.of(stage, spec)
    assert own.confidence == 0.99 and own.low <= error <= own.high
    section = charts.reliability_section(
        replace(result(), evaluate=replace(stage, intervals=(own,)))
    )
    shown = f"{error:.4f} (99% interval {own.low:.4f} to {own.high:.4f}, {own.method})"
    assert f"Calibration error (the gaps weighted by rows): {shown}" in section


def test_one_brier_score_has_one_interval_too() -> None:
    """The metrics list said `brier_score: 0.1943 [0.1888, 0.2001] (bootstrap of rows, 200
    resamples)` and the calibration section `0.1943 (95% interval 0.1887 to 0.1999, Student's
    t)`: two intervals for one figure. Without evaluate.intervals, Student's t is the one."""
    from mlgate.compare import intervals
    from mlgate.manifest.spec import Compare

    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 800)
    y = (rng.random(800) < p).astype(np.int64)
    brier = compute("brier_score", y, (p > 0.5).astype(np.int64), np.c_[1 - p, p], classes=[0, 1])
    stage = replace(scored(y, p, ("no", "yes")), metrics={"brier_score": brier})
    (own,) = intervals.of(stage, Compare(confidence=0.9, resamples=400, seed=1))
    kept = charts.reliability_section(replace(result(), evaluate=replace(stage, intervals=(own,))))
    shown = f"{brier:.4f} (90% interval {own.low:.4f} to {own.high:.4f}, {own.method})"
    assert f"Brier score: {shown}" in kept and "Student's t" not in kept
    alone = charts.reliability_section(replace(result(), evaluate=stage))
    assert f"Brier score: {brier:.4f} (95% interval " in alone and "Student's t)" in alone
