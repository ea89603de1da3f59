"""What `mlgate init` guesses from a project's files (`survey`), on the layouts a new
user's first hour met: each guess right, or said to be unsure, never claimed unmeasured."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from mlgate import manifest, scaffold
from mlgate.survey import pick_pair, survey


def _write(path: Path, frame: pl.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".tsv":
        frame.write_csv(path, separator="\t")
    else:
        frame.write_csv(path)


def _pair(root: Path, train: pl.DataFrame, test: pl.DataFrame, suffix: str = ".csv") -> None:
    _write(root / f"train{suffix}", train)
    _write(root / f"test{suffix}", test)


def test_a_label_stored_as_whole_decimals_is_a_class(tmp_path: Path) -> None:
    """0.0/1.0 was guessed regression: the classifier was then scored with r2."""
    frame = pl.DataFrame(
        {"a": [float(i) for i in range(60)], "label": [i % 2 * 1.0 for i in range(60)]}
    )
    _pair(tmp_path, frame, frame.head(20))
    found = survey(tmp_path)
    assert found.task == "classification"
    assert (
        "task classification: 'label' has 2 distinct whole numbers (stored as decimals), "
        "few enough to be classes"
    ) in found.said
    halves = frame.with_columns(label=pl.col("label") / 2)  # 0.0 and 0.5: a quantity
    _pair(tmp_path, halves, halves.head(20))
    assert survey(tmp_path).task == "regression"


def test_a_tsv_is_read_with_its_separator(tmp_path: Path) -> None:
    """`_distinct` read a .tsv with commas: no id, and "few distinct whole numbers" of a
    column it had never counted."""
    frame = pl.DataFrame({"order_id": range(100), "qty": [i % 7 for i in range(100)]}).with_columns(
        sales=pl.col("order_id") * 3
    )
    _pair(tmp_path, frame, frame.head(30), ".tsv")
    found = survey(tmp_path)
    assert (found.task, found.id) == ("regression", "order_id")
    assert "task regression: 'sales' has 100 distinct whole numbers" in found.said


def test_a_count_that_could_not_be_made_is_not_claimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlgate import survey as surveying

    frame = pl.DataFrame({"a": range(30), "y": [i % 3 for i in range(30)]})
    _pair(tmp_path, frame, frame.head(10))
    monkeypatch.setattr(surveying, "_distinct", lambda path, column: None)
    said = "\n".join(survey(tmp_path).said)
    assert "few distinct" not in said
    assert "'y' holds whole numbers, whose distinct values could not be counted" in said


def test_timestamps_of_more_values_than_a_profile_keeps_are_datetimes(tmp_path: Path) -> None:
    """A profile keeps the 1,000 commonest values: 1,200 distinct timestamps were seeded
    `string`. A column whose commonest values are dates and another is not stays text."""
    times = pl.datetime_range(
        pl.datetime(2024, 1, 1), pl.datetime(2024, 3, 1), "1h", eager=True
    ).dt.strftime("%Y-%m-%d %H:%M:%S")[:1200]
    # 1,000 dates three times each, then 100 once and one that is not a date: past the top
    mixed = [*times[:1000].to_list() * 3, *times[1000:1100].to_list(), "soon"]
    train = pl.DataFrame({"ts": times, "x": range(1200), "label": [i % 2 for i in range(1200)]})
    _pair(tmp_path, train, train.tail(300))
    columns = dict(survey(tmp_path).columns)
    assert columns["ts"]["type"] == "datetime"
    mixed_frame = pl.DataFrame({"ts": mixed, "label": [i % 2 for i in range(len(mixed))]})
    _pair(tmp_path / "mixed", mixed_frame, mixed_frame)
    assert dict(survey(tmp_path / "mixed").columns)["ts"]["type"] == "string"


def test_the_training_script_is_the_one_that_runs_not_a_helper(tmp_path: Path) -> None:
    """`src/train_utils.py` (a helper) won over `src/fit_model.py`, and the choice was not
    among the guesses said."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src/train_utils.py").write_text("def split(frame):\n    return frame\n")
    (tmp_path / "src/fit_model.py").write_text("model.fit(X, y)\n")
    (tmp_path / "src/preprocessing.py").write_text("")
    found = survey(tmp_path)
    assert found.trainer == "src/fit_model.py"
    assert (
        "training script src/fit_model.py: named for the step, and it calls .fit( "
        "(src/train_utils.py: helpers, skipped)"
    ) in found.said
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert "command: python src/fit_model.py     # must write the model to $MLGATE_MODEL\n" in text
    # of two named for the step, the one that runs as a script
    (tmp_path / "train.py").write_text("from src.train_utils import split\n")
    (tmp_path / "train_model.py").write_text('if __name__ == "__main__":\n    main()\n')
    assert survey(tmp_path).trainer == "train_model.py"


