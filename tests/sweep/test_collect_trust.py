"""`sweep collect` believes of an upload only what it can check: the baseline is scored on
the checkout's own files (an upload that put a manifest and a test.csv beside its run
chose the rows, and flipped a failing gate to PASSED), and a run whose recorded figures
or verdict disagree with its own predictions and checks is refused, by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mlgate import pipeline
from mlgate.cli.main import main
from mlgate.sweep import collect
from tests.sweep.test_local import two_swept

pytestmark = pytest.mark.e2e  # every configuration trains


def _uploaded(root: Path, run: str, folder: Path, key: str, cid: str, nest: str = "") -> Path:
    """A run laid out as a job uploads it (`KEY.json`, `KEY/.mlgate/runs/ID/`), its run
    moved `nest` folders deeper; its run.json."""
    run_dir = (root / run).parent
    where = folder / key / ".mlgate" / "runs" / nest / ".mlgate" / "runs" / run_dir.name
    shutil.copytree(run_dir, where)
    record = {"id": cid, "run": where.joinpath("run.json").relative_to(folder).as_posix()}
    (folder / f"{key}.json").write_text(json.dumps(record))
    return where / "run.json"


def test_collect_scores_the_baseline_on_the_checkouts_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _, _, finished = two_swept(tmp_path)
    folder = root / "mlgate-sweep" / "job"  # downloaded inside the project, as the workflow does
    for f in finished:
        run = _uploaded(root, f.run, folder, f.key, f.configuration.id, nest="X")
        beside = run.parents[3]  # a manifest and 5 test rows of the upload's choosing
        shutil.copy(root / "mlops.yaml", beside / "mlops.yaml")
        (beside / "data").mkdir()
        rows = (root / "data" / "test.csv").read_text().splitlines()[:6]
        (beside / "data" / "test.csv").write_text("\n".join(rows) + "\n")
    scored: list[Any] = []
    real = pipeline.recompare

    def spy(manifest: Any, *args: Any, **kwargs: Any) -> Any:
        scored.append(manifest)
        return real(manifest, *args, **kwargs)

    monkeypatch.setattr(pipeline, "recompare", spy)
    main(["sweep", "collect", str(root / "mlgate-sweep"), "-C", str(root), "--json"])
    [manifest] = scored
    assert (manifest.root, manifest.data.test) == (root, "data/test.csv")
    assert manifest.data.train == "data/train.csv"


def _forged(root: Path, folder: Path, f: Any, change: Any) -> None:
    run = _uploaded(root, f.run, folder, f.key, f.configuration.id)
    doc = json.loads(run.read_text())
    change(doc)
    run.write_text(json.dumps(doc))


def test_collect_refuses_a_run_whose_figures_or_verdict_are_not_its_own(tmp_path: Path) -> None:
    root, loaded, made, (first, second) = two_swept(tmp_path)

    def predicted_right(doc: dict[str, Any]) -> None:  # its figures still say otherwise
        kept = doc["evaluate"]["predictions"]
        kept["y_pred"] = kept["y_true"]

    def verdict_passed(doc: dict[str, Any]) -> None:  # its own checks say otherwise
        doc["verdict"], doc["summary"] = "failed", "all fine"

    def figure_raised(doc: dict[str, Any]) -> None:
        doc["evaluate"]["metrics"]["accuracy"] = 0.999

    for n, change in enumerate((predicted_right, verdict_passed, figure_raised)):
        folder = tmp_path / f"forged{n}"
        _forged(root, folder, first, change)
        _uploaded(root, second.run, folder, second.key, second.configuration.id)
        found = collect.collected(folder, loaded, made)
        assert found[1].status == second.status  # the genuine one is ranked
        assert found[0].status == "missing", (change.__name__, found[0])
        reason = found[0].message
        assert reason.startswith(f"no run of it under forged{n}: its upload was refused ")
        said = {
            predicted_right: "its recorded accuracy",
            verdict_passed: "its verdict is not the one its own checks give",
            figure_raised: "its recorded accuracy is 0.999",
        }[change]
        assert said in reason, reason


def test_collect_refuses_a_run_made_at_another_commit(tmp_path: Path) -> None:
    """Manifest and params alike, the training code another: a run of an older commit
    was ranked as this one's (the audit's step (c))."""
    from mlgate import manifest as manifests
    from mlgate.sweep import local, space
    from tests.conftest import git
    from tests.sweep.test_local import PICK_TRAINED, project

    grid = (0.1, 1.0)
    root = project(tmp_path, f"sweep:\n  grid: {{train.C: {list(grid)}}}\n", PICK_TRAINED, grid)
    git(root, "init", "-q")
    (root / ".gitignore").write_text(".mlgate/\nmodels/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the sweep")
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    finished = local.sweep(loaded, made, workers=2)
    folder = tmp_path / "downloaded"
    for f in finished:
        _uploaded(root, f.run, folder, f.key, f.configuration.id)
    forged = _uploaded(root, finished[0].run, folder, "forged", finished[0].configuration.id, "Z")
    doc = json.loads(forged.read_text())
    doc["evaluate"]["metrics"] = {k: 1.0 for k in doc["evaluate"]["metrics"]}
    forged.write_text(json.dumps(doc))
    kept = collect.collected(folder, loaded, made)
    assert kept[0].status != "missing"  # ranked on its genuine upload, the forged one said
    assert "; another upload of it was refused (forged.json: " in kept[0].message
    (folder / "forged.json").unlink()  # its record gone: the upload gone
    (root / "train.py").write_text((root / "train.py").read_text() + "\n# another model\n")
    git(root, "commit", "-q", "-am", "other training code")
    first = finished[0]  # a second upload of it: each refusal said, not the first alone
    _uploaded(root, first.run, folder, "again", first.configuration.id, nest="Y")
    found = collect.collected(folder, loaded, made)
    assert [f.status for f in found] == ["missing", "missing"]
    head = git(root, "rev-parse", "HEAD")
    assert f"and this checkout is at {head[:12]} (plan, jobs and collect check out one commit)" in (
        found[1].message
    )
    assert "its 2 uploads were refused (" in found[0].message
    assert found[0].message.count("its run was made at commit") == 2
