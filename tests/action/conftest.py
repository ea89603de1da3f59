"""A real repository made from the example project by `mlgate init`, the loopback GitHub,
and the harness that runs its workflows as GitHub's runner would.

The harness keeps its cache and artifacts for the whole session, as GitHub keeps a
repository's. Each worker installs mlgate's environment once, cold, through the action
itself (`warm_state`); every test's job then restores it from the cache, as a repository's
later runs do, whatever order the tests run in and whether or not they pass.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import os
import runpy
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mlgate import action_pin, scaffold
from tests.action import events
from tests.conftest import REPO_ROOT, git, isolate
from tests.github.server import FakeGitHub, running
from tests.harness.runner import JobResult, run_job, run_workflow

TOKEN = "ghs_" + "w0rkfl0w" * 4 + "abcd"  # what GITHUB_TOKEN looks like
# pip's cache from before the tests' fake HOME: the cold install downloads nothing twice
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or os.path.expanduser("~/.cache/pip")


# the state holds mlgate's environment twice (the cache's tar and the restored copy, about
# 1 GB): on a RAM disk a restore takes a fifth of the time it takes on ext4
RAM_DISK = Path("/dev/shm")
RAM_DISK_NEEDED = 4 << 30


@pytest.fixture(scope="session")
def harness_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The worker's harness state: on the RAM disk where it has room, else under pytest's
    temporary folder (a container's /dev/shm is often 64 MB)."""
    if RAM_DISK.is_dir() and shutil.disk_usage(RAM_DISK).free > RAM_DISK_NEEDED:
        state = Path(tempfile.mkdtemp(prefix="mlgate-harness-", dir=RAM_DISK))
        try:
            yield state
        finally:
            shutil.rmtree(state, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("harness-state")


@pytest.fixture(scope="session")
def warm_state(harness_state: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The harness state once a first job has installed mlgate's environment and saved it.

    A job that fails saves no cache (actions/cache's rule), so without this every test
    whose job is meant to fail would install mlgate cold again."""
    with session_repo(tmp_path_factory, harness_state) as repo:
        result = repo.run(
            custom_workflow(repo, "pull_request", command="validate"),
            "pull_request",
            events.pull_request(number=1, head_sha=repo.head, base_sha=repo.base),
        )
    assert result.conclusion == "success", result.log[-3000:]
    assert "Successfully installed" in result.log  # the cold path, through pip
    index = (harness_state / "cache" / "index.json").read_text()
    assert '"mlgate-env-' in index, index
    # a job that only validated still leaves the bytecode of what runs import in the cache
    (saved,) = (harness_state / "cache").glob("mlgate-env-*.tar")
    listing = subprocess.run(["tar", "-tf", str(saved)], capture_output=True, text=True).stdout
    for module in ("pandas/__init__", "sklearn/metrics/__init__", "mlgate/pipeline/flow"):
        assert f"{module.rpartition('/')[0]}/__pycache__/{module.rpartition('/')[2]}." in listing
    return harness_state


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
        result = run_job(
            self.root / ".github/workflows" / workflow,
            job,
            **self._harness(event_name, payload, run_id, token, sha, workspace),
        )
        self.runs.append(result)
        return result

    def run_workflow(
        self,
        workflow: str,
        event_name: str,
        payload: dict[str, Any],
        *,
        run_id: int | None = None,
        token: str = TOKEN,
    ) -> dict[str, JobResult]:
        """Every job of one of the repository's workflows, for this event, in the checkout
        (a matrix job's result aggregates its instances)."""
        results = run_workflow(
            self.root / ".github/workflows" / workflow,
            **self._harness(event_name, payload, run_id, token, None, None),
        )
        self.runs.extend(results.values())
        return results

    def _harness(
        self,
        event_name: str,
        payload: dict[str, Any],
        run_id: int | None,
        token: str,
        sha: str | None,
        workspace: Path | None,
    ) -> dict[str, Any]:
        """What the harness is given to run the repository's workflows as GitHub would."""
        path = events.write(self.root.parent / "events" / f"{event_name}.json", payload)
        env = {
            "GITHUB_API_URL": self.github.url,
            "PIP_CACHE_DIR": PIP_CACHE,
            "GITHUB_REPOSITORY": events.REPOSITORY,
        }
        if sha:
            env["GITHUB_SHA"] = sha
        return {
            "event_name": event_name,
            "event_path": path,
            "workspace": workspace or self.root,
            "state_dir": self.state,
            "env": env,
            "actions": {"mlgate/mlgate": REPO_ROOT},
            "secrets": {"GITHUB_TOKEN": token},
            "run_id": run_id,
        }


@pytest.fixture
def repo(tmp_path: Path, github: FakeGitHub, warm_state: Path) -> Repo:
    """The example's repository, its data prepared and its models fitted ahead
    (`run_ahead`): for the tests of what the action does around a run."""
    return example_repo(tmp_path / "repo", github, warm_state, ahead=True)


@pytest.fixture
def trained_repo(tmp_path: Path, github: FakeGitHub, warm_state: Path) -> Repo:
    """The example's repository as `mlgate init --example` writes it: every job prepares
    and trains for real, as the user's does."""
    return example_repo(tmp_path / "repo", github, warm_state)


@contextmanager
def session_repo(
    factory: pytest.TempPathFactory, state: Path, *, ahead: bool = False
) -> Iterator[Repo]:
    """`example_repo` for a fixture wider than a test (set up before `isolated_git`):
    with its own isolated git and loopback GitHub. Git's dates are pinned, so its commits
    are every test's `repo`'s (`trained_repo`'s, without `ahead`)."""
    with pytest.MonkeyPatch.context() as monkeypatch, running() as fake:
        isolate(factory.mktemp("home"), monkeypatch)
        yield example_repo(factory.mktemp("repo") / "repo", fake, state, ahead=ahead)


# The example's own prepare.py and train.py, run once a process (`_ahead`), and scripts
# that copy what they wrote, as tests/ahead.py does for the iris project: for the tests
# about what the action does around a run (its comment, its hand-over, hostile input), a
# job's data checks, training, evaluation and comparison are the same, without two
# processes a commit that import pandas and scikit-learn (3.4 s of CPU; a base commit's
# run twice that). Tests of what a run trains use `trained_repo`.
AHEAD_MARK = "# run ahead (tests/action/conftest.py): this copies what the example's own {} wrote"
AHEAD_CS = (0.5, 0.4, 2.0)  # main's C, the pull request's, and the sweep's other value
PREPARE_AHEAD = (
    AHEAD_MARK.format("prepare.py")
    + """
import os, shutil, sys
for env, default in (
    ("MLGATE_DATA_TRAIN", "data/train.csv"), ("MLGATE_DATA_TEST", "data/test.csv")
):
    path = os.environ.get(env, default)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    shutil.copy(os.path.join({folder!r}, os.path.basename(default)), path)
sys.stdout.write(open({said!r}).read())
sys.stderr.write(open({warned!r}).read())
"""
)
TRAIN_AHEAD = (
    AHEAD_MARK.format("train.py for params.yaml's C")
    + """
import os, shutil, sys, yaml
C = yaml.safe_load(open(os.environ.get("MLGATE_PARAMS", "params.yaml")))["train"]["C"]
fitted = os.path.join({folder!r}, str(C))
out = os.environ.get("MLGATE_MODEL", "models/model.joblib")
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
shutil.copy(os.path.join(fitted, "model.joblib"), out)
sys.stdout.write(open(os.path.join(fitted, "stdout")).read())
sys.stderr.write(open(os.path.join(fitted, "stderr")).read())
"""
)


def _run_script(script: Path, env: dict[str, str], said: Path, warned: Path) -> None:
    """One of the example's scripts run in this process, from its folder, with `env`;
    what it printed kept in `said` and `warned` (its warnings as Python shows them)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("default")
        monkeypatch.chdir(script.parent)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        runpy.run_path(str(script), run_name="__main__")
    said.write_text(out.getvalue())
    shown = (warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    warned.write_text(err.getvalue() + "".join(shown))


@functools.cache  # once a process: the same scripts, the same data and fits
def _ahead() -> tuple[str, str]:
    """The example's prepare.py and train.py replaced by copies of what they wrote here: the
    data (its split is seeded), and the model for each of `AHEAD_CS`."""
    folder = Path(tempfile.mkdtemp(prefix="mlgate-example-ahead-"))
    atexit.register(shutil.rmtree, folder, True)
    project = folder / "example"
    scaffold.init(project, example=True)
    data = {"MLGATE_DATA_TRAIN": str(folder / "train.csv")}
    data["MLGATE_DATA_TEST"] = str(folder / "test.csv")
    params = project / "params.yaml"
    said, warned = folder / "prepare.stdout", folder / "prepare.stderr"
    _run_script(project / "prepare.py", {**data, "MLGATE_PARAMS": str(params)}, said, warned)
    prepare = PREPARE_AHEAD.format(folder=str(folder), said=str(said), warned=str(warned))
    text = params.read_text()
    assert "C: 0.5" in text, text
    for c in AHEAD_CS:
        fitted = folder / str(c)
        fitted.mkdir()
        (fitted / "params.yaml").write_text(text.replace("C: 0.5", f"C: {c}"))
        env = {
            **data,
            "MLGATE_PARAMS": str(fitted / "params.yaml"),
            "MLGATE_TARGET": "diagnosis",
            "MLGATE_MODEL": str(fitted / "model.joblib"),
        }
        _run_script(project / "train.py", env, fitted / "stdout", fitted / "stderr")
    return prepare, TRAIN_AHEAD.format(folder=str(folder))


def run_ahead(project: Path) -> None:
    """The example at `project` with its prepare.py and train.py run ahead (`_ahead`)."""
    prepare, train = _ahead()
    (project / "prepare.py").write_text(prepare)
    (project / "train.py").write_text(train)


def example_repo(
    root: Path,
    github: FakeGitHub,
    state: Path,
    *,
    folders: dict[str, str | None] | None = None,
    ahead: bool = False,
) -> Repo:
    """`mlgate init --example` in an empty repository, committed on main; then a branch
    `feature` that changes a parameter, checked out as a pull request's job has it.
    `folders`: the example in each of these folders instead (folder -> its model's name,
    None for the folder's), the first one's parameter changed. `ahead`: its scripts
    copy what they wrote when run ahead (`run_ahead`)."""
    folders = folders or {"": None}
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for folder, name in folders.items():
        scaffold.init(root / folder, example=True, name=name)
        if ahead:
            run_ahead(root / folder)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the example, as mlgate init writes it")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    params = root / next(iter(folders)) / "params.yaml"
    params.write_text(params.read_text().replace("C: 0.5", "C: 0.4"))
    git(root, "commit", "-q", "-am", "Tune C")
    github.git_root = root  # GitHub serves the repository's files at a commit (contents API)
    return Repo(
        root=root,
        base=base,
        head=git(root, "rev-parse", "HEAD"),
        github=github,
        state=state,
    )


def custom_workflow(repo: Repo, on: str, **with_: str) -> str:
    """A workflow of the user's that calls the action with `with_`."""
    given = "".join(f"\n          {k}: {v!r}" for k, v in with_.items())
    path = repo.root / ".github/workflows/custom.yml"
    path.write_text(f"""name: custom
on: {on}
permissions: {{}}
jobs:
  model:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - uses: {action_pin.uses()}
        with:{given or " {}"}
""")
    return path.name
