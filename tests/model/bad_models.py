"""Models that misbehave at evaluation, each in one way; pickled by tests, so that they
are loaded the way a user's model is (joblib, in the run's own evaluation)."""

from __future__ import annotations

import os
import signal
import time

import numpy as np


class Misbehaving:
    """predict answers according to `kind`; classes_ when given (a classifier)."""

    def __init__(self, kind: str, classes: list | None = None) -> None:
        self.kind = kind
        if classes is not None:
            self.classes_ = np.array(classes)

    def predict(self, X):
        rows = len(X)
        answers = {
            "none": lambda: None,
            "2d": lambda: np.zeros((rows, 3)),
            "column": lambda: np.full((rows, 1), 100.0),
            "scalar": lambda: 1.5,
            "short": lambda: np.zeros(rows - 1),
            "strings": lambda: np.array(["high"] * rows),
            "objects": lambda: [object() for _ in range(rows)],
            "nan": lambda: np.where(np.arange(rows) == 3, np.nan, 100.0),
            "ragged": lambda: [[1], [1, 2]] * (rows // 2),
            "labels": lambda: np.array([7] * rows),
            "unlabelled": lambda: np.array([None, "setosa", np.nan] + ["setosa"] * (rows - 3)),
            "raises": lambda: {}["feature_x"],
            "noisy": lambda: (print("::error::from the model"), np.full(rows, 100.0))[1],
        }
        if self.kind == "sleep":
            while True:
                time.sleep(1)
        if self.kind == "spin":
            while True:
                pass
        if self.kind == "exit":
            print("giving up")
            os._exit(3)
        if self.kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.kind == "sysexit":
            raise SystemExit(4)
        return answers[self.kind]()


class BadProbabilities:
    """A classifier whose predict is right and whose predict_proba is not."""

    def __init__(self, kind: str, classes: list) -> None:
        self.kind, self.classes_ = kind, np.array(classes)

    def predict(self, X):
        return np.array([self.classes_[0]] * len(X))

    def predict_proba(self, X):
        rows, width = len(X), len(self.classes_)
        if self.kind == "sleep":
            time.sleep(3600)
        return {
            "none": None,
            "1d": np.full(rows, 0.5),
            "narrow": np.full((rows, width - 1), 0.5),
            "text": np.full((rows, width), "p"),
            # a NaN from the third row on; a decision function's margins as "probabilities"
            "nan": np.vstack([np.full((2, width), 1 / width), np.full((rows - 2, width), np.nan)]),
            "margins": np.tile(np.linspace(-2.0, 2.0, width), (rows, 1)),
            # chances scaled by a half from the fourth row on: a log loss off by ln 2
            "halved": np.vstack(
                [np.full((3, width), 1 / width), np.full((rows - 3, width), 0.5 / width)]
            ),
        }[self.kind]


class SlowToLoad:
    """A model whose unpickling never ends (unpickling runs the model's own code)."""

    def __reduce__(self):
        return (time.sleep, (3600,))
