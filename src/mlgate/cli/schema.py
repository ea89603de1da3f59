"""`mlgate schema`: the manifest's JSON Schema, or the run result's."""

from __future__ import annotations

import argparse

from mlgate.cli.shared import print_json
from mlgate.errors import EXIT_PASSED


def schema(args: argparse.Namespace) -> int:
    if args.run_result:
        from mlgate.result import document

        print_json(document.schema())
    else:
        from mlgate.manifest import schema_check

        print_json(schema_check.schema())
    return EXIT_PASSED
