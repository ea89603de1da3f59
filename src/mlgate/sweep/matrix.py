"""A sweep as a GitHub Actions matrix (`strategy.matrix: ${{ fromJSON(...) }}`).

GitHub runs at most 256 jobs from one matrix, so past 256 configurations each job takes
a shard of them (and the plan says so). A job is told only ids: it makes the same plan
from the same manifest and runs the configurations with those ids, so no params travel
through the workflow's expressions (where a value could become code).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlgate import words
from mlgate.sweep.space import Configuration

MAX_JOBS = 256  # GitHub's limit on the jobs one matrix makes
OUTPUT_LIMIT = 1024 * 1024  # bytes: GitHub's limit on one job's outputs


@dataclass(frozen=True, kw_only=True)
class Matrix:
    include: tuple[dict[str, str], ...]
    configurations: int
    per_job: int  # more than 1: more configurations than jobs, each job runs several

    @property
    def sharded(self) -> bool:
        return self.per_job > 1

    def document(self) -> dict[str, Any]:
        return {"include": list(self.include)}

    def said(self) -> str:
        """What a plan that shards should tell the user; empty when it does not."""
        if not self.sharded:
            return ""
        jobs = words.count(len(self.include), "job")
        each = words.count(self.per_job, "configuration")  # "up to 2" said not what
        return (
            f"{self.configurations:,} configurations are more than GitHub's {MAX_JOBS} jobs "
            f"a matrix: {jobs}, each running up to {each}"
        )


def matrix(configurations: Sequence[Configuration], max_jobs: int = MAX_JOBS) -> Matrix:
    """One job a configuration, up to `max_jobs`; past that, as even shards as fit."""
    count = len(configurations)
    per_job = max(1, math.ceil(count / max_jobs))
    shards = [configurations[i : i + per_job] for i in range(0, count, per_job)]
    return Matrix(
        include=tuple(
            {
                "shard": f"{n}/{len(shards)}",
                "configurations": ",".join(c.id for c in shard),
            }
            for n, shard in enumerate(shards, 1)
        ),
        configurations=count,
        per_job=per_job,
    )
