"""User commands described as requests: the MLGATE_* environment, nothing stale leaking in."""

from __future__ import annotations

from pathlib import Path

from mlgate import manifest as mf
from mlgate import train
from mlgate.manifest.model import Command
from tests import projects


def test_request_carries_the_manifest_paths_and_drops_stale_variables(tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    loaded = mf.load(root / "mlops.yaml")
    command = Command(shell="python train.py", timeout_s=60, env={"SEED": "7"})
    base = {"PATH": "/bin", "MLGATE_MODEL": "/elsewhere/old.joblib", "MLGATE_STALE": "x"}
    req = train.request(loaded, command, "run-1", base)
    assert req.cwd == root and req.shell == "python train.py" and req.timeout_s == 60
    assert req.env == {
        "PATH": "/bin",
        "SEED": "7",
        "MLGATE_ROOT": str(root),
        "MLGATE_RUN_ID": "run-1",
        "MLGATE_DATA_TRAIN": str(root / "data/train.csv"),
        "MLGATE_DATA_TEST": str(root / "data/test.csv"),
        "MLGATE_TARGET": "species",
        "MLGATE_MODEL": str(root / "models/model.joblib"),
        "MLGATE_PARAMS": str(root / "params.yaml"),
    }


def test_outcome_messages(tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    loaded = mf.load(root / "mlops.yaml")

    def outcome(shell: str, timeout_s: float = 30):
        return train.run(loaded, Command(shell=shell, timeout_s=timeout_s), "r")

    assert outcome("exit 0").message.startswith("`exit 0` finished in ")
    assert outcome("exit 0").status == "passed"
    failed = outcome("echo boom; exit 2")
    assert (failed.status, failed.exit_code, failed.message, failed.log_tail) == (
        "failed", 2, "`echo boom; exit 2` exited with code 2", ("boom",))
    killed = outcome("kill -TERM $$")
    assert killed.message == "`kill -TERM $$` was killed by signal 15"
    slow = outcome("sleep 30", timeout_s=0.5)
    assert (slow.status, slow.timed_out) == ("error", True)
    assert slow.message == "`sleep 30` timed out after 0.5s and was stopped"
    missing = train.run(loaded, Command(argv=("no-such-trainer",), timeout_s=5), "r")
    assert (missing.status, missing.exit_code) == ("error", None)
    assert missing.message == "could not start `no-such-trainer`: command not found: " \
        "no-such-trainer"
