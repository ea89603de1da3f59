"""What a pull request changes of what it is judged by (`rules.changes`): every key of the
manifest that moves a verdict, set otherwise than at the base, is listed."""

from __future__ import annotations

from pathlib import Path

from mlgate import manifest
from mlgate.compare import rules

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


def changed(tmp_path: Path, base: str, head: str) -> list[tuple[str, ...]]:
    """(kind, subject, change, old, new) of each rule `head` sets otherwise than `base`."""
    parsed = manifest.parse(
        head.encode(), name="mlops.yaml", root=tmp_path, path=tmp_path / "mlops.yaml", files=False
    )
    return [
        (r.kind, r.subject, r.change, r.old or "", r.new or "")
        for r in rules.changes(base.encode(), parsed)
    ]


def test_a_gate_given_a_direction_is_a_changed_rule(tmp_path: Path) -> None:
    """`greater_is_better` sets which way is a drop: the audit's `false` on accuracy turned
    a fall of 27 points into a gain, and no rule was listed as changed."""
    head = HEAD + GATES.replace("drop}", "drop, greater_is_better: true}")
    assert changed(tmp_path, HEAD + GATES, head) == [
        (
            "gate",
            "accuracy",
            "changed",
            "no significant drop",
            "no significant drop, greater_is_better: true",
        )
    ]
    assert changed(tmp_path, head, head) == []
