"""mlgate's own hints render as code in the Markdown report, and what they quote stays
inert (audit R, finding 7). The baseline note's command was escaped with the rest of the
message, so a pull request's comment showed "\\`mlgate compare master\\`" as text with
visible backticks. A branch's name inside that command is the pull request's to choose:
in a code span nothing in it can close, it is literal, whatever it holds."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlgate import manifest as manifests
from mlgate.compare import baseline
from mlgate.report import inert, markdown
from mlgate.result.records import CompareStage
from tests.report.test_inert import MARKUP
from tests.report.test_markdown import result

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# a name git takes for a branch (`git check-ref-format --branch`): a backtick to close
# the command's span, HTML, a mention and a reference
HOSTILE = "x`<img/src=x/onerror=alert(1)>`@admin#1"
MANIFEST = """name: churn
data:
  train: data/train.csv
  test: data/test.csv
  target: churned
train:
  command: python train.py
"""


def _inline(rendered: str) -> list[tuple[str, str]]:
    tokens = PARSER.parse(rendered)
    return [(c.type, c.content) for t in tokens if t.type == "inline" for c in t.children or []]


def _note(tmp_path: Path, branch: str) -> str:
    """The note of a run with no baseline (compare.baseline auto, not a pull request) in a
    repository whose one branch is `branch`: it names the command that compares with it."""
    root = tmp_path / "repo"
    root.mkdir(parents=True)
    (root / "mlops.yaml").write_text(MANIFEST)
    (root / "data").mkdir()
    for name in ("train", "test"):
        (root / "data" / f"{name}.csv").write_text("age,churned\n1,0\n")
    for args in (
        ["init", "-q", "-b", branch],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "c"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    manifest = manifests.load(root / "mlops.yaml")
    found = baseline.resolve(manifest, result(), env={}, run=lambda m: result())
    assert found.info.kind == "none"
    return found.info.message


def _report(message: str) -> str:
    none = baseline.Baseline(kind="none", message=message)
    stage = CompareStage(status="passed", baseline=none, message=message)
    return markdown.render(result(compare=stage, summary=f"no baseline ({message})"))


def test_the_baseline_notes_command_is_code_and_a_hostile_branch_in_it_is_literal(
    tmp_path: Path,
) -> None:
    note = _note(tmp_path, "master")
    assert note.endswith("names auto; `mlgate compare master` compares with the default branch")
    report = _report(note)
    baseline_section = report[report.index("### Baseline") :].split("\n\n")[1]
    assert ("code_inline", "mlgate compare master") in _inline(baseline_section)
    assert "\\`" not in report  # no escaped backtick left: each span is code, the stage's too
    stages = report[report.index("### Stages") :].split("\n\n")[1]
    assert ("code_inline", "mlgate compare master") in _inline(stages)

    hostile = _note(tmp_path / "hostile", HOSTILE)
    # the command's span is delimited by more backticks than the name holds: the terminal
    # reads it, and CommonMark reads it whole
    assert f"``mlgate compare {HOSTILE}`` compares with the default branch" in hostile
    report = _report(hostile)
    for part in (report[report.index("### Baseline") :], report[report.index("### Stages") :]):
        inline = _inline(part.split("\n\n")[1])
        assert ("code_inline", f"mlgate compare {HOSTILE}") in inline, inline
        # the name is code and nothing else: no HTML, no link, no mention or reference in
        # the text around it
        assert {kind for kind, _ in inline} <= {"text", "code_inline", "softbreak"}, inline
        text = "".join(content for kind, content in inline if kind == "text")
        assert "@admin" not in text and "<img" not in text


def test_the_untrusted_part_outside_a_span_stays_inert() -> None:
    """The branch a baseline named, outside the command's span ("main is this very
    commit"): escaped, and a pair of backticks in it is a code span, literal too."""
    said = f"{HOSTILE} is this very commit (abc1234): ...; ``mlgate compare {HOSTILE}~1``"
    rendered = inert.prose(said)
    assert rendered.startswith("x`<img/src=x/onerror=alert(1)>`@\u2060admin\\#\u20601 is")
    inline = _inline(rendered)
    assert inline == [
        ("text", "x"),
        ("code_inline", "<img/src=x/onerror=alert(1)>"),
        ("text", "@\u2060admin#\u20601 is this very commit (abc1234): ...; "),
        ("code_inline", f"mlgate compare {HOSTILE}~1"),
    ]


