"""What a `.skops` file may hold: what skops trusts and a short list of mlgate's, each
named. Every type under `sklearn.`, `numpy.` and `scipy.` was trusted, which took in
numpy.testing's runstring (an exec): a FunctionTransformer chain of NumPy functions made
`mlgate serve exported.skops` run the file's own code (audit Q, finding 1)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from mlgate.errors import UserError
from mlgate.model.loading import ModelLoadError, load
from tests.registry.conftest import Project


def _evil(payload: Path) -> Pipeline:
    """The audit's pipeline: np.full_like makes an array of the code, np.take picks it out,
    runstring execs it; every type in it is NumPy's or scikit-learn's."""
    from numpy.testing._private.utils import runstring

    code = f"open({str(payload)!r}, 'w').write('ran')"
    return Pipeline(
        [
            ("fill", FunctionTransformer(np.full_like, kw_args={"fill_value": code, "dtype": "O"})),
            ("pick", FunctionTransformer(np.take, kw_args={"indices": 0})),
            ("run", FunctionTransformer(runstring, kw_args={"dict": {}})),
            ("model", DummyClassifier().fit([[0]] * 4, ["benign", "malignant"] * 2)),
        ]
    )


def _refusal(path: Path, rows: object) -> str | None:
    """The refusal's words, or None where the file loaded; then it is used as a server
    uses it, which is when the audit's payload ran."""
    try:
        model = load(path)
    except ModelLoadError as exc:
        return str(exc)
    with contextlib.suppress(Exception):
        model.predict(rows)
    return None


def test_the_audits_pipeline_is_refused_before_it_loads_and_its_code_never_runs(
    tmp_path: Path,
) -> None:
    from skops import io as sio

    payload = tmp_path / "PWNED"
    sio.dump(_evil(payload), tmp_path / "exported.skops")
    said = _refusal(tmp_path / "exported.skops", [[1.0]])
    assert not payload.exists()
    assert said is not None
    assert said.startswith(
        "exported.skops holds types mlgate does not trust in a .skops file: numpy.full_like, "
        "numpy.take, numpy.testing._private.utils.runstring. Only scikit-learn's estimators"
    )
    assert "save it with joblib as train.outputs.model" in said  # what to do instead


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project with a run: what `mlgate serve PATH.skops` needs for its inputs."""
    from tests.registry.conftest import make_project

    return make_project(tmp_path / "repo")


def test_the_refusal_is_what_mlgate_serve_says_of_a_file_given_by_path(
    tmp_path: Path, project: Project
) -> None:
    """Through the command's own loading: a .skops file from anywhere, refused whole."""
    from skops import io as sio

    from mlgate.serve import service

    payload = tmp_path / "PWNED"
    sio.dump(_evil(payload), tmp_path / "exported.skops")
    with pytest.raises(UserError, match=r"numpy\.testing\._private\.utils\.runstring"):
        service.load(project.manifest, str(tmp_path / "exported.skops"))
    assert not payload.exists()


def test_testing_helpers_that_run_python_are_refused(tmp_path: Path) -> None:
    """scikit-learn's own `sklearn.` names hold a function that runs `python -c SOURCE`."""
    from sklearn.utils._testing import assert_run_python_script_without_output
    from skops import io as sio

    sio.dump(FunctionTransformer(assert_run_python_script_without_output), tmp_path / "m.skops")
    said = _refusal(tmp_path / "m.skops", [[1.0]])
    assert said is not None
    assert "sklearn.utils._testing.assert_run_python_script_without_output" in said


def _iris() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def _legitimate(name: str) -> tuple[object, pd.DataFrame]:
    """The model `name` fitted, and the rows it answers on (only that one is fitted: each
    case fitted all six, 36 fits for 6)."""
    X, y = _iris()
    kinds = X.assign(kind=np.where(X.iloc[:, 0] > 5.8, "big", "small"))
    categorical = kinds.astype({"kind": "category"})
    columns = ColumnTransformer(
        [
            ("num", StandardScaler(), list(X.columns)),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["kind"]),
        ]
    )
    logistic = LogisticRegression(max_iter=500)
    made = {
        "scaled_logistic": lambda: (make_pipeline(StandardScaler(), logistic).fit(X, y), X),
        "hist_gradient_boosting": lambda: (
            HistGradientBoostingClassifier(max_iter=10).fit(X, y),
            X,
        ),
        "hist_gradient_boosting_categories": lambda: (
            HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype").fit(
                categorical, y
            ),
            categorical,
        ),
        "column_transformer": lambda: (
            make_pipeline(columns, clone(logistic)).fit(kinds, y),
            kinds,
        ),
        "log1p": lambda: (
            make_pipeline(
                FunctionTransformer(np.log1p, inverse_func=np.expm1),
                LogisticRegression(max_iter=500),
            ).fit(X, y),
            X,
        ),
        "random_forest": lambda: (
            RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y),
            X,
        ),
    }
    return made[name]()


@pytest.mark.parametrize(
    "name",
    [
        "scaled_logistic",
        "hist_gradient_boosting",
        "hist_gradient_boosting_categories",
        "column_transformer",
        "log1p",
        "random_forest",
    ],
)
def test_scikit_learn_models_still_load_and_answer_as_they_did(tmp_path: Path, name: str) -> None:
    from skops import io as sio

    model, rows = _legitimate(name)
    sio.dump(model, tmp_path / "m.skops")
    loaded = load(tmp_path / "m.skops")
    assert (loaded.predict(rows) == model.predict(rows)).all()  # type: ignore[attr-defined]


def test_a_skops_that_lets_files_run_code_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skops
    from skops import io as sio

    X, y = _iris()
    sio.dump(LogisticRegression(max_iter=500).fit(X, y), tmp_path / "m.skops")
    monkeypatch.setattr(skops, "__version__", "0.11.0")
    with pytest.raises(ModelLoadError, match=r"skops 0\.11\.0, which lets a file run code"):
        load(tmp_path / "m.skops")
    monkeypatch.setattr(skops, "__version__", "0.12.0")
    assert load(tmp_path / "m.skops") is not None


def test_trees_from_a_file_no_run_checked_are_refused_by_path_but_load_from_a_run(
    tmp_path: Path, project: Project
) -> None:
    """A tree's node indices are not checked by scikit-learn: trusted where a run trained
    the file, not in a .skops file `mlgate serve PATH` is given from elsewhere."""
    from skops import io as sio

    from mlgate.serve import service

    X, y = _iris()
    sio.dump(RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y), tmp_path / "f.skops")
    with pytest.raises(UserError) as refused:
        service.load(project.manifest, str(tmp_path / "f.skops"))
    assert refused.value.message.startswith(
        "f.skops holds fitted trees, and no run trained it: scikit-learn does not check"
    )
    with pytest.raises(ModelLoadError, match="holds fitted trees"):
        load(tmp_path / "f.skops", checked=False)
    assert load(tmp_path / "f.skops") is not None  # as a run's own model, or the registry's
    sio.dump(LogisticRegression(max_iter=500).fit(X, y), tmp_path / "l.skops")
    served = service.load(project.manifest, str(tmp_path / "l.skops"))  # no tree: served
    assert served.metadata["run_id"] is None
