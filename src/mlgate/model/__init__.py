"""Models: loading, metrics, evaluation and model checks."""
