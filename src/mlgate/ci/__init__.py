"""`mlgate ci`: one entry point for every trigger. The event picks the job (plan), the
job runs (jobs), and the step log, job summary and outputs say what happened (summary)."""

from mlgate.ci.jobs import Job, Outcome, execute, set_outputs
from mlgate.ci.plan import COMMANDS, Plan, plan
from mlgate.ci.summary import write_error, write_outcome

__all__ = [
    "COMMANDS",
    "Job",
    "Outcome",
    "Plan",
    "execute",
    "plan",
    "set_outputs",
    "write_error",
    "write_outcome",
]
