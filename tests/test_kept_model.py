"""A training that fails, times out or is killed puts the model file back as it was: it
writes `$MLGATE_MODEL` in place, and a torn file took the last passing run's model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate import kept_model, pipeline
from mlgate import manifest as mf
from tests import projects

PREVIOUS = b"the model of the last passing run"
TEARS = (
    "import os, sys, time\n"
    "open(os.environ['MLGATE_MODEL'], 'wb').write(b'torn')\n"
    "print('wrote half a model', flush=True)\n"
)


def project(make_repo, train: str, manifest: str = projects.IRIS_MANIFEST) -> Path:
    root = make_repo(projects.iris_files(Path(), manifest=manifest, train=train))
    model = root / "models" / "model.joblib"
    model.parent.mkdir()
    model.write_bytes(PREVIOUS)
    os.utime(model, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return root


def as_before(root: Path) -> bool:
    model = root / "models" / "model.joblib"
    return (
        model.read_bytes() == PREVIOUS
        and model.stat().st_mtime_ns == 1_700_000_000_000_000_000
        and not left(root)
    )


def left(root: Path) -> list[Path]:
    """Copies and notes left behind (the lock files and the .gitignore stay)."""
    return [p for p in (root / kept_model.FOLDER).glob("*") if p.suffix in (".model", ".json")]


def test_a_training_that_fails_after_writing_leaves_the_model_as_it_was(make_repo) -> None:
    root = project(make_repo, TEARS + "sys.exit(1)\n")
    result = pipeline.run(mf.load(root / "mlops.yaml"))
    assert result.train.status == "failed" and result.train.outcome is not None
    assert "wrote half a model" in result.train.outcome.log_tail
    assert as_before(root)


def test_a_training_stopped_by_its_timeout_leaves_the_model_as_it_was(make_repo) -> None:
    manifest = projects.IRIS_MANIFEST.replace("timeout: 2m", "timeout: 1")
    root = project(make_repo, TEARS + "time.sleep(60)\n", manifest)
    result = pipeline.run(mf.load(root / "mlops.yaml"))
    assert result.train.outcome is not None and result.train.outcome.timed_out
    assert as_before(root)


def test_a_training_that_passes_keeps_its_model_and_no_copy(tmp_path: Path) -> None:
    model = tmp_path / "model.bin"
    model.write_bytes(PREVIOUS)
    with kept_model.kept(tmp_path, model, "run-1", print) as keeping:
        model.write_bytes(b"new")
        keeping.passed()
    assert model.read_bytes() == b"new"
    assert not left(tmp_path)


def test_an_exception_puts_the_model_back_and_no_model_is_no_copy(tmp_path: Path) -> None:
    model = tmp_path / "model.bin"
    model.write_bytes(PREVIOUS)
    with pytest.raises(KeyboardInterrupt), kept_model.kept(tmp_path, model, "r", print):
        model.write_bytes(b"torn")
        raise KeyboardInterrupt
    assert model.read_bytes() == PREVIOUS
    model.unlink()
    with kept_model.kept(tmp_path, model, "r", print):  # no model before: none after
        model.write_bytes(b"torn")
    assert not model.exists()


def test_a_symlinked_model_keeps_its_link_and_its_targets_bytes(tmp_path: Path) -> None:
    """The copy followed the link and the restore replaced the link with a plain file,
    leaving the shared target torn."""
    shared = tmp_path / "common" / "model.bin"
    shared.parent.mkdir()
    shared.write_bytes(PREVIOUS)
    link = tmp_path / "model.bin"
    link.symlink_to(shared)
    with pytest.raises(RuntimeError), kept_model.kept(tmp_path, link, "r", print):
        link.write_bytes(b"torn")
        raise RuntimeError("the training failed")
    assert link.is_symlink() and shared.read_bytes() == PREVIOUS


def test_a_second_run_training_the_same_model_is_refused_and_the_first_is_kept(
    tmp_path: Path,
) -> None:
    """Without a lock, the second run put the first one's copy back over the file being
    written, said it had been stopped, and the first then deleted the second's copy."""
    from mlgate.errors import UserError

    model = tmp_path / "model.bin"
    model.write_bytes(PREVIOUS)
    said: list[str] = []
    with kept_model.kept(tmp_path, model, "first", said.append):
        model.write_bytes(b"half")
        with (
            pytest.raises(UserError, match=r"another mlgate run is training model\.bin"),
            kept_model.kept(tmp_path, model, "second", said.append),
        ):
            pass  # pragma: no cover
        assert model.read_bytes() == b"half" and said == []
    assert model.read_bytes() == PREVIOUS  # the first's failure, put back as it was


@pytest.mark.e2e  # mlgate run as a process, killed outright, then run again
def test_a_training_whose_mlgate_was_killed_is_undone_by_the_next_run(make_repo) -> None:
    """SIGKILL runs no code of mlgate's: the copy stays, and the next run puts it back
    before it trains (its training reads the model as the last passing run left it)."""
    root = project(make_repo, TEARS + "time.sleep(60)\n")
    mlgate = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "-C", str(root), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert mlgate.stdout is not None
    for line in mlgate.stdout:
        if "wrote half a model" in line:
            break
    os.kill(mlgate.pid, signal.SIGKILL)
    mlgate.wait()
    model = root / "models" / "model.joblib"
    assert model.read_bytes() == b"torn"  # the training's own half, until the next run
    reads = "import os, sys\nprint('found', open(os.environ['MLGATE_MODEL'], 'rb').read())\n"
    (root / "train.py").write_text(reads + "sys.exit(1)\n")
    again = subprocess.run(
        [sys.executable, "-m", "mlgate", "-C", str(root), "run"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = again.stdout + again.stderr
    assert "put back model.joblib as it was before run" in said, said
    assert f"found {PREVIOUS!r}" in said
    assert as_before(root)


def test_check_model_puts_a_killed_trainings_copy_back_before_it_reads_the_model(
    make_repo,
) -> None:
    """It scored the torn file first (exit 2, "write the model with joblib.dump"), and put
    the copy back after."""
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from mlgate.pipeline.observer import QuietObserver

    root = project(make_repo, "")
    model = root / "models" / "model.joblib"
    train = pd.read_csv(root / "data" / "train.csv")
    joblib.dump(
        LogisticRegression(max_iter=500).fit(train.drop(columns="species"), train["species"]), model
    )
    copy, note, _ = kept_model._names(root, Path(os.path.realpath(model)))
    copy.parent.mkdir(parents=True)
    copy.write_bytes(model.read_bytes())  # what a run killed outright leaves: its copy,
    note.write_text(json.dumps({"run_id": "killed"}))
    model.write_bytes(b"torn")  # and the half its training wrote
    said: list[str] = []

    class Heard(QuietObserver):
        def stage_output(self, stage: str, line: str) -> None:
            said.append(line)

    result = pipeline.check_model(mf.load(root / "mlops.yaml"), observer=Heard())
    assert result.evaluate.status == "passed", result.evaluate.message
    assert said == [
        "put back model.joblib as it was before run killed's training, which was stopped "
        "before it ended"
    ]


def fitted(folder: Path) -> Path:
    """A model of the iris project's training rows, fitted in this process: a training
    that copies it is no second process importing scikit-learn."""
    import io

    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    frame = pd.read_csv(io.StringIO(projects.iris_files(Path())["data/train.csv"]))
    model = LogisticRegression(max_iter=500).fit(frame.drop(columns="species"), frame.species)
    joblib.dump(model, folder / "fitted.joblib")
    return folder / "fitted.joblib"


def copies(model: Path) -> str:
    return f"import os, shutil\nshutil.copy({str(model)!r}, os.environ['MLGATE_MODEL'])\n"


def full_at(name: str, replacing):  # type: ignore[no-untyped-def]
    """atomic's temporary file, with a disk that fills while it writes a file called `name`."""
    import contextlib
    import errno

    @contextlib.contextmanager
    def full(path: Path, mode: int | None):  # type: ignore[no-untyped-def]
        with replacing(path, mode) as (temp, handle):
            if path.name == name:
                handle.write(b"0123456789")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            yield temp, handle

    return full


def test_a_run_whose_result_cannot_be_written_leaves_the_model_as_it_was(
    make_repo, monkeypatch, tmp_path: Path
) -> None:
    """A full disk while run.json was written: the new model replaced the last run's, no
    run described it (a report.md said "passed" beside no run.json), and the error named
    no file."""
    from mlgate import atomic
    from mlgate.errors import of_the_disk
    from mlgate.result import runs

    root = project(make_repo, copies(fitted(tmp_path)))
    monkeypatch.setattr(atomic, "_synced", full_at(runs.RESULT_FILE, atomic._synced))
    with pytest.raises(OSError) as refused:
        pipeline.run(mf.load(root / "mlops.yaml"))
    said = of_the_disk(refused.value)
    assert said is not None and "run.json" in said.message, said
    assert as_before(root)
    written = [*(root / ".mlgate").rglob("run.json"), *(root / ".mlgate").rglob("report.md")]
    assert written == []
