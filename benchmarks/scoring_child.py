"""What scoring the model in a child costs: proc.call (a child forked from fork_server.py's
clean process) beside a child forked from the caller itself (what it replaced, and what
hung when the caller's threads held locks), each returning at once; and the first call,
which waits for the server's imports.

    python benchmarks/scoring_child.py [--calls 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def forked_from_caller() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    calls = parser.parse_args().calls

    import joblib  # noqa: F401  (the caller as a run's process was: scoring's imports loaded)
    import pandas  # noqa: F401
    import sklearn.metrics  # noqa: F401

    from mlgate import fork_server, proc

    started = time.perf_counter()
    fork_server.prepare()
    assert proc.call(lambda _: 1, timeout_s=60).value == 1
    first = time.perf_counter() - started

    def timed(fn: object) -> list[float]:
        spent = []
        for _ in range(calls):
            at = time.perf_counter()
            fn()  # type: ignore[operator]
            spent.append(time.perf_counter() - at)
        return spent

    server = timed(lambda: proc.call(lambda _: 1, timeout_s=60))
    caller = timed(forked_from_caller)
    print(f"first proc.call, waiting for the server's imports: {first:.2f} s")
    for name, spent in (("proc.call (fork server)", server), ("os.fork of the caller", caller)):
        print(
            f"{name:26} median {statistics.median(spent) * 1000:6.1f} ms"
            f"  max {max(spent) * 1000:6.1f} ms  ({calls} calls)"
        )
    ratio = statistics.median(server) / statistics.median(caller)
    print(f"ratio (server / caller): {ratio:.1f}x")


if __name__ == "__main__":
    main()
