"""`mlgate register`, `promote`, `rollback` and `registry ACTION`: the registry's writes
and what it holds, over `mlgate.registry`."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mlgate.cli.shared import load_manifest, print_json, read_run
from mlgate.errors import EXIT_PASSED

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest
    from mlgate.registry import operations


def register(args: argparse.Namespace) -> int:
    from mlgate.registry import operations

    loaded, where = _registry(args)
    change = operations.register(
        where,
        loaded,
        read_run(args, loaded.root),
        version=args.model_version,
        bump=args.bump,
        reason=args.reason or "",
        allow_branch=args.allow_branch,
        allow_older=args.allow_older,
        say=lambda line: print(f"mlgate: {line}", file=sys.stderr),
    )
    _print_change(args, change)
    return EXIT_PASSED


def promote(args: argparse.Namespace) -> int:
    from mlgate import promotion

    loaded, where = _registry(args)
    _print_change(
        args, promotion.promote(where, loaded, args.version, args.to, reason=args.reason or "")
    )
    return EXIT_PASSED


def rollback(args: argparse.Namespace) -> int:
    from mlgate import promotion

    loaded, where = _registry(args)
    _print_change(
        args, promotion.rollback(where, loaded, args.environment, reason=args.reason or "")
    )
    return EXIT_PASSED


def registry(args: argparse.Namespace) -> int:
    from mlgate.registry import show

    loaded, where = _registry(args)
    shown = show.show(args.action, where, loaded, args.target)
    if args.json and shown.document is not None:
        print_json(shown.document)
    else:
        sys.stdout.write(shown.text)
    return EXIT_PASSED


def _registry(args: argparse.Namespace) -> tuple[Manifest, operations.Where]:
    """The registry; in GitHub Actions with a token, promotions are GitHub Deployments
    where the manifest asks for them."""
    from mlgate import promotion
    from mlgate.github import context

    loaded = load_manifest(args)
    where = promotion.where_in_workflow(loaded, context.load(os.environ), context.token(os.environ))
    return loaded, where


def _print_change(args: argparse.Namespace, change: operations.Change) -> None:
    from dataclasses import asdict

    if args.json:
        print_json({**asdict(change), "changed": change.changed})
        return
    where = f" in {change.environment}" if change.environment else ""
    if not change.changed:
        print(f"{change.model} {change.version}: already{where or ' registered'}; nothing to do")
        return
    pushed = "pushed to origin" if change.pushed else "local (no origin)"
    before = f" (was {change.previous or 'empty'})" if change.environment else ""
    if change.redeployed_over:  # a killed promotion had deployed these, unrecorded
        before = before[:-1] + f"; deployed again over {', '.join(change.redeployed_over)})"
    print(f"{change.model} {change.version}{where}{before}: tag {change.tag} ({pushed})")
