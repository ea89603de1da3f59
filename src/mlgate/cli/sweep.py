"""`mlgate sweep`: the manifest's configurations run here in parallel, ranked honestly;
`mlgate sweep plan`: them as a GitHub Actions matrix."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mlgate.cli.shared import console, load_manifest, print_json, say, shown
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, UserError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from mlgate.manifest.spec import Manifest
    from mlgate.result.records import RunResult
    from mlgate.sweep.local import Finished
    from mlgate.sweep.space import Configuration


def run(args: argparse.Namespace) -> int:
    from mlgate import words
    from mlgate.sweep import engine, space
    from mlgate.sweep.local import Stopped

    if args.only is not None and not any(i.strip() for i in args.only.split(",")):
        raise UserError(  # it ran, ranked and gated the whole sweep, as if not given
            f"--only names no configuration ({args.only!r})",
            hint="give the ids a matrix job runs, comma-separated (`mlgate sweep plan` "
            "lists them); without --only, `mlgate sweep` runs and ranks them all",
        )
    loaded = load_manifest(args)
    where = engine.Where(
        workers=args.workers or os.cpu_count() or 1,
        ray=None if args.ray is None else _ray_address(args),
    )
    total = engine.planned(loaded, args.only or "", os.environ)
    told = "trial" if loaded.sweep.optuna else "configuration"
    drawn = "" if args.only else space.repeats(loaded.sweep)
    print(
        f"sweep: {drawn or words.count(total, told)}, {where.said()}",
        file=sys.stderr,
    )
    reported: list[Finished] = []

    def progress(done: Finished) -> None:
        reported.append(done)
        count = len(reported)
        again = " (finished before: not run again)" if done.resumed else ""
        why = f": {done.message}" if done.status in ("error", "killed") else ""
        say(
            f"[{count}/{total}] {done.configuration.id} {done.configuration.label()}: "
            f"{done.status}{again}{why}"
        )
        if why:
            for line in failed_output(done):
                say(line)

    try:
        finished = engine.sweep(loaded, where, only=args.only or "", on_done=progress)
    except KeyboardInterrupt as stop:
        stopped = stop.stopped if isinstance(stop, Stopped) else ()
        for line in _stopped(args, told, total, reported, stopped, on_ray=where.ray is not None):
            say(line)
        raise
    if len(finished) < total:  # an Optuna search that asked for values already run
        ran = words.count(len(finished), "configuration")
        print(
            f"sweep: {words.count(total, 'trial')} asked for {ran} (the others asked for "
            "values already run, and were told their figures)",
            file=sys.stderr,
        )
    if args.only:  # a matrix job's part: ranked and gated with the others, by collect
        return _ran_only(args, finished)
    return _ranked(args, loaded, finished, loaded.root)


def _stopped(
    args: argparse.Namespace,
    told: str,
    total: int,
    reported: Sequence[Finished],
    stopped: Sequence[Configuration],
    *,
    on_ray: bool = False,
) -> list[str]:
    """What a stopped sweep says above "interrupted", in its progress lines' terms: how
    many configurations finished, those its workers were running (their trainings stopped,
    no run kept), those that ended without a run or did not start, and that the same
    command resumes: a finished configuration's run is found again by its key and not run
    again (local.resumed), every other one is run. An Optuna search's seeded sampler asks
    the same values when told the same figures, so it resumes the same way. On Ray, which
    tasks were running when it stopped is Ray's to know: they are counted unfinished."""
    from mlgate import words

    finished = sum(f.ran for f in reported)
    if told == "trial":
        lines = [
            f"sweep: stopped with {words.count(finished, 'configuration')} finished, of "
            f"{words.count(total, 'trial')}"
        ]
    else:
        lines = [f"sweep: stopped with {words.of(finished, total, told)} finished"]
    ended = [(f.configuration, f.status) for f in reported if not f.ran]
    for title, listed in (
        ("stopped while running (its training stopped, no run kept)", [(c, "") for c in stopped]),
        ("did not finish (runs again)", ended),
    ):
        if listed:
            lines.append(f"  {title}:")
            lines += [
                f"    {c.id} {c.label()}" + (f": {why}" if why else "") for c, why in listed[:10]
            ]
            if len(listed) > 10:
                lines.append(f"    and {len(listed) - 10:,} more")
    waiting = total - len(reported) - len(stopped)
    if waiting > 0 and on_ray:
        lines.append(f"  not finished on the Ray cluster: {words.count(waiting, told)}")
    elif waiting > 0 and told != "trial":
        lines.append(f"  not started: {words.count(waiting, told)}")
    command = "mlgate sweep --only ..." if args.only else "mlgate sweep"
    if finished:
        rest = "runs the rest" if finished < total else "ranks them"
        lines.append(
            f"sweep: `{command}` again resumes from the {finished:,} finished (found by their "
            f"keys, not run again) and {rest}, as long as the project is unchanged"
        )
    else:
        lines.append(f"sweep: none finished: `{command}` again runs every {told}")
    return lines


