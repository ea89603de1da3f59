"""`evaluate.predict` / `predict_proba` checked by validate, without running the user's
code (audit T, finding 3): a module that is neither a file of the project's folder nor
installed, or a function its file does not define, was "valid" and found after training."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from mlgate import manifest as manifests
from mlgate.errors import ManifestError

MANIFEST = """\
name: textclf
data: {train: train.csv, test: test.csv, target: label}
train:
  command: python train.py
  outputs: {model: models/m.joblib}
evaluate:
  predict: PREDICT
  predict_proba: PROBA
"""

SCORING = """\
import os
RAN = open(os.path.join(os.path.dirname(__file__), "ran"), "w")  # imported: marks it
def predict(features):
    return features
if True:
    def predict_proba(features):
        return features
"""


def project(root: Path, predict: str, proba: str = "src.textclf.scoring:predict_proba") -> Path:
    pd.DataFrame({"x": [1, 2], "label": ["a", "b"]}).to_csv(root / "train.csv", index=False)
    pd.DataFrame({"x": [1, 2], "label": ["a", "b"]}).to_csv(root / "test.csv", index=False)
    (root / "train.py").write_text("")
    package = root / "src" / "textclf"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "scoring.py").write_text(SCORING)
    (root / "mlops.yaml").write_text(MANIFEST.replace("PREDICT", predict).replace("PROBA", proba))
    return root / "mlops.yaml"


def said(path: Path) -> list[str]:
    try:
        manifests.load(path)
    except ManifestError as exc:
        return [str(p).removeprefix(f"{path.parent}/") for p in exc.problems]
    return []


def test_a_src_layout_module_named_without_src_is_refused_with_what_would_import(
    tmp_path: Path,
) -> None:
    found = said(project(tmp_path, "textclf.scoring:predict"))
    assert found == [
        "mlops.yaml:7:12: evaluate.predict: names the module 'textclf.scoring', which is "
        f"neither a file in the project's folder ({tmp_path}) nor installed; did you mean "
        "`src.textclf.scoring:predict`, or install the project (pip install -e .)?"
    ]
    assert not (tmp_path / "src" / "textclf" / "ran").exists()  # nothing imported


def test_a_function_the_file_does_not_define_is_refused_with_its_functions(
    tmp_path: Path,
) -> None:
    found = said(project(tmp_path, "src.textclf.scoring:predcit", "src.textclf.scoring:guess"))
    assert found == [
        "mlops.yaml:7:12: evaluate.predict: names 'predcit', which src/textclf/scoring.py does "
        "not define at its top level (its functions: predict, predict_proba); did you mean "
        "'predict'?",
        "mlops.yaml:8:18: evaluate.predict_proba: names 'guess', which "
        "src/textclf/scoring.py does not define at its top level (its functions: predict, "
        "predict_proba)",
    ]
    assert not (tmp_path / "src" / "textclf" / "ran").exists()


def test_what_the_run_would_import_is_valid(tmp_path: Path) -> None:
    # a project file (a function in an `if` at the top too), and an installed module
    assert said(project(tmp_path, "src.textclf.scoring:predict")) == []
    assert said(project(tmp_path, "json:loads", "os.path:join")) == []
    assert not (tmp_path / "src" / "textclf" / "ran").exists()
    assert "src.textclf.scoring" not in sys.modules


def test_a_module_nowhere_is_refused_without_a_src_hint(tmp_path: Path) -> None:
    found = said(project(tmp_path, "scorer:predict"))
    assert len(found) == 1
    assert "names the module 'scorer', which is neither a file" in found[0]
    assert "did you mean" not in found[0]
    found = said(project(tmp_path, "json.nothere:loads"))
    assert "names the module 'json.nothere'" in found[0]


@pytest.mark.parametrize(
    "source",
    [
        "from ._impl import *\n",
        "def __getattr__(name):\n    return print\n",
        "from ._impl import guess\n",
        "guess = print\n",
    ],
)
def test_a_name_the_file_may_define_otherwise_is_not_refused(tmp_path: Path, source: str) -> None:
    path = project(tmp_path, "src.textclf.scoring:guess", "src.textclf.scoring:guess")
    (tmp_path / "src" / "textclf" / "scoring.py").write_text(source)
    assert said(path) == []
