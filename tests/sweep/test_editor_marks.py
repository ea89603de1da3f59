"""An editor's marks beside a file open in it are no part of the project a sweep hashes and
copies: Emacs's lock link (made as soon as a buffer is modified, before any save) and Vim's
swap file, appearing mid-sweep, had every configuration copied after refused as edited."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mlgate.sweep import copies


def test_an_editors_lock_and_swap_files_change_nothing_and_are_not_copied(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "train.py").write_text("print('train')\n")
    before = copies.fingerprint(root)
    os.symlink("someone@host.4242:1700000000", root / ".#train.py")  # dangling, as Emacs's
    (root / ".train.py.swp").write_bytes(b"b0VIM 9.0")
    (root / ".train.py.swo").write_bytes(b"b0VIM 9.0")
    (root / "#train.py#").write_text("print('typed, not saved')\n")  # Emacs's auto-save
    assert copies.fingerprint(root).digest == before.digest
    shutil.copytree(root, tmp_path / "copy", ignore=copies._left_out(root), symlinks=True)
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["train.py"]
    (root / "train.py").write_text("print('edited')\n")  # a save is still a change
    assert copies.fingerprint(root).digest != before.digest
    (root / ".#notes").mkdir()  # not a mark of a file: only links and swap files are left out
    (root / ".#notes" / "x").write_text("x")
    assert ".#notes/x" in dict(copies.fingerprint(root).files)
