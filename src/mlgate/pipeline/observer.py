"""Who hears of a run's progress: the terminal, a CI log, or nobody. The pipeline itself
never prints."""

from __future__ import annotations

from typing import Protocol

from mlgate.result.records import Status


class Observer(Protocol):
    def stage_started(self, stage: str) -> None: ...
    def stage_output(self, stage: str, line: str) -> None: ...
    def stage_finished(self, stage: str, status: Status, summary: str) -> None: ...


class QuietObserver:
    def stage_started(self, stage: str) -> None:
        pass

    def stage_output(self, stage: str, line: str) -> None:
        pass

    def stage_finished(self, stage: str, status: Status, summary: str) -> None:
        pass


class Nested:
    """The baseline's run shows as lines of the compare stage."""

    def __init__(self, outer: Observer, stage: str = "compare") -> None:
        self.outer, self.stage = outer, stage

    def stage_started(self, stage: str) -> None:
        self.outer.stage_output(self.stage, f"baseline: {stage} ...")

    def stage_output(self, stage: str, line: str) -> None:
        self.outer.stage_output(self.stage, f"baseline {stage}: {line}")

    def stage_finished(self, stage: str, status: Status, summary: str) -> None:
        self.outer.stage_output(self.stage, f"baseline: {stage} {status}: {summary}")