def test_a_test_file_without_the_label_names_the_target_and_says_it_cannot_score(
    tmp_path: Path,
) -> None:
    """Kaggle's layout: the one column test.csv lacks is the label; `Fare` was taken."""
    train = pl.DataFrame(
        {
            "PassengerId": range(40),
            "Pclass": [i % 3 + 1 for i in range(40)],
            "Survived": [i % 2 for i in range(40)],
            "Fare": [i * 1.5 for i in range(40)],
        }
    )
    _pair(tmp_path, train, train.drop("Survived").head(10))
    found = survey(tmp_path)
    assert (found.target, found.task) == ("Survived", "classification")
    assert "target 'Survived': the one column in train.csv only" in found.said
    assert (
        "test.csv has no 'Survived': it has no labels and cannot score the model; a "
        "data.prepare step must split labelled rows (train.csv's) into a training and a "
        "test file"
    ) in found.said


def test_labels_in_their_own_files_are_to_be_joined_by_a_prepare_step(tmp_path: Path) -> None:
    """`X_train.csv`/`y_train.csv`: a feature (`proline`) was guessed the target."""
    features = pl.DataFrame(
        {"alcohol": [12.0 + i / 10 for i in range(40)], "proline": [500.0 + i for i in range(40)]}
    )
    labels = pl.DataFrame({"target": [i % 3 for i in range(40)]})
    for role, rows in (("train", slice(0, 30)), ("test", slice(30, 40))):
        _write(tmp_path / f"data/X_{role}.csv", features[rows])
        _write(tmp_path / f"data/y_{role}.csv", labels[rows])
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert (
        "#   data/y_train.csv holds the labels of data/X_train.csv (X_/y_ files): write "
        "prepare.py to join each pair (data/X_train.csv and data/y_train.csv, "
        "data/X_test.csv and data/y_test.csv) into one file, data/train.csv and data/test.csv\n"
    ) in text
    assert (
        "  prepare: python prepare.py  # must join the X_ and y_ files into data/train.csv "
        "and data/test.csv (prepare.py does not exist yet)\n"
    ) in text
    loaded = manifest.load(tmp_path / "mlops.yaml")
    assert (loaded.data.train, loaded.data.test) == ("data/train.csv", "data/test.csv")
    assert (loaded.data.target, loaded.evaluate.task) == ("target", "classification")
    assert loaded.data.rows_min == 10
    assert "/data/train.csv" in (tmp_path / ".gitignore").read_text()


@pytest.mark.parametrize(
    ("paths", "pair"),
    [
        (
            ["data/test/iris.csv", "data/train/iris.csv"],
            ("data/train/iris.csv", "data/test/iris.csv"),
        ),
        (
            ["data/training/a.csv", "data/validation/b.csv"],
            ("data/training/a.csv", "data/validation/b.csv"),
        ),
        # a file named for its part comes before a folder named for it
        (
            ["data/test/x.csv", "data/test.csv", "data/train.csv"],
            ("data/train.csv", "data/test.csv"),
        ),
        (["tests/fixture.csv", "data/train.csv"], ("data/train.csv", None)),
    ],
)
def test_train_and_test_folders_name_their_files(paths: list[str], pair: tuple) -> None:
    assert pick_pair(paths) == pair


def test_a_single_data_file_is_read_and_to_be_split(tmp_path: Path) -> None:
    """`data.csv` alone was not read: "no train data file was found", `target: label`,
    classification of a quantity, and nothing said about splitting it."""
    frame = pl.DataFrame(
        {
            "age": [20 + i % 50 for i in range(200)],
            "progression": [float(25 + i) for i in range(200)],
        }
    )
    frame = frame.with_columns(progression=pl.col("progression") + 0.5)
    _write(tmp_path / "data.csv", frame)
    done = scaffold.init(tmp_path)
    assert (
        "data.csv is the only data file, not split into training and test rows: write "
        "prepare.py to split it into data/train.csv and data/test.csv"
    ) in done.read
    text = (tmp_path / "mlops.yaml").read_text()
    assert "no train data file was found" not in text
    assert "# a fifth of data.csv's 200 rows: its test rows, if prepare.py holds out 20%" in text
    raw = yaml.safe_load(text)
    assert raw["data"]["prepare"] == "python prepare.py"
    assert (raw["data"]["train"], raw["data"]["test"]) == ("data/train.csv", "data/test.csv")
    assert (raw["data"]["target"], raw["evaluate"]["task"]) == ("progression", "regression")
    assert raw["data"]["checks"]["rows"] == {"min": 40}
    assert raw["data"]["columns"]["age"] == {"type": "integer", "nullable": False}


