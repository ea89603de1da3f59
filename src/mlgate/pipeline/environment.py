"""What a run ran on: Python, the platform and the versions of the packages that decide
a model's answers, recorded so that a difference between two runs can be explained."""

from __future__ import annotations

import functools
import platform
from importlib import metadata

from mlgate import __version__
from mlgate.result.records import Environment

REPORTED_PACKAGES = ("numpy", "pandas", "polars", "scikit-learn", "joblib", "skops")


@functools.cache  # what a process has loaded does not change while it runs
def environment() -> Environment:
    packages = {"mlgate": __version__}
    for name in REPORTED_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return Environment(
        python=platform.python_version(), platform=platform.platform(), packages=packages
    )
