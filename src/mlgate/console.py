"""Progress of a run on a terminal, in a GitHub Actions log, or in a plain log.

On a terminal a spinner with the elapsed time shows that a quiet stage is alive; in
GitHub Actions each stage is a folded log group, and workflow commands in streamed
output are switched off (`::stop-commands::`) so a training script, or data it prints,
cannot inject `::set-output`-style commands into the workflow.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import TextIO

from mlgate.report.inert import one_line
from mlgate.result.records import Status

TITLES = {
    "data": "Data checks",
    "train": "Training",
    "evaluate": "Evaluation",
    "model": "Model checks",
    "compare": "Comparison",
}
MARKS = {"passed": "✓", "failed": "✗", "error": "!", "skipped": "-"}
COLORS = {"passed": "32", "failed": "31", "error": "33", "skipped": "90"}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Console:
    """An Observer of the pipeline that writes to `stream` (stderr by default)."""

    def __init__(self, stream: TextIO, *, tty: bool, actions: bool, color: bool) -> None:
        self.stream, self.tty, self.actions, self.color = stream, tty, actions, color
        self._lock = threading.Lock()
        self._started = 0.0
        self._spinning: threading.Event | None = None
        self._spin_line = ""
        self._token = ""

    def stage_started(self, stage: str) -> None:
        self._started = time.monotonic()
        title = TITLES.get(stage, stage)
        if self.actions:
            self._token = secrets.token_hex(8)
            self._command(f"::group::{title}\n::stop-commands::{self._token}\n")
        elif self.tty:
            self._start_spinner(title)
        else:
            self._write(f"{title}...\n")

    def stage_output(self, stage: str, line: str) -> None:
        with self._lock:
            self._clear_spinner()
            self.stream.write(f"  {self._paint(line, '90')}\n" if self.tty else f"  {line}\n")
            self.stream.flush()

    def stage_finished(self, stage: str, status: Status, summary: str) -> None:
        self._stop_spinner()
        elapsed = time.monotonic() - self._started if status != "skipped" else 0.0
        title = TITLES.get(stage, stage)
        if self.actions and self._token:
            self._command(f"::{self._token}::\n")
            self._token = ""
        mark = self._paint(MARKS[status], COLORS[status])
        timing = f"{elapsed:5.1f}s" if status != "skipped" else "      "
        self._write(f"{mark} {title:<13} {timing}  {one_line(summary)}\n")
        if self.actions and status != "skipped":
            self._command("::endgroup::\n")

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(text)
            self.stream.flush()

    def _command(self, text: str) -> None:
        """Our own workflow commands, past the guard that neutralizes everyone else's."""
        with self._lock:
            self.stream.flush()
            raw = getattr(self.stream, "raw_stream", self.stream)
            raw.write(text)
            raw.flush()

    def _start_spinner(self, title: str) -> None:
        done = threading.Event()
        self._spinning = done

        def spin() -> None:
            frame = 0
            while not done.wait(0.1):
                with self._lock:
                    if done.is_set():
                        return
                    elapsed = time.monotonic() - self._started
                    self._spin_line = f"{SPINNER[frame % len(SPINNER)]} {title} {elapsed:.1f}s"
                    self.stream.write(f"\r{self._spin_line}")
                    self.stream.flush()
                frame += 1

        threading.Thread(target=spin, daemon=True).start()

    def _clear_spinner(self) -> None:
        if self._spin_line:
            self.stream.write("\r" + " " * len(self._spin_line) + "\r")
            self._spin_line = ""

    def _stop_spinner(self) -> None:
        if self._spinning is not None:
            self._spinning.set()
            self._spinning = None
        with self._lock:
            self._clear_spinner()
