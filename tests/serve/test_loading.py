"""What is loaded is what was checked: a model file swapped in after its sha256 was
taken (a training run or a sync job rewriting it meanwhile) is neither served nor
unpickled, whichever way the server loads (the manifest's model, a registered version,
a bundle's)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import pytest

from mlgate.model import loading
from mlgate.serve import bundle, service
from tests.registry.conftest import Project

UNPICKLED: list[str] = []  # what the swapped-in file's code did, when it was loaded


def _ran(marker: str) -> str:
    UNPICKLED.append(marker)
    return marker


class Swapped:
    """A pickle whose loading runs code: a file no run checked."""

    def __reduce__(self) -> tuple[Callable[[str], str], tuple[str]]:
        return (_ran, ("the swapped-in file's code ran",))


@pytest.fixture
def swap_before_loading(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Replace `path` (atomically, as `mv` does) the moment the server starts loading a
    model: after it has checked the file, before it unpickles one."""
    UNPICKLED.clear()
    real = loading.load

    def arm(path: Path) -> None:
        def load(*args: Any, **kwargs: Any) -> Any:
            other = path.with_name(".swapped")
            joblib.dump(Swapped(), other)
            os.chmod(path, 0o644)  # a store object is read-only
            os.replace(other, path)
            return real(*args, **kwargs)

        monkeypatch.setattr(loading, "load", load)

    return arm


def test_the_manifests_model_swapped_after_its_check_is_not_what_is_loaded(
    registered: Project, swap_before_loading: Callable[[Path], None]
) -> None:
    """The file was hashed, then opened again by its path: another model swapped in
    between was served (its code run) while /metadata gave the checked sha256."""
    model = registered.root / registered.manifest.train.model
    swap_before_loading(model)
    served = service.load(registered.manifest, registered.manifest.train.model)
    assert UNPICKLED == []
    assert served.metadata["model_sha256"] == registered.run.train.model.sha256  # type: ignore[union-attr]
    assert list(served.model.predict(_rows())) == ["setosa"]


def test_a_store_object_swapped_after_its_check_is_not_what_is_loaded(
    registered: Project, swap_before_loading: Callable[[Path], None]
) -> None:
    version = registered.where().read().version("v0.1.0")
    assert version is not None
    swap_before_loading(registered.where().store.path(version.record["model"]["sha256"]))
    served = service.load(registered.manifest, "v0.1.0")
    assert UNPICKLED == []
    assert list(served.model.predict(_rows())) == ["setosa"]


def test_a_bundles_model_swapped_after_its_check_is_not_what_is_loaded(
    registered: Project, swap_before_loading: Callable[[Path], None], tmp_path: Path
) -> None:
    """The bundle the workers of `mlgate serve --workers N` load: checked, then opened
    again by its path."""
    first = service.load(registered.manifest, "v0.1.0")
    assert first.sources is not None
    folder = tmp_path / "bundle"
    folder.mkdir()
    written = bundle.write(folder, first.sources, first.metadata)
    swap_before_loading(folder / written.model)
    served = bundle.load(folder)
    assert UNPICKLED == []
    assert list(served.model.predict(_rows())) == ["setosa"]


def _rows() -> Any:
    import pandas as pd

    return pd.DataFrame(
        [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]
    )


