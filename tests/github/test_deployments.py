"""Deployments and their statuses, checked against GitHub's description on the loopback."""

from __future__ import annotations

from mlgate.github import deployments


def test_a_deployment_goes_in_progress_then_success_with_its_url(fake, client) -> None:
    gh = client()
    made = deployments.create(
        gh,
        "o",
        "r",
        sha="a" * 40,
        environment="staging",
        description="churn v1.2.0",
        payload={"version": "v1.2.0"},
    )
    deployments.set_status(gh, "o", "r", made, "in_progress", description="deploying")
    deployments.set_status(
        gh, "o", "r", made, "success", environment_url="https://staging.example.org"
    )
    (created,) = fake.deployments
    assert created["environment"] == "staging" and created["sha"] == "a" * 40
    assert created["payload"] == {"version": "v1.2.0"}
    states = [s["state"] for s in fake.deployment_statuses[made.id]]
    assert states == ["in_progress", "success"]
    assert fake.deployment_statuses[made.id][-1]["environment_url"] == "https://staging.example.org"
