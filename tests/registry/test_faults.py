"""Faults from outside: a corrupt record in a tag, a full disk, a push the remote refuses.
Each gives a clear error and leaves the registry (tags here and at origin, the store) as
it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate import promotion
from mlgate.cli import main
from mlgate.errors import OutsideError, UserError
from mlgate.registry import operations
from mlgate.serve import service
from tests.ahead import trained_ahead
from tests.conftest import git
from tests.registry.conftest import Project, make_project


def _tags(root: Path) -> list[str]:
    return git(root, "tag", "-l").split()


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_a_corrupt_record_makes_its_version_unusable_and_says_which_tag(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    where = project.where()
    operations.register(where, project.manifest, project.run)
    promotion.promote(where, project.manifest, "v0.1.0", "staging")
    git(project.root, "commit", "-q", "--allow-empty", "-m", "next")
    torn = 'Registering artifact iris version v0.2.0\n\nmlgate-record: {"model": {"sha2'
    git(project.root, "tag", "-a", "iris@v0.2.0", "-m", torn)
    before = _tags(project.root)
    root = str(project.root)

    assert main(["-C", root, "promote", "v0.2.0", "--to", "staging"]) == 2
    said = capsys.readouterr().err
    assert (
        "iris v0.2.0 cannot be promoted: tag iris@v0.2.0 is corrupt: its record is not a "
        "valid registry record"
        in said
        and "nothing was changed" in said
        and "git show iris@v0.2.0" in said
    )
    assert _tags(project.root) == before
    assert where.read().current("staging").version == "v0.1.0"

    assert main(["-C", root, "registry", "list"]) == 0  # the rest still reads
    listing = capsys.readouterr().out
    assert "staging      v0.1.0" in listing
    assert "v0.2.0" in listing and "unusable: tag iris@v0.2.0 is corrupt" in listing
    assert main(["-C", root, "registry", "show", "v0.2.0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["problem"].startswith("tag iris@v0.2.0 is")
    with pytest.raises(UserError, match=r"v0\.2\.0 is not served: tag iris@v0\.2\.0 is corrupt"):
        service.load(project.manifest, "v0.2.0")

    git(project.root, "tag", "-f", "-a", "iris@v0.2.0", "-m", "x\n\nmlgate-record: [1, 2]")
    assert main(["-C", root, "registry", "card", "v0.2.0"]) == 2
    assert "its record is a JSON list, not an object" in capsys.readouterr().err


def test_a_rejected_push_leaves_origin_and_the_clone_as_they_were(
    tmp_path: Path, origin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "repo", origin=origin)
    operations.register(project.where(), project.manifest, project.run)
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'quota exceeded: no new refs today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = (_tags(project.root), git(origin, "tag", "-l"))

    assert main(["-C", str(project.root), "promote", "v0.1.0", "--to", "staging"]) == 3
    said = capsys.readouterr().err
    assert "quota exceeded: no new refs today" in said
    assert (_tags(project.root), git(origin, "tag", "-l")) == before


FULL_DISK = """
set -e
mount -t tmpfs -o size=64k tmpfs "$FULL"
head -c 1M /dev/zero > "$FULL/filler" 2>/dev/null || true
set +e
"$PYTHON" -m mlgate -C "$ROOT" register > "$OUT/stdout" 2> "$OUT/stderr"
echo $? > "$OUT/code"
rm "$FULL/filler"
find "$FULL" -type f -printf '%P\\n' | sort > "$OUT/left"
"""


@pytest.mark.parametrize(
    ("full", "said"),
    [
        (  # the model store's disk, with what to do about it
            ".mlgate/registry",
            "cannot write to the model store",
        ),
        (".git/refs/tags", "cannot update ref 'refs/tags/iris@v0.1.0'"),  # git's own
    ],
)
def test_a_full_disk_fails_the_registration_and_leaves_no_tag_or_partial_file(
    project: Project, tmp_path: Path, full: str, said: str
) -> None:
    """A 64 KiB tmpfs, already full, is mounted over the folder in a private mount
    namespace (util-linux's unshare; root is not needed), so the disk really says ENOSPC."""
    (project.root / full).mkdir(parents=True, exist_ok=True)
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "--map-root-user",
            "--propagation",
            "private",
            "sh",
            "-c",
            FULL_DISK,
        ],
        env={
            **os.environ,
            "FULL": str(project.root / full),
            "ROOT": str(project.root),
            "OUT": str(out),
            "PYTHON": sys.executable,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    stderr = (out / "stderr").read_text()
    assert (out / "code").read_text().strip() == "3", stderr
    assert said in stderr and "Traceback" not in stderr
    if full == ".mlgate/registry":  # was no hint at all
        assert "hint: free space on that disk (or give the job a larger one)" in stderr
    assert (out / "left").read_text().split() == []  # not half a file, not a .lock
    assert _tags(project.root) == []
    assert (
        operations.register(project.where(), project.manifest, project.run).version == "v0.1.0"
    )  # with room again, the same run registers


def test_a_registry_made_before_the_clone_had_an_origin_is_kept_and_pushed_with_the_next_change(
    tmp_path: Path, origin: Path
) -> None:
    """`git remote add origin` and a push of the branch alone: the next read's fetch with
    `--prune` deleted every tag of the registry, silently."""
    project = make_project(tmp_path / "repo")
    where = project.where()
    operations.register(where, project.manifest, project.run)
    promotion.promote(where, project.manifest, "v0.1.0", "staging")
    made = _tags(project.root)
    git(project.root, "remote", "add", "origin", str(origin))
    git(project.root, "push", "-q", "origin", "main")

    read = where.read()
    assert _tags(project.root) == made
    assert read.current("staging").version == "v0.1.0"
    assert read.only_here == ("iris#staging#1", "iris@v0.1.0")
    assert git(origin, "tag", "-l") == ""

    promotion.promote(where, project.manifest, "v0.1.0", "production")
    assert sorted(git(origin, "tag", "-l").split()) == sorted([*made, "iris#production#1"])
    assert where.read().only_here == ()


def test_a_tag_left_pending_by_a_killed_push_takes_origins_word(
    tmp_path: Path, origin: Path
) -> None:
    """Killed before origin answered: origin never got the tag (deleted here), or another
    writer's landed under its name (taken from origin: the clone's fetch had refused to
    clobber it, and every command failed until the tag was deleted by hand)."""
    from mlgate.registry import gitio

    project = make_project(tmp_path / "repo", origin=origin)
    where = project.where()
    operations.register(where, project.manifest, project.run)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    git(other, "fetch", "-q", "origin", "refs/tags/*:refs/tags/*")
    commit = project.run.git.commit
    assert commit is not None

    for landed in (False, True):
        gitio.pending(project.root, ["iris#staging#1"])  # as _write marks it, then killed
        assert gitio.create(
            project.root, "iris#staging#1", commit, "mine", date="2026-01-02T00:00:00Z"
        )
        if landed:
            git(other, "tag", "-a", "-m", "theirs", "iris#staging#1", commit)
            git(other, "push", "-q", "origin", "refs/tags/iris#staging#1")
        read = where.read()
        assert read.only_here == ()
        kept = git(project.root, "tag", "-l", "--format=%(contents:subject)", "iris#staging#1")
        assert kept == ("theirs" if landed else "")
    assert not list(
        Path(git(project.root, "rev-parse", "--absolute-git-dir"), "mlgate", "pending").iterdir()
    )


def test_a_tag_of_the_clone_that_differs_from_origins_is_named_with_the_way_out(
    tmp_path: Path, origin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "repo", origin=origin)
    commit = project.run.git.commit
    assert commit is not None
    git(project.root, "tag", "-a", "-m", "here", "iris#staging#1", commit)
    git(project.root, "push", "-q", "origin", "refs/tags/iris#staging#1")
    git(project.root, "tag", "-f", "-a", "-m", "moved here", "iris#staging#1", commit)

    assert main(["-C", str(project.root), "registry", "list"]) == 2
    said = capsys.readouterr().err
    assert "origin's 1 registry tag (iris#staging#1) differs from this clone's" in said
    assert "git tag --delete iris#staging#1 and run again" in said


def test_odd_and_forged_tags_are_ignored_or_unusable_never_a_traceback(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """What anyone who may push tags can write (the hostile audit's cases): each read every
    command as a traceback, or was believed."""
    where = project.where()
    operations.register(where, project.manifest, project.run)
    root, commit = str(project.root), project.run.git.commit
    assert commit is not None
    record = json.loads(
        git(project.root, "tag", "-l", "--format=%(contents)", "iris@v0.1.0").split(
            "mlgate-record: "
        )[1]
    )
    git(project.root, "tag", "-a", "-m", "x", "iris@v01.0.0", commit)  # not semver: not read
    git(project.root, "commit", "-q", "--allow-empty", "-m", "another commit")
    other = git(project.root, "rev-parse", "HEAD")
    forged = {
        "iris@v0.2.0": {**record, "version": "v0.2.0", "run": "abc"},  # a run that is text
        "iris@v0.3.0": {**record, "version": "v0.3.0"},  # names v0.1.0's commit
        "iris@v0.4.0": {
            **record,
            "version": "v0.4.0",
            "commit": other,
            "data": [{"role": "train", "file": "x", "sha256": "0" * 64}],
        },
    }
    for name, body in forged.items():
        git(project.root, "tag", "-a", "-m", f"s\n\nmlgate-record: {json.dumps(body)}", name, other)
    lie = {"kind": "assignment", "version": "v9.9.9", "environment": "staging", "rollback": False}
    git(
        project.root,
        "tag",
        "-a",
        "-m",
        f"s\n\nmlgate-record: {json.dumps(lie)}",
        "iris#staging#1",
        commit,
    )

    assert main(["-C", root, "registry", "list", "--json"]) == 0
    listed = {
        v["version"]: v["problem"] or "" for v in json.loads(capsys.readouterr().out)["versions"]
    }
    assert set(listed) == {"v0.1.0", "v0.2.0", "v0.3.0", "v0.4.0"}
    assert listed["v0.1.0"] == ""
    assert "its record is not a valid registry record" in listed["v0.2.0"]
    assert listed["v0.3.0"].endswith(f"its record says commit {commit[:40]}, not what the tag is")
    assert "not a valid registry record" in listed["v0.4.0"]  # its data has no rows
    state = where.read()
    held = state.current("staging")  # gto's word: the version registered at its commit
    assert held is not None and held.version == "v0.1.0" and "names v9.9.9" in (held.problem or "")
    for command in (
        ["registry", "show", "v0.2.0"],
        ["registry", "card", "v0.4.0"],
        ["promote", "v0.3.0", "--to", "staging"],
    ):
        code = main(["-C", root, *command])
        said = capsys.readouterr()
        assert code in (0, 2) and "Traceback" not in said.err + said.out, command


def test_registry_list_shows_a_forged_metric_name_inert(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    where = project.where()
    operations.register(where, project.manifest, project.run)
    record = json.loads(
        git(project.root, "tag", "-l", "--format=%(contents)", "iris@v0.1.0").split(
            "mlgate-record: "
        )[1]
    )
    git(project.root, "commit", "-q", "--allow-empty", "-m", "another commit")
    other = git(project.root, "rev-parse", "HEAD")
    sly = {
        **record,
        "version": "v0.2.0",
        "commit": other,
        "metrics": {"r2\nv9.9.9 fake \x1b[2J": 1.0},
    }
    git(
        project.root,
        "tag",
        "-a",
        "-m",
        f"s\n\nmlgate-record: {json.dumps(sly)}",
        "iris@v0.2.0",
        other,
    )
    assert main(["-C", str(project.root), "registry", "list"]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and not any(line.startswith("v9.9.9") for line in shown.splitlines())


def test_a_pre_release_version_is_read_back_as_gto_reads_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """GTO writes and reads `iris@v1.2.3-rc.1`; mlgate ignored such a tag, so the two
    disagreed on the latest version and on what a stage held. Build metadata is refused
    before anything is written: no image tag can hold a '+'."""
    from tests.registry.test_operations import _gto_stage

    root = str(project.root)
    assert main(["-C", root, "register", "--version", "v1.2.3+exp.1"]) == 2
    assert "has build metadata (after '+')" in capsys.readouterr().err
    assert _tags(project.root) == []
    assert main(["-C", root, "register", "--version", "v1.2.3-rc.1"]) == 0
    assert main(["-C", root, "promote", "v1.2.3-rc.1", "--to", "staging"]) == 0
    capsys.readouterr()
    assert main(["-C", root, "registry", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["version"] for v in listed["versions"]] == ["v1.2.3-rc.1"]
    assert _gto_stage(project.root, "staging") == "v1.2.3-rc.1"


def test_a_run_edited_to_say_passed_is_not_registered(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from mlgate.result import document
    from mlgate.result.records import CheckResult

    failed = CheckResult(
        id="model.accuracy",
        stage="model",
        subject="accuracy",
        rule=">= 0.99",
        status="failed",
        message="0.95",
    )
    model = replace(project.run.model, checks=(*project.run.model.checks, failed))
    edited = replace(project.run, model=model)  # its verdict still "passed"
    path = tmp_path / "run.json"
    path.write_text(document.dumps(edited))
    assert main(["-C", str(project.root), "register", "--run", str(path)]) == 2
    said = capsys.readouterr().err
    assert "says it passed, where its own checks and gates say it failed" in said
    assert _tags(project.root) == []


DEPLOY_LOG = (
    "import os, subprocess\n"
    "with open('deployed.log', 'a') as log:\n"
    "    log.write(os.environ['MLGATE_VERSION'] + '\\n')\n"
    "if os.path.exists('race'):  # another writer's change lands meanwhile\n"
    "    subprocess.run(open('race').read().split(), check=True)\n"
)


DEPLOYING = "environments:\n  staging: {deploy: {command: python deploy.py}}\n"


def _deploying(tmp_path: Path, origin: Path, *, ahead: bool = False) -> Project:
    """The iris project deploying each promotion to staging; `ahead`: its model fitted ahead
    (tests/ahead.py), for a test of the promotion alone that commits no other model."""
    files = {"deploy.py": DEPLOY_LOG, ".gitignore": "models/\ndeployed.log\nrace\n"}
    if ahead:
        files = trained_ahead(files, DEPLOYING)
    return make_project(tmp_path / "repo", origin=origin, environments=DEPLOYING, files=files)


def _deploys(project: Project) -> list[str]:
    return (project.root / "deployed.log").read_text().split()


def test_a_hook_that_says_already_exists_is_not_taken_for_a_race(
    tmp_path: Path, origin: Path
) -> None:
    """It was retried forty times, the deployment run each time, and origin's words lost."""
    project = _deploying(tmp_path, origin, ahead=True)
    where = project.where()
    operations.register(where, project.manifest, project.run)
    hook = origin / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\necho 'policy: a release tag already exists this week' >&2\nexit 1\n"
    )
    hook.chmod(0o755)
    with pytest.raises(OutsideError, match="a release tag already exists this week") as refused:
        promotion.promote(where, project.manifest, "v0.1.0", "staging")
    assert _deploys(project) == ["v0.1.0"]
    assert "the deployment of v0.1.0 to staging ran before this" in (refused.value.hint or "")
    assert "staging may run v0.1.0 while the registry says no version" in (refused.value.hint or "")


@pytest.mark.e2e  # trains: a second and a third model
def test_a_rollback_that_lost_the_race_after_deploying_says_what_may_run(
    tmp_path: Path, origin: Path
) -> None:
    project = _deploying(tmp_path, origin)
    where = project.where()
    for c in (None, 0.5, 0.7):
        if c is not None:
            project.next_commit(c)
        operations.register(where, project.manifest, project.run)
    for version in ("v0.1.0", "v0.2.0"):
        promotion.promote(where, project.manifest, version, "staging")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    git(other, "fetch", "-q", "origin", "refs/tags/*:refs/tags/*")
    third = git(other, "rev-list", "-n", "1", "iris@v0.3.0")
    record = {
        "kind": "assignment",
        "version": "v0.3.0",
        "environment": "staging",
        "rollback": False,
    }
    git(
        other,
        "tag",
        "-a",
        "-m",
        f"s\n\nmlgate-record: {json.dumps(record)}",
        "iris#staging#3",
        third,
    )
    (project.root / "race").write_text(f"git -C {other} push -q origin refs/tags/iris#staging#3")

    with pytest.raises(
        UserError,
        match=r"staging changed while rolling back from v0\.2\.0 \(it now holds v0\.3\.0\)",
    ) as refused:
        promotion.rollback(where, project.manifest, "staging")
    assert _deploys(project) == ["v0.1.0", "v0.2.0", "v0.1.0"]
    assert "staging may run v0.1.0 while the registry says v0.3.0" in (refused.value.hint or "")


def test_a_record_is_never_written_past_what_its_readers_accept(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reason past 65,536 characters made a version that was "corrupt" once pushed (and a
    rollback that lost its flag); a git name past 1,024 did the same."""
    root = str(project.root)
    assert main(["-C", root, "register", "--reason", "x" * 70_000]) == 2
    assert (
        "the reason is 70,000 characters; a record holds at most 65,536" in capsys.readouterr().err
    )
    assert _tags(project.root) == []
    git(project.root, "config", "user.name", "n" * 2_000)
    assert main(["-C", root, "register"]) == 0
    capsys.readouterr()
    version = project.where().read().version("v0.1.0")
    assert version is not None and version.problem is None
    assert len(version.record["by"]) == 1_024 and version.record["by"].endswith("…")


def test_small_mistakes_are_named_with_what_would_be_right(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown environment's history was "no promotions yet" (exit 0); `0.1.0` did not
    suggest `v0.1.0`; a line break in an argument started a line of its own; an origin
    that is not there was git's words alone."""
    project = make_project(tmp_path / "repo")
    root = str(project.root)
    assert main(["-C", root, "register"]) == 0
    assert main(["-C", root, "registry", "history", "prod"]) == 2
    assert (
        "unknown environment 'prod' (environments: staging, production); did you mean "
        "'production'?" in capsys.readouterr().err
    )
    assert main(["-C", root, "promote", "0.1.0", "--to", "staging"]) == 2
    assert "hint: did you mean v0.1.0?" in capsys.readouterr().err
    assert main(["-C", root, "promote", "v0.1.0", "--to", "x\n::error::y"]) == 2
    said = capsys.readouterr().err
    assert "\n::error::" not in said and "unknown environment 'x ::error::y'" in said
    git(project.root, "remote", "add", "origin", str(tmp_path / "nowhere.git"))
    assert main(["-C", root, "registry", "list"]) == 3
    said = capsys.readouterr().err
    assert "could not read the registry from origin" in said and "git remote -v" in said


def test_a_tag_the_registry_does_not_read_is_named_not_retried_as_a_race(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag under the name mlgate computes, which its read of the registry leaves out (as
    an assignment of a commit with no version once was), was taken for a lost race forty
    times: "the registry kept changing (40 tries)", exit 3, for a race that was none."""
    from mlgate.registry import gitio

    where = project.where()
    operations.register(where, project.manifest, project.run)
    git(project.root, "tag", "-a", "-m", "made by hand", "iris#staging#1", project.run.git.commit)
    real = gitio.read  # leaves the tag out, as a reader that does not count it would
    monkeypatch.setattr(
        gitio, "read", lambda root, model: [t for t in real(root, model) if "#" not in t.name]
    )
    with pytest.raises(UserError, match=r"tag iris#staging#1 exists, and mlgate does not") as no:
        promotion.promote(where, project.manifest, "v0.1.0", "staging")
    assert "git show iris#staging#1" in (no.value.hint or "")
    assert "git tag --delete iris#staging#1" in (no.value.hint or "")
    assert _tags(project.root) == ["iris#staging#1", "iris@v0.1.0"]


def test_a_version_whose_objects_are_missing_or_changed_is_not_promoted(
    tmp_path: Path, origin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder store is empty on a fresh CI runner: `promote` said the version was in
    the environment (exit 0) though nothing could load its model, and `serve` failed
    after. Now nothing is deployed or written, and the error says which object, where."""
    from dataclasses import replace

    project = make_project(tmp_path / "repo", origin=origin)
    where = project.where()
    operations.register(where, project.manifest, project.run)
    record = where.read().version("v0.1.0").record
    model = where.store.path(record["model"]["sha256"])
    aside = tmp_path / "aside"
    model.rename(aside)
    root = str(project.root)
    tags, at_origin = _tags(project.root), git(tmp_path, "ls-remote", "--tags", str(origin))
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 2
    said = capsys.readouterr().err
    assert (
        f"cannot promote iris v0.1.0 (its model, models/model.joblib): object "
        f"{model.parent.name}{model.name[:10]} is not in the model store {where.store.folder}; "
        "nothing was changed"
    ) in said
    assert f"it belongs at {model}: put it back" in said
    assert _tags(project.root) == tags
    assert git(tmp_path, "ls-remote", "--tags", str(origin)) == at_origin
    deployed: list[str] = []  # a deployment is not run either

    def deploy(version: object, env: object, previous: object) -> None:
        deployed.append(str(env))

    aside.rename(model)  # changed in place (read-only, as the store leaves it)
    model.chmod(0o644)
    with model.open("ab") as f:
        f.write(b"X")
    with pytest.raises(OutsideError, match=r"is corrupt \(its content changed\); nothing") as bad:
        operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=deploy)
    assert f"`sha256sum {model}` shows the hash of what it holds now" in (bad.value.hint or "")
    assert deployed == [] and _tags(project.root) == tags
    model.write_bytes(model.read_bytes()[:-1])
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    # a rollback too: to a version whose run (which serving it reads) is gone
    git(project.root, "commit", "-q", "--allow-empty", "-m", "again")
    run = replace(
        project.run,
        run_id="20990101T000000Z-abcdef",
        git=replace(project.run.git, commit=git(project.root, "rev-parse", "HEAD")),
    )
    operations.register(where, project.manifest, run)
    promotion.promote(where, project.manifest, "v0.2.0", "staging")
    where.store.path(record["run"]["sha256"]).unlink()
    tags = _tags(project.root)
    with pytest.raises(UserError, match=r"cannot promote iris v0\.1\.0 \(its run\): object"):
        operations.rollback(where, project.manifest, "staging", deploy=deploy)
    assert _tags(project.root) == tags and deployed == []


def test_a_version_tag_with_a_digit_of_another_script_is_ignored_as_gto_ignores_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """`iris@v0.1\u0660.0` (an Arabic-Indic zero) matched `\\d`, then semver refused it:
    every registry command, rollback included, was a traceback in every clone."""
    where = project.where()
    operations.register(where, project.manifest, project.run)
    promotion.promote(where, project.manifest, "v0.1.0", "staging")
    git(project.root, "tag", "-a", "-m", "x", "iris@v0.1\u0660.0")
    git(project.root, "tag", "-a", "-m", "x", "iris#staging#\u0661")
    root = str(project.root)

    assert main(["-C", root, "registry", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["version"] for v in listed["versions"]] == ["v0.1.0"]
    assert where.read().current("staging").version == "v0.1.0"
    assert main(["-C", root, "promote", "v0.1.0", "--to", "production"]) == 0
    assert main(["-C", root, "rollback", "production"]) == 2  # no earlier version: said
    said = capsys.readouterr()
    assert "Traceback" not in said.err + said.out and "no earlier version" in said.err


def test_a_promotion_stopped_while_it_deploys_says_what_may_be_running(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cancelled job (SIGTERM, taken as Ctrl-C) said only "mlgate: interrupted", while
    the environment may have been half way to the new version."""
    from mlgate.errors import Interrupted

    where = project.where()
    operations.register(where, project.manifest, project.run)

    def cancelled(version: object, env: object, previous: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        operations.promote(where, project.manifest, "v0.1.0", "staging", deploy=cancelled)
    assert stopped.value.said == (
        "stopped while deploying v0.1.0 to staging: it may run v0.1.0 while the registry says "
        "no version; promote a version to staging to record what it runs"
    )
    (left,) = where.read().unrecorded  # the mark stays, for the next command to say
    assert (left.environment, left.version) == ("staging", "v0.1.0")
