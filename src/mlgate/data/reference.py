"""A drift reference given as a profile, read by `mlgate validate` as the run reads it: a
damaged or foreign profile was "valid", and failed the run. Its libraries (polars, NumPy)
load only when the manifest names one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlgate.errors import Problem, UserError

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest


def problem(manifest: Manifest, shown: str) -> Problem | None:
    """What is wrong with data.reference's profile, located in the manifest; None when it
    names no profile, one not there yet (the run says so), or one the run can read."""
    relative = manifest.data.reference
    # profile.is_profile's rule, without loading polars for every manifest
    if relative is None or not relative.lower().endswith(".json"):
        return None
    path = manifest.resolve(relative)
    if not path.is_file():
        return None
    from mlgate.data import profile

    try:
        profile.read_file(path, relative)
    except UserError as exc:
        message = exc.message.replace(relative, f"'{relative}'", 1)
    else:
        return None
    line, column = manifest.lines.get("data.reference", (1, 1))
    return Problem(file=shown, line=line, column=column, path="data.reference", message=message)
