"""Secrets under names mlgate does not own (HF_TOKEN, AWS_SECRET_ACCESS_KEY, a DATABASE_URL
with a password) are kept from a training command unless the manifest passes them, and
are *** in run.json and report.md when a passed one is printed (audit S, finding 2); the
runner's file commands are never handed to a command (finding 4)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlgate import commands, credentials, pipeline
from mlgate import manifest as mf
from mlgate.manifest.spec import Command
from tests import projects

HF = "hf_" + "Zq8aLw0pXv" * 3
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DB_PASSWORD = "Pg-pa55word-" + "x7" * 4
DATABASE_URL = f"postgresql://trainer:{DB_PASSWORD}@db.internal:5432/features"
WANDB = "wandb" + "0123456789abcdef" * 2
SECRETS = {
    "HF_TOKEN": HF,
    "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
    "DATABASE_URL": DATABASE_URL,
    "WANDB_API_KEY": WANDB,
}
NOT_SECRET = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "GIT_AUTHOR_NAME": "Ada Trainer"}
RUNNER_FILES = ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")

# a well-meaning script that prints its configuration, the database's password on its
# own too, then fails (so that the report shows its whole log)
TRAIN = f"""\
import os, sys
names = {sorted([*SECRETS, *NOT_SECRET, *RUNNER_FILES])!r}
print("config:", {{n: os.environ.get(n, "<absent>") for n in names}})
url = os.environ.get("DATABASE_URL")
if url:
    print("db password:", url.split(":")[2].split("@")[0])
sys.exit(1)
"""


@pytest.mark.parametrize(
    "name",
    [
        "HF_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "WANDB_API_KEY",
        "OPENAI_APIKEY",
        "DB_PASSWORD",
        "smtp_passwd",
        "SSH_PRIVATE_KEY",
        "AZURE_STORAGE_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "NPM_AUTH",
        "MINIO_SECRET",
        "GITHUB_TOKEN",
        "ACTIONS_RUNTIME_URL",
    ],
)
def test_a_name_that_says_it_holds_a_secret_is_a_credential(name: str) -> None:
    assert credentials.is_credential(name)


@pytest.mark.parametrize(
    "name",
    [
        "PATH",
        "HOME",
        "PWD",
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "GIT_AUTHOR_NAME",
        "GIT_ASKPASS",
        "DVC_NO_ANALYTICS",
        "DVC_GLOBAL_CONFIG_DIR",
        "KEYBOARD",
        "GITHUB_REPOSITORY",
    ],
)
def test_a_name_that_does_not_is_not(name: str) -> None:
    assert not credentials.is_credential(name, "/some/value")


def test_a_url_with_a_password_is_a_credential_whatever_its_name() -> None:
    assert credentials.is_credential("DATABASE_URL", DATABASE_URL)
    assert credentials.is_credential("REDIS", "redis://:s3cretpassword@cache:6379/0")
    assert not credentials.is_credential("DATABASE_URL", "postgresql://trainer@db/features")
    assert not credentials.is_credential("HOMEPAGE", "https://example.org/a:b@c")
    found = credentials.values({"DATABASE_URL": DATABASE_URL, "TEAM": "x"})
    assert found == (DATABASE_URL, DB_PASSWORD)  # the password printed alone too


def test_a_short_value_is_not_masked() -> None:
    """A value under 8 characters would mask a common word wherever it is said."""
    assert credentials.values({"DB_PASSWORD": "admin", "HF_TOKEN": HF}) == (HF,)


def test_the_runner_file_commands_are_never_handed_to_a_command(tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    loaded = mf.load(root / "mlops.yaml")
    base = {"PATH": "/bin", **{n: f"/runner/_file_commands/{n}" for n in RUNNER_FILES}}
    for command in (
        Command(shell="x", timeout_s=5),
        Command(shell="x", timeout_s=5, pass_env=RUNNER_FILES),
    ):
        env = commands.request(loaded, command, "r", base).env
        assert not set(env) & set(RUNNER_FILES), sorted(env)
        assert env["PATH"] == "/bin"


def _project(make_repo, pass_env: tuple[str, ...]) -> Path:
    manifest = projects.IRIS_MANIFEST.replace(
        "  command: python train.py\n",
        "  command: python train.py\n"
        + (f"  pass_env: [{', '.join(pass_env)}]\n" if pass_env else ""),
    )
    return make_repo(projects.iris_files(Path(), manifest=manifest, train=TRAIN))


def _published(root: Path, run_id: str) -> dict[str, str]:
    folder = root / ".mlgate" / "runs" / run_id
    return {name: (folder / name).read_text() for name in ("run.json", "report.md", "train.log")}


@pytest.mark.e2e
def test_a_secret_the_manifest_does_not_pass_is_absent_from_the_training(make_repo) -> None:
    root = _project(make_repo, ())
    env = {**os.environ, **SECRETS, **NOT_SECRET}
    env.update({n: str(root / f".{n.lower()}") for n in RUNNER_FILES})
    result = pipeline.run(mf.load(root / "mlops.yaml"), env=env)
    assert result.train.outcome is not None and result.train.outcome.exit_code == 1
    said = "\n".join(result.train.outcome.log_tail)
    for name in [*SECRETS, *RUNNER_FILES]:
        assert f"'{name}': '<absent>'" in said, said
    for name, value in NOT_SECRET.items():  # an id, a git variable: the tools need them
        assert f"'{name}': '{value}'" in said, said
    assert "db password" not in said
    for where, text in _published(root, result.run_id).items():
        for value in SECRETS.values():
            assert value not in text, where


@pytest.mark.e2e
def test_a_secret_passed_by_name_and_printed_is_masked_in_run_json_and_report(
    make_repo,
) -> None:
    root = _project(make_repo, tuple(SECRETS))
    env = {**os.environ, **SECRETS, **NOT_SECRET}
    result = pipeline.run(mf.load(root / "mlops.yaml"), env=env)
    assert result.train.outcome is not None and result.train.outcome.exit_code == 1
    published = _published(root, result.run_id)
    for where, text in published.items():
        for value in [*SECRETS.values(), DB_PASSWORD]:
            assert value not in text, (where, value)
    config = next(line for line in result.train.outcome.log_tail if line.startswith("config:"))
    for name in SECRETS:
        assert f"'{name}': '***'" in config, config  # passed, so there, and masked
    assert "'AWS_ACCESS_KEY_ID': 'AKIAIOSFODNN7EXAMPLE'" in config  # an id is no secret
    assert "db password: ***" in published["report.md"]
    saved = json.loads(published["run.json"])
    assert "'HF_TOKEN': '***'" in json.dumps(saved)
