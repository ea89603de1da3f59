"""Warnings of a valid manifest: a command whose script is not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate import scaffold
from mlgate.manifest import lint
from mlgate.manifest.spec import Command


@pytest.mark.parametrize(
    ("shell", "script"),
    [
        ("python train.py", "train.py"),
        ("python3.11 -u src/train.py --epochs 3", "src/train.py"),
        ("PYTHONHASHSEED=0 python ./prepare.py", "prepare.py"),
        ("./deploy.sh staging", "deploy.sh"),
        ("Rscript fit.R", "fit.R"),
        ("bash scripts/run", "scripts/run"),
        ("python -m mypackage.train", None),
        ("python -c 'print(1)'", None),
        ("make train", None),
        ("dvc repro train", None),
        ("python $SCRIPT", None),
        ("python /opt/train.py", None),
        ("python 'unbalanced", None),
        # an option's value is not the script (it was taken for one, and a missing
        # train.py behind it ran, and failed, after the data checks)
        ("python -W ignore train.py", "train.py"),
        ("python -u -X dev train.py", "train.py"),
        ("bash -o pipefail scripts/run.sh", "scripts/run.sh"),
        ("env FOO=1 python train.py", "train.py"),
        ("env -u HOME python3 train.py", "train.py"),
        ("cd src && python train.py", "src/train.py"),
        ("cd $DIR && python train.py", None),
    ],
)
def test_the_script_a_command_runs(shell: str, script: str | None) -> None:
    assert lint.script_of(Command(shell=shell, timeout_s=1)) == script


def test_an_argument_list_names_its_script_too() -> None:
    assert lint.script_of(Command(argv=("python", "train.py"), timeout_s=1)) == "train.py"


def test_validate_warns_of_the_starters_missing_scripts_and_stays_valid(tmp_path: Path) -> None:
    """The starter manifest named prepare.py and train.py, and validate called it valid."""
    scaffold.init(tmp_path)
    (tmp_path / "mlops.yaml").write_text(
        (tmp_path / "mlops.yaml").read_text()
        + ("environments:\n  staging:\n    deploy: {command: ./deploy.sh staging}\n")
    )
    lines = (tmp_path / "mlops.yaml").read_text().splitlines()

    def line_of(text: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if text in line)

    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "validate"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout == f"mlops.yaml: valid ({scaffold.slug(tmp_path.name)}), with 3 warnings\n"
    assert done.stderr.splitlines() == [
        f"mlgate: warning: mlops.yaml:{line_of('prepare: python')}:3: data.prepare: "
        "'prepare.py' does not exist yet: `python prepare.py` will fail until it is written "
        "(or change the command)",
        f"mlgate: warning: mlops.yaml:{line_of('command: python')}:3: train.command: "
        "'train.py' does not exist yet: `python train.py` will fail until it is written (or "
        "change the command)",
        f"mlgate: warning: mlops.yaml:{line_of('deploy:')}:14: "
        "environments.staging.deploy.command: 'deploy.sh' does not exist yet: "
        "`./deploy.sh staging` will fail until it is written (or change the command)",
    ]
    for script in ("prepare.py", "train.py", "deploy.sh"):
        (tmp_path / script).write_text("")
    (tmp_path / "deploy.sh").chmod(0o755)  # run by its path: it must be executable
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "validate", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, json.loads(done.stdout)["warnings"], done.stderr) == (0, [], "")


def test_the_ci_validate_job_says_the_warnings_too(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    scaffold.init(tmp_path)
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(FIXTURES / "github/events/push.json"),
        "GITHUB_REPOSITORY": "acme/churn",
    }
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "ci", "--command", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("mlgate: warning: ")]
    assert [w.split(": ")[3] for w in warned] == ["data.prepare", "train.command"]


def test_a_command_that_cannot_start_is_warned_of_and_stops_the_run(tmp_path: Path) -> None:
    """A script run by its path without its executable bit (a checkout from Windows), and a
    whole line as one list item, both failed only when the run reached them (exit 1)."""
    from mlgate import manifest as manifests
    from mlgate.errors import ManifestError
    from mlgate.pipeline import stages

    (tmp_path / "train.csv").write_text("a,y\n1,0\n")
    (tmp_path / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o644)
    head = "name: x\ndata: {train: train.csv, test: train.csv, target: y}\n"
    for command, said in (
        (
            "./run.sh",
            "'run.sh' is not executable: `chmod +x run.sh` (and `git update-index --chmod=+x "
            "run.sh` to commit it so), or run it as `bash run.sh`",
        ),
        (
            "[python train.py]",
            "the list [python train.py] is one argument, a program named 'python train.py': "
            "write each word as an item ([python, train.py]) or the line as a string",
        ),
    ):
        (tmp_path / "mlops.yaml").write_text(head + f"train: {{command: {command}}}\n")
        loaded = manifests.load(tmp_path / "mlops.yaml")
        assert [w.message for w in lint.warnings(loaded, "mlops.yaml")] == [said]
        with pytest.raises(ManifestError) as refused:
            stages.commands_startable(loaded)
        assert [p.message for p in refused.value.problems] == [said]
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "mlops.yaml").write_text(head + "train: {command: ./run.sh}\n")
    assert lint.warnings(manifests.load(tmp_path / "mlops.yaml"), "mlops.yaml") == []


def test_validate_says_the_missing_scripts_beside_the_manifests_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a problem in the manifest, the warnings were never reached: a misspelt
    script came out at the next `mlgate run`, one mended problem after another."""
    from mlgate.cli import main

    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    (tmp_path / "mlops.yaml").write_text(text.replace("\ndata:\n", "\ndata:\n  colour: 3\n", 1))
    assert main(["-C", str(tmp_path), "validate"]) == 2
    err = capsys.readouterr().err
    assert "data.colour" in err
    warned = [line for line in err.splitlines() if line.startswith("mlgate: warning: ")]
    assert [w.split(": ")[3] for w in warned] == ["data.prepare", "train.command"], warned
    assert all("does not exist" in w for w in warned)
