"""A project for `make_project` (tests/registry/conftest.py) whose training was run ahead:
its own train.py run once in this process, on its own training rows with the variables
mlgate gives a training, and replaced by a script that copies the model it wrote (and says
what it said). The run is mlgate's run as before (data checks, the training command, the
evaluation in its own process, the record); the model is the same fit, without a process
that imports pandas and scikit-learn for it (1.5 to 4 s on the 2-core machine, once per
kind of project and worker). For the tests of what happens to a trained version
(monitoring, alerts), as `tests/compare/picked.py` is for what a comparison says."""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import io
import runpy
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

from tests import projects
from tests.registry.conftest import ENVIRONMENTS

MARK = "# trained ahead (tests/ahead.py): this copies the model the project's train.py fitted"
COPY = (
    MARK
    + """
import os, shutil, sys
shutil.copy({model!r}, os.environ["MLGATE_MODEL"])
sys.stdout.write(open({said!r}).read())
sys.stderr.write(open({warned!r}).read())
"""
)


def trained_ahead(files: dict[str, str], environments: str = ENVIRONMENTS) -> dict[str, str]:
    """`files` (as given to `make_project` with `environments`), with a train.py that
    copies the model the project's own train.py fits."""
    return dict(_ahead(tuple(sorted(files.items())), environments))


@functools.cache  # once a process: the same files, one fit
def _fitted(files: tuple[tuple[str, str], ...], environments: str) -> Path:
    from mlgate import commands
    from mlgate import manifest as manifests

    folder = Path(tempfile.mkdtemp(prefix="mlgate-ahead-"))
    atexit.register(shutil.rmtree, folder, True)
    # the project as make_project writes it
    written = projects.iris_files(Path(), manifest=projects.IRIS_MANIFEST + environments)
    written.update(files)
    root = projects.write(folder / "repo", written)
    manifest = manifests.load(root / "mlops.yaml")
    assert manifest.train.command.display == "python train.py", manifest.train.command
    model, said, warned = (folder / name for name in ("model.joblib", "stdout", "stderr"))
    told = commands.command_env(manifest, "ahead", test_data=False)
    told["MLGATE_MODEL"] = str(model)
    _run_here(root / "train.py", told, said, warned)
    return folder


def _run_here(script: Path, told: dict[str, str], said: Path, warned: Path) -> None:
    """`script` run in this process from its folder, with `told` in its environment, as
    its process would run: what it printed kept in `said` and `warned` (its warnings as
    Python shows them on stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,  # what the process said on stderr
    ):
        warnings.simplefilter("default")
        monkeypatch.chdir(script.parent)
        for name, value in told.items():
            monkeypatch.setenv(name, value)
        runpy.run_path(str(script), run_name="__main__")
    said.write_text(out.getvalue())
    shown = (warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    warned.write_text(err.getvalue() + "".join(shown))


@functools.cache  # once a process: the same files, the same script, one kind of project
def _ahead(files: tuple[tuple[str, str], ...], environments: str) -> tuple[tuple[str, str], ...]:
    folder = _fitted(files, environments)
    model, said, warned = (folder / name for name in ("model.joblib", "stdout", "stderr"))
    script = COPY.format(model=str(model), said=str(said), warned=str(warned))
    copying = {**dict(files), "train.py": script}
    return tuple(sorted(copying.items()))


# A train.py that copies the model the standard train.py fitted ahead for params.yaml's C
# (`fit_for`), as tests/compare/picked.py's does: for the end-to-end tests about what
# happens to a new commit's run (registered, promoted, rolled back), which would
# otherwise start a process importing scikit-learn for each commit
PICK_MARK = "# fitted ahead for params.yaml's C (tests/ahead.py): this copies the model"
PICK = (
    PICK_MARK
    + """
import os, shutil, sys, yaml
C = yaml.safe_load(open(os.environ["MLGATE_PARAMS"]))["train"]["C"]
fitted = os.path.join({folder!r}, str(C))
shutil.copy(os.path.join(fitted, "model.joblib"), os.environ["MLGATE_MODEL"])
sys.stdout.write(open(os.path.join(fitted, "stdout")).read())
sys.stderr.write(open(os.path.join(fitted, "stderr")).read())
"""
)


@functools.cache  # once a process
def _picked() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mlgate-picked-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def picking(environments: str = ENVIRONMENTS) -> dict[str, str]:
    """`make_project`'s files for a project whose train.py is `PICK` (its own C fitted)."""
    fit_for(1.0, environments)  # params.yaml's
    return {"train.py": PICK.format(folder=str(_picked()))}


