"""A kept model, note or lock that git tracks is never used (audit V, finding 3): the copy's
name is predictable (the model's path, hashed), so a pull request committed (`git add -f`)
a pickle as `.mlgate/kept-model/<hash>.model`; the next `mlgate check model`, `register`
or `run` on a checkout of it put that file over the user's own model, which was lost, and
loaded it (code execution). Only mlgate's own runs leave a copy there. The note's run id
was printed raw too: an escape sequence in it could erase the line that said so."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from mlgate import kept_model, pipeline
from mlgate import manifest as mf
from tests.conftest import git
from tests.test_kept_model import project

FORGED = b"a commit's pickle, not this machine's model"


class Runs:
    """A pickle that runs code when loaded: its marker file says whether it was."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "loaded"))


def _fitted(root: Path) -> bytes:
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    model = root / "models" / "model.joblib"
    train = pd.read_csv(root / "data" / "train.csv")
    fitted = LogisticRegression(max_iter=500).fit(train.drop(columns="species"), train["species"])
    joblib.dump(fitted, model)
    return model.read_bytes()


def _names(root: Path) -> tuple[Path, Path, Path]:
    return kept_model._names(root, Path(os.path.realpath(root / "models" / "model.joblib")))


def test_check_model_leaves_the_model_when_the_kept_copy_is_committed(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    from mlgate.pipeline.observer import QuietObserver

    root = project(make_repo, "")
    ours = _fitted(root)
    copy, note, _ = _names(root)
    copy.parent.mkdir(parents=True)
    marker = tmp_path / "loaded"
    copy.write_bytes(pickle.dumps(Runs(marker)))
    note.write_text(json.dumps({"run_id": "20261207T100000Z-aaaaaa"}))
    git(root, "add", "-f", str(copy), str(note))
    git(root, "commit", "-q", "-m", "add a cached artifact")
    said: list[str] = []

    class Heard(QuietObserver):
        def stage_output(self, stage: str, line: str) -> None:
            said.append(line)

    result = pipeline.check_model(mf.load(root / "mlops.yaml"), observer=Heard())
    assert result.evaluate.status == "passed", result.evaluate.message
    assert (root / "models" / "model.joblib").read_bytes() == ours  # the user's, as it was
    assert not marker.exists()
    relative = copy.relative_to(root).as_posix()
    assert said == [
        f"ignored {relative}: git tracks it, and a kept model is only one a run of mlgate "
        "left here, never a commit's; model.joblib was left as it is"
    ]
    assert copy.is_file() and note.is_file()  # the commit's files are left, unchanged
    assert git(root, "status", "--porcelain", "--", ".mlgate") == ""


def test_a_copy_staged_only_or_behind_a_committed_link_is_ignored_too(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, "")
    model = root / "models" / "model.joblib"
    copy, _, _ = _names(root)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(FORGED)
    git(root, "add", "-f", str(copy))  # in the index, not yet in a commit
    said: list[str] = []
    kept_model.put_back_left(root, model, said.append)
    assert model.read_bytes() != FORGED and copy.read_bytes() == FORGED
    assert len(said) == 1 and "git tracks it" in said[0]

    git(root, "rm", "-q", "--cached", str(copy))
    (root / ".mlgate").rename(root / "elsewhere")  # `.mlgate -> elsewhere`, committed
    (root / ".mlgate").symlink_to("elsewhere")
    git(root, "add", "-f", ".mlgate")
    git(root, "commit", "-q", "-m", "link")
    said.clear()
    kept_model.put_back_left(root, model, said.append)
    assert model.read_bytes() != FORGED and said and "git tracks it" in said[0]


def test_a_run_uses_no_committed_lock_or_note_and_makes_no_copy(
    make_repo: Callable[..., Path],
) -> None:
    """`kept` around a training: a committed note (or lock) is a commit's: no copy is put
    back from it, none is written beside it, and the training runs without one."""
    root = project(make_repo, "")
    model = root / "models" / "model.joblib"
    before = model.read_bytes()
    copy, note, _ = _names(root)
    copy.parent.mkdir(parents=True)
    note.write_text(json.dumps({"run_id": "forged"}))
    git(root, "add", "-f", str(note))
    git(root, "commit", "-q", "-m", "note")
    said: list[str] = []
    with kept_model.kept(root, model, "ours", said.append):
        model.write_bytes(b"the training's")
    assert model.read_bytes() == b"the training's" != before  # no copy: nothing put back
    assert not copy.exists() and json.loads(note.read_text())["run_id"] == "forged"
    assert said == [
        f"ignored {note.relative_to(root).as_posix()}: git tracks it, and a kept model is "
        "only one a run of mlgate left here, never a commit's; the training runs without a copy of "
        "model.joblib"
    ]


def test_an_untracked_copy_is_still_put_back_and_its_run_id_shown_inert(
    make_repo: Callable[..., Path],
) -> None:
    """What a run killed outright left (untracked, ignored) is put back as before; the
    note's run id reaches the terminal with its escape sequences shown, not obeyed."""
    root = project(make_repo, "")
    model = root / "models" / "model.joblib"
    copy, note, _ = _names(root)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"kept")
    note.write_text(json.dumps({"run_id": "x\x1b[1A\x1b[2K\rhidden"}))
    said: list[str] = []
    kept_model.put_back_left(root, model, said.append)
    assert model.read_bytes() == b"kept" and not copy.exists()
    assert len(said) == 1 and "\x1b" not in said[0] and "\r" not in said[0]
    assert "\\u001b[1A" in said[0]
