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
