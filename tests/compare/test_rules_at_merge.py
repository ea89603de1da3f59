"""The rules a pull request changes that the trusted jobs act on after the merge: the
environments (`on: merge`, `requires`, the deploy), the registry's store, the model's
name, the credentials a command is given and the scheduled monitor's settings.

Audit V, finding 1: one line, `production: {requires: staging}` ->
`production: {on: merge, deploy: {command: ...}}`, listed no rule change, and the merge
job then deployed straight to production with the pull request's command."""

from __future__ import annotations

from pathlib import Path

from mlgate import manifest
from mlgate.compare import rules
from mlgate.manifest.spec import Manifest

HEAD = """\
name: churn
data: {train: train.csv, test: test.csv, target: y}
train: {command: python train.py}
evaluate: {task: classification, metrics: [accuracy, f1], positive_label: left}
compare:
  gates:
    accuracy: {significance: no significant drop}
"""
ENVIRONMENTS = """\
environments:
  staging: {on: merge}
  production: {requires: staging}
"""
AT_MERGE = "takes effect when merged: "


def parsed(tmp_path: Path, text: str) -> Manifest:
    return manifest.parse(
        text.encode(), name="mlops.yaml", root=tmp_path, path=tmp_path / "mlops.yaml", files=False
    )


def changed(tmp_path: Path, base: str, head: str) -> list[tuple[str, str, str, str, str]]:
    """(kind, subject, change, old, new) of each rule `head` sets otherwise than `base`."""
    return [
        (r.kind, r.subject, r.change, r.old or "", r.new or "")
        for r in rules.changes(base.encode(), parsed(tmp_path, head))
    ]


def test_production_moved_to_on_merge_with_a_deploy_is_a_changed_rule(tmp_path: Path) -> None:
    """The audit's one line: listed, with what it does once merged said first."""
    base = HEAD + ENVIRONMENTS
    head = base.replace(
        "  production: {requires: staging}",
        "  production: {on: merge, deploy: {command: 'echo DEPLOYED $MLGATE_VERSION > x'}}",
    )
    assert changed(tmp_path, base, head) == [
        (
            "setting",
            "environments.production",
            "changed",
            "requires: staging",
            f"{AT_MERGE}production is promoted on every merge that passes, skipping staging; "
            "a promotion to production deploys this way, with the job's rights; as written "
            "here: on: merge, deploy: {command: echo DEPLOYED $MLGATE_VERSION > x}",
        )
    ]
    # the same manifest, or none of these settings on either side: nothing to say
    assert changed(tmp_path, base, base) == []
    assert changed(tmp_path, HEAD, HEAD) == []


def test_each_change_of_an_environment_says_what_it_does_when_merged(tmp_path: Path) -> None:
    base = HEAD + ENVIRONMENTS + "  canary: {deploy: {command: ./canary.sh}}\n"
    head = (
        HEAD
        + "environments:\n"
        + "  staging: {requires: canary}\n"  # off merge, and a new requirement
        + "  production: {requires: canary, deploy: {docker: {image: ghcr.io/acme/churn}}}\n"
        + "  canary: {deploy: {command: {command: ./canary.sh, pass_env: [AWS_SECRET_KEY]}}}\n"
        + "  shadow: {on: merge}\n"
    )
    found = {
        subject: (change, old, new)
        for _, subject, change, old, new in changed(tmp_path, base, head)
    }
    assert found == {
        "environments.staging": (
            "changed",
            "on: merge",
            f"{AT_MERGE}staging is no longer promoted on merge, only by hand or by dispatch; "
            "staging requires canary first; as written here: requires: canary",
        ),
        "environments.production": (
            "changed",
            "requires: staging",
            f"{AT_MERGE}production requires canary first instead of staging; a promotion to "
            "production deploys this way, with the job's rights; as written here: requires: "
            "canary, deploy: {docker: {image: ghcr.io/acme/churn}}",
        ),
        "environments.canary": (
            "changed",
            "deploy: {command: ./canary.sh}",
            f"{AT_MERGE}a promotion to canary deploys this way, with the job's rights; as "
            "written here: deploy: {command: ./canary.sh, pass_env: [AWS_SECRET_KEY]}",
        ),
        "environments.shadow": (
            "added",
            "",
            f"{AT_MERGE}shadow is a new environment; shadow is promoted on every merge that "
            "passes; as written here: on: merge",
        ),
    }
    # an environment taken out
    gone = changed(tmp_path, head, head.replace("  shadow: {on: merge}\n", ""))
    assert gone == [
        (
            "setting",
            "environments.shadow",
            "removed",
            "on: merge",
            f"{AT_MERGE}shadow is no environment: no merge or promotion moves it or deploys to it",
        )
    ]


