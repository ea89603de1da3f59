"""Ranking when a swept value changes the test rows (a split's size or seed): figures on
different rows do not rank, so each configuration is measured on the choosing rows all
of them were tested on, and the rows counted are the winner's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.result import arrays, runs
from mlgate.sweep import ranking, space
from mlgate.sweep.local import Finished
from tests.conftest import isolate
from tests.sweep.test_local import PICK_TRAINED, project


def run_on(root: Path, test: pd.DataFrame, c: float) -> Finished:
    """A run of the project on `test` as its test file, as a configuration's would be."""
    test.to_csv(root / "data" / "test.csv", index=False)
    (root / "params.yaml").write_text(f"train:\n  C: {c}\n")
    result = pipeline.run(manifests.load(root / "mlops.yaml"), compare=False)
    run = runs.run_dir(root, result.run_id) / runs.RESULT_FILE
    return Finished(
        configuration=space.configuration({"train.C": c}),
        status=result.verdict,
        key="",
        run=os.path.relpath(run, root),
        metrics=dict(result.evaluate.metrics),
    )


def relaxed(root: Path) -> None:
    """Models that underfit (errors to rank by), on half the test rows, pass their checks."""
    text = (root / "mlops.yaml").read_text()
    (root / "mlops.yaml").write_text(
        text.replace("min: 0.8}", "min: 0.1}").replace("min: 20}", "min: 5}")
    )


def by_hand(root: Path, f: Finished, keys: np.ndarray) -> float:
    kept = runs.read(root / f.run).evaluate.predictions
    assert kept is not None
    among = np.isin(arrays.decode(kept.row_keys), keys)
    truth, said = arrays.decode(kept.y_true)[among], arrays.decode(kept.y_pred)[among]
    return float((truth == said).mean())


def more_rows(test: pd.DataFrame, copies: int) -> pd.DataFrame:
    """The test rows `copies` times over, each copy's measurements moved a little (so no
    two rows share a key): enough rows that the halves of two splits share 30."""
    rng = np.random.default_rng(0)
    numbers = test.select_dtypes("number").columns
    return pd.concat(
        [
            test.assign(**{c: test[c] + rng.normal(0, 0.01, len(test)) for c in numbers})
            for _ in range(copies)
        ],
        ignore_index=True,
    )


Made = tuple[Path, Finished, Finished]


