"""How the model's answers move when its inputs are disturbed in ways that should not
matter: a column shuffled across rows (invariance), small noise on numbers, values made
missing, values the model never saw, and a number raised (a directional expectation).

Each check scores the test rows once more, disturbed, and counts the rows whose answer
changed (a classifier's label; a regression's prediction by more than `tolerance` of its
size) or, for a directional check, moved the wrong way. The share comes with its exact
(Clopper-Pearson) interval. Runs where the model does, in its scoring process; a model
that fails on the disturbed rows is a finding, said in its own words, never a skip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mlgate import bounds, words
from mlgate.manifest.spec import RobustnessCheck
from mlgate.result.records import Robustness

UNSEEN = "__mlgate_unseen__"
SEED = 0


def share_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact interval of a binomial share k/n: the shares no tail test rejects."""
    from scipy.special import betaincinv

    alpha = bounds.alpha(confidence)
    low = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha / 2))
    high = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - alpha / 2))
    return low, high


Answer = Callable[[pd.DataFrame, bool], np.ndarray]


def measure(
    checks: tuple[RobustnessCheck, ...],
    answer: Answer,
    features: pd.DataFrame,
    *,
    regression: bool,
    confidence: float = 0.95,
) -> tuple[Robustness, ...]:
    """`answer(frame, directional)` is the model's label or number per row, or, for a
    directional check, its score (the positive class's probability, or the number)."""
    undisturbed: dict[bool, np.ndarray] = {}

    def plain(directional: bool) -> np.ndarray:
        if directional not in undisturbed:
            undisturbed[directional] = answer(features, directional)
        return undisturbed[directional]

    return tuple(_one(c, answer, features, plain, regression, confidence) for c in checks)


def _one(
    check: RobustnessCheck,
    answer: Answer,
    features: pd.DataFrame,
    plain: Callable[[bool], np.ndarray],
    regression: bool,
    confidence: float,
) -> Robustness:
    lacking = [c for c in check.columns if c not in features.columns]
    if lacking:
        return _failed(check, f"the model is not given {', '.join(map(repr, lacking))}")
    directional = check.kind == "directional"
    if check.kind in ("noise", "directional"):
        wordy = [c for c in check.columns if not _numeric(features[c])]
        if wordy:  # nothing was added: it measured 0 of n changed, "robust", every time
            return _failed(
                check,
                f"{', '.join(map(repr, wordy))} {'holds' if len(wordy) == 1 else 'hold'} no "
                f"numbers, so nothing can be added to {'it' if len(wordy) == 1 else 'them'}; "
                "an invariance or unseen check disturbs a category",
            )
    rng = np.random.default_rng(SEED)
    disturbed, rows = _disturbed(check, features, rng)
    said = _said(check, int(np.count_nonzero(rows)), len(features))
    try:
        before = plain(directional)
        moved = answer(disturbed, directional)
    except Exception as exc:  # the user's model: its failure is the finding
        why = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return _failed(check, "the model failed on them: " + words.clip(why, 240), said)
    counted = _moved(check, before, moved, regression=regression)[rows]
    k, n = int(np.count_nonzero(counted)), int(np.count_nonzero(rows))
    low, high = share_interval(k, n, confidence) if n else (None, None)
    return Robustness(
        kind=check.kind,
        columns=check.columns,
        said=said,
        rows=n,
        changed=k,
        low=low,
        high=high,
        confidence=confidence,
    )


def _moved(
    check: RobustnessCheck, before: np.ndarray, after: np.ndarray, *, regression: bool
) -> np.ndarray:
    """Which rows' answers moved as the check counts them: against `expect` (directional),
    by more than the tolerance (a regression), or at all (a label). A number that became
    NaN, or stopped being one, moved: a model that stopped answering read as robust."""
    moved: np.ndarray
    if check.kind == "directional":
        wrong = (after - before) * (1 if check.expect == "increase" else -1) < -1e-12
        moved = wrong | (np.isnan(after) != np.isnan(before))
    elif regression:
        size = np.maximum(np.abs(before), 1e-12)
        beyond = np.abs(after - before) > check.tolerance * size
        moved = beyond | (np.isnan(after) != np.isnan(before))
    else:
        moved = after != before
    return moved


