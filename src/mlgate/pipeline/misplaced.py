"""Model files a training wrote somewhere other than train.outputs.model.

A newcomer's script saves `model.joblib` where it likes; "did not write
models/model.joblib" alone leaves them to guess the path mlgate wanted. Naming the file
the training did write turns that into a one-line fix of the manifest.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlgate.manifest.model_formats import MODEL_SUFFIXES

SKIPPED = frozenset({".git", ".mlgate", ".dvc", ".venv", "venv", "node_modules", "__pycache__"})
MOST_ENTRIES = 20_000  # a data lake beside the project is not searched to its end
MOST_NAMED = 3


def models_written(root: Path, since_ns: int) -> tuple[str, ...]:
    """Model files (by suffix) under `root` changed at or after `since_ns`, as paths
    relative to it, newest first; hidden and tool folders are passed over."""
    found: list[tuple[int, str]] = []
    seen = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED and not d.startswith("."))
        seen += len(dirs) + len(names)
        for name in names:
            if not name.lower().endswith(MODEL_SUFFIXES):
                continue
            path = Path(folder, name)
            try:
                changed = path.stat().st_mtime_ns
            except OSError:
                continue
            if changed >= since_ns:
                found.append((changed, path.relative_to(root).as_posix()))
        if seen > MOST_ENTRIES:
            break
    found.sort(key=lambda f: (-f[0], f[1]))
    return tuple(path for _, path in found[:MOST_NAMED])
