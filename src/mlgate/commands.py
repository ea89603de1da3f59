"""Run the user's commands (data preparation, training) with the manifest's paths.

A command is described as a `proc.Request` first (pure: `request`), then executed by
`proc.stream`; what it did comes back as a CommandOutcome for the run result.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from mlgate import credentials, proc
from mlgate.manifest.spec import Command, Manifest
from mlgate.result.records import CommandOutcome

ENV_PREFIX = "MLGATE_"
# the runner's file commands of mlgate's step: a command is no step, so it sets no
# variable (BASH_ENV) or PATH for the job's later steps, no output of mlgate's step, and
# writes nothing to its job summary, where it could push mlgate's report out
RUNNER_FILES = frozenset(
    {"GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_STATE"}
)


def scoring_env(base_env: Mapping[str, str]) -> dict[str, str]:
    """The environment the user's model is loaded and scored in (proc.call): as a
    command's, without the job's credentials (none is passed: pass_env is a command's) or
    the runner's file commands. The model is the user's code as much as the training."""
    env = credentials.withheld(base_env)
    return {k: v for k, v in env.items() if k not in RUNNER_FILES}


def command_env(
    manifest: Manifest, run_id: str | None, *, test_data: bool = True
) -> dict[str, str]:
    """What a user command is told about the run, as MLGATE_* variables. The training is
    not told where the test data is (`test_data=False`): a model fitted on its test rows
    passed every gate with perfect figures, and nothing in the run could see it. A command
    of no run (`run_id=None`: a deployment) is told only the project's folder; a run id,
    the data files and the work tree's model would be another run's, or none."""
    if run_id is None:
        return {"MLGATE_ROOT": str(manifest.root)}
    env = {
        "MLGATE_ROOT": str(manifest.root),
        "MLGATE_RUN_ID": run_id,
        "MLGATE_DATA_TRAIN": str(manifest.resolve(manifest.data.train)),
        **({"MLGATE_DATA_TEST": str(manifest.resolve(manifest.data.test))} if test_data else {}),
        "MLGATE_TARGET": manifest.data.target,
        "MLGATE_MODEL": str(manifest.resolve(manifest.train.model)),
    }
    if manifest.train.params is not None:
        env["MLGATE_PARAMS"] = str(manifest.resolve(manifest.train.params))
    if manifest.data.id is not None:  # never a feature: the script leaves it out
        env["MLGATE_ID"] = manifest.data.id
    if manifest.data.features is not None:
        env["MLGATE_FEATURES"] = json.dumps(list(manifest.data.features))
    return env


def request(
    manifest: Manifest,
    command: Command,
    run_id: str | None,
    base_env: Mapping[str, str],
    *,
    test_data: bool = True,
) -> proc.Request:
    # variables the caller's environment carries from an earlier run must not leak in, nor
    # the job's credentials (the command is the user's code) unless passed by name, nor
    # the runner's file commands, even by name
    env = credentials.withheld(base_env, command.pass_env)
    env = {k: v for k, v in env.items() if not k.startswith(ENV_PREFIX)}
    env.update(command_env(manifest, run_id, test_data=test_data))
    env.update(command.env)
    env.update({k: base_env[k] for k in command.pass_env if k in base_env})
    env = {k: v for k, v in env.items() if k not in RUNNER_FILES}
    return proc.Request(
        shell=command.shell,
        argv=command.argv,
        cwd=manifest.root,
        env=env,
        timeout_s=command.timeout_s,
        redact=credentials.values(base_env),
    )


def run(
    manifest: Manifest,
    command: Command,
    run_id: str | None,
    *,
    on_line: Callable[[str], None] | None = None,
    log_path: Path | None = None,
    base_env: Mapping[str, str] | None = None,
    test_data: bool = True,
) -> CommandOutcome:
    env = os.environ if base_env is None else base_env
    req = request(manifest, command, run_id, env, test_data=test_data)
    outcome = proc.stream(req, on_line, log_path=log_path)
    return CommandOutcome(
        command=command.display,
        status="passed"
        if outcome.ok
        else ("failed" if outcome.exit_code is not None and not outcome.timed_out else "error"),
        exit_code=outcome.exit_code,
        duration_s=round(outcome.duration_s, 3),
        timed_out=outcome.timed_out,
        log_tail=outcome.tail if not outcome.ok else outcome.tail[-5:],
        message=_describe(command, outcome),
    )


def required(
    manifest: Manifest,
    command: Command,
    key: str,
    *,
    hint: str,
    base_env: Mapping[str, str] | None = None,
) -> None:
    """`command`, the manifest's `key` (monitor.prepare, monitor.refresh), run as the
    training is; its failure stops the caller with what it last printed."""
    import datetime as dt

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    done = run(manifest, command, f"{key.replace('.', '-')}-{stamp}", base_env=base_env)
    if done.status != "passed":
        from mlgate.errors import UserError

        last = f"; its last output: {done.log_tail[-1]}" if done.log_tail else ""
        raise UserError(f"{manifest.cited(key)}: {done.message}{last}", hint=hint)


def signal_of(exit_code: int | None, *, shell: bool) -> str | None:
    """The signal that ended a command (SIGKILL), if one did. Python reports a signal as a
    negative code; a command run through /bin/sh ends with the shell's 128 + its number."""
    import signal

    number = -exit_code if exit_code is not None and exit_code < 0 else None
    if shell and exit_code is not None and 128 < exit_code < 128 + signal.NSIG:
        number = exit_code - 128
    if number is None:
        return None
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _describe(command: Command, outcome: proc.Outcome) -> str:
    if outcome.start_error is not None:
        return f"could not start `{command.display}`: {outcome.start_error}"
    if outcome.timed_out:
        return f"`{command.display}` timed out after {duration(command.timeout_s)} and was stopped"
    if outcome.exit_code == 0:
        return f"`{command.display}` finished in {outcome.duration_s:.1f}s"
    signal = signal_of(outcome.exit_code, shell=command.shell is not None)
    if outcome.exit_code is not None and outcome.exit_code < 0:
        return f"`{command.display}` was killed by {signal}"
    if signal is not None:  # the shell's code: a script may also exit 137 of its own accord
        said = f"{outcome.exit_code} ({signal}, as a shell says it)"
        return f"`{command.display}` exited with code {said}"
    return f"`{command.display}` exited with code {outcome.exit_code}"


def duration(seconds: float) -> str:
    """`90` -> 1m30s, as the manifest writes durations."""
    if seconds < 60:
        return f"{seconds:g}s"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
