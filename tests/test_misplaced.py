"""A model the training saved elsewhere than train.outputs.model is named, with the line
that fixes the manifest (src/mlgate/pipeline/misplaced.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mlgate import manifest as mf
from mlgate import pipeline
from mlgate.pipeline import misplaced
from tests import projects


def _run(root: Path):
    return pipeline.run(mf.load(root / "mlops.yaml"), compare=False)


def test_a_model_saved_elsewhere_is_named_with_the_manifests_fix(make_repo) -> None:
    saved = "open('iris.pkl', 'wb').write(b'not scored')\n"
    root = make_repo(projects.iris_files(Path(), train=saved))
    result = _run(root)
    assert result.train.status == "failed"
    assert result.train.message == (
        "training finished but did not write models/model.joblib; it wrote iris.pkl: set "
        "train.outputs.model: iris.pkl (or write the model to $MLGATE_MODEL)"
    )
    assert (root / "iris.pkl").read_bytes() == b"not scored"  # the user's file, left


def test_a_model_not_updated_names_the_files_the_training_did_write(make_repo) -> None:
    saved = "import os\nos.makedirs('out', exist_ok=True)\nopen('out/a.onnx', 'wb').write(b'1')\n"
    root = make_repo(projects.iris_files(Path(), train=saved))
    (root / "models").mkdir()
    (root / "models/model.joblib").write_bytes(b"an old model")
    old = time.time_ns() - 3_600 * 10**9
    os.utime(root / "models/model.joblib", ns=(old, old))
    result = _run(root)
    assert result.train.message.startswith(
        "training finished but did not update models/model.joblib; it wrote out/a.onnx: "
    )


def test_without_a_model_anywhere_the_message_says_where_to_write_it(make_repo) -> None:
    root = make_repo(projects.iris_files(Path(), train="print('forgot to save')\n"))
    result = _run(root)
    assert result.train.message == (
        "training finished but did not write models/model.joblib (write the model to "
        "$MLGATE_MODEL, or set train.outputs.model)"
    )


def test_only_model_files_changed_since_the_start_outside_tool_folders(tmp_path: Path) -> None:
    since = time.time_ns()
    old = since - 10**9
    for relative in ("old.joblib", "new.txt", ".git/x.pkl", ".venv/y.pkl", "sub/.hidden/z.pkl"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
    os.utime(tmp_path / "old.joblib", ns=(old, old))
    for n, relative in enumerate(("a.joblib", "b/B.PKL", "c.skops", "d.onnx")):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
        at = since + n * 10**9  # newest last
        os.utime(tmp_path / relative, ns=(at, at))
    assert misplaced.models_written(tmp_path, since) == ("d.onnx", "c.skops", "b/B.PKL")
