"""The whole run on real projects: real training subprocesses, real models, real files."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from mlgate import manifest as mf
from mlgate import pipeline
from mlgate.result import arrays, document, runs
from tests import projects
from tests.conftest import git

pytestmark = pytest.mark.e2e  # the whole run, the user's training a process in each test


def run(root: Path):
    return pipeline.run(mf.load(root / "mlops.yaml"))


@pytest.fixture
def iris(make_repo) -> Path:
    return make_repo(projects.iris_files(Path()))


def test_passing_run_writes_a_valid_result_and_report(iris: Path) -> None:
    result = run(iris)

    assert result.verdict == "passed", result.summary
    assert result.summary == f"all {len(result.checks)} checks passed"
    assert result.evaluate.task == "classification" and result.evaluate.task_inferred
    assert set(result.evaluate.metrics) == {"accuracy", "f1_macro", "roc_auc"}
    assert 0.8 <= result.evaluate.metrics["accuracy"] <= 1.0
    assert result.git.commit == git(iris, "rev-parse", "HEAD")
    assert result.git.branch == "main" and result.git.dirty is False
    assert result.params == {"train.C": 1.0}
    assert [d.rows for d in result.data.datasets] == [120, 30]
    assert result.train.model is not None and result.train.model.path == "models/model.joblib"

    saved = iris / ".mlgate" / "runs" / result.run_id
    doc = json.loads((saved / "run.json").read_text())
    jsonschema.Draft202012Validator(document.schema()).validate(doc)
    assert document.loads((saved / "run.json").read_text()) == result
    assert (saved / "report.md").read_text().startswith("## ✅ iris: passed")
    assert "trained on 120 rows" in (saved / "train.log").read_text()
    assert runs.latest(iris) == saved / "run.json"
    # the run leaves the checkout clean: runs ignore themselves; models/ is the user's
    assert git(iris, "status", "--porcelain", "--", ".mlgate") == ""


def test_predictions_pair_rows_by_content(iris: Path) -> None:
    result = run(iris)
    preds = result.evaluate.predictions
    assert preds is not None and preds.rows == 30
    assert preds.classes == ("setosa", "versicolor", "virginica")
    keys = arrays.decode(preds.row_keys)
    assert keys.dtype == np.uint64 and len(set(keys.tolist())) == 30
    y_true, y_pred = arrays.decode(preds.y_true), arrays.decode(preds.y_pred)
    accuracy = float((y_true == y_pred).mean())
    assert accuracy == pytest.approx(result.evaluate.metrics["accuracy"])
    scores = arrays.decode(preds.scores)
    assert scores.shape == (30, 3) and np.allclose(scores.sum(axis=1), 1, atol=1e-5)


def test_training_env_names_the_manifest_paths(make_repo) -> None:
    dump = (
        "import json, os\njson.dump({k: v for k, v in os.environ.items() if "
        "k.startswith('MLGATE_')}, open('env.json', 'w'))\n" + projects.TRAIN_CLASSIFIER
    )
    root = make_repo(projects.iris_files(Path(), train=dump))
    result = run(root)
    env = json.loads((root / "env.json").read_text())
    assert env == {
        "MLGATE_ROOT": str(root),
        "MLGATE_RUN_ID": result.run_id,
        "MLGATE_DATA_TRAIN": str(root / "data/train.csv"),
        "MLGATE_TARGET": "species",
        "MLGATE_MODEL": str(root / "models/model.joblib"),
        "MLGATE_PARAMS": str(root / "params.yaml"),
    }  # not the test data's path: the training has no business with the held-out rows


def test_failing_training_is_a_verdict_with_its_last_lines(make_repo) -> None:
    script = (
        "import sys\nprint('loading data')\nprint('KeyError: petal', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )
    root = make_repo(projects.iris_files(Path(), train=script))
    result = run(root)
    assert result.verdict == "failed"
    assert result.summary == "train stage: `python train.py` exited with code 3"
    assert result.train.outcome is not None and result.train.outcome.exit_code == 3
    assert result.train.outcome.log_tail[-2:] == ("loading data", "KeyError: petal")
    assert result.evaluate.status == "skipped" and result.model.status == "skipped"
    report = (root / ".mlgate/runs" / result.run_id / "report.md").read_text()
    assert "KeyError: petal" in report


def test_training_that_times_out_is_stopped(make_repo) -> None:
    manifest = projects.IRIS_MANIFEST.replace("timeout: 2m", "timeout: 1")
    root = make_repo(
        projects.iris_files(
            Path(), manifest=manifest, train="import time\nprint('epoch 1')\ntime.sleep(60)\n"
        )
    )
    result = run(root)
    outcome = result.train.outcome
    assert outcome is not None and outcome.timed_out and outcome.status == "error"
    assert outcome.duration_s < 15
    assert result.summary == "train stage: `python train.py` timed out after 1s and was stopped"


def test_training_that_writes_no_model_fails(make_repo) -> None:
    root = make_repo(projects.iris_files(Path(), train="print('forgot to save')\n"))
    result = run(root)
    assert result.train.status == "failed"
    assert "did not write models/model.joblib" in result.train.message


def test_stale_model_from_an_earlier_run_is_not_evaluated(iris: Path) -> None:
    assert run(iris).passed
    (iris / "train.py").write_text("print('no save this time')\n")
    result = run(iris)
    assert result.train.status == "failed"
    assert "did not update models/model.joblib" in result.train.message


def test_failed_data_check_skips_training(make_repo) -> None:
    manifest = projects.IRIS_MANIFEST.replace("min: 0, nullable", "min: 5, nullable")
    root = make_repo(projects.iris_files(Path(), manifest=manifest))
    result = run(root)
    assert result.verdict == "failed"
    failed = [c for c in result.checks if c.status == "failed"]
    assert {c.id for c in failed} == {
        "data.train.columns.sepal_length.min",
        "data.test.columns.sepal_length.min",
    }
    assert result.train.status == "skipped"
    assert not (root / "models").exists()


def test_failed_model_check_explains_by_how_much(make_repo) -> None:
    manifest = projects.IRIS_MANIFEST.replace(
        "metric: accuracy, min: 0.8", "metric: accuracy, min: 0.999"
    )
    root = make_repo(projects.iris_files(Path(), manifest=manifest))
    result = run(root)
    (check,) = result.model.checks
    accuracy = result.evaluate.metrics["accuracy"]
    assert check.status == "failed"
    assert (
        check.message == f"accuracy = {accuracy:.4f}, {0.999 - accuracy:.4f} below the "
        "minimum 0.999"
    )
    assert result.summary == f"1 of {len(result.checks)} checks failed: {check.message}"


def test_a_file_that_is_not_a_model_is_reported(make_repo) -> None:
    script = "import joblib, os\njoblib.dump({'weights': [1, 2]}, os.environ['MLGATE_MODEL'])\n"
    root = make_repo(projects.iris_files(Path(), train=script))
    result = run(root)
    assert result.evaluate.status == "error"
    assert (
        result.evaluate.message
        == "models/model.joblib (train.outputs.model) holds a dict, which has no predict() method"
    )


def test_unknown_positive_label_is_reported(make_repo) -> None:
    manifest = (
        projects.IRIS_MANIFEST.replace("evaluate:\n", "evaluate:\n  positive_label: rose\n")
        .replace("[accuracy, f1_macro, roc_auc]", "[accuracy]")
        # classes declared, validate names it before training (test_malformed.py): here
        # the model's own classes are the only ones known
        .replace("{type: category, values: [setosa, versicolor, virginica]}", "{type: category}")
    )
    files = projects.iris_files(Path(), manifest=manifest)
    # two classes, so that the positive label matters
    for name in ("data/train.csv", "data/test.csv"):
        files[name] = (
            "\n".join(line for line in files[name].splitlines() if "virginica" not in line) + "\n"
        )
    root = make_repo(files)
    result = run(root)
    assert result.evaluate.status == "error"
    assert (
        result.evaluate.message == "mlops.yaml line 15 (evaluate.positive_label): 'rose' is "
        "not one of the model's classes: setosa, versicolor"
    )


def test_regression_with_defaults(make_repo, tmp_path: Path, capsys) -> None:
    root = make_repo(projects.diabetes_files())
    result = run(root)
    assert result.passed, result.summary
    # the charts are a classifier's: `report --png` wrote nothing and said nothing
    from mlgate.cli import main

    assert main(["-C", str(root), "report", "--png", str(tmp_path / "png")]) == 0
    said = capsys.readouterr().err
    assert said.startswith("no charts written: the charts are a classifier's (curves, ")
    assert f"and run {result.run_id} has none" in said
    # an output path that cannot be written is the user's to change, not an internal error
    (tmp_path / "file").write_text("kept")
    for args, why in [
        (["report", "--output", str(tmp_path)], "it is a folder"),
        (["report", "--output", str(tmp_path / "file/r.md")], "is a file, not a folder"),
        (["report", "--png", str(tmp_path / "file")], "is a file, not a folder"),
        (["profile", "data/train.csv", "-o", str(tmp_path)], "it is a folder"),
        (["profile", "data/train.csv", "-o", str(tmp_path / "file/p.json")], "not a folder"),
    ]:
        assert main(["-C", str(root), *args]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("mlgate: error: cannot write '") and why in err, err
        assert "Traceback" not in err
    assert (tmp_path / "file").read_text() == "kept"
    assert result.evaluate.task == "regression" and result.evaluate.task_inferred
    assert list(result.evaluate.metrics) == ["rmse", "mae", "r2"]
    assert 0.2 < result.evaluate.metrics["r2"] < 0.7
    # no columns, no thresholds: only the target's presence is checked
    assert [(c.id, c.status) for c in result.checks] == [
        ("data.train.target", "passed"),
        ("data.test.target", "passed"),
    ]


def test_prepare_failure_stops_the_run(make_repo) -> None:
    manifest = projects.IRIS_MANIFEST.replace(
        "data:\n", "data:\n  prepare: python -c 'raise SystemExit(\"no source\")'\n"
    )
    root = make_repo(projects.iris_files(Path(), manifest=manifest))
    result = run(root)
    assert result.data.status == "failed"
    assert result.data.prepare is not None and result.data.prepare.log_tail == ("no source",)
    assert result.train.status == "skipped"


def test_unreadable_data_is_a_data_error(make_repo) -> None:
    files = projects.iris_files(Path())
    header = files["data/test.csv"].splitlines()[0]  # validate reads the header alone
    files["data/test.csv"] = header + '\n1,"unterminated\n'
    root = make_repo(files)
    result = run(root)
    assert result.data.status == "error"
    assert result.data.message.startswith("data file 'data/test.csv' could not be read as csv")
    assert result.verdict == "failed"


# -- a model that misbehaves at evaluation: the run fails in the user's terms, never hangs

COPY_MODEL = "import os, shutil\nshutil.copy('prebuilt.joblib', os.environ['MLGATE_MODEL'])\n"


def with_model(
    make_repo, model: object, evaluate: str = "{timeout: 3s}", name: str = "repo"
) -> Path:
    import io

    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    files: dict[str, str | bytes] = dict(projects.diabetes_files())
    files["mlops.yaml"] += (
        f"evaluate: {evaluate}\ncompare: {{baseline: none, gates: {{rmse: {{max: 1000}}}}}}\n"
    )
    files["train.py"] = COPY_MODEL
    files["prebuilt.joblib"] = buffer.getvalue()
    return make_repo(files, name=name)


def failed_evaluation(root: Path) -> str:
    result = pipeline.run(mf.load(root / "mlops.yaml"))
    assert result.evaluate.status == "error" and result.verdict == "failed"
    assert result.model.status == "skipped" and result.compare is None  # the gate stays shut
    assert result.summary == f"evaluate stage: {result.evaluate.message}"
    return result.evaluate.message


@pytest.mark.parametrize("kind", ["sleep", "spin"])
def test_a_predict_that_never_returns_is_stopped_at_the_timeout(make_repo, kind: str) -> None:
    from tests.model.bad_models import Misbehaving

    # the timeout holds the load too: at 1 s, importing scikit-learn to load the model
    # (1.4 s on a slow hour, more beside other work) was what got stopped
    root = with_model(make_repo, Misbehaving(kind), evaluate="{timeout: 4s}")
    started = time.monotonic()
    message = failed_evaluation(root)
    assert (
        message == "the model did not finish within 4s (model.predict on 111 rows) and "
        "was stopped; make it faster, or raise evaluate.timeout"
    )
    assert time.monotonic() - started < 60


def test_a_predict_proba_or_a_load_that_never_returns_is_named(make_repo) -> None:
    import io

    from tests.model.bad_models import BadProbabilities, SlowToLoad

    test = pd.read_csv(io.StringIO(projects.diabetes_files()["data/test.csv"]))
    known = sorted(test["target"].unique())[:2]  # classes the test labels hold: it is scored
    root = with_model(make_repo, BadProbabilities("sleep", known))
    assert failed_evaluation(root).startswith(
        "the model did not finish within 3s (model.predict_proba on 111 rows)"
    )
    root = with_model(make_repo, SlowToLoad(), evaluate="{timeout: 1s}", name="slow-load")
    assert (
        failed_evaluation(root) == "the model did not finish within 1s (loading "
        "models/model.joblib) and was stopped; make it faster, or raise evaluate.timeout"
    )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "exit",
            "the model's process exited with code 3 before it answered (model.predict on 111 "
            "rows); its last output: giving up",
        ),
        (
            "kill",
            "the model's process was killed by signal 9 before it answered (model.predict on "
            "111 rows)",
        ),
        ("sysexit", "the model called exit() (SystemExit: 4) while it was scored"),
        (
            "2d",
            "model.predict returned an array of shape (111, 3); expected one prediction per "
            "test row (111 values); probabilities belong in predict_proba",
        ),
        ("none", "model.predict returned None; expected one prediction per test row (111 values)"),
        (
            "strings",
            "model.predict returned text such as 'high', but 'target' is a regression "
            "target: expected numbers (or set evaluate.task: classification if the model predicts "
            "classes)",
        ),
    ],
)
def test_a_model_that_dies_or_answers_wrongly_fails_the_run(
    make_repo, kind: str, message: str
) -> None:
    from tests.model.bad_models import Misbehaving

    assert failed_evaluation(with_model(make_repo, Misbehaving(kind))) == message


def test_the_models_output_is_the_stages_and_never_stdout(make_repo) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT
    from tests.model.bad_models import Misbehaving

    root = with_model(make_repo, Misbehaving("noisy"))
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'src'}{os.pathsep}{REPO_ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "run", "--json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "passed"  # stdout is the JSON alone
    assert "  ::error::from the model" in done.stderr.splitlines()
    (run_dir,) = (root / ".mlgate" / "runs").glob("*/")
    assert (run_dir / "evaluate.log").read_text() == "::error::from the model\n"


def test_a_wrong_model_exits_2_from_the_command_line(make_repo) -> None:
    """A model that cannot be scored is bad input (exit 2), not a verdict (exit 1); the run
    and its report are written all the same."""
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT
    from tests.model.bad_models import Misbehaving

    root = with_model(make_repo, Misbehaving("2d"))
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'src'}{os.pathsep}{REPO_ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "run"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout.startswith(
        "diabetes: FAILED - evaluate stage: model.predict returned an array of shape (111, 3)"
    )
    assert list((root / ".mlgate" / "runs").glob("*/report.md"))


def test_a_baseline_model_that_never_returns_is_stopped_too(make_repo) -> None:
    """The baseline's model is scored on the candidate's rows in a child as well."""
    from mlgate.compare import baseline
    from mlgate.errors import UserError
    from tests.model.bad_models import Misbehaving

    root = with_model(make_repo, Misbehaving("sleep"), evaluate="{timeout: 1s}")
    loaded = mf.load(root / "mlops.yaml")
    candidate = pipeline.run(loaded)
    started = time.monotonic()
    with pytest.raises(
        UserError,
        match=r"^the model did not finish within 1s \(scoring the "
        r"baseline's model on the candidate's rows\)",
    ):
        baseline._score_isolated(
            lambda: Misbehaving("sleep"),
            loaded,
            loaded,
            candidate,
            trained=None,
            model_path=root / "models" / "model.joblib",
        )
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("classes", "written", "said"),
    [
        (
            ("churned", "stayed"),
            "",
            "; positive class 'stayed', the greater label "
            "(set evaluate.positive_label to name another)",
        ),
        (("churned", "stayed"), "  positive_label: churned\n", ""),  # the user's own choice
        ((0, 1), "", ""),  # 1 and true are positive by every convention: unsaid
        ((False, True), "", ""),
    ],
)
def test_the_evaluation_line_names_a_positive_class_no_convention_gives(
    classes: tuple[object, ...], written: str, said: str
) -> None:
    """f1, precision and recall of churned/stayed were of "stayed", the greater label, and
    only the report said so; the terminal's Evaluation line now does too."""
    from mlgate.pipeline import stages

    text = (
        "name: churn\ndata: {train: a.csv, test: b.csv, target: y}\ntrain: {command: x}\n"
        f"evaluate:\n  metrics: [f1]\n{written}"
    )
    manifest = mf.parse(text.encode(), name="mlops.yaml", root=Path("."), files=False)
    positive = written.split(": ")[1].strip() if written else classes[1]
    assert stages._positive_said(manifest, positive, classes) == said
