"""Write the bytecode of what runs import into mlgate's environment, once, when it is installed.

The action installs its environment with `pip --no-compile` (compiling all of SciPy, pandas
and polars up front took half the install) and caches it after the job that installed it.
A cache entry is never rewritten, so the bytecode it keeps is whatever that first job
happened to import: after a first job that only validated, every later run compiled pandas,
scikit-learn, SciPy and matplotlib again, 3.6 s of CPU a run (docs/benchmarks.md). Importing
them here, in the installing job, makes the cache the same whatever the first job ran.

Run as `python -m mlgate.precompile`; it prints what it could not import (an extra that is
not installed, or one broken on import) and always exits 0: the install step must not fail
for a module a run may never need, and one it needs is reported where the run imports it.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

# what a run imports lazily (the model's evaluation, the charts, drift), and what training
# scripts import most (scikit-learn's estimators and splitters), which the run's own
# `python` shares with mlgate's environment
LIBRARIES = (
    "joblib",
    "numpy",
    "pandas",
    "polars",
    "scipy.stats",
    "scipy.spatial",
    "sklearn.compose",
    "sklearn.datasets",
    "sklearn.ensemble",
    "sklearn.impute",
    "sklearn.inspection",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "sklearn.tree",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "matplotlib.style",
    "skops.io",
    "pyarrow.parquet",
)


def mlgate_modules() -> list[str]:
    """Every module of mlgate but `__main__` (importing it would run the command line)."""
    import mlgate

    return [
        info.name
        for info in pkgutil.walk_packages(mlgate.__path__, prefix="mlgate.")
        if not info.name.endswith(".__main__")
    ]


def precompile(names: list[str]) -> list[str]:
    """Import each module (writing its bytecode and its imports'); the ones that failed."""
    sys.dont_write_bytecode = False  # PYTHONDONTWRITEBYTECODE in the job would undo it all
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # not installed, or built for another NumPy: not this step's failure
            failed.append(name)
    return failed


def main() -> int:
    failed = precompile([*mlgate_modules(), *LIBRARIES])
    if failed:
        print(f"mlgate: could not be imported, so not precompiled: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
