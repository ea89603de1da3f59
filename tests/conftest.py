"""Fixtures every test shares: an isolated git identity and real temporary repositories."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# GitHub's API description subset and real webhook payloads, copied into the project
# (tests/fixtures/SOURCES.md says from where and under which license)
FIXTURES = REPO_ROOT / "tests" / "fixtures"
EXAMPLE = REPO_ROOT / "templates" / "projects" / "breast-cancer"
# every test in these folders is end to end (docs/testing.md): collection fails on one
# that is not marked, rather than let it slip into the fast tier
ACTION_TESTS = REPO_ROOT / "tests" / "action"
E2E_FOLDERS = (ACTION_TESTS,)
# each runs on one worker, whole (docs/testing.md): the action's tests share one cold
# install; the Ray tests one Ray head, whose Ray Client servers take ports from a fixed
# range (23000 up), so that two heads at once on two workers refused clients
ONE_WORKER = ("tests/action/", "tests/sweep/test_ray.py")

# Bytecode is cached, as Python does by default, even where PYTHONDONTWRITEBYTECODE is set
# (this machine sets it): without it every test module's assertions are rewritten again
# in each worker, and every `mlgate` process the tests start compiles mlgate again (4 s
# of collection a worker, half a second a process). Set before the workers start, so
# they and every process they start inherit it; `__pycache__/` is in .gitignore.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


@pytest.hookimpl(tryfirst=True)  # before `-m "not e2e"` deselects anything
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if any(item.path.is_relative_to(folder) for folder in E2E_FOLDERS)
        and item.get_closest_marker("e2e") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "end-to-end tests not marked e2e (add `pytestmark = pytest.mark.e2e`):\n  "
            + "\n  ".join(unmarked)
        )


@pytest.hookimpl(optionalhook=True)  # `-p no:xdist` has no such hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """Longest first, fast tests last, the action's tests and the Ray tests each on one
    worker (docs/testing.md).

    The action's tests are one unit: its environment is installed cold once (`warm_state`,
    25 s of both cores when each worker did it) and the fork's run made once. (xdist's own
    `--dist loadgroup` marks node ids, which pytest 9.2 no longer reads: pytest-xdist#1386,
    fix open in #1388.) Each end-to-end test is a unit of its own, handed out first, so
    that the run does not end on one worker with a long test while the other waits; a
    module of fast tests is one unit (one message per module, not per test), handed out
    last, biggest first, to fill in. The fast tier alone keeps xdist's own scheduler, which
    hands out tests in batches: 80 s where one at a time took 86 to 91."""
    if "not e2e" in (config.option.markexpr or ""):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for whole in ONE_WORKER:
                if nodeid.startswith(whole):
                    return whole
            module = nodeid.split("::")[0]
            return nodeid if _has_e2e(module) else module

        def schedule(self) -> None:
            first = self.collection is None
            super().schedule()
            if first:  # what is left after each worker's first units, longest first
                units = list(self.workqueue.items())
                units.sort(key=lambda unit: (not _has_e2e(unit[0].split("::")[0]), -len(unit[1])))
                self.workqueue.clear()
                self.workqueue.update(units)

    config.option.loadscopereorder = False  # collection order for the first units: the action's
    return LongestFirst(config, log)


@functools.cache
def _has_e2e(module: str) -> bool:
    """Whether a test module (a path from the root) marks any test end to end; read, not
    imported: the scheduler runs before any worker has collected."""
    path = REPO_ROOT / module
    if any(path.is_relative_to(folder) for folder in E2E_FOLDERS):
        return True
    try:
        return "mark.e2e" in path.read_text("utf-8")
    except OSError:
        return False


_in_fast_tier = True  # the test being set up or run is not marked e2e (pytest_runtest_setup)


@pytest.hookimpl(tryfirst=True)  # before any of the test's fixtures is set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _in_fast_tier
    _in_fast_tier = item.get_closest_marker("e2e") is None


def in_fast_tier() -> bool:
    """Whether the test being set up or run is in the fast tier (not marked e2e), for setup
    shared through functions rather than fixtures (`make_project`)."""
    return _in_fast_tier


# The fast tier runs no training: a test whose user commands run this long before they
# finish (a training process importing scikit-learn takes 1.5 s; `python -c ...` 30 ms;
# a command stopped at a timeout the test chose is not counted) is end to end, and fails
# until it is marked so (docs/testing.md)
USER_COMMANDS_LIMIT_S = 1.0
_sharing = False  # inside shared_setup()


@contextmanager
def shared_setup() -> Iterator[None]:
    """Training done once for many tests (`make_project`), not counted against the test
    that happens to ask first."""
    global _sharing
    _sharing = True
    try:
        yield
    finally:
        _sharing = False


@pytest.fixture(autouse=True)
def fast_tier_trains_nothing(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    if request.node.get_closest_marker("e2e") is not None:
        yield
        return
    from mlgate import commands

    spent: list[tuple[str, float]] = []
    real = commands.run

    def timed(*args: object, **kwargs: object) -> commands.CommandOutcome:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        if not _sharing and not outcome.timed_out:
            spent.append((outcome.command, outcome.duration_s))
        return outcome

    monkeypatch.setattr(commands, "run", timed)
    yield
    total = sum(seconds for _, seconds in spent)
    if total > USER_COMMANDS_LIMIT_S:
        ran = ", ".join(f"`{command}` {seconds:.1f} s" for command, seconds in spent)
        pytest.fail(
            f"this test spent {total:.1f} s in the user's commands ({ran}): it trains, so "
            "it is end to end; mark it @pytest.mark.e2e (docs/testing.md)",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def every_compared_run_agrees_with_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each compared run a test saves (in this process) is decided again from its figures
    as the fork report's job decides a fork's (compare/recheck.py): an honest run is never
    taken for a forged one."""
    from mlgate.compare import recheck
    from mlgate.pipeline import flow

    real = flow.save

    def checked(manifest, result, folder=None) -> None:  # type: ignore[no-untyped-def]
        if result.compare is not None:
            assert recheck.disagreements(manifest, result) == [], result.run_id
        real(manifest, result, folder)

    monkeypatch.setattr(flow, "save", checked)


