"""mlgate: gate, compare and promote machine-learning models from GitHub Actions."""

__version__ = "0.1.0"
