"""Markdown building blocks the report's sections share."""

from __future__ import annotations


def details(summary: str, body: str) -> str:
    """A collapsed section: GitHub shows `summary` and opens `body` on a click."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"
