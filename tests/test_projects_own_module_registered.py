"""A registered version whose model pickles a class of the project's own module
(`irisown.py` beside mlops.yaml), as `mlgate monitor` and `mlgate serve` meet it (audit X,
findings 1 and 2).

monitor refused it with an unhandled ModelLoadError: a traceback, "internal error (please
report it ...)", exit 3, and the store's object named by its sha256. It is bad input, exit
2, naming the version. serve loaded the same version with the work tree's module as it is
now whenever the folder was importable (PYTHONPATH, an editable install): an uncommitted
edit answered every request wrong and its smoke test passed. It is refused as monitor
refuses it, by the same check (model/loading.py's `trained_elsewhere`); and where the
module is not importable, it is said to be the project's own, not "not installed"."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from mlgate.cli.main import main
from mlgate.errors import UserError
from mlgate.serve import service
from tests.registry.conftest import Project, make_project, promote

pytestmark = pytest.mark.e2e  # the project trains for real: its model needs its module

MODULE = "irisown"
OWN = """\
from sklearn.linear_model import LogisticRegression


class OwnModel(LogisticRegression):
    \"\"\"The project's own class: its model pickles a reference to it.\"\"\"
"""
TRAIN = f"""\
import os, joblib, pandas as pd
from {MODULE} import OwnModel
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = OwnModel(max_iter=500).fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""
REFUSED = (
    "a model trained at another commit (a registered version's, a baseline's) is not "
    "scored with the project's code as it is now: keep the functions a model pickles in "
    "an installed, versioned package (pinned in the requirements), or save the model "
    "without them"
)


@pytest.fixture
def promoted(tmp_path: Path) -> Project:
    return promote(make_project(tmp_path / "iris", files={"train.py": TRAIN, f"{MODULE}.py": OWN}))


@pytest.fixture
def on_the_path(promoted: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The project's folder importable, as PYTHONPATH or an editable install make it."""
    monkeypatch.setattr(sys, "path", [str(promoted.root), *sys.path])
    yield
    sys.modules.pop(MODULE, None)


def rows(project: Project, tmp_path: Path) -> Path:
    today = tmp_path / "today.csv"
    pd.read_csv(project.root / "data" / "test.csv").drop(columns="species").to_csv(
        today, index=False
    )
    return today


def version(project: Project) -> str:
    held = project.where().read().current("production")
    assert held is not None
    return held.version


def test_monitor_says_a_version_of_the_projects_own_module_is_not_monitored(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v = version(promoted)
    command = ["monitor", "-C", str(promoted.root), "--data", str(rows(promoted, tmp_path))]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    assert (
        f"{v}, which production holds, is not monitored: could not load models/model.joblib: "
        f"the model needs the module '{MODULE}', which is the project's own "
        f"({promoted.root / (MODULE + '.py')}); {REFUSED}"
    ) in " ".join(err.split())


def test_monitor_refuses_it_importable_too(
    promoted: Project, tmp_path: Path, on_the_path: None, capsys: pytest.CaptureFixture[str]
) -> None:
    v = version(promoted)
    command = ["monitor", "-C", str(promoted.root), "--data", str(rows(promoted, tmp_path))]
    assert main(command) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        f"{v}, which production holds, is not monitored: could not load models/model.joblib: "
        f"the model holds code of the project's own module '{MODULE}', which may have "
        f"changed here since the model was trained; {REFUSED}"
    ) in err


def test_monitor_says_a_module_that_is_nowhere_as_bad_input(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not the project's (its file gone): a module not installed is bad input too."""
    (promoted.root / f"{MODULE}.py").unlink()
    v = version(promoted)
    command = ["monitor", "-C", str(promoted.root), "--data", str(rows(promoted, tmp_path))]
    assert main(command) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        f"{v}, which production holds, is not monitored: could not load models/model.joblib: "
        f"the model needs the module '{MODULE}', which is not installed where mlgate runs"
    ) in err


def test_serve_refuses_the_version_as_monitor_does_when_its_module_is_importable(
    promoted: Project, on_the_path: None
) -> None:
    """It served with the work tree's module as it is now (an uncommitted edit included)."""
    v = version(promoted)
    with pytest.raises(UserError) as error:
        service.load(promoted.manifest, v)
    assert error.value.message == (
        f"{v} is not served: could not load model.joblib: the model holds code of the "
        f"project's own module '{MODULE}', which may have changed here since the model was "
        f"trained; {REFUSED}"
    )


def test_serve_says_the_module_is_the_projects_own_not_that_it_is_not_installed(
    promoted: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    v = version(promoted)
    assert main(["serve", "-C", str(promoted.root), v, "--port", "0"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        f"{v} is not served: could not load model.joblib: the model needs the module "
        f"'{MODULE}', which is the project's own ({promoted.root / (MODULE + '.py')}); "
        f"{REFUSED}"
    ) in err
    assert "not installed" not in err


def test_a_runs_model_served_by_its_path_names_the_projects_module_too(
    promoted: Project,
) -> None:
    """The run's model is loaded as a worker loads it, the file alone: a module of the
    project's it needs has to be importable where the server runs, and it is said so."""
    with pytest.raises(UserError) as error:
        service.load(promoted.manifest, "models/model.joblib")
    assert error.value.message == (
        f"could not load model.joblib: the model needs the module '{MODULE}', which is the "
        f"project's own ({promoted.root / (MODULE + '.py')}); the server loads the model "
        "file without the project's folder on the path, so such a module has to be "
        "importable where it runs: installed, or its folder on PYTHONPATH"
    )


BASELINE_TEST = """\
def test_the_candidate_agrees_with_production(mlgate_baseline_model):
    assert mlgate_baseline_model is not None
"""


def test_the_plugins_baseline_fixture_skips_a_version_it_cannot_load_saying_why(
    promoted: Project,
) -> None:
    """By hand, `python -m pytest` in the project's folder (so its module is importable):
    the fixture's ModelLoadError was a traceback in the test's error; a run skips the test
    with the reason its comparison gives, and so does this."""
    manifest = promoted.root / "mlops.yaml"
    manifest.write_text(manifest.read_text() + "compare:\n  baseline: {stage: production}\n")
    (promoted.root / "tests").mkdir(exist_ok=True)
    (promoted.root / "tests" / "test_base.py").write_text(BASELINE_TEST)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests"],
        cwd=promoted.root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = " ".join(ran.stdout.split())
    assert "1 skipped" in said and "Traceback" not in ran.stdout, ran.stdout + ran.stderr
    assert "SKIPPED" in said and "mlgate_baseline_model: could not load " in said
    assert f"the model holds code of the project's own module '{MODULE}'" in said
