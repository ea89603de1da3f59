"""Loading the trained model: joblib, pickle and skops, and what is refused."""

from __future__ import annotations

import importlib
import pickle
import sys
import types
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from mlgate import manifest as manifests
from mlgate.model import loading
from mlgate.model.loading import ModelLoadError, load


@pytest.fixture(scope="module")
def fitted() -> LogisticRegression:
    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(X, y)


def test_joblib_pickle_and_skops_load_the_same_model(tmp_path: Path, fitted) -> None:
    from skops import io as sio  # here: a second to import, at each worker's collection else

    X, _ = load_iris(return_X_y=True)
    joblib.dump(fitted, tmp_path / "m.joblib")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(fitted))
    sio.dump(fitted, tmp_path / "m.skops")
    for name in ("m.joblib", "m.pkl", "m.skops"):
        assert (load(tmp_path / name).predict(X) == fitted.predict(X)).all(), name


def test_skops_refuses_types_outside_the_allow_list(tmp_path: Path) -> None:
    import os

    from sklearn.preprocessing import FunctionTransformer
    from skops import io as sio

    sio.dump(FunctionTransformer(func=os.system), tmp_path / "m.skops")
    with pytest.raises(ModelLoadError) as error:
        load(tmp_path / "m.skops")
    assert str(error.value).startswith(
        "m.skops holds types mlgate does not trust in a .skops file: posix.system. Only "
    )


def test_an_object_without_predict_is_not_a_model(tmp_path: Path) -> None:
    joblib.dump({"weights": [1, 2]}, tmp_path / "m.joblib")
    with pytest.raises(ModelLoadError) as error:
        load(tmp_path / "m.joblib")
    assert str(error.value) == "m.joblib holds a dict, which has no predict() method"


ADVICE = "write the model with joblib.dump(model, path) or pickle.dump, or as a .skops file"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", f"the file is empty; {ADVICE}"),
        (b"not a pickle at all", f"it does not begin as a joblib or pickle file does; {ADVICE}"),
        (
            b"PK\x03\x04" + bytes(40),
            "it is a zip archive (as PyTorch, Keras and skops write models), not a joblib "
            f"or pickle file; {ADVICE}",
        ),
        (
            b'{"learner": {}}',
            f"it is JSON text (as XGBoost and LightGBM can write models), "
            f"not a joblib or pickle file; {ADVICE}",
        ),
    ],
    ids=["empty", "text", "zip", "json"],
)
def test_a_file_that_is_not_a_pickle_says_what_it_is(
    tmp_path: Path, content: bytes, said: str
) -> None:
    (tmp_path / "m.joblib").write_bytes(content)
    with pytest.raises(ModelLoadError) as error:
        load(tmp_path / "m.joblib")
    assert str(error.value) == f"could not load m.joblib: {said}"


def test_a_pickle_cut_short_or_needing_a_missing_module_says_so(tmp_path: Path) -> None:
    import pickle

    whole = pickle.dumps(LogisticRegression())
    (tmp_path / "cut.joblib").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ModelLoadError, match=r"is it cut short\?\)$"):
        load(tmp_path / "cut.joblib")
    # a class from a module this environment lacks, as pickle records it
    name = b"sklearn.linear_model._logistic"
    missing = whole.replace(name, b"no_such_package.x".ljust(len(name), b"x"))  # same length
    (tmp_path / "other.joblib").write_bytes(missing)
    with pytest.raises(ModelLoadError) as error:
        load(tmp_path / "other.joblib")
    assert "needs the module 'no_such_package'" in str(error.value)


PREP = "import numpy as np\n\ndef scaled(x):\n    return np.asarray(x, float) * {factor}\n"


@pytest.fixture
def own_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project folders put on sys.path stay this test's."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(loading, "_ROOTS", [], raising=False)


def trained_beside(root: Path, module: str, factor: int) -> Path:
    """What a training command run in `root` writes: a pipeline holding a function of the
    project's own module (`root/<module>.py`), then that module forgotten again."""
    root.mkdir()
    (root / f"{module}.py").write_text(PREP.format(factor=factor))
    (root / "t.csv").write_text("x,y\n1,0\n")
    (root / "mlops.yaml").write_text(
        "name: beside\ndata: {train: t.csv, test: t.csv, target: y}\n"
        "train: {command: python train.py, outputs: {model: model.joblib}}\n"
    )
    sys.path.insert(0, str(root))
    try:
        helper = importlib.import_module(module)
        X, y = load_iris(return_X_y=True)
        steps = make_pipeline(FunctionTransformer(helper.scaled), LogisticRegression(max_iter=500))
        joblib.dump(steps.fit(X, y), root / "model.joblib")
    finally:
        sys.path.remove(str(root))
        del sys.modules[module]
    return root / "mlops.yaml"


def test_a_model_holding_a_function_of_the_projects_own_module_loads(
    tmp_path: Path, own_path: None
) -> None:
    """As training found it, beside mlops.yaml; it was 'needs the module ..., which is not
    installed where mlgate runs'."""
    module = f"prep_{tmp_path.name.replace('-', '_')}"
    manifest = manifests.load(trained_beside(tmp_path / "project", module, 2))
    model = loading.for_manifest(manifest, manifest.root / "model.joblib")
    X, y = load_iris(return_X_y=True)
    assert (model.predict(X) == y).mean() > 0.9


def test_a_baselines_model_finds_its_own_commits_module_not_the_one_loaded_first(
    tmp_path: Path, own_path: None
) -> None:
    module = f"prep_{tmp_path.name.replace('-', '_')}"
    ours = manifests.load(trained_beside(tmp_path / "ours", module, 2))
    theirs = manifests.load(trained_beside(tmp_path / "theirs", module, -3))
    kept = types.ModuleType("kept_beside")  # as a virtual environment inside the project
    kept.__file__ = str(ours.root / ".venv" / "lib" / "site-packages" / "kept_beside.py")
    sys.modules["kept_beside"] = kept
    try:
        first = loading.for_manifest(ours, ours.root / "model.joblib")
        second = loading.for_manifest(theirs, theirs.root / "model.joblib")
        assert sys.modules["kept_beside"] is kept  # what a venv inside it holds stays
    finally:
        del sys.modules["kept_beside"]
    X = np.ones((1, 4))
    assert first.steps[0][1].transform(X).tolist() == [[2.0] * 4]
    assert second.steps[0][1].transform(X).tolist() == [[-3.0] * 4]
    assert Path(sys.modules[module].__file__).parent == theirs.root


def test_a_model_trained_elsewhere_never_runs_the_projects_module_as_it_is_now(
    tmp_path: Path, own_path: None
) -> None:
    """A registered version's model (production's, a stage baseline's) was trained at its
    own commit: loaded with this checkout's textprep.py first on the path, a pull request's
    edit to it scored production's model with the edited function, and its figures. It is
    refused however the module is importable here, and the path is left as it was (a
    pytest session's later imports of the project's modules still work)."""
    module = f"prep_{tmp_path.name.replace('-', '_')}"
    here = manifests.load(trained_beside(tmp_path / "project", module, 2))
    model = here.root / "model.joblib"
    refused = (
        "a model trained at another commit (a registered version's, a baseline's) is not "
        "scored with the project's code as it is now: keep the functions a model pickles in "
        "an installed, versioned package (pinned in the requirements), or save the model "
        "without them"
    )
    with pytest.raises(ModelLoadError) as error:  # not importable: said as the project's
        loading.for_manifest(here, model, trained_here=False)
    assert str(error.value) == (
        f"could not load model.joblib: the model needs the module '{module}', which is the "
        f"project's own ({here.root / (module + '.py')}); {refused}"
    )
    candidate = loading.for_manifest(here, model)  # this checkout's: its module, first
    assert candidate.steps[0][1].transform(np.ones((1, 4))).tolist() == [[2.0] * 4]
    path = list(sys.path)
    with pytest.raises(ModelLoadError) as error:  # importable now, and imported already
        loading.for_manifest(here, model, trained_here=False)
    assert str(error.value) == (
        f"could not load model.joblib: the model holds code of the project's own module "
        f"'{module}', which may have changed here since the model was trained; {refused}"
    )
    assert sys.path == path and module in sys.modules
    plain = tmp_path / "plain.joblib"  # a model of installed code alone loads
    joblib.dump(LogisticRegression(max_iter=1000).fit(*load_iris(return_X_y=True)), plain)
    assert loading.for_manifest(here, plain, trained_here=False).predict(np.ones((1, 4))).shape


def test_code_elsewhere_in_the_checkout_is_the_projects_own_too(
    tmp_path: Path, own_path: None
) -> None:
    """mlops.yaml in ml/, the features' code in the repository's src/ (PYTHONPATH=src, or
    an editable install): production's model was scored with the checkout's edit of it."""
    module = f"feat_{tmp_path.name.replace('-', '_')}"
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    here = manifests.load(trained_beside(repo / "ml", module, 2))
    (repo / "src").mkdir()
    (here.root / f"{module}.py").rename(repo / "src" / f"{module}.py")
    sys.path.insert(0, str(repo / "src"))
    with pytest.raises(ModelLoadError, match=f"holds code of the project's own module '{module}'"):
        loading.for_manifest(here, here.root / "model.joblib", trained_here=False)


def test_a_project_module_named_as_one_of_the_standard_librarys_is_the_projects(
    tmp_path: Path, own_path: None
) -> None:
    """The project's own tabnanny.py, first on the path (`python -m pytest` in its folder):
    exempted by its name as the standard library's, it scored production's model."""
    assert "tabnanny" not in sys.modules
    here = manifests.load(trained_beside(tmp_path / "project", "tabnanny", 2))
    sys.path.insert(0, str(here.root))
    try:
        with pytest.raises(ModelLoadError, match="holds code of the project's own module 'tabn"):
            loading.for_manifest(here, here.root / "model.joblib", trained_here=False)
    finally:
        sys.modules.pop("tabnanny", None)
