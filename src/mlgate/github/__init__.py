"""GitHub: the Actions context, and a small REST client for comments, checks and statuses.

    context.py   where a run is (GITHUB_* variables and the event payload); no HTTP
    http.py      the client, the one transport (httpx): timeouts, retries, rate limits,
                 pacing, errors, for JSON and a release asset's bytes alike
    comments.py  the sticky comment, found by marker and author
    checks.py    the check run with annotations, or a commit status
    actions.py   job summary, step outputs, workflow commands
    pulls.py     a pull request: to check a fork's hand-over against; the retraining's one
    contents.py  a file at a commit, as GitHub holds it (a fork's manifest, checked)
    issues.py    the sticky monitoring issue, found by marker, label and author
    workflows.py starting a workflow by hand (workflow_dispatch)
    deployments.py  a GitHub Deployment and its statuses, for each promotion
    releases.py  a release's assets (the github-release: model store): the Releases API

The public names load on first use: reading the context never imports httpx.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "ActionsContext": "mlgate.github.context",
    "Annotation": "mlgate.github.checks",
    "CheckOutcome": "mlgate.github.checks",
    "CommentOutcome": "mlgate.github.comments",
    "Forbidden": "mlgate.github.http",
    "GitHub": "mlgate.github.http",
    "GitHubError": "mlgate.github.http",
    "NotFound": "mlgate.github.http",
    "RateLimited": "mlgate.github.http",
    "Response": "mlgate.github.http",
    "UncertainWrite": "mlgate.github.http",
    "annotation_command": "mlgate.github.actions",
    "load_context": "mlgate.github.context:load",
    "marker_for": "mlgate.github.comments",
    "publish_check": "mlgate.github.checks",
    "set_output": "mlgate.github.actions",
    "upsert_comment": "mlgate.github.comments",
    "workflow_command": "mlgate.github.actions",
    "write_summary": "mlgate.github.actions",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'mlgate.github' has no attribute {name!r}")
    module, _, attribute = _PUBLIC[name].partition(":")
    return getattr(importlib.import_module(module), attribute or name)
