"""`mlgate check model`: the model train.outputs.model names, as it is, scored on data.test with
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
from tests.conftest import git

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
    assert lines[1] == "model checks: 0 of 1 check passed, 1 failed"
    assert lines[2].startswith("  FAILED  ") and "accuracy" in lines[2] and "0.999" in lines[2]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "train.outputs.model: 'models/model.joblib' does not exist"),
        (
            b"not a pickle",
            "the model could not be evaluated: could not load models/model.joblib "
            "(train.outputs.model): it does not begin as a joblib or pickle file does",
        ),
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


# -- --baseline: the model as it is, compared on the same rows, the gates decided

GATES = "compare:\n  gates:\n    accuracy: {min_change: -0.02}\n"


def _gated(project: Path, gates: str = GATES) -> None:
    (project / "mlops.yaml").write_text((project / "mlops.yaml").read_text() + gates)


def test_a_metrics_file_baseline_decides_the_gates_and_the_exit_code(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _gated(project)
    test = pd.read_csv(project / "data/test.csv")
    model = joblib.load(project / "models/model.joblib")
    ours = skm.accuracy_score(test["species"], model.predict(test.drop(columns=["species"])))
    (project / "better.json").write_text(json.dumps({"accuracy": ours + 0.05}))
    (project / "worse.json").write_text(json.dumps({"accuracy": ours - 0.05}))

    code, out, _ = in_process(project, capsys, monkeypatch, "--baseline", "better.json", "--json")
    found = json.loads(out)
    assert code == 1 and found["status"] == "failed"
    assert found["compare"]["baseline"]["kind"] == "file"
    (change,) = [m for m in found["compare"]["metrics"] if m["metric"] == "accuracy"]
    assert change["candidate"] == pytest.approx(ours)
    assert change["change"] == pytest.approx(-0.05)
    (gate,) = found["compare"]["gates"]
    assert gate["metric"] == "accuracy" and gate["status"] == "failed"
    assert found["summary"] == "1 of 1 gate failed: accuracy change >= -0.02"

    code, out, _ = in_process(project, capsys, monkeypatch, "--baseline", "worse.json")
    assert code == (0 if ours >= 0.8 else 1), out  # the model check still counts
    lines = out.splitlines()
    assert lines[0].startswith("iris: ")
    assert any(line.startswith("  baseline: worse.json") for line in lines), out
    assert any(line.startswith("  gate passed: accuracy") for line in lines), out
    # a check, not a run: nothing saved as one, not even a folder of its logs
    assert not (project / ".mlgate/runs").exists() or not list((project / ".mlgate/runs").iterdir())
    assert not list((project / ".mlgate").glob("check-*"))


def test_baseline_none_leaves_the_gates_not_evaluated(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _gated(project)
    code, out, _ = in_process(project, capsys, monkeypatch, "--baseline", "none", "--json")
    found = json.loads(out)
    assert code == (0 if found["checks"][0]["status"] == "passed" else 1)  # the check alone
    assert found["compare"]["baseline"]["kind"] == "none"
    assert [g["status"] for g in found["compare"]["gates"]] == ["not evaluated"]
    assert "not evaluated" in found["summary"]


def test_an_unknown_ref_outside_a_repository_is_bad_input(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _gated(project)
    code, out, _ = in_process(
        project, capsys, monkeypatch, "--baseline", "no-such-branch", "--json"
    )
    found = json.loads(out)
    assert code == 2
    assert found["error"].startswith(
        "the baseline named by the command line: 'no-such-branch' names a git ref, but "
    )
    assert "not in a git repository" in found["error"] and found["hint"] == "name a file or none"
    assert not (project / ".mlgate/runs").exists() or not list((project / ".mlgate/runs").iterdir())


@pytest.mark.e2e  # the baseline trains at its commit, in a worktree
def test_a_git_baseline_is_trained_at_its_commit_and_paired_on_the_same_rows(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gated(project, GATES + "    f1_macro: {significance: no significant drop}\n")
    (project / "train.py").write_text(projects.TRAIN_CLASSIFIER)
    (project / ".gitignore").write_text("models/\n.mlgate/\n")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "iris, C = 1")
    main_commit = git(project, "rev-parse", "HEAD")
    git(project, "checkout", "-q", "-b", "feature")

    code, out, _ = in_process(project, capsys, monkeypatch, "--baseline", "main", "--json")
    found = json.loads(out)
    compared = found["compare"]
    assert compared["baseline"]["kind"] == "git"
    assert compared["baseline"]["commit"] == main_commit
    assert compared["baseline"]["source"] == "scored on the candidate's test rows"
    # every test row is paired: neither model was trained on one
    assert compared["baseline"]["paired_rows"] == compared["baseline"]["candidate_rows"] == 30
    train, test = pd.read_csv(project / "data/train.csv"), pd.read_csv(project / "data/test.csv")
    X, y = test.drop(columns=["species"]), test["species"]
    base = LogisticRegression(C=1.0, max_iter=500)  # what train.py fits at main
    base.fit(train.drop(columns=["species"]), train["species"])
    ours = joblib.load(project / "models/model.joblib")  # the model as it is: C = 0.05
    figures = {m["metric"]: m for m in compared["metrics"]}
    assert figures["accuracy"]["baseline"] == pytest.approx(skm.accuracy_score(y, base.predict(X)))
    assert figures["accuracy"]["candidate"] == pytest.approx(skm.accuracy_score(y, ours.predict(X)))
    assert figures["f1_macro"]["baseline"] == pytest.approx(
        skm.f1_score(y, base.predict(X), average="macro")
    )
    gates = {g["metric"]: g for g in compared["gates"]}
    assert gates["f1_macro"]["significance"]["method"]  # a paired test, named
    failed = [g for g in compared["gates"] if g["status"] == "failed"]
    checks_failed = any(c["status"] != "passed" for c in found["checks"])
    assert code == (1 if failed or checks_failed else 0)
    assert found["status"] == ("failed" if failed or checks_failed else "passed")
