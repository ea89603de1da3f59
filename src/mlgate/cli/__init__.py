"""The `mlgate` command, as pre-commit's `commands/` is laid out: `parser` holds every
argument, and each command group has a module that calls one core function, renders its
result and returns the exit code (`main` turns errors into exit codes).

Start-up stays cheap: each command imports what it needs when it runs, so
`mlgate --help` loads argparse and nothing else, and `validate` only YAML and
jsonschema.
"""

from mlgate.cli.main import entry, main

__all__ = ["entry", "main"]
