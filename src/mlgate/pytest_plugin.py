"""Fixtures for users' own model tests (`model_checks: - pytest: tests/model`).

Registered through pytest's `pytest11` entry point, so it is loaded in every pytest run
where mlgate is installed: it defines fixtures and nothing else, imports nothing heavy
until a test asks for one, and adds no option, hook or output. Inside `mlgate run` the
fixtures read the run's manifest (MLGATE_MANIFEST) and the predictions it scored
(MLGATE_PREDICTIONS); run by hand, `pytest tests/model` finds mlops.yaml in the folder
pytest starts from and scores the model itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.manifest.spec import Manifest


@dataclass(frozen=True)
class Data:
    """The run's data files as pandas frames."""

    train: pd.DataFrame
    test: pd.DataFrame


@pytest.fixture(scope="session")
def mlgate_manifest(pytestconfig: pytest.Config) -> Manifest:
    """The manifest of the run (or of the project pytest runs in)."""
    from mlgate import manifest

    named = os.environ.get("MLGATE_MANIFEST")
    if named:
        return manifest.load(Path(named))
    root = Path(pytestconfig.invocation_params.dir)
    for name in ("mlops.yaml", "mlops.yml"):
        if (root / name).is_file():
            return manifest.load(root / name)
    raise pytest.UsageError(
        f"mlgate's fixtures need the project's manifest: no mlops.yaml in {root}; run "
        "pytest from the project's folder, or through `mlgate run` (model_checks: - pytest)"
    )


@pytest.fixture(scope="session")
def mlgate_model(mlgate_manifest: Manifest) -> Any:
    """The trained model, loaded as the run scores it (train.outputs.model, or evaluate.predict)."""
    from mlgate.model import loading

    relative = mlgate_manifest.train.model
    path = mlgate_manifest.resolve(relative)
    if not path.exists():
        raise pytest.UsageError(
            f"there is no model at {relative} (train.outputs.model): train first"
        )
    try:
        return loading.for_manifest(
            mlgate_manifest, path, shown=f"{relative} (train.outputs.model)"
        )
    except loading.ModelLoadError as exc:  # the user's model: said, not a traceback of ours
        pytest.fail(f"mlgate_model: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def mlgate_baseline_model(mlgate_manifest: Manifest) -> Any:
    """The baseline's model, loaded as the candidate's is: inside `mlgate run`, the model
    the run compares with (a git ref's trained at its commit before the tests run; a
    registry stage's version's from the store). Run by hand: a stage's from the store, a
    git ref's as the last run kept it. Where there is none (no baseline, a metrics file, a
    run result), or it cannot be loaded (one holding the project's own module, refused
    as trained at another commit), the test is skipped and says why, as in a run whose
    comparison could not score it: a skipped check, never a silent one."""
    from mlgate.model import loading

    kept = os.environ.get("MLGATE_BASELINE_MODEL")
    if kept:
        path, suffix = Path(kept), os.environ.get("MLGATE_BASELINE_MODEL_SUFFIX") or None
    else:
        missing = os.environ.get("MLGATE_BASELINE_MODEL_MISSING")
        if missing is not None:
            pytest.skip(f"mlgate_baseline_model: {missing}")
        path, suffix = _baseline_model_by_hand(mlgate_manifest)
    try:
        return loading.for_manifest(mlgate_manifest, path, suffix=suffix, trained_here=False)
    except loading.ModelLoadError as exc:  # as a run says a baseline it could not load
        pytest.skip(f"mlgate_baseline_model: {exc}")


def _baseline_model_by_hand(manifest: Manifest) -> tuple[Path, str]:
    """compare.baseline's model outside a run, or a skip saying why there is none."""
    from mlgate import git
    from mlgate.compare import baseline
    from mlgate.errors import UserError
    from mlgate.result import runs

    spec = manifest.compare
    kind, ref = spec.baseline_kind, spec.baseline
    if kind == "auto" and os.environ.get("GITHUB_BASE_REF"):  # a pull request's job
        kind, ref = "git", os.environ["GITHUB_BASE_REF"]
    try:
        if kind == "stage":
            return baseline.stage_model(manifest, ref)
        if kind != "git":
            raise UserError(
                f"compare.baseline is {ref!r} here, which names no model "
                "(a git ref or {stage: NAME} does)"
            )
        last = runs.latest(manifest.root)
        commit = git.resolve(manifest.root, ref)
        kept = baseline.kept_model(manifest, runs.read(last), commit) if last and commit else None
        if kept is None:
            raise UserError(
                f"the model of {ref} is kept by `mlgate run` (with model_checks: "
                "- pytest) for the run that trained it: run `mlgate run` first"
            )
        return kept.path, kept.suffix
    except UserError as exc:
        pytest.skip(f"mlgate_baseline_model: {exc}")


@pytest.fixture(scope="session")
def mlgate_data(mlgate_manifest: Manifest) -> Data:
    """data.train and data.test as pandas frames, read as the run reads them."""
    from mlgate.data import load

    def read(relative: str) -> pd.DataFrame:
        path = mlgate_manifest.resolve(relative)
        return load.read_pandas(path, load.detect_format(path, mlgate_manifest.data.format))

    return Data(train=read(mlgate_manifest.data.train), test=read(mlgate_manifest.data.test))


@pytest.fixture(scope="session")
def mlgate_features(mlgate_manifest: Manifest, mlgate_data: Data) -> pd.DataFrame:
    """The test rows' features, as the model is given them."""
    from mlgate.model import evaluate

    return mlgate_data.test[evaluate.feature_columns(mlgate_manifest, mlgate_data.test)]


@pytest.fixture(scope="session")
def mlgate_predictions(
    mlgate_manifest: Manifest, mlgate_model: Any, mlgate_data: Data
) -> pd.DataFrame:
    """The model's answer for each test row: `y_true`, `y_pred`, and for a classifier with
    probabilities a `proba_<class>` column per class; the run's own predictions inside
    `mlgate run`, else the model scored here."""
    import numpy as np
    import pandas as pd

    from mlgate.model import evaluate
    from mlgate.result import arrays, document
    from mlgate.result.records import Predictions

    written = os.environ.get("MLGATE_PREDICTIONS")
    if written:  # the run's own, as it scored them
        kept = document.from_dict(Predictions, json.loads(Path(written).read_text("utf-8")))
    else:
        kept = evaluate.score(mlgate_manifest, mlgate_model, mlgate_data.test).predictions
    classes = list(kept.classes) if kept.classes is not None else None
    y_true, y_pred = arrays.decode(kept.y_true), arrays.decode(kept.y_pred)
    if classes is not None:  # indices -> labels (-1: a label the model does not know)
        labels = np.array([*classes, None], dtype=object)
        y_true, y_pred = labels[y_true], labels[y_pred]
    frame = pd.DataFrame({"y_true": y_true, "y_pred": y_pred})
    if kept.scores is not None and classes is not None:
        scores = arrays.decode(kept.scores)
        for i, label in enumerate(classes):
            frame[f"proba_{label}"] = scores[:, i]
    return frame
