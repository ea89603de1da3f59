"""Loading the trained model: joblib, pickle and skops, and what is refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import joblib
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from skops import io as sio

from mlgate.model.loading import ModelLoadError, load


@pytest.fixture(scope="module")
def fitted() -> LogisticRegression:
    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(X, y)


def test_joblib_pickle_and_skops_load_the_same_model(tmp_path: Path, fitted) -> None:
    X, _ = load_iris(return_X_y=True)
    joblib.dump(fitted, tmp_path / "m.joblib")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(fitted))
    sio.dump(fitted, tmp_path / "m.skops")
    for name in ("m.joblib", "m.pkl", "m.skops"):
        assert (load(tmp_path / name).predict(X) == fitted.predict(X)).all(), name


def test_skops_refuses_types_outside_the_allow_list(tmp_path: Path) -> None:
    import os

    from sklearn.preprocessing import FunctionTransformer

    sio.dump(FunctionTransformer(func=os.system), tmp_path / "m.skops")
    with pytest.raises(ModelLoadError) as error:
        load(tmp_path / "m.skops")
    assert (
        str(error.value) == "m.skops contains types outside scikit-learn/NumPy/SciPy: posix.system"
    )


def test_an_object_without_predict_is_not_a_model(tmp_path: Path) -> None:
    joblib.dump({"weights": [1, 2]}, tmp_path / "m.joblib")
    with pytest.raises(ModelLoadError) as error:
        load(tmp_path / "m.joblib")
    assert str(error.value) == "m.joblib holds a dict, which has no predict() method"


def test_a_corrupt_file_is_explained(tmp_path: Path) -> None:
    (tmp_path / "m.joblib").write_bytes(b"not a pickle at all")
    with pytest.raises(ModelLoadError, match=r"could not load m\.joblib: "):
        load(tmp_path / "m.joblib")
