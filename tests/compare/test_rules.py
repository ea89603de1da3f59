"""What a pull request changes of what it is judged by (`rules.changes`): every key of the
manifest that moves a verdict, set otherwise than at the base, is listed."""

from __future__ import annotations

from pathlib import Path

from mlgate import manifest
from mlgate.compare import baseline, rules
from mlgate.manifest.spec import Manifest

HEAD = """\
name: churn
data: {train: train.csv, test: test.csv, target: y}
train: {command: python train.py}
evaluate: {task: classification, metrics: [accuracy, f1], positive_label: left}
"""
GATES = """\
compare:
  gates:
    accuracy: {significance: no significant drop}
"""


def parsed(tmp_path: Path, text: str) -> Manifest:
    return manifest.parse(
        text.encode(), name="mlops.yaml", root=tmp_path, path=tmp_path / "mlops.yaml", files=False
    )


def changed(tmp_path: Path, base: str, head: str) -> list[tuple[str, ...]]:
    """(kind, subject, change, old, new) of each rule `head` sets otherwise than `base`."""
    return [
        (r.kind, r.subject, r.change, r.old or "", r.new or "")
        for r in rules.changes(base.encode(), parsed(tmp_path, head))
    ]


def test_a_gate_written_with_its_metrics_own_direction_is_no_changed_rule(
    tmp_path: Path,
) -> None:
    """`greater_is_better` against the metric's own direction is refused by validate (the
    audit's `false` on accuracy turned a fall of 27 points into a gain); the metric's own,
    written out, changes no verdict, and was listed as a changed rule."""
    own = HEAD + GATES.replace("drop}", "drop, greater_is_better: true}")
    assert changed(tmp_path, HEAD + GATES, own) == []
    looser = HEAD + GATES.replace("drop}", "drop, min_change: -1}")
    assert changed(tmp_path, own, looser) == [
        ("gate", "accuracy", "changed", "no significant drop", "change >= -1, no significant drop")
    ]


def test_a_baseline_manifest_this_mlgate_does_not_read_is_said_to_be(tmp_path: Path) -> None:
    """A base valid before a rule refused it (`confidence: 0.9999`, now at most 0.999):
    nothing was listed, so a pull request mending it could loosen every gate unsaid."""
    base = HEAD + GATES.replace("compare:\n", "compare:\n  confidence: 0.9999\n")
    head = HEAD + GATES.replace("drop}", "drop, min_change: -1}")
    ((kind, subject, change, old, new),) = changed(tmp_path, base, head)
    assert (kind, subject, change, new) == (
        "setting",
        "mlops.yaml",
        "changed",
        "every rule as written here",
    )
    assert old.startswith("not read by this mlgate (mlops.yaml:") and "confidence" in old
    assert old.endswith("): its rules are not known")


def test_the_settings_that_move_a_verdict_are_changed_rules(tmp_path: Path) -> None:
    """`compare.confidence: 0.99999999999` called a fall of 27 points (p = 9.3e-10) noise,
    and no rule was listed as changed; the resamples and seed move a bootstrap's p, and
    the baseline what every relative gate is held against."""
    head = HEAD + GATES.replace(
        "compare:\n",
        "compare:\n  confidence: 0.999\n  resamples: 2000\n  seed: 7\n  baseline: none\n"
        "  required: true\n",
    )
    assert changed(tmp_path, HEAD + GATES, head) == [
        ("setting", "compare.baseline", "changed", "auto", "none"),
        ("setting", "compare.confidence", "changed", "0.95", "0.999"),
        ("setting", "compare.required", "changed", "false", "true"),
        ("setting", "compare.resamples", "changed", "1000", "2000"),
        ("setting", "compare.seed", "changed", "0", "7"),
    ]
    assert changed(tmp_path, head, head) == []
    # a baseline the command line or the event names is no rule of the manifest's
    named = baseline.override(parsed(tmp_path, HEAD + GATES), "v1.0", origin="the command line")
    assert rules.changes((HEAD + GATES).encode(), named) == ()


def test_another_positive_class_is_a_changed_rule(tmp_path: Path) -> None:
    """`f1 >= 0.7` of the base meant the minority class's F1: a pull request that moved
    `positive_label` to the majority class passed it with a weaker model, and no rule was
    listed as changed."""
    checks = "model_checks:\n  - {metric: f1, min: 0.7}\n"
    head = HEAD.replace("positive_label: left", "positive_label: stayed") + checks
    assert changed(tmp_path, HEAD + checks, head) == [
        ("setting", "evaluate.positive_label", "changed", "left", "stayed")
    ]
    unset = HEAD.replace(", positive_label: left", "") + checks
    assert changed(tmp_path, unset, HEAD + checks) == [
        ("setting", "evaluate.positive_label", "changed", "the greater label", "left")
    ]


def test_data_checks_slices_and_every_kind_of_model_check_are_rules(tmp_path: Path) -> None:
    """A data check loosened or dropped passes data the base failed, slices moved or too
    small to test change what a gate's `slices: true` asks, and a robustness, latency or pytest
    check removed passes a model the base would have failed: none of them was listed."""
    base = HEAD.replace(
        "data: {train: train.csv, test: test.csv, target: y}\n",
        "data:\n  train: train.csv\n  test: test.csv\n  target: y\n"
        "  columns:\n    age: {type: integer, min: 18}\n    plan: {type: category}\n"
        "  checks:\n    rows: {min: 100}\n    leakage: true\n"
        "    drift: {threshold: 0.1}\n    expressions: ['age < 120']\n",
    ).replace("positive_label: left}", "positive_label: left,\n  slices: [plan]}")
    base += (
        "model_checks:\n  - {noise: age, scale: 0.05, max_changed_fraction: 0.01}\n"
        "  - {latency: {batch: 1}, p95_ms: 50}\n  - {pytest: tests/model}\n"
        + GATES.replace("drop}", "drop, slices: true}")
    )
    head = (
        base.replace("min: 18", "min: 0")
        .replace("rows: {min: 100}", "rows: {min: 10}")
        .replace("    leakage: true\n", "")
        .replace("threshold: 0.1", "threshold: 0.5")
        .replace("['age < 120']", "['age < 150']")
        .replace("slices: [plan]}", "slices: [age], min_slice_rows: 1000}")
        .replace("max_changed_fraction: 0.01", "max_changed_fraction: 0.5")
        .replace("p95_ms: 50", "p95_ms: 5000")
        .replace("  - {pytest: tests/model}\n", "")
    )
    assert changed(tmp_path, base, head) == [
        ("model check", "latency of a batch of 1", "changed", "p95_ms: 50", "p95_ms: 5000"),
        (
            "model check",
            "noise on age",
            "changed",
            "max_changed_fraction: 0.01, scale: 0.05",
            "max_changed_fraction: 0.5, scale: 0.05",
        ),
        ("model check", "pytest tests/model", "removed", "run", ""),
        ("data check", "data.checks.drift", "changed", "threshold: 0.1", "threshold: 0.5"),
        ("data check", "data.checks.expressions", "changed", "[age < 120]", "[age < 150]"),
        ("data check", "data.checks.leakage", "removed", "true", ""),
        ("data check", "data.checks.rows", "changed", ">= 100", ">= 10"),
        (
            "data check",
            "data.columns.age",
            "changed",
            "type: integer, min: 18",
            "type: integer, min: 0",
        ),
        ("setting", "evaluate.min_slice_rows", "changed", "30", "1000"),
        ("setting", "evaluate.slices", "changed", "[{columns: [plan]}]", "[{columns: [age]}]"),
    ]
    assert changed(tmp_path, head, head) == []
