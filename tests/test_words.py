"""Counted nouns: "1 check", never "1 checks", in every message mlgate writes."""

from __future__ import annotations

import re

import pytest

from mlgate import spelling, words
from tests.conftest import REPO_ROOT

NOUNS = (
    "checks",
    "rows",
    "columns",
    "files",
    "versions",
    "gates",
    "classes",
    "problems",
    "requests",
    "records",
    "metrics",
    "tags",
    "runs",
    "failures",
    "warnings",
    "lines",
    "test rows",
    "paired rows",
    "shared columns",
    "non-null rows",
)
# a number in braces right before a plural noun, unless the number is a constant (LIMIT)
HAND_COUNTED = re.compile(
    r"\{(?![A-Z_]+\})[^{}]+\}\s+(?:[a-z-]+\s+)?(?:"
    + "|".join(n.split()[-1] for n in NOUNS)
    + r")\b"
)

# an "s" added by hand: {'s' if n != 1 else ''}
HAND_PLURAL = re.compile(r"""\{\s*['"]s['"]\s+if\b""")


@pytest.mark.parametrize(
    ("n", "noun", "said"),
    [
        (0, "check", "0 checks"),
        (1, "check", "1 check"),
        (2, "check", "2 checks"),
        (1, "class", "1 class"),
        (3, "class", "3 classes"),
        (1, "test row", "1 test row"),
        (114, "test row", "114 test rows"),
    ],
)
def test_count_agrees_with_the_number(n: int, noun: str, said: str) -> None:
    assert words.count(n, noun) == said


def test_of_agrees_with_the_whole() -> None:
    assert words.of(0, 1, "gate") == "0 of 1 gate"
    assert words.of(1, 3, "gate") == "1 of 3 gates"


# "{drifted} of ...": a part counted without the thousands separator its whole has
PART_UNSEPARATED = re.compile(r"\{(?!words\.|escape\()[^{}:]+\} of (?:the [a-z']+ )?\{")


def test_every_count_has_its_thousands_separator() -> None:
    """ "2038 of 3,003 checks" read as two kinds of number in one line of a report."""
    from mlgate.data import phrases

    assert words.of(2038, 3003, "check") == "2,038 of 3,003 checks"
    assert phrases.share(1200, 1_000_000) == "1,200 of 1,000,000 rows (0.1%)"
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in sorted((REPO_ROOT / "src" / "mlgate").rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if PART_UNSEPARATED.search(line)
    ]
    assert not found, "format the part with :, (or words.of):\n" + "\n".join(found)


def test_no_message_counts_by_hand() -> None:
    """A number before a plural noun in an f-string reads "1 checks" when it is 1."""
    found = []
    for path in sorted((REPO_ROOT / "src" / "mlgate").rglob("*.py")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            quoted = 'f"' in line or "f'" in line or line.lstrip().startswith(('"', "'"))
            if quoted and (HAND_COUNTED.search(line) or HAND_PLURAL.search(line)):
                found.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert not found, "use mlgate.words.count:\n" + "\n".join(found)


def test_sizes_read_as_people_say_them() -> None:
    assert words.size(64 * 2**10) == "64 KiB"
    assert words.size(2_000_000) == "1.9 MiB"
    assert words.size(64 * 2**20) == "64 MiB"
    assert words.size(1_400_000_000) == "1.3 GiB"
    assert words.size(3 * 2**30) == "3 GiB"


def test_values_read_as_the_yaml_that_holds_them() -> None:
    """A configuration's label, a report's params and a manifest problem say `true`, not
    Python's `True`: the params file the user edits writes it so."""
    assert [words.as_written(v) for v in (True, None, float("inf"), float("nan"), 0.1)] == [
        "true",
        "null",
        ".inf",
        ".nan",
        "0.1",
    ]
    assert words.assignments({"train.balanced": False, "train.penalty": "l 1"}) == (
        'train.balanced=false, train.penalty="l 1"'
    )


def test_a_swept_text_shows_its_letters_and_escapes_what_does_not_print() -> None:
    """ "α€😀" read `"\\u03b1\\u20ac\\ud83d\\ude00"` in the sweep's table; a right-to-left
    override or a line break must still not reach a terminal or a report raw."""
    assert words.assignments({"a": "α€😀", "b": "x\u202ey", "c": "two\nlines"}) == (
        'a="α€😀", b="x\\u202ey", c="two\\nlines"'
    )


@pytest.mark.parametrize(
    ("name", "choices", "offered"),
    [
        # two names one letter away: either could be meant, so both are offered
        ("f1_mcro", ["accuracy", "f1_micro", "f1_macro"], "did you mean 'f1_micro' or 'f1_macro'?"),
        # a short name shares two letters with a long one: no slip of the keys makes it
        ("age", ["target", "mean radius"], ""),
        ("age", ["target", "ages"], "did you mean 'ages'?"),
        # a name the right one begins with: an abbreviation
        ("int", ["integer", "number", "string"], "did you mean 'integer'?"),
        ("minimum", ["max", "min", "nullable"], "did you mean 'min'?"),
        ("comapre", ["compare", "data", "train"], "did you mean 'compare'?"),
    ],
)
def test_a_misspelt_name_is_offered_every_name_as_close_and_no_far_one(
    name: str, choices: list[str], offered: str
) -> None:
    assert spelling.did_you_mean(spelling.closest(name, choices)) == offered


@pytest.mark.parametrize(
    ("shown", "total", "sep", "said"),
    [
        (["a", "b"], 2, ", ", "a, b"),
        (["a", "b"], 5, ", ", "a, b and 3 more"),
        (["x: 1", "y: 2"], 1_202, "; ", "x: 1; y: 2; and 1,200 more"),
        ([], 0, ", ", ""),
    ],
)
def test_a_list_cut_short_says_how_many_more_once_in_one_way(
    shown: list[str], total: int, sep: str, said: str
) -> None:
    assert words.first(shown, total, sep) == said
    assert words.names(["age", "income", "plan"], 2) == "age, income and 1 more"
