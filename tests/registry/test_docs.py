"""docs/registry.md's sample session is the commands' real output: every ```sh-session
block is run, in order, in one real git repository with a project and its runs, and each
command's output compared with what the page shows (dates, ids, hashes and sizes stand for
any; a line `...` for any lines). tests/test_docs.py runs the docs' ```console blocks, each
on its own in an empty folder: a registry needs a repository, commits and a history."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, git
from tests.registry.conftest import make_project

pytestmark = pytest.mark.e2e  # a replay of the whole page, one process per command

PAGE = REPO_ROOT / "docs" / "registry.md"
VARYING = [  # what differs from one session to the next, as one placeholder each
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"), "<time>"),
    (re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}"), "<run>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\b[0-9a-f]{40}\b"), "<commit>"),
    (re.compile(r"\b[0-9a-f]{12}\b"), "<commit>"),
    (re.compile(r"\b[\d,]+ bytes"), "<n> bytes"),
    (re.compile(r"\b\d+ checks"), "<n> checks"),
    (re.compile(r" +[\d.]+ h\b"), " <hours>"),
]


def sessions(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ ` line of every console block."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```sh-session\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return steps


def normal(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        for pattern, placeholder in VARYING:
            line = pattern.sub(placeholder, line)
        out.append(line.rstrip())
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; `...` stands for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def test_the_pages_sessions_are_what_the_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = sessions(PAGE.read_text())
    assert len(steps) >= 10, "docs/registry.md lost its sample session"
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "USER"):
        monkeypatch.delenv(name, raising=False)  # promotions and commits happen now
    project = make_project(tmp_path / "iris")
    git(project.root, "config", "user.name", "Ana Lima")
    git(project.root, "config", "user.email", "ana@example.org")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mlgate").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mlgate "$@"\n')
    (bin_dir / "mlgate").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"
        f"{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO_ROOT / "src"),
        "NO_COLOR": "1",
    }
    for command, expected in steps:
        done = subprocess.run(
            ["sh", "-c", command],
            cwd=project.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        actual = (done.stdout + done.stderr).splitlines()
        assert matches(normal(expected), normal(actual)), (
            f"docs/registry.md shows for `$ {command}`:\n"
            + "\n".join(expected)
            + "\n\nbut it printed:\n"
            + "\n".join(actual)
        )
