"""The words of a run: each stage's one-line summary as it finishes, and the run's
verdict with a reason that names what failed (the first dozen, and how many more)."""

from __future__ import annotations

from mlgate import words
from mlgate.errors import hinted
from mlgate.report import gate_text, tally
from mlgate.result.records import (
    CheckResult,
    CompareStage,
    DataStage,
    EvaluateStage,
    ModelStage,
    RunResult,
    TrainStage,
    Verdict,
)

STAGES = ("data", "train", "evaluate", "model")  # in the order they run
SKIPPED = "skipped: an earlier stage did not pass"


def stage_summary(stage: DataStage | TrainStage | EvaluateStage | ModelStage) -> str:
    if isinstance(stage, DataStage | ModelStage) and stage.checks:
        return tally.checks(stage.checks, always_noun=True)
    if isinstance(stage, EvaluateStage) and stage.metrics and stage.status == "passed":
        figures = ", ".join(f"{k} {v:.4f}" for k, v in stage.metrics.items() if v is not None)
        # what the figures rest on (metrics not computed, the positive class no convention
        # gives, a task judged from the answers) follows the stage's count of them: the
        # terminal showed the figures alone, and said none of it
        _, _, rest = stage.message.partition("; ")
        return f"{figures}; {rest}" if rest else figures
    # a progress line: the hint follows in the run's summary or the command's error
    return hinted(stage.message)[0] if stage.message else stage.status


def written_by_hand(result: RunResult) -> str:
    """Why the run's verdict is not the one its own checks and gates give ("" when it is):
    a run.json edited to say "passed" (registered, or posted as a green check)."""
    decided, summary = decide(result)
    if decided == result.verdict:
        return ""
    return (
        f"run {result.run_id} says it {result.verdict}, where its own checks and gates say "
        f"it {decided} ({summary[:200]}): it was not written by mlgate as it ran"
    )


def decide(result: RunResult) -> tuple[Verdict, str]:
    """The verdict and a one-line reason that names what failed (checks and
    gates alike), or says why gates were not evaluated."""
    for name in STAGES:
        stage = getattr(result, name)
        if stage.status in ("failed", "error") and stage.message:
            return "failed", f"{name} stage: {stage.message}"
    compared = result.compare
    gate_list = compared.gates if compared is not None else ()
    failed = [c for c in result.checks if c.status == "failed"]
    errors = [c for c in result.checks if c.status == "error"]
    failed_gates = [g for g in gate_list if g.status == "failed"]
    said = []
    if failed:  # named by what was found: a rule alone ("no slice drops") read as a pass
        said.append(
            f"{words.of(len(failed), len(result.checks), 'check')} failed: "
            + _named([_found(c) for c in failed])
        )
    if errors:
        said.append(
            f"{words.of(len(errors), len(result.checks), 'check')} could not be decided: "
            + _named([_found(c) for c in errors])
        )
    if failed_gates:
        said.append(
            f"{words.of(len(failed_gates), len(gate_list), 'gate')} failed: "
            + _named([f"{g.metric} {gate_text.broken(g)}".strip() for g in failed_gates])
        )
    told = failed_gates or any(c.stage == "compare" for c in (*failed, *errors))
    if compared is not None and compared.status != "passed" and not told:
        said.append(compared.message)
    if said:
        return "failed", ". ".join(said)
    # a stage failed with neither a message nor a failed check (a record mlgate does not
    # write), or the model not scored or checked, which every run does (data and training
    # are not run in `mlgate check model`): nothing passed
    for name in STAGES:
        status = getattr(result, name).status
        if status in ("failed", "error") or (name in ("evaluate", "model") and status != "passed"):
            return "failed", f"{name} stage {status}"
    skipped = [c for c in result.checks if c.status == "skipped"]
    every = ("all " if len(result.checks) > 1 else "") + words.count(len(result.checks), "check")
    summary = (  # counted by tally, as the stages' lines, the report and the model card are
        f"{tally.checks(result.checks, always_noun=True)} "
        f"({'; '.join(f'{c.subject}: {c.message}' for c in skipped[:3])})"
        if skipped
        else f"{every} passed"
    )
    if compared is not None and gate_list:
        summary += "; " + _gates_said(compared)
    return "passed", summary


NAMED = 12  # failures a verdict's line names; the report lists every one
FOUND = 240  # characters of what a check found, on the verdict's line


def _found(check: CheckResult) -> str:
    """What a check that did not pass found, on one line."""
    message = " ".join(check.message.split())
    if not message:
        return words.clip(f"{check.subject} {check.rule}", FOUND)
    named = message.startswith(check.subject)  # "accuracy = 0.91, ..." names its own
    return words.clip(message if named else f"{check.subject}: {message}", FOUND)


def _named(items: list[str]) -> str:
    """The first NAMED, and how many more: 965 failed checks made a line of 65,000
    characters, which filled a pull request comment on its own."""
    return words.first(items[:NAMED], len(items), "; ")


def _gates_said(compared: CompareStage) -> str:
    """The gates' part of a passing run's summary, with why any were not evaluated."""
    total = len(compared.gates)
    passed = sum(g.status == "passed" for g in compared.gates)
    idle = total - passed
    reason = f"no baseline ({compared.baseline.message})"  # the only reason a gate is idle
    if passed == 0:
        which = "the gate was" if total == 1 else f"the {words.count(total, 'gate')} were"
        return f"{which} not evaluated: {reason}"
    said = f"{words.of(passed, total, 'gate')} passed" + (
        f" against {compared.baseline.name}" if compared.baseline.kind != "none" else ""
    )
    return said + (f" ({idle} not evaluated: {reason})" if idle else "")
