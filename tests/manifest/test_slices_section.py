"""evaluate.slices, fairness, robustness and pytest model checks, slice gates: typed
values, and located errors that say what would be right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate import manifest
from mlgate.manifest import schema_check
from mlgate.model import fairness
from tests.manifest.test_compare_section import problems

HEAD = """\
name: loans
data: {train: train.csv, test: test.csv, target: y}
train: {command: python train.py}
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str], Path]:
    (tmp_path / "train.csv").write_text("age,plan,gender,y\n30,pro,f,0\n")
    (tmp_path / "test.csv").write_text("age,plan,gender,y\n40,free,m,1\n")

    def make(rest: str) -> Path:
        path = tmp_path / "mlops.yaml"
        path.write_text(HEAD + rest)
        return path

    return make


def test_slices_fairness_and_slice_gates_become_typed_values(
    write: Callable[[str], Path],
) -> None:
    loaded = manifest.load(
        write(
            "evaluate:\n"
            "  slices: [plan, {column: age, bins: [18, 30, 65]}, {column: age, bins: 5},\n"
            "           {columns: [plan, gender]}]\n"
            "  min_slice_rows: 50\n"
            "model_checks:\n"
            "  - {metric: accuracy, min: 0.5}\n"
            "  - {fairness: demographic_parity_ratio, sensitive: gender, min: 0.8,\n"
            "     significance: no significant worsening}\n"
            "compare:\n  gates:\n    recall: {significance: no significant drop, slices: true}\n"
        )
    )
    plan, edges, quantiles, pair = loaded.evaluate.slices
    assert (plan.columns, plan.bins, plan.key) == (("plan",), None, "evaluate.slices[0]")
    assert (edges.columns, edges.bins) == (("age",), (18.0, 30.0, 65.0))
    assert quantiles.bins == 5 and pair.name == "plan & gender"
    assert loaded.evaluate.min_slice_rows == 50
    assert [c.metric for c in loaded.model_checks] == ["accuracy"]
    (check,) = loaded.fairness_checks
    assert (check.fairness, check.sensitive, check.min, check.significance, check.key) == (
        "demographic_parity_ratio",
        "gender",
        0.8,
        "no significant worsening",
        "model_checks[1]",
    )
    assert loaded.compare.gates[0].slices
    assert loaded.kept_columns == ("plan", "age", "gender")


