"""An ONNX (or skops) project is set up for CI as a Parquet one is: `validate` refuses it
where onnxruntime (skops) is missing, rather than a run training and only then failing
to load the model, and `mlgate init` installs the extra in the workflows, which
`init --check` holds them to (the audit's finding 5)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from mlgate import manifest, scaffold
from mlgate.errors import ManifestError
from tests import projects

ONNX_MANIFEST = projects.IRIS_MANIFEST.replace(
    "  timeout: 2m\n", "  timeout: 2m\n  outputs: {model: models/model.onnx}\n"
)


def _hidden(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == module else found(name, *a)
    )


@pytest.mark.parametrize(
    ("suffix", "module", "said"),
    [
        (
            ".onnx",
            "onnxruntime",
            "train.outputs.model: 'models/model.onnx' is an ONNX model, which mlgate scores "
            "with onnxruntime, and onnxruntime is not installed: pip install 'mlgate[onnx]' "
            "(in the GitHub action: extras: png,onnx)",
        ),
        (
            ".skops",
            "skops",
            "train.outputs.model: 'models/model.skops' is a skops file, which mlgate loads "
            "with skops, and skops is not installed: pip install 'mlgate[skops]' (in the "
            "GitHub action: extras: png,skops)",
        ),
    ],
)
def test_validate_refuses_a_model_format_whose_reader_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, module: str, said: str
) -> None:
    text = ONNX_MANIFEST.replace(".onnx", suffix)
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=text))
    manifest.load(root / "mlops.yaml")  # installed here: valid
    _hidden(monkeypatch, module)
    with pytest.raises(ManifestError) as error:
        manifest.load(root / "mlops.yaml")
    problems = [str(p).split("mlops.yaml:", 1)[1] for p in error.value.problems]
    assert any(p.endswith(said) for p in problems), problems


def test_a_model_read_by_the_projects_own_functions_needs_no_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """evaluate.predict reads the file itself: what it imports is the project's own."""
    text = ONNX_MANIFEST.replace("evaluate:\n", "evaluate:\n  predict: scoring:predict\n")
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=text))
    (root / "scoring.py").write_text("def predict(features):\n    return features\n")
    _hidden(monkeypatch, "onnxruntime")
    manifest.load(root / "mlops.yaml")
    assert scaffold.extras_for(text.encode()) == ""


def test_extras_follow_the_model_files_format() -> None:
    assert scaffold.extras_for(b"train: {command: x, outputs: {model: m/model.onnx}}\n") == (
        "png,onnx"
    )
    assert scaffold.extras_for(b"train: {command: x, outputs: {model: model.skops}}\n") == (
        "png,skops"
    )
    assert scaffold.extras_for(b"train: {command: x, outputs: {model: m.joblib}}\n") == ""
    assert (
        scaffold.extras_for(
            b"data: {train: a.parquet}\ntrain: {dvc: fit, outputs: {model: m.onnx}}\n"
        )
        == "png,dvc,parquet,onnx"
    )


def test_an_onnx_projects_workflows_install_onnx_and_check_holds_them_to_it(
    tmp_path: Path,
) -> None:
    """init wrote no extras for an ONNX project (the action's default, png), and
    `init --check` called those workflows up to date: no CI run could load its model."""
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=ONNX_MANIFEST))
    scaffold.init(root)
    flows = {p.name: p.read_text() for p in (root / ".github/workflows").glob("*.yml")}
    assert "extras: png,onnx" in flows["mlgate.yml"]
    assert all(c.status == "up to date" for c in scaffold.check(root))
    # workflows written for a joblib model, then the model made ONNX: out of date
    (root / "mlops.yaml").write_text(projects.IRIS_MANIFEST)
    scaffold.init(root, force=True)
    assert "extras: png,onnx" not in (root / ".github/workflows/mlgate.yml").read_text()
    (root / "mlops.yaml").write_text(ONNX_MANIFEST)
    assert "up to date" not in {
        c.status for c in scaffold.check(root) if c.path.endswith("mlgate.yml")
    }
