"""Job summary, step outputs and workflow commands: what a step hands back to Actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import UserError
from mlgate.github import actions
from mlgate.github.checks import Annotation

HOSTILE = "bad\n::error::injected\r\n::set-output name=x::y %0A ::add-mask::"


def test_untrusted_text_cannot_start_a_workflow_command() -> None:
    line = actions.annotation_command(
        Annotation(
            path="a,b:c.yaml",
            start_line=3,
            end_line=4,
            level="failure",
            message=HOSTILE,
            title="t\n::warning::x,y",
        )
    )
    assert "\n" not in line and "\r" not in line and line.count("::") == 2 + HOSTILE.count("::")
    assert line.startswith(
        "::error file=a%2Cb%3Ac.yaml,line=3,endLine=4,title=t%0A%3A%3Awarning%3A%3Ax%2Cy::"
    )
    assert line.endswith("::bad%0A::error::injected%0D%0A::set-output name=x::y %250A ::add-mask::")


@pytest.mark.parametrize(
    "level,command", [("failure", "error"), ("warning", "warning"), ("notice", "notice")]
)
def test_annotation_levels_are_githubs_commands(level: str, command: str) -> None:
    note = Annotation(
        path="mlops.yaml",
        start_line=1,
        end_line=1,
        level=level,  # type: ignore[arg-type]
        message="m",
    )
    assert actions.annotation_command(note) == f"::{command} file=mlops.yaml,line=1,endLine=1::m"


def test_escaping_round_trips_through_githubs_rules() -> None:
    """Unescaping as the runner does gives back the original text, `%` included."""

    def unescape(text: str) -> str:
        for escaped, raw in (
            ("%0D", "\r"),
            ("%0A", "\n"),
            ("%3A", ":"),
            ("%2C", ","),
            ("%25", "%"),
        ):
            text = text.replace(escaped, raw)
        return text

    for text in (HOSTILE, "100%25 sure", "%%0A", "a:b,c"):
        assert unescape(actions.escape_property(text)) == text
        assert unescape(actions.escape_data(text)) == text


def test_a_command_or_property_name_is_never_built_from_text() -> None:
    assert actions.workflow_command("notice", "hi", {"title": "x"}) == "::notice title=x::hi"
    assert actions.workflow_command("group", "Training") == "::group::Training"
    for command, props in (("error::x", {}), ("notice", {"title=a,file": "x"}), ("", {})):
        with pytest.raises(ValueError):
            actions.workflow_command(command, "m", props)


def test_the_job_summary_appends(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    actions.write_summary(summary, "# one")
    actions.write_summary(summary, "<details>\n\n| a |\n\n</details>")
    actions.write_summary(summary, "# two ✓\n")
    # each block apart: "# two" straight after </details> rendered as raw HTML
    assert summary.read_text("utf-8") == "# one\n\n<details>\n\n| a |\n\n</details>\n\n# two ✓\n"


def test_a_summary_past_a_mebibyte_is_refused_with_a_notice(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    actions.write_summary(summary, "# one")
    with pytest.raises(UserError, match="at most 1,048,576 per step") as error:
        actions.write_summary(summary, "é" * (512 * 1024))  # 1 MiB of bytes, half the chars
    assert "artifact" in str(error.value)
    text = summary.read_text("utf-8")
    assert text.startswith("# one\n") and "left out of this job summary" in text
    assert "é" not in text
    actions.write_summary(summary, "x" * (actions.SUMMARY_LIMIT - summary.stat().st_size - 2))
    assert summary.stat().st_size == actions.SUMMARY_LIMIT  # exactly the limit still fits


def test_outputs_survive_multiline_values(tmp_path: Path) -> None:
    out = tmp_path / "output"
    actions.set_output(out, "verdict", "failed")
    actions.set_output(out, "summary", "line one\nEOF\n\nverdict<<x\nline three")
    text = out.read_text().split("\n")
    name, mark = text[0].split("<<")
    assert (name, text[1], text[2]) == ("verdict", "failed", mark)
    name, mark = text[3].split("<<")
    assert name == "summary" and text[4:9] == ["line one", "EOF", "", "verdict<<x", "line three"]
    assert text[9] == mark and text[10] == "" and len(text) == 11
    assert mark.startswith("mlgate_") and len(mark) > 30


@pytest.mark.parametrize("name", ["a<<b", "x\ny", "", "1st", "name=value"])
def test_an_output_name_that_could_inject_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        actions.set_output(tmp_path / "output", name, "v")
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("::error::x", ": :error::x"),
        ("   ::add-mask::secret", "   : :add-mask::secret"),
        ("\t::stop-commands::tok", "\t: :stop-commands::tok"),
        ("text ##[error]old form", "text # #[error]old form"),
        ("a::b is fine", "a::b is fine"),
    ],
)
def test_neutralize_leaves_no_line_the_runner_reads_as_a_command(line: str, shown: str) -> None:
    assert actions.neutralize(line) == shown


def test_guarded_streams_neutralize_everything_but_our_own_commands(
    capfd: pytest.CaptureFixture[str],
) -> None:
    import sys

    with actions.guarded_streams():
        print("col ::warning::not a command\n::error::injected", end="")
        print(" still the same line")
        sys.stderr.write("::set-output name=x::y\n")
        actions.emit("::notice::ours")
    out, err = capfd.readouterr()
    assert out == "col ::warning::not a command\n: :error::injected still the same line\n"
    assert err == ": :set-output name=x::y\n::notice::ours\n"
    assert not isinstance(sys.stdout, actions.CommandGuard)  # restored


class _Chunks:
    """A pipe that hands its bytes over in the given pieces."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = list(pieces)

    def read1(self, _size: int) -> bytes:
        return self.pieces.pop(0) if self.pieces else b""


