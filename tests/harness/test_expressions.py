"""The expression layer: GitHub's library does the evaluating; these pin what we rely on."""

from __future__ import annotations

import hashlib

import pytest

from tests.harness.expressions import (
    ExpressionError,
    condition,
    condition_expression,
    evaluate,
    hash_files,
    interpolate,
    split_template,
)

CTX = {
    "github": {
        "event_name": "push",
        "event": {"commits": [{"id": "a1", "message": "one"}, {"id": "b2", "message": "two"}]},
    },
    "inputs": {"empty": "", "given": "mine", "flag": True, "number": 3},
    "env": {"LABELS": '["bug", "ml"]'},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'1' == 1", True),  # strings and numbers compare as numbers
        ("null == 0", True),  # null coerces to 0
        ("'' == 0", True),
        ("true == 1", True),
        ("'abc' == 'ABC'", True),  # string comparison ignores case
        ("'abc' != 'abd'", True),
        ("'2' < 10", True),
        ("fromJSON('[1]') == fromJSON('[1]')", False),  # objects are equal only when identical
        ("!''", True),
        ("inputs.number > 2 && inputs.number <= 3", True),
    ],
)
def test_loose_equality_and_comparison(expression: str, expected: bool) -> None:
    assert evaluate(expression, CTX) is expected


def test_or_returns_the_first_truthy_value_and_and_the_first_falsy() -> None:
    assert evaluate("inputs.empty || 'default'", CTX) == "default"
    assert evaluate("inputs.given || 'default'", CTX) == "mine"
    assert evaluate("inputs.missing || inputs.empty", CTX) == ""
    assert evaluate("inputs.given && inputs.number", CTX) == 3
    assert evaluate("inputs.empty && inputs.number", CTX) == ""


def test_functions() -> None:
    assert evaluate("format('{0}-{1} {{literal}}', 'a', inputs.number)", CTX) == "a-3 {literal}"
    assert evaluate("fromJSON('{\"a\": [1, 2.5]}').a[1]", CTX) == 2.5
    assert evaluate("fromJSON(env.LABELS)[0]", CTX) == "bug"
    assert evaluate("contains(fromJSON(env.LABELS), 'ML')", CTX) is True  # element, any case
    assert evaluate("contains(fromJSON(env.LABELS), 'm')", CTX) is False  # not a substring
    assert evaluate("contains('Hello', 'ELL')", CTX) is True
    assert evaluate("startsWith('refs/heads/main', 'REFS/')", CTX) is True
    assert evaluate("endsWith('model.pkl', '.PKL')", CTX) is True
    assert evaluate("join(github.event.commits.*.id, '+')", CTX) == "a1+b2"
    assert evaluate("toJSON(inputs.flag)", CTX) == "true"
    assert evaluate("toJSON(fromJSON('{\"a\":1}'))", CTX) == '{\n  "a": 1\n}'


def test_property_access_index_and_star_filter() -> None:
    assert evaluate("github.event.commits[1].message", CTX) == "two"
    assert evaluate("github['event']['commits'][0]['id']", CTX) == "a1"
    assert evaluate("github.event.commits.*.message", CTX) == ["one", "two"]
    assert evaluate("GITHUB.Event_Name", CTX) == "push"  # context names ignore case
    assert evaluate("github.event.nope.deeper", CTX) is None


def test_interpolation_coerces_as_github_does() -> None:
    text = (
        "n=${{ inputs.number }} f=${{ 1.50 }} b=${{ inputs.flag }} z=${{ inputs.missing }}"
        " s=${{ format('{0}}}', 'x') }}"
    )
    assert interpolate(text, CTX) == "n=3 f=1.5 b=true z= s=x}"
    assert interpolate("${{ fromJSON('[1]') }}", CTX) == "[\n  1\n]"
    assert interpolate("no expressions, just ${ text }", CTX) == "no expressions, just ${ text }"


def test_template_split_ignores_braces_inside_string_literals() -> None:
    assert split_template("a ${{ '}}' }} b") == [("text", "a "), ("expr", "'}}'"), ("text", " b")]
    with pytest.raises(ExpressionError, match="not closed"):
        split_template("echo ${{ github.sha")


def test_condition_is_implicitly_success_and() -> None:
    assert condition("inputs.flag", CTX, "success") is True
    assert condition("inputs.flag", CTX, "failure") is False  # success() && (...)
    assert condition("${{ inputs.flag }}", CTX, "failure") is False
    assert condition("always() && inputs.flag", CTX, "failure") is True
    assert condition("failure()", CTX, "failure") is True
    assert condition("cancelled()", CTX, "success") is False
    assert condition(True, CTX, "success") is True


def test_condition_with_text_around_an_expression_is_always_true() -> None:
    # GitHub's trap: `${{ false }} && x` is format('{0} && x', false), a non-empty string
    assert condition_expression("${{ false }} && x") == "format('{0} && x', false)"
    assert condition("${{ false }} && x", CTX, "success") is True


def test_status_functions_only_exist_in_conditions() -> None:
    with pytest.raises(ExpressionError, match="Unrecognized function"):
        evaluate("success()", CTX)


def test_parse_error_names_the_expression() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate("github.event_name == ", CTX)
    assert info.value.kind == "parse"
    assert "'github.event_name == '" in str(info.value)
    with pytest.raises(ExpressionError, match="Unrecognized named-value: 'secrets'"):
        evaluate("secrets.TOKEN", CTX)


def test_evaluation_error_is_reported() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate("fromJSON('{not json')", CTX)
    assert info.value.kind == "eval"


def test_hash_files_uses_githubs_algorithm(tmp_path) -> None:
    (tmp_path / "requirements.txt").write_text("numpy\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "requirements.txt").write_text("pandas\n")
    (tmp_path / "sub" / "other.txt").write_text("x\n")

    def expected(*names: str) -> str:
        outer = hashlib.sha256()
        for name in names:
            outer.update(hashlib.sha256((tmp_path / name).read_bytes()).digest())
        return outer.hexdigest()

    both = expected("requirements.txt", "sub/requirements.txt")
    assert hash_files(["**/requirements.txt"], tmp_path) == both
    ctx = {"github": {"workspace": str(tmp_path)}}
    assert evaluate("hashFiles('**/requirements.txt')", ctx) == both
    assert evaluate("hashFiles('sub')", ctx) == expected("sub/other.txt", "sub/requirements.txt")
    assert evaluate("hashFiles('**/*.txt', '!sub/other.txt')", ctx) == both
    assert evaluate("hashFiles('nothing-*.lock')", ctx) == ""
    assert interpolate("key-${{ hashFiles('requirements.txt') }}", ctx) == (
        "key-" + expected("requirements.txt")
    )
