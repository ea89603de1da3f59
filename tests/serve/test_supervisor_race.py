"""A worker that cannot load the bundle and dies between the supervisor's own look and
uvicorn's: uvicorn stopped the server (its worker exited STARTUP_FAILURE) and mlgate said
nothing, exit 0 for 3 (3 of 6 runs of the workers' test under load)."""

from __future__ import annotations

from mlgate.serve import run


class DyingNow:
    """A worker still running at the supervisor's look, found dead by uvicorn's."""

    pid = 4242

    def __init__(self) -> None:
        self.looked = 0

    @property
    def exitcode(self) -> int | None:
        self.looked += 1
        return None if self.looked == 1 else run.STARTUP_FAILURE

    def is_alive(self, timeout: float = 5) -> bool:
        return False

    def kill(self) -> None:
        pass

    def join(self) -> None:
        pass


def test_a_worker_that_died_after_the_supervisors_look_is_said_to_have_failed() -> None:
    import uvicorn

    config = uvicorn.Config("mlgate.serve.run:worker_app", factory=True, workers=1)
    supervisor = run._supervisor_class()(config, sockets=[])
    supervisor.processes = [DyingNow()]
    supervisor.keep_subprocess_alive()
    assert supervisor.should_exit.is_set()  # uvicorn's own stop
    assert supervisor.failure == run.CANNOT_START
