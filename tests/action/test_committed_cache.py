"""Audit S, finding 1, through the workflows: a pull request that makes the model worse
(C 0.5 -> 0.02) committed, with `git add -f`, the baseline-cache entry a run of its
commit reads, its "baseline" its own model. Its job went green against itself, and the
merge job registered it and promoted it to staging. The committed entry is not read:
both jobs train the base commit's model, and fail as the honest run did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.action import events
from tests.action.conftest import Repo
from tests.conftest import git

pytestmark = pytest.mark.e2e

REAL_TRAIN = """\
import os
from pathlib import Path
import joblib, pandas as pd, yaml
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
params = yaml.safe_load(Path(os.environ.get("MLGATE_PARAMS", "params.yaml")).read_text())["train"]
target = os.environ.get("MLGATE_TARGET", "diagnosis")
frame = pd.read_csv(os.environ.get("MLGATE_DATA_TRAIN", "data/train.csv"))
fitted = LogisticRegression(C=params["C"], max_iter=params["max_iter"])
model = make_pipeline(StandardScaler(), fitted)
model.fit(frame.drop(columns=[target]), frame[target])
out = Path(os.environ.get("MLGATE_MODEL", "models/model.joblib"))
out.parent.mkdir(parents=True, exist_ok=True)
joblib.dump(model, out)
"""
CACHE = ".mlgate/cache/baselines"


def _forget_baseline_caches(state: Path) -> None:
    """GitHub scopes a pull request's cache entries to refs/pull/N/merge, and the merge job
    on main never sees them; the harness keeps one pool, so they are dropped here."""
    index = state / "cache" / "index.json"
    entries = json.loads(index.read_text())
    index.write_text(
        json.dumps([e for e in entries if not e["key"].startswith("mlgate-baselines-")])
    )


def test_a_committed_baseline_cache_entry_neither_passes_the_pull_request_nor_registers(
    repo: Repo,
) -> None:
    root = repo.root
    (root / "train.py").write_text(REAL_TRAIN)
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("C: 0.4", "C: 0.02"))
    git(root, "commit", "-q", "-am", "smaller C")
    repo.head = git(root, "rev-parse", "HEAD")
    honest = repo.run(
        "mlgate.yml",
        "pull_request",
        events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base),
    )
    out = honest.step("mlgate").outputs
    assert (honest.conclusion, out.get("verdict")) == ("failure", "failed")

    # the attacker's entry (built offline as `mlgate run` builds it): its baseline is the
    # candidate's own predictions and figures, force-added in a commit of nothing else
    cache = root / CACHE
    (entry,) = [p for p in cache.glob("*.json") if not p.name.endswith(".own.json")]
    key = entry.name.removesuffix(".json")
    candidate = json.loads((root / out["report"]).with_name("run.json").read_text())
    forged = json.loads(entry.read_text())
    forged["evaluate"]["predictions"] = candidate["evaluate"]["predictions"]
    forged["evaluate"]["metrics"] = candidate["evaluate"]["metrics"]
    kept = {
        f"{key}.json": json.dumps(forged),
        f"{key}.own.json": json.dumps(candidate["evaluate"]["metrics"]),
    }
    git(root, "clean", "-ffdxq")  # a fresh checkout: nothing untracked or ignored
    cache.mkdir(parents=True)
    for name, text in kept.items():
        (cache / name).write_text(text)
    git(root, "add", "-f", *(f"{CACHE}/{name}" for name in kept))
    git(root, "commit", "-q", "-m", "tidy")
    repo.head = git(root, "rev-parse", "HEAD")

    _forget_baseline_caches(repo.state)
    pr = repo.run(
        "mlgate.yml",
        "pull_request",
        events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base),
    )
    assert (pr.conclusion, pr.step("mlgate").outputs.get("verdict")) == ("failure", "failed")
    said = f"the cached baseline {CACHE}/{key}.own.json was not read: it is committed"
    assert said in pr.summary
    assert "(from the cache)" not in pr.summary

    _forget_baseline_caches(repo.state)
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "-m", "Merge #7", "feature")
    git(root, "clean", "-ffdxq")
    merged = git(root, "rev-parse", "HEAD")
    job = repo.run(
        "mlgate-merge.yml",
        "push",
        events.push(ref="refs/heads/main", before=repo.base, after=merged),
    )
    outputs = job.step("mlgate").outputs
    assert (job.conclusion, outputs.get("verdict")) == ("failure", "failed")
    assert not outputs.get("version")
    assert said in job.summary
    assert git(root, "tag", "--list", "--points-at", merged) == ""
