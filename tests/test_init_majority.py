"""The starter check's comment says what a model always answering the majority class
scores where the check is measured, the test rows (audit T, finding 5: 0.5378, the
training rows' share, beside a check whose test rows gave that model 0.5573); where init
reads no labelled test rows, it says the figure is the training rows'."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score

from mlgate import scaffold


def _write(root: Path, train_negatives: int, test_negatives: int, test_label: bool = True) -> None:
    train = ["negative"] * train_negatives + ["positive"] * (1125 - train_negatives)
    test = ["negative"] * test_negatives + ["positive"] * (375 - test_negatives)
    pl.DataFrame({"words": [f"w{i}" for i in range(1125)], "sentiment": train}).write_csv(
        root / "train.csv"
    )
    frame = pl.DataFrame({"words": [f"t{i}" for i in range(375)], "sentiment": test})
    (frame if test_label else frame.drop("sentiment")).write_csv(root / "test.csv")


def test_the_constant_models_score_is_the_test_rows(tmp_path: Path) -> None:
    _write(tmp_path, 605, 209)
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    train = pl.read_csv(tmp_path / "train.csv")["sentiment"].to_list()
    test = pl.read_csv(tmp_path / "test.csv")["sentiment"].to_list()
    constant = DummyClassifier().fit([[0]] * len(train), train).predict([[0]] * len(test))
    scored = accuracy_score(test, constant)
    assert round(scored, 4) == 0.5573
    assert (
        '- {metric: accuracy, min: 0.8}  # the majority class "negative" alone scores '
        "0.5573 accuracy\n"
    ) in text
    assert "0.5378" not in text


def test_without_labelled_test_rows_the_figure_is_said_to_be_the_training_rows(
    tmp_path: Path,
) -> None:
    _write(tmp_path, 605, 209, test_label=False)
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert (
        '# the majority class "negative" alone scores 0.5378 accuracy on the training rows\n'
    ) in text
