"""Stopped while the model is fetched and loaded (the first half of a start-up of 11 s in
the audit's project), `mlgate serve` said only "interrupted", where docs/serve.md says it
names the model and whether it had served (audit X, finding 4)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from mlgate.cli.main import main
from mlgate.serve import run, service


def test_a_stop_while_loading_names_the_model_and_that_it_never_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mlops.yaml").write_text(
        "name: iris\ndata: {train: train.csv, test: test.csv, target: species}\n"
        "train: {command: python train.py}\n"
    )
    for name in ("train.csv", "test.csv"):
        (tmp_path / name).write_text("x,species\n1,a\n")
    (tmp_path / "train.py").write_text("")

    def loading(*_: object) -> None:  # the signal arrives while the model loads
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the load")

    monkeypatch.setattr(run, "require_extra", lambda: None)
    monkeypatch.setattr(service, "load", loading)
    assert main(["serve", "v0.1.0", "-C", str(tmp_path)]) == 130
    said = capsys.readouterr().err
    assert said.rstrip().endswith(
        "mlgate: interrupted: stopped before serving iris v0.1.0: its model was still loading"
    ), said
    monkeypatch.setattr(service, "load", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main(["serve", "-C", str(tmp_path)]) == 130
    assert (
        capsys.readouterr()
        .err.rstrip()
        .endswith("stopped before serving iris's latest run: its model was still loading")
    )
