"""A re-split baseline whose model was fitted on a frame that still holds `data.id`.

The README allows it: a model fitted on every column, the id too, is scored without the
id when it leaves it out itself (here a ColumnTransformer that names only the features).
The baseline's model names the id among the columns it was fitted on; its rows must
still be keyed as its own run keyed them (without the id), or none of the test rows it
was trained on is found, and the comparison scores it on its own training rows while
the report says "which neither model was trained on" (an audit: 0 rows in the baseline's
training data of 200, and a gate failed wrongly). For a git baseline and a registry
stage alike. The models are fitted ahead (`tests/compare/picked.py`'s `fit_ahead`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from mlgate import manifest as manifests
from mlgate import pipeline, promotion
from mlgate.registry import operations
from mlgate.report import markdown, text
from tests.compare import picked
from tests.compare import test_resplit as resplit_tests
from tests.conftest import git

pytestmark = pytest.mark.e2e  # each test runs both sides, on two splits

TRAIN = """\
import os, joblib, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
features = [c for c in frame.columns if c.startswith("x")]
model = make_pipeline(
    ColumnTransformer([("x", StandardScaler(), features)]), LogisticRegression(max_iter=2000)
)
model.fit(frame.drop(columns=[target]), frame[target])  # the id too: the first step drops it
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""

MANIFEST = resplit_tests.MANIFEST.replace("  target: target\n", "  target: target\n  id: row_id\n")


def dataset() -> pd.DataFrame:
    frame = resplit_tests.dataset("breast_cancer")
    frame.insert(0, "row_id", range(len(frame)))
    return frame


def project(make_repo: Callable[..., Path], baseline: str) -> Path:
    root = make_repo(
        {
            "mlops.yaml": MANIFEST.format(baseline=baseline),
            "prepare.py": resplit_tests.PREPARE.format(seed=0, test_size=0.4),
            "train.py": picked.standing_in(TRAIN),
            "data/all.csv": dataset().to_csv(index=False),
            ".gitignore": "models/\ndata/train.csv\ndata/test.csv\n",
        }
    )
    picked.fit_ahead(TRAIN, root)
    return root


def run(root: Path, *, compare: bool = True):
    picked.fit_ahead(TRAIN, root)
    return pipeline.run(manifests.load(root / "mlops.yaml"), compare=compare)


def expected() -> tuple[int, int, int]:
    """The candidate's test rows, those in the baseline's training data, and those neither
    model was trained on (by row_id: every row of the data is a row_id of its own)."""
    frame = dataset()
    base_train, _ = resplit_tests.split(frame, 0, 0.4)
    ours_train, ours_test = resplit_tests.split(frame, 1, 0.4)
    inside = int(ours_test.row_id.isin(base_train.row_id).sum())
    seen = set(base_train.row_id) | set(ours_train.row_id)
    clean = int((~ours_test.row_id.isin(seen)).sum())
    return len(ours_test), inside, clean


def said_right(result, tested: int, inside: int, clean: int) -> None:
    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert b.source == "scored on the candidate's test rows"
    assert b.training_rows_unknown == ()
    assert b.rows_in_baseline_training == inside
    assert (b.paired_rows, b.candidate_rows) == (clean, tested)
    assert b.same_data is False
    report = markdown.render(result)
    assert "neither model was trained on" not in report
    assert f"{inside} in the baseline's training data" in report
    assert f"{inside} in the baseline's training data" in text.render(result)


def test_a_git_baseline_fitted_with_the_id_leaves_out_its_training_rows(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, "main")
    resplit_tests.resplit(root, seed=1)
    tested, inside, clean = expected()
    assert inside > 0 and 30 <= clean < tested
    result = run(root)
    said_right(result, tested, inside, clean)
    # the candidate's own run keys its training rows as the baseline's scoring does
    assert result.evaluate.train_rows is not None and result.evaluate.train_rows.rows > 0


def test_a_registry_stage_fitted_with_the_id_leaves_out_its_training_rows(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, "{stage: production}")
    loaded = manifests.load(root / "mlops.yaml")
    base = run(root, compare=False)
    where = operations.Where.of(loaded)
    version = operations.register(where, loaded, base).version
    promotion.promote(where, loaded, version, "production")
    resplit_tests.resplit(root, seed=1)
    tested, inside, clean = expected()
    said_right(run(root), tested, inside, clean)


def test_the_same_split_with_the_id_is_still_the_same_rows(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, "main")
    git(root, "checkout", "-q", "-b", "same")
    (root / "README.md").write_text("the same split, the same rows\n")
    git(root, "add", "README.md")
    git(root, "commit", "-qm", "a readme")
    result = run(root)
    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert b.same_data is True and b.paired_rows == b.candidate_rows == 228
    assert b.rows_in_baseline_training == b.rows_in_candidate_training == 0


def test_training_rows_hashed_over_other_columns_are_unknown_not_none(
    make_repo: Callable[..., Path],
) -> None:
    """Where the baseline's training rows were hashed over other columns than its rows are
    keyed by now, and its training file is not at hand to hash them again (a registry
    stage's), no row can be found in them: they are unknown, not "none of them"."""
    import joblib

    from mlgate.compare import baseline

    root = project(make_repo, "none")
    own = run(root, compare=False)
    loaded = manifests.load(root / "mlops.yaml")
    model = joblib.load(root / "models" / "model.joblib")
    frame = pd.read_csv(root / "data" / "test.csv")
    over = baseline._hashed_over(loaded, own)
    assert over == (*(c for c in frame.columns if c.startswith("x")), "target")

    def scored(trained_over: tuple[str, ...]):
        return baseline.score_on_candidate_rows(
            model,
            frame,
            loaded,
            loaded,
            own,
            trained=own.evaluate.train_rows,
            trained_over=trained_over,
        )

    kept = scored(over).train_rows
    assert kept is not None and kept.rows == 0  # its own test rows: none trained on
    assert scored(("row_id", *over)).train_rows is None
