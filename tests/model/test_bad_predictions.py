"""What a model's predict returns is checked before any metric: a wrong shape, no answer,
text for a regression target, labels the target never holds, or probabilities of the
wrong shape each fail evaluation with what came back and what was expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate.manifest import parse
from mlgate.model import evaluate
from tests import projects
from tests.model.bad_models import BadProbabilities, Misbehaving

REGRESSION = (
    "name: d\ndata: {train: a.csv, test: b.csv, target: target}\n"
    "train: {command: x}\nevaluate: {task: regression}\n"
)


def regression() -> tuple:
    frame = pd.read_csv(pd.io.common.StringIO(projects.diabetes_files()["data/test.csv"]))
    return parse(REGRESSION.encode(), name="mlops.yaml", root=Path("."), files=False), frame


def classification() -> tuple:
    files = projects.iris_files(Path())
    manifest = parse(files["mlops.yaml"].encode(), name="mlops.yaml", root=Path("."), files=False)
    return manifest, pd.read_csv(pd.io.common.StringIO(files["data/test.csv"]))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("none", "model.predict returned None; expected one prediction per test row (111 values)"),
        (
            "2d",
            "model.predict returned an array of shape (111, 3); expected one prediction per "
            "test row (111 values); probabilities belong in predict_proba",
        ),
        (
            "scalar",
            "model.predict returned a single value; expected one prediction per test row "
            "(111 values)",
        ),
        ("short", "model.predict returned 110 values for 111 test rows; expected one per row"),
        (
            "strings",
            "model.predict returned text such as 'high', but 'target' is a regression "
            "target: expected numbers (or set evaluate.task: classification if the model predicts "
            "classes)",
        ),
        ("objects", "model.predict returned values of type object such as '<object object at"),
        (
            "nan",
            "model.predict returned NaN or infinity for 1 test row (the first, test row 4); "
            "expected a finite number for every row",
        ),
        ("ragged", "model.predict returned a list that is not an array"),
        ("raises", "model.predict failed: KeyError: 'feature_x'"),
    ],
)
def test_a_regression_model_that_answers_wrongly(kind: str, message: str) -> None:
    manifest, frame = regression()
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(manifest, Misbehaving(kind), frame)
    assert str(error.value).startswith(message)


def test_a_single_output_column_is_one_prediction_per_row() -> None:
    manifest, frame = regression()
    scored = evaluate.score(manifest, Misbehaving("column"), frame)
    assert scored.predictions.rows == len(frame) and scored.metrics["rmse"] is not None


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            Misbehaving("labels"),
            "model.predict returned labels ('7') none of which is a value of "
            "'species' in the test data ('setosa', 'versicolor', 'virginica'); expected the target's "
            "own labels",
        ),
        (  # sorting None and NaN among the labels ended the run (exit 3)
            Misbehaving("unlabelled"),
            "model.predict returned 2 missing labels (None or NaN; the first for test row 1); "
            "expected a label for every row",
        ),
        (
            Misbehaving("2d", classes=["setosa", "versicolor", "virginica"]),
            "model.predict returned an array of shape (30, 3); expected one prediction per test row "
            "(30 values); probabilities belong in predict_proba",
        ),
        (
            BadProbabilities("none", ["setosa", "versicolor", "virginica"]),
            "model.predict_proba returned None; expected an array of 30 x 3 probabilities (a row per "
            "test row, a column per class)",
        ),
        (
            BadProbabilities("1d", ["setosa", "versicolor", "virginica"]),
            "model.predict_proba returned an array of shape (30,); expected an array of 30 x 3",
        ),
        (
            BadProbabilities("narrow", ["setosa", "versicolor", "virginica"]),
            "model.predict_proba returned an array of shape (30, 2); expected an array of 30 x 3",
        ),
        (
            BadProbabilities("text", ["setosa", "versicolor", "virginica"]),
            "model.predict_proba returned values that are not numbers; expected an array of 30 x 3",
        ),
        (  # NaN chances: scikit-learn's "Input contains NaN" per metric, or figures of nothing
            BadProbabilities("nan", ["setosa", "versicolor", "virginica"]),
            "model.predict_proba returned NaN or infinity on 28 of 30 rows (first at test row 3: "
            "[nan, nan, nan]); expected an array of 30 x 3",
        ),
        (
            BadProbabilities("margins", ["setosa", "versicolor", "virginica"]),
            "model.predict_proba returned values outside 0 to 1 (scores of a decision function?) "
            "on 30 of 30 rows (first at test row 1: [-2.0, 0.0, 2.0]); expected an array of 30 x 3",
        ),
        (  # rows that add up to a half: a log loss off by ln 2, without a word
            BadProbabilities("halved", ["setosa", "versicolor", "virginica"]),
            "model.predict_proba returned chances that do not add up to 1 on 27 of 30 rows "
            "(first at test row 4: [0.16666666666666666, 0.16666666666666666, "
            "0.16666666666666666], adding up to 0.5); expected an array of 30 x 3",
        ),
    ],
    ids=[
        "labels",
        "unlabelled",
        "2d",
        "proba-none",
        "proba-1d",
        "proba-narrow",
        "proba-text",
        "proba-nan",
        "proba-margins",
        "proba-halved",
    ],
)
def test_a_classifier_that_answers_wrongly(model: object, message: str) -> None:
    manifest, frame = classification()
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(manifest, model, frame)
    assert str(error.value).startswith(message)


def test_a_regression_task_on_a_text_target_is_explained() -> None:
    manifest, frame = classification()
    manifest = parse(
        projects.IRIS_MANIFEST.replace("evaluate:\n", "evaluate:\n  task: regression\n")
        .replace("[accuracy, f1_macro, roc_auc]", "[rmse]")
        .replace("{metric: accuracy, min: 0.8}", "{metric: rmse, max: 1}")
        .encode(),
        name="mlops.yaml",
        root=Path("."),
        files=False,
    )
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(manifest, Misbehaving("column"), frame)
    assert (
        str(error.value) == "the test data's 'species' holds values that are not numbers, "
        "but evaluate.task is regression; set evaluate.task: classification"
    )


class TextAnswers:
    """A model of no scikit-learn's that names whole-number labels as text: in its
    answers, or (`proba`) in its probabilities' column names alone."""

    def __init__(self, proba: bool) -> None:
        self.proba = proba

    def predict(self, X):
        return [i % 3 if self.proba else str(i % 3) for i in range(len(X))]

    def predict_proba(self, X):
        if not self.proba:
            raise AttributeError("predict_proba")
        return pd.DataFrame({str(c): [1 / 3] * len(X) for c in range(3)})


