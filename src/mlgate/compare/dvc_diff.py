"""`mlgate compare --format dvc`: the JSON `dvc metrics diff --json` prints, made by mlgate.

DVC users' scripts parse that document; mlgate prints the same one for the same two
revisions (keys sorted, so the bytes are the same from run to run, which DVC's are not).
Metrics files come from each revision's dvc.yaml, or from the manifest's compare.metrics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate import git
from mlgate.compare import metrics_file
from mlgate.errors import UserError

Metrics = dict[str, dict[str, Any] | None]  # file -> flattened leaves, None: unreadable


@dataclass(frozen=True, kw_only=True)
class Revision:
    """The metrics files at one revision, and a note for each that could not be read: as
    DVC does, it counts as missing, with a word (which the command line prints)."""

    metrics: Metrics
    notes: tuple[str, ...] = ()


def at_revision(root: Path, rev: str | None, extra: Iterable[str] = ()) -> Revision:
    """Metrics files at a git revision, or in the working tree when `rev` is None."""
    commit = None
    if rev is not None:
        commit = git.resolve(root, rev)
        if commit is None:
            raise UserError(f"unknown revision '{rev}'", hint="name a branch, tag or commit")
    inside = git.prefix(root) if commit is not None else ""

    def read(relative: str) -> bytes | None:
        if commit is None:
            path = root / relative
            return path.read_bytes() if path.is_file() else None
        return git.show(root, commit, f"{inside}{relative}")

    paths = set(extra)
    declared = read("dvc.yaml")
    if declared is not None:
        paths |= metrics_file.dvc_metrics_paths(
            metrics_file.read_yaml(
                declared, f"dvc.yaml at {rev or 'the working tree'}", what="dvc.yaml"
            )
        )
    found: Metrics = {}
    notes: list[str] = []
    for relative in sorted(paths):
        raw = read(relative)
        if raw is None:
            continue
        try:
            found[relative] = metrics_file.leaves(raw, source=relative)
        except UserError as exc:
            notes.append(f"{exc} (counted as missing at {rev or 'the working tree'})")
            found[relative] = None
    return Revision(metrics=found, notes=tuple(notes))


def diff(old: Metrics, new: Metrics, *, show_all: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name) or {}, new.get(name) or {}
        entries = {}
        for key in sorted(set(before) | set(after)):
            entry = _entry(before.get(key), after.get(key))
            if show_all or entry["old"] != entry["new"]:
                entries[key] = entry
        if entries:
            out[name] = entries
    return out


def _entry(old: Any, new: Any) -> dict[str, Any]:
    entry = {"old": old, "new": new}
    if _number(old) and _number(new):
        entry["diff"] = new - old
    return entry


def _number(value: Any) -> bool:
    return isinstance(value, int | float)  # bools too: DVC subtracts them
