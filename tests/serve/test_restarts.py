"""How many times `mlgate serve --workers N` starts its workers again: a worker that cannot
start is not started again (the same bundle fails the same way), and workers that keep
dying are given up on past a bound, with the reason, under uvicorn's own supervisor loop
(in this process: no server is started)."""

from __future__ import annotations

import threading

import pytest

from mlgate.serve import run


def test_workers_are_given_up_on_past_a_bound_with_the_reason() -> None:
    assert run._gave_up([-9], 2, workers=2) is None  # the OOM killer, now and then
    assert run._gave_up([3], 1, workers=2) == run.CANNOT_START  # would fail the same way
    assert run._gave_up([-9, 1], 11, workers=2) == (
        "workers died 11 times within 60 s (the last: killed by SIGKILL, exit code 1)"
    )
    assert run._gave_up([-9], 16, workers=8) is None  # a bigger server, more to lose


class FakeWorker:
    """What uvicorn's supervisor asks of a worker process, for one that dies at will."""

    started = 0  # workers started, across the class: what the bound is about

    def __init__(self, *args: object) -> None:
        self.exitcode: int | None = None
        self.pid = 1

    def start(self) -> None:
        FakeWorker.started += 1

    def is_alive(self, timeout: float = 5) -> bool:
        return self.exitcode is None

    def kill(self) -> None:
        pass

    def join(self) -> None:
        pass


@pytest.mark.parametrize(("exitcode", "rounds"), [(-9, 6), (run.STARTUP_FAILURE, 1)])
def test_uvicorns_supervisor_stops_starting_workers_past_the_bound(
    monkeypatch: pytest.MonkeyPatch, exitcode: int, rounds: int
) -> None:
    """The bound kept by uvicorn's own supervisor loop (this uvicorn's): two workers
    killed together five times are started again, the sixth time not."""
    import types

    from uvicorn.supervisors import multiprocess

    monkeypatch.setattr(multiprocess, "Process", FakeWorker)
    cls = run._supervisor_class()
    supervisor = cls.__new__(cls)  # no signal handlers taken from pytest
    supervisor.config = types.SimpleNamespace(timeout_worker_healthcheck=1)
    supervisor.sockets, supervisor.processes_num = [], 2
    supervisor.processes = [FakeWorker(), FakeWorker()]
    supervisor.should_exit = threading.Event()
    supervisor.failure, supervisor.died_at = None, []
    FakeWorker.started = 0
    for done in range(rounds):
        assert supervisor.failure is None and not supervisor.should_exit.is_set(), done
        for worker in supervisor.processes:
            worker.exitcode = exitcode
        supervisor.keep_subprocess_alive()
    assert supervisor.should_exit.is_set()
    # started again each round the bound allowed, not in the round that gave up: 10 of
    # the 10 restarts allowed (a worker that cannot load the bundle: none)
    assert FakeWorker.started == 2 * (rounds - 1)
    assert supervisor.failure == (
        run.CANNOT_START
        if exitcode == run.STARTUP_FAILURE
        else "workers died 12 times within 60 s (the last: killed by SIGKILL, killed by SIGKILL)"
    )
