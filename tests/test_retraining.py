"""The retraining a monitoring alarm starts, for real: a git repository with a bare origin,
the loopback GitHub API checked against GitHub's description, and DVC with a local remote.
One branch, one pull request, the report and check posted on it; the same alarm again
changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from mlgate import manifest as manifests
from mlgate import retraining
from mlgate.ci import jobs
from mlgate.ci.plan import plan
from mlgate.github.context import ActionsContext
from tests import ahead, projects
from tests.conftest import git
from tests.github.conftest import TOKEN
from tests.github.server import FakeGitHub, running
from tests.registry.conftest import make_project

pytestmark = pytest.mark.e2e  # trainings (the candidate and its baseline), DVC's processes

# The first test retrains for real; the others are about what happens to the data around a
# retraining (DVC's update, data.prepare's export, a refresh that changed nothing): each
# run's training is still a process, which copies the model train.py fitted ahead, in this
# process, on the rows it reads (tests/ahead.py's `rows_picking` and `fit_on`)

BRANCH = "mlgate/retrain/iris"
# the data team's fresh export: the training rows with each fifth one left out, the same
# every time it runs
REFRESH = """\
import pandas as pd
frame = pd.read_csv("data/train.csv")
frame[frame.index % 5 != 4].to_csv("data/train.csv", index=False)
"""
MONITOR = "monitor:\n  on_drift: retrain\n  refresh: python refresh.py\n"


def context(fake: FakeGitHub, root: Path) -> ActionsContext:
    return ActionsContext(
        event_name="workflow_dispatch",
        repository="o/r",
        api_url=fake.url,
        token=TOKEN,
        default_branch="main",
        ref="refs/heads/main",
        sha=git(root, "rev-parse", "HEAD"),
        inputs={"reason": "monitoring alarm (issue #7)"},
    )


def fresh_checkout(root: Path) -> None:
    """What a new runner's checkout of main is: the refresh's change gone."""
    git(root, "checkout", "-q", "--", ".")


def test_an_alarm_retrains_into_one_pull_request_and_the_same_alarm_changes_nothing(
    tmp_path: Path,
) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    project = make_project(
        tmp_path / "repo",
        origin=origin,
        files={"refresh.py": REFRESH, "mlops.yaml": _iris_manifest() + MONITOR},
    )
    root = project.root
    base = git(root, "rev-parse", "HEAD")
    with running() as fake:
        fake.add_branch(BRANCH)  # the fake does not see git pushes: it is told the branch
        ctx = context(fake, root)
        chosen = plan(ctx, "retrain-pr")
        outcome = jobs.execute(chosen, jobs.Job(ctx=ctx, load=lambda: project.manifest))
        assert chosen.job == "retrain-pr"
        tip = git(origin, "rev-parse", f"refs/heads/{BRANCH}")
        assert git(origin, "rev-parse", f"{tip}^") == base
        assert git(origin, "diff", "--name-only", base, tip) == "data/train.csv"
        assert git(origin, "show", f"{tip}:data/train.csv").count("\n") == 96  # 120 rows - 24
        assert "Retrain iris: monitoring alarm (issue #7)" in git(origin, "log", "-1", tip)
        (pull,) = fake.pulls.values()
        assert (pull["head"]["ref"], pull["base"]["ref"]) == (BRANCH, "main")
        assert pull["title"] == "Retrain iris on refreshed data"
        assert "mlgate retrained **iris** after monitoring alarm (issue #7)" in pull["body"]
        assert "- `data/train.csv`" in pull["body"]
        assert "starts no workflow of its own" in pull["body"]
        # the run gated the model itself and posted on the pull request it opened
        assert outcome.result is not None and outcome.result.verdict == "passed"
        assert outcome.result.compare.baseline.ref == base  # against the default branch's
        (comment,) = fake.comments[pull["number"]]
        assert "<!-- mlgate:model=iris -->" in comment["body"]
        (check,) = fake.check_runs
        assert (check["head_sha"], check["name"]) == (tip, "mlgate / iris")
        assert f"branch {BRANCH}: created ({tip[:12]})" in outcome.lines
        assert f"pull request: created {pull['html_url']}" in outcome.lines

        fresh_checkout(root)
        again = retraining.retrain(project.manifest, context(fake, root))
        assert (again.pushed.action, again.pull.action, again.result) == (
            "unchanged",
            "unchanged",
            None,
        )
        assert git(origin, "rev-parse", f"refs/heads/{BRANCH}") == tip
        assert len(fake.pulls) == 1 and len(fake.check_runs) == 1
        assert len(fake.comments[pull["number"]]) == 1
        assert again.lines[-1].startswith("nothing changed since the last retraining")

        # a retraining that died after opening its pull request left it with no report:
        # it was called done ("its pull request holds its report") and never redone
        fake.check_runs.clear()
        fresh_checkout(root)
        redone = retraining.retrain(project.manifest, context(fake, root))
        assert (redone.pushed.action, redone.pull.action) == ("unchanged", "unchanged")
        assert redone.result is not None and redone.result.verdict == "passed"
        assert "its pull request has no report on this commit: training it again" in redone.lines
        (check,) = fake.check_runs
        assert check["head_sha"] == tip


DVC = shutil.which("dvc", path=str(Path(sys.executable).parent)) or "dvc"


def dvc(root: Path, *args: str) -> str:
    done = subprocess.run([DVC, *args], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_data_imported_with_dvc_is_updated_and_pushed_before_the_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No monitor.refresh: `dvc update` of the imported training data, `dvc push` of the
    new version to the DVC remote, and only the .dvc file committed."""
    monkeypatch.setenv("PATH", f"{Path(DVC).parent}{os.pathsep}{os.environ['PATH']}")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    project = make_project(
        tmp_path / "repo",
        origin=origin,
        files={
            "mlops.yaml": _iris_manifest() + "monitor: {on_drift: retrain}\n",
            **ahead.rows_picking(),
        },
    )
    root = project.root
    source = tmp_path / "exports" / "train.csv"  # where the data team's export lands
    source.parent.mkdir()
    shutil.move(root / "data" / "train.csv", source)
    git(root, "rm", "-q", "--cached", "data/train.csv")  # DVC tracks it from now on
    dvc(root, "init", "-q")
    dvc(root, "config", "core.analytics", "false")
    dvc(root, "remote", "add", "-d", "local", str(tmp_path / "dvc-remote"))
    dvc(root, "import-url", str(source), "data/train.csv")
    dvc(root, "push", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "dvc")
    git(root, "push", "-q", "origin", "main")
    base = git(root, "rev-parse", "HEAD")
    lines = source.read_text().splitlines()
    source.write_text("\n".join(lines[:-10]) + "\n")  # the export changed: ten rows fewer
    ahead.fit_on(source.read_text())
    loaded = manifests.load(root / "mlops.yaml")
    with running() as fake:
        fake.add_branch(BRANCH)
        done = retraining.retrain(loaded, context(fake, root))
    tip = git(origin, "rev-parse", f"refs/heads/{BRANCH}")
    assert done.pushed.changed == ("data/train.csv.dvc",)
    assert git(origin, "diff", "--name-only", base, tip) == "data/train.csv.dvc"
    md5 = yaml.safe_load(git(origin, "show", f"{tip}:data/train.csv.dvc"))["outs"][0]["md5"]
    remote = tmp_path / "dvc-remote" / "files" / "md5" / md5[:2] / md5[2:]
    assert remote.is_file()  # pushed to the DVC remote: the pull request's run can pull it
    assert remote.read_text() == source.read_text()
    assert done.lines[0] == "refresh: dvc update data/train.csv.dvc"
    assert done.result is not None and done.result.verdict == "passed"


