"""The iris project whose "training" copies the model fitted ahead for params.yaml's C,
as `PICK_TRAINED` in tests/sweep/test_local.py does: for the tests of what a comparison
finds and says, which training for real (1.9 s of CPU a run, a git baseline's run too,
most of it importing scikit-learn) would only slow. The models are files of the project,
committed with it, so a git baseline's run at its commit picks the one its own params
name; each is the fit `projects.TRAIN_CLASSIFIER` makes for that C.

For a project whose commits change the rows rather than C (a new split, a new column),
`fit_ahead` runs the project's own training script in this process on exactly the rows a
commit's run will give it, and `standing_in` is the train.py that copies that fit."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from tests import projects

PICK = (
    "import os, shutil, yaml\n"
    "C = yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C']\n"
    "shutil.copy(f'trained/{C}.joblib', os.environ['MLGATE_MODEL'])\n"
)
CS = (0.05, 0.5, 1.0)  # the values of C the tests set (1.0: params.yaml's)


def iris_files(manifest: str = projects.IRIS_MANIFEST) -> dict[str, str | bytes]:
    """`projects.iris_files`, with `PICK` for train.py and a model for each of `CS`."""
    files: dict[str, str | bytes] = {}
    files.update(projects.iris_files(Path(), manifest=manifest, train=PICK))
    files.update({f"trained/{c}.joblib": model for c, model in _models().items()})
    return files


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """`projects.write`, for files of bytes too."""
    projects.write(root, {k: v for k, v in files.items() if isinstance(v, str)})
    for relative, content in files.items():
        if isinstance(content, bytes):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(content)
    return root


def model(c: float) -> Any:
    """The model fitted ahead for `c`, loaded: to score by hand what a run reports."""
    import joblib

    return joblib.load(io.BytesIO(_models()[c]))


@functools.cache
def _models() -> dict[float, bytes]:
    """Fitted once per process, on the training rows as the script reads them."""
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    text = projects.iris_files(Path())["data/train.csv"]
    frame = pd.read_csv(io.StringIO(text))
    X, y = frame.drop(columns=["species"]), frame["species"]
    found = {}
    for c in CS:
        kept = io.BytesIO()
        joblib.dump(LogisticRegression(C=c, max_iter=500).fit(X, y), kept)
        found[c] = kept.getvalue()
    return found


# A train.py standing in for a training script whose commits change the rows it trains on
# (a new split, a new column) rather than C: it copies the model that script fitted, in the
# test's process, on exactly what the run gives it, found by the training file's and the
# params file's bytes (`fit_ahead`). A run whose rows were not fitted ahead fails, saying so.
FITTED_MARK = "# fitted ahead (tests/compare/picked.py): this copies the model fitted on these rows"
FITTED = (
    FITTED_MARK
    + """
import hashlib, os, shutil, sys
told = hashlib.sha256()
for name in {files!r}:
    path = os.environ.get(name, "")
    read = open(path, "rb").read() if path and os.path.isfile(path) else b"-"
    told.update(b"%d:" % len(read) + read)
for name in {names!r}:
    told.update(os.environ.get(name, "-").encode() + b"\\0")
fitted = os.path.join({folder!r}, told.hexdigest())
if not os.path.isdir(fitted):
    sys.exit(f"no model was fitted ahead on these training rows ({{told.hexdigest()[:12]}})")
shutil.copy(os.path.join(fitted, "model.joblib"), os.environ["MLGATE_MODEL"])
sys.stdout.write(open(os.path.join(fitted, "stdout")).read())
"""
)
# what a training is told (commands.command_env) that can change its fit: files by their
# bytes, names by their values
_FILES = ("MLGATE_DATA_TRAIN", "MLGATE_PARAMS")
_NAMES = ("MLGATE_TARGET", "MLGATE_FEATURES", "MLGATE_ID")


def _told(env: dict[str, str]) -> str:
    """`FITTED`'s key of what a training with variables `env` is told."""
    import hashlib

    told = hashlib.sha256()
    for name in _FILES:
        path = Path(env[name]) if env.get(name) else None
        read = path.read_bytes() if path is not None and path.is_file() else b"-"
        told.update(b"%d:" % len(read) + read)
    for name in _NAMES:
        told.update(env.get(name, "-").encode() + b"\0")
    return told.hexdigest()


def fit_ahead(train: str, root: Path) -> str:
    """The train.py standing in for `train` (a training script's text) in the project at
    `root`, as its next run will see it: `data.prepare` (a `python SCRIPT`) run first, here
    in this process on a copy, then `train` on the training rows it wrote, with the
    variables mlgate gives a training. Call it for each commit whose run is to copy."""
    import contextlib
    import os
    import runpy
    import shutil
    import tempfile

    import pytest

    from mlgate import commands
    from mlgate import manifest as manifests

    work = Path(tempfile.mkdtemp(prefix="mlgate-fitting-"))
    try:
        copy = work / "project"
        ignored = shutil.ignore_patterns(".git", ".mlgate", "models")
        shutil.copytree(root, copy, symlinks=True, ignore=ignored)
        manifest = manifests.load(copy / "mlops.yaml")
        told = commands.command_env(manifest, "ahead", test_data=False)
        told["MLGATE_MODEL"] = str(work / "model.joblib")
        script = work / "train.py"
        script.write_text(train)
        out = io.StringIO()
        with pytest.MonkeyPatch.context() as monkeypatch, contextlib.redirect_stdout(out):

            def tell(env: dict[str, str]) -> None:  # as commands.request does
                for name in [n for n in os.environ if n.startswith(commands.ENV_PREFIX)]:
                    monkeypatch.delenv(name)
                for name, value in env.items():
                    monkeypatch.setenv(name, value)

            monkeypatch.chdir(copy)
            if manifest.data.prepare is not None:
                python, prepare = manifest.data.prepare.display.split(" ", 1)
                assert python == "python" and prepare.endswith(".py"), manifest.data.prepare
                tell(commands.command_env(manifest, "ahead"))
                runpy.run_path(str(copy / prepare), run_name="__main__")
            tell(told)
            runpy.run_path(str(script), run_name="__main__")
        target = _folder(train) / _told(told)
        target.mkdir(parents=True, exist_ok=True)  # the same fit again, if it was
        shutil.copy(told["MLGATE_MODEL"], target / "model.joblib")
        (target / "stdout").write_text(out.getvalue())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return standing_in(train)


def standing_in(train: str) -> str:
    """The train.py that copies what `fit_ahead(train, ...)` fitted for the run's rows."""
    return FITTED.format(files=_FILES, names=_NAMES, folder=str(_folder(train)))


def _folder(train: str) -> Path:
    """Where the models `train` fitted ahead are kept, by what they were told."""
    import hashlib

    return _fitted() / hashlib.sha256(train.encode()).hexdigest()[:16]


@functools.cache  # once a process
def _fitted() -> Path:
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="mlgate-fitted-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder
