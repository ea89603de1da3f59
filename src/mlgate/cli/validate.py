"""`mlgate validate`: the manifest checked, with its warnings."""

from __future__ import annotations

import argparse

from mlgate import words
from mlgate.cli.shared import load_manifest, print_json, say, shown
from mlgate.errors import EXIT_PASSED, ManifestError


def validate(args: argparse.Namespace) -> int:
    from mlgate.data import reference
    from mlgate.manifest import lint

    try:
        loaded = load_manifest(args)  # a manifest with problems raises: exit 2, each one said
    except ManifestError as exc:
        _warn_of_scripts(args, exc)
        raise
    name = shown(args, loaded.path)
    found = reference.problem(loaded, name)
    if found is not None:
        raise ManifestError([found])
    warned = lint.warnings(loaded, name)
    if args.json:
        print_json(
            {
                "valid": True,
                "manifest": name,
                "name": loaded.name,
                "warnings": [w.to_dict() for w in warned],
            }
        )
        return EXIT_PASSED
    for warning in warned:
        say(f"mlgate: warning: {warning}")
    said = f", with {words.count(len(warned), 'warning')}" if warned else ""
    print(f"{name}: valid ({loaded.name}){said}")
    return EXIT_PASSED


def _warn_of_scripts(args: argparse.Namespace, refused: ManifestError) -> None:
    """The scripts the run would refuse to start, said beside the manifest's problems:
    they were warnings of a valid manifest alone, so one fixed problem led to the next."""
    try:
        load_manifest(args, starting=("data.prepare", "train.command"))
    except ManifestError as more:
        for problem in more.problems:
            if problem not in refused.problems:
                say(f"mlgate: warning: {problem}")
