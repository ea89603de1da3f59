"""`mlgate profile FILE`: a data file's profile, to measure drift against it elsewhere."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlgate.cli.shared import print_json, shown, tell, write_output
from mlgate.errors import EXIT_PASSED, UserError


def profile(args: argparse.Namespace) -> int:
    from mlgate import words
    from mlgate.data import frequent, profile
    from mlgate.manifest.data_formats import detect_format

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"'{args.file}' is not a file")
    wanted = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
    fmt = detect_format(path, args.format, option="--format")  # it reads no manifest
    made = profile.of_file(path, fmt, wanted or None)
    text = profile.to_json(made)
    cut = profile.estimated(made)
    said = (
        [
            f"counted in bounded memory: {', '.join(cut)} (over {frequent.HELD:,} "
            "distinct values: the most frequent kept, each count short by at most the "
            "column's `error`, distinct values estimated)"
        ]
        if cut
        else []
    )
    if args.output is None:
        sys.stdout.write(text)
        if said:
            tell(said)
        return EXIT_PASSED
    write_output(args, args.output, text)
    if args.json:  # the profile went to the file: what was written, for a script
        print_json(
            {
                "output": shown(args, args.output),
                "rows": made.rows,
                "columns": list(made.columns),
                "estimated": list(cut),
            }
        )
        return EXIT_PASSED
    size = f"{words.count(made.rows, 'row')} and {words.count(len(made.columns), 'column')}"
    tell([f"profile of {size}: {shown(args, args.output)}", *said])
    return EXIT_PASSED
