"""What the sweep says of a winner whose held-out figure cannot be trusted on its own: one
undefined there (a class with no held-out row, for a ROC area of three classes) is no
winner: it won, was gated and passed beside "trust the held-out figure" and "n/a"
(audit W, finding 3); and the best of configurations that all failed the model checks
where ranked says so when its checks pass on the held-out rows (finding 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate import manifest as manifests
from mlgate.result import arrays, runs
from mlgate.sweep import gating, local, ranking
from tests.conftest import isolate
from tests.sweep.test_local import PICK_TRAINED, project
from tests.sweep.test_ranking import Made, relaxed, run_on


@pytest.fixture(scope="module")
def _made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    folder = tmp_path_factory.mktemp("same")
    with pytest.MonkeyPatch.context() as monkeypatch:
        (folder / "home").mkdir()
        isolate(folder / "home", monkeypatch)
        root = project(folder, "", PICK_TRAINED, (0.01, 0.05))
        relaxed(root)
        whole = pd.read_csv(root / "data" / "test.csv")
        return root, run_on(root, whole, 0.01), run_on(root, whole, 0.05)


@pytest.fixture
def on_same_rows(_made: Made, tmp_path: Path) -> Made:
    import shutil

    root, first, second = _made
    shutil.copytree(root, tmp_path / "iris", symlinks=True)
    return tmp_path / "iris", first, second


def test_a_best_with_no_held_out_figure_is_no_winner_and_says_why(on_same_rows: Made) -> None:
    root, first, _ = on_same_rows
    kept = runs.read(root / first.run).evaluate.predictions
    assert kept is not None
    test = pd.read_csv(root / "data" / "test.csv")
    held = ~ranking.chooses(arrays.decode(kept.row_keys), 0.5)
    assert len(held) == len(test)  # the kept rows are the file's, in its order
    dropped = test[~(held & (test["species"] == "virginica").to_numpy())]
    assert (dropped["species"] == "virginica").any()  # still among the ranking rows
    low, high = run_on(root, dropped, 0.01), run_on(root, dropped, 0.05)
    ranked = ranking.rank(root, [low, high], "roc_auc", 0.5)
    assert ranked.winner is None and ranked.held_out is None
    best = next(r for r in ranked.ranked if r.choosing is not None)
    rows = int((~ranking.chooses(np.asarray(_keys(root, low)), 0.5)).sum())
    assert ranked.unranked == (
        f"the best on the rows that ranked ({best.finished.configuration.id}) has no figure "
        f"on the {rows} held-out test rows: roc_auc is undefined there (undefined: 1 class "
        "without a row here ('virginica')), so no figure of it played no part in choosing "
        "it; raise sweep.holdout, test on more rows, or rank by a metric defined there"
    )
    # accuracy is defined there: the same runs have a winner
    assert ranking.rank(root, [low, high], "accuracy", 0.5).winner is not None


def test_the_best_of_those_that_failed_where_ranked_says_so(on_same_rows: Made) -> None:
    root, low, high = on_same_rows
    manifest = manifests.load(root / "mlops.yaml")
    said = "no configuration passed the model checks on the rows that ranked them"
    passed = gating.gate(manifest, ranking.rank(root, [low, high], "accuracy", 0.5), root)
    assert passed is not None and not any(said in n for n in passed.notes)
    none_passed = ranking.rank(root, [low, high], "accuracy", 0.5, eligible=lambda *_: False)
    gated = gating.gate(manifest, none_passed, root)
    assert gated is not None
    [note] = [n for n in gated.notes if said in n]
    assert note.endswith(
        "; no configuration passed the model checks on the rows that ranked them, and this "
        "one, the best of those that failed there, passes or fails them on the held-out "
        "rows alone"
    )


def _keys(root: Path, finished: local.Finished) -> np.ndarray:
    kept = runs.read(root / finished.run).evaluate.predictions
    assert kept is not None
    return arrays.decode(kept.row_keys)