ENDS = ["\r", "\n", "\r\n"]
COMMANDS = [
    "::error::forged",
    "::add-mask::mlgate",
    "::stop-commands::tok",
    "  ::warning::x",
    "\t::notice::y",
    "##[error]old form",
]


@pytest.mark.parametrize("end", ENDS)
@pytest.mark.parametrize("command", COMMANDS)
def test_no_line_end_the_runner_honours_lets_a_command_through_the_guard(
    end: str, command: str
) -> None:
    """Split as the runner splits (CR, LF, CRLF), in every chunking, the guarded text holds
    no line the runner would read as a command."""
    import io

    from tests.harness.runner import runner_lines

    text = f"mlgate: error: x{end}{command}{end}more{end}{end}{command}"
    for cut in range(len(text) + 1):
        out = io.StringIO()
        guard = actions.CommandGuard(out)
        guard.write(text[:cut])
        guard.write(text[cut:])
        guard.flush()
        data = out.getvalue().encode()
        for size in (1, 2, 7, len(data) or 1):
            pieces = [data[i : i + size] for i in range(0, len(data), size)]
            lines = [raw.decode().rstrip("\r\n") for raw in runner_lines(_Chunks(pieces))]
            assert not [ln for ln in lines if ln.lstrip().startswith("::") or "##[" in ln], (
                cut,
                size,
                lines,
            )
            assert "mlgate: error: x" in lines


def test_the_harness_splits_lines_as_the_runner_does() -> None:
    from tests.harness.runner import runner_lines

    pieces = [b"a\r", b"\nb\rc", b"\n\r", b"\r\nd\r"]
    assert list(runner_lines(_Chunks(pieces))) == [b"a\r\n", b"b\r", b"c\n", b"\r", b"\r\n", b"d\r"]
    assert list(runner_lines(_Chunks([b"x\ny"]))) == [b"x\n", b"y"]


def test_control_characters_from_data_reach_no_annotation() -> None:
    """A column named `csi\\x1b[2Jclear` or `bell\\x07x` put an ESC sequence and a BEL into
    the `::error` line: the log renders ANSI, and the annotation showed them on the PR."""
    line = actions.workflow_command(
        "error",
        "drifted: csi\x1b[2Jclear, bell\x07x, c1\x85next, tab\there\nnext",
        {"title": "t\x1b"},
    )
    assert line == ("::error title=t ::drifted: csi [2Jclear, bell x, c1 next, tab here%0Anext")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in line)