@pytest.mark.parametrize(
    ("proba", "said"),
    [
        (False, "model.predict returned labels ('0', '1', '2') none of which is a value of 'y' "
         "in the test data ('0', '1', '2') (they read alike, but the test labels are whole "
         "numbers and its answers text)"),
        (True, "model.predict_proba returned columns named ['0', '1', '2'], none of which is a "
         "value of 'y' in the test data ('0', '1', '2') (they read alike, but the test labels "
         "are whole numbers and its column names text)"),
    ],
)  # fmt: skip
def test_labels_that_read_alike_but_are_text_say_so(proba: bool, said: str) -> None:
    """Two lists printed the same ('0', '1', '2') and nothing else: a newcomer could not
    tell what was wrong, where a scikit-learn model's classes were explained."""
    text = "name: t\ndata: {train: a.csv, test: b.csv, target: y}\ntrain: {command: x}\n"
    manifest = parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)
    frame = pd.DataFrame({"x": range(30), "y": [i % 3 for i in range(30)]})
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(manifest, TextAnswers(proba), frame)
    assert str(error.value).startswith(said)


def test_chances_in_a_lower_precision_add_up_to_1_within_its_rounding() -> None:
    """A fixed 1e-5 refused every float16 model, and a float32 softmax over 10,000
    classes summed step by step (2.8e-5 off); a half is refused in any precision."""
    half = np.full((4, 3), 1 / 3, dtype=np.float16)  # 0.3333 three times: 0.9998
    assert np.abs(half.astype(float).sum(1) - 1).max() > 1e-5
    np.testing.assert_allclose(evaluate.probabilities(half, 4, None).sum(1), 1.0)
    with pytest.raises(evaluate.EvaluationError, match="do not add up to 1 on 4 of 4 rows"):
        evaluate.probabilities((half / 2).astype(np.float16), 4, None)