def failed_output(done: Finished) -> list[str]:
    """A configuration that did not finish: its command's last lines, as `mlgate run`
    shows them, and where its whole output is (its folder's key is in no other line)."""
    lines = []
    if done.tail:
        lines.append("  last lines of its output:")
        lines += [f"    {line}" for line in done.tail]
    if done.log:
        lines.append(f"  log: {done.log}")
    return lines


def _ran_only(args: argparse.Namespace, finished: list[Finished]) -> int:
    """What a matrix job does: its configurations run and recorded, nothing ranked or
    gated (a part of a sweep has no winner); exit 1 when one has no run to rank."""
    from mlgate import words

    if args.json:
        print_json({"configurations": [f.document() for f in finished]})
    ran = sum(f.ran for f in finished)
    say(
        f"sweep --only: {words.of(ran, len(finished), 'configuration')} ran, as a matrix job "
        "runs its part: nothing ranked, no winner gated (`mlgate sweep collect` ranks every "
        "job's runs, `mlgate sweep` runs them all here)"
    )
    return EXIT_PASSED if ran == len(finished) else EXIT_FAILED


def _ray_address(args: argparse.Namespace) -> str:
    from mlgate.sweep import on_ray

    return on_ray.address(args.ray, os.environ)


def collect(args: argparse.Namespace) -> int:
    """The runs a matrix's jobs uploaded, downloaded under one folder, ranked."""
    from pathlib import Path

    from mlgate.sweep import collect, space

    loaded = load_manifest(args)
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UserError(
            f"'{args.folder}' is not a folder", hint="download the jobs' artifacts into it"
        )
    finished = collect.collected(folder, loaded, space.of(loaded))
    for f in finished:
        if f.status == "missing":
            say(f"{f.configuration.id} {f.configuration.label()}: {f.message}")
    return _ranked(args, loaded, finished, folder, uploaded=True)


def _ranked(
    args: argparse.Namespace,
    loaded: Manifest,
    finished: list[Finished],
    root: Path,
    *,
    uploaded: bool = False,
) -> int:
    """The ranking, then the winner gated on the held-out rows as a run of the project
    (`uploaded`: the runs are a matrix's uploads, under `root`)."""
    from mlgate.report import sweep_tables, text
    from mlgate.sweep import gating, ranking, space

    observer = None if args.json else console()
    decided = gating.decide(loaded, finished, root, observer=observer, uploaded=uploaded)
    gated, report = decided.gated, _report(loaded, decided.gated)
    if args.json:
        drawn = space.draws(loaded.sweep)  # random draws that repeated made fewer
        print_json(
            {
                **ranking.document(decided.ranking),
                "draws": None if drawn is None else drawn.document(),
                "gated": _gated(loaded, gated),
            }
        )
    elif getattr(args, "format", "text") == "markdown":  # the gated run's report holds it
        print(report.read_text() if report else sweep_tables.markdown(decided.record))
    else:
        print(sweep_tables.text(decided.record))
        if gated is not None and report is not None:
            print(f"\n{text.render(gated, shown(args, report))}")
            if gated.passed and not decided.passed:
                print(f"\n{_unfinished(finished)}")
    return EXIT_PASSED if decided.passed else EXIT_FAILED


def _unfinished(finished: list[Finished]) -> str:
    """The last line when the winner's run passed and the sweep does not: its PASSED
    was the last word, above an exit code of 1."""
    from mlgate import words

    left = [f for f in finished if not f.ran]
    named = ", ".join(f"{f.configuration.id} ({f.status})" for f in left[:5])
    return (
        f"sweep: FAILED - {words.of(len(left), len(finished), 'configuration')} did not "
        f"finish ({named}{', ...' if len(left) > 5 else ''}): the winner's run passed, and "
        "the sweep exits 1 until every configuration has a run to rank"
    )


def _report(loaded: Manifest, gated: RunResult | None) -> Path | None:
    from mlgate.result import runs

    return None if gated is None else runs.run_dir(loaded.root, gated.run_id) / runs.REPORT_FILE


def _gated(loaded: Manifest, gated: RunResult | None) -> dict[str, object] | None:
    """`--json`'s `gated`: the winner's held-out run, as `mlgate run --json` names one."""
    if gated is None:
        return None
    from mlgate.result import runs

    folder = runs.run_dir(loaded.root, gated.run_id)
    return {
        "run_id": gated.run_id,
        "verdict": gated.verdict,
        "summary": gated.summary,
        "metrics": dict(gated.evaluate.metrics),
        "run": str(folder.relative_to(loaded.root) / runs.RESULT_FILE),
    }


def plan(args: argparse.Namespace) -> int:
    from mlgate.sweep import matrix, space

    loaded = load_manifest(args)
    planned = matrix.matrix(space.of(loaded))
    print_json(planned.document())  # the matrix alone: another key would be a dimension
    drawn = space.repeats(loaded.sweep)
    if drawn:
        print(f"sweep: {drawn}", file=sys.stderr)
    if planned.sharded:
        print(planned.said(), file=sys.stderr)
    return EXIT_PASSED
