"""Register, promote and roll back on real git repositories (with a bare origin), read
back by mlgate and by the real `gto show`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import promotion
from mlgate.errors import OutsideError, UserError
from mlgate.registry import gitio, operations, state, view
from mlgate.registry.operations import Where
from tests.conftest import git
from tests.registry.conftest import Project, make_project, share_store


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_register_makes_an_immutable_version_with_its_lineage(project: Project) -> None:
    where = project.where()
    change = operations.register(where, project.manifest, project.run, actor="ana")
    assert (change.version, change.tag, change.pushed) == ("v0.1.0", "iris@v0.1.0", False)
    version = where.read().version("v0.1.0")
    record = version.record
    assert version.commit == project.run.git.commit == git(project.root, "rev-parse", "HEAD")
    assert record["run"]["id"] == project.run.run_id and record["by"] == "ana"
    assert record["metrics"]["accuracy"] == project.run.evaluate.metrics["accuracy"]
    assert {d["role"] for d in record["data"]} == {"train", "test"}
    # each file's profile is kept by hash: later data can be compared without this data
    for dataset in project.run.data.datasets:
        kept = operations.data_profile(where, version, dataset.role)
        assert kept is not None and kept.rows == dataset.rows
        assert kept.source == f"data/{dataset.role}.csv"
        assert list(kept.columns) == list(dataset.columns)
    assert operations.data_profile(where, version, "reference") is None
    model = where.store.get(record["model"]["sha256"])
    assert model.read_bytes() == (project.root / "models/model.joblib").read_bytes()
    assert (
        where.store.get(record["manifest"]["sha256"]).read_bytes()
        == (project.root / "mlops.yaml").read_bytes()
    )
    # the same commit again is the same version (GTO: one version a commit)
    again = replace(project.run, run_id="20990101T000000Z-abcdef")
    assert not operations.register(where, project.manifest, again).changed
    with pytest.raises(UserError, match="a commit has one version"):
        operations.register(where, project.manifest, again, version="v2.0.0")
    assert (
        operations.register(where, project.manifest, project.next_commit(0.5), bump="patch").version
        == "v0.1.1"
    )


def test_a_failed_or_dirty_run_is_refused_and_nothing_is_written(project: Project) -> None:
    where = project.where()
    failed = replace(project.run, verdict="failed", summary="f1 gate failed")
    with pytest.raises(UserError, match="did not pass"):
        operations.register(where, project.manifest, failed)
    dirty = replace(project.run, git=replace(project.run.git, dirty=True))
    with pytest.raises(UserError, match="uncommitted changes"):
        operations.register(where, project.manifest, dirty)
    left = ("train.log", "tab\there", *(f"f{i}" for i in range(6)))
    named = replace(project.run, git=replace(project.run.git, dirty=True, changed=left))
    with pytest.raises(UserError) as refused:
        operations.register(where, project.manifest, named)
    said = 'uncommitted changes (train.log, "tab\\there", f0, f1, f2, ...): its commit'
    assert said in str(refused.value)
    with pytest.raises(UserError, match="not a semantic version"):
        operations.register(where, project.manifest, project.run, version="v1")
    # a failed comparison made "passed" by `mlgate compare none`, every gate then "not
    # evaluated", where the manifest names main
    from mlgate.result.records import Baseline, CompareStage

    unjudged = replace(
        project.run,
        compare=CompareStage(
            status="passed",
            baseline=Baseline(
                kind="none",
                origin="the command line, in place of main from mlops.yaml line 20",
                message="none was named by the command line, in place of main",
            ),
        ),
    )
    names_main = replace(
        project.manifest,
        compare=replace(project.manifest.compare, baseline="main", baseline_kind="git"),
    )
    with pytest.raises(UserError, match="none of its gates was decided") as refused:
        operations.register(where, names_main, unjudged)
    assert refused.value.hint == "mlgate compare main, then register"
    # `mlgate compare main` where main, the manifest's own baseline, has no model yet: the
    # first model, registered as a plain run's is (the hint would have looped)
    first = replace(
        unjudged,
        compare=replace(
            unjudged.compare,
            baseline=Baseline(
                kind="none",
                origin="the command line, as mlops.yaml line 20 names it too",
                message="main has no mlops.yaml: this is the first model",
            ),
        ),
    )
    operations._gates_were_decided(names_main, first)  # no refusal
    (project.root / "models/model.joblib").write_bytes(b"swapped")
    with pytest.raises(UserError, match="changed since run"):
        operations.register(where, project.manifest, project.run)
    assert gitio.read(project.root, "iris") == []
    assert not (where.store.folder / "objects").exists()


def test_promotion_follows_the_environments_order_and_is_idempotent(project: Project) -> None:
    where = project.where()
    operations.register(where, project.manifest, project.run)
    with pytest.raises(UserError, match="has not been in staging, which production requires"):
        promotion.promote(where, project.manifest, "v0.1.0", "production")
    with pytest.raises(
        UserError,
        match=r"unknown environment 'prod' \(environments: "
        "staging, production\\)",
    ):
        promotion.promote(where, project.manifest, "v0.1.0", "prod")
    with pytest.raises(UserError, match=r"has no version v9\.9\.9 \(the newest: v0\.1\.0\)"):
        promotion.promote(where, project.manifest, "v9.9.9", "staging")
    first = promotion.promote(
        where, project.manifest, "v0.1.0", "staging", actor="ana", reason="nightly"
    )
    assert (first.tag, first.previous) == ("iris#staging#1", None)
    assert not promotion.promote(where, project.manifest, "v0.1.0", "staging").changed
    assert promotion.promote(where, project.manifest, "v0.1.0", "production").changed
    assert where.read().current("staging").record["reason"] == "nightly"


@pytest.mark.e2e  # new commits' runs, their training a process (`picked_project`)
def test_rollback_returns_to_the_version_before_and_gto_agrees(picked_project: Project) -> None:
    project = picked_project
    where = project.where()
    operations.register(where, project.manifest, project.run)
    with pytest.raises(UserError, match="staging holds no version of iris"):
        promotion.rollback(where, project.manifest, "staging")
    promotion.promote(where, project.manifest, "v0.1.0", "staging")
    with pytest.raises(UserError, match="no earlier version"):
        promotion.rollback(where, project.manifest, "staging")
    operations.register(where, project.manifest, project.next_commit(0.5))
    promotion.promote(where, project.manifest, "v0.2.0", "staging")
    assert _gto_stage(project.root, "staging") == "v0.2.0"
    back = promotion.rollback(where, project.manifest, "staging", actor="ops")
    assert (back.version, back.previous, back.tag) == ("v0.1.0", "v0.2.0", "iris#staging#3")
    assert where.read().current("staging").record["rollback"] is True
    assert _gto_stage(project.root, "staging") == "v0.1.0"


@pytest.mark.e2e  # new commits' runs, their training a process (`picked_project`)
def test_a_second_rollback_does_not_restore_the_version_just_left(picked_project: Project) -> None:
    project = picked_project
    where = project.where()
    for c in (None, 0.5, 0.6):  # v0.1.0, v0.2.0, v0.3.0, each promoted in turn
        run = project.run if c is None else project.next_commit(c)
        change = operations.register(where, project.manifest, run)
        promotion.promote(where, project.manifest, change.version, "staging")
    assert promotion.rollback(where, project.manifest, "staging").version == "v0.2.0"
    assert promotion.rollback(where, project.manifest, "staging").version == "v0.1.0"
    with pytest.raises(
        UserError,
        match=r"no earlier version to roll back to: staging holds "
        r"v0\.1\.0, and every other version it held was rolled back from "
        r"\(v0\.2\.0, v0\.3\.0\)",
    ):
        promotion.rollback(where, project.manifest, "staging")
    promotion.promote(where, project.manifest, "v0.3.0", "staging", reason="fixed")
    back = promotion.rollback(where, project.manifest, "staging")  # not to v0.2.0
    assert (back.version, back.previous) == ("v0.1.0", "v0.3.0")
    assert _gto_stage(project.root, "staging") == "v0.1.0"
    assert len(where.read().history("staging")) == 7


@pytest.mark.e2e  # a second commit's run (`picked_project`); gto runs as a process
def test_what_gto_deprecate_writes_is_read_as_gto_reads_it(picked_project: Project) -> None:
    """`gto deprecate` took a stage from a version (MODEL#STAGE!#N) or withdrew a version
    (MODEL@VERSION!): gto said the stage was empty, mlgate still named the version, and
    promoting it there again was a no-op."""
    project = picked_project
    where = project.where()
    operations.register(where, project.manifest, project.run)
    operations.register(where, project.manifest, project.next_commit(0.5))
    for version in ("v0.1.0", "v0.2.0"):
        promotion.promote(where, project.manifest, version, "staging")
    _gto(project.root, "deprecate", "iris", "v0.2.0", "staging")  # iris#staging!#3
    read = where.read()
    assert read.current("staging").version == "v0.1.0" == _gto_stage(project.root, "staging")
    assert read.next_n("staging") == 4
    assert promotion.promote(where, project.manifest, "v0.2.0", "staging").tag == "iris#staging#4"
    assert _gto_stage(project.root, "staging") == "v0.2.0"
    _gto(project.root, "deprecate", "iris", "v0.1.0")  # iris@v0.1.0!
    read = where.read()
    assert read.version("v0.1.0").problem == "deregistered with gto (tag iris@v0.1.0!)"
    assert read.rollback_target("staging") is None  # v0.1.0 is no place to go back to
    with pytest.raises(UserError, match=r"iris v0\.1\.0 cannot be promoted: deregistered"):
        promotion.promote(where, project.manifest, "v0.1.0", "production")
    _gto(project.root, "deprecate", "iris", "v0.2.0", "staging")
    assert where.read().current("staging") is None
    assert _gto_stage(project.root, "staging") == ""


@pytest.mark.e2e  # gto runs as a process
def test_an_assignment_of_a_commit_with_no_version_is_counted_as_gto_counts_it(
    project: Project,
) -> None:
    """`gto assign iris HEAD --stage staging --sr` on a commit with no version writes
    iris#staging#2: mlgate skipped it, computed iris#staging#2 again every round and
    failed each later promotion with "the registry kept changing (40 tries)", while its
    listing named v0.1.0 where gto names the commit."""
    where = project.where()
    operations.register(where, project.manifest, project.run)
    promotion.promote(where, project.manifest, "v0.1.0", "staging")
    git(project.root, "commit", "-q", "--allow-empty", "-m", "docs only")
    commit = git(project.root, "rev-parse", "HEAD")
    _gto(project.root, "assign", "iris", "HEAD", "--stage", "staging", "--sr")
    assert commit[:7] in _gto_stage(project.root, "staging")
    read = where.read()
    stray = read.stray("staging")
    assert stray is not None and (stray.tag, stray.commit) == ("iris#staging#2", commit)
    assert read.next_n("staging") == 3
    listed = view.listing_text(view.listing(read, project.manifest)).splitlines()
    assert listed[1] == (
        f"  staging      v0.1.0; its latest assignment (iris#staging#2) is commit "
        f"{commit[:12]}, which has no version: gto show names that commit"
    )
    with pytest.raises(UserError, match=r"staging's latest assignment \(iris#staging#2\)") as no:
        promotion.rollback(where, project.manifest, "staging")
    assert no.value.hint == (
        "to put back the version staging held before it: mlgate promote v0.1.0 --to staging"
    )
    # not a no-op: gto reads the commit as staging's until a version is assigned again
    back = promotion.promote(where, project.manifest, "v0.1.0", "staging")
    assert (back.tag, back.previous) == ("iris#staging#3", f"commit {commit[:12]}")
    assert _gto_stage(project.root, "staging") == "v0.1.0"
    assert where.read().stray("staging") is None


def _gto(root: Path, *args: str) -> None:
    """gto's own command, dated now (its dulwich refuses the tests' ISO dates), a second
    after mlgate's last tag: gto orders a stage's changes by time."""
    binary = shutil.which("gto", path=str(Path(sys.executable).parent)) or "gto"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATE")}
    dates = git(root, "for-each-ref", "--format=%(creatordate:unix)", "refs/tags").split()
    time.sleep(max(0.0, max(map(int, dates), default=0) + 1.1 - time.time()))
    done = subprocess.run([binary, *args], cwd=root, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def _gto_stage(root: Path, stage: str) -> str:
    binary = shutil.which("gto", path=str(Path(sys.executable).parent)) or "gto"
    done = subprocess.run(
        [binary, "show", f"iris#{stage}", "--ref"], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().removeprefix("iris@")


def test_with_an_origin_tags_are_pushed_and_a_lost_race_is_retried(
    tmp_path: Path, origin: Path
) -> None:
    ours = make_project(tmp_path / "ours", origin=origin)
    where = ours.where()
    assert operations.register(where, ours.manifest, ours.run).pushed
    theirs = tmp_path / "theirs"
    git(tmp_path, "clone", "-q", str(origin), str(theirs))
    share_store(ours.root, theirs)
    their = operations.Where.of(manifests.load(theirs / "mlops.yaml"))
    assert their.read().version("v0.1.0") is not None  # read from origin
    promotion.promote(where, ours.manifest, "v0.1.0", "staging")

    real_read, raced = operations.Where.read, []

    def stale_then_real(self):  # their first read misses our second promotion
        found = real_read(self)
        if not raced:
            raced.append(True)
            promotion.promote(where, ours.manifest, "v0.1.0", "production", actor="ana")
        return found

    manifest = manifests.load(theirs / "mlops.yaml")
    import unittest.mock as mock

    with mock.patch.object(operations.Where, "read", stale_then_real):
        change = promotion.promote(their, manifest, "v0.1.0", "production", actor="ben")
    assert not change.changed  # after the retry: production holds it already
    remote = git(tmp_path, "ls-remote", "--tags", str(origin))
    assert remote.count("iris#production#") == 2  # the tag and its peeled line: one tag


@pytest.mark.e2e  # new commits' runs, their training a process (`picked_project`)
def test_a_deployment_runs_with_the_stores_model_and_a_failed_one_keeps_the_old_version(
    picked_project: Project,
) -> None:
    project = picked_project
    (project.root / "deploy.py").write_text(
        "import hashlib, os, sys\n"
        "sha = hashlib.sha256(open(os.environ['MLGATE_MODEL'], 'rb').read()).hexdigest()\n"
        "with open('deployed.log', 'a') as log:\n"
        "    log.write(' '.join([*(os.environ[k] for k in ('MLGATE_VERSION', "
        "'MLGATE_ENVIRONMENT')), sha]) + '\\n')\n"
        "told = sorted(k for k in os.environ if k.startswith('MLGATE_'))\n"
        "open('told.txt', 'w').write(' '.join(told))\n"
        "sys.exit('the cluster said no' if os.path.exists('refuse') else 0)\n"
    )
    manifest_file = project.root / "mlops.yaml"
    manifest_file.write_text(
        manifest_file.read_text().replace(
            "  staging: {on: merge}", "  staging: {on: merge, deploy: {command: python deploy.py}}"
        )
    )
    (project.root / ".gitignore").write_text("models/\ndeployed.log\nrefuse\ntold.txt\n")
    project.manifest = manifests.load(manifest_file)
    project.next_commit(0.8)
    where = project.where()
    operations.register(where, project.manifest, project.run)
    change = promotion.promote(where, project.manifest, "v0.1.0", "staging")
    version, env, sha = (project.root / "deployed.log").read_text().split()
    assert (version, env) == ("v0.1.0", "staging")
    # told of the deployment, and of no run: a run id, data files and the work tree's model
    # would be another run's
    assert (project.root / "told.txt").read_text().split() == [
        "MLGATE_ENVIRONMENT",
        "MLGATE_MODEL",
        "MLGATE_MODEL_NAME",
        "MLGATE_ROOT",
        "MLGATE_VERSION",
    ]
    # the store's bytes (never the work tree's), in a copy the command cannot take away
    assert sha == where.read().version("v0.1.0").record["model"]["sha256"]
    assert where.read().current("staging").record["deploy"]["command"] == "python deploy.py"
    (project.root / "refuse").write_text("")
    project.next_commit(0.9)
    operations.register(where, project.manifest, project.run)
    with pytest.raises(
        OutsideError,
        match=r"deploying v0\.2\.0 to staging failed: .* staging "
        r"stays on v0\.1\.0",
    ) as error:
        promotion.promote(where, project.manifest, "v0.2.0", "staging")
    assert "the cluster said no" in str(error.value)
    assert where.read().current("staging").version == "v0.1.0" and change.changed


@pytest.mark.e2e  # new commits' runs, their training a process (`picked_project`)
def test_a_promotion_is_a_github_deployment_whose_status_follows_the_command(
    picked_project: Project,
) -> None:
    project = picked_project
    from tests.github.server import running

    (project.root / "deploy.py").write_text(
        "import os, sys\nsys.exit('no capacity' if os.path.exists('refuse') else 0)\n"
    )
    manifest_file = project.root / "mlops.yaml"
    manifest_file.write_text(
        manifest_file.read_text().replace(
            "  staging: {on: merge}",
            "  staging: {on: merge, deploy: {command: python deploy.py, "
            "github: {url: 'https://staging.example.org'}}}",
        )
    )
    (project.root / ".gitignore").write_text("models/\nrefuse\n")
    project.manifest = manifests.load(manifest_file)
    project.next_commit(0.6)
    with running() as fake:
        target = operations.GitHubTarget(
            api_url=fake.url, repository="o/r", token="ghs_" + "d" * 36, run_url="https://run/1"
        )
        where = replace(project.where(), github=target)
        operations.register(where, project.manifest, project.run)
        promotion.promote(where, project.manifest, "v0.1.0", "staging")
        (made,) = fake.deployments
        assert (made["environment"], made["sha"]) == ("staging", project.run.git.commit)
        statuses = fake.deployment_statuses[made["id"]]
        assert [s["state"] for s in statuses] == ["in_progress", "success"]
        assert statuses[-1]["environment_url"] == "https://staging.example.org"
        assert where.read().current("staging").record["deploy"]["github"] == made["url"]

        (project.root / "refuse").write_text("")
        project.next_commit(0.65)
        operations.register(where, project.manifest, project.run)
        with pytest.raises(OutsideError, match=r"staging stays on v0\.1\.0"):
            promotion.promote(where, project.manifest, "v0.2.0", "staging")
        failed = fake.deployments[-1]
        assert [s["state"] for s in fake.deployment_statuses[failed["id"]]] == [
            "in_progress",
            "failure",
        ]
        assert where.read().current("staging").version == "v0.1.0"

        (project.root / "refuse").unlink()
        from tests.github.server import NOT_ACCESSIBLE, Fault

        fake.fail(
            "POST", "/repos/{owner}/{repo}/deployments", Fault(status=403, body=NOT_ACCESSIBLE)
        )  # a token without the permission
        from mlgate.github.http import Forbidden

        with pytest.raises(Forbidden) as refused:
            promotion.promote(where, project.manifest, "v0.2.0", "staging")
        assert "deployments: write" in (refused.value.hint or "")
        assert where.read().current("staging").version == "v0.1.0"


def test_the_audit_log_says_which_run_and_which_workflow_run(project: Project) -> None:
    from mlgate.registry import card

    run_url = "https://github.com/o/r/actions/runs/7"
    where = replace(project.where(), trigger=run_url)
    operations.register(where, project.manifest, project.run, actor="ci")
    promotion.promote(where, project.manifest, "v0.1.0", "staging", actor="ana")
    current = where.read()
    promoted = current.current("staging").record
    assert (promoted["run"], promoted["trigger"], promoted["by"]) == (
        project.run.run_id,
        run_url,
        "ana",
    )
    assert current.version("v0.1.0").record["trigger"] == run_url
    text = card.render(current.version("v0.1.0"), current.moves("v0.1.0"), None)
    assert f"[Workflow run]({run_url})" in text and f"by ana ([run]({run_url}))" in text
    forged = replace(
        current.version("v0.1.0"),
        record={**current.version("v0.1.0").record, "trigger": "javascript:alert(1)"},
    )
    assert "javascript" not in card.render(forged, (), None)  # a record is not Markdown


@pytest.mark.e2e  # new commits' runs, their training a process (`picked_project`)
def test_a_run_on_another_branch_is_registered_only_when_asked(picked_project: Project) -> None:
    project = picked_project
    where = project.where()
    git(project.root, "switch", "-q", "-c", "try-c")
    run = project.next_commit(0.5)
    with pytest.raises(
        UserError,
        match=r"made on branch 'try-c', not on the default branch "
        r"'main'",
    ) as refused:
        operations.register(where, project.manifest, run)
    assert "--allow-branch" in (refused.value.hint or "")
    assert gitio.read(project.root, "iris") == []
    detached = replace(run, git=replace(run.git, branch=None))
    with pytest.raises(UserError, match="made on a detached HEAD, not on the default branch"):
        operations.register(where, project.manifest, detached)
    pushed = replace(where, pushed_to=(run.git.commit, "main"))  # a detached checkout in CI
    with pytest.raises(UserError, match="made on branch 'try-c'"):  # the checkout says
        operations.register(pushed, project.manifest, run)
    assert operations.register(pushed, project.manifest, detached).changed
    git(project.root, "tag", "-d", "iris@v0.1.0")
    # in Actions the event names the default branch; here it names this one
    assert operations.register(
        replace(where, default_branch="try-c"), project.manifest, run
    ).changed
    git(project.root, "switch", "-q", "main")
    other = project.next_commit(0.6)
    assert operations.register(where, project.manifest, other, allow_branch=False).changed
    git(project.root, "switch", "-q", "try-c")
    assert (
        operations.register(
            where, project.manifest, project.next_commit(0.7), allow_branch=True
        ).version
        == "v0.3.0"
    )


def test_the_default_branch_is_origins_else_this_clones(tmp_path: Path, origin: Path) -> None:
    from mlgate import git as mgit

    ours = make_project(tmp_path / "ours", origin=origin)
    assert mgit.default_branch(ours.root) == "main"  # the one of main and master there is
    git(origin, "symbolic-ref", "HEAD", "refs/heads/trunk")
    git(ours.root, "push", "-q", "origin", "main:trunk")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "switch", "-q", "-c", "main")
    assert mgit.default_branch(clone) == "trunk"  # origin/HEAD
    lone = tmp_path / "lone"
    git(tmp_path, "init", "-q", "-b", "develop", str(lone))
    git(lone, "commit", "-q", "--allow-empty", "-m", "x")
    git(lone, "config", "init.defaultBranch", "nope")
    assert mgit.default_branch(lone) == "develop"  # the only branch
    git(lone, "branch", "feature")
    assert mgit.default_branch(lone) is None


@pytest.mark.e2e  # new commits' runs, their training a process (`picked_project`)
def test_an_older_version_is_registered_only_when_asked(picked_project: Project) -> None:
    project = picked_project
    where = project.where()
    operations.register(where, project.manifest, project.run, version="v1.0.0")
    run = project.next_commit(0.5)
    store = project.root / project.manifest.registry.artifacts
    kept = sorted(store.rglob("*"))
    with pytest.raises(
        UserError, match=r"v0\.5\.0 is lower than the latest version v1\.0\.0"
    ) as refused:
        operations.register(where, project.manifest, run, version="v0.5.0")
    assert "--allow-older" in (refused.value.hint or "") and "v1.1.0" in refused.value.hint
    assert len(gitio.read(project.root, "iris")) == 1
    assert sorted(store.rglob("*")) == kept  # the new model was not stored: it is not one
    assert (
        operations.register(
            where, project.manifest, run, version="v0.5.0", allow_older=True
        ).version
        == "v0.5.0"
    )
    assert where.read().latest().version == "v1.0.0"


PREPARE = """import shutil
shutil.copy('raw/train.csv', 'data/train.csv')
shutil.copy('raw/test.csv', 'data/test.csv')
"""


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_the_runs_own_outputs_do_not_make_it_uncommitted(tmp_path: Path) -> None:
    from mlgate import git as mgit
    from mlgate import pipeline
    from tests import projects

    root = tmp_path / "repo"
    files = projects.iris_files(
        Path(),
        manifest=projects.IRIS_MANIFEST.replace("data:\n", "data:\n  prepare: python prepare.py\n")
        + "environments:\n  staging: {}\n",
    )
    files["raw/train.csv"], files["raw/test.csv"] = (
        files.pop("data/train.csv"),
        files.pop("data/test.csv"),
    )
    files["prepare.py"], files["data/.keep"] = PREPARE, ""
    projects.write(root, files)  # no .gitignore: the model and the prepared data untracked
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "iris, prepared")
    loaded = manifests.load(root / "mlops.yaml")
    assert pipeline.run(loaded, compare=False).passed
    again = pipeline.run(loaded, compare=False)  # model, data, .mlgate/ are there now
    assert "models/model.joblib" in git(root, "status", "--porcelain", "-uall")
    assert again.passed and again.git.dirty is False
    assert operations.register(Where.of(loaded), loaded, again).changed
    (root / "raw" / "notes.txt").write_text("not committed\n")  # anything else still counts
    stray = pipeline.run(loaded, compare=False)
    assert stray.git.dirty is True
    with pytest.raises(UserError, match="uncommitted changes") as refused:
        operations.register(Where.of(loaded), loaded, stray)
    assert "git status" in (refused.value.hint or "")
    assert "uncommitted changes (raw/notes.txt)" in str(refused.value)
    (root / "raw" / "notes.txt").unlink()
    (root / "raw" / "train.csv").write_text("changed\n")  # so does a changed input
    assert mgit.info(root, ignore=loaded.outputs()).dirty is True
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "everything")
    (root / "raw" / "train.csv").write_text("changed again\n")
    assert mgit.info(root / "raw", ignore=("train.csv",)).dirty is False  # from a subfolder
    assert mgit.info(root, ignore=("train.csv", "../raw/train.csv")).dirty is True


@pytest.mark.e2e  # new commits' runs, their training a process (`picked_project`)
def test_a_rollback_decided_on_a_stale_read_changes_nothing(picked_project: Project) -> None:
    project = picked_project
    where = project.where()
    for c in (None, 0.5, 0.6):
        run = project.run if c is None else project.next_commit(c)
        promotion.promote(
            where,
            project.manifest,
            operations.register(where, project.manifest, run).version,
            "staging",
        )
    stale = where.read()  # v0.3.0 held; someone promotes v0.1.0 before this rollback writes
    promotion.promote(where, project.manifest, "v0.1.0", "staging", actor="ben")
    import unittest.mock as mock

    reads = iter([stale])
    real = operations.Where.read
    with (
        mock.patch.object(operations.Where, "read", lambda self: next(reads, None) or real(self)),
        pytest.raises(
            UserError,
            match=r"staging changed while rolling back from v0\.3\.0 "
            r"\(it now holds v0\.1\.0\); nothing was rolled back",
        ),
    ):
        promotion.rollback(where, project.manifest, "staging")
    assert [a.version for a in where.read().history("staging")] == [
        "v0.1.0",
        "v0.2.0",
        "v0.3.0",
        "v0.1.0",
    ]


def test_a_version_recorded_before_profiles_were_kept_has_none(project: Project) -> None:
    old = state.Version(
        model="iris",
        version="v0.0.1",
        commit="0" * 40,
        tag="iris@v0.0.1",
        created="2026-01-01T00:00:00Z",
        record={"data": [{"role": "train", "file": "data/train.csv", "sha256": "0" * 64}]},
    )
    assert operations.data_profile(project.where(), old, "train") is None
