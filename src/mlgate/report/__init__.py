"""Renderers of a run result: Markdown and terminal text."""
