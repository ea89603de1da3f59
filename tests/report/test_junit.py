"""JUnit XML: parses back with the right counts, outcomes and messages, whatever the text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from mlgate.compare.gates import GateResult
from mlgate.report import junit
from mlgate.result.records import CheckResult

SUITES = ["churn: data checks", "churn: model checks", "churn: gates"]


def check(id: str, status: str, message: str = "ok", stage: str = "data") -> CheckResult:
    return CheckResult(
        id=id,
        stage=stage,
        subject=id.split(".")[-1],
        rule=">= 18",  # type: ignore[arg-type]
        status=status,
        message=message,
    )  # type: ignore[arg-type]


def gate(metric: str, status: str, explanation: str = "") -> GateResult:
    return GateResult(
        metric=metric,
        status=status,
        candidate=0.9,
        baseline=0.92,  # type: ignore[arg-type]
        change=-0.02,
        relative_change=-0.02 / 0.92,
        rule="change >= -0.01",
        explanation=explanation or f"{metric}: held",
    )


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def counts(element: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(element.get(k)) for k in ("tests", "failures", "errors", "skipped"))


def test_each_stage_is_a_suite_with_its_counts_and_outcomes() -> None:
    checks = [
        check("data.test.columns.age.min", "failed", "3 of 114 rows below 18"),
        check("data.test.rows", "passed"),
        check("model.metric.f1.min", "error", "the model gives no probabilities", "model"),
        check("model.invariance.email", "skipped", "no email column", "model"),
    ]
    gates = [
        gate("f1_macro", "failed", "f1_macro: change -0.0200 is below the allowed -0.01"),
        gate("roc_auc", "not evaluated", "roc_auc: no baseline"),
        gate("log_loss", "passed"),
    ]
    root = parse(junit.render(checks, gates, suite_name="churn"))
    assert root.tag == "testsuites" and root.get("name") == "churn"
    assert counts(root) == (7, 2, 1, 2)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == SUITES
    assert [counts(s) for s in suites] == [(2, 1, 0, 0), (2, 0, 1, 1), (3, 1, 0, 1)]
    outcomes = {
        case.get("name"): (case[0].tag, case[0].get("message")) if len(case) else ("passed", None)
        for suite in suites
        for case in suite.findall("testcase")
    }
    assert outcomes == {
        "data.test.columns.age.min": ("failure", "3 of 114 rows below 18"),
        "data.test.rows": ("passed", None),
        "model.metric.f1.min": ("error", "the model gives no probabilities"),
        "model.invariance.email": ("skipped", "no email column"),
        "f1_macro": ("failure", "f1_macro: change -0.0200 is below the allowed -0.01"),
        "roc_auc": ("skipped", "roc_auc: no baseline"),
        "log_loss": ("passed", None),
    }
    failed_gate = suites[2].find("testcase[@name='f1_macro']/failure")
    assert failed_gate.text == (
        "rule: change >= -0.01\ncandidate: 0.9000\nbaseline: 0.9200\n"
        "change: -0.0200\nrelative change: -2.17%"
    )
    for suite in suites:
        for case in suite.findall("testcase"):
            assert case.get("classname") == suite.get("name") and case.get("time") == "0"


def test_no_checks_and_no_gates_still_give_three_empty_suites() -> None:
    root = parse(junit.render([], [], suite_name="m"))
    assert counts(root) == (0, 0, 0, 0)
    assert [(s.get("name"), counts(s)) for s in root] == [
        ("m: data checks", (0, 0, 0, 0)),
        ("m: model checks", (0, 0, 0, 0)),
        ("m: gates", (0, 0, 0, 0)),
    ]


def test_markup_in_user_text_comes_back_unchanged() -> None:
    evil = '</failure><x a="1"> & \'quotes\' "double" <![CDATA[ ]]> --> \n second line\t'
    out = junit.render([check("data.x", "failed", evil)], [], suite_name='a"<b>&')
    root = parse(out)
    assert root.get("name") == 'a"<b>&'
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == evil
    assert f"found: {evil}" in failure.text
    assert "<x" not in out and "]]>" not in out


def test_characters_xml_cannot_hold_are_written_as_visible_escapes() -> None:
    message = "bad\x00byte \x1b[31mred\x1b[0m \x7f ok \ud800 \ufffe end"
    out = junit.render([check("data.\x01", "failed", message)], [], suite_name="s\x0b")
    root = parse(out)  # a NUL or an escape character would make the parser refuse it
    assert root.get("name") == "s\\x0b"
    case = root.find("testsuite/testcase")
    assert case.get("name") == "data.\\x01"
    assert case[0].get("message") == "bad\\x00byte \\x1b[31mred\\x1b[0m \x7f ok \\ud800 \\ufffe end"


def test_rendering_is_deterministic() -> None:
    checks = [check("data.a", "failed", "x"), check("model.b", "passed", stage="model")]
    gates = [gate("f1", "failed")]
    assert junit.render(checks, gates, suite_name="m") == junit.render(
        checks, gates, suite_name="m"
    )


STATUSES = st.sampled_from(["passed", "failed", "error", "skipped"])


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(st.sampled_from(["data", "model"]), STATUSES, st.text(max_size=20))),
    st.lists(st.tuples(st.sampled_from(["passed", "failed", "not evaluated"]), st.text())),
)
def test_counts_always_add_up(checks: list, gates: list) -> None:
    built_checks = [
        check(f"{stage}.c{i}", status, text, stage)
        for i, (stage, status, text) in enumerate(checks)
    ]
    built_gates = [gate(f"g{i}", status, text or "x") for i, (status, text) in enumerate(gates)]
    root = parse(junit.render(built_checks, built_gates, suite_name="m"))
    statuses = [s for _, s, _ in checks] + [s for s, _ in gates]
    assert counts(root) == (
        len(statuses),
        statuses.count("failed"),
        statuses.count("error"),
        statuses.count("skipped") + statuses.count("not evaluated"),
    )
    assert counts(root) == tuple(map(sum, zip(*(counts(s) for s in root), strict=True)))
    for suite in root:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
    # attribute values come back exactly, but for the characters XML cannot hold
    messages = [
        m for stage in ("data", "model") for st_, s, m in checks if st_ == stage and s != "passed"
    ]
    messages += [m or "x" for s, m in gates if s != "passed"]
    found = [case[0].get("message") for case in root.iter("testcase") if len(case)]
    assert found == [junit._clean(m) for m in messages]


def test_a_failed_gates_figures_are_shown_past_the_bound_they_failed() -> None:
    """A relative change of -2.004% read "-2.00%" under the rule ">= -2%" it failed, and a
    change of -0.00004 read "-0.0000" under ">= +0": figures that seemed to meet the rule."""
    from mlgate.compare.gates import decide
    from mlgate.manifest.spec import Gate
    from mlgate.report import gate_text

    relative = decide(
        Gate(metric="f1_macro", min_relative_change=-0.02), 0.87481, 0.8927, has_baseline=True
    )
    flat = decide(Gate(metric="accuracy", min_change=0), 0.87496, 0.875, has_baseline=True)
    assert (relative.status, flat.status) == ("failed", "failed")
    cases = ET.fromstring(junit.render([], [relative, flat], suite_name="m")).iter("testcase")
    bodies = {case.get("name"): case.find("failure").text for case in cases}  # type: ignore[union-attr]
    assert "relative change: -2.004%" in bodies["f1_macro"], bodies["f1_macro"]
    assert "change: -0.00004" in bodies["accuracy"], bodies["accuracy"]
    assert "(-0.00004)" in gate_text.explanation(flat)
