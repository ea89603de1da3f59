"""A worker process that ends with the one it works for, however that one ended.

Killed outright (SIGKILL, the OOM killer, a runner's shutdown), a sweep left its workers
and trainings writing into copies a resumed sweep had started over, and `mlgate serve`
left its workers answering with the old version and holding the port. A pidfd (Linux
5.3) turns readable when the process ends, and names that process only, never another
given its number later; elsewhere, nothing is watched.
"""

from __future__ import annotations

import os
import select
import signal
import threading
from collections.abc import Callable

ENDED = 128 + signal.SIGTERM  # the exit of a worker whose process had already ended


def end_with(
    pid: int, name: str, *, parent: bool = False, before: Callable[[], None] | None = None
) -> None:
    """SIGTERM to this process once process `pid` ends, `before()` run first. `parent`:
    `pid` started this one, so a parent that is another is one that already ended."""
    try:
        watched = os.pidfd_open(pid)
    except ProcessLookupError:  # it ended before this worker started
        raise SystemExit(ENDED) from None
    except (AttributeError, OSError):
        return
    if parent and os.getppid() != pid:  # it ended, and its number went to another process
        raise SystemExit(ENDED)

    def watch() -> None:
        waiting = select.poll()  # select() fails on a descriptor past 1023
        waiting.register(watched, select.POLLIN)
        waiting.poll()
        if before is not None:
            before()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name=name, daemon=True).start()