def test_a_skops_file_from_anywhere_is_served_as_it_is_and_said_to_be_unchecked(
    registered: Project, tmp_path: Path
) -> None:
    """The docs say `.skops` files load from anywhere (they run no code of their own, only
    scikit-learn, NumPy and SciPy types are trusted), and the refusal of a joblib path
    says "serve ... a .skops file"; every .skops file but the run's own was refused as
    "not the model run ... trained and scored"."""
    from skops import io as sio

    trained = joblib.load(registered.root / registered.manifest.train.model)
    exported = tmp_path / "exported.skops"
    sio.dump(trained, exported)
    served = service.load(registered.manifest, str(exported))
    assert list(served.model.predict(_rows())) == list(trained.predict(_rows()))
    assert served.metadata["version"] is None and served.metadata["verdict"] is None
    assert served.metadata["run_id"] is None and served.metadata["metrics"] == {}
    assert served.notes == (
        "exported.skops is served as it is: no run of iris trained and checked it, so "
        "/metadata gives its sha256 and no run, metrics or verdict (its inputs are those "
        "the last run read)",
    )
    assert served.schema.names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def test_a_model_file_that_is_not_there_is_said_to_be_missing(registered: Project) -> None:
    """A missing .skops path said "no model to serve: ... and a run that wrote it are
    needed / hint: mlgate run first", which does not say the file is missing."""
    from mlgate.errors import UserError

    missing = registered.root / "nonexistent.skops"
    with pytest.raises(UserError) as caught:
        service.load(registered.manifest, str(missing))
    assert caught.value.message == f"cannot serve {missing}: there is no such file"
    (registered.root / registered.manifest.train.model).unlink()
    with pytest.raises(UserError) as caught:
        service.load(registered.manifest, registered.manifest.train.model)
    model = registered.root / registered.manifest.train.model
    assert caught.value.message == (
        f"no model to serve: {model} (train.outputs.model in mlops.yaml) is not there"
    )


def test_a_version_asked_of_a_project_outside_git_says_there_is_no_registry(
    tmp_path: Path,
) -> None:
    """It said the version was "not the model file mlops.yaml names" and spoke of pickles,
    where the cause was no git repository, hence no registry."""
    from mlgate import manifest as manifests
    from mlgate.errors import UserError
    from mlgate.serve import service

    (tmp_path / "mlops.yaml").write_text(
        "name: x\ndata: {train: a.csv, test: b.csv, target: y}\ntrain: {command: python t.py}\n"
    )
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("x,y\n1,0\n")
    with pytest.raises(UserError) as refused:
        service.load(manifests.load(tmp_path / "mlops.yaml"), "v0.1.0")
    assert str(refused.value).startswith(
        f"v0.1.0 is not served: {tmp_path} is not in a git repository"
    )


def test_an_onnx_model_with_external_data_loads_where_it_is(tmp_path: Path) -> None:
    """Loaded from a private copy at /proc/self/fd/N, an ONNX model whose weights sit in
    `model.onnx.data` beside it (every one over 2 GB) was "No such file"; a model over
    256 MiB, or one memfd refuses, is copied to disk, not into each process's memory."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from mlgate.serve import copied

    weights = numpy_helper.from_array(np.ones((4, 1), np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])],
        [weights],
    )
    model = tmp_path / "model.onnx"
    onnx.save_model(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
        str(model),
        save_as_external_data=True,
        location="model.onnx.data",
        size_threshold=0,
    )
    with copied.copies({"model.onnx": model}) as copy:
        session = ort.InferenceSession(str(copy["model.onnx"].path))
        assert copy["model.onnx"].sha256 == copied._hashed(model)
    answer = session.run(None, {"X": np.ones((1, 4), np.float32)})[0]
    assert answer.tolist() == [[4.0]]


def test_a_model_past_the_memory_bound_is_copied_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlgate.serve import copied

    model = tmp_path / "model.joblib"
    model.write_bytes(b"x" * 2048)
    monkeypatch.setattr(copied, "IN_MEMORY", 1024)
    with copied.copies({"model.joblib": model}) as copy:
        assert not str(copy["model.joblib"].path).startswith("/proc/")
        assert copy["model.joblib"].path.read_bytes() == model.read_bytes()


def test_a_skops_file_is_found_where_the_user_is_not_under_the_manifests_folder(
    registered: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `--manifest sub/mlops.yaml`, `serve exported.skops` looked for
    sub/exported.skops."""
    from skops import io as sio

    from mlgate.cli.main import main
    from mlgate.serve import run

    trained = joblib.load(registered.root / registered.manifest.train.model)
    here = tmp_path / "here"
    here.mkdir()
    sio.dump(trained, here / "exported.skops")
    started: list[Any] = []
    monkeypatch.setattr(run, "serve", lambda served, **options: started.append(served))
    monkeypatch.chdir(here)
    code = main(["--manifest", str(registered.root / "mlops.yaml"), "serve", "exported.skops"])
    assert code == 0 and len(started) == 1
    assert started[0].metadata["run_id"] is None  # the file here, served as it is
