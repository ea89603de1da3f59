"""A baseline-cache entry that git tracks is never read (audit S, finding 1): its key is
predictable, so a pull request committed (`git add -f`) an entry whose "baseline" was its
own worse model, and its gates passed against itself; merged, the merge job registered
and promoted it. Only mlgate's own runs write the cache: an entry one of them left
(untracked, ignored) is still read."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.compare import baseline
from mlgate.result.records import RunResult
from tests import projects
from tests.compare import picked
from tests.conftest import git

pytestmark = pytest.mark.e2e  # each run trains (a copy of a model fitted ahead)

GATES = """\
compare:
  baseline: main
  gates:
    accuracy: {min_change: -0.05}
    f1_macro: {significance: no significant drop}
"""
CACHE = ".mlgate/cache/baselines"


def run(root: Path) -> RunResult:
    return pipeline.run(manifests.load(root / "mlops.yaml"), env={"PATH": os.environ["PATH"]})


def figures(result: RunResult) -> list[tuple[str, float | None]]:
    assert result.compare is not None
    return [(m.metric, m.baseline) for m in result.compare.metrics]


def test_a_committed_entry_is_refused_and_the_baseline_scored_for_real(
    make_repo: Callable[..., Path],
) -> None:
    files = picked.iris_files(projects.IRIS_MANIFEST + GATES)
    files[".gitignore"] = "models/\n.mlgate/\n"
    root = make_repo(files)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "params.yaml").write_text("train:\n  C: 0.05\n")
    git(root, "commit", "-qam", "change C")

    honest = run(root)  # writes the entry, untracked and ignored
    real = figures(honest)
    again = run(root)  # an entry a real earlier run wrote is read
    assert again.compare is not None and again.compare.baseline.cached
    assert figures(again) == real
    assert "was not read" not in again.compare.baseline.message

    # the forgery: the entry, its baseline the candidate's own model (predictions, figures)
    cache = root / CACHE
    (entry,) = [p for p in cache.glob("*.json") if not p.name.endswith(".own.json")]
    key = entry.name.removesuffix(".json")
    forged = json.loads(entry.read_text())
    candidate = json.loads((root / ".mlgate/runs" / honest.run_id / "run.json").read_text())
    forged["evaluate"]["predictions"] = candidate["evaluate"]["predictions"]
    forged["evaluate"]["metrics"] = candidate["evaluate"]["metrics"]
    entry.write_text(json.dumps(forged))
    (cache / f"{key}.own.json").write_text(json.dumps(candidate["evaluate"]["metrics"]))
    assert [(m, v) for m, v in real if v != candidate["evaluate"]["metrics"].get(m)]
    git(root, "add", "-f", f"{CACHE}/{key}.json", f"{CACHE}/{key}.own.json")
    assert (
        baseline.cache_key(
            git(root, "rev-parse", "main"), honest, manifests.load(root / "mlops.yaml")
        )
        == key
    )  # still the entry a run of this commit reads

    said = (
        f"the cached baseline {CACHE}/{key}.own.json was not read: it is committed (git "
        "tracks it), and a file in the checked-out tree cannot stand for the base commit's "
        "model; the baseline was scored again"
    )
    for where in ("the index", "the commit"):
        if where == "the commit":
            git(root, "commit", "-qm", "tidy")
        before = git(root, "status", "--porcelain", "--", CACHE)
        poisoned = run(root)
        compared = poisoned.compare
        assert compared is not None, where
        assert not compared.baseline.cached, where
        assert said in compared.baseline.message, where
        assert figures(poisoned) == real, where  # main's model, scored again
        assert poisoned.verdict == honest.verdict, where
        report = (root / ".mlgate/runs" / poisoned.run_id / "report.md").read_text()
        assert f"{CACHE}/{key}.own.json" in report and "was not read" in report, where
        # the committed files are left as they are, and nothing is cached over them
        assert json.loads(entry.read_text()) == forged, where
        assert git(root, "status", "--porcelain", "--", CACHE) == before, where


def test_a_committed_link_in_place_of_the_mlgate_folder_is_refused(
    make_repo: Callable[..., Path],
) -> None:
    """`.mlgate -> forged`, committed: the entry is read through the link from files git
    tracks under other names."""
    root = make_repo(
        {"forged/cache/baselines/k.json": "{}", "forged/cache/baselines/k.own.json": "{}"}
    )
    (root / ".mlgate").symlink_to("forged")
    git(root, "add", ".mlgate")
    git(root, "commit", "-qm", "link")
    assert (root / CACHE / "k.json").is_file()
    assert baseline._refused(root, "k").startswith(f"the cached baseline {CACHE}/k.own.json")
    assert baseline._refused(root, "other") == ""  # no such entry: nothing asked of git
    assert baseline._cache_read(root, "k", keep_model=False) is None
