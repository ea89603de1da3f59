"""mlgate-retrain.yml with a GitHub App: the App's installation token is `ghs_`, as
GITHUB_TOKEN is, but writes as `<app-slug>[bot]`. The workflow tells mlgate so
(MLGATE_GITHUB_LOGIN, from the token step's `app-slug`), or mlgate took the token for
github-actions[bot], never found the comment the App wrote on the last retraining of the
same pull request, and posted one more each time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from mlgate.github import comments, context
from tests.conftest import REPO_ROOT
from tests.github.conftest import Recorded
from tests.github.server import FakeGitHub
from tests.harness import expressions

APP_TOKEN = "ghs_" + "appt0ken" * 4 + "abcd"  # what create-github-app-token outputs
Client = Callable[..., Recorded]


def login_set_by(template: str, outputs: dict[str, str]) -> str:
    """MLGATE_GITHUB_LOGIN as the runner sets it on the mlgate step, given the token
    step's outputs (none when no App is configured: that step is skipped)."""
    document = yaml.safe_load((REPO_ROOT / "templates" / "workflows" / template).read_text())
    steps: list[dict[str, Any]] = document["jobs"]["model"]["steps"]
    (step,) = [s for s in steps if s.get("uses", "").startswith("mlgate/mlgate@")]
    value = step.get("env", {}).get("MLGATE_GITHUB_LOGIN", "")
    return expressions.interpolate(value, {"steps": {"app": {"outputs": outputs}}})


@pytest.mark.parametrize(
    ("outputs", "login"),
    [
        ({"token": APP_TOKEN, "app-slug": "mlgate-retrainer"}, "mlgate-retrainer[bot]"),
        ({}, ""),  # no App: GITHUB_TOKEN, github-actions[bot], as mlgate takes a ghs_ token
    ],
)
def test_the_retrain_workflow_names_the_apps_bot(outputs: dict[str, str], login: str) -> None:
    assert login_set_by("retrain.yml", outputs) == login


def test_a_retraining_with_an_apps_token_updates_the_apps_comment(
    fake: FakeGitHub, client: Client
) -> None:
    marker = comments.marker_for("churn")
    fake.add_comment(9, f"## churn: passed\n\n{marker}", login="mlgate-retrainer[bot]", kind="Bot")
    login = login_set_by("retrain.yml", {"token": APP_TOKEN, "app-slug": "mlgate-retrainer"})
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "MLGATE_GITHUB_LOGIN": login,
    }
    ctx = context.load(environ)
    assert ctx is not None
    done = comments.upsert_comment(
        client(APP_TOKEN),
        "o",
        "r",
        9,
        marker=marker,
        body=f"## churn\n\n{marker}",
        author=ctx.login,
    )
    assert done.action == "updated" and len(fake.comments[9]) == 1
