"""`mlgate init` in a fresh clone of a DVC project: the stage that writes the training
data is found by the path the manifest names, though DVC keeps that file out of git (the
audit's finding 4: init wrote `prepare: python prepare.py` and asked for a script the
pipeline already runs)."""

from __future__ import annotations

from pathlib import Path

from mlgate import scaffold
from mlgate.survey import survey

DVC_YAML = (
    "stages:\n"
    "  prepare:\n    cmd: python prepare.py\n    deps: [prepare.py, data/raw.csv]\n"
    "    outs: [data/train.csv, data/test.csv]\n"
    "  train:\n    cmd: python train.py\n    deps: [train.py, data/train.csv]\n"
    "    outs: [models/model.joblib]\n"
)


def _fresh_clone(root: Path, *, raw: bool = True) -> None:
    """The raw data (pulled, or not), the scripts, dvc.yaml and a committed default remote;
    no data/train.csv nor data/test.csv, as in any clone."""
    (root / "data").mkdir()
    if raw:
        rows = "customer_id,tenure,churned\n" + "".join(
            f"{100 + i},{i % 50},{i % 2}\n" for i in range(60)
        )
        (root / "data" / "raw.csv").write_text(rows)
    (root / "prepare.py").write_text("print('split')\n")
    (root / "train.py").write_text("print('fit')\n")
    (root / "dvc.yaml").write_text(DVC_YAML)
    (root / ".dvc").mkdir()
    (root / ".dvc" / "config").write_text("[core]\n    remote = store\n")


def test_the_stage_writing_the_training_data_is_found_before_it_has_run(tmp_path: Path) -> None:
    _fresh_clone(tmp_path)
    found = survey(tmp_path)
    assert found.dvc_prepare == "prepare"
    assert found.dvc_train == ("train", "models/model.joblib")
    assert not any("write prepare.py" in line for line in found.said), found.said
    assert "data: dvc.yaml's stage 'prepare' writes data/train.csv, run before the checks" in (
        found.said
    )
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert "  prepare: dvc repro --pull prepare  # dvc.yaml's stage that writes the data files" in (
        text
    )
    assert "python prepare.py" not in text
    assert "  train: data/train.csv" in text


def test_with_no_data_pulled_the_stage_writing_the_default_path_is_found(tmp_path: Path) -> None:
    """Not even the raw file (`dvc add`ed, not pulled): the manifest names data/train.csv,
    which the stage writes."""
    _fresh_clone(tmp_path, raw=False)
    assert survey(tmp_path).dvc_prepare == "prepare"
    scaffold.init(tmp_path)
    assert "  prepare: dvc repro --pull prepare  #" in (tmp_path / "mlops.yaml").read_text()


def test_a_raw_file_in_another_folder_than_the_stages_outputs(tmp_path: Path) -> None:
    """`raw/customers.csv` (dvc add-ed) split by the stage into data/train.csv and
    data/test.csv: init asked for a prepare.py writing raw/train.csv and raw/test.csv,
    which nothing writes, and the first run failed on them (new-user audit M)."""
    _fresh_clone(tmp_path)
    (tmp_path / "raw").mkdir()
    (tmp_path / "data" / "raw.csv").rename(tmp_path / "raw" / "customers.csv")
    (tmp_path / "dvc.yaml").write_text(DVC_YAML.replace("data/raw.csv", "raw/customers.csv"))
    found = survey(tmp_path)
    assert found.dvc_prepare == "prepare"
    assert found.to_prepare is not None
    assert (found.to_prepare.train, found.to_prepare.test) == ("data/train.csv", "data/test.csv")
    assert not any("write prepare.py" in line for line in found.said), found.said
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert "  prepare: dvc repro --pull prepare  #" in text
    assert "  train: data/train.csv" in text and "  test: data/test.csv" in text
    assert "raw/train.csv" not in text + (tmp_path / ".gitignore").read_text()
    assert "if dvc.yaml's stage 'prepare' holds out 20%" in text


def test_stage_outputs_this_checkout_lacks_are_said_before_any_guess(tmp_path: Path) -> None:
    """A stage writing a folder (`data/prepared`), nothing pulled: the files in it cannot
    be known, and init guessed data/train.csv and `python prepare.py`, which the first run
    failed on, saying nothing of the stages' data (new-user audit T, finding 4)."""
    _fresh_clone(tmp_path, raw=False)
    (tmp_path / "dvc.yaml").write_text(
        DVC_YAML.replace("outs: [data/train.csv, data/test.csv]", "outs: [data/prepared]")
    )
    found = survey(tmp_path)
    assert found.said[0] == (
        "dvc.yaml's stages write data/prepared, which this checkout does not have (DVC keeps "
        "them out of git): the data files below are guesses; `dvc pull` (or `dvc repro`) and "
        "`mlgate init` again read what the stages write"
    )
    scaffold.init(tmp_path)
    assert "`dvc pull` (or `dvc repro`) and `mlgate init` again" in (
        (tmp_path / "mlops.yaml").read_text()
    )
    # pulled (the stage has run): nothing to say
    (tmp_path / "data" / "prepared").mkdir()
    assert not any("does not have" in line for line in survey(tmp_path).said)
