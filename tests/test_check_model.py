"""`mlgate check model`: the model train.model names, as it is, scored on data.test with
the model checks; nothing prepared or trained. Figures are scikit-learn's on the same file."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression

from mlgate import manifest
from mlgate.cli import main
from tests import projects

NEVER = "raise SystemExit('check model never trains')\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = projects.write(tmp_path / "iris", projects.iris_files(tmp_path, train=NEVER))
    train = pd.read_csv(root / "data/train.csv")
    model = LogisticRegression(C=0.05, max_iter=500)
    model.fit(train.drop(columns=["species"]), train["species"])
    loaded = manifest.load(root / "mlops.yaml")
    path = loaded.resolve(loaded.train.model)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return root


def in_process(project: Path, capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(project)
    code = main(["check", "model", *args])
    said = capsys.readouterr()
    return code, said.out, said.err


def test_json_holds_scikit_learns_metrics_and_the_model_checks(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = in_process(project, capsys, monkeypatch, "--json")
    found = json.loads(out)
    test = pd.read_csv(project / "data/test.csv")
    model = joblib.load(project / "models/model.joblib")
    X, y = test.drop(columns=["species"]), test["species"]
    pred, proba = model.predict(X), model.predict_proba(X)
    assert found["metrics"] == pytest.approx(
        {
            "accuracy": skm.accuracy_score(y, pred),
            "f1_macro": skm.f1_score(y, pred, average="macro"),
            "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr"),
        }
    )
    assert found["rows"] == 30 and found["task"] == "classification"
    (check,) = found["checks"]
    passed = skm.accuracy_score(y, pred) >= 0.8
    assert check["status"] == ("passed" if passed else "failed")
    assert code == (0 if passed else 1) and found["status"] == check["status"]
    assert not (project / "train.log").exists()


def test_a_failed_model_check_is_named_and_exits_1(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(text.replace("min: 0.8}", "min: 0.999}"))
    code, out, _ = in_process(project, capsys, monkeypatch)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("metrics: accuracy 0.")
    assert lines[1] == "model checks: 0 checks passed, 1 failed"
    assert lines[2].startswith("  FAILED  ") and "accuracy" in lines[2] and "0.999" in lines[2]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "train.model: 'models/model.joblib' does not exist"),
        (b"not a pickle", "the model could not be evaluated: "),
    ],
    ids=["absent", "not a model"],
)
def test_a_model_that_is_absent_or_unreadable_is_bad_input(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: bytes | None,
    said: str,
) -> None:
    path = project / "models/model.joblib"
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    code, out, _ = in_process(project, capsys, monkeypatch, "--json")
    found = json.loads(out)  # with --json, the error too
    assert code == 2 and found["exit_code"] == 2
    assert found["error"].startswith(said), found


def test_without_model_checks_it_says_where_they_would_be_named(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(text.replace("  - {metric: accuracy, min: 0.8}\n", ""))
    text = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(text.replace("model_checks:\n", ""))
    code, out, _ = in_process(project, capsys, monkeypatch)
    assert code == 0
    assert out.splitlines()[1] == "model checks: none (model_checks in mlops.yaml names them)"
