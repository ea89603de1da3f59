"""Progress output: a spinner on terminals, folded groups in GitHub Actions, plain lines else."""

from __future__ import annotations

import io
import time

from mlgate.console import Console


def drive(console: Console, *, pause: float = 0.0) -> None:
    console.stage_started("train")
    time.sleep(pause)
    console.stage_output("train", "epoch 1")
    time.sleep(pause)
    console.stage_finished("train", "passed", "`python train.py` finished in 0.1s")
    console.stage_finished("evaluate", "skipped", "skipped: an earlier stage did not pass")


def test_plain_log_has_one_line_per_event() -> None:
    out = io.StringIO()
    drive(Console(out, tty=False, actions=False, color=False))
    lines = out.getvalue().splitlines()
    assert lines[0] == "Training..."
    assert lines[1] == "  epoch 1"
    assert lines[2].startswith("✓ Training ") and lines[2].endswith(
        "s  `python train.py` finished in 0.1s"
    )
    assert lines[3] == "- Evaluation            skipped: an earlier stage did not pass"


def test_terminal_spinner_shows_elapsed_time_and_is_cleared() -> None:
    out = io.StringIO()
    drive(Console(out, tty=True, actions=False, color=True), pause=0.35)
    text = out.getvalue()
    assert "\r⠋ Training 0." in text  # the spinner ran while the stage was quiet
    final = text.rsplit("\r", 1)[-1]  # after the last carriage return: only finished lines
    assert "\x1b[32m✓\x1b[0m Training" in final
    assert "⠋" not in final and "⠙" not in final
    assert "\x1b[90mepoch 1\x1b[0m" in text


def test_actions_log_groups_each_stage_and_stops_commands_in_its_output() -> None:
    out = io.StringIO()
    drive(Console(out, tty=False, actions=True, color=False))
    lines = out.getvalue().splitlines()
    assert lines[0] == "::group::Training"
    token = lines[1].removeprefix("::stop-commands::")
    assert len(token) == 16 and lines[2] == "  epoch 1" and lines[3] == f"::{token}::"
    assert lines[4].startswith("✓ Training") and lines[5] == "::endgroup::"
    assert lines[6].startswith("- Evaluation") and len(lines) == 7


def test_a_stage_that_raises_ends_its_group_and_its_pause_of_workflow_commands() -> None:
    """The stage opened `::stop-commands::TOKEN` and, raising, never printed `::TOKEN::`:
    the runner then read mlgate's own `::error::` after it as plain text."""
    from types import SimpleNamespace

    import pytest

    from mlgate.errors import UserError
    from mlgate.pipeline import flow
    from mlgate.result.records import DataStage

    out = io.StringIO()
    ctx = SimpleNamespace(observer=Console(out, tty=False, actions=True, color=False))

    def broken() -> DataStage:
        raise UserError("dvc pull failed")

    with pytest.raises(UserError):
        flow._stage(ctx, "data", DataStage, broken)  # type: ignore[arg-type]
    lines = out.getvalue().splitlines()
    token = lines[1].removeprefix("::stop-commands::")
    assert lines[0] == "::group::Data checks" and token
    assert f"::{token}::" in lines and lines[-1] == "::endgroup::"
    assert any(line.endswith("stopped (the error follows)") for line in lines)
