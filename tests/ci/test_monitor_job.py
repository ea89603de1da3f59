"""The scheduled job with `monitor.data` in the manifest: `mlgate monitor --record`, its
Markdown in the job summary and report, the step failing when the data drifted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mlgate import manifest as manifests
from mlgate.ci import jobs
from mlgate.ci import summary as summary_module
from mlgate.ci.plan import plan
from mlgate.github.context import ActionsContext
from mlgate.registry import journal
from tests.github.conftest import TOKEN
from tests.github.server import running
from tests.registry.conftest import Project
from tests.test_monitor import promoted  # noqa: F401 (the fixture)


def test_a_scheduled_run_monitors_records_and_fails_on_drift(
    promoted: Project,  # noqa: F811 (tests/test_monitor.py's fixture)
    tmp_path: Path,
) -> None:
    project = promoted
    frame = pd.read_csv(project.root / "data" / "train.csv")
    frame[["sepal_length", "sepal_width", "petal_length"]] += 3.0
    frame.to_csv(project.root / "production.csv", index=False)
    text = (project.root / "mlops.yaml").read_text()
    (project.root / "mlops.yaml").write_text(text + "monitor:\n  data: production.csv\n")
    loaded = manifests.load(project.root / "mlops.yaml")
    summary = tmp_path / "summary.md"
    with running() as fake:
        ctx = ActionsContext(
            event_name="schedule",
            repository="acme/iris",
            schedule="0 3 * * *",
            step_summary=summary,
            api_url=fake.url,
            token=TOKEN,
        )
        chosen = plan(ctx)
        outcome = jobs.execute(chosen, jobs.Job(ctx=ctx, load=lambda: loaded))
        (issue,) = fake.issues.values()
    assert (chosen.job, outcome.verdict, outcome.passed) == ("monitor", "failed", False)
    assert outcome.lines[-2].startswith(
        # iris's 30 test rows give no estimate to call trusted; its labelled rows decayed
        "monitor: production.csv against v0.1.0 (production): data drifted, performance "
        "decayed; recorded (1 in the history)"
    )
    assert outcome.lines[-1] == f"issue: created {issue['html_url']}"
    summary_module.write_outcome(outcome, ctx)  # what `mlgate ci` does with the outcome
    said = summary.read_text()
    assert said.startswith("## ❌ iris: production data drifted")
    assert said.startswith(Path(outcome.report).read_text())  # the report, whole
    assert "### mlgate: monitor job" in said  # then what the job did
    assert len(journal.read(project.root, "iris/monitor")) == 1
