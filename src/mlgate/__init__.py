"""mlgate: gate, compare and promote machine-learning models from GitHub Actions.

The public names load on first use, so `import mlgate` (and `mlgate --help`) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.36.0"

_PUBLIC = {
    "CheckResult": "mlgate.result.records",
    "Manifest": "mlgate.manifest.spec",
    "ManifestError": "mlgate.errors",
    "MlgateError": "mlgate.errors",
    "OutsideError": "mlgate.errors",
    "Problem": "mlgate.errors",
    "RunResult": "mlgate.result.records",
    "UserError": "mlgate.errors",
    "load_manifest": "mlgate.manifest.load:load",
    "read_run": "mlgate.result.runs:read",
    "run": "mlgate.pipeline:run",
}
__all__ = sorted(["__version__", *_PUBLIC])


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'mlgate' has no attribute {name!r}")
    module, _, attribute = _PUBLIC[name].partition(":")
    return getattr(importlib.import_module(module), attribute or name)
