"""What changed between two runs besides the metrics: parameters and data fingerprints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlgate.result.records import DataChange, DatasetSummary, ParamChange


def params(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ParamChange]:
    """Changed parameters, sorted by name; parameters that did not change are left out."""
    found = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            found.append(ParamChange(name=name, change="added", new=new[name]))
        elif name not in new:
            found.append(ParamChange(name=name, change="removed", old=old[name]))
        elif old[name] != new[name] or type(old[name]) is not type(new[name]):
            found.append(ParamChange(name=name, change="changed", old=old[name], new=new[name]))
    return found


def datasets(old: tuple[DatasetSummary, ...], new: tuple[DatasetSummary, ...]) -> list[DataChange]:
    """Data files whose content changed, by role (train, test)."""
    before, after = {d.role: d for d in old}, {d.role: d for d in new}
    found = []
    for role in sorted(set(before) | set(after)):
        a, b = before.get(role), after.get(role)
        if a is None and b is not None:
            found.append(
                DataChange(role=role, change="added", new_rows=b.rows, new_sha256=b.file.sha256)
            )
        elif b is None and a is not None:
            found.append(
                DataChange(role=role, change="removed", old_rows=a.rows, old_sha256=a.file.sha256)
            )
        elif a is not None and b is not None and a.file.sha256 != b.file.sha256:
            found.append(
                DataChange(
                    role=role,
                    change="changed",
                    old_rows=a.rows,
                    new_rows=b.rows,
                    old_sha256=a.file.sha256,
                    new_sha256=b.file.sha256,
                )
            )
    return found
