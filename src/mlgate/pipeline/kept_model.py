"""The model file as it was before a training, kept until the training passes.

A training writes `$MLGATE_MODEL` in place (a warm start reads it there first), so one
that failed, timed out or was stopped while it wrote left a torn file where the last
passing run's model was, and that run could no longer be registered. The file is copied
aside first and put back unless the training passes; a copy left by an mlgate that was
killed outright is put back by the next run before it trains. DVC stages are left to
DVC, whose cache holds every output it recorded (`dvc checkout`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from mlgate import atomic

FOLDER = Path(".mlgate") / "kept-model"


class Keeping:
    """What `kept` yields: call `passed()` once the training's model is taken."""

    def __init__(self) -> None:
        self.taken = False

    def passed(self) -> None:
        self.taken = True


@contextlib.contextmanager
def kept(root: Path, model: Path, run_id: str, say: Callable[[str], None]) -> Iterator[Keeping]:
    """`model` copied aside for the block, and put back as it was unless `passed()` was
    called (an exception, Ctrl-C included, puts it back too). No copy of a model that is
    not a regular file, or when the copy cannot be made (a full disk): the training
    then runs as it would without this."""
    copy, note = _names(root, model)
    _put_back_left(copy, note, model, say)
    keeping = Keeping()
    if not _copied(model, copy, note, run_id):
        yield keeping
        return
    try:
        yield keeping
    finally:
        if keeping.taken:
            _remove(copy, note)
        else:
            _restore(copy, note, model)


def _names(root: Path, model: Path) -> tuple[Path, Path]:
    """One copy per model path, so two manifests in one project keep theirs apart."""
    name = hashlib.sha256(str(model).encode()).hexdigest()[:16]
    folder = root / FOLDER
    return folder / f"{name}.model", folder / f"{name}.json"


def _copied(model: Path, copy: Path, note: Path, run_id: str) -> bool:
    if not model.is_file():
        return False
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(model, copy)  # its time too: the file put back is the file as it was
        atomic.write_text(note, json.dumps({"model": str(model), "run_id": run_id}))
    except OSError:
        _remove(copy, note)
        return False
    return True


def _put_back_left(copy: Path, note: Path, model: Path, say: Callable[[str], None]) -> None:
    """A copy still here is one whose training never ended (mlgate was killed outright):
    what that training left at the model's path is a product of nothing."""
    if not copy.is_file():
        return
    try:
        run_id = json.loads(note.read_text("utf-8")).get("run_id", "?")
    except (OSError, ValueError, AttributeError):
        run_id = "?"
    _restore(copy, note, model)
    say(
        f"put back {model.name} as it was before run {run_id}'s training, which was stopped "
        "before it ended"
    )


def _restore(copy: Path, note: Path, model: Path) -> None:
    try:
        os.replace(copy, model)  # one rename: a reader sees the torn file or the kept one
    except OSError:  # another file system: copied over, then the copy removed
        atomic.copy(copy, model)
        shutil.copystat(copy, model)
    _remove(copy, note)


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
