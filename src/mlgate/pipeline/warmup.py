"""The evaluation's imports (pandas, scikit-learn, joblib) loaded on the idle core while
the user's training runs, so that scoring starts at once when training ends."""

from __future__ import annotations

import threading


def start() -> threading.Thread:
    """Begin importing in a daemon thread (a run that ends first does not wait for it)."""
    from mlgate.model import isolated

    warm = threading.Thread(target=isolated.warm_imports, daemon=True)
    warm.start()
    return warm
