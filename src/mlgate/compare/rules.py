"""What the candidate is judged by, against what the baseline's commit judged by.

Gates, model checks and data checks come from the candidate's own manifest: a pull
request may loosen them (`f1: {min_change: -1}`, a model check removed) and pass. That is
allowed, and is said: each gate, check and setting that moves a verdict (the tests'
confidence, say) set otherwise than in the manifest at the baseline's commit is listed,
so a reviewer sees the rules moved with the model.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from mlgate import words
from mlgate.compare.gates import thresholds
from mlgate.errors import ManifestError
from mlgate.manifest.spec import Gate, Manifest
from mlgate.report import gate_text, numbers
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