def _disturbed(
    check: RobustnessCheck, features: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame disturbed, and which rows were (the share is of those)."""
    frame = features.copy()
    rows = np.ones(len(frame), dtype=bool)
    if check.kind == "nulls":  # one set of rows for every column: the share is of them
        rows = _chosen(check.fraction, len(frame), rng)
    for name in check.columns:
        column = frame[name]
        numeric = _numeric(column)
        if check.kind == "invariance":
            frame[name] = column.to_numpy()[rng.permutation(len(frame))]
        elif check.kind == "noise" and numeric:
            spread = float(np.nanstd(column.to_numpy(dtype=float))) or 1.0
            noisy = column + rng.normal(0.0, check.scale * spread, len(frame))
            integers = pd.api.types.is_integer_dtype(column)
            frame[name] = noisy.round().astype(column.dtype) if integers else noisy
        elif check.kind == "nulls":
            frame[name] = column.astype(object if not numeric else float).where(~rows, None)
        elif check.kind == "unseen":
            frame[name] = column.astype(object).where(column.isna(), UNSEEN)
        elif check.kind == "directional" and numeric:
            frame[name] = column.astype(float) + check.by
    return frame, rows


def _chosen(fraction: float, total: int, rng: np.random.Generator) -> np.ndarray:
    """Exactly round(fraction x total) of the rows (at least one), drawn by `rng`. Each row
    was blanked with probability `fraction`: "10% made missing" blanked 42 of 400 rows,
    and on 30 rows anything from 0 to 7."""
    rows = np.zeros(total, dtype=bool)
    if total:
        count = min(total, max(1, round(fraction * total)))
        rows[rng.choice(total, size=count, replace=False)] = True
    return rows


def _said(check: RobustnessCheck, disturbed: int, total: int) -> str:
    """What was done to the rows: for `nulls`, the share and count of rows made missing,
    which is `fraction` only as near as whole rows allow ("21.21% of x1 made missing (7 of
    33 rows)" for 0.2 of 33)."""
    if check.kind != "nulls" or not total:
        return check.said
    share = 100 * disturbed / total
    percent = f"{share:.0f}%" if abs(share - round(share)) < 1e-9 else f"{share:.2f}%"
    columns, rows = ", ".join(check.columns), words.of(disturbed, total, "row")
    return percent + f" of {columns} made missing ({rows})"


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _failed(check: RobustnessCheck, why: str, said: str = "") -> Robustness:
    return Robustness(kind=check.kind, columns=check.columns, said=said or check.said, error=why)


def answers(model: Any, *, regression: bool, positive_index: int | None) -> Answer:
    """The model's answer per row, as the checks compare it: a classifier's label (its
    score, the positive class's probability, for a directional check), a regression's number."""

    def answer(frame: pd.DataFrame, directional: bool) -> np.ndarray:
        if regression:
            return np.asarray(model.predict(frame), dtype=float).reshape(len(frame))
        if not directional:
            return np.asarray(model.predict(frame)).reshape(len(frame))
        if not callable(getattr(model, "predict_proba", None)):
            raise ValueError("a directional check of a classifier needs predict_proba")
        if positive_index is None:
            raise ValueError(
                "a directional check of a classifier of more than two classes follows one "
                "class's probability: name it in evaluate.positive_label"
            )
        return np.asarray(model.predict_proba(frame), dtype=float)[:, positive_index]

    return answer


def described(found: Robustness) -> str:
    """One line: what was disturbed, and how often the answer moved."""
    if found.error:
        return f"{found.said}: {found.error}"
    what = "moved the wrong way" if found.kind == "directional" else "changed"
    if not found.rows or found.low is None or found.high is None:
        return f"{found.said}: no rows were disturbed"
    return (
        f"{found.said}: {what} on {words.of(found.changed, found.rows, 'row')} "
        f"({found.changed / found.rows:.2%}; {words.confidence(found.confidence)} interval "
        f"{found.low:.2%} to {found.high:.2%})"
    )