def test_in_a_table_cell_a_span_holding_a_pipe_is_text() -> None:
    """GFM splits a row at `|` before it reads code spans: the span would part the cell."""
    cell = inert.prose("`mlgate compare a|b` compares", cell=True)
    tokens = PARSER.parse(f"| a | b |\n| --- | --- |\n| {cell} | x |")
    assert sum(t.type == "td_open" for t in tokens) == 2
    assert ("text", "`mlgate compare a|b` compares") in _inline(
        f"| a | b |\n| --- | --- |\n| {cell} | x |"
    )
    assert inert.prose("`mlgate compare main` compares", cell=True).startswith("`mlgate")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*MARKUP, "`", "``", "mlgate "]), max_size=30).map("".join))
def test_any_message_is_text_and_code_alone_in_a_line_and_in_a_cell(text: str) -> None:
    for rendered, cell in ((f"- {inert.prose(text)}", False), (inert.prose(text, cell=True), True)):
        source = f"| a | b |\n| --- | --- |\n| {rendered} | x |" if cell else rendered
        tokens = PARSER.parse(source)
        if cell:
            assert sum(t.type == "td_open" for t in tokens) == 2, source
        else:
            blocks = {t.type for t in tokens} - {"inline"}
            assert blocks <= {
                "bullet_list_open",
                "bullet_list_close",
                "list_item_open",
                "list_item_close",
                "paragraph_open",
                "paragraph_close",
            }, source
        inline = [c for t in tokens if t.type == "inline" for c in t.children or []]
        kinds = {c.type for c in inline}
        assert kinds <= {"text", "code_inline", "softbreak"}, (source, kinds)
        for child in inline:
            if child.type == "text":
                assert not any(mark in child.content for mark in ("@a", "#a", "://", "www.")), (
                    source
                )


def test_a_stages_command_is_code_too() -> None:
    """The stages table's messages are mlgate's: the training command it ran is code."""
    out = markdown.render(result())
    assert "| `python train.py` finished in 1.0s |" in out


def test_on_the_default_branchs_own_commit_the_hint_is_the_commit_before(
    tmp_path: Path,
) -> None:
    """`mlgate compare main`, run on main's own commit with nothing uncommitted, scored
    the model against itself and passed every gate; the hint named it (audit U, 3)."""
    from dataclasses import replace

    from mlgate.git import GitInfo

    root = tmp_path / "repo"
    _note(tmp_path, "main")

    def note(commit: str | None, dirty: bool = False) -> str:
        ran = replace(result(), git=GitInfo(commit=commit, branch="main", dirty=dirty))
        manifest = manifests.load(root / "mlops.yaml")
        found = baseline.resolve(manifest, ran, env={}, run=lambda m: result())
        return found.info.message

    def head() -> str:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True)
        return done.stdout.decode().strip()

    first = head()
    assert note(first).endswith(
        "names auto; this is `main`'s first commit: no model before it to compare with"
    )
    (root / "train.py").write_text("print('trained')\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "d"],
        cwd=root,
        check=True,
    )
    assert note(head()).endswith(
        "`mlgate compare main~1` compares with the commit before (`main` is this run's own commit)"
    )
    # uncommitted changes, or another commit: main is a baseline
    assert note(head(), dirty=True).endswith(
        "`mlgate compare main` compares with the default branch"
    )
    assert note(first).endswith("`mlgate compare main` compares with the default branch")
