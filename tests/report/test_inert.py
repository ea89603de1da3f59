"""Untrusted text in a report reads as itself and does nothing: parsed back with a
CommonMark parser (GFM tables and strikethrough on), it is one plain text run, wherever it
stands, whatever it holds."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlgate.report import inert

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# every character Markdown, GFM or GitHub reads as more than text, and some words
MARKUP = [
    *"\\`*_[]()!<>&#|~$@:/.-+=^\"' \t\r\n\x00\x0b\x0c\x1b\x85\u2028",
    "www.",
    "https://",
    "evil.example",
    "details",
    "1.",
    "a",
    "b",
    "0",
    "é",
]
HOSTILE = {
    "link": "[Approve PR](https://evil.example)",
    "image": "![x](https://evil.example/i.png)",
    "emphasis": "*em* _em_ **strong** __strong__ ~~gone~~ ~gone~",
    "code": "`code` ``more``",
    "html": "<img src=x onerror=alert(1)><b>bold</b>",
    "details": "</details></summary><details open>",
    "mention": "@admin @org/team cc@admin",
    "reference": "#1 GH-1 org/repo#1",
    "heading": "# Heading",
    "list": "- item",
    "ordered": "1. item",
    "quote": "> quoted",
    "setext": "===",
    "rule": "---",
    "autolink": "<https://evil.example> https://evil.example www.evil.example",
    "math": "$\\color{red}{x}$ $$y$$",
    "entity": "&#64;admin &lt;b&gt;",
    "cell": "a | b \\| c \\\\| d",
    "newline": "x\r# h\n- i\r\n> q",
    "footnote": "[^1]\n\n[^1]: https://evil.example",
    "reflink": "[x][y]\n\n[y]: https://evil.example",
    "direction": "evil\u202egpj.exe \u2066x\u2069 zero\u200bwidth \ufeff",
}
CONTEXTS = {  # where untrusted text lands in mlgate's reports
    "paragraph": "{}",
    "after text": "Compared with **{}**, on the same rows.",
    "quote": "> {}",
    "list": "- {}",
    "cell": "| a | b |\n| --- | --- |\n| {} | x |",
    "heading": "### Gates {}",
}
INLINE_OK = {"text", "softbreak", "strong_open", "strong_close"}  # strong: ours, around it


def _plain(text: str) -> str:
    """What a reader should see: the text on one line, what reorders or hides it shown."""
    return inert.visible(re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text))


def _inert(context: str, text: str) -> None:
    rendered = CONTEXTS[context].format(inert.escape(text))
    tokens = PARSER.parse(rendered)
    blocks = {t.type for t in tokens} - {"inline"}
    expected = {
        "paragraph": {"paragraph_open", "paragraph_close"},
        "after text": {"paragraph_open", "paragraph_close"},
        "quote": {"blockquote_open", "blockquote_close", "paragraph_open", "paragraph_close"},
        "list": {
            "bullet_list_open",
            "bullet_list_close",
            "list_item_open",
            "list_item_close",
            "paragraph_open",
            "paragraph_close",
        },
        "heading": {"heading_open", "heading_close"},
    }.get(context)
    if context == "cell":
        cells = [t for t in tokens if t.type == "td_open"]
        assert len(cells) == 2, rendered  # no cell of its own
    else:
        assert blocks <= expected, (rendered, blocks)
    inline = [t for t in tokens if t.type == "inline"]
    children = [c for t in inline for c in t.children or []]
    assert {c.type for c in children} <= INLINE_OK, (rendered, [c.type for c in children])
    shown = "".join(c.content for c in children if c.type == "text").replace(inert.JOINER, "")
    assert _plain(text).strip() in shown or not _plain(text).strip(), (rendered, shown)
    for child in children:
        assert not re.search(r"@\w|#\w|://|(?i:www\.)|(?i:\bgh-\d)", child.content), rendered
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b\ufeff]", rendered), rendered


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("kind", HOSTILE)
def test_each_kind_of_markup_is_inert_in_each_place(kind: str, context: str) -> None:
    _inert(context, HOSTILE[kind])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(MARKUP), max_size=30).map("".join), st.sampled_from(sorted(CONTEXTS))
)
def test_any_mix_of_markup_is_inert_anywhere(text: str, context: str) -> None:
    _inert(context, text)


def test_names_stay_readable() -> None:
    assert inert.escape("f1_macro") == "f1_macro"
    assert inert.escape("roc_auc >= 0.8") == "roc_auc &gt;= 0.8"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MARKUP), max_size=30).map("".join))
def test_a_code_span_holds_any_text_literally(text: str) -> None:
    tokens = PARSER.parse(f"- run {inert.code(text)} here")
    children = [c for t in tokens if t.type == "inline" for c in t.children or []]
    assert [c.type for c in children] == ["text", "code_inline", "text"], children
    assert children[1].content.strip() == _plain(text).strip() or not _plain(text).strip()


@pytest.mark.parametrize("kind", HOSTILE)
def test_html_text_closes_nothing_and_notifies_no_one(kind: str) -> None:
    said = inert.html(HOSTILE[kind])
    assert "<" not in said and ">" not in said and "\n" not in said and "\r" not in said
    assert not re.search(r"@\w|#\w|://", html.unescape(said))  # as the page reads it


def test_an_apostrophe_in_html_text_reads_as_one() -> None:
    """The joiner that parts `#` from a number was put inside the `&#39;` just written:
    a class "don't know" read `don&#39;t know` in the report's <summary>."""
    assert html.unescape(inert.html("don't know #1")) == f"don't know #{inert.JOINER}1"


def test_every_format_character_is_shown_as_its_code_point() -> None:
    """Tag characters (U+E0041 spells an unseen `A`), the zero-width joiner, the soft
    hyphen and invisible operators reached the report as they were: every character of
    Unicode's category Cf is shown as its code point, as the marks of direction were."""
    import sys
    import unicodedata

    hidden = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    shown = inert.visible("".join(hidden))
    assert "".join(ch for ch in shown if unicodedata.category(ch) == "Cf") == ""
    assert inert.visible("tag\U000e0041\U000e0042hidden") == "tag<U+E0041><U+E0042>hidden"
    assert inert.escape("zw\u200djoin\u00adsoft\u2061op") == (
        "zw&lt;U+200D&gt;join&lt;U+00AD&gt;soft&lt;U+2061&gt;op"  # Markdown shows <U+200D>
    )
    assert inert.visible("caf\u00e9 \u2764\ufe0f") == "caf\u00e9 \u2764\ufe0f"  # an emoji's own


def test_an_emoji_shortcode_draws_no_emoji() -> None:
    """A fork's `:white_check_mark:` was drawn by GitHub as the ✅ of a pass (attacker
    audit N); a time of day keeps its colons as they are."""
    from mlgate.report.inert import JOINER, escape

    shown = escape("f1 :white_check_mark: :+1:")
    assert ":white" not in shown and ":+1:" not in shown
    assert shown.replace(JOINER, "").replace("\\", "") == "f1 :white_check_mark: :+1:"
    assert escape("at 12:30:45") == "at 12:30:45"
