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
