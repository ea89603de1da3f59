"""The model file as it was before a run, kept until its training passed and its result
is saved.

A training writes `$MLGATE_MODEL` in place (a warm start reads it there first), so one
that failed, timed out or was stopped while it wrote left a torn file where the last
passing run's model was, and that run could no longer be registered; a run whose result
could not be written left a model no run describes. The file is copied aside first and
put back unless both happen (a model that was not there before is removed again); a
copy left by an mlgate that was killed outright is put back by the next run, or `mlgate
check model`, before it reads the file. DVC stages are left to DVC, whose cache holds
every output it recorded (`dvc checkout`).

Only mlgate writes that folder, and git ignores it: a copy, note or lock that git tracks
(`git add -f`, or a committed `.mlgate` link on the way) is a commit's, not a run's, and
is never used. Its name is predictable, so a pull request committed a pickle there that
the next `mlgate check model` put over the user's own model and loaded (audit V).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from mlgate import atomic, git, words
from mlgate.errors import UserError

FOLDER = Path(".mlgate") / "kept-model"


class Keeping:
    """What `kept` yields: call `passed()` once the training's model is taken for good."""

    def __init__(self) -> None:
        self.taken = False

    def passed(self) -> None:
        self.taken = True


@contextlib.contextmanager
def kept(root: Path, model: Path, run_id: str, say: Callable[[str], None]) -> Iterator[Keeping]:
    """`model` copied aside for the block, and put back as it was unless `passed()` was
    called (an exception, Ctrl-C included, puts it back too). A symlink's target is what
    is kept and put back. No copy when it cannot be made (a full disk): the training then
    runs as it would without this. Another run training the same file is refused: each
    would put back what the other was writing."""
    model = Path(os.path.realpath(model))
    copy, note, lock = _names(root, model)
    if committed := git.first_tracked(
        root, (copy, note, lock), FOLDER.parts[0]
    ):  # said, left, and no copy made
        say(_ignored(root, committed, f"the training runs without a copy of {model.name}"))
        yield Keeping()
        return
    with _held(lock, model):
        _put_back_left(copy, note, model, say)
        keeping = Keeping()
        existed = model.exists()
        made = existed and _copied(model, copy, note, run_id)
        try:
            yield keeping
        finally:
            if keeping.taken:
                _remove(copy, note)
            elif made:
                _restore(copy, note, model)
            elif not existed and model.is_file():  # as it was: no model
                _remove(model)


def put_back_left(root: Path, model: Path, say: Callable[[str], None]) -> None:
    """A copy a killed run left, put back before the file is read (`mlgate check model`
    scored the torn file); nothing while a run is training it."""
    model = Path(os.path.realpath(model))
    copy, note, lock = _names(root, model)
    if not copy.is_file():
        return
    if committed := git.first_tracked(root, (copy, note, lock), FOLDER.parts[0]):
        say(_ignored(root, committed, f"{model.name} was left as it is"))
        return
    with contextlib.suppress(UserError), _held(lock, model):
        _put_back_left(copy, note, model, say)


def _names(root: Path, model: Path) -> tuple[Path, Path, Path]:
    """One copy per model file, named by its path in the project (the same however the
    project's folder is reached), so two manifests in one project keep theirs apart."""
    try:
        shown = str(model.relative_to(Path(os.path.realpath(root))))
    except ValueError:
        shown = str(model)
    name = hashlib.sha256(shown.encode()).hexdigest()[:16]
    folder = root / FOLDER
    return folder / f"{name}.model", folder / f"{name}.json", folder / f"{name}.lock"


def _ignored(root: Path, committed: Path, then: str) -> str:
    return (
        f"ignored {committed.relative_to(root).as_posix()}: git tracks it, and a kept model "
        f"is only one a run of mlgate left here, never a commit's; {then}"
    )


@contextlib.contextmanager
def _held(lock: Path, model: Path) -> Iterator[None]:
    lock.parent.mkdir(parents=True, exist_ok=True)
    ignore = lock.parent / ".gitignore"
    if not ignore.exists():  # as the runs do: the copies never dirty a checkout
        atomic.write_text(ignore, "# written by mlgate: kept models stay local\n*\n")
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"another mlgate run is training {model.name} in this project now: two "
                "trainings of one model file write over each other",
                hint="wait for it to end, then run again",
            ) from None
        yield  # the lock ends with the file's closing, or with the process


def _copied(model: Path, copy: Path, note: Path, run_id: str) -> bool:
    if not model.is_file():
        return False
    try:
        shutil.copy2(model, copy)  # its time too: the file put back is the file as it was
        atomic.write_text(note, json.dumps({"model": str(model), "run_id": run_id}))
    except OSError:
        _remove(copy, note)
        return False
    return True


def _put_back_left(copy: Path, note: Path, model: Path, say: Callable[[str], None]) -> None:
    """A copy still here, its lock free, is one whose training never ended (mlgate was
    killed outright): what that training left at the model's path is a product of nothing."""
    if not copy.is_file():
        return
    try:
        run_id = json.loads(note.read_text("utf-8")).get("run_id", "?")
    except (OSError, ValueError, AttributeError):
        run_id = "?"
    _restore(copy, note, model)
    say(
        f"put back {model.name} as it was before run {_shown(run_id)}'s training, which was "
        "stopped before it ended"
    )


def _shown(run_id: object) -> str:
    """The note's run id as text that does nothing on a terminal (an escape sequence in it
    could erase the line it is on), and short."""
    text = str(run_id)
    return words.name(text if len(text) <= 40 else f"{text[:40]}…")


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
