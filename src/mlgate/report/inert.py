"""Untrusted text made inert in GitHub Markdown: it reads the same, and does nothing.

Text from data, from users' commands or from a fork's artifact reaches reports that a
trusted token posts. Whatever it holds, it must not become a link, an image, emphasis, a
heading, a list, HTML (a `</details>` that closes ours), math, a table cell of its own, an
@mention or an issue reference. One function per context it lands in: Markdown text
(`escape`), a code span (`code`) and raw HTML (`html`, for a `<summary>`); and mlgate's
own messages, whose commands are code (`prose`).
"""

from __future__ import annotations

import re

# C0 and C1 controls and the Unicode line and paragraph separators: each can end a line
# somewhere (Markdown ends lines at CR as well as LF), so none survives
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# characters that reorder or hide text: a file named `evil\u202egpj.exe` reads as
# `evilexe.jpg`; each is shown as its code point instead. Every format character of
# Unicode 15 (category Cf: the marks of direction, zero-width spaces and joiners, the
# soft hyphen, invisible operators, tags that spell text no one sees) and the variation
# selectors past the emoji's (U+E0100 on, which can carry bytes unseen)
_HIDING = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)
JOINER = "\u2060"  # WORD JOINER: invisible, and it parts `@` from a name, `#` from a number
# what GitHub links, notifies on or draws in plain text: @mentions (and e-mail addresses),
# #123 and GH-123 references, bare URLs (scheme://, www.), emoji shortcodes (a fork's
# `:white_check_mark:` drew the ✅ of a pass), not after a digit (12:30:45 is no emoji)
_LINKERS = re.compile(
    r"(?<=@)(?=\w)|(?<=#)(?=\w)|(?<=:)(?=//)|(?i:(?<=www)(?=\.))|(?i:(?<=\bgh)(?=-\d))"
    r"|(?<=(?<![0-9]):)(?=[a-z0-9_+-]+:)"
)
# backslash-escaped wherever they stand: they open code, emphasis, strikethrough, links and
# images, table cells, math; `_` only where it could (not between two letters or digits)
_PUNCTUATION = re.compile(r"[\\`*\[\]~|$#]|(?<![^\W_])_|_(?![^\W_])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ENTITY = re.compile("[&<>]")
# a line that starts with these is a list, a heading underline or a thematic break
_LINE_START = re.compile(r"^(?:([-+=])(?=[-=\s]|$)|(\d{1,9})([.)])(?=\s|$))")


def visible(text: str) -> str:
    """Characters that reorder or hide the text around them, shown as their code points."""
    return _HIDING.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def escape(text: object) -> str:
    """Untrusted text inside Markdown: a table cell, a list item, a line of its own."""
    return _escaped(visible(_BREAKS.sub(" ", str(text))).strip())  # no indent


def _escaped(value: str, *, start: bool = True) -> str:
    """`value` (one line, shown) escaped; `start`: it begins the line, where `1.` is a list."""
    value = _LINKERS.sub(JOINER, value)
    value = _ENTITY.sub(lambda m: _HTML[m.group()], value)
    value = _PUNCTUATION.sub(r"\\\g<0>", value)
    return _LINE_START.sub(_line_start, value, count=1) if start else value


_TICKS = re.compile("`+")


def prose(text: object, *, cell: bool = False) -> str:
    """mlgate's own message inside Markdown, whose commands are written as code spans
    (`` `mlgate compare main` ``, delimited as CommonMark reads them: a run of backticks
    closed by a run as long): each span a code span (`code`), the rest `escape`d. Escaped
    whole, a hint's command showed with its backticks, as text. What a message quotes
    stays inert either way: a value outside a span is escaped, and inside one (a branch's
    name in its command) it is code, which nothing in it can close. `cell`: in a table
    cell, where GFM splits cells at a `|` before it reads code spans, a span that holds one
    is escaped as text instead."""
    value = visible(_BREAKS.sub(" ", str(text))).strip()
    parts = []
    for n, (ticks, piece) in enumerate(_spans(value)):
        inner = piece[1:-1] if piece[:1] == piece[-1:] == " " and piece.strip() else piece
        if ticks and inner.strip() and not (cell and "|" in inner):
            parts.append(code(inner))
        else:
            parts.append(_escaped(f"{ticks}{piece}{ticks}", start=n == 0))
    return "".join(parts)


def _spans(text: str) -> list[tuple[str, str]]:
    """`text` as pieces: ("", plain text) and (the backticks, a code span's content)."""
    found: list[tuple[str, str]] = []
    plain = seek = 0
    while (opening := _TICKS.search(text, seek)) is not None:
        ticks = opening.group()
        closing = next(
            (m for m in _TICKS.finditer(text, opening.end()) if m.group() == ticks), None
        )
        if closing is None:  # no run as long closes it: literal backticks
            seek = opening.end()
            continue
        found += [
            ("", text[plain : opening.start()]),
            (ticks, text[opening.end() : closing.start()]),
        ]
        plain = seek = closing.end()
    return [*found, ("", text[plain:])]


def _line_start(match: re.Match[str]) -> str:
    marker, digits, dot = match.groups()
    return f"\\{marker}" if marker else f"{digits}\\{dot}"


def code(text: object) -> str:
    """Untrusted text as a code span, outside tables: literal, on one line, and no backtick
    run inside can close it. (In a table cell use `escape`: GFM splits cells before it
    reads code spans, and a backslash is literal in a code span, so `a\\|b` would part.)"""
    value = visible(_BREAKS.sub(" ", str(text)))
    runs = [len(r) for r in re.findall(r"`+", value)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def html(text: object) -> str:
    """Untrusted text inside raw HTML (a `<summary>`), where Markdown is not read but
    entities, @mentions and references are."""
    value = _LINKERS.sub(JOINER, visible(_BREAKS.sub(" ", str(text))))
    # entities after the joiners: one put after the `#` of `&#39;` showed `don&#39;t`
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;").replace("'", "&#39;")


def fence_safe(text: str) -> str:
    """Output inside a ``` fence cannot close it, nor hide what it says."""
    return visible(text.replace("```", "ʼʼʼ"))


def one_line(text: str) -> str:
    """Text from data or user commands for a terminal, kept on its line: a newline in a
    data value could otherwise start a line of its own, which a CI log may read as a
    command."""
    return visible(_BREAKS.sub(" ", text))
