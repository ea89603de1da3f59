"""`mlgate init` (write what a project is missing) and `mlgate init --check` (are its
workflows what this mlgate writes?), over `mlgate.scaffold`."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from mlgate import words
from mlgate.cli.shared import print_json, shown
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, UserError


def init(args: argparse.Namespace) -> int:
    from mlgate import scaffold

    if args.manifest:
        raise UserError(
            "mlgate init takes the project's folder, not --manifest",
            hint=f"mlgate init {shlex.quote(str(Path(args.manifest).parent))}",
        )
    if args.check:
        return _check(args)
    done = scaffold.init(
        Path(args.path),
        example=args.example,
        force=args.force,
        overwrite=tuple(args.overwrite or ()),
        name=args.name,
        action=args.action,
    )
    if args.json:
        print_json(
            {
                "root": str(done.root),
                "below_top": done.below_top,
                "written": list(done.written),
                "kept": [{"path": p, "why": why} for p, why in done.kept],
                "ignored": list(done.ignored),
                "unchanged": list(done.unchanged),
                "read": list(done.read),
            }
        )
        return EXIT_PASSED
    if done.read:
        named = shown(args, done.root / done.manifest)
        print(f"read from the project (each guess is a comment in {named}, to check):")
        for line in done.read:
            print(f"  {line}")
    ignore = shown(args, done.root / scaffold.GITIGNORE)
    for relative in done.written:
        if relative != scaffold.GITIGNORE or not done.appended:
            print(f"wrote {shown(args, scaffold.at(done.root, relative))}")
    if done.appended:
        print(f"added to {ignore}: {', '.join(done.ignored)} (what a run writes)")
    elif done.ignored:
        print(f"  {ignore} ignores {', '.join(done.ignored)} (what a run writes)")
    for relative, why in done.kept:
        print(f"kept {shown(args, scaffold.at(done.root, relative))}: {why}")
    if not done.written and not done.kept:
        print("nothing to do: every file is there and up to date")
    elif done.unchanged:
        print(f"up to date: {words.count(len(done.unchanged), 'file')} as this mlgate writes them")
    if done.below_top:
        print(_at_top(done.below_top))
    where = shown(args, done.root)  # where the next commands run, from where this one began
    here = "" if where in (".", "") else f" -C {shlex.quote(where)}"
    print(
        f"next: mlgate{here} validate, then mlgate{here} run"
        if args.example or done.manifest not in done.written
        else f"next: check {shown(args, done.root / done.manifest)}, then mlgate{here} validate"
    )
    return EXIT_PASSED


def _at_top(inside: str) -> str:
    return (
        f"{inside} is a folder of the repository: its workflows are in the top's "
        f".github/workflows (where GitHub reads them), their mlgate steps working in {inside}"
    )


def _check(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlgate import scaffold

    root = Path(args.path)
    found = scaffold.check(root, action=args.action)
    stale = [f for f in found if f.status != "up to date"]
    if args.json:
        print_json(
            {
                "up_to_date": not stale,
                "below_top": scaffold.below_top(root),
                "workflows": [asdict(f) for f in found],
            }
        )
    else:
        for f in found:
            print(
                f"{shown(args, scaffold.at(root, f.path))}: {f.status}"
                + (f" ({f.detail})" if f.detail else "")
            )
        for f in stale:
            if f.diff:
                print(f"\n{f.diff}", end="")
        command = "mlgate init" + ("" if args.path == "." else f" {shlex.quote(args.path)}")
        if any(f.status != "missing" for f in stale):
            print(
                "\nto rewrite them (never your manifest; commit your edits first): "
                f"{command} --force"
            )
        elif stale:
            print(f"\nto write the missing ones: {command}")
    return EXIT_FAILED if stale else EXIT_PASSED
