"""`mlgate serve` (the prediction server) and `mlgate smoke` (a running server tried)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mlgate import words
from mlgate.cli.shared import load_manifest, print_json, tell
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, Interrupted


def serve(args: argparse.Namespace) -> int:
    from mlgate.serve import run, service

    run.require_extra()
    loaded = load_manifest(args)
    target = args.target
    if target is not None and Path(target).is_file():  # a file where the user is, not one
        target = os.path.abspath(target)  # under --manifest's folder of the same name
    try:
        served = service.load(loaded, target)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM while the model is fetched and loaded
        if isinstance(exc, Interrupted):
            raise
        what = f"{loaded.name} {target}" if target else f"{loaded.name}'s latest run"
        raise Interrupted(f"stopped before serving {what}: its model was still loading") from None
    tell(served.notes)
    ended = run.serve(
        served,
        host=args.host,
        port=args.port,
        workers=args.workers or run.default_workers(),
        read_timeout_s=args.read_timeout,
        exact=args.exact,
    )
    if (
        ended is not None and ended.signal is not None
    ):  # stopped (Ctrl-C, SIGTERM): 130, as any command stopped
        name = (
            f"{served.metadata.get('model')} {served.metadata.get('version') or '(unregistered)'}"
        )
        raise Interrupted(
            f"stopped serving {name}"
            if ended.served
            else f"stopped before serving {name}: it never answered /health"
        )
    return EXIT_PASSED


def smoke(args: argparse.Namespace) -> int:
    from mlgate.serve import smoke

    done = smoke.run(load_manifest(args), args.url, rows=args.rows, max_p95_ms=args.max_p95_ms)
    if args.json:
        print_json(done.to_dict())
    else:
        timing = "" if done.p50_ms is None else f", p50 {done.p50_ms} ms, p95 {done.p95_ms} ms"
        print(
            f"{words.count(done.requests, 'request')} to {args.url} "
            f"({done.version or 'unregistered'}): {len(done.failures)} failed{timing}"
        )
        for failure in done.failures[:10]:
            print(f"  {failure}")
        if done.slow:
            print(f"  p95 {done.p95_ms} ms is over {done.max_p95_ms} ms")
    return EXIT_PASSED if done.passed else EXIT_FAILED
