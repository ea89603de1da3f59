"""The run, stage by stage, to one RunResult and its verdict.

`flow` is the sequence (run, recompare); `stages` the body of each stage; `verdict` the
words a run is summed up in; `observer` who hears of progress; `environment` what the
run ran on; `warmup` the imports loaded while the user's training runs.
"""

from mlgate.pipeline.flow import check_data, check_model, recompare, run
from mlgate.pipeline.observer import Observer
from mlgate.pipeline.stages import DATA_STARTS, RUN_STARTS, origin

__all__ = [
    "DATA_STARTS",
    "RUN_STARTS",
    "Observer",
    "check_data",
    "check_model",
    "origin",
    "recompare",
    "run",
]
