"""In a pull request the rules it changes are listed against its base branch whatever it
is compared with: `compare.baseline: none` (or a file) in the same pull request hid
every change, production moved to `on: merge` among them, and the merge job deployed
it (audit V, finding 1, the gap its fix left)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.compare import baseline, rules
from tests import projects
from tests.conftest import git
from tests.report.test_markdown import result

BASE = """\
environments:
  staging: {on: merge}
  production: {requires: staging}
"""


@pytest.mark.parametrize("named", ["none", "{file: old.json}"])
def test_a_pull_request_naming_another_baseline_still_lists_its_rules(
    make_repo: Callable[..., Path], named: str
) -> None:
    files = projects.iris_files(Path())
    files["mlops.yaml"] = projects.IRIS_MANIFEST + BASE
    root = make_repo(files)
    main = (root / "mlops.yaml").read_bytes()
    git(root, "checkout", "-q", "-b", "feature")
    (root / "old.json").write_text("{}")
    (root / "mlops.yaml").write_text(
        (root / "mlops.yaml")
        .read_text()
        .replace("production: {requires: staging}", "production: {on: merge}")
        + f"compare:\n  baseline: {named}\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "compare with nothing; production on merge")
    loaded = manifests.load(root / "mlops.yaml")
    outside = baseline.resolve(loaded, result(), env={}, run=lambda m: result())
    assert outside.manifest is None  # not a pull request: nothing to list against
    found = baseline.resolve(
        loaded, result(), env={"GITHUB_BASE_REF": "main"}, run=lambda m: result()
    )
    assert found.manifest == main
    listed = {(c.kind, c.subject) for c in rules.changes(found.manifest, loaded)}
    assert ("setting", "environments.production") in listed
    assert ("setting", "compare.baseline") in listed
