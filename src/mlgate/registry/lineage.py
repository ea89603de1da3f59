"""Is a version's record its run's? The record (a tag's message) names the model, the run
and what the run found; the run is kept in the store by sha256 and cannot be edited, the
tag can (pushed with --force). A record edited to name another version's model was
promoted, deployed and served as the version, with its run's metrics and params."""

from __future__ import annotations

import json
import posixpath
from typing import Any

from mlgate.result.records import RunResult


def unlike(record: dict[str, Any], run: RunResult) -> str | None:
    """What the record says that its own run does not, or None when they agree."""
    said = []
    model = (record.get("model") or {}).get("sha256")
    trained = run.train.model.sha256 if run.train.model is not None else None
    if model and trained and model != trained:
        said.append(f"the model {str(model)[:12]}, where the run trained {trained[:12]}")
    file = (record.get("model") or {}).get("file")
    kept = run.train.model.path if run.train.model is not None else None
    if isinstance(file, str) and kept and not _same_file(file, kept):
        # its suffix picks the loader (serve, a deployment, monitor), and it is shown as
        # the model's path
        said.append(f"the model file {file[:80]!r}, where the run trained {kept!r}")
    run_id = (record.get("run") or {}).get("id")
    if run_id and run_id != run.run_id:
        said.append(f"run {str(run_id)[:40]}, where the run kept is {run.run_id}")
    # the run's own verdict, as it was written: today's rules may judge an old run anew
    if record.get("verdict") == "passed" and run.verdict != "passed":
        said.append(f"a passing run, where the run {run.verdict}")
    commit = record.get("commit")
    if commit and run.git.commit and commit != run.git.commit:
        said.append(f"commit {str(commit)[:12]}, where the run was of {run.git.commit[:12]}")
    for field, ran in (("metrics", run.evaluate.metrics), ("params", run.params)):
        if field in record and record[field] != _as_json(dict(ran)):
            said.append(f"other {field} than the run's")
    if not said:
        return None
    return "its record names " + "; ".join(said)


def _same_file(recorded: str, kept: str) -> bool:
    """The record's `model.file` (the manifest's train.model, as it was written) names the
    file the run fingerprinted (relative to the manifest's folder, normalized)."""
    if posixpath.isabs(recorded):  # outside the project: the run names it relative
        return posixpath.basename(recorded) == posixpath.basename(kept)
    return posixpath.normpath(recorded) == posixpath.normpath(kept)


def _as_json(value: Any) -> Any:
    """As the record holds it: through JSON (a tuple of the run's is the record's list)."""
    return json.loads(json.dumps(value))


def edited(tag: str) -> str:
    """The hint for a record that is not its run's."""
    return (
        f"its tag {tag} was edited after it was registered (git show {tag}); register the "
        "model again for a sound version"
    )