def _made(folder: Path, runs_on: str) -> Made:
    """The relaxed project and its runs at C = 0.01 and 0.05: on the same test rows
    ("same"), or the first on half of eight copies of them and the second on all
    ("different")."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        (folder / "home").mkdir()
        isolate(folder / "home", monkeypatch)  # as every test's git is
        root = project(folder, "", PICK_TRAINED, (0.01, 0.05))  # both underfit: some errors
        whole = pd.read_csv(root / "data" / "test.csv")
        relaxed(root)
        if runs_on == "same":
            return root, run_on(root, whole, 0.01), run_on(root, whole, 0.05)
        whole = more_rows(whole, 8)
        fewer = run_on(root, whole.iloc[: len(whole) // 2], 0.01)  # a smaller test split
        return root, fewer, run_on(root, whole, 0.05)


@pytest.fixture(scope="module")
def _runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Made]:
    """Each pair of runs made once for the module (two runs of the whole pipeline each),
    copied for each test that reads them: `on_same_rows`, `on_different_rows`."""
    return {kind: _made(tmp_path_factory.mktemp(kind), kind) for kind in ("same", "different")}


def _copy(made: Made, tmp_path: Path) -> Made:
    """The project and its runs, copied for one test (the runs' paths are relative)."""
    root, first, second = made
    shutil.copytree(root, tmp_path / "iris", symlinks=True)
    return tmp_path / "iris", first, second


@pytest.fixture
def on_same_rows(_runs: dict[str, Made], tmp_path: Path) -> Made:
    return _copy(_runs["same"], tmp_path)


@pytest.fixture
def on_different_rows(_runs: dict[str, Made], tmp_path: Path) -> Made:
    return _copy(_runs["different"], tmp_path)


def test_configurations_tested_on_different_rows_rank_on_the_rows_they_share(
    on_different_rows: Made,
) -> None:
    root, fewer, every = on_different_rows
    ranked = ranking.rank(root, [fewer, every], "accuracy", 0.5)
    keys = {
        f.configuration.id: arrays.decode(runs.read(root / f.run).evaluate.predictions.row_keys)  # type: ignore[union-attr]
        for f in (fewer, every)
    }
    shared = np.intersect1d(keys[fewer.configuration.id], keys[every.configuration.id])
    shared = shared[ranking.chooses(shared, 0.5)]
    assert shared.size >= ranking.MIN_SHARED_ROWS
    assert shared.size < ranking.chooses(keys[every.configuration.id], 0.5).sum()
    assert ranked.unranked == ""
    figures = {r.finished.configuration.id: r.choosing for r in ranked.ranked}
    for f in (fewer, every):
        assert figures[f.configuration.id] == pytest.approx(by_hand(root, f, shared))
    assert ranked.winner is not None
    won = keys[ranked.winner.finished.configuration.id]
    assert ranked.rows == (shared.size, int((~ranking.chooses(won, 0.5)).sum()))
    held = won[~ranking.chooses(won, 0.5)]
    assert ranked.held_out == pytest.approx(by_hand(root, ranked.winner.finished, held))


def test_configurations_tested_on_the_same_rows_rank_on_all_their_choosing_rows(
    on_same_rows: Made,
) -> None:
    root, a, b = on_same_rows
    ranked = ranking.rank(root, [a, b], "accuracy", 0.5)
    keys = arrays.decode(runs.read(root / a.run).evaluate.predictions.row_keys)  # type: ignore[union-attr]
    assert ranked.rows == (
        int(ranking.chooses(keys, 0.5).sum()),
        int((~ranking.chooses(keys, 0.5)).sum()),
    )
    for r in ranked.ranked:
        assert r.choosing == pytest.approx(
            by_hand(root, r.finished, keys[ranking.chooses(keys, 0.5)])
        )


def test_configurations_that_share_too_few_rows_are_not_ranked_and_say_why(
    tmp_path: Path,
) -> None:
    """A seed swept in data.prepare left six configurations sharing 3 test rows: all tied
    at 1.0, the first won, exit 0, no word of it; sharing none, "no configuration has a
    figure to rank by"."""
    root = project(tmp_path, "", PICK_TRAINED, (0.01, 0.05))
    whole = pd.read_csv(root / "data" / "test.csv")
    relaxed(root)
    fewer = run_on(root, whole.iloc[:15], 0.01)  # 15 rows, of which the halves share few
    every = run_on(root, whole, 0.05)
    ranked = ranking.rank(root, [fewer, every], "accuracy", 0.5)
    assert ranked.winner is None and [r.choosing for r in ranked.ranked] == [None, None]
    assert ranked.unranked.startswith("the configurations share ")
    assert "do not rank; sweep values that leave the test rows as they are" in ranked.unranked
    said = ranking.record(ranked)
    from mlgate.report import sweep_tables

    assert sweep_tables.winner(said) == f"no winner: {ranked.unranked}"
    assert ranking.document(ranked)["unranked"] == ranked.unranked


def test_too_few_choosing_rows_on_the_same_rows_rank_nothing(on_same_rows: Made) -> None:
    """`holdout: 0.99` left 2 of 133 rows to choose among 8 configurations, and a winner
    was named with no word of it."""
    root, a, b = on_same_rows
    keys = arrays.decode(runs.read(root / a.run).evaluate.predictions.row_keys)  # type: ignore[union-attr]
    for holdout in (0.9, 0.5):
        choosing = int(ranking.chooses(keys, holdout).sum())
        ranked = ranking.rank(root, [a, b], "accuracy", holdout)
        if choosing < ranking.MIN_CHOOSING_ROWS:
            assert ranked.winner is None and [r.choosing for r in ranked.ranked] == [None, None]
            assert ranked.unranked == (
                f"{choosing} test rows of 30 would choose among the configurations "
                f"(sweep.holdout {holdout:g} held out), fewer than 10: chance would pick the "
                "best; lower sweep.holdout, or test on more rows"
            )
        else:
            assert ranked.winner is not None and ranked.unranked == ""
    assert int(ranking.chooses(keys, 0.9).sum()) < 10 <= int(ranking.chooses(keys, 0.5).sum())


def test_a_winner_with_no_held_out_row_is_no_winner_and_says_why(on_same_rows: Made) -> None:
    root, a, b = on_same_rows
    keys = arrays.decode(runs.read(root / a.run).evaluate.predictions.row_keys)  # type: ignore[union-attr]
    holdout = 0.0001
    assert ranking.chooses(keys, holdout).all()  # the 30 rows all choose
    ranked = ranking.rank(root, [a, b], "accuracy", holdout)
    assert ranked.winner is None and ranked.held_out is None
    assert ranked.unranked.startswith("none of the 30 test rows fell among the held-out 0.0001")


def test_a_configuration_may_win_by_its_checks_on_the_ranking_rows_alone(
    on_same_rows: Made,
) -> None:
    """A metric bound decided on every test row let the held-out rows decide which
    configurations may win: three that failed on the ranking rows passed on all. The
    bound here lies between a configuration's accuracy on all its rows and on the rows
    that rank: on all it passes, where ranked it fails, and it is ranked as failing."""
    from mlgate.report import sweep_tables
    from mlgate.sweep import gating

    root, a, b = on_same_rows
    keys = arrays.decode(runs.read(root / a.run).evaluate.predictions.row_keys)  # type: ignore[union-attr]
    ranking_keys = keys[ranking.chooses(keys, 0.5)]
    every, ranked_on = (by_hand(root, a, keys), by_hand(root, a, ranking_keys))
    assert every != ranked_on and a.status == "passed"
    bound = "min" if every > ranked_on else "max"  # passes on every row, not where ranked
    text = (
        (root / "mlops.yaml")
        .read_text()
        .replace(
            "{metric: accuracy, min: 0.1}",
            f"{{metric: accuracy, {bound}: {(every + ranked_on) / 2}}}",
        )
    )
    (root / "mlops.yaml").write_text(text)
    loaded = manifests.load(root / "mlops.yaml")
    eligible = gating.passes_where_chosen(loaded, 0.5)
    assert eligible(a, runs.read(root / a.run), ranking.chooses(keys, 0.5)) is False
    ranked = ranking.rank(root, [a, b], "accuracy", 0.5, eligible=eligible)
    said = {r.finished.configuration.id: r.eligible for r in ranked.ranked}
    assert said[a.configuration.id] is False
    if said[b.configuration.id]:  # one that passes where ranked wins, whatever its figure
        assert ranked.winner is not None and ranked.winner.finished is b
    record = ranking.record(ranked)
    first = next(c for c in record.configurations if c.id == a.configuration.id)
    assert first.passed_where_ranked is False
    assert sweep_tables.status(first) == "failed on the ranking rows (passed on all)"
    shown = ranking.document(ranked)["configurations"]
    assert {c["id"]: c["passed_where_ranked"] for c in shown} == said  # type: ignore[union-attr,index]


def test_checks_are_judged_on_the_rows_the_figure_is_taken_on(on_different_rows: Made) -> None:
    """With a swept split, each figure is taken on the choosing rows every configuration
    shares, but its checks were judged on its own choosing rows: 0.9572 "passed" under
    `min: 0.96`, and 0.9754 "failed". The bound here lies between a configuration's
    figure on the shared rows and on its own: it is judged as its figure says."""
    from mlgate.sweep import gating

    root, fewer, every = on_different_rows
    keys = arrays.decode(runs.read(root / every.run).evaluate.predictions.row_keys)  # type: ignore[union-attr]
    own = keys[ranking.chooses(keys, 0.5)]
    shared = ranking.rank(root, [fewer, every], "accuracy", 0.5).ranked
    figure = next(r.choosing for r in shared if r.finished is every)
    assert figure is not None and figure != by_hand(root, every, own)
    bound = "min" if figure > by_hand(root, every, own) else "max"  # passes where ranked
    middle = (figure + by_hand(root, every, own)) / 2
    text = (root / "mlops.yaml").read_text()
    (root / "mlops.yaml").write_text(
        text.replace("{metric: accuracy, min: 0.1}", f"{{metric: accuracy, {bound}: {middle}}}")
    )
    eligible = gating.passes_where_chosen(manifests.load(root / "mlops.yaml"), 0.5)
    ranked = ranking.rank(root, [fewer, every], "accuracy", 0.5, eligible=eligible)
    assert next(r.eligible for r in ranked.ranked if r.finished is every) is True


def test_a_configuration_that_did_not_finish_says_why_in_the_tables() -> None:
    """The progress line said "error: training: `python train.py` exited with code 1", the
    ranking table and the report only "error"; and a lone ranked configuration's winner
    line called it "the best of several"."""
    from mlgate.report import sweep_tables
    from mlgate.result.records import SweepRecord, SweptConfiguration

    why = "training: `python train.py` exited with code 1\n  hint: see its train.log"
    record = SweepRecord(
        metric="accuracy",
        holdout=0.5,
        choosing_rows=57,
        held_out_rows=57,
        configurations=(
            SweptConfiguration(
                id="a1",
                params={"train.C": 0.1},
                status="passed",
                figure=0.9,
                passed_where_ranked=True,
            ),
            SweptConfiguration(
                id="b2", params={"train.C": 10}, status="error", figure=None, reason=why
            ),
        ),
        winner="a1",
        choosing=0.9,
        held_out=0.88,
    )
    table = sweep_tables.text(record)
    assert (
        "error: training: `python train.py` exited with code 1   hint: see its train.log" in table
    )
    assert len(table.splitlines()) == 3 + 2  # the header, two rows, a blank, the winner
    assert (
        "| 2 | `b2` | — | error: training: \\`python train.py\\` exited with code 1   hint: "
        in (sweep_tables.markdown(record, charts=False))
    )
    assert sweep_tables.winner(record).endswith("; 0.9000 on the rows that ranked it, alone")
    assert "several" not in sweep_tables.winner(record)
