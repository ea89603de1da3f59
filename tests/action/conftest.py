"""A real repository made from the example project by `mlgate init`, the loopback GitHub,
and the harness that runs its workflows as GitHub's runner would.

The harness keeps its cache and artifacts for the whole session, as GitHub keeps a
repository's: the first test installs mlgate's environment (cold), the rest restore it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mlgate import scaffold
from tests.action import events
from tests.conftest import REPO_ROOT, git
from tests.github.server import FakeGitHub, running
from tests.harness.runner import JobResult, run_job

TOKEN = "ghs_" + "w0rkfl0w" * 4 + "abcd"  # what GITHUB_TOKEN looks like
# pip's cache from before the tests' fake HOME: the cold install downloads nothing twice
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or os.path.expanduser("~/.cache/pip")


@pytest.fixture(scope="session")
def harness_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("harness-state")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with running() as fake:
        yield fake


@dataclass
class Repo:
    root: Path
    base: str  # main's commit
    head: str  # the pull request branch's commit
    github: FakeGitHub
    state: Path
    runs: list[JobResult] = field(default_factory=list)

    def artifact(self, run: JobResult, name: str = "mlgate-run") -> Path:
        """Where the harness keeps an artifact a run uploaded."""
        return self.state / "artifacts" / str(run.run_id) / name

    def run(
        self,
        workflow: str,
        event_name: str,
        payload: dict[str, Any],
        *,
        job: str = "model",
        run_id: int | None = None,
        token: str = TOKEN,
        sha: str | None = None,
        workspace: Path | None = None,
    ) -> JobResult:
        """One job of one of the repository's workflows, for this event (in `workspace`:
        the checkout by default; an empty folder for a job that checks out nothing)."""
        path = events.write(self.root.parent / "events" / f"{event_name}.json", payload)
        env = {
            "GITHUB_API_URL": self.github.url,
            "PIP_CACHE_DIR": PIP_CACHE,
            "GITHUB_REPOSITORY": events.REPOSITORY,
        }
        if sha:
            env["GITHUB_SHA"] = sha
        result = run_job(
            self.root / ".github/workflows" / workflow,
            job,
            event_name=event_name,
            event_path=path,
            workspace=workspace or self.root,
            state_dir=self.state,
            env=env,
            actions={"mlgate/mlgate": REPO_ROOT},
            secrets={"GITHUB_TOKEN": token},
            run_id=run_id,
        )
        self.runs.append(result)
        return result


@pytest.fixture
def repo(tmp_path: Path, github: FakeGitHub, harness_state: Path) -> Repo:
    """`mlgate init --example` in an empty repository, committed on main; then a branch
    `feature` that changes a parameter, checked out as a pull request's job has it."""
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    scaffold.init(root, example=True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the example, as mlgate init writes it")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("C: 0.5", "C: 0.4"))
    git(root, "commit", "-q", "-am", "Tune C")
    return Repo(
        root=root,
        base=base,
        head=git(root, "rev-parse", "HEAD"),
        github=github,
        state=harness_state,
    )
