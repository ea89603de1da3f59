"""A step summary that something else filled (a training script that found the file) does
not leave mlgate's report or its failure box out (audit S, finding 4)."""

from __future__ import annotations

from pathlib import Path

from mlgate.ci import summary as ci_summary
from mlgate.errors import UserError
from mlgate.github import actions

FAKE = "## :white_check_mark: mlgate: every gate passed\n"
REPORT = "## ❌ iris: failed\n\n| gate | figure |\n|---|---|\n| accuracy | 0.41 |\n"
BOX = ci_summary.error_markdown(UserError("the verdict failed"))


def _flood(path: Path, size: int) -> None:
    with path.open("ab") as out:
        out.write(FAKE.encode() + b"<!--" + b"x" * (size - len(FAKE) - 8) + b"-->\n")


def test_a_flood_before_the_report_is_dropped_and_said(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary"
    _flood(summary, actions.SUMMARY_LIMIT)
    actions.write_summary(summary, REPORT)
    actions.write_summary(summary, BOX)
    text = summary.read_text("utf-8")
    assert FAKE not in text
    assert REPORT in text and BOX in text
    assert text.startswith("> [!WARNING]\n> 1,048,576 bytes that mlgate did not write")
    assert len(text.encode()) <= actions.SUMMARY_LIMIT


def test_a_flood_that_leaves_room_for_the_report_alone_does_not_push_the_box_out(
    tmp_path: Path,
) -> None:
    summary = tmp_path / "step_summary"
    _flood(summary, actions.SUMMARY_LIMIT - len(REPORT.encode()) - 10)
    actions.write_summary(summary, REPORT)  # fits beside the flood
    assert FAKE in summary.read_text("utf-8")
    actions.write_summary(summary, BOX)  # does not: the flood goes, the report stays
    text = summary.read_text("utf-8")
    assert FAKE not in text and "did not write were dropped" in text
    assert text.index(REPORT) < text.index(BOX)


def test_a_little_that_someone_else_wrote_is_kept(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary"
    summary.write_text("# my step\n")
    actions.write_summary(summary, REPORT)
    actions.write_summary(summary, BOX)
    assert summary.read_text("utf-8") == f"# my step\n\n{REPORT}\n{BOX}"


def test_a_report_too_big_on_its_own_is_still_refused(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary"
    _flood(summary, 4096)
    try:
        actions.write_summary(summary, "é" * (512 * 1024))
    except UserError as exc:
        assert "at most 1,048,576 per step" in exc.message
    else:  # pragma: no cover
        raise AssertionError("a report past the limit on its own was written")
    actions.write_summary(summary, BOX)
    assert BOX in summary.read_text("utf-8")
