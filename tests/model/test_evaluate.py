"""Scoring a model on the test data: a model fitted on other columns is told apart in the
user's terms, not scikit-learn's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from mlgate import manifest
from mlgate.model import evaluate

MANIFEST = """\
name: iris
data:
  train: train.csv
  test: test.csv
  target: species
{features}train:
  command: python train.py
"""


def _manifest(features: str = "", more: str = ""):
    """The manifest above, `more` (a section of YAML) after it."""
    text = MANIFEST.format(features=features) + more
    return manifest.parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)


@pytest.fixture(scope="module")
def iris() -> pd.DataFrame:
    frame = load_iris(as_frame=True).frame.rename(
        columns=lambda c: c.replace(" (cm)", "").replace(" ", "_")
    )
    return frame.rename(columns={"target": "species"})


def test_a_model_fitted_on_some_columns_names_them_and_points_at_data_features(
    iris: pd.DataFrame,
) -> None:
    """scikit-learn said "feature names unseen at fit time" and no more."""
    fitted_on = ["petal_length", "petal_width"]
    model = LogisticRegression(max_iter=500).fit(iris[fitted_on], iris["species"])
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(_manifest(), model, iris)
    message = str(error.value)
    assert message == (
        "the model was fitted on other columns than it is given (every column but the "
        "target, as data.features is not set): 2 columns it was not fitted on: "
        "'sepal_length', 'sepal_width'; set data.features to the columns it was fitted on: "
        "[petal_length, petal_width]"
    )
    scored = evaluate.score(_manifest("  features: [petal_length, petal_width]\n"), model, iris)
    assert scored.metrics["accuracy"] > 0.9
    # the suggested line is valid YAML for any column name
    odd = iris.rename(columns={"petal_length": "petal length (cm)", "petal_width": "2nd: w"})
    model = LogisticRegression(max_iter=500).fit(
        odd[["petal length (cm)", "2nd: w"]], odd["species"]
    )
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(_manifest(), model, odd)
    suggested = str(error.value).split("the columns it was fitted on: ", 1)[1]
    line = f"  features: {suggested}\n"
    assert evaluate.score(_manifest(line), model, odd).metrics["accuracy"] > 0.9


def test_a_column_the_model_needs_that_the_data_lacks_is_named(iris: pd.DataFrame) -> None:
    frame = iris.assign(petal_area=iris["petal_length"] * iris["petal_width"])
    model = LogisticRegression(max_iter=500).fit(frame.drop(columns="species"), frame["species"])
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(
            _manifest("  features: [sepal_length, sepal_width, petal_length]\n"), model, iris
        )
    assert str(error.value) == (
        "the model was fitted on other columns than it is given (data.features, line 6): "
        "2 columns it was fitted on that it is not given: 'petal_width', 'petal_area' (the "
        "test data has no 'petal_area'); set data.features to the columns it was fitted on, "
        "and give the test data 'petal_area'"
    )


def test_a_model_fitted_on_the_id_column_is_told_to_leave_it_out(iris: pd.DataFrame) -> None:
    """The advice was data.features listing the id, which validate refuses: a circle."""
    frame = iris.assign(customer_id=range(len(iris)))
    model = LogisticRegression(max_iter=500).fit(frame.drop(columns="species"), frame["species"])
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(_manifest("  id: customer_id\n"), model, frame)
    assert str(error.value).startswith("model.predict failed: ValueError: ")
    assert str(error.value).endswith(
        "it was fitted on 'customer_id', the id column (data.id, $MLGATE_ID to the training "
        "command), which is never handed to a model: fit it without that column, or, if it "
        "is a feature after all, remove data.id from the manifest"
    )


def test_a_pipeline_fitted_on_every_column_that_drops_the_id_itself_is_scored(
    iris: pd.DataFrame,
) -> None:
    """A training script fitted on every column but the target (the README's contract)
    with a ColumnTransformer that leaves the id out was refused after training, once init
    had guessed data.id: the model never needed it."""
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline

    frame = iris.assign(customer_id=range(len(iris)))
    features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    model = make_pipeline(
        make_column_transformer(("passthrough", features)), LogisticRegression(max_iter=500)
    ).fit(frame.drop(columns="species"), frame["species"])
    assert "customer_id" in list(model.feature_names_in_)
    scored = evaluate.score(_manifest("  id: customer_id\n"), model, frame)
    assert scored.metrics["accuracy"] == pytest.approx(
        (model.predict(frame.drop(columns="species")) == frame["species"]).mean()
    )


def test_test_labels_the_model_never_knew_or_left_empty_are_no_passed_run(
    iris: pd.DataFrame,
) -> None:
    """Labels written another way ("no"/"yes" for 0/1), or missing on some rows, made every
    metric "n/a" with scikit-learn's reason, and the run PASSED (exit 0)."""
    model = LogisticRegression(max_iter=500).fit(iris.drop(columns="species"), iris["species"])
    renamed = iris.assign(species=iris["species"].map({0: "a", 1: "b", 2: "c"}))
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(_manifest(), model, renamed)
    assert str(error.value) == (
        "the test data's 'species' holds 'a', 'b', 'c', none of which is a class the model was "
        "trained on ('0', '1', '2'): a training command that recodes the target (to 0 and 1, "
        "say) should fit on the labels as the data holds them, or data.prepare recode both "
        "files; otherwise write the test labels as the training data does"
    )
    gaps = iris.assign(species=iris["species"].where(~iris.index.isin([4, 9, 200]), None))
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(_manifest(), model, gaps.astype({"species": "float64"}))
    assert str(error.value) == (
        "the test data's 'species' is empty on 2 of 150 rows (rows 5, 10, data rows counted "
        "from 1): a row without its label cannot be scored; drop those rows or fill in their "
        "labels"
    )


def test_a_run_whose_every_metric_is_undefined_measured_nothing(iris: pd.DataFrame) -> None:
    from sklearn.linear_model import RidgeClassifier

    model = RidgeClassifier().fit(iris.drop(columns="species"), iris["species"])
    asked = manifest.parse(
        (MANIFEST.format(features="") + "evaluate: {metrics: [roc_auc]}\n").encode(),
        name="mlops.yaml",
        root=Path("."),
        files=False,
    )
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(asked, model, iris)
    assert str(error.value) == (
        "no metric could be computed on the test rows (roc_auc: the model gives no "
        "probabilities (no predict_proba): give it one (scikit-learn's CalibratedClassifierCV "
        "around it, SVC(probability=True); a function of your own in evaluate.predict_proba), "
        "or leave 'roc_auc' out of the metrics, checks and gates)"
    )


def test_columns_in_another_order_are_handed_over_in_the_models_order(iris: pd.DataFrame) -> None:
    model = LogisticRegression(max_iter=500).fit(iris.drop(columns="species"), iris["species"])
    reordered = iris[["species", *reversed(iris.columns[:4])]]
    assert evaluate.score(_manifest(), model, reordered).metrics["accuracy"] > 0.9


def test_a_model_fitted_without_names_is_told_by_its_column_count(iris: pd.DataFrame) -> None:
    model = LogisticRegression(max_iter=500).fit(iris.iloc[:, :3].to_numpy(), iris["species"])
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(_manifest(), model, iris)
    assert str(error.value) == (
        "the model was fitted on 3 columns and is given 4 (every column but the target, as "
        "data.features is not set): set data.features to the 3 it was fitted on, in order"
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_training_rows_read_in_parts_are_the_rows_read_whole(
    iris: pd.DataFrame, tmp_path: Path, fmt: str
) -> None:
    """Which test rows the model trained on, from the training file read 7 rows at a time
    and only the model's columns: the same as from the file read whole."""
    import numpy as np

    from mlgate.data import load
    from mlgate.result import rowsets

    train, test = iris.iloc[:120].copy(), iris.iloc[100:].copy()  # 20 test rows trained on
    train["note"] = "not a feature"  # read for nothing: left out of the parts
    for frame, name in ((train, "train"), (test, "test")):
        path = tmp_path / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        elif fmt == "parquet":
            frame.to_parquet(path)
        else:
            frame.to_json(path, orient="records", lines=True)
    test = load.read_pandas(path, fmt)  # as the run reads it (JSON: pandas' own float parser)
    path = tmp_path / f"train.{fmt}"
    ours = _manifest("  features: [sepal_length, sepal_width, petal_length, petal_width]\n")
    columns = evaluate.row_columns(ours, test)
    parts = list(load.pandas_batches(path, fmt, columns, rows=7))
    assert len(parts) == 18 and all(list(p.columns) == columns for p in parts)
    read = evaluate.train_rows(ours, parts, test)
    whole = evaluate.train_rows(ours, [load.read_pandas(path, fmt)], test)
    assert read is not None and read == whole and read.rows == 120
    held = load.read_pandas(path, fmt)[columns]
    seen = {tuple(row) for row in held.itertuples(index=False)}
    expected = [i for i, row in enumerate(test[columns].itertuples(index=False)) if row in seen]
    assert len(expected) >= 20  # the 20 shared rows, and any row iris repeats
    keys = evaluate.hash_rows(test, columns)
    assert np.flatnonzero(rowsets.contains(read, keys)).tolist() == expected


def test_a_column_whole_in_the_test_file_and_not_in_the_training_file_still_matches(
    iris: pd.DataFrame,
) -> None:
    """One fraction in a training column (read as float) where the test file's is whole
    numbers (read as int): every training row hashed apart from every test row, and a
    changed split's seed compared the baseline on rows it had trained on."""
    import numpy as np

    from mlgate.result import rowsets

    frame = iris.assign(petal_count=np.arange(len(iris)) % 7)  # whole numbers
    train, test = frame.iloc[:120].copy(), frame.iloc[100:].copy()  # 20 rows shared
    train["petal_count"] = train["petal_count"].astype(float)
    train.loc[train.index[0], "petal_count"] = 3.5  # the one fraction, in a row not shared
    assert test["petal_count"].dtype.kind == "i" and train["petal_count"].dtype.kind == "f"
    ours = _manifest()
    columns = evaluate.row_columns(ours, test)
    read = evaluate.train_rows(ours, [train[columns]], test)
    assert read is not None and read.rows == 120
    shared = rowsets.contains(read, evaluate.hash_rows(test, columns))
    seen = {tuple(row) for row in frame.iloc[1:120][columns].itertuples(index=False)}
    expected = [tuple(row) in seen for row in test[columns].itertuples(index=False)]
    assert sum(expected) >= 20 and shared.tolist() == expected
    # the fraction's row, as the test file would hold it whole, is no training row
    whole = frame.iloc[:1][columns].assign(petal_count=3)
    assert not rowsets.contains(read, evaluate.hash_rows(whole, columns)).any()


def test_training_rows_lacking_a_column_are_unknown(iris: pd.DataFrame, tmp_path: Path) -> None:
    from mlgate.data import load

    path = tmp_path / "train.jsonl"
    iris.drop(columns=["petal_width"]).to_json(path, orient="records", lines=True)
    ours = _manifest()
    parts = load.pandas_batches(path, "jsonl", evaluate.row_columns(ours, iris), rows=50)
    assert evaluate.train_rows(ours, parts, iris) is None


def test_a_regressor_judged_as_a_classifier_is_told_which_key_says_so() -> None:
    """`evaluate.task: classification` (init's default without data) on a Ridge: the error
    listed labels like '100.81...' and named no key."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": "species"})
    frame["species"] = frame["species"].round()  # whole numbers: classes, if asked
    model = Ridge().fit(frame.drop(columns="species"), frame["species"])
    text = MANIFEST.format(features="") + "evaluate:\n  task: classification\n"
    declared = manifest.parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(declared, model, frame)
    assert str(error.value).endswith(
        "; the model has no classes and answers fractions, as a regression does, but "
        "mlops.yaml line 9 (evaluate.task) says classification: set evaluate.task: regression"
    )


def test_a_classifier_scored_as_a_regression_is_said_beside_its_figures() -> None:
    """`evaluate.task: regression` on a classifier of whole-number grades scores its labels
    as numbers, which may be meant (ordered grades): said, with the key, not refused; a
    regressor gets no such note."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LogisticRegression, Ridge

    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": "species"})
    frame["species"] = (frame["species"] // 100).astype(int)  # grades 0 to 3
    X, y = frame.drop(columns="species"), frame["species"]
    text = MANIFEST.format(features="") + "evaluate:\n  task: regression\n"
    declared = manifest.parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)
    classifier = evaluate.score(declared, LogisticRegression(max_iter=1000).fit(X, y), frame)
    assert classifier.task == "regression" and classifier.metrics["rmse"] is not None
    assert classifier.note == (
        "the model is a classifier (classes 0, 1, 2, 3) scored as a regression, its answers "
        "measured as numbers, as mlops.yaml line 9 (evaluate.task) says; to score them as "
        "classes, set evaluate.task: classification"
    )
    assert evaluate.score(declared, Ridge().fit(X, y), frame).note == ""


def test_a_regressor_of_a_whole_number_target_is_inferred_a_regression() -> None:
    """No evaluate.task, a target of whole numbers, a LinearRegression: inferred a
    classifier, its answers were "labels none of which is a value of 'species'"."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression, LogisticRegression

    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": "species"})
    frame["species"] = frame["species"].round().astype(int)
    X, y = frame.drop(columns="species"), frame["species"]
    inferred = manifest.parse(
        MANIFEST.format(features="").encode(), name="mlops.yaml", root=Path("."), files=False
    )
    scored = evaluate.score(inferred, LinearRegression().fit(X, y), frame)
    assert (scored.task, scored.task_inferred) == ("regression", True)
    assert scored.metrics["rmse"] is not None
    from sklearn.tree import DecisionTreeRegressor

    tree = DecisionTreeRegressor(random_state=0).fit(X, y)  # whole-number answers
    assert evaluate.score(inferred, tree, frame).task == "regression"
    grades = (y // 100).astype(int)
    classifier = LogisticRegression(max_iter=1000).fit(X, grades)
    kept = evaluate.score(inferred, classifier, frame.assign(species=grades))
    assert kept.task == "classification"  # a model with classes stays a classifier


class Rounded:
    """A model of no scikit-learn's: a fitted function whose answers are whole numbers."""

    def __init__(self, fitted: Any, digits: int = 0) -> None:
        self.fitted, self.digits = fitted, digits

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.round(self.fitted.predict(X), self.digits).astype(int)


def test_whole_number_answers_too_many_to_be_classes_are_a_regression() -> None:
    """A custom predict rounding a regression's answers, of a whole-number target: scored
    as 177 classes of 150 rows, accuracy 0.013, and the run passed. A classifier of few
    whole-number labels without classes_ stays a classifier."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression, LogisticRegression

    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": "species"})
    frame["species"] = frame["species"].round().astype(int)
    X, y = frame.drop(columns="species"), frame["species"]
    inferred = manifest.parse(
        MANIFEST.format(features="").encode(), name="mlops.yaml", root=Path("."), files=False
    )
    scored = evaluate.score(inferred, Rounded(LinearRegression().fit(X, y)), frame)
    distinct = len(np.union1d(y, Rounded(LinearRegression().fit(X, y)).predict(X)))
    assert (scored.task, scored.task_inferred) == ("regression", True)
    assert scored.note == (
        f"judged a regression: {distinct} distinct whole numbers among the 442 test rows' "
        "labels and the model's answers are too many to be classes; if they are classes, set "
        "evaluate.task: classification"
    )
    grades = (y // 30).astype(int)  # 12 whole-number classes: a classifier's labels
    classifier = Rounded(LogisticRegression(max_iter=2000).fit(X, grades))
    kept = evaluate.score(inferred, classifier, frame.assign(species=grades))
    assert kept.task == "classification" and kept.note == ""
    many = frame.head(60).assign(species=np.arange(60) % 40)  # 40 classes on 60 rows

    class Perfect:  # answers every row's own label: a classifier, however many classes
        def predict(self, X: pd.DataFrame) -> np.ndarray:
            return many.loc[X.index, "species"].to_numpy()

    right = evaluate.score(inferred, Perfect(), many)
    assert right.task == "classification" and right.metrics["accuracy"] == 1.0


def test_test_rows_of_a_label_the_model_never_saw_are_said_beside_the_figures(
    iris: pd.DataFrame,
) -> None:
    """10 of 90 test rows of "maybe", a label the model never saw, left a confusion matrix
    of 80 rows beside "90 test rows", and a binary ROC AUC that took them as negatives,
    with nothing said; the run passed."""
    from mlgate.model import curves
    from mlgate.result import arrays

    two = iris[iris["species"] < 2].assign(species=lambda f: f["species"].map({0: "no", 1: "yes"}))
    model = LogisticRegression(max_iter=500).fit(two.drop(columns="species"), two["species"])
    test = two.copy()
    test.loc[test.index[::10], "species"] = "maybe"
    scored = evaluate.score(_manifest(), model, test)
    assert scored.note == (
        "10 of 100 test rows are of a label the model was never trained on ('maybe'): the "
        "label metrics count them as its errors, a score metric of the positive class's "
        "score takes them as rows of the negative class (of every class's: log_loss, the D² "
        "scores, not computed), and the confusion matrix and curves leave them out"
    )
    right = (model.predict(test.drop(columns="species")) == test["species"]).sum()
    assert scored.metrics["accuracy"] == pytest.approx(right / 100)  # the 10 as errors
    assert scored.metrics["roc_auc"] is not None and scored.metrics["log_loss"] is None
    assert scored.metric_errors["log_loss"].startswith("the model has no score for 'maybe'")
    kept = scored.predictions
    matrix = curves.confusion(arrays.decode(kept.y_true), arrays.decode(kept.y_pred), 2)
    assert matrix.sum() == 90  # what the note says the matrix leaves out
    assert evaluate.score(_manifest(), model, two).note == ""


def test_labels_that_read_as_the_models_classes_say_how_they_differ(iris: pd.DataFrame) -> None:
    """ "holds '0', '1', 'unknown', none of which is a class the model was trained on
    ('0', '1')": one text label made the column text, and the message hid it."""
    model = LogisticRegression(max_iter=500).fit(iris.drop(columns="species"), iris["species"])
    text = iris.assign(species=iris["species"].astype(str))
    text.loc[text.index[::10], "species"] = "unknown"
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(_manifest(), model, text)
    assert str(error.value) == (
        "the test data's 'species' holds '0', '1', '2', 'unknown', none of which is a class "
        "the model was trained on ('0', '1', '2') (they read alike, but the test labels are "
        "text and the model's classes whole numbers): write the test labels as the training "
        "data does"
    )


def test_a_positive_label_the_model_lacks_stops_the_evaluation_of_any_number_of_classes(
    iris: pd.DataFrame,
) -> None:
    """Of three classes the run trained, scored and passed but for a fairness check that
    said the label was unknown (exit 1); of two it stopped (exit 2) without the line."""
    named = iris.assign(species=iris["species"].map({0: "barbera", 1: "barolo", 2: "grignolino"}))
    model = LogisticRegression(max_iter=500).fit(named.drop(columns="species"), named["species"])
    text = MANIFEST.format(features="") + "evaluate:\n  positive_label: Barolo\n"
    declared = manifest.parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(declared, model, named)
    assert str(error.value) == (
        "mlops.yaml line 9 (evaluate.positive_label): 'Barolo' is not one of the model's "
        "classes: barbera, barolo, grignolino; did you mean 'barolo'?"
    )
    right = manifest.parse(
        text.replace("Barolo", "barolo").encode(), name="mlops.yaml", root=Path("."), files=False
    )
    assert evaluate.score(right, model, named).metrics["accuracy"] is not None


def test_whole_number_labels_the_model_knows_are_not_called_unknown(iris: pd.DataFrame) -> None:
    """The model's classes are NumPy integers, the labels read Python's: every row of a
    0/1/2 classifier was said to be "of labels the model was never trained on"."""
    model = LogisticRegression(max_iter=500).fit(iris.drop(columns="species"), iris["species"])
    assert isinstance(model.classes_[0], np.integer)
    assert evaluate.score(_manifest(), model, iris).note == ""
    unseen = iris.assign(species=iris["species"].where(iris.index % 50 != 0, 7))
    assert evaluate.score(_manifest(), model, unseen).note.startswith(
        "3 of 150 test rows are of a label the model was never trained on ('7')"
    )


class Answers:
    """A model without classes_: it answers labels, and its classes are those seen."""

    def __init__(self, labels: pd.Series) -> None:
        self.labels = labels

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.labels.loc[X.index].to_numpy()


def test_a_positive_label_of_a_model_without_classes_is_checked_only_where_it_decides(
    iris: pd.DataFrame,
) -> None:
    """Of three labels a model without classes_ scored nothing once a fairness figure's
    label was missing from its answers and the test rows, "not one of the model's
    classes", which it never had; of two, the label decides every figure."""
    text = MANIFEST.format(features="") + "evaluate:\n  positive_label: rose\n"
    declared = manifest.parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)
    three = iris.assign(species=iris["species"].map({0: "a", 1: "b", 2: "c"}))
    scored = evaluate.score(declared, Answers(three["species"]), three)
    assert scored.metrics["accuracy"] == 1.0
    two = three[three["species"] != "c"]
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(declared, Answers(two["species"]), two)
    assert str(error.value) == (
        "mlops.yaml line 9 (evaluate.positive_label): 'rose' is not one of the labels of "
        "the test rows and answers: a, b"
    )


def test_an_infinite_regression_target_names_its_rows() -> None:
    """One `inf` in the test file's target: "no metric could be computed on the test rows
    (rmse: Input contains infinity or a value too large for dtype('float64'))", no row
    named."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": "species"})
    X, y = frame.drop(columns="species"), frame["species"]
    text = MANIFEST.format(features="") + "evaluate:\n  task: regression\n"
    declared = manifest.parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)
    model = Ridge().fit(X, y)
    broken = frame.copy()
    broken.loc[[3, 40], "species"] = [float("inf"), float("-inf")]
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(declared, model, broken)
    assert str(error.value) == (
        "the test data's 'species' is infinite on 2 of 442 rows (rows 4, 41, data rows "
        "counted from 1): no error from an infinite target has a size; drop those rows or "
        "correct their values"
    )
    assert evaluate.score(declared, model, frame).metrics["rmse"] is not None


def test_the_figures_a_comparison_recomputes_from_the_kept_scores_are_the_runs_own() -> None:
    """A comparison computes each side's figures from the run's kept predictions: kept as
    float32, the log loss was 0.5053552389 beside the run's 0.5053552129, and a bound of
    0.50535522 passed the model check and failed the gate in one report."""
    from sklearn.datasets import load_breast_cancer

    from mlgate.compare.paired import Paired, on_rows
    from mlgate.result import arrays

    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "species"})
    train, test = frame.iloc[::2], frame.iloc[1::2]
    model = LogisticRegression(max_iter=5000).fit(train.drop(columns="species"), train["species"])
    names = "    metrics: [log_loss, brier_score, roc_auc, average_precision, accuracy]\n"
    spec = _manifest(more="evaluate:\n" + names)
    scored = evaluate.score(spec, model, test)
    kept = scored.predictions
    scores = arrays.decode(kept.scores)
    assert scores.dtype == np.float64
    assert (scores == model.predict_proba(test.drop(columns="species"))).all()
    pred = arrays.decode(kept.y_pred)
    paired = Paired(
        y_true=arrays.decode(kept.y_true),
        candidate_pred=pred,
        baseline_pred=pred,
        candidate_scores=scores,
        baseline_scores=scores,
        n_classes=2,
        positive_index=1,
        same_data=True,
    )
    for name, value in scored.metrics.items():
        assert on_rows(name, paired, pred, scores) == value, name


def test_a_positive_label_of_a_model_judged_a_regression_is_refused_not_ignored() -> None:
    """validate refuses it beside `task: regression`; with the task inferred, the run
    passed and run.json said positive_label null, without a word."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": "species"})
    spec = _manifest(more="evaluate:\n  positive_label: x\n")
    model = Ridge().fit(frame.drop(columns="species"), frame["species"])
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(spec, model, frame)
    assert str(error.value) == (
        "mlops.yaml line 9 (evaluate.positive_label): a positive label names a classifier's "
        "class, but the model was judged a regression (evaluate.task is not set, and the "
        "model answers numbers): leave it out, or set evaluate.task: classification"
    )


