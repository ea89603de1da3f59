"""Job summary, step outputs and annotations: what a step hands back to Actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import UserError
from mlgate.github import actions
from mlgate.github.checks import Annotation


def test_untrusted_text_cannot_start_a_workflow_command() -> None:
    hostile = "bad\n::error::injected\r\n::set-output name=x::y %0A"
    line = actions.annotation_command(Annotation(
        path="a,b:c.yaml", start_line=3, end_line=3, level="failure", message=hostile,
        title="t\n::warning::x"))
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=3,endLine=3,title=t%0A")
    assert line.endswith("::bad%0A::error::injected%0D%0A::set-output name=x::y %250A")


def test_the_job_summary_appends_and_refuses_more_than_a_mebibyte(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    actions.write_summary(summary, "# one")
    actions.write_summary(summary, "# two\n")
    assert summary.read_text() == "# one\n# two\n"
    with pytest.raises(UserError, match="at most 1048576"):
        actions.write_summary(summary, "x" * (1024 * 1024))
    assert summary.read_text() == "# one\n# two\n"


def test_outputs_survive_multiline_values(tmp_path: Path) -> None:
    out = tmp_path / "output"
    actions.set_output(out, "verdict", "failed")
    actions.set_output(out, "summary", "line one\nEOF\nline three")
    text = out.read_text().splitlines()
    delimiter = text[0].split("<<")[1]
    assert text[:3] == [f"verdict<<{delimiter}", "failed", delimiter]
    start = text[3]
    name, mark = start.split("<<")
    assert name == "summary" and text[4:7] == ["line one", "EOF", "line three"]
    assert text[7] == mark
