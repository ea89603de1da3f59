"""`mlgate monitor`: production rows against the promoted version: drift from the profile
of its training data, the label-free estimate calibrated on its run's test rows, and the
real metrics of the rows whose labels arrived."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from mlgate import manifest as manifests
from mlgate import monitor, monitor_history
from mlgate.cli.main import main
from mlgate.errors import UserError
from mlgate.result import runs
from tests import projects
from tests.ahead import trained_ahead
from tests.conftest import in_fast_tier
from tests.registry.conftest import ENVIRONMENTS, Project, make_project, promote

SHIFTED = ("sepal_length", "sepal_width", "petal_length")


NOT_ESTIMATED = (
    "performance not estimated without labels: the version was tested on 30 rows, and "
    "calibrating the estimate takes at least 300 (a larger test split gives them)"
)


_PROMOTED: dict[tuple[object, ...], Path] = {}


def promoted_copy(root: Path, files: dict[str, str] | None = None) -> Project:
    """`promote(make_project(root, files=files))`, made once a process for each kind of
    project and copied to `root` (repository, tags, store and runs: the same bytes; the
    git dates are pinned), as make_project copies its trained project: a registration
    and two promotions a test were a tenth of a CPU-second each."""
    dates = tuple(os.environ.get(name, "") for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"))
    key = (in_fast_tier(), tuple(sorted((files or {}).items())), dates)
    if key not in _PROMOTED:
        template = Path(tempfile.mkdtemp(prefix="mlgate-promoted-"))
        atexit.register(shutil.rmtree, template, True)
        promote(make_project(template / "repo", files=files))
        _PROMOTED[key] = template / "repo"
    shutil.copytree(_PROMOTED[key], root, symlinks=True)
    return Project(
        root=root, manifest=manifests.load(root / "mlops.yaml"), run=runs.read_latest(root)
    )


@pytest.fixture
def promoted(tmp_path: Path) -> Project:
    """iris, promoted to production: 30 test rows, too few to calibrate an estimate on."""
    return promoted_copy(tmp_path / "iris")


@pytest.fixture
def cancer(tmp_path: Path) -> Project:
    """breast cancer, promoted to production: 342 test rows to calibrate on."""
    return promoted_copy(tmp_path / "cancer", files=trained_ahead(projects.cancer_files()))


def production(project: Project, tmp_path: Path, *, shift: float = 0.0, labels: bool) -> Path:
    """The training rows as production's, `shift` added to three of the four features;
    with or without their labels."""
    frame = pd.read_csv(project.root / "data" / "train.csv")
    frame[list(SHIFTED)] += shift
    path = tmp_path / f"production-{shift}-{labels}.csv"
    (frame if labels else frame.drop(columns="species")).to_csv(path, index=False)
    return path


def second_alarm(root: Path, path: Path, capsys: pytest.CaptureFixture[str], name: str) -> str:
    """The Markdown of the second of two recorded runs on `path`, each an alarm (exit 1):
    a history to chart."""
    command = ["monitor", "-C", str(root), "--data", str(path), "--format", "markdown"]
    for _ in range(2):
        assert main([*command, "--record"]) == 1
    out = capsys.readouterr().out
    return out[out.rindex(f"## ❌ {name}") :]


def test_rows_like_the_training_data_have_not_drifted_and_labels_give_the_real_figures(
    promoted: Project, tmp_path: Path
) -> None:
    path = production(promoted, tmp_path, labels=True)
    found = monitor.monitor(
        promoted.manifest, promoted.where(), path, stage="production", shown="prod.csv"
    )
    assert (found.version, found.stage, found.rows, found.labelled) == (
        "v0.1.0",
        "production",
        120,
        120,
    )
    assert found.drift is not None and not found.drifted
    assert found.drift.reference == "v0.1.0's training data" and found.drift.current == "prod.csv"
    # the model the stage holds, on the labelled rows: scikit-learn's figures
    import joblib

    model = joblib.load(promoted.root / "models" / "model.joblib")
    frame = pd.read_csv(path)
    truth, said = frame.pop("species"), model.predict(frame)
    assert found.actual["accuracy"] == pytest.approx(skm.accuracy_score(truth, said))
    assert found.actual["f1_macro"] == pytest.approx(skm.f1_score(truth, said, average="macro"))
    # iris keeps 30 test rows: too few to calibrate on, so no estimate, and no alarm for it
    # (it was one, on every run: the bundled example's 114 test rows never cleared it)
    assert found.estimates == () and NOT_ESTIMATED in found.said and not found.attention


def test_an_estimate_is_calibrated_on_enough_test_rows_and_trusted_on_rows_like_them(
    cancer: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "production.csv"
    pd.read_csv(cancer.root / "data" / "test.csv").drop(columns="target").to_csv(path, index=False)
    code = main(["monitor", "-C", str(cancer.root), "--data", str(path), "--json"])
    said = json.loads(capsys.readouterr().out)
    assert code == 0 and said["drifted"] is False and said["reliable"] is True, said
    (accuracy,) = said["estimates"]
    assert accuracy["metric"] == "accuracy" and accuracy["reasons"] == []
    assert accuracy["low"] <= accuracy["value"] <= accuracy["high"]
    # the version's own test rows, unlabelled: the estimate's interval holds its own figure
    assert accuracy["low"] <= cancer.run.evaluate.metrics["accuracy"] <= accuracy["high"]
    assert not any("not estimated" in line for line in said["said"])


@pytest.mark.e2e
def test_production_rows_in_a_csv_need_no_pyarrow_and_give_the_same_figures(
    cancer: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pyarrow is the Parquet extra's: the base install monitors a CSV, and the model is
    handed the same rows either way (it stopped with an internal error, exit 3)."""
    path = tmp_path / "production.csv"
    pd.read_csv(cancer.root / "data" / "test.csv").drop(columns="target").to_csv(path, index=False)
    command = ["monitor", "-C", str(cancer.root), "--data", str(path), "--json"]
    assert main(command) == 0
    held = json.loads(capsys.readouterr().out)
    blocked = f"""
import sys

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "pyarrow":
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, NotInstalled())
from mlgate.cli.main import main
sys.exit(main({command!r}))
"""
    done = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["estimates"] == held["estimates"] and found["drift"] == held["drift"]
    assert found["estimates"][0]["metric"] == "accuracy"


