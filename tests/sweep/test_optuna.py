"""A sweep Optuna's samplers choose, through ask and tell: each trial told its figure on
the rows that rank (never the held-out ones), each configuration run once, and a seeded
search resumed runs nothing again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mlgate.cli.main import main
from tests.sweep.test_local import PICK_TRAINED, project

SEARCH = (
    "sweep:\n  optuna:\n    trials: 5\n    seed: 3\n    space:\n"
    "      train.C: {low: 0.001, high: 10, log: true}\n  metric: accuracy\n"
)


@pytest.mark.e2e  # every trial trains
def test_each_trial_is_told_its_figure_on_the_ranking_rows_and_a_resumed_search_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import optuna

    told: list[float | None] = []
    tell = optuna.Study.tell

    def heard(self: optuna.Study, trial: object, values: float | None = None, **kw: object):  # type: ignore[no-untyped-def]
        told.append(values)  # what the sampler learns from, as the search tells it
        return tell(self, trial, values, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(optuna.Study, "tell", heard)
    root = project(tmp_path, SEARCH)
    assert main(["sweep", "-C", str(root), "--json", "--workers", "2"]) == 0
    said = json.loads(capsys.readouterr().out)
    ids = [c["id"] for c in said["configurations"]]
    assert len(ids) == len(set(ids)) and 1 <= len(ids) <= 5  # a repeated ask runs once
    assert len(told) == 5  # every trial told, a repeat with its twin's figure
    # each configuration's figure on the ranking rows, and nothing else (not its figure
    # on every test row, which holds the held-out rows)
    assert set(told) == {c["figure"] for c in said["configurations"]}
    everywhere = {c["metrics"]["accuracy"] for c in said["configurations"]}
    assert set(told) != everywhere
    winner = said["winner"]
    assert said["gated"]["verdict"] == "passed"
    told.clear()
    assert main(["sweep", "-C", str(root), "--json", "--workers", "2"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert all(c["resumed"] for c in again["configurations"])  # the same asks, seeded
    assert [c["id"] for c in again["configurations"]] == ids
    assert again["winner"]["id"] == winner["id"]


@pytest.mark.e2e  # its configurations' runs, each training a process (PICK_TRAINED)
def test_a_search_asking_for_values_already_run_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space = "sweep:\n  optuna:\n    trials: 6\n    space:\n      train.C: [0.1, 1.0]\n"
    # about what the search asks, not how a configuration trains: each copies its fit
    root = project(tmp_path, space, PICK_TRAINED, (0.1, 1.0))
    assert main(["sweep", "-C", str(root), "--json", "--workers", "2"]) == 0
    said = capsys.readouterr()
    assert len(json.loads(said.out)["configurations"]) == 2
    assert "sweep: 6 trials asked for 2 configurations (the others asked for values" in said.err


def test_an_optuna_search_has_no_plan_to_make_ahead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, SEARCH)
    assert main(["sweep", "plan", "-C", str(root)]) == 2
    assert "an Optuna sweep asks each trial's values after the trials before it" in (
        capsys.readouterr().err
    )
    assert main(["sweep", "-C", str(root), "--only", "0123abcd"]) == 2
    assert "an Optuna sweep has none made ahead" in capsys.readouterr().err


def test_without_optuna_installed_the_command_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if not installed
    root = project(tmp_path, SEARCH)
    assert main(["sweep", "-C", str(root)]) == 2
    said = capsys.readouterr()
    assert said.err == (
        "mlgate: error: sweep.optuna names Optuna's samplers, and Optuna is not installed\n"
        "  hint: pip install 'mlgate[optuna]'\n"
    )
    assert said.out == "" and not (root / ".mlgate").exists()
