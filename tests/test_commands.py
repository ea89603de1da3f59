"""User commands described as requests: the MLGATE_* environment, nothing stale leaking in."""

from __future__ import annotations

import json
from pathlib import Path

from mlgate import commands
from mlgate import manifest as mf
from mlgate.manifest.spec import Command
from tests import projects


def test_request_carries_the_manifest_paths_and_drops_stale_variables(tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    loaded = mf.load(root / "mlops.yaml")
    command = Command(shell="python train.py", timeout_s=60, env={"SEED": "7"})
    base = {"PATH": "/bin", "MLGATE_MODEL": "/elsewhere/old.joblib", "MLGATE_STALE": "x"}
    req = commands.request(loaded, command, "run-1", base)
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
    training = commands.request(loaded, command, "run-1", base, test_data=False)
    assert {**training.env, "MLGATE_DATA_TEST": str(root / "data/test.csv")} == req.env


def test_outcome_messages(tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    loaded = mf.load(root / "mlops.yaml")

    def outcome(shell: str, timeout_s: float = 30):
        return commands.run(loaded, Command(shell=shell, timeout_s=timeout_s), "r")

    assert outcome("exit 0").message.startswith("`exit 0` finished in ")
    assert outcome("exit 0").status == "passed"
    failed = outcome("echo boom; exit 2")
    assert (failed.status, failed.exit_code, failed.message, failed.log_tail) == (
        "failed",
        2,
        "`echo boom; exit 2` exited with code 2",
        ("boom",),
    )
    killed = outcome("kill -TERM $$")
    assert killed.message == "`kill -TERM $$` was killed by SIGTERM"
    # a child killed under the shell: the shell ends with 128 + the signal's number
    child = outcome("python3 -c 'import os; os.kill(os.getpid(), 9)'; exit $?")
    assert child.exit_code == 137
    assert child.message.endswith("exited with code 137 (SIGKILL, as a shell says it)")
    assert commands.signal_of(137, shell=False) is None  # a program's own 137 is its own
    slow = outcome("sleep 30", timeout_s=0.5)
    assert (slow.status, slow.timed_out) == ("error", True)
    assert slow.message == "`sleep 30` timed out after 0.5s and was stopped"
    missing = commands.run(loaded, Command(argv=("no-such-trainer",), timeout_s=5), "r")
    assert (missing.status, missing.exit_code) == ("error", None)
    assert (
        missing.message == "could not start `no-such-trainer`: command not found: no-such-trainer"
    )


TOKEN = "ghs_" + "s3cr3tT0ken" * 3
CREDENTIALS = {
    "GITHUB_TOKEN": TOKEN,
    "GH_TOKEN": TOKEN + "gh",
    "MLGATE_GITHUB_TOKEN": TOKEN + "ml",
    "INPUT_TOKEN": TOKEN + "in",
    "ACTIONS_RUNTIME_TOKEN": "runtime-" + TOKEN,
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-" + TOKEN,
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.example/oidc",
    "ACTIONS_RUNTIME_URL": "https://pipelines.example/runtime",
    "ACTIONS_RESULTS_URL": "https://results.example/",
    "ACTIONS_CACHE_URL": "https://c.example/",
}
PRINTS_ITS_ENVIRONMENT = (
    "python -c \"import os; [print(f'{k}={v}') for k, v in sorted(os.environ.items())]; "
    'raise SystemExit(1)"'
)


def test_a_command_gets_no_credential_unless_the_manifest_passes_it(tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    loaded = mf.load(root / "mlops.yaml")
    base = {"PATH": "/bin:/usr/bin", "HOME": "/home/u", **CREDENTIALS}
    plain = commands.request(loaded, Command(shell="x", timeout_s=5), "r", base)
    assert not set(plain.env) & set(CREDENTIALS), sorted(set(plain.env) & set(CREDENTIALS))
    assert plain.env["HOME"] == "/home/u"
    passed = commands.request(
        loaded,
        Command(shell="x", timeout_s=5, pass_env=("GITHUB_TOKEN", "ACTIONS_CACHE_URL")),
        "r",
        base,
    )
    assert {k for k in passed.env if k in CREDENTIALS} == {"GITHUB_TOKEN", "ACTIONS_CACHE_URL"}
    assert passed.env["GITHUB_TOKEN"] == TOKEN


def test_a_token_a_command_prints_is_scrubbed_from_its_output(tmp_path: Path) -> None:
    """Even a credential the manifest passes, printed, never reaches the run's record."""
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    loaded = mf.load(root / "mlops.yaml")
    import os

    base = {**os.environ, **CREDENTIALS}
    log = tmp_path / "train.log"
    seen: list[str] = []
    command = Command(shell=PRINTS_ITS_ENVIRONMENT, timeout_s=30, pass_env=tuple(CREDENTIALS))
    outcome = commands.run(loaded, command, "r", base_env=base, log_path=log, on_line=seen.append)
    printed = "\n".join(outcome.log_tail)
    assert "GITHUB_TOKEN=***" in printed or "GITHUB_TOKEN=***" in "\n".join(seen)
    for text in (printed, "\n".join(seen), log.read_text()):
        assert "s3cr3tT0ken" not in text
    assert (
        "GITHUB_TOKEN=***" in log.read_text() and "ACTIONS_CACHE_URL=https://c" in log.read_text()
    )


def test_the_id_and_the_features_are_told_to_the_command_when_the_manifest_names_them(
    tmp_path: Path,
) -> None:
    """A script fitted on every column but the target could not know which is the id,
    which the run then refused to hand the model."""
    files = projects.iris_files(Path())
    files["mlops.yaml"] = files["mlops.yaml"].replace(
        "  target: species\n",
        '  target: species\n  id: row\n  features: [sepal_length, "petal, width"]\n',
    )
    root = projects.write(tmp_path / "p", files)
    raw = (root / "mlops.yaml").read_bytes()
    loaded = mf.parse(raw, name="mlops.yaml", root=root, files=False)  # no such columns
    env = commands.command_env(loaded, "r")
    assert env["MLGATE_ID"] == "row"
    assert json.loads(env["MLGATE_FEATURES"]) == ["sepal_length", "petal, width"]
    plain = mf.load(projects.write(tmp_path / "q", projects.iris_files(Path())) / "mlops.yaml")
    assert "MLGATE_ID" not in commands.command_env(plain, "r")
    assert "MLGATE_FEATURES" not in commands.command_env(plain, "r")
