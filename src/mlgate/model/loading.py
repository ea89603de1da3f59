"""Load the trained model from the path the manifest names.

A pull request's model is as trusted as its code, and this runs in that pull
request's own job (DESIGN: trust follows the job), so joblib/pickle are allowed
here. `.skops` files load with only scikit-learn, NumPy and SciPy types trusted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TRUSTED_SKOPS_PREFIXES = ("sklearn.", "numpy.", "scipy.")


class ModelLoadError(Exception):
    """The file is there but is not a usable model; the message says why."""


def load(path: Path, *, suffix: str | None = None) -> Any:
    """`suffix` stands for the path's when the file was stored under another name."""
    if (suffix or path.suffix) == ".skops":
        model = _load_skops(path)
    else:
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:  # unpickling runs arbitrary code: any error can surface
            raise ModelLoadError(_cannot_load(path, exc)) from exc
    if not callable(getattr(model, "predict", None)):
        raise ModelLoadError(
            f"{path.name} holds a {type(model).__name__}, which has no predict() method"
        )
    return model


def _load_skops(path: Path) -> Any:
    try:
        from skops import io as sio
    except ImportError as exc:
        raise ModelLoadError(
            f"{path.name} is a skops file, and skops is not installed (pip install 'mlgate[skops]')"
        ) from exc
    try:
        untrusted = sio.get_untrusted_types(file=path)
        refused = [t for t in untrusted if not t.startswith(TRUSTED_SKOPS_PREFIXES)]
        if refused:
            raise ModelLoadError(
                f"{path.name} contains types outside scikit-learn/NumPy/SciPy: "
                f"{', '.join(sorted(refused))}"
            )
        return sio.load(path, trusted=untrusted)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(_cannot_load(path, exc)) from exc


def _cannot_load(path: Path, exc: Exception) -> str:
    return f"could not load {path.name}: {type(exc).__name__}: {exc}"
