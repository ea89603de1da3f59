"""Comparing a run with its baseline: pairing rows, metric differences, statistics."""
