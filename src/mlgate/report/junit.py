"""A run's checks and gates as JUnit XML, the test-result format CI tools already show.

One test suite per stage (data checks, model checks, gates; the gates' suite holds the
slice gates and the fairness comparisons with the baseline too). A failed check or gate is a
<failure>, a check that could not be evaluated an <error>, a skipped check or a gate that
was not evaluated (no baseline) <skipped>. Built with ElementTree, which escapes markup;
characters XML 1.0 cannot hold at all (most control characters, lone surrogates) are
written as visible escapes such as `\\x1b`, since a parser would refuse the whole file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mlgate.report import gate_text, numbers
from mlgate.result.records import CheckResult, GateResult


@dataclass(frozen=True, kw_only=True)
class _Case:
    name: str
    outcome: str  # "passed" | "failure" | "error" | "skipped"
    message: str = ""
    details: str = ""


def render(checks: Sequence[CheckResult], gates: Sequence[GateResult], *, suite_name: str) -> str:
    """The document; every stage has its suite, empty or not, so readers see the same shape
    on every run."""
    stages = [
        ("data checks", [_check(c) for c in checks if c.stage == "data"]),
        ("model checks", [_check(c) for c in checks if c.stage == "model"]),
        # slice gates and fairness against the baseline are gates too
        ("gates", [_gate(g) for g in gates] + [_check(c) for c in checks if c.stage == "compare"]),
    ]
    every = [case for _, cases in stages for case in cases]
    root = ET.Element("testsuites", {"name": _clean(suite_name), **_counts(every)})
    for stage, cases in stages:
        name = _clean(f"{suite_name}: {stage}")
        suite = ET.SubElement(root, "testsuite", {"name": name, **_counts(cases)})
        for case in cases:
            # classname = the suite's name: reporters then list the cases under the suite
            element = ET.SubElement(
                suite, "testcase", {"classname": name, "name": _clean(case.name), "time": "0"}
            )
            if case.outcome != "passed":
                tag = ET.SubElement(element, case.outcome, {"message": _clean(case.message)})
                tag.text = _clean(case.details) or None
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _check(check: CheckResult) -> _Case:
    outcome = {"failed": "failure", "error": "error", "skipped": "skipped"}.get(
        check.status, "passed"
    )
    details = [f"subject: {check.subject}", f"rule: {check.rule}", f"found: {check.message}"]
    if check.manifest_key:
        details.append(f"manifest key: {check.manifest_key}")
    return _Case(name=check.id, outcome=outcome, message=check.message, details="\n".join(details))


def _gate(gate: GateResult) -> _Case:
    outcome = {"failed": "failure", "not evaluated": "skipped"}.get(gate.status, "passed")
    details = [
        f"rule: {gate_text.rule(gate) or 'no threshold'}",
        f"candidate: {gate_text.figure(gate, gate_text.CANDIDATE)}",
        f"baseline: {numbers.value(gate.baseline)}",
        f"change: {gate_text.figure(gate, gate_text.CHANGE)}",
    ]
    if gate.relative_change is not None:
        details.append(f"relative change: {gate_text.figure(gate, gate_text.RELATIVE)}")
    return _Case(
        name=gate.metric,
        outcome=outcome,
        message=gate_text.explanation(gate),
        details="\n".join(details),
    )


def _counts(cases: Iterable[_Case]) -> dict[str, str]:
    outcomes = [case.outcome for case in cases]
    return {
        "tests": str(len(outcomes)),
        "failures": str(outcomes.count("failure")),
        "errors": str(outcomes.count("error")),
        "skipped": str(outcomes.count("skipped")),
        # mlgate times stages, not single checks; readers such as dorny/test-reporter
        # parse the attribute as a number, so it is present
        "time": "0",
    }


# XML 1.0 allows tab, newline, carriage return, and U+0020 up, less surrogates, FFFE, FFFF
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: _visible(m.group()), str(text))


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
