"""A push origin never answered is said to be one: with the bare origin moved away during a
promotion, mlgate said origin "refused" the tags ("fix what origin says")."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import OutsideError
from mlgate.registry import gitio
from tests.conftest import git


def test_an_origin_that_cannot_be_reached_is_not_said_to_refuse(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "commit", "-q", "--allow-empty", "-m", "first")
    git(root, "tag", "-a", "-m", "v", "iris@v0.1.0")
    git(root, "remote", "add", "origin", str(tmp_path / "moved-away.git"))
    with pytest.raises(OutsideError) as failed:
        gitio.push(root, ["iris@v0.1.0"])
    assert failed.value.message.startswith("could not reach origin to push the registry's tags")
    assert "git remote -v" in (failed.value.hint or "")
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    (bare / "hooks" / "pre-receive").write_text("#!/bin/sh\necho 'tags are frozen' >&2\nexit 1\n")
    (bare / "hooks" / "pre-receive").chmod(0o755)
    git(root, "remote", "set-url", "origin", str(bare))
    with pytest.raises(OutsideError) as refused:
        gitio.push(root, ["iris@v0.1.0"])
    assert refused.value.message.startswith("origin refused the registry's tags")
    assert "tags are frozen" in refused.value.message


def test_a_stop_while_registering_says_what_is_registered(
    tmp_path: Path, origin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while register pushed its tag said only "mlgate: interrupted"."""
    from mlgate.errors import Interrupted
    from mlgate.registry import operations
    from tests.registry.conftest import make_project

    project = make_project(tmp_path / "repo", origin=origin)

    def stopped(*args: object, **kwargs: object) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(gitio, "push", stopped)
    with pytest.raises(Interrupted) as said:
        operations.register(project.where(), project.manifest, project.run)
    assert said.value.said.startswith("stopped while pushing tag iris@v0.1.0 to origin")
    assert "`mlgate registry list`" in said.value.said
    assert git(project.root, "tag", "-l").strip() == ""
    monkeypatch.setattr(gitio, "create", stopped)  # before any tag: nothing to ask origin
    with pytest.raises(Interrupted) as said:
        operations.register(project.where(), project.manifest, project.run)
    assert said.value.said.endswith(": iris has no new version")


def test_a_refusal_over_http_is_not_taken_for_an_unreachable_origin() -> None:
    """git says "unable to access" of every HTTP failure: a token without `contents:
    write` (403) was told to check the network."""
    forbidden = (
        "fatal: unable to access 'https://github.com/o/r.git/': The requested URL returned "
        "error: 403"
    )
    unresolved = "fatal: unable to access 'https://x/': Could not resolve host: x"
    keyless = (
        "git@github.com: Permission denied (publickey).\n"
        "fatal: Could not read from remote repository."
    )
    assert not any(sign in forbidden for sign in gitio.UNREACHABLE_SIGNS)
    for down in (  # what lies between, or a server down, is no refusal of origin's
        "fatal: unable to access 'https://x/': The requested URL returned error: 503",
        "fatal: unable to access 'https://x/': Failed to connect to x port 443",
        "fatal: unable to access 'https://x/': Operation timed out after 300000 milliseconds",
        "fatal: unable to access 'https://x/': Could not resolve proxy: p",
        "Connection closed by remote host\nfatal: Could not read from remote repository.",
    ):
        assert any(sign in down for sign in gitio.UNREACHABLE_SIGNS), down
    assert not any(sign in keyless for sign in gitio.UNREACHABLE_SIGNS)
    assert any(sign in unresolved for sign in gitio.UNREACHABLE_SIGNS)
