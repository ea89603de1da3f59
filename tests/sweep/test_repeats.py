"""Random draws that repeat are left out, and the sweep says so: `samples: 6` over a space
of few values ran 4 configurations, and neither the plan nor the sweep's header said that
2 draws repeated (the docs' "repeats left out" was the only word of it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.cli.main import main
from mlgate.manifest.spec import Sweep
from mlgate.sweep import space
from tests import projects
from tests.sweep.test_local import PICK_TRAINED, project

# the audit's space: two choices of gamma, and C a whole number from 1 to 3
AUDITED = {
    "samples": 6,
    "seed": 0,
    "space": {"train.gamma": [0.1, 0.01], "train.C": {"low": 0.5, "high": 3.4, "integer": True}},
}


def test_the_draws_say_how_many_repeated_and_what_they_made() -> None:
    drawn = space.draws(Sweep(random=AUDITED))
    assert drawn is not None
    assert drawn.said() == "6 draws, 2 repeated: 4 configurations"
    assert drawn.document() == {"samples": 6, "repeated": 2, "configurations": 4}
    assert len(space.configurations(Sweep(random=AUDITED))) == 4
    assert space.repeats(Sweep(random=AUDITED)) == drawn.said()
    unrepeated = {**AUDITED, "space": {"train.C": {"low": 0.001, "high": 100, "log": True}}}
    assert space.draws(Sweep(random=unrepeated)) == space.Draws(samples=6, configurations=6)
    assert space.repeats(Sweep(random=unrepeated)) == ""  # nothing to say
    assert space.draws(Sweep(grid={"train.C": (1, 2)})) is None
    assert space.draws(Sweep(optuna={"trials": 6, "space": AUDITED["space"]})) is None


def test_the_plan_says_the_repeats_beside_its_matrix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = projects.iris_files(Path())
    files["mlops.yaml"] = (
        projects.IRIS_MANIFEST
        + "sweep:\n  random:\n    samples: 6\n    seed: 0\n    space:\n"
        + "      train.gamma: [0.1, 0.01]\n"
        + "      train.C: {low: 0.5, high: 3.4, integer: true}\n"
    )
    files["params.yaml"] = "train:\n  C: 1.0\n  gamma: 0.1\n"
    root = projects.write(tmp_path / "p", files)
    assert main(["sweep", "plan", "-C", str(root)]) == 0
    out, err = capsys.readouterr()
    plan = json.loads(out)
    assert list(plan) == ["include"] and len(plan["include"]) == 4  # a matrix, nothing else
    assert "sweep: 6 draws, 2 repeated: 4 configurations" in err.splitlines()
    # and validate, which reads the manifest alone
    assert main(["validate", "-C", str(root)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "sweep: 6 draws, 2 repeated: 4 configurations"
    )
    assert main(["validate", "-C", str(root), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["sweep_draws"] == {"samples": 6, "repeated": 2, "configurations": 4}


@pytest.mark.e2e
def test_the_sweeps_header_and_json_say_the_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = (
        "sweep:\n  random:\n    samples: 6\n    seed: 0\n    space:\n"
        "      train.C: {low: 0.5, high: 3.4, integer: true}\n"
    )
    root = project(tmp_path, sweep, PICK_TRAINED, (2, 3))  # seed 0 draws 3, 3, 2, 2, 2, 2
    made = space.configurations(manifests.load(root / "mlops.yaml").sweep)
    assert [c.params["train.C"] for c in made] == [3, 2]
    assert main(["sweep", "-C", str(root), "--workers", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == "sweep: 6 draws, 4 repeated: 2 configurations, 2 workers"
    said = json.loads(out)
    assert said["draws"] == {"samples": 6, "repeated": 4, "configurations": 2}
    assert len(said["configurations"]) == 2