def test_a_usual_target_name_that_is_not_last_names_the_last_column(tmp_path: Path) -> None:
    """`x, y, elevation, temperature`: `y` may be a coordinate; the comment names the other
    candidate."""
    frame = pl.DataFrame(
        {"x": [1.5, 2.5] * 10, "y": [0.5, 1.5] * 10, "temperature": [9.5, 3.5] * 10}
    )
    _pair(tmp_path, frame, frame)
    assert "target 'y': a usual name for a target (or 'temperature', the last column)" in (
        survey(tmp_path).said
    )


def test_a_column_name_that_hides_text_is_said_with_its_escapes(tmp_path: Path) -> None:
    """`(or '\u202erlo', the last column)`: a right-to-left override in a header reached
    the terminal as itself, reversing the rest of init's line."""
    frame = pl.DataFrame({"x": [1.5, 2.5] * 10, "y": [0.5, 1.5] * 10, "\u202erlo": [9.5, 3.5] * 10})
    _pair(tmp_path, frame, frame)
    said = survey(tmp_path).said
    assert "target 'y': a usual name for a target (or \"\\u202erlo\", the last column)" in said
    assert not any("\u202e" in line for line in said)


def test_test_rows_that_are_training_rows_are_counted_before_the_first_run_fails(
    tmp_path: Path,
) -> None:
    """The starter turns leakage on; a project whose files shared rows wrote a manifest
    whose first run failed at once, and init had said nothing of it."""
    train = pl.DataFrame(
        {
            "row_id": range(100),
            "x": [i * 0.5 for i in range(100)],
            "label": [i % 2 for i in range(100)],
        }
    )
    copied = train.slice(10, 3).with_columns(row_id=pl.col("row_id") + 1000)  # new ids
    relabelled = train.slice(20, 1).with_columns(
        label=1 - pl.col("label"), row_id=pl.lit(2000, pl.Int64)
    )
    fresh = pl.DataFrame({"row_id": range(3000, 3036), "x": [-1.0 - i for i in range(36)]})
    test = pl.concat(
        [
            copied,
            relabelled,
            fresh.with_columns(label=pl.Series([i % 2 for i in range(36)], dtype=pl.Int64)),
        ]
    )
    _pair(tmp_path, train, test)
    found = survey(tmp_path)
    assert found.id == "row_id"
    assert found.leaked == 3  # the copies, whatever their ids; not the relabelled row
    assert (
        "leakage: 3 of 40 test rows are training rows too: the leakage check fails until "
        "they leave one file (or set data.checks.leakage: false)"
    ) in found.said
    fields = scaffold.starter_fields(found)
    assert "#   leakage: 3 of 40 test rows" in fields["read_note"]
    _pair(tmp_path, train, test.tail(37))  # the copies gone
    found = survey(tmp_path)
    assert found.leaked == 0
    assert not [line for line in found.said if line.startswith("leakage")]


@pytest.mark.parametrize(
    ("script", "written"),
    [
        ('joblib.dump(model, "churn.joblib")\n', "churn.joblib"),
        ("pickle.dump(m, open('./out/m.PKL', 'wb'))\n", "out/m.PKL"),
        # mlgate's own variable: the default path, written where the run says
        ('joblib.dump(m, os.environ.get("MLGATE_MODEL", "m.joblib"))\n', None),
        # two files named (a warm start's and the model's): not guessed
        ('base = joblib.load("base.pkl")\njoblib.dump(m, "m.joblib")\n', None),
        ('joblib.dump(m, "../elsewhere/m.joblib")\n', None),  # outside the project
    ],
    ids=["named", "dot-slash", "mlgate-model", "two", "outside"],
)
def test_a_script_written_before_mlgate_has_its_own_model_path_in_the_manifest(
    tmp_path: Path, script: str, written: str | None
) -> None:
    """A script that saved model.joblib at the top failed its first run: "did not write
    models/model.joblib", where init could have read the path it saves to."""
    (tmp_path / "train.py").write_text(f"import joblib, os, pickle\nmodel.fit(X, y)\n{script}")
    found = survey(tmp_path)
    assert found.trainer_writes == written
    scaffold.init(tmp_path)
    loaded = manifest.load(tmp_path / "mlops.yaml")
    assert loaded.train.model == (written or "models/model.joblib")
    if written:
        assert f"model file {written}: the one train.py names (train.outputs.model)" in found.said
        assert f"/{written}\n" in (tmp_path / ".gitignore").read_text()
