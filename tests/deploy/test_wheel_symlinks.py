"""The wheel of mlgate's own checkout for the Docker context is built from a copy of the
files git tracks there (audit O, finding 9): a tracked symlink was copied as the file it
pointed to, so a file outside the checkout (a secret beside it) went into the image."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mlgate.deploy import source
from mlgate.errors import UserError
from tests.conftest import git


class _Built(Exception):
    """Where pip was asked to build from: stops before pip (it needs hatchling)."""


def _checkout(tmp_path: Path, links: dict[str, str]) -> Path:
    secret = tmp_path / "secret.env"
    secret.write_text("AWS_SECRET_ACCESS_KEY=outside-secret\n")
    root = tmp_path / "mlgate-copy"
    (root / "src" / "mlgate").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'mlgate'\n")
    (root / "src" / "mlgate" / "__init__.py").write_text("")
    for name, target in links.items():
        os.symlink(target.replace("SECRET", str(secret)), root / name)
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "mlgate")
    return root


def _built(monkeypatch: pytest.MonkeyPatch, root: Path, kept: Path) -> None:
    real = source.proc.output

    def stub(args: list[str], **kwargs: object) -> str:
        if args[0] == "git":
            return real(args, **kwargs)  # type: ignore[arg-type]
        shutil.copytree(args[-1], kept, symlinks=True)
        raise _Built

    monkeypatch.setattr(source.proc, "output", stub)
    source._built_wheel(str(root))


@pytest.mark.parametrize(
    "link, target",
    [
        ("src/mlgate/notes.txt", "SECRET"),  # absolute, outside
        ("src/mlgate/notes.txt", "../../../secret.env"),  # relative, outside
        ("src/mlgate/up", "."),  # inside, but the next link climbs through it
    ],
)
def test_a_tracked_symlink_out_of_the_checkout_is_refused_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: str, target: str
) -> None:
    links = {link: target}
    if link == "src/mlgate/up":
        links["src/mlgate/notes.txt"] = "up/../../../secret.env"
    root = _checkout(tmp_path, links)
    kept = tmp_path / "what-pip-builds"
    with pytest.raises(UserError) as refused:
        _built(monkeypatch, root, kept)
    assert "src/mlgate/notes.txt, a symlink to" in str(refused.value)
    assert "leads outside the checkout" in str(refused.value)
    assert refused.value.hint == "git rm --cached src/mlgate/notes.txt, or commit the file itself"
    assert not kept.exists()


def test_a_tracked_symlink_inside_the_checkout_is_copied_as_a_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _checkout(tmp_path, {"src/mlgate/same.py": "__init__.py"})
    kept = tmp_path / "what-pip-builds"
    with pytest.raises(_Built):
        _built(monkeypatch, root, kept)
    copied = kept / "src" / "mlgate" / "same.py"
    assert copied.is_symlink() and os.readlink(copied) == "__init__.py"
    assert (kept / "src" / "mlgate" / "__init__.py").is_file()