def test_the_registry_the_name_and_the_credentials_are_changed_rules(tmp_path: Path) -> None:
    """A store elsewhere (where every later version's model is written and read), a new
    name (a new registry line) and credentials given to a command the merge job runs."""
    base = HEAD + ENVIRONMENTS
    head = (
        base.replace("name: churn", "name: churn-two")
        .replace("{command: python train.py}", "{command: python train.py, pass_env: [HF_TOKEN]}")
        .replace("target: y}", "target: y, prepare: {command: ./get.sh, pass_env: [DB_URL]}}")
        + "registry: {artifacts: 's3://elsewhere/models'}\n"
    )
    found = {
        subject: (change, old, new)
        for _, subject, change, old, new in changed(tmp_path, base, head)
    }
    assert found == {
        "name": (
            "changed",
            "churn",
            f"{AT_MERGE}versions register as churn-two, a new registry line: its numbering "
            "starts again and no environment holds one; churn's versions stay as they are; "
            "as written here: churn-two",
        ),
        "registry.artifacts": (
            "changed",
            ".mlgate/registry",
            f"{AT_MERGE}the merge job stores each version's model there, and promotions, "
            "rollbacks and serving read models from there; as written here: "
            "s3://elsewhere/models",
        ),
        "train.pass_env": (
            "added",
            "",
            f"{AT_MERGE}the merge job gives the train command these variables of the job, "
            "withheld from it otherwise; as written here: [HF_TOKEN]",
        ),
        "data.prepare.pass_env": (
            "added",
            "",
            f"{AT_MERGE}the merge job gives the data.prepare command these variables of the "
            "job, withheld from it otherwise; as written here: [DB_URL]",
        ),
    }
    assert changed(tmp_path, head, base)[2:] == [
        (
            "setting",
            "train.pass_env",
            "removed",
            "[HF_TOKEN]",
            f"{AT_MERGE}the merge job gives the train command none of the job's credentials",
        ),
        (
            "setting",
            "data.prepare.pass_env",
            "removed",
            "[DB_URL]",
            f"{AT_MERGE}the merge job gives the data.prepare command none of the job's credentials",
        ),
    ]


def test_the_scheduled_monitors_settings_are_changed_rules(tmp_path: Path) -> None:
    """`monitor.prepare` runs in the scheduled job, `refresh` in the retraining it starts:
    neither runs in the pull request's own job, which shows nothing of them."""
    base = HEAD + ENVIRONMENTS
    head = base + (
        "monitor:\n"
        "  data: prod.csv\n"
        "  prepare: {command: ./export.sh, pass_env: [WAREHOUSE_TOKEN]}\n"
        "  on_drift: retrain\n"
        "  refresh: ./refresh.sh\n"
    )
    found = [
        (subject, change, old, new)
        for _, subject, change, old, new in changed(tmp_path, base, head)
    ]
    assert found == [
        (
            "monitor.data",
            "added",
            "",
            f"{AT_MERGE}the scheduled monitor job reads these production rows; as written "
            "here: prod.csv",
        ),
        (
            "monitor.prepare",
            "added",
            "",
            f"{AT_MERGE}the scheduled monitor job runs this command, with its rights; as "
            "written here: command: ./export.sh, pass_env: [WAREHOUSE_TOKEN]",
        ),
        (
            "monitor.on_drift",
            "changed",
            "issue",
            f"{AT_MERGE}the scheduled monitor job does this on an alarm (retrain: starts a "
            "retraining); as written here: retrain",
        ),
        (
            "monitor.refresh",
            "added",
            "",
            f"{AT_MERGE}the retraining job runs this command, with its rights; as written "
            "here: command: ./refresh.sh",
        ),
    ]
