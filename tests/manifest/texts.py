"""A small churn manifest as text, for tests that write it beside data files of their own."""

from __future__ import annotations

HEAD = "name: churn\ndata:\n  train: {train}\n  test: {test}\n  target: churned\n"
TAIL = "train:\n  command: python train.py\n"


def manifest(
    train: str = "data/train.csv", test: str = "data/test.csv", extra: str = "", more: str = ""
) -> str:
    return HEAD.format(train=train, test=test) + extra + TAIL + more