def test_the_fairness_names_are_the_ones_mlgate_computes() -> None:
    schema = schema_check.schema()  # what editors and `mlgate schema` see
    names = schema["$defs"]["fairness_check"]["properties"]["fairness"]["enum"]
    assert set(names) == set(fairness.METRICS)


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        (
            "evaluate:\n  slices: [{column: age, bins: [30, 18]}]\n",
            "mlops.yaml:5:32: evaluate.slices[column=age].bins: bin edges must increase, "
            "found [30, 18]",
        ),
        (
            "evaluate:\n  slices: [plna]\n",
            "mlops.yaml:5:12: evaluate.slices[0]: column 'plna' is not in test.csv; its "
            "columns: age, plan, gender, y; did you mean 'plan'?",
        ),
        (
            "evaluate:\n  slices: [{columns: [plan]}]\n",
            "evaluate.slices[0]",
        ),
        (
            "model_checks:\n  - {fairness: demographic_parity, sensitive: gender, max: 0.1}\n",
            "model_checks[0].fairness: found 'demographic_parity', expected one of: "
            "demographic_parity_difference, demographic_parity_ratio,",
        ),
        (  # a bound on the unfair side failed the fairer model and passed the less fair
            "model_checks:\n  - {fairness: demographic_parity_difference, sensitive: gender, "
            "min: 0.1}\n",
            "model_checks[0].min: demographic_parity_difference is bounded by max, not min (0 "
            "is parity): min 0.1 fails a model for being fairer than that; write max: BOUND",
        ),
        (
            "model_checks:\n  - {fairness: demographic_parity_ratio, sensitive: gender, "
            "max: 0.8}\n",
            "model_checks[0].max: demographic_parity_ratio is bounded by min, not max (1 is "
            "parity, and the higher the fairer): max 0.8 fails a model for being fairer than "
            "that; write min: BOUND",
        ),
        (
            "model_checks:\n  - {fairness: equal_opportunity_difference, sensitive: sex}\n",
            "model_checks[0]: needs a bound (min or max) or significance: no significant worsening",
        ),
        (
            "compare:\n  gates:\n    recall: {significance: no significant drop, slices: true}\n",
            "compare.gates.recall.slices: there are no slices to gate: name them in "
            "evaluate.slices",
        ),
        (
            "evaluate:\n  slices: [plan]\ncompare:\n  gates:\n    recall: {slices: true}\n",
            "compare.gates.recall.slices: a slice gate asks each slice for no significant drop: "
            "add significance: no significant drop",
        ),
        (
            "model_checks:\n  - {pytest: tests/model}\n",
            "model_checks[0].pytest: there is no tests/model beside the manifest",
        ),
        (
            "model_checks:\n  - {pytest: ../elsewhere}\n",
            "model_checks[0].pytest: '../elsewhere' is outside the project's folder",
        ),
        (
            "model_checks:\n  - {pytest: -pevil}\n",
            "(not an option: it may not begin with -)",
        ),
        (
            "model_checks:\n  - {noise: age, scale: 0}\n",
            "model_checks[0].scale",
        ),
        (
            "evaluate:\n  task: regression\n"
            "model_checks:\n  - {fairness: demographic_parity_difference, sensitive: gender, "
            "max: 0.1}\n",
            "model_checks[0].fairness: fairness compares a classifier's decisions, but "
            "evaluate.task is regression",
        ),
    ],
)
def test_a_wrong_section_names_the_line_and_the_fix(
    write: Callable[[str], Path], rest: str, expected: str
) -> None:
    found = problems(write(rest))
    assert any(expected in p for p in found), found


def test_a_misspelt_significance_on_a_slice_gate_is_one_problem(
    write: Callable[[str], Path],
) -> None:
    """The schema's "did you mean 'no significant drop'" came with "add significance: no
    significant drop", which the gate had, misspelt."""
    found = problems(
        write(
            "evaluate:\n  slices: [plan]\ncompare:\n  gates:\n"
            "    recall: {significance: no significant drops, slices: true}\n"
        )
    )
    assert len(found) == 1 and "did you mean 'no significant drop'" in found[0], found


def test_too_small_a_slice_floor_and_too_many_slicings_say_why_and_how_many(
    write: Callable[[str], Path],
) -> None:
    """A floor of one row let a slice of one row be 'significant' (p 0.002) and fail a
    gate; 21 slicings were refused as `[{...the whole list...}] is too long`."""
    [said] = problems(write("evaluate:\n  slices: [plan]\n  min_slice_rows: 1\n"))
    assert said.startswith("mlops.yaml:6:19: evaluate.min_slice_rows: must be at least 10, found 1")
    assert "McNemar's exact test says 1" in said
    [said] = problems(write("evaluate:\n  slices: [" + ", ".join(["plan"] * 21) + "]\n"))
    assert "evaluate.slices: lists 21 items, and at most 20 are allowed" in said


def test_a_fairness_bound_at_or_past_parity_is_harmless_and_accepted(
    write: Callable[[str], Path],
) -> None:
    """Only a bound that fails the fairer model is refused: `max: 1` on the ratio never bites."""
    loaded = manifest.load(
        write(
            "model_checks:\n"
            "  - {fairness: demographic_parity_ratio, sensitive: gender, min: 0.8, max: 1}\n"
            "  - {fairness: demographic_parity_difference, sensitive: gender, min: 0, max: 0.1}\n"
        )
    )
    assert [c.fairness for c in loaded.fairness_checks] == [
        "demographic_parity_ratio",
        "demographic_parity_difference",
    ]
