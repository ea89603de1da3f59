"""`mlgate report`: a finished run's report in a format, to stdout or a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlgate.cli.shared import load_manifest, read_run, shown, write_output, writing_to
from mlgate.errors import EXIT_PASSED


def report(args: argparse.Namespace) -> int:
    from mlgate import report as reports

    loaded = load_manifest(args)
    result = read_run(args, loaded.root)
    fmt = "json" if args.json else args.format
    text = reports.render(result, loaded, fmt, limit=args.limit)
    if args.output:
        write_output(args, args.output, text)
    else:
        sys.stdout.write(text)
    if args.png:
        with writing_to(args, args.png, folder=True):
            written = reports.write_png(result, loaded, Path(args.png))
        for path in written:
            print(f"wrote {shown(args, path)}", file=sys.stderr)
        if not written:  # it said nothing, and wrote nothing
            print(
                f"no charts written: the charts are a classifier's (curves, calibration), "
                f"and run {result.run_id} has none",
                file=sys.stderr,
            )
    return EXIT_PASSED
