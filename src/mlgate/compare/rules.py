"""What the candidate is judged by, against what the baseline's commit judged by.

Gates, model checks and data checks come from the candidate's own manifest: a pull
request may loosen them (`f1: {min_change: -1}`, a model check removed) and pass. That is
allowed, and is said: each gate, check and setting that moves a verdict (the tests'
confidence, say) set otherwise than in the manifest at the baseline's commit is listed,
so a reviewer sees the rules moved with the model.

So are the settings the trusted jobs act on after the merge, which no gate of the pull
request's own run judges: the environments (`on: merge`, `requires`, what a promotion
deploys), the registry's store, the model's name (its registry line), the credentials a
command is given (`pass_env`) and what the scheduled monitor does. The merge job reads
them from the merged manifest, so each says how it takes effect when merged.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from mlgate import words
from mlgate.compare.gates import thresholds
from mlgate.errors import ManifestError
from mlgate.manifest.build import DEFAULT_TIMEOUT_S
from mlgate.manifest.spec import Command, Environment, Gate, Manifest
from mlgate.report import gate_text, numbers
from mlgate.report.markdown import AT_MERGE
from mlgate.result.records import Change, RuleChange


def changes(base_text: bytes, head: Manifest) -> tuple[RuleChange, ...]:
    """Each gate, model check (metric, fairness, robustness, latency, pytest), data check
    and setting added, removed or set otherwise. A baseline's manifest this mlgate does not
    read (one its rules now refuse, `compare.confidence: 0.9999`) is said to be: a pull
    request that mends it could loosen every gate beside the mend, unlisted."""
    from mlgate import manifest as manifests

    try:
        base = manifests.parse(
            base_text, name=head.path.name, root=head.root, path=head.path, files=False
        )
    except ManifestError as exc:
        why = str(exc.problems[0]) if exc.problems else str(exc)
        unread = RuleChange(
            kind="setting",
            subject=head.path.name,
            change="changed",
            old=f"not read by this mlgate ({words.clip(why, 200)}): its rules are not known",
            new="every rule as written here",
        )
        return (unread,)
    return (
        *_diff("gate", _gates(base), _gates(head)),
        *_diff("model check", _checks(base), _checks(head)),
        *_diff("data check", _data_checks(base), _data_checks(head)),
        *_diff("setting", *(_settings(m, head.compare.baseline_origin) for m in (base, head))),
        *_at_merge(base, head),
    )


def _gates(manifest: Manifest) -> dict[str, str]:
    return {g.metric: _gate(g) for g in manifest.compare.gates}


def _gate(gate: Gate) -> str:
    said = gate_text.written(thresholds(gate))
    extra = ["missing: pass" if gate.missing_passes else "", "on each slice" if gate.slices else ""]
    # no greater_is_better: validate allows a gate's metric only its own direction, which
    # moves no verdict
    return ", ".join(p for p in (said, *extra) if p) or "no threshold"


def _settings(manifest: Manifest, named_elsewhere: str) -> dict[str, str]:
    """The settings that move what a gate or check decides, as written: the level of every
    paired test (`compare.confidence: 0.99999999999` called a fall of 27 points noise),
    the bootstrap's resamples and seed, what the candidate is compared with, unless the
    command line or the event named that (`named_elsewhere`: the candidate's origin), and
    the positive class."""
    spec = manifest.compare
    found = {
        "compare.confidence": numbers.threshold(spec.confidence),
        "compare.resamples": f"{spec.resamples}",
        "compare.seed": f"{spec.seed}",
        "compare.required": "true" if spec.required else "false",
        "compare.metrics": ", ".join(spec.metrics_files) or "none",
        # the class precision, recall and F1 are of: `f1 >= 0.7` of the minority class
        # was met by the majority's F1
        "evaluate.positive_label": _label(manifest.evaluate.positive_label),
        # the slices a gate's `slices: true` asks, and the smallest one it tests
        "evaluate.slices": _yaml(manifest.evaluate.slices),
        "evaluate.min_slice_rows": f"{manifest.evaluate.min_slice_rows}",
    }
    if not named_elsewhere:
        kind, ref = spec.baseline_kind, spec.baseline
        found["compare.baseline"] = ref if kind in ("git", "auto", "none") else f"{kind}: {ref}"
    return found


def _label(label: str | int | bool | None) -> str:
    if label is None:
        return "the greater label"
    return str(label).lower() if isinstance(label, bool) else str(label)


def _checks(manifest: Manifest) -> dict[str, str]:
    found = {c.metric: _bounds(c.min, c.max) for c in manifest.model_checks}
    for f in manifest.fairness_checks:
        said = _bounds(f.min, f.max)
        if f.significance != "none":
            said = ", ".join(p for p in (said, f.significance) if p)
        found[f"{f.fairness} across {f.sensitive}"] = said
    for r in manifest.robustness_checks:
        subject = _unique(found, f"{r.kind} on {', '.join(r.columns)}")
        found[subject] = _written(r, leave_out=("kind", "columns", "key")) or "measured"
    for t in manifest.latency_checks:
        found[f"latency of a batch of {t.batch}"] = _written(t, leave_out=("batch", "key"))
    for p in manifest.pytest_checks:
        found[f"pytest {p.path}"] = _written(p, leave_out=("path", "key")) or "run"
    return found


def _data_checks(manifest: Manifest) -> dict[str, str]:
    """Each data check as written, by its key: a check loosened or left out passes data
    the base's manifest failed."""
    data = manifest.data
    found = {f"data.columns.{c.name}": _written(c, leave_out=("name",)) for c in data.columns}
    checks = {
        "rows": _bounds(data.rows_min, data.rows_max),
        "duplicates": _bounds(None, data.duplicates_max_fraction),
        "leakage": "true" if data.leakage else "",
        "target_balance": _bounds(data.target_min_fraction, None),
        "same_schema": "true" if data.same_schema else "",
        "freshness": f"column: {data.freshness.column}, max_age: {data.freshness.shown}"
        if data.freshness
        else "",
        "expressions": _yaml(data.expressions) if data.expressions else "",
    }
    if data.drift is not None:
        reference = f"reference: {data.reference}" if data.reference else ""
        checks["drift"] = ", ".join(p for p in (_written(data.drift), reference) if p) or "true"
    found.update({f"data.checks.{key}": said for key, said in checks.items() if said})
    return found


def _unique(found: Mapping[str, str], subject: str) -> str:
    """`subject`, numbered past the first where two checks would share it."""
    n, named = 1, subject
    while named in found:
        n += 1
        named = f"{subject} ({n})"
    return named


def _written(item: Any, *, leave_out: tuple[str, ...] = ()) -> str:
    """A dataclass of the manifest as YAML's flow style writes it: each field set
    otherwise than its default, but for those left out and where it stands (`key`)."""
    said = []
    for f in dataclasses.fields(item):
        if f.name in (*leave_out, "key"):
            continue
        value = getattr(item, f.name)
        if f.default is not dataclasses.MISSING and value == f.default:
            continue
        if f.default_factory is not dataclasses.MISSING and value == f.default_factory():
            continue
        said.append(f"{f.name}: {_yaml(value)}")
    return ", ".join(said)


def _yaml(value: Any) -> str:
    """In YAML's flow style; a scalar as the manifest writes it (words.as_written)."""
    if isinstance(value, float) and math.isfinite(value):
        return numbers.threshold(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    if dataclasses.is_dataclass(value):
        return "{" + _written(value) + "}"
    return words.as_written(value)


def _bounds(low: float | None, high: float | None) -> str:
    parts = [f">= {numbers.threshold(low)}" if low is not None else ""]
    parts.append(f"<= {numbers.threshold(high)}" if high is not None else "")
    return ", ".join(p for p in parts if p)


def _diff(
    kind: Literal["gate", "model check", "data check", "setting"],
    old: dict[str, str],
    new: dict[str, str],
) -> Iterable[RuleChange]:
    for subject in sorted(set(old) | set(new)):
        before, after = old.get(subject), new.get(subject)
        if before == after:
            continue
        change: Change = "added" if before is None else "removed" if after is None else "changed"
        yield RuleChange(kind=kind, subject=subject, change=change, old=before, new=after)


def _at_merge(base: Manifest, head: Manifest) -> Iterable[RuleChange]:
    """The settings the merge, dispatch and scheduled jobs act on, with the job's rights,
    read from the manifest merged: each added, removed or set otherwise, its `new` saying
    first what it does once merged ("takes effect when merged: production is promoted on
    every merge, skipping staging"), then the setting as written here."""
    old, new = _acted_on(base), _acted_on(head)
    for subject in (*new, *(s for s in old if s not in new)):  # the manifest's order
        before, after = old.get(subject), new.get(subject)
        if before == after:
            continue
        change: Change = "added" if before is None else "removed" if after is None else "changed"
        effect = f"{AT_MERGE}: {_effect(subject, base, head, gone=after is None)}"
        yield RuleChange(
            kind="setting",
            subject=subject,
            change=change,
            old=before,
            new=effect if after is None else f"{effect}; as written here: {after}",
        )


def _acted_on(manifest: Manifest) -> dict[str, str]:
    """What the trusted jobs do, by key, as written. The commands `train` and
    `data.prepare` run in the pull request's own job too, where the diff and the run show
    them: only the credentials they are given are listed."""
    found = {"name": manifest.name}
    registry = manifest.registry
    found.update(
        {
            f"registry.{f.name}": _yaml(getattr(registry, f.name))
            for f in dataclasses.fields(registry)
        }
    )
    for env in manifest.environments:
        found[f"environments.{env.name}"] = _environment(env) or "{}"
    commands = (("train", manifest.train.command), ("data.prepare", manifest.data.prepare))
    for key, command in commands:
        if command is not None and command.pass_env:
            found[f"{key}.pass_env"] = _yaml(command.pass_env)
    monitor = manifest.monitor
    for f in dataclasses.fields(monitor):
        value = getattr(monitor, f.name)
        if isinstance(value, Command):
            found[f"monitor.{f.name}"] = _command(value)
        elif value is not None or f.default is not None:
            found[f"monitor.{f.name}"] = _yaml(value)
    return found


def _environment(env: Environment) -> str:
    """An environment as written, its deploy command whole: on, requires, deploy."""
    said = [f"on: {env.on}" if env.on != "manual" else ""]
    said.append(f"requires: {env.requires}" if env.requires else "")
    deploy = [_command(env.deploy) if env.deploy is not None else ""]
    deploy.append(f"docker: {{{_written(env.docker)}}}" if env.docker is not None else "")
    if env.github:
        deploy.append(f"github: {{url: {env.url}}}" if env.url else "github: true")
    shown = ", ".join(p for p in deploy if p)
    said.append(f"deploy: {{{shown}}}" if shown else "")
    return ", ".join(p for p in said if p)


def _command(command: Command) -> str:
    """A command as written: the line or the arguments, and what it is given."""
    said = [f"command: {_yaml(command.argv) if command.argv is not None else command.display}"]
    if command.timeout_s != DEFAULT_TIMEOUT_S:
        said.append(f"timeout: {command.timeout_s:g}s")
    said.append(f"env: {_yaml(command.env)}" if command.env else "")
    said.append(f"pass_env: {_yaml(command.pass_env)}" if command.pass_env else "")
    return ", ".join(p for p in said if p)


# what the scheduled jobs do by each setting of `monitor` (mlgate monitor, the retraining)
MONITOR_EFFECTS = {
    "data": "the scheduled monitor job reads these production rows",
    "stage": "the scheduled monitor job watches this environment's version",
    "prepare": "the scheduled monitor job runs this command, with its rights",
    "labels": "the scheduled monitor job joins these labels to the rows",
    "on_drift": "the scheduled monitor job does this on an alarm (retrain: starts a retraining)",
    "max_drop": "the scheduled monitor job calls a drop this large decay",
    "refresh": "the retraining job runs this command, with its rights",
}


def _effect(subject: str, base: Manifest, head: Manifest, *, gone: bool) -> str:
    """What a setting's change does once merged, in a phrase (`gone`: taken out)."""
    if subject == "name":
        return (
            f"versions register as {head.name}, a new registry line: its numbering starts "
            f"again and no environment holds one; {base.name}'s versions stay as they are"
        )
    if subject == "registry.artifacts":
        return (
            "the merge job stores each version's model there, and promotions, rollbacks "
            "and serving read models from there"
        )
    if subject.startswith("registry."):
        return "the merge and dispatch jobs register and promote by it"
    if subject.startswith("environments."):
        name = subject.removeprefix("environments.")
        return _environment_effect(name, base.environment(name), head.environment(name))
    if subject.endswith(".pass_env"):
        command = subject.removesuffix(".pass_env")
        if gone:
            return f"the merge job gives the {command} command none of the job's credentials"
        return (
            f"the merge job gives the {command} command these variables of the job, "
            "withheld from it otherwise"
        )
    return MONITOR_EFFECTS.get(subject.removeprefix("monitor."), "the scheduled jobs act by it")


def _environment_effect(name: str, old: Environment | None, new: Environment | None) -> str:
    """ "production is promoted on every merge that passes, skipping staging; a promotion
    to it deploys this way, with the job's rights" """
    if new is None:
        return f"{name} is no environment: no merge or promotion moves it or deploys to it"
    said = [] if old is not None else [f"{name} is a new environment"]
    was = old or Environment(name=name)
    skipped = ""
    if new.on != was.on:
        if new.on == "merge":
            skipped = was.requires if was.requires and not new.requires else ""
            skipping = f", skipping {skipped}" if skipped else ""
            said.append(f"{name} is promoted on every merge that passes{skipping}")
        else:
            said.append(f"{name} is no longer promoted on merge, only by hand or by dispatch")
    if new.requires != was.requires and not skipped:
        if new.requires is None:
            said.append(f"{name} no longer requires {was.requires} first")
        else:
            instead = f" instead of {was.requires}" if was.requires else ""
            said.append(f"{name} requires {new.requires} first{instead}")
    if (new.deploy, new.docker) != (was.deploy, was.docker):
        if new.deploy is None and new.docker is None:
            said.append(f"a promotion to {name} no longer deploys")
        else:
            said.append(f"a promotion to {name} deploys this way, with the job's rights")
    if (new.github, new.url) != (was.github, was.url):
        said.append(f"{name}'s GitHub deployments change")
    return "; ".join(said) or f"{name} is promoted as before"
