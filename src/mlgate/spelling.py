"""The names a misspelt one likely meant: every "did you mean" mlgate says comes from here.

difflib's ratio alone offered one of two equally close names ("f1_mcro" was only ever
f1_micro, never f1_macro) and, on short names, names that share a letter or two ("age"
was "target"). So every name as close as the closest is offered, and a name is close
only when the letters left unmatched are few beside its length, or when one name begins
the other ("int" for integer, "min" for minimum, "prod" for production).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

from mlgate import words

OFFERED = 3  # at most this many names, all equally close


def closest(
    name: str, choices: Iterable[str], *, cutoff: float = 0.6, ranked: bool = False
) -> list[str]:
    """The choices nearest `name`, all tied at the best score, in the order given (`ranked`:
    the nearest few, nearest first); [] when none is near enough."""
    scored: list[tuple[float, str]] = []
    for choice in dict.fromkeys(choices):
        short, long = sorted((name.lower(), choice.lower()), key=len)
        begins = len(short) >= 3 and long.startswith(short)  # "prod" for production
        matcher = difflib.SequenceMatcher(None, name, choice)
        if not begins and (matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff):
            continue
        ratio = matcher.ratio()
        matched = sum(block.size for block in matcher.get_matching_blocks())
        unmatched = len(name) + len(choice) - 2 * matched
        if begins or (ratio >= cutoff and unmatched <= max(2, len(name) // 2)):
            scored.append((ratio, choice))
    if not scored:
        return []
    if ranked:
        return [choice for _, choice in sorted(scored, key=lambda s: -s[0])][:OFFERED]
    best = max(ratio for ratio, _ in scored)
    return [choice for ratio, choice in scored if ratio == best][:OFFERED]


def loosely(name: str) -> str:
    """A name with what a reader cannot see or does not mind taken away: case, blanks at
    its ends, and its Unicode form ("café" as one character or as e and an accent)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def did_you_mean(close: list[str]) -> str:
    """ "did you mean 'f1_macro' or 'f1_micro'?" ("" for no name)."""
    if not close:
        return ""
    quoted = [words.quoted(name) for name in close]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"did you mean {listed}?"
