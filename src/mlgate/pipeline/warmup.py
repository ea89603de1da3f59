"""Imports loaded on the idle core while something else runs: a sweep's ranking's (pandas,
scikit-learn, joblib) while its workers run; SciPy's statistics while the data stage
reads and profiles the files drift will compare. (A run's scoring imports are loaded by
the process the model is scored from: fork_server.py.)"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DRIFT = ("scipy.stats", "scipy.spatial.distance")
EVALUATION = ("joblib", "pandas", "sklearn.metrics")


def start() -> threading.Thread:
    """Begin importing in a daemon thread (a run that ends first does not wait for it)."""
    warm = threading.Thread(target=load, args=(EVALUATION,), daemon=True)
    warm.start()
    return warm


@contextmanager
def importing(modules: tuple[str, ...]) -> Iterator[None]:
    """`modules` imported on another thread while the body runs, and done when it ends."""

    warm = threading.Thread(target=load, args=(modules,), daemon=True)
    warm.start()
    try:
        yield
    finally:
        warm.join()


def load(modules: tuple[str, ...]) -> None:
    """Each of `modules` imported; one that is missing is reported where it is used."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:  # pragma: no cover (a dependency; the run says what is missing)
            continue