def test_a_shifted_column_is_named_and_the_command_exits_1(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = production(promoted, tmp_path, shift=3.0, labels=False)
    code = main(["monitor", "-C", str(promoted.root), "--data", str(path), "--json"])
    said = json.loads(capsys.readouterr().out)
    assert code == 1 and said["drifted"] is True and said["labelled"] == 0
    drifted = {c["column"] for c in said["drift"] if c["drifted"]}
    assert drifted == set(SHIFTED), said["drift"]  # the file drifted: over half its columns
    assert said["actual"] == {} and said["estimates"] == [] and NOT_ESTIMATED in said["said"]
    main(["monitor", "-C", str(promoted.root), "--data", str(path)])
    text = capsys.readouterr().out
    # the verdict leads, as in the Markdown: the text never said the data drifted
    assert text.startswith(f"iris: production data drifted\n{path}: 120 rows against v0.1.0 ")
    assert NOT_ESTIMATED in text and "not to be trusted" not in text


def test_a_stage_that_holds_nothing_says_what_to_do(tmp_path: Path) -> None:
    project = make_project(tmp_path / "iris")
    path = production(project, tmp_path, labels=False)
    with pytest.raises(UserError, match="registry stage production holds no version of iris"):
        monitor.monitor(project.manifest, project.where(), path, stage="production", shown="p.csv")


def test_the_manifest_names_the_data_and_the_environment(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = production(promoted, tmp_path, labels=False)
    manifest = promoted.root / "mlops.yaml"
    text = manifest.read_text()
    manifest.write_text(text + f"monitor:\n  data: {path}\n  stage: staging\n")
    code = main(["monitor", "-C", str(promoted.root), "--json"])
    said = json.loads(capsys.readouterr().out)
    assert (said["stage"], said["data"], said["drifted"]) == ("staging", str(path), False)
    assert code == 0  # nothing drifted; iris's 30 test rows give no estimate, and no alarm
    manifest.write_text(text + "monitor:\n  stage: prod\n")
    assert main(["monitor", "-C", str(promoted.root)]) == 2
    error = capsys.readouterr().err
    assert "monitor.stage" in error and "'prod' is not an environment" in error
    assert "(declared: staging, production)" in error
    manifest.write_text(text)
    assert main(["monitor", "-C", str(promoted.root)]) == 2
    assert "no production data named" in capsys.readouterr().err
    # the manifest's file is read from its folder: the hint said "from where you run mlgate"
    manifest.write_text(text + "monitor:\n  data: exports/p.csv\n")
    assert main(["monitor", "-C", str(promoted.root)]) == 2
    error = capsys.readouterr().err
    assert "monitor.data): 'exports/p.csv' does not exist" in error
    assert f"relative to the manifest's folder ({promoted.root.resolve() / 'exports'} was" in error
    # the keys that act on an alarm: each wrong use named where it stands
    manifest.write_text(
        text + "monitor:\n  data: p.csv\n  labels: late.csv\n  refresh: python fetch.py\n"
        "  on_drift: retrain-now\n"
    )
    assert main(["validate", "-C", str(promoted.root)]) == 2
    error = capsys.readouterr().err
    assert "monitor.on_drift" in error and "retrain-now" in error
    manifest.write_text(
        text + "monitor:\n  data: p.csv\n  labels: late.csv\n  refresh: python fetch.py\n"
    )
    assert main(["validate", "-C", str(promoted.root)]) == 2
    error = capsys.readouterr().err
    assert "monitor.labels: labels are joined to the production rows by data.id" in error
    assert "monitor.refresh: it runs before a retraining, and on_drift is not retrain" in error


def test_a_profile_of_the_production_rows_gives_drift_alone(
    promoted: Project, tmp_path: Path
) -> None:
    """Made where the data lives (`mlgate profile`): the rows never reach the monitor."""
    import polars as pl

    from mlgate.data import profile

    shifted = production(promoted, tmp_path, shift=3.0, labels=False)
    made = profile.condensed(profile.of_frame(pl.read_csv(shifted), source="prod.csv"))
    path = tmp_path / "production.json"
    path.write_text(profile.to_json(made))
    found = monitor.monitor(
        promoted.manifest, promoted.where(), path, stage="production", shown="production.json"
    )
    assert found.rows == 120 and found.drifted and found.estimates == ()
    assert {c.column for c in found.drift.columns if c.drifted} == set(SHIFTED)
    assert found.said == ("a profile holds no rows to score: only drift is measured",)


def test_production_rows_the_model_cannot_take_are_said_in_the_datas_terms(
    promoted: Project, tmp_path: Path
) -> None:
    """A missing column, a text in a number column, an unknown label: each was a traceback
    and "internal error" (exit 3), the missing column with the run's advice to set
    data.features; an export's extra column was fatal too."""
    from mlgate.errors import UserError

    path = production(promoted, tmp_path, labels=True)
    frame = pd.read_csv(path)

    def monitored(changed: pd.DataFrame) -> monitor.Monitored:
        changed.to_csv(path, index=False)
        return monitor.monitor(
            promoted.manifest, promoted.where(), path, stage="production", shown="prod.csv"
        )

    extra = monitored(frame.assign(exported_at="2026-12-06", batch=7))
    assert extra.labelled == 120 and extra.actual  # the extra columns are no input
    with pytest.raises(UserError) as lacking:
        monitored(frame.drop(columns=["petal_width"]))
    assert lacking.value.message == (
        "prod.csv lacks 1 column the model was fitted on: 'petal_width'"
    )
    # a value or an empty cell the model cannot take: the alarm, with the drift measured
    # (it stopped the run before drift, as bad input: no table, no history, no issue)
    texts = frame.astype({"sepal_width": str})
    texts.loc[3, "sepal_width"] = "3.5cm"
    unreadable = monitored(texts)
    assert unreadable.unscorable.startswith("prod.csv: the model cannot score these rows: ")
    assert unreadable.unscorable.endswith("'3.5cm' (column 'sepal_width', row 4)")
    assert unreadable.attention and unreadable.drift is not None and not unreadable.estimates
    holes = frame.copy()
    holes.loc[[2, 5, 6], "petal_length"] = None
    empty = monitored(holes)
    assert empty.unscorable.endswith("(empty cells: 'petal_length' 3 (first row 3))")
    assert empty.heading()["unscorable"] == empty.unscorable and empty.attention
    renamed = frame.assign(species=frame["species"].replace("setosa", "Setosa"))
    with pytest.raises(UserError) as unknown:
        monitored(renamed)
    count = int((frame["species"] == "setosa").sum())
    assert unknown.value.message.startswith(
        f"prod.csv: {count} labels of 120 are not among the version's classes ('Setosa', "
        f"first on row {int(renamed['species'].eq('Setosa').to_numpy().argmax()) + 1} of "
        "prod.csv; the version's 3 classes: 'setosa', 'versicolor', 'virginica'): "
    )


def test_a_stage_no_environment_is_named_is_a_typo_not_an_empty_stage(
    promoted: Project, tmp_path: Path
) -> None:
    """`--stage prodution` said the stage "holds no version yet: register and promote one
    first", where promote names the environments there are."""
    from mlgate.errors import UserError

    path = production(promoted, tmp_path, labels=False)
    with pytest.raises(UserError) as typo:
        monitor.monitor(promoted.manifest, promoted.where(), path, stage="prodution", shown="p")
    assert typo.value.message.startswith("unknown environment 'prodution' (environments: ")
    assert typo.value.message.endswith("; did you mean 'production'?")


def test_a_profile_lacking_a_feature_or_changing_its_kind_is_refused(
    promoted: Project, tmp_path: Path
) -> None:
    """Compared column by column, a feature the profile lacked, or held as text, was "not
    tested", and "0 of 28 columns drifted" with exit 0."""
    import polars as pl

    from mlgate.data import profile
    from mlgate.errors import UserError

    rows = pl.read_csv(production(promoted, tmp_path, labels=False))

    def monitored(frame: pl.DataFrame) -> None:
        path = tmp_path / "production.json"
        path.write_text(profile.to_json(profile.condensed(profile.of_frame(frame))))
        monitor.monitor(promoted.manifest, promoted.where(), path, stage="production", shown="p")

    with pytest.raises(UserError) as lacking:
        monitored(rows.drop("petal_width"))
    assert lacking.value.message == "p lacks 1 feature the training data had: 'petal_width'"
    with pytest.raises(UserError) as text:
        monitored(rows.with_columns(pl.col("sepal_width").cast(pl.String) + "cm"))
    assert text.value.message == (
        "p: 'sepal_width' holds text where the training data held numbers"
    )


def test_a_production_profile_is_read_bounded(promoted: Project, tmp_path: Path) -> None:
    """`--data X.json` was read whole before its size was judged: a link to /dev/zero
    filled memory. It is read as data.reference is, at most 64 MiB, regular files only."""
    import os

    from mlgate.errors import UserError

    link = tmp_path / "production.json"
    os.symlink("/dev/zero", link)
    with pytest.raises(UserError, match=r"production\.json"):
        monitor.monitor(
            promoted.manifest, promoted.where(), link, stage="production", shown="production.json"
        )


def test_data_at_a_url_is_fetched_through_fsspec(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fsspec

    from mlgate.data import remote

    memory = fsspec.filesystem("memory")
    memory.pipe("/exports/production.csv", production(promoted, tmp_path, labels=True).read_bytes())
    url = "memory://exports/production.csv"
    assert main(["monitor", "-C", str(promoted.root), "--data", url, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["data"], said["rows"], said["labelled"], said["drifted"]) == (url, 120, 120, False)
    assert main(["monitor", "-C", str(promoted.root), "--data", url + ".gone"]) == 2
    assert "memory://exports/production.csv.gone does not exist" in capsys.readouterr().err
    # a file:// URL is its path: taken as a path, "'file:/tmp/...' does not exist"
    local = production(promoted, tmp_path, labels=False)
    assert main(["monitor", "-C", str(promoted.root), "--data", local.as_uri(), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["data"], said["rows"]) == (local.as_uri(), 120)
    assert main(["monitor", "-C", str(promoted.root), "--data", local.as_uri() + ".gone"]) == 2
    error = capsys.readouterr().err
    assert f"--data: '{local.as_uri()}.gone' does not exist" in error
    assert f"the URL names the path {local}.gone" in error
    assert main(["monitor", "-C", str(promoted.root), "--data", "file://host/p.csv"]) == 2
    assert "'file://host/p.csv' names a file on the host 'host'" in capsys.readouterr().err
    assert [remote.is_url(n) for n in ("s3://b/k.csv", "https://h/f", "file:///x", "a.csv")] == [
        True,
        True,
        False,
        False,
    ]


def test_recorded_runs_are_the_history_and_a_late_run_is_said(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = production(promoted, tmp_path, shift=3.0, labels=False)
    command = ["monitor", "-C", str(promoted.root), "--data", str(path), "--json"]
    assert main(command) == 1
    assert json.loads(capsys.readouterr().out)["history"] == []  # not recorded
    for _ in range(2):
        main([*command, "--record"])
        said = json.loads(capsys.readouterr().out)
    assert said["recorded"] is True and len(said["history"]) == 2
    last = said["history"][-1]
    assert (last["version"], last["rows"], last["drifted"]) == ("v0.1.0", 120, True)
    assert sorted(last["drifted_columns"]) == sorted(SHIFTED)
    assert last["estimates"] == {} and last["alarm"] is True  # iris: no estimate; drifted


def test_the_schedules_gaps_are_found_from_the_usual_interval() -> None:
    import datetime as dt

    day = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
    stamps = [(day + dt.timedelta(days=d)).isoformat() for d in (0, 1, 2, 5, 6)]
    found = monitor_history.gaps(stamps, now=day + dt.timedelta(days=6, hours=2))
    assert found == (
        "no run between 2026-12-03 03:00 UTC and 2026-12-06 03:00 UTC (3.0 days, where "
        "runs came every 24 h)",
    )
    late = monitor_history.gaps(stamps, now=day + dt.timedelta(days=9))
    assert late[-1] == (
        "no run since 2026-12-07 03:00 UTC (3.0 days ago, where runs came every 24 h)"
    )
    too_few = monitor_history.gaps(stamps[:2], now=day + dt.timedelta(days=30))
    assert too_few == ()  # too few to know
    # the median of an even count is the mean of the middle two (the upper one was taken),
    # and spans under an hour are minutes (they read "0 h")
    quick = [(day + dt.timedelta(minutes=m)).isoformat() for m in (0, 10, 30)]
    assert monitor_history.gaps(quick, now=day + dt.timedelta(minutes=61)) == (
        "no run since 2026-12-01 03:30 UTC (31 minutes ago, where runs came every 15 minutes)",
    )
    # runs seconds apart read "0 minutes ago, where runs came every 0 minutes"
    seconds = [(day + dt.timedelta(seconds=s)).isoformat() for s in (0, 10, 20)]
    assert monitor_history.gaps(seconds, now=day + dt.timedelta(seconds=65)) == (
        "no run since 2026-12-01 03:00 UTC (45 seconds ago, where runs came every 10 seconds)",
    )


def test_the_markdown_leads_with_the_verdict_and_draws_the_history(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = production(promoted, tmp_path, shift=3.0, labels=True)
    text = second_alarm(promoted.root, path, capsys, "iris")
    assert text.startswith("## ❌ iris: production data drifted, performance decayed\n")
    # the labels arrived: the real figures against the version's, unpaired
    assert "### With labels (120 labelled rows)" in text
    assert "| accuracy | 0.3417 | 0.9667 | -0.6250 | [-0.7" in text
    assert (
        "- decayed: accuracy on the 120 labelled rows 0.3417, 0.6250 below v0.1.0's 0.9667" in text
    )
    assert f"- {NOT_ESTIMATED}" in text and "### Performance before labels" not in text
    assert 'title "accuracy on the labelled rows"' in text  # drawn without an estimate too
    assert 'title "accuracy, estimated"' not in text
    assert f"120 rows of {path} against **v0.1.0** (production), 120 of them labelled." in text
    assert "### ❌ Drift: " in text and "| sepal_length |" in text
    assert "<summary>History (2 runs)</summary>" in text
    assert 'title "drifted columns"' in text
    assert "line [3.0000, 3.0000]" in text  # three columns drifted in each run


def test_labels_that_disagree_with_the_calibration_are_concept_drift(
    cancer: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The version's test rows with every label turned over: the features did not move,
    so only the labels can show that what a score means has changed."""
    frame = pd.read_csv(cancer.root / "data" / "test.csv")
    frame["target"] = 1 - frame["target"]
    path = tmp_path / "production.csv"
    frame.to_csv(path, index=False)
    text = second_alarm(cancer.root, path, capsys, "cancer")
    assert text.startswith(
        "## ❌ cancer: production data steady, performance estimate not to be trusted, "
        "performance decayed\n"
    )
    assert (
        "| metric | estimated | 95% interval | on the labelled rows | the version's test "
        "figure | trusted |"
    ) in text
    assert "- not trusted: concept drift: on the 342 production rows labelled so far" in text
    assert "(p &lt; 1e-12): what a score means has changed" in text  # escaped
    assert 'title "accuracy, estimated"' in text and 'title "accuracy on the labelled rows"' in text


def test_a_store_that_lacks_the_versions_objects_says_what_a_fresh_runner_needs(
    promoted: Project, tmp_path: Path
) -> None:
    import shutil

    shutil.rmtree(promoted.root / ".mlgate" / "registry")  # as a fresh runner's checkout
    path = production(promoted, tmp_path, labels=False)
    with pytest.raises(UserError, match=r"v0\.1\.0's run cannot be read: object") as caught:
        monitor.monitor(promoted.manifest, promoted.where(), path, stage="production", shown="p")
    assert "empty on a fresh runner" in (caught.value.hint or "")


EXPORT = """\
import shutil, sys
if len(sys.argv) > 1:
    print("the warehouse is down"); sys.exit(3)
shutil.copy("exports/source.csv", "exports/production.csv")
"""


def test_monitor_prepare_writes_the_data_first_and_its_failure_is_said(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (promoted.root / "exports").mkdir()
    shifted = production(promoted, tmp_path, shift=3.0, labels=False)
    (promoted.root / "exports" / "source.csv").write_bytes(shifted.read_bytes())
    (promoted.root / "export.py").write_text(EXPORT)
    manifest = promoted.root / "mlops.yaml"
    text = manifest.read_text()
    manifest.write_text(
        text + "monitor:\n  prepare: python export.py\n  data: exports/production.csv\n"
    )
    assert main(["monitor", "-C", str(promoted.root), "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert said["rows"] == 120 and said["drifted"] is True  # the file the command wrote
    manifest.write_text(text + "monitor:\n  prepare: python export.py fail\n  data: x.csv\n")
    assert main(["monitor", "-C", str(promoted.root)]) == 2
    error = capsys.readouterr().err
    assert "(monitor.prepare): `python export.py fail` exited with code 3" in error
    assert "its last output: the warehouse is down" in error
    manifest.write_text(text + "monitor:\n  prepare: python export.py\n")
    assert main(["monitor", "-C", str(promoted.root), "--data", str(shifted)]) == 2
    assert "name the file it writes in monitor.data" in capsys.readouterr().err


def test_labels_that_arrived_later_are_joined_by_the_id(promoted: Project, tmp_path: Path) -> None:
    """A labels file in another order, ids written as text, some rows still unlabelled,
    some labels for rows the data does not hold."""
    from dataclasses import replace

    import joblib

    manifest = replace(promoted.manifest, data=replace(promoted.manifest.data, id="row_id"))
    frame = pd.read_csv(promoted.root / "data" / "train.csv")
    truth = frame.pop("species")
    frame.insert(0, "row_id", range(len(frame)))
    data = tmp_path / "rows.csv"
    frame.to_csv(data, index=False)
    labels = pd.DataFrame({"row_id": [f"{i}" for i in range(100)], "species": truth[:100]})
    strays = pd.DataFrame({"row_id": ["900", "901"], "species": ["setosa", "setosa"]})
    pd.concat([strays, labels.iloc[::-1]]).to_json(
        tmp_path / "labels.jsonl", orient="records", lines=True
    )

    def joined(rows: Path, labels: Path, manifest=manifest) -> monitor.Monitored:
        return monitor.monitor(
            manifest,
            promoted.where(),
            rows,
            stage="production",
            shown=rows.name,
            labels=(labels, labels.name),
        )

    found = joined(data, tmp_path / "labels.jsonl")
    assert found.labelled == 100
    assert "labels.jsonl: labels for 100 of 120 rows; the data has no row for 2 labels" in (
        found.said
    )
    model = joblib.load(promoted.root / "models" / "model.joblib")
    said = model.predict(frame.drop(columns="row_id").iloc[:100])
    assert found.actual["accuracy"] == pytest.approx(skm.accuracy_score(truth[:100], said))
    assert found.changes["accuracy"].rows == 100

    pd.concat([labels, labels.iloc[:3]]).to_csv(tmp_path / "twice.csv", index=False)
    with pytest.raises(UserError) as twice:
        joined(data, tmp_path / "twice.csv")
    assert twice.value.message == ("twice.csv: 3 ids appear more than once (such as '0', '1', '2')")
    # a row's id twice in the production rows would take its label twice
    pd.concat([frame, frame.iloc[:7]]).to_csv(tmp_path / "rows-twice.csv", index=False)
    with pytest.raises(UserError) as rows_twice:
        joined(tmp_path / "rows-twice.csv", tmp_path / "labels.jsonl")
    assert rows_twice.value.message.startswith(
        "rows-twice.csv: 7 ids appear more than once (such as '0', '1', '2')"
    )
    # a row labelled in the file and in the labels file, differently: the file's own label
    # won, silently, and "labels for 120 of 120 rows" was said
    own = frame.assign(species=truth.where(frame.index >= 5, "virginica"))
    own.to_csv(tmp_path / "rows-labelled.csv", index=False)
    with pytest.raises(UserError) as disagree:
        joined(tmp_path / "rows-labelled.csv", tmp_path / "labels.jsonl")
    assert disagree.value.message.startswith("labels.jsonl and the rows' own species disagree")
    with pytest.raises(UserError, match=r"labels are joined to the rows by data\.id"):
        joined(data, tmp_path / "labels.jsonl", promoted.manifest)
    # a label left blank was dropped without a word, and a file of none was "labels for 0"
    blanks = labels.assign(species=labels["species"].where(labels.index >= 2, None))
    blanks.to_csv(tmp_path / "blanks.csv", index=False)
    assert (
        "blanks.csv: 2 rows without a label, left out" in joined(data, tmp_path / "blanks.csv").said
    )
    (tmp_path / "header.csv").write_text("row_id,species\n")
    with pytest.raises(UserError) as none_given:
        joined(data, tmp_path / "header.csv")
    assert none_given.value.message == "header.csv holds no label (no row under its header)"

    # ids written with leading zeros below 100 joined in part: the rest were "labels for
    # rows the data does not hold", and the labelled rows a biased part (ids >= 100)
    def refused(name: str, ids: list[str]) -> str:
        labels.assign(row_id=ids).to_json(tmp_path / name, orient="records", lines=True)
        with pytest.raises(UserError) as error:
            joined(data, tmp_path / name)
        return error.value.message

    assert refused("some.jsonl", [f"{i:03d}" if i < 10 else f"{i}" for i in range(100)]) == (
        "some.jsonl: 10 labels have ids written otherwise than the production rows' row_id "
        "(data.id) ('000' for '0', '001' for '1', '002' for '2', ...): joined as written they "
        "would be left out"
    )
    # ids written another way join no row: "labels for 0 of 120 rows", exit 0, was all
    assert refused("padded.jsonl", [f"{i:03d}" for i in range(100)]) == (
        "padded.jsonl: none of its 100 labels is for a production row: its row_id (data.id) "
        "holds '000', '001', '002', ... where the rows hold '0', '1', '2', ..."
    )


RIDGE = """\
import os, joblib, pandas as pd
from sklearn.linear_model import RidgeClassifier
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = RidgeClassifier().fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""


def test_a_classifier_without_probabilities_is_still_scored_where_labels_arrived(
    tmp_path: Path,
) -> None:
    """Without predict_proba the labelled rows were not scored either: 120 labelled rows
    a third right passed as "nothing to see"."""
    project = promoted_copy(tmp_path / "ridge", files=trained_ahead({"train.py": RIDGE}))
    path = production(project, tmp_path, shift=3.0, labels=True)
    found = monitor.monitor(
        project.manifest, project.where(), path, stage="production", shown="prod.csv"
    )
    assert found.estimates == () and found.labelled == 120
    assert "the model gives no probabilities: its performance is not estimated" in found.said
    import joblib

    model = joblib.load(project.root / "models" / "model.joblib")
    frame = pd.read_csv(path)
    truth, said = frame.pop("species"), model.predict(frame)
    assert found.actual["accuracy"] == pytest.approx(skm.accuracy_score(truth, said))
    assert found.registered["accuracy"] == project.run.evaluate.metrics["accuracy"]
    assert found.changes["accuracy"].ci_high < 0 and found.decay  # far below its own figure
    assert found.decay[0].startswith("accuracy on the 120 labelled rows")
    # the run listed roc_auc: not measured, and said why (it vanished without a word)
    assert "roc_auc is not measured on the labelled rows: the model gives no probabilities" in (
        found.said
    )


def test_a_regression_is_measured_where_labels_arrived_and_says_it_cannot_be_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A regression's labelled rows were never scored: "only drift is measured until they
    arrive", and after they arrived, still only drift."""
    files = projects.diabetes_files()
    files["mlops.yaml"] += ENVIRONMENTS
    project = promoted_copy(tmp_path / "diabetes", files=trained_ahead(files))
    frame = pd.read_csv(project.root / "data" / "test.csv")
    unlabelled = tmp_path / "unlabelled.csv"
    frame.drop(columns="target").to_csv(unlabelled, index=False)
    found = monitor.monitor(
        project.manifest, project.where(), unlabelled, stage="production", shown="prod.csv"
    )
    assert found.estimates == () and found.actual == {} and not found.attention
    assert found.said == (
        "a regression model's error is not estimated without labels: only drift is measured "
        "until they arrive",
    )
    # labels arrived, 60 too high on every other row: worse than the version's own figures
    import joblib

    model = joblib.load(project.root / "models" / "model.joblib")
    truth = frame.pop("target")
    truth.iloc[::2] += 60.0
    truth.iloc[1::3] = np.nan  # not arrived yet
    frame["target"] = truth
    labelled = tmp_path / "labelled.csv"
    frame.to_csv(labelled, index=False)
    code = main(["monitor", "-C", str(project.root), "--data", str(labelled), "--json"])
    said = json.loads(capsys.readouterr().out)
    arrived = truth.notna()
    y, pred = truth[arrived], model.predict(frame.drop(columns="target")[arrived])
    assert said["labelled"] == int(arrived.sum()) and said["estimates"] == []
    assert said["actual"]["mae"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-12)
    assert said["actual"]["rmse"] == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-12)
    assert said["actual"]["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-12)
    assert {c["method"] for c in said["changes"].values()} == {
        "studentized permutation test of rows"
    }
    own = project.run.evaluate.metrics
    assert said["changes"]["mae"]["delta"] == pytest.approx(said["actual"]["mae"] - own["mae"])
    assert code == 1 and said["decay"][0].startswith(
        f"rmse on the {int(arrived.sum())} labelled rows"
    )
    main(["monitor", "-C", str(project.root), "--data", str(labelled)])
    text = capsys.readouterr().out
    assert f"mae on the {int(arrived.sum())} labelled rows: " in text and "; v0.1.0's " in text
    # a target value that is no number is refused, named, not left out
    frame["target"] = frame["target"].astype(object)
    frame.loc[0, "target"] = "n/a yet"
    frame.to_csv(labelled, index=False)
    with pytest.raises(UserError, match=r"1 of \d+ target values is not a number \('n/a yet'\)"):
        monitor.monitor(
            project.manifest, project.where(), labelled, stage="production", shown="prod.csv"
        )


def test_a_few_labels_are_given_but_judge_no_decay(cancer: Project, tmp_path: Path) -> None:
    """Two labels, one of them wrong, read as matthews_corrcoef dropping 0.83 at p = 0.001,
    and "decayed": the bootstrap of counts never varies an empty cell."""
    frame = pd.read_csv(cancer.root / "data" / "test.csv")
    frame.loc[4:, "target"] = np.nan  # four labels arrived so far
    frame.loc[:1, "target"] = 1 - frame.loc[:1, "target"]  # two of them the other class
    path = tmp_path / "production.csv"
    frame.to_csv(path, index=False)
    found = monitor.monitor(
        cancer.manifest, cancer.where(), path, stage="production", shown="prod.csv"
    )
    assert found.labelled == 4 and "accuracy" in found.actual
    assert found.changes == {} and found.decay == ()
    assert (
        "the 4 labelled rows are too few to test against the version's figures (at least 30): "
        "their figures are given, and no decay nor concept drift is judged from them"
    ) in found.said


def test_a_regression_missing_a_feature_or_labelled_in_part_is_judged_as_a_classifier_is(
    tmp_path: Path,
) -> None:
    """Without labels a file lacking a model column passed (exit 0), its column "not
    tested"; with labels for half the rows, the target "drifted" on its missing share."""
    files = projects.diabetes_files()
    files["mlops.yaml"] += ENVIRONMENTS
    project = promoted_copy(tmp_path / "diabetes", files=trained_ahead(files))
    frame = pd.read_csv(project.root / "data" / "test.csv")
    lacking = tmp_path / "lacking.csv"
    frame.drop(columns=["target", "bmi"]).to_csv(lacking, index=False)
    with pytest.raises(UserError, match="'bmi'"):
        monitor.monitor(project.manifest, project.where(), lacking, stage="production", shown="p")
    frame.loc[::2, "target"] = np.nan  # half the labels have arrived
    half = tmp_path / "half.csv"
    frame.to_csv(half, index=False)
    found = monitor.monitor(project.manifest, project.where(), half, stage="production", shown="p")
    assert found.drift is not None and not found.drifted
    assert "target" not in {c.column for c in found.drift.columns}
    assert found.labelled == len(frame) // 2


def test_a_regressions_markdown_names_its_test_and_charts_its_first_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report said a regression's test resampled "each side's confusion table", and
    charted mae, the history's first key by name, not rmse, the run's first metric."""
    files = projects.diabetes_files()
    files["mlops.yaml"] += ENVIRONMENTS
    project = promoted_copy(tmp_path / "diabetes", files=trained_ahead(files))
    frame = pd.read_csv(project.root / "data" / "test.csv")
    frame["target"] += 60.0
    path = tmp_path / "labelled.csv"
    frame.to_csv(path, index=False)
    text = second_alarm(project.root, path, capsys, "diabetes")
    assert (
        "the test is unpaired (a studentized permutation test, both sides' rows pooled and "
        "dealt out again)"
    ) in text
    assert "confusion table" not in text
    assert 'title "rmse on the labelled rows"' in text
    assert [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| r")] == [
        "| rmse",
        "| r2",
    ]


def test_a_labels_file_that_is_not_there_or_a_folder_is_said_so(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing file was "not a file", with no hint."""
    path = production(promoted, tmp_path, labels=False)
    args = ["monitor", "-C", str(promoted.root), "--data", str(path), "--labels"]
    assert main([*args, str(tmp_path / "nope.csv")]) == 2
    assert f"--labels: '{tmp_path / 'nope.csv'}' does not exist" in capsys.readouterr().err
    assert main([*args, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"--labels: '{tmp_path}' is not a file" in err and "name a file, not a folder" in err


SCORES_ONLY = projects.CANCER_MANIFEST.replace(
    "evaluate: {metrics: [accuracy]}", "evaluate: {metrics: [roc_auc, log_loss, calibration_error]}"
)


def test_a_version_that_computed_only_score_metrics_is_judged_on_them_and_on_accuracy(
    tmp_path: Path,
) -> None:
    """Its run listed roc_auc and log_loss: accuracy, estimated and measured, had no figure
    of the version's to fall from, and decayed never (0.731 to 0.573 at p = 8e-19, exit 0);
    roc_auc and log_loss were not measured on the labelled rows, nor said to be missing."""
    import joblib

    files = trained_ahead(projects.cancer_files(SCORES_ONLY))
    project = promoted_copy(tmp_path / "cancer", files=files)
    test = pd.read_csv(project.root / "data" / "test.csv")
    model = joblib.load(project.root / "models" / "model.joblib")
    truth, rows = test.pop("target"), test
    own = skm.accuracy_score(truth, model.predict(rows))  # the version's, on its test rows
    assert "accuracy" not in project.run.evaluate.metrics
    unlabelled = tmp_path / "unlabelled.csv"
    rows.to_csv(unlabelled, index=False)
    found = monitor.monitor(
        project.manifest, project.where(), unlabelled, stage="production", shown="p.csv"
    )
    assert [e.metric for e in found.estimates] == ["accuracy"]
    assert found.registered["accuracy"] == pytest.approx(own)  # the Markdown's column: "—"
    # every label turned over: far worse, on every metric the version computed
    flipped = tmp_path / "flipped.csv"
    rows.assign(target=1 - truth).to_csv(flipped, index=False)
    found = monitor.monitor(
        project.manifest, project.where(), flipped, stage="production", shown="p.csv"
    )
    scores = model.predict_proba(rows)
    assert found.actual["roc_auc"] == pytest.approx(skm.roc_auc_score(1 - truth, scores[:, 1]))
    assert found.actual["log_loss"] == pytest.approx(skm.log_loss(1 - truth, scores))
    assert found.registered["log_loss"] == project.run.evaluate.metrics["log_loss"]
    for metric in ("roc_auc", "log_loss"):
        assert found.changes[metric].method == "studentized permutation test of rows"
    change = found.changes["roc_auc"]
    assert change.delta == pytest.approx(
        found.actual["roc_auc"] - project.run.evaluate.metrics["roc_auc"], abs=1e-6
    )
    assert change.ci_high < 0 and change.p_value < 0.05
    decayed = [line.split(" on the ")[0] for line in found.decay]
    assert decayed == ["accuracy", "roc_auc", "log_loss"], found.decay
    assert "calibration_error" in found.actual and "calibration_error" not in found.changes
    assert (
        "calibration_error is given without a test: calibration_error has no per-row "
        "influence values to take its standard error from (it is binned), so the change has "
        "no unpaired test"
    ) in found.said


def test_an_empty_id_names_no_row_and_ids_that_differ_in_case_are_refused(
    promoted: Project, tmp_path: Path
) -> None:
    """A label with an empty id was joined to a row with an empty id ("labels for 101 of
    120 rows"), two rows without an id were "1 id appears more than once (such as 'nan')",
    and labels whose ids differed from the rows' in case alone were left out silently
    ("the data has no row for 4 labels"), where "007" for 7 is refused."""
    from dataclasses import replace

    manifest = replace(promoted.manifest, data=replace(promoted.manifest.data, id="row_id"))
    frame = pd.read_csv(promoted.root / "data" / "train.csv")
    truth = frame.pop("species")
    frame.insert(0, "row_id", [f"u-{i}" for i in range(len(frame))])
    frame.loc[[5, 6], "row_id"] = None  # two rows exported without their id
    data = tmp_path / "rows.csv"
    frame.to_csv(data, index=False)
    labels = pd.DataFrame({"row_id": [f"u-{i}" for i in range(100)], "species": truth[:100]})

    def joined(given: pd.DataFrame) -> monitor.Monitored:
        path = tmp_path / "labels.csv"
        given.to_csv(path, index=False)
        return monitor.monitor(
            manifest,
            promoted.where(),
            data,
            stage="production",
            shown="rows.csv",
            labels=(path, "labels.csv"),
        )

    nameless = pd.DataFrame({"row_id": [None, " "], "species": ["setosa", "setosa"]})
    found = joined(pd.concat([labels, nameless]))
    assert found.labelled == 98  # rows 5 and 6 have no id to take their labels by
    assert found.said[:3] == (
        "labels.csv: 2 labels without an id (row_id, data.id), left out: an empty id names no row",
        "rows.csv: 2 rows have no id (row_id, data.id): no label is joined to them",
        "labels.csv: labels for 98 of 120 rows; the data has no row for 2 labels",
    )
    with pytest.raises(UserError) as none_named:
        joined(nameless)
    assert none_named.value.message == "labels.csv holds no label (2 labels without a row_id)"
    frame.assign(row_id=None).to_csv(data, index=False)
    with pytest.raises(UserError) as unnamed_rows:
        joined(labels)
    assert unnamed_rows.value.message == (
        "rows.csv: no row has an id (row_id, data.id) to join labels.csv's labels to"
    )
    frame.to_csv(data, index=False)
    upper = labels.assign(
        row_id=labels["row_id"].where(labels.index >= 4, labels["row_id"].str.upper())
    )
    with pytest.raises(UserError) as cased:
        joined(upper)
    assert cased.value.message == (
        "labels.csv: 4 labels have ids written otherwise than the production rows' row_id "
        "(data.id) ('U-0' for 'u-0', 'U-1' for 'u-1', 'U-2' for 'u-2', ...): joined as "
        "written they would be left out"
    )


NAMELESS = """\
import os, joblib, pandas as pd
from sklearn.linear_model import LogisticRegression
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = LogisticRegression(max_iter=500).fit(frame.drop(columns=[target]).to_numpy(), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""


def test_a_model_without_column_names_is_handed_the_training_files_order(
    tmp_path: Path,
) -> None:
    """A model fitted on an array was handed the export's own columns, in the export's
    order: a reordered export scored on swapped features read as "decayed" and "concept
    drift" beside "0 columns drifted", and an export's extra column was an error."""
    project = promoted_copy(tmp_path / "nameless", files=trained_ahead({"train.py": NAMELESS}))
    path = production(project, tmp_path, labels=True)
    frame = pd.read_csv(path)
    order = ["petal_width", "sepal_width", "species", "petal_length", "sepal_length"]
    frame[order].assign(exported_at="2026-12-06").to_csv(path, index=False)
    found = monitor.monitor(
        project.manifest, project.where(), path, stage="production", shown="prod.csv"
    )
    assert not found.drifted and not found.decay
    import joblib

    model = joblib.load(project.root / "models" / "model.joblib")
    truth = frame.pop("species")
    said = model.predict(frame.to_numpy())  # the training file's order, as written
    assert found.actual["accuracy"] == pytest.approx(skm.accuracy_score(truth, said))
