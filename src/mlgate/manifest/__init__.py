"""The manifest: mlops.yaml parsed, validated against its schema, and typed."""

from mlgate.manifest.load import MANIFEST_NAMES, find, load, parse
from mlgate.manifest.spec import Column, Command, Data, Evaluate, Manifest, MetricCheck, Train

__all__ = [
    "MANIFEST_NAMES",
    "Column",
    "Command",
    "Data",
    "Evaluate",
    "Manifest",
    "MetricCheck",
    "Train",
    "find",
    "load",
    "parse",
]