def _iris_manifest() -> str:
    from tests.projects import IRIS_MANIFEST
    from tests.registry.conftest import ENVIRONMENTS

    return IRIS_MANIFEST + ENVIRONMENTS


def test_a_folder_imported_with_dvc_is_updated_by_its_own_dvc_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dvc import-url` of the data team's export folder: data/train.csv has no .dvc file
    of its own, and the refresh said there was nothing to update."""
    monkeypatch.setenv("PATH", f"{Path(DVC).parent}{os.pathsep}{os.environ['PATH']}")
    exports = tmp_path / "exports"
    root = tmp_path / "repo"
    files = projects.iris_files(Path())
    projects.write(root, {k: v for k, v in files.items() if not k.startswith("data/")})
    projects.write(
        exports, {k.removeprefix("data/"): v for k, v in files.items() if k.startswith("data/")}
    )
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    dvc(root, "config", "core.analytics", "false")
    dvc(root, "import-url", str(exports), "data")
    loaded = manifests.load(root / "mlops.yaml")
    before = (root / "data/train.csv").read_text()
    lines = (exports / "train.csv").read_text().splitlines()
    (exports / "train.csv").write_text("\n".join(lines[:-10]) + "\n")  # ten rows fewer
    assert retraining.refreshed(loaded) == "dvc update data.dvc"
    assert (root / "data/train.csv").read_text() == (exports / "train.csv").read_text() != before


def test_a_refresh_that_changed_nothing_opens_no_pull_request_and_tells_the_alarm(
    tmp_path: Path,
) -> None:
    """No monitor.refresh, no DVC import, no data.prepare: the data is the default
    branch's own. An empty commit was pushed and a pull request opened "on refreshed data",
    with 0 files changed, its model compared with no baseline ("this very commit")."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    project = make_project(
        tmp_path / "repo",
        origin=origin,
        files={
            "mlops.yaml": _iris_manifest() + "monitor: {on_drift: retrain}\n",
            **ahead.rows_picking(),
        },
    )
    with running() as fake:
        fake.add_branch(BRANCH)
        issue = fake.add_issue("iris: production data drifted", "alarm")["number"]
        ctx = replace(
            context(fake, project.root), inputs={"reason": f"monitoring alarm (issue #{issue})"}
        )
        done = retraining.retrain(project.manifest, ctx)
        comments = fake.comments.get(issue, [])
    assert (done.pushed, done.pull, done.result) == (None, None, None)
    assert not fake.pulls
    assert git(origin, "for-each-ref", f"refs/heads/{BRANCH}") == ""
    assert done.lines[1].startswith("nothing to retrain on: the refresh changed no file")
    assert "no pull request opened, nothing trained" in done.lines[1]
    (comment,) = comments
    assert "found nothing to retrain on" in comment["body"]
    assert f"issue #{issue}: created a comment" in done.lines[-1]


PREPARE = """\
import os, shutil
os.makedirs("data", exist_ok=True)
for name in ("train.csv", "test.csv"):
    shutil.copy(os.path.join(os.environ["IRIS_EXPORTS"], name), os.path.join("data", name))
"""


def prepared_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An iris project registered and promoted to production, then made to take its data
    from the warehouse's export: data.prepare copies it into ignored files. Its root and
    the export's folder."""
    from tests.registry.conftest import promote

    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    project = promote(
        make_project(
            tmp_path / "repo",
            origin=origin,
            files={
                "prepare.py": PREPARE,
                "mlops.yaml": _iris_manifest() + MONITOR_PREPARE,
                **ahead.rows_picking(),
            },
        )
    )
    root = project.root
    exports = tmp_path / "exports"
    exports.mkdir()
    for name in ("train.csv", "test.csv"):
        shutil.copy(root / "data" / name, exports / name)
    monkeypatch.setenv("IRIS_EXPORTS", str(exports))
    git(root, "rm", "-q", "--cached", "data/train.csv", "data/test.csv")
    (root / ".gitignore").write_text("models/\ndata/\n")
    text = (root / "mlops.yaml").read_text()
    (root / "mlops.yaml").write_text(
        text.replace("data:\n", "data:\n  prepare: python prepare.py\n", 1)
    )
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "prepared")
    git(root, "push", "-q", "origin", "main")
    return root, exports


def test_data_prepare_fetching_new_data_retrains_against_the_version_in_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same export as production's version was trained on: no pull request (an empty
    one was opened "on refreshed data"). Another export: a pull request, its model compared
    with the version production holds (it was compared with none, "is this very commit")."""
    root, exports = prepared_project(tmp_path, monkeypatch)
    loaded = manifests.load(root / "mlops.yaml")
    with running() as fake:
        fake.add_branch(BRANCH)
        same = retraining.retrain(loaded, context(fake, root))
        assert (same.pull, same.result) == (None, None)
        assert "data.prepare made the data production (v0.1.0) was trained" in same.lines[1]
        assert not fake.pulls

        rows = (exports / "train.csv").read_text().splitlines()
        (exports / "train.csv").write_text("\n".join(rows[:-20]) + "\n")  # the export changed
        ahead.fit_on((exports / "train.csv").read_text())
        first = retraining.retrain(loaded, context(fake, root))
        assert first.pull is not None and first.pull.action == "created"
        assert first.result is not None
        compared = first.result.compare
        assert compared is not None
        assert (compared.baseline.kind, compared.baseline.ref) == ("stage", "production")
        assert "no file: data.prepare made other data" in fake.pulls[first.pull.number]["body"]


def test_an_export_changed_while_the_pull_request_is_open_is_trained_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next alarm after data.prepare's export changed said "same base, same data",
    trained nothing, and the open pull request kept the old model's report."""
    root, exports = prepared_project(tmp_path, monkeypatch)
    loaded = manifests.load(root / "mlops.yaml")
    rows = (exports / "train.csv").read_text().splitlines()
    (exports / "train.csv").write_text("\n".join(rows[:-20]) + "\n")
    ahead.fit_on((exports / "train.csv").read_text())
    with running() as fake:
        fake.add_branch(BRANCH)
        first = retraining.retrain(loaded, context(fake, root))
        assert first.result is not None

        again = retraining.retrain(loaded, context(fake, root))  # the same export
        assert again.result is None
        assert again.lines[-1].startswith("nothing changed since the last retraining")

        (exports / "train.csv").write_text("\n".join(rows[:-40]) + "\n")  # changed again
        ahead.fit_on((exports / "train.csv").read_text())
        fresh = retraining.retrain(loaded, context(fake, root))
        assert fresh.pull is not None and fresh.pull.action == "updated"
        assert fresh.result is not None and fresh.result.run_id != first.result.run_id
        trained = {d.role: d.rows for d in fresh.result.data.datasets}
        assert trained["train"] == len(rows) - 41  # the new export's rows, less the header
        assert len(fake.check_runs) == 2


MONITOR_PREPARE = "monitor: {on_drift: retrain}\n"
