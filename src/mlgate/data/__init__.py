"""Data: loading, fingerprints and data checks."""