def test_score_metrics_of_labels_the_model_never_saw_say_so_not_scikit_learns_words(
    iris: pd.DataFrame,
) -> None:
    """Of three classes, 10 rows of 'mixed': roc_auc, log_loss and top_2_accuracy were
    "not computed: 'y_true' contains labels not in parameter 'labels'", and the note spoke
    of a binary score metric."""
    named = iris.assign(species=iris["species"].map({0: "a", 1: "b", 2: "c"}))
    model = LogisticRegression(max_iter=500).fit(named.drop(columns="species"), named["species"])
    test = named.copy()
    test.loc[test.index[:10], "species"] = "mixed"
    spec = _manifest(
        more="evaluate:\n  metrics: [accuracy, roc_auc, log_loss, top_2_accuracy, top_5_accuracy]\n"
    )
    scored = evaluate.score(spec, model, test)
    why = "the model has no score for 'mixed', a label of 10 test rows it was never trained on"
    assert scored.metric_errors == {
        "roc_auc": why,
        "log_loss": why,
        "top_2_accuracy": why,
        # a reason of its own is kept: no label would give it a value
        "top_5_accuracy": "'top_5_accuracy' needs more than 5 classes (with fewer it is 1 by "
        "definition)",
    }
    assert scored.note == (
        "10 of 150 test rows are of a label the model was never trained on ('mixed'): the "
        "label metrics count them as its errors, a score metric that needs every label's "
        "score is not computed, and the confusion matrix and curves leave them out"
    )
    right = (model.predict(test.drop(columns="species")) == test["species"]).mean()
    assert scored.metrics["accuracy"] == pytest.approx(right)