def fit_for(c: float, environments: str = ENVIRONMENTS) -> None:
    """The standard train.py run ahead with C = `c`, for `PICK` to copy."""
    target = _picked() / str(c)
    if not target.exists():
        target.symlink_to(_fitted((("params.yaml", f"train:\n  C: {c}\n"),), environments))


# The standard train.py fitted ahead on rows the test makes, and the train.py that copies
# that fit (tests/compare/picked.py's `fit_ahead` and `standing_in`, found by the rows' and
# params' bytes): for the end-to-end tests about what happens to the data around a run (a
# retraining's new export, DVC's notes). Rows fitted for none stop the training, saying so.
def rows_picking() -> dict[str, str]:
    """`make_project`'s files for a project whose train.py stands in for the standard one,
    its own rows (the iris project's data/train.csv) fitted ahead."""
    return {"train.py": fit_on(projects.iris_files(Path())["data/train.csv"])}


def fit_on(rows: str) -> str:
    """The standard train.py run ahead on `rows` (data/train.csv's text) in the iris
    project, params.yaml's C, for the train.py returned (the same for any rows) to copy."""
    from tests.compare import picked

    root = Path(tempfile.mkdtemp(prefix="mlgate-rows-"))
    try:
        files = projects.iris_files(Path())
        projects.write(root, {**files, "data/train.csv": rows})
        return picked.fit_ahead(projects.TRAIN_CLASSIFIER, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# A script of the test's own (a DVC stage's command) run ahead in this process on the files
# it reads, and replaced by one that copies what it wrote for those files' contents
# (`stage_ahead`): for the tests of what DVC and mlgate do around a stage that trains, the
# stage still a process DVC runs, without importing pandas and scikit-learn in it. Inputs
# nobody ran it on stop the stage (exit 1), saying so.
STAGE_MARK = "# run ahead (tests/ahead.py): this copies what the stage's script wrote"
STAGE = (
    STAGE_MARK
    + """
import hashlib, os, shutil, sys
read = hashlib.sha256()
for name in {inputs!r}:
    read.update(name.encode() + b"\\0" + open(name, "rb").read() + b"\\0")
ran = os.path.join({folder!r}, read.hexdigest())
if not os.path.isdir(ran):
    sys.exit("the stage's script was not run ahead on these {inputs!r}: "
             "tests/ahead.py's stage_ahead runs it")
for name in {outputs!r}:
    os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
    shutil.copy(os.path.join(ran, "out", name), name)
sys.stdout.write(open(os.path.join(ran, "stdout")).read())
sys.stderr.write(open(os.path.join(ran, "stderr")).read())
"""
)


def stage_ahead(script: str, inputs: dict[str, str], outputs: tuple[str, ...]) -> str:
    """`script` run here in a folder of its own holding `inputs` (path: text, all it
    reads), and a script that copies the `outputs` it wrote there (relative paths) when
    its own inputs are these. Call it again with other inputs for them: the copying script
    is the same text for every run of one script."""
    names = tuple(sorted(inputs))
    folder = _staged(script, names, outputs)
    read = hashlib.sha256()
    for name in names:
        read.update(name.encode() + b"\0" + inputs[name].encode() + b"\0")
    ran = folder / read.hexdigest()
    if not ran.exists():
        work = Path(tempfile.mkdtemp(prefix="run-", dir=folder))
        for name, text in {"script.py": script, **inputs}.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(text)
        for name in outputs:  # the folders it writes into, as the test's project has them
            (work / name).parent.mkdir(parents=True, exist_ok=True)
        _run_here(work / "script.py", {}, work / "stdout", work / "stderr")
        for name in outputs:
            kept = work / "out" / name
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(work / name, kept)
        work.rename(ran)
    return STAGE.format(inputs=names, outputs=outputs, folder=str(folder))


@functools.cache  # once a process: one folder a script
def _staged(script: str, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mlgate-stage-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder
