"""Imports loaded on the idle core while something else runs: the evaluation's (pandas,
scikit-learn, joblib) during the user's training, so that scoring starts at once when
training ends; SciPy's statistics while the data stage reads and profiles the files drift
will compare."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DRIFT = ("scipy.stats", "scipy.spatial.distance")


def start() -> threading.Thread:
    """Begin importing in a daemon thread (a run that ends first does not wait for it)."""
    from mlgate.model import isolated

    warm = threading.Thread(target=isolated.warm_imports, daemon=True)
    warm.start()
    return warm


@contextmanager
def importing(modules: tuple[str, ...]) -> Iterator[None]:
    """`modules` imported on another thread while the body runs, and done when it ends: a
    later stage forks (model/isolated.py), and a fork amid an import would hang the child."""

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