@pytest.fixture(scope="session")
def _one_blas_thread() -> Iterator[Callable[[], None]]:
    """The tests' own numerical work (fits, solves, sums) on one BLAS thread: each worker
    has a core, and OpenBLAS's second thread only spun against the other worker (a
    LogisticRegression fit on half of breast_cancer: 0.7 CPU-s on two threads, 0.18 s on
    one; 6.7 s while the machine was busy). Both OpenBLAS libraries (numpy's, SciPy's) are
    loaded first, as a limit holds only for what is loaded. The processes the tests start
    are not touched (their environment is the user's). Yields the way back to the
    libraries' own thread counts, for a test about threads."""
    import scipy.linalg  # noqa: F401  (loads SciPy's OpenBLAS; numpy's comes with it)
    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(limits=1, user_api="blas")
    yield limiter.restore_original_limits
    limiter.restore_original_limits()


@pytest.fixture(autouse=True)
def one_blas_thread(request: pytest.FixtureRequest, _one_blas_thread: Callable[[], None]) -> None:
    """`_one_blas_thread` for every test but one about BLAS's threads (its name says
    "blas"): that one is run as a user's process would be, with the libraries' own count
    (restored for it; limited again for the next test)."""
    if "blas" not in request.node.name:
        return
    from threadpoolctl import threadpool_limits

    _one_blas_thread()
    request.addfinalizer(lambda: threadpool_limits(limits=1, user_api="blas"))


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake HOME with a pinned identity: no test reads or writes the developer's config."""
    isolate(tmp_path_factory.mktemp("home"), monkeypatch)


def isolate(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`isolated_git`'s environment, for session fixtures too (they are set up before it)."""
    (home / ".gitconfig").write_text(
        "[user]\n\tname = mlgate tests\n\temail = tests@mlgate.invalid\n"
        "[init]\n\tdefaultBranch = main\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
    for name in (
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_PATH",
        "GITHUB_EVENT_NAME",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_BASE_REF",
        "GITHUB_HEAD_REF",
        "GITHUB_REPOSITORY",
        "GITHUB_TOKEN",
        "MLGATE_GITHUB_TOKEN",
        "GITHUB_API_URL",
        "GIT_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=os.environ.copy()
    ).stdout.strip()


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Write files into a new git repository and commit them: make_repo({"a.txt": "x"})."""

    def make(files: dict[str, str | bytes], *, name: str = "repo", commit: bool = True) -> Path:
        root = tmp_path / name
        root.mkdir()
        git(root, "init", "-q")
        for relative, content in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "initial")
        return root

    return make
