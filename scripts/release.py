"""Cut a release: bump mlgate's version, then pin the action at the commit that carries it.

The workflows `mlgate init` writes call the action by commit (`mlgate/mlgate@<sha> # vX.Y.Z`).
A commit cannot name itself, so a release is two commits:

1. "Release vX.Y.Z": the new `__version__`; this is the commit the workflows will pin.
2. "Pin the action at vX.Y.Z": `src/mlgate/action_pin.py`, the workflow templates and the docs
   now name commit 1.

Between a release and the next, `check()` (run by tests/test_release.py) holds the tree to
its pin: the pinned commit's version and action.yml must be the tree's, and its manifest
schema must be the tree's, so the pinned mlgate accepts every manifest this one writes.
Any change to the action or the manifest's schema therefore needs a release.

    python scripts/release.py --bump minor      # or: python scripts/release.py 0.3.0
    python scripts/release.py --check           # what the tests check, as a report
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import semver

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = "src/mlgate/__init__.py"
PIN_FILE = "src/mlgate/action_pin.py"
# what must be identical at the pinned commit and in the tree
PINNED_AS_IS = ("action.yml", "src/mlgate/manifest/schema.json")
# where the pin or its version comment is written out
PIN_CARRIERS = ("templates/**/*.yml", "docs/*.md", "README.md")

_VERSION = re.compile(r'^__version__ = "([^"]+)"$', re.M)
_COMMIT = re.compile(r'^COMMIT = "([0-9a-f]{40})"$', re.M)
_TAG = re.compile(r'^TAG = "(v[^"]+)"', re.M)
_USES = re.compile(
    r"(mlgate/mlgate@)(<commit>|[0-9a-f]{40})( # )v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?"
)


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


def version_in(text: str) -> str:
    match = _VERSION.search(text)
    if match is None:
        raise SystemExit(f"release: no __version__ line in {VERSION_FILE}")
    return match.group(1)


def pin_in(text: str) -> tuple[str, str]:
    commit, tag = _COMMIT.search(text), _TAG.search(text)
    if commit is None or tag is None:
        raise SystemExit(f"release: no COMMIT or TAG line in {PIN_FILE}")
    return commit.group(1), tag.group(1)


def at(root: Path, commit: str, relative: str) -> str | None:
    done = git(root, "show", f"{commit}:{relative}", check=False)
    return done.stdout if done.returncode == 0 else None


def check(root: Path = ROOT) -> list[str]:
    """What is wrong with the pin, in words; empty when the pinned commit is this release."""
    commit, tag = pin_in((root / PIN_FILE).read_text())
    version = version_in((root / VERSION_FILE).read_text())
    problems = []
    if tag != f"v{version}":
        problems.append(f"{PIN_FILE} says {tag} but the tree is version {version}")
    if git(root, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode != 0:
        return [
            *problems,
            f"the pinned commit {commit} is not in this repository's history "
            f"(a shallow clone? `git fetch --unshallow`)",
        ]
    if git(root, "merge-base", "--is-ancestor", commit, "HEAD", check=False).returncode != 0:
        problems.append(f"the pinned commit {commit} is not an ancestor of HEAD")
    pinned_version = version_in(at(root, commit, VERSION_FILE) or "")
    if pinned_version != version:
        problems.append(
            f"the pinned commit {commit[:12]} is version {pinned_version}, "
            f"the tree is {version}: cut a release (scripts/release.py)"
        )
    for relative in PINNED_AS_IS:
        if at(root, commit, relative) != (root / relative).read_text():
            problems.append(
                f"{relative} differs from the pinned commit {commit[:12]}'s: "
                f"cut a release (scripts/release.py --bump minor)"
            )
    return problems + stale_pins(root, commit, tag)


def stale_pins(root: Path, commit: str, tag: str) -> list[str]:
    """Templates and docs that show another pin than release.py's."""
    found = []
    for pattern in PIN_CARRIERS:
        for path in sorted(root.glob(pattern)):
            for match in _USES.finditer(path.read_text()):
                shown = match.group(0)
                if match.group(2) not in (commit, "<commit>") or not shown.endswith(f"# {tag}"):
                    found.append(
                        f"{path.relative_to(root)} shows '{shown}', not {commit[:12]} # {tag}"
                    )
    return found


def write_pin(root: Path, commit: str, version: str) -> list[Path]:
    """Point release.py, the workflow templates and the docs at `commit`; the changed files."""
    changed = []
    pin = root / PIN_FILE
    text = _COMMIT.sub(f'COMMIT = "{commit}"', pin.read_text())
    text = _TAG.sub(f'TAG = "v{version}"', text)
    changed += _write_if_changed(pin, text)
    for pattern in PIN_CARRIERS:
        for path in sorted(root.glob(pattern)):
            old = path.read_text()
            new = _USES.sub(
                lambda m: (
                    m.group(1)
                    + (commit if m.group(2) != "<commit>" else "<commit>")
                    + m.group(3)
                    + f"v{version}"
                ),
                old,
            )
            changed += _write_if_changed(path, new)
    return changed


def _write_if_changed(path: Path, text: str) -> list[Path]:
    if path.read_text() == text:
        return []
    path.write_text(text)
    return [path]


def release(root: Path, version: str) -> tuple[str, str]:
    """The two commits of a release; returns (release commit, pin commit)."""
    if git(root, "status", "--porcelain").stdout.strip():
        raise SystemExit("release: the work tree has uncommitted changes; commit them first")
    current = version_in((root / VERSION_FILE).read_text())
    if semver.Version.parse(version) <= semver.Version.parse(current):
        raise SystemExit(f"release: {version} is not newer than the current {current}")
    version_file = root / VERSION_FILE
    version_file.write_text(_VERSION.sub(f'__version__ = "{version}"', version_file.read_text()))
    git(root, "commit", "-q", "-m", f"Release v{version}", "--", VERSION_FILE)
    released = git(root, "rev-parse", "HEAD").stdout.strip()
    changed = write_pin(root, released, version)
    git(root, "add", "--", *(str(p.relative_to(root)) for p in changed))
    git(
        root,
        "commit",
        "-q",
        "-m",
        f"Pin the action at v{version} ({released[:12]}): "
        "the workflows mlgate init writes, the templates and the docs",
    )
    return released, git(root, "rev-parse", "HEAD").stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("version", nargs="?", help="the new version, e.g. 0.3.0")
    group.add_argument("--bump", choices=("major", "minor", "patch"))
    group.add_argument("--check", action="store_true", help="report on the pin; exit 1 if off")
    parser.add_argument("-C", dest="root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.root)
        for problem in problems:
            print(f"release: {problem}")
        print("release: the pin is this release" if not problems else "")
        return 1 if problems else 0
    version = args.version
    if args.bump:
        current = semver.Version.parse(version_in((args.root / VERSION_FILE).read_text()))
        version = str(current.next_version(args.bump))
    released, pinned = release(args.root, version)
    print(f"release: v{version} is {released}; pinned in {pinned[:12]}")
    problems = check(args.root)
    for problem in problems:
        print(f"release: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
