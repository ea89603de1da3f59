"""Reports of a run: Markdown (PR comment, job summary), terminal text, JSON, JUnit XML."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest
    from mlgate.result.records import RunResult

FORMATS = ("markdown", "text", "json", "junit")


def render(
    result: RunResult, manifest: Manifest | None, fmt: str, *, limit: int | None = None
) -> str:
    """One run in one format; every format is rendered from the result alone."""
    if fmt == "json":
        from mlgate.result import document

        return document.dumps(result)
    if fmt == "text":
        from mlgate.report import text

        return text.render(result) + "\n"
    if fmt == "junit":
        from mlgate.report import junit

        gates = result.compare.gates if result.compare is not None else ()
        return junit.render(result.checks, gates, suite_name=result.name)
    from mlgate.report import markdown

    history = {}
    if manifest is not None:
        from mlgate.report import charts

        history = charts.history(manifest, result)
    # rows point at their line of the manifest only if it is the one the run read: an
    # older run's checks were pointed at lines of today's
    same = manifest is not None and manifest.sha256 == result.manifest.sha256
    return markdown.render(result, manifest if same else None, limit=limit, history=history)


def write_png(result: RunResult, manifest: Manifest | None, folder: Path) -> list[Path]:
    from mlgate.report import charts

    return charts.write_png(result, folder)
