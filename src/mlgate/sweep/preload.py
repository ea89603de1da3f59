"""Imported by the sweep's fork server alone (local.py): everything a configuration's run
loads, the manifest's validator built, the package versions a run records read and the
numerical libraries whose threads a worker limits found, once. Each worker is forked
from that server, so it starts with them instead of spending its own time on them; two
cores cannot spare it (measured: without the libraries, two workers were no faster than
one; without mlgate's own modules and the validator, each configuration took 0.12 s
more)."""

from __future__ import annotations

MODULES = (
    "mlgate.cli.main",  # what multiprocessing runs again in each worker as its __main__
    "cloudpickle",  # a worker's scoring request is sent with it (proc.call)
    "mlgate.fork_server",
    "joblib",
    "pandas",
    "polars",
    "sklearn.metrics",
    "scipy.stats",
    "scipy.spatial.distance",
    "jsonschema_rs",
    "mlgate.pipeline",
    "mlgate.sweep.local",
    # what a run's stages import when they start (pipeline/stages.py, pipeline/flow.py)
    "mlgate.data.checks",
    "mlgate.data.drift",
    "mlgate.data.fingerprint",
    "mlgate.data.load",
    "mlgate.data.profile",
    "mlgate.model.checks",
    "mlgate.model.evaluate",
    "mlgate.model.isolated",
    "mlgate.model.loading",
    "mlgate.report.charts",
    "mlgate.report.markdown",
)


def _load() -> None:
    from mlgate.manifest import schema_check
    from mlgate.pipeline import warmup
    from mlgate.pipeline.environment import environment
    from mlgate.sweep import local

    warmup.load(MODULES)
    schema_check.warm()
    environment()  # the package versions each run records (cached)
    local.find_libraries()


_load()
