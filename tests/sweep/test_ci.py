"""A sweep through the action's jobs (`mlgate ci --command sweep-plan | sweep |
sweep-collect`), as the mlgate-sweep workflow runs them: the matrix output a later job's
`strategy.matrix` reads, each matrix job's configurations, and the collect job's ranking
in the job summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.ci import jobs
from mlgate.ci.plan import plan
from mlgate.errors import UserError
from mlgate.github.context import ActionsContext
from tests.sweep.test_local import PICK_TRAINED, project

pytestmark = pytest.mark.e2e  # the matrix's jobs train

GRID = (0.01, 1.0)
SWEEP = f"sweep:\n  grid: {{train.C: {list(GRID)}}}\n  metric: accuracy\n"


def context(tmp_path: Path, name: str) -> ActionsContext:
    return ActionsContext(
        event_name="workflow_dispatch",
        repository="o/r",
        output=tmp_path / f"{name}.output",
        step_summary=tmp_path / f"{name}.summary",
    )


def outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's `name<<DELIMITER` blocks, as the runner reads them."""
    lines, found = path.read_text().splitlines(), {}
    while lines:
        name, delimiter = lines.pop(0).split("<<")
        value = []
        while (line := lines.pop(0)) != delimiter:
            value.append(line)
        found[name] = "\n".join(value)
    return found


def test_the_plan_the_matrix_jobs_and_the_collect_job(tmp_path: Path) -> None:
    ctx = context(tmp_path, "plan")
    root = project(tmp_path / "plan", SWEEP, PICK_TRAINED, GRID)
    loaded = manifests.load(root / "mlops.yaml")
    planned = jobs.execute(plan(ctx, "sweep-plan"), jobs.Job(ctx=ctx, load=lambda: loaded))
    jobs.set_outputs(planned, ctx)
    matrix = json.loads(outputs(ctx.output)["matrix"])  # type: ignore[arg-type]
    assert [j["shard"] for j in matrix["include"]] == ["1/2", "2/2"]
    collect_root = project(tmp_path / "collect", SWEEP, PICK_TRAINED, GRID)
    downloaded = collect_root / "mlgate-sweep"
    for n, entry in enumerate(matrix["include"]):
        job_ctx = context(tmp_path, f"job{n}")
        checkout = project(tmp_path / f"job{n}", SWEEP, PICK_TRAINED, GRID)
        made = manifests.load(checkout / "mlops.yaml")
        done = jobs.execute(
            plan(job_ctx, "sweep"),
            jobs.Job(ctx=job_ctx, load=lambda m=made: m, configurations=entry["configurations"]),
        )
        assert done.passed and done.lines[-1].startswith(f"sweep: {entry['configurations']} ")
        # what upload-artifact then download-artifact (a folder an artifact) leave
        sweeps = checkout / ".mlgate" / "sweeps"
        artifact = downloaded / f"mlgate-sweep-{n}"
        artifact.mkdir(parents=True)
        for record in sweeps.glob("*.json"):
            if record.name.count(".") == 1:
                shutil.copy(record, artifact)
        for runs in sweeps.glob("*/.mlgate/runs"):
            shutil.copytree(runs, artifact / runs.relative_to(sweeps))
    ctx = context(tmp_path, "collect")
    made = manifests.load(collect_root / "mlops.yaml")
    done = jobs.execute(
        plan(ctx, "sweep-collect"),
        jobs.Job(ctx=ctx, load=lambda: made, artifact=Path("mlgate-sweep")),
    )
    assert done.passed and done.verdict == "passed"
    # the winner gated as a run of the collect job's project, reported as every run is
    gated = done.result
    assert gated is not None and gated.sweep is not None
    assert dict(
        next(c for c in gated.sweep.configurations if c.id == gated.sweep.winner).params
    ) == {"train.C": 1.0}
    assert gated.evaluate.predictions is not None
    assert gated.evaluate.predictions.rows == gated.sweep.held_out_rows
    assert gated.evaluate.metrics["accuracy"] == gated.sweep.held_out
    # its model named from the project's folder, as every path of a run is (it was named
    # from the artifacts' folder: mlgate-sweep-1/KEY/models/model.joblib)
    assert gated.train.model is not None
    assert gated.train.model.path.startswith("mlgate-sweep/mlgate-sweep-")
    assert (collect_root / done.report).is_file() or Path(done.report).is_file()
    summary = ctx.step_summary.read_text()  # type: ignore[union-attr]
    assert "### Sweep: 2 configurations, ranked by accuracy on " in summary
    assert "| 1 | `" in summary and "train.C=1.0" in summary
    assert any(line.startswith("winner: ") for line in done.lines)
    assert done.lines[-1].startswith("note: no comment or check posted: the event is workflow")
    # a job that uploaded nothing: the rest ranked and gated, and the step fails on it
    shutil.rmtree(downloaded / "mlgate-sweep-0")
    partial = jobs.execute(
        plan(ctx, "sweep-collect"),
        jobs.Job(ctx=ctx, load=lambda: made, artifact=Path("mlgate-sweep")),
    )
    assert partial.result is not None and partial.result.passed
    assert not partial.passed and partial.verdict == "failed"
    assert any(
        line.endswith("missing: no run of it under mlgate-sweep: its job failed or did not upload")
        for line in partial.lines
    )
    with pytest.raises(UserError, match="not a configuration this manifest's sweep makes"):
        jobs.execute(
            plan(ctx, "sweep"), jobs.Job(ctx=ctx, load=lambda: made, configurations="0123abcd")
        )
