"""`nulls` blanks exactly round(fraction x rows) rows, the same for every column, and its
words say what was done. Each row was blanked with probability `fraction`: "10% of x1
made missing" blanked 42 of 400 rows, and on 30 rows anything from 0 to 7."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlgate.manifest.spec import RobustnessCheck
from mlgate.model import checks, robustness


class Blanked:
    """A regression answering, per row, how many of its columns are missing; it keeps the
    frames it was given."""

    def __init__(self) -> None:
        self.seen: list[pd.DataFrame] = []

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        self.seen.append(frame)
        return frame.isna().sum(axis=1).to_numpy(dtype=float)


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({"x1": rng.normal(size=rows), "x2": rng.normal(size=rows)})


def measured(rows: int, check: RobustnessCheck) -> tuple[robustness.Robustness, Blanked]:
    model = Blanked()
    answer = robustness.answers(model, regression=True, positive_index=None)
    (found,) = robustness.measure((check,), answer, frame(rows), regression=True)
    return found, model


@pytest.mark.parametrize(
    ("rows", "fraction", "blanked"),
    [
        (400, 0.1, 40),  # 0.1 x 400 = 40 (the audit's 400 rows: 42 were blanked)
        (30, 0.1, 3),  # 0.1 x 30 = 3
        (2000, 0.2, 400),  # 0.2 x 2000 = 400
        (33, 0.2, 7),  # 0.2 x 33 = 6.6, rounded to 7
        (30, 0.001, 1),  # 0.03 rounds to 0: at least one row
        (30, 1.0, 30),  # every row
    ],
)
def test_exactly_the_fraction_of_the_rows_is_blanked(
    rows: int, fraction: float, blanked: int
) -> None:
    check = RobustnessCheck(kind="nulls", columns=("x1", "x2"), fraction=fraction)
    found, model = measured(rows, check)
    disturbed = model.seen[-1]
    assert found.rows == blanked and found.changed == blanked  # each blanked row moved
    # the same rows in each column, and no other
    assert (disturbed["x1"].isna() == disturbed["x2"].isna()).all()
    assert int(disturbed["x1"].isna().sum()) == blanked


def test_the_rows_are_seeded_and_the_words_say_what_was_done() -> None:
    check = RobustnessCheck(kind="nulls", columns=("x1",), fraction=0.1)
    (first, one), (again, other) = measured(400, check), measured(400, check)
    assert one.seen[-1]["x1"].isna().equals(other.seen[-1]["x1"].isna())
    assert first == again
    assert first.said == "10% of x1 made missing (40 of 400 rows)"
    assert robustness.described(first).startswith(
        "10% of x1 made missing (40 of 400 rows): changed on 40 of 40 rows (100.00%;"
    )
    # 7 of 33 rows is 21.21%, not the 20% asked for: said as done
    (uneven, _) = measured(33, RobustnessCheck(kind="nulls", columns=("x1",), fraction=0.2))
    assert uneven.said == "21.21% of x1 made missing (7 of 33 rows)"
    result = checks.robustness_check(check, first)
    assert result.message.startswith("10% of x1 made missing (40 of 400 rows): changed on")
