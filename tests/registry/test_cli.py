"""The registry's commands, as a user types them: text, --json, and exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlgate.cli import main
from tests.registry.conftest import Project


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_register_promote_rollback_list_and_history(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(project.root)
    assert main(["-C", root, "register", "--reason", "first"]) == 0
    assert "iris v0.1.0: tag iris@v0.1.0 (local (no origin))" in capsys.readouterr().out
    assert main(["-C", root, "promote", "v0.1.0", "--to", "production"]) == 2
    assert "has not been in staging" in capsys.readouterr().err
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging", "--json"]) == 0
    change = json.loads(capsys.readouterr().out)
    assert change["changed"] and change["tag"] == "iris#staging#1"
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    assert "already in staging; nothing to do" in capsys.readouterr().out
    project.next_commit(0.5)
    assert main(["-C", root, "register"]) == 0
    assert main(["-C", root, "promote", "v0.2.0", "--to", "staging"]) == 0
    assert main(["-C", root, "rollback", "staging", "--reason", "f1 dropped"]) == 0
    capsys.readouterr()
    assert main(["-C", root, "registry", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["environments"] == {"staging": "v0.1.0", "production": None}
    assert [v["version"] for v in listing["versions"]] == ["v0.2.0", "v0.1.0"]
    assert main(["-C", root, "registry", "history", "staging"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[-1].endswith(
        "rollback to v0.1.0 (from v0.2.0) by mlgate tests <tests@mlgate.invalid>: f1 dropped"
    )
    assert main(["-C", root, "registry", "show", "v0.2.0", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["record"]["params"]["train.C"] == 0.5
    assert main(["-C", root, "registry", "card", "v0.1.0"]) == 0
    card = capsys.readouterr().out
    assert card.startswith("# iris v0.1.0\n") and "| accuracy |" in card
    assert "checks passed</summary>" in card  # the run, read back from the store
    assert "- staging: promoted " in card and "- staging: rolled back to " in card


def test_a_reason_cannot_write_a_line_of_its_own_into_the_history(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--reason $'ok\\n2026-... promote v9.9.9 ...\\x1b[31m'` showed a believable forged
    promotion line, and passed the terminal's colour code through."""
    root = str(project.root)
    assert main(["-C", root, "register"]) == 0
    forged = "ok\n2026-12-06T02:40:00+00:00  staging      promote v9.9.9 by Boss\x1b[31mred"
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging", "--reason", forged]) == 0
    capsys.readouterr()
    assert main(["-C", root, "registry", "history", "staging"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "\x1b" not in lines[0]
    assert lines[0].endswith(
        ": ok 2026-12-06T02:40:00+00:00  staging      promote v9.9.9 by Boss [31mred"
    )
    assert main(["-C", root, "registry", "show", "v0.1.0"]) == 0
    assert "\x1b" not in capsys.readouterr().out


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_rolling_back_twice_says_there_is_nothing_left_and_the_stats_agree(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(project.root)
    assert main(["-C", root, "register"]) == 0
    project.next_commit(0.5)
    assert main(["-C", root, "register", "--bump", "major"]) == 0
    for version in ("v0.1.0", "v1.0.0"):
        assert main(["-C", root, "promote", version, "--to", "staging"]) == 0
        assert main(["-C", root, "promote", version, "--to", "production"]) == 0
    assert main(["-C", root, "rollback", "production", "--reason", "latency"]) == 0
    assert "iris v0.1.0 in production (was v1.0.0)" in capsys.readouterr().out
    assert main(["-C", root, "rollback", "production"]) == 2
    err = capsys.readouterr().err
    assert (
        "no earlier version to roll back to: production holds v0.1.0, and every other "
        "version it held was rolled back from (v1.0.0)"
        in err
        and "Traceback" not in err
    )
    assert main(["-C", root, "registry", "stats", "--json"]) == 0
    production = json.loads(capsys.readouterr().out)[1]
    assert (
        production["promotions"],
        production["rollbacks"],
        production["change_failure_rate"],
    ) == (2, 1, 0.5)
    assert main(["-C", root, "registry", "card", "v1.0.0"]) == 0
    card = capsys.readouterr().out
    assert "- production: **rolled back from** on " in card and ", to v0.1.0" in card
    assert ": latency" in card


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_a_failed_run_is_not_registered(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = project.root / "mlops.yaml"
    manifest.write_text(manifest.read_text().replace("min: 0.8}", "min: 0.9999}"))
    assert main(["-C", str(project.root), "run"]) == 1
    capsys.readouterr()
    assert main(["-C", str(project.root), "register"]) == 2
    assert "did not pass" in capsys.readouterr().err


def test_who_registered_and_promoted_is_the_git_identity_outside_actions(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("USER", raising=False)
    monkeypatch.setenv("GITHUB_ACTOR", "someone-else")  # not in Actions: not who is here
    root = str(project.root)
    assert main(["-C", root, "register"]) == 0
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    capsys.readouterr()
    assert main(["-C", root, "registry", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["record"]["by"] == "mlgate tests <tests@mlgate.invalid>"
    assert main(["-C", root, "registry", "history"]) == 0
    assert "by mlgate tests <tests@mlgate.invalid>" in capsys.readouterr().out
    from mlgate import promotion
    from mlgate.github.context import ActionsContext
    from mlgate.registry.operations import who

    ctx = ActionsContext(
        event_name="push", repository="o/r", actor="octocat", default_branch="trunk"
    )
    in_actions = promotion.where_in_workflow(project.manifest, ctx)
    assert (in_actions.actor, in_actions.default_branch) == ("octocat", "trunk")
    monkeypatch.setenv("LOGNAME", "ana")
    assert who(project.root / "missing") == "ana"  # no git to ask: the login name


def test_a_clone_where_git_knows_nobody_registers_and_promotes(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a fresh CI runner: `git tag --annotate` failed with "Committer identity
    unknown". The tagger is mlgate then, and the record says who acted (the login name)."""
    from tests.conftest import git

    home = Path(os.environ["HOME"])
    (home / ".gitconfig").write_text("[user]\n\tuseConfigOnly = true\n")  # no guessing
    monkeypatch.setenv("USER", "ana")
    monkeypatch.setenv("LOGNAME", "ana")
    root = str(project.root)
    assert main(["-C", root, "register"]) == 0
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    capsys.readouterr()
    for tag in ("iris@v0.1.0", "iris#staging#1"):
        tagger = git(
            project.root,
            "for-each-ref",
            "--format=%(taggername) %(taggeremail)",
            f"refs/tags/{tag}",
        )
        assert tagger == "mlgate <mlgate@users.noreply.github.com>"
    assert main(["-C", root, "registry", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["record"]["by"] == "ana"


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_register_refuses_another_branch_and_an_older_version_unless_asked(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import git

    root = str(project.root)
    assert main(["-C", root, "register", "--version", "v1.0.0"]) == 0
    git(project.root, "switch", "-q", "-c", "experiment")
    project.next_commit(0.5)
    capsys.readouterr()
    assert main(["-C", root, "register"]) == 2
    err = capsys.readouterr().err
    assert "not on the default branch 'main'" in err and "--allow-branch" in err
    assert main(["-C", root, "register", "--allow-branch", "--version", "v0.5.0"]) == 2
    err = capsys.readouterr().err
    assert "v0.5.0 is lower than the latest version v1.0.0" in err and "--allow-older" in err
    assert (
        main(["-C", root, "register", "--allow-branch", "--version", "v0.5.0", "--allow-older"])
        == 0
    )
    assert "iris v0.5.0: tag iris@v0.5.0" in capsys.readouterr().out


GATED = """compare:
  gates:
    roc_auc: {min_change: -0.05}
    log_loss: {max_change: 0.1}
environments:
  staging: {on: merge}
"""


def test_list_shows_the_gated_metrics_and_show_is_for_people(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests import projects
    from tests.ahead import trained_ahead
    from tests.registry.conftest import make_project

    manifest = (
        projects.IRIS_MANIFEST.replace(
            "[accuracy, f1_macro, roc_auc]",
            "[accuracy, balanced_accuracy, cohen_kappa, f1_macro, log_loss, roc_auc]",
        )
        + GATED
    )
    project = make_project(tmp_path / "repo", files=trained_ahead({"mlops.yaml": manifest}))
    root = str(project.root)
    assert main(["-C", root, "register", "--reason", "first"]) == 0
    capsys.readouterr()
    assert main(["-C", root, "registry", "list"]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.strip().startswith("v0.1.0"))
    metrics = project.run.evaluate.metrics
    # the manifest's gates and checks, in its order; the rest said, not dropped
    assert line.endswith(
        f"accuracy {metrics['accuracy']:.4f}, roc_auc "
        f"{metrics['roc_auc']:.4f}, log_loss {metrics['log_loss']:.4f} "
        "(+3 more)"
    )
    assert "registry show VERSION" in text.splitlines()[-1]
    assert main(["-C", root, "registry", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["versions"][0]["record"]["metrics"]
    assert set(listed) == {
        "accuracy",
        "balanced_accuracy",
        "cohen_kappa",
        "f1_macro",
        "log_loss",
        "roc_auc",
    }
    assert main(["-C", root, "registry", "show"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("iris v0.1.0\n") and not shown.lstrip().startswith("{")
    assert f"  commit   {project.run.git.commit}" in shown
    assert "  by       mlgate tests <tests@mlgate.invalid>: first\n" in shown
    assert f"    cohen_kappa        {metrics['cohen_kappa']:.4f}\n" in shown
    assert "  environments: none yet" in shown
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    capsys.readouterr()
    assert main(["-C", root, "registry", "show", "v0.1.0"]) == 0
    assert "    staging: promoted " in capsys.readouterr().out


def test_every_registry_action_the_command_takes_has_a_handler() -> None:
    """The parser lists the actions without importing the registry (a fast --help); the
    handlers' table in the core is the same list, in the same order."""
    from mlgate.cli import parser
    from mlgate.registry import show

    assert tuple(show.HANDLERS) == parser.REGISTRY_ACTIONS


def test_an_assignment_tag_made_by_hand_on_a_commit_with_no_version_blocks_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """`git tag -a 'iris#staging#2' -m "Assigning stage ..." HEAD` on a commit with no
    version: every later `promote --to staging` failed, exit 3, "the registry kept
    changing (40 tries)"."""
    from dataclasses import replace

    from mlgate.registry import operations
    from tests.conftest import git

    root = str(project.root)
    assert main(["-C", root, "register"]) == 0
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    git(project.root, "commit", "-q", "--allow-empty", "-m", "release 2")
    head = git(project.root, "rev-parse", "HEAD")
    run = replace(project.run, run_id="20990101T000000Z-abcdef")
    run = replace(run, git=replace(run.git, commit=head))  # the same model, v0.2.0
    assert operations.register(project.where(), project.manifest, run).version == "v0.2.0"
    git(project.root, "commit", "-q", "--allow-empty", "-m", "docs only")
    commit = git(project.root, "rev-parse", "HEAD")
    subject = f"Assigning stage staging to artifact iris version {commit[:7]}"
    git(project.root, "tag", "-a", "iris#staging#2", "-m", subject, "HEAD")
    capsys.readouterr()
    assert main(["-C", root, "promote", "v0.2.0", "--to", "staging"]) == 0, capsys.readouterr()
    said = capsys.readouterr().out
    assert f"iris v0.2.0 in staging (was commit {commit[:12]}): tag iris#staging#3" in said
    git(project.root, "tag", "-a", "iris#staging#4", "-m", subject, "HEAD")  # once more
    assert main(["-C", root, "registry", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["environments"]["staging"] == "v0.2.0"
    assert listing["unversioned"] == {
        "staging": {"commit": commit, "tag": "iris#staging#4", "n": 4}
    }
    assert main(["-C", root, "registry", "list"]) == 0
    assert (
        f"  staging      v0.2.0; its latest assignment (iris#staging#4) is commit {commit[:12]}, "
        "which has no version: gto show names that commit\n"
    ) in capsys.readouterr().out
