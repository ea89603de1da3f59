"""Which features the model leans on: scikit-learn's permutation importance on the test
rows, scored by a metric of the run (each feature's values shuffled `repeats` times; its
importance is how much the metric drops on average). Any model with predict works, a
model behind `evaluate.predict` too. Run where the model is, in its scoring process; a
failure is kept with its reason and fails the model stage, never skipped in silence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlgate import words
from mlgate.manifest.metrics import METRICS
from mlgate.manifest.spec import Importance as Spec
from mlgate.result.records import FeatureImportance, Importance


def measure(
    spec: Spec,
    model: Any,
    features: pd.DataFrame,
    target: pd.Series,
    *,
    metric: str,
    classes: list[Any] | None,
    positive_index: int,
) -> Importance:
    """`metric` (the spec's, else the run's first) scores each shuffle; rows beyond
    `spec.max_rows` are left out by a seeded draw, so the cost is bounded."""
    from sklearn.inspection import permutation_importance

    from mlgate.model.metrics import compute

    definition = METRICS[metric]
    sign = 1.0 if definition.greater_is_better else -1.0
    rows = len(features)
    if rows > spec.max_rows:
        keep = np.sort(np.random.default_rng(spec.seed).choice(rows, spec.max_rows, replace=False))
        features, target = features.iloc[keep], target.iloc[keep]

    def scorer(estimator: Any, X: pd.DataFrame, y: pd.Series) -> float:
        scores = estimator.predict_proba(X) if definition.needs == "scores" else None
        value = compute(
            metric,
            y.to_numpy(),
            np.asarray(estimator.predict(X)),
            None if scores is None else np.asarray(scores, dtype=float),
            classes=classes,
            positive_index=positive_index,
        )
        return sign * value

    try:
        found = permutation_importance(
            model,
            features,
            target,
            scoring=scorer,
            n_repeats=spec.repeats,
            random_state=spec.seed,
        )
    except Exception as exc:  # the user's model, or a metric undefined on the rows
        said = words.clip(f"{type(exc).__name__}: {exc}".splitlines()[0], 300)
        return Importance(metric=metric, repeats=spec.repeats, rows=len(features), error=said)
    ranked = sorted(
        (
            FeatureImportance(feature=str(name), mean=float(mean), std=float(std))
            for name, mean, std in zip(
                features.columns, found.importances_mean, found.importances_std, strict=True
            )
        ),
        key=lambda f: -f.mean,
    )
    return Importance(
        metric=metric, repeats=spec.repeats, rows=len(features), features=tuple(ranked)
    )
