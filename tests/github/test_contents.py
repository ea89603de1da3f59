"""A file at a commit through GitHub's contents API, as the fork report reads the manifest:
the bytes at that commit, None where there is no file, a plain error where GitHub gives
no content. The loopback GitHub answers as the description says (a folder's entries
too), from files a test adds or from a real repository's commits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate.github import contents
from mlgate.github.http import Forbidden
from tests.conftest import git
from tests.github.conftest import Recorded
from tests.github.server import CONTENT_LIMIT, FakeGitHub

GET = ("GET", "/repos/{owner}/{repo}/contents/{path}")
ONE, TWO = "1" * 40, "2" * 40
Client = Callable[..., Recorded]


def test_a_file_is_its_bytes_at_the_commit_named(fake: FakeGitHub, client: Client) -> None:
    manifest = "name: churn\n# é, and a line past GitHub's 60 characters of base64 " * 9
    fake.add_file("ml/churn/mlops.yaml", manifest.encode(), ONE)
    fake.add_file("ml/churn/mlops.yaml", b"name: other\n", TWO)
    gh = client()
    assert contents.file_at(gh, "o", "r", "ml/churn/mlops.yaml", ONE) == manifest.encode()
    assert contents.file_at(gh, "o", "r", "ml/churn/mlops.yaml", TWO) == b"name: other\n"
    assert contents.file_at(gh, "o", "r", "ml/churn/mlops.yaml", "3" * 40) is None
    assert fake.calls[GET] == 3


def test_a_folder_is_no_file(fake: FakeGitHub, client: Client) -> None:
    fake.add_file("ml/churn/mlops.yaml", b"name: churn\n", ONE)
    fake.add_file("ml/churn/data/train.csv", b"a\n1\n", ONE)
    assert contents.file_at(client(), "o", "r", "ml/churn", ONE) is None
    assert contents.file_at(client(), "o", "r", "ml/churn/mlops.yaml/x", ONE) is None


def test_a_name_with_spaces_and_signs_is_asked_for_as_written(
    fake: FakeGitHub, client: Client
) -> None:
    fake.add_file("ml models/a+b@c=d,e.yaml", b"name: x\n", ONE)
    assert contents.file_at(client(), "o", "r", "ml models/a+b@c=d,e.yaml", ONE) == b"name: x\n"


def test_a_file_past_githubs_limit_is_a_plain_error(fake: FakeGitHub, client: Client) -> None:
    fake.add_file("mlops.yaml", b"#" * (CONTENT_LIMIT + 1), ONE)
    with pytest.raises(Forbidden, match="too_large") as error:
        contents.file_at(client(), "o", "r", "mlops.yaml", ONE)
    assert error.value.hint == (
        "GitHub gives files up to 1 MB through its contents API; mlops.yaml is larger"
    )
    assert fake.calls[GET] == 1  # a 403 that is no rate limit: not asked again


def test_a_token_without_contents_read_is_told_so(fake: FakeGitHub, client: Client) -> None:
    fake.forbidden.add(GET)
    fake.add_file("mlops.yaml", b"name: x\n", ONE)
    with pytest.raises(Forbidden) as error:
        contents.file_at(client(), "o", "r", "mlops.yaml", ONE)
    assert "contents: read" in (error.value.hint or "")


def test_the_fake_serves_a_real_repositorys_commits(
    fake: FakeGitHub, client: Client, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "ml").mkdir()
    (root / "ml" / "mlops.yaml").write_text("name: churn\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    first = git(root, "rev-parse", "HEAD")
    (root / "ml" / "mlops.yaml").write_text("name: churn\n# loosened\n")
    git(root, "commit", "-q", "-am", "second")
    fake.git_root = root
    gh = client()
    assert contents.file_at(gh, "o", "r", "ml/mlops.yaml", first) == b"name: churn\n"
    assert contents.file_at(gh, "o", "r", "ml/mlops.yaml", "main") == b"name: churn\n# loosened\n"
    assert contents.file_at(gh, "o", "r", "ml", "main") is None  # a folder
    assert contents.file_at(gh, "o", "r", "ml/other.yaml", "main") is None
