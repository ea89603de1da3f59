"""Robustness checks on real scikit-learn models: a column the model ignores never moves
its answers, one it leans on does; a model that cannot take missing or unseen values is
said to fail in its own words; a monotone model never moves the wrong way; every share's
interval is the exact binomial interval scipy computes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from mlgate.manifest.spec import RobustnessCheck
from mlgate.model import checks, robustness

ROWS = 2000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(ROWS, 2))
    return pd.DataFrame(
        {
            "x1": x[:, 0],
            "x2": x[:, 1],
            "plan": rng.choice(["free", "pro"], ROWS),
            "y": (x[:, 0] - 0.5 * x[:, 1] + rng.normal(size=ROWS) > 0).astype(int),
        }
    )


def measured(model, frame, *kinds: RobustnessCheck, regression=False):  # type: ignore[no-untyped-def]
    features = frame.drop(columns=["y"])
    answer = robustness.answers(model, regression=regression, positive_index=1)
    return robustness.measure(kinds, answer, features, regression=regression)


def onehot(handle_unknown: str):  # type: ignore[no-untyped-def]
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown=handle_unknown), ["plan"]), remainder="passthrough"
    )
    return make_pipeline(encode, LogisticRegression())


def test_an_ignored_column_never_moves_the_answers_and_a_used_one_does(frame) -> None:  # type: ignore[no-untyped-def]
    model = onehot("error").fit(frame.drop(columns=["y"]), frame["y"])
    ignored, used = measured(
        make_pipeline(
            make_column_transformer(("passthrough", ["x1", "x2"])), LogisticRegression()
        ).fit(frame.drop(columns=["y"]), frame["y"]),
        frame,
        RobustnessCheck(kind="invariance", columns=("plan",)),
        RobustnessCheck(kind="invariance", columns=("x1",)),
    )
    assert (ignored.changed, ignored.rows, ignored.low) == (0, ROWS, 0.0)
    assert used.changed > ROWS / 5
    for found in (ignored, used):  # the exact interval, as scipy has it
        ci = binomtest(found.changed, found.rows).proportion_ci(0.95, method="exact")
        assert (found.low, found.high) == pytest.approx((ci.low, ci.high), abs=1e-12)
    (noise,) = measured(
        model, frame, RobustnessCheck(kind="noise", columns=("x1", "x2"), scale=1e-6)
    )
    assert noise.changed <= 2  # a millionth of a standard deviation moves at most a tie


def test_missing_and_unseen_values_are_a_finding_not_a_crash(frame) -> None:  # type: ignore[no-untyped-def]
    strict = onehot("error").fit(frame.drop(columns=["y"]), frame["y"])
    nulls, unseen = measured(
        strict,
        frame,
        RobustnessCheck(kind="nulls", columns=("x1",), fraction=0.2),
        RobustnessCheck(kind="unseen", columns=("plan",)),
    )
    assert nulls.error.startswith("the model failed on them: ValueError: Input X contains NaN")
    assert "Found unknown categories" in unseen.error
    result = checks.robustness_check(RobustnessCheck(kind="unseen", columns=("plan",)), unseen)
    assert result.status == "failed" and "plan set to a value never seen" in result.message
    lenient = onehot("ignore").fit(frame.drop(columns=["y"]), frame["y"])
    (unseen,) = measured(lenient, frame, RobustnessCheck(kind="unseen", columns=("plan",)))
    assert not unseen.error and unseen.rows == ROWS
    native = HistGradientBoostingClassifier(max_iter=20).fit(frame[["x1", "x2"]], frame["y"])
    (nulls,) = measured(
        native,
        frame[["x1", "x2", "y"]],
        RobustnessCheck(kind="nulls", columns=("x1",), fraction=0.2),
    )
    assert not nulls.error and nulls.rows == 400  # the rows made missing: 0.2 x 2,000
    assert 0 < nulls.changed < nulls.rows


def test_a_monotone_model_never_moves_the_wrong_way(frame) -> None:  # type: ignore[no-untyped-def]
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame["y"])  # x1 up: more likely 1
    data = frame[["x1", "x2", "y"]]
    up, down = measured(
        model,
        data,
        RobustnessCheck(kind="directional", columns=("x1",), by=0.5, expect="increase"),
        RobustnessCheck(kind="directional", columns=("x1",), by=0.5, expect="decrease"),
    )
    assert up.changed == 0 and down.changed == ROWS
    bound = RobustnessCheck(
        kind="directional", columns=("x1",), by=0.5, expect="decrease", max_changed_fraction=0.1
    )
    result = checks.robustness_check(bound, down)
    assert (
        result.status == "failed"
        and result.rule == "moved the wrong way on at most 10.00% of the rows"
    )


def test_a_regression_counts_changes_past_its_tolerance(frame) -> None:  # type: ignore[no-untyped-def]
    data = frame[["x1", "x2"]].assign(y=2 * frame["x1"] + 10 + 0.01 * frame["x2"])
    model = LinearRegression().fit(data[["x1", "x2"]], data["y"])
    small, large = measured(
        model,
        data,
        RobustnessCheck(kind="invariance", columns=("x2",), tolerance=0.05),
        RobustnessCheck(kind="invariance", columns=("x1",), tolerance=0.05),
        regression=True,
    )
    assert small.changed == 0 and large.changed > ROWS / 2


class NaNWithoutX1:
    """A regression that answers NaN where x1 is missing, rather than raising."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return frame["x1"].astype(float).to_numpy() * 2.0


def test_nulls_over_columns_empty_them_on_one_set_of_rows_and_count_all_of_it(frame) -> None:  # type: ignore[no-untyped-def]
    """Each column was emptied on rows of its own, and only the last column's rows were
    counted: 22 of 24 where 34 of 38 rows had been disturbed. A NaN answer counted as
    unchanged: a model that stopped answering was "robust"."""
    check = RobustnessCheck(kind="nulls", columns=("x1", "x2"), fraction=0.2)
    (found,) = measured(NaNWithoutX1(), frame, check, regression=True)
    assert (found.rows, found.changed) == (400, 400)  # 0.2 x 2,000 rows, every one NaN
    (x2_only,) = measured(
        NaNWithoutX1(), frame, RobustnessCheck(kind="nulls", columns=("x2",)), regression=True
    )
    assert x2_only.changed == 0 and x2_only.rows > 0  # x2 is not read: nothing moved


def test_noise_on_a_column_without_numbers_fails_and_says_why(frame) -> None:  # type: ignore[no-untyped-def]
    """Noise "added" to a text column changed nothing, and a model leaning on it read as
    robust: 0 of 2,000 changed, with an exact interval to its name."""
    model = onehot("error").fit(frame.drop(columns=["y"]), frame["y"])
    noise, raised = measured(
        model,
        frame,
        RobustnessCheck(kind="noise", columns=("plan", "x1"), scale=10),
        RobustnessCheck(kind="directional", columns=("plan",), by=1000),
    )
    assert noise.error == (
        "'plan' holds no numbers, so nothing can be added to it; an invariance or unseen "
        "check disturbs a category"
    )
    assert raised.error is not None and raised.rows == 0
