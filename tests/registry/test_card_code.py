"""A model card shows a version's branch and model file as code, character for character:
they were escaped for Markdown text and then put between backticks, where a backslash is
literal, so `fix/issue#12` showed as `fix/issue\\#12` (with an invisible joiner a copy
carried along), and a backtick in a branch's name closed the span early."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from mlgate.registry import card
from mlgate.registry.state import Version

NAMES = ["fix/issue#12", "feat/[wip]_x*", "x`<b>y</b>`@org/team", "models/clf<v2>.joblib"]


def _code_spans(markdown: str) -> list[str]:
    spans = []
    for block in MarkdownIt("commonmark").parse(markdown):
        for token in block.children or []:
            assert token.type not in ("html_inline", "link_open", "image"), markdown
            if token.type == "code_inline":
                spans.append(token.content)
    return spans


@pytest.mark.parametrize("name", NAMES)
def test_the_branch_and_the_model_file_are_shown_as_they_are(name: str) -> None:
    record = {"branch": name, "model": {"file": name, "bytes": 10, "sha256": "ab" * 32}}
    version = Version(
        model="iris", version="v0.1.0", commit="c0ffee1", tag="iris@v0.1.0",
        created="2026-12-07T20:00:00Z", record=record,
    )  # fmt: skip
    text = card.render(version, (), None)
    spans = _code_spans(text)
    assert spans.count(name) == 2, spans  # the branch, and the artifact's file
