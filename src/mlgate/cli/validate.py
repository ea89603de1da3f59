"""`mlgate validate`: the manifest checked, with its warnings."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mlgate import words
from mlgate.cli.shared import load_manifest, print_json, say, shown
from mlgate.errors import EXIT_PASSED, ManifestError

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest
    from mlgate.sweep.space import Draws


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
    drawn = _draws(loaded)
    if args.json:
        print_json(
            {
                "valid": True,
                "manifest": name,
                "name": loaded.name,
                "warnings": [w.to_dict() for w in warned],
                "sweep_draws": None if drawn is None else drawn.document(),
            }
        )
        return EXIT_PASSED
    for warning in warned:
        say(f"mlgate: warning: {warning}")
    said = f", with {words.count(len(warned), 'warning')}" if warned else ""
    print(f"{name}: valid ({loaded.name}){said}")
    if drawn is not None and drawn.repeated:
        print(f"sweep: {drawn.said()}")
    return EXIT_PASSED


def _draws(loaded: Manifest) -> Draws | None:
    """A random sweep's draws, said where some repeat (`samples: 6` over a space of few
    values runs 4 configurations): the sweep and its plan say it too."""
    if not loaded.sweep.random:
        return None
    from mlgate.sweep import space

    return space.draws(loaded.sweep)


def _warn_of_scripts(args: argparse.Namespace, refused: ManifestError) -> None:
    """The scripts the run would refuse to start, said beside the manifest's problems:
    they were warnings of a valid manifest alone, so one fixed problem led to the next."""
    try:
        load_manifest(args, starting=("data.prepare", "train.command"))
    except ManifestError as more:
        for problem in more.problems:
            if problem not in refused.problems:
                say(f"mlgate: warning: {problem}")
