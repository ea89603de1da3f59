"""The manifest's `compare:` section: typed values, and located errors with the right fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate import manifest
from mlgate.errors import ManifestError

HEAD = """\
name: churn
data: {train: train.csv, test: test.csv, target: y}
train: {command: python train.py}
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str], Path]:
    (tmp_path / "train.csv").write_text("a,y\n1,0\n")
    (tmp_path / "test.csv").write_text("a,y\n1,0\n")

    def make(compare: str) -> Path:
        path = tmp_path / "mlops.yaml"
        path.write_text(HEAD + compare)
        return path

    return make


def problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as error:
        manifest.load(path, display_name="mlops.yaml")
    return [str(p) for p in error.value.problems]


def test_gates_and_baselines_become_typed_values(write: Callable[[str], Path]) -> None:
    loaded = manifest.load(
        write(
            "compare:\n  baseline: {file: test.csv}\n  required: true\n  seed: 7\n  gates:\n"
            "    f1: {min_change: -0.01, significance: no significant drop}\n"
            "    log_loss: {max_change: 0.05, missing: pass}\n"
        )
    )
    spec = loaded.compare
    assert (spec.baseline_kind, spec.baseline, spec.required, spec.seed) == (
        "file",
        "test.csv",
        True,
        7,
    )
    f1, log_loss = spec.gates
    assert (f1.metric, f1.min_change, f1.significance, f1.key) == (
        "f1",
        -0.01,
        "no significant drop",
        "compare.gates.f1",
    )
    assert f1.better_is_higher and not log_loss.better_is_higher and log_loss.missing_passes
    assert loaded.line_of("compare.gates.f1") == 9


@pytest.mark.parametrize(
    "text,kind",
    [
        ("main", "git"),
        ("none", "none"),
        ("auto", "auto"),
        ("{ref: v1.2.0}", "git"),
        ("{stage: production}", "stage"),
    ],
)
def test_every_baseline_form(write: Callable[[str], Path], text: str, kind: str) -> None:
    assert manifest.load(write(f"compare:\n  baseline: {text}\n")).compare.baseline_kind == kind


def test_the_default_is_auto_with_no_gates(write: Callable[[str], Path]) -> None:
    spec = manifest.load(write("")).compare
    assert (spec.baseline_kind, spec.gates, spec.resamples) == ("auto", (), 1000)


def test_a_gate_on_an_unknown_metric_names_the_closest(write: Callable[[str], Path]) -> None:
    found = problems(write("compare:\n  gates:\n    f1_macr: {min: 0.5}\n"))
    assert len(found) == 1 and found[0].startswith(
        "mlops.yaml:6:5: compare.gates.f1_macr: found 'f1_macr'"
    )
    assert "did you mean 'f1_macro'?" in found[0]
    # the third gate misspelt is located at its own line, not at the first gate's
    gates = "    accuracy: {min_change: -0.01}\n    roc_auc: {min: 0.5}\n    f1_mcro: {min: 0.5}\n"
    (third,) = problems(write("compare:\n  gates:\n" + gates))
    assert third.startswith("mlops.yaml:8:5: compare.gates.f1_mcro: found 'f1_mcro'")


def test_crossed_bounds_a_missing_file_and_a_wrong_task_are_all_reported(
    write: Callable[[str], Path],
) -> None:
    found = problems(
        write(
            "evaluate: {task: classification}\ncompare:\n  baseline: {file: old.json}\n  gates:\n"
            "    f1: {min_change: 0.1, max_change: 0.0}\n    rmse: {max_change: 1}\n"
        )
    )
    assert found == [
        "mlops.yaml:6:20: compare.baseline.file: file 'old.json' does not exist",
        "mlops.yaml:8:22: compare.gates.f1.min_change: min_change (0.1) is greater than "
        "max_change (0.0)",
        "mlops.yaml:9:11: compare.gates.rmse: 'rmse' is a regression metric, but "
        "evaluate.task is classification: name a classification metric (accuracy, f1_macro, "
        "roc_auc, log_loss, ...), or change evaluate.task to regression",
    ]


def test_an_empty_gate_and_a_bad_significance_are_refused(write: Callable[[str], Path]) -> None:
    found = problems(write("compare:\n  gates:\n    f1: {}\n    accuracy: {significance: yes}\n"))
    assert any("compare.gates.f1" in p for p in found)
    assert any(
        "compare.gates.accuracy.significance" in p and "no significant drop" in p for p in found
    )


def test_a_baseline_stage_that_is_no_environment_is_a_problem(
    write: Callable[[str], Path],
) -> None:
    """`{stage: prod}` beside `production` found no version, said "this is the first
    model", and every run passed without a comparison."""
    environments = "environments:\n  staging: {}\n  production: {requires: staging}\n"
    assert problems(write(environments + "compare:\n  baseline: {stage: prod}\n")) == [
        "mlops.yaml:8:21: compare.baseline.stage: 'prod' is not an environment (declared: "
        "staging, production); did you mean 'production'?"
    ]
    assert manifest.load(write(environments + "compare:\n  baseline: {stage: production}\n"))
