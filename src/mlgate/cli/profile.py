"""`mlgate profile FILE`: a data file's profile, to measure drift against it elsewhere."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlgate.cli.shared import shown, tell
from mlgate.errors import EXIT_PASSED, UserError


def profile(args: argparse.Namespace) -> int:
    from mlgate import atomic, words
    from mlgate.data import load, profile
    from mlgate.manifest.data_formats import detect_format, header

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"'{args.file}' is not a file")
    fmt = detect_format(path, args.format)
    wanted = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
    frame = load.read(path, fmt, wanted or None)
    if wanted:
        absent = [c for c in wanted if c not in frame.columns]
        if absent:
            raise UserError(
                f"{', '.join(absent)}: not in {args.file}",
                hint=f"its columns: {', '.join((header(path, fmt) or frame.columns)[:30])}",
            )
        frame = frame.select(wanted)
    text = profile.to_json(profile.of_frame(frame, source=path.name))
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_PASSED
    atomic.write_text(Path(args.output), text)
    size = f"{words.count(frame.height, 'row')} and {words.count(frame.width, 'column')}"
    tell([f"profile of {size}: {shown(args, args.output)}"])
    return EXIT_PASSED
