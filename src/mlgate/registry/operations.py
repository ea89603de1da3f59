"""Register, promote, roll back, as records: each reads the registry (origin's, when
there is one), decides with the pure rules, writes one tag, and pushes it with
compare-and-swap. A rejected push means someone changed the registry meanwhile: read
again, decide again. A promotion's deployment is the caller's (`Deploy`, run before the
tag is written); `mlgate.promotion` gives it the environment's targets.

Nothing is written before every check has passed, so a refusal leaves the registry and
the store as they were; a process killed between writing the tag and pushing it leaves
a local tag that the next run's fetch confirms or replaces.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import atomic, git, spelling, words
from mlgate.errors import Interrupted, MlgateError, OutsideError, UserError
from mlgate.manifest.spec import Environment, Manifest, from_command_line
from mlgate.registry import artifacts, gitio, intents, lineage, state
from mlgate.registry import tags as T
from mlgate.report import verdict
from mlgate.report.inert import one_line
from mlgate.result import document, runs
from mlgate.result.records import DatasetSummary, RunResult

if TYPE_CHECKING:
    from mlgate.data.profile import Profile

TRIES = 40  # each round one of the writers racing wins; the others read again
# what record.schema.json allows, which every reader checks: a record past them is
# unreadable (a version "corrupt" as soon as it was pushed; a rollback forgotten)
MAX_BY, MAX_REASON = 1024, 65_536


def _check_reason(reason: str) -> None:
    if len(reason) > MAX_REASON:
        raise UserError(
            f"the reason is {len(reason):,} characters; a record holds at most {MAX_REASON:,}",
            hint="say it shorter, and link to the rest",
        )


JITTER_S = 0.2  # a loser waits a random moment up to this before reading again
Clock = Callable[[], dt.datetime]
Deploy = Callable[[state.Version, Environment, str | None], dict[str, Any] | None]
"""Deploys a version to an environment (whose version until now is the third argument)
before its assignment is written, and says what it did for the record (None: nothing to
deploy); when it raises, nothing is written. `mlgate.promotion` runs the targets."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, kw_only=True)
class Change:
    """What a write did: `tag` is None when nothing needed doing (idempotent)."""

    model: str
    version: str
    environment: str | None = None
    tag: str | None = None
    previous: str | None = None  # the environment's version before
    pushed: bool = False  # to origin (a clone without origin keeps its registry locally)
    redeployed_over: tuple[str, ...] = ()  # versions deployed here and never recorded: the
    # environment held `version` by the registry's word, and now does again

    @property
    def changed(self) -> bool:
        return self.tag is not None


@dataclass(frozen=True, kw_only=True)
class GitHubTarget:
    """The repository a workflow runs in: where its promotions' GitHub Deployments go and
    where a `github-release:` store lives; its API, and a token that may write them."""

    api_url: str
    repository: str  # owner/name
    token: str
    run_url: str = ""  # the workflow run, as each deployment status's log


@dataclass(frozen=True, kw_only=True)
class Where:
    """The registry of one model: a git clone and a model store."""

    root: Path  # the repository's top
    model: str
    store: artifacts.Store
    token: str | None = None
    github: GitHubTarget | None = None  # None: promotions are not GitHub Deployments
    trigger: str = ""  # what started the change (a workflow run's URL); "" at a terminal
    actor: str = ""  # who makes the changes, unless a change names someone
    default_branch: str | None = None  # the event's; None: git's (git.default_branch)
    pushed_to: tuple[str, str] | None = None  # the event's (commit, branch), for a detached
    # checkout of a push: that commit was on that branch
    now: Clock = _utc_now

    @classmethod
    def of(
        cls,
        manifest: Manifest,
        *,
        token: str | None = None,
        github: GitHubTarget | None = None,
        trigger: str = "",
        now: Clock | None = None,
    ) -> Where:
        top = git.toplevel(manifest.root)
        if top is None:
            raise UserError(
                f"{manifest.root} is not in a git repository; the registry "
                "keeps its records in git tags",
                hint="git init, and commit",
            )
        return cls(
            root=top,
            model=manifest.name,
            store=artifacts.open_store(manifest.registry.artifacts, manifest.root, github),
            token=token,
            github=github,
            trigger=trigger,
            now=now or _utc_now,
        )

    def read(self) -> state.State:
        only_here: tuple[str, ...] = ()
        if gitio.has_origin(self.root):
            only_here = gitio.fetch(self.root, self.model, token=self.token)
        here = replace(self.read_here(), only_here=only_here)
        return replace(here, unrecorded=intents.unrecorded(self.root, self.model, here))

    def read_here(self) -> state.State:
        """The registry as this clone's tags have it, origin not asked (nor written to)."""
        return state.build(self.model, gitio.read(self.root, self.model))


def who(root: Path) -> str:
    """Who works in this clone, for the records: git's identity (user.name <user.email>),
    else the login name."""
    if found := git.identity(root):
        return found
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def register(
    where: Where,
    manifest: Manifest,
    result: RunResult,
    *,
    version: str | None = None,
    bump: str = "minor",
    actor: str = "",
    reason: str = "",
    allow_branch: bool = False,
    allow_older: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> Change:
    """The run's model as a new, immutable version; refused unless the run passed, and,
    unless asked for, unless it was made on the default branch and `version` is above
    the latest. `say` hears of a killed run's model copy put back first."""
    _check_reason(reason)
    if result.sweep is not None:
        won = next((c for c in result.sweep.configurations if c.id == result.sweep.winner), None)
        values = words.assignments(won.params) if won else "its values"
        raise UserError(
            f"run {result.run_id} is a sweep's winner, measured on its held-out test rows; "
            "the project's model file is not its model",
            hint=f"set {values} in the params file and run the project (`mlgate run`, or "
            "merge it) to register that model",
        )
    if not result.passed:
        raise UserError(
            f"run {result.run_id} did not pass ({result.summary}); only a run "
            "that passed its checks and gates is registered"
        )
    if why := verdict.written_by_hand(result):
        raise UserError(why, hint="run the project again (mlgate run), then register")
    _gates_were_decided(manifest, result)
    if result.git.commit is None:
        raise UserError(f"run {result.run_id} was not made in a git commit")
    if result.git.dirty:
        raise UserError(
            f"run {result.run_id} was made on uncommitted changes{_named(result.git.changed)}: "
            "its commit would not reproduce the model",
            hint="git status shows them; commit "
            "them (or ignore them in .gitignore), then run again. What the "
            "manifest declares as outputs (the model, prepared data, .mlgate/) "
            "does not count",
        )
    _lock_committed(manifest, result)
    if version is not None:
        _check_version(version)
    if not allow_branch:
        _check_branch(
            result, _branch(where, result), where.default_branch or git.default_branch(where.root)
        )
    model_file = manifest.resolve(manifest.train.model)
    if manifest.train.dvc_stage is None:  # a killed run's torn file is no model of any run
        from mlgate import kept_model

        kept_model.put_back_left(manifest.root, model_file, say)
    if result.train.model is None or not model_file.is_file():
        raise UserError(f"the run's model file {manifest.train.model} is not there")
    if artifacts.sha256_of(model_file) != result.train.model.sha256:
        raise UserError(
            f"{manifest.train.model} changed since run {result.run_id} wrote it",
            hint="run again, then register",
        )
    try:
        record = None  # made once every check has passed: it puts the files in the store
        for _ in range(TRIES):
            current = where.read()
            existing = next((v for v in current.versions if v.commit == result.git.commit), None)
            if existing is not None:  # GTO's rule: one version a commit; this one has it
                if version is not None and version != existing.version:
                    raise UserError(
                        f"commit {result.git.commit[:12]} is {where.model} "
                        f"{existing.version} already; a commit has one version"
                    )
                return Change(model=where.model, version=existing.version)
            chosen = version or state.next_version(current, bump=bump)
            if version is not None and not allow_older:
                _check_newer(current, version, bump)
            if current.version(chosen) is not None:
                if version is not None:
                    raise UserError(
                        f"{where.model} {chosen} exists; versions are immutable",
                        hint=f"the next is {state.next_version(current)}",
                    )
                continue
            if record is None:
                record = _version_record(
                    where,
                    manifest,
                    result,
                    model_file,
                    actor=actor or where.actor,
                    reason=reason,
                    version=chosen,
                )
            name = T.registration(where.model, chosen)
            message = _readable(where.model, chosen, record)
            written = _write(where, current, name, result.git.commit, message)
            if written is not None:
                return Change(model=where.model, version=chosen, tag=name, pushed=written)
    except Interrupted:
        raise
    except KeyboardInterrupt as exc:  # before any tag went to origin
        raise Interrupted(
            f"stopped while registering run {result.run_id}: {where.model} has no new version"
        ) from exc
    raise OutsideError(
        f"could not register {where.model}: the registry kept changing ({TRIES} tries)"
    )


def _lock_committed(manifest: Manifest, result: RunResult) -> None:
    """A `train.dvc` run records the stage as dvc.lock said after training; the version's
    commit must say the same, or `git checkout` and `dvc checkout` of the tag give back
    another model. A run that retrained the stage rewrote dvc.lock, which counts as no
    uncommitted change (it was clean when the run started)."""
    stage, recorded = manifest.train.dvc_stage, result.train.dvc_lock
    if stage is None or recorded is None or result.git.commit is None:
        return
    from mlgate import dvc_files

    committed = dvc_files.committed_stage(manifest.root, result.git.commit, stage)
    if committed is None or committed.hashes != dict(recorded):
        said = "records no" if committed is None else "records another"
        raise UserError(
            f"run {result.run_id} retrained DVC stage {stage}, and dvc.lock at its commit "
            f"{result.git.commit[:12]} {said} run of it: that commit would not give back "
            "the run's model",
            hint="commit dvc.lock (git add dvc.lock && git commit), run again (DVC finds "
            "the stage up to date and trains nothing), then register",
        )


def promote(
    where: Where,
    manifest: Manifest,
    version: str,
    environment: str,
    *,
    deploy: Deploy,
    actor: str = "",
    reason: str = "",
    rollback_of: str | None = None,
) -> Change:
    """`version` into `environment`, once `deploy` has deployed it; a no-op when it is
    there already, unless a deployment of another version there was never recorded (a
    promotion killed between its deployment and its tag): then it is deployed again."""
    _check_reason(reason)
    env = declared_environment(manifest, environment)
    deployed_unrecorded = False  # a round deployed, then lost the race to record it
    checked = False  # the version's objects are in the store, whole
    intent: intents.Intent | None = None  # this promotion's mark, once it deploys
    for _ in range(TRIES):
        current = where.read()
        left = tuple(
            u
            for u in current.unrecorded_in(environment)
            if intent is None or u.mark != intent.path.name
        )
        found = current.version(version)
        if found is None:
            newest = sorted(current.versions, key=lambda v: T.parse_version(v.version))[-5:]
            known = ", ".join(v.version for v in reversed(newest)) or "none yet"
            meant = f"v{version}" if current.version(f"v{version}") else None
            raise UserError(
                f"{where.model} has no version {one_line(version)} (the newest: {known})",
                hint=f"did you mean {meant}?" if meant else None,
            )
        if found.problem:
            raise UserError(
                f"{where.model} {version} cannot be promoted: {found.problem}; nothing was changed",
                hint=f"git show {found.tag} shows it; register the model again for a sound version",
            )
        if found.record.get("verdict") != "passed":
            raise UserError(
                f"{where.model} {version} has no passing run on record "
                "(registered outside mlgate?); it is not promoted"
            )
        if env.requires and not current.ever_in(env.requires, version) and rollback_of is None:
            raise UserError(
                f"{version} has not been in {env.requires}, which {environment} requires",
                hint=f"promote it to {env.requires} first",
            )
        held, stray = current.current(environment), current.stray(environment)
        if held is not None and held.version == version and stray is None and not left:
            if intent is not None:  # deployed, and the race's winner recorded the same
                intents.end(intent)
            return Change(  # (a rollback's too)
                model=where.model, version=version, environment=environment, previous=version
            )
        if rollback_of is not None and (held is None or held.version != rollback_of):
            now = held.version if held else "no version"
            raise UserError(
                f"{environment} changed while rolling back from {rollback_of} "
                f"(it now holds {now}); nothing was rolled back",
                hint="look, then roll back again"
                + (f"; {_unrecorded(version, environment, now)}" if deployed_unrecorded else ""),
            )
        if not checked:  # once: a big model is hashed, or a remote one looked up
            check_objects(where, found)
            checked = True
        name = T.assignment(where.model, environment, current.next_n(environment))
        # what the environment held, as gto reads it: a commit with no version, after one
        before = f"commit {stray.commit[:12]}" if stray else (held.version if held else None)
        if intent is None:  # marked first: killed after deploying, the mark says so
            intent = intents.begin(
                where.root,
                where.model,
                environment,
                version,
                before,
                tag=name,
                started=_iso(_utc_now()),
            )
        else:
            intent = intents.retag(intent, name)
        try:
            deployed = deploy(found, env, before)
        except MlgateError:
            if not deployed_unrecorded:  # the target said: it stays where it was
                intents.end(intent)
            raise
        except KeyboardInterrupt as exc:  # the mark stays: the next command says it too
            back = (
                f"`mlgate promote {before} --to {environment}` deploys the recorded one again"
                if before and not before.startswith("commit ")  # gto's, with no version
                else f"promote a version to {environment} to record what it runs"
            )
            raise Interrupted(
                f"stopped while deploying {version} to {environment}: it may run {version} "
                f"while the registry says {before or 'no version'}; {back}"
            ) from exc
        if deployed is None and not deployed_unrecorded:  # nothing ran: nothing to say
            intents.end(intent)
            intent = None
        record = {
            "kind": "assignment",
            "version": version,
            "environment": environment,
            "previous": before,
            "by": words.clip(actor or where.actor, MAX_BY),
            "reason": reason,
            "rollback": rollback_of is not None,
            "run": found.record.get("run", {}).get("id"),
            "trigger": where.trigger,
            "created": _iso(where.now()),
            "deploy": deployed,
            **({"unrecorded": sorted({u.version for u in left})} if left else {}),
        }
        message = T.message(T.assignment_subject(where.model, environment, version), record)
        try:
            written = _write(where, current, name, found.commit, message)
        except MlgateError as exc:
            if deployed is None:
                raise
            # the deployment ran: the environment may now run what the registry never says
            said = _unrecorded(version, environment, before or "no version")
            raise type(exc)(exc.message, hint=f"{exc.hint}; {said}" if exc.hint else said) from exc
        deployed_unrecorded = deployed_unrecorded or (written is None and deployed is not None)
        if written is not None:
            if intent is not None:  # recorded: it runs there now, whatever ran before
                intents.end(intent)
                intents.supersede(where.root, where.model, environment, intent.started)
            return Change(
                model=where.model,
                version=version,
                environment=environment,
                tag=name,
                previous=before,
                pushed=written,
                redeployed_over=tuple(sorted({u.version for u in left})),
            )
    raise OutsideError(
        f"could not promote {where.model} {version} to {environment}: the "
        f"registry kept changing ({TRIES} tries)"
    )


def rollback(
    where: Where,
    manifest: Manifest,
    environment: str,
    *,
    deploy: Deploy,
    actor: str = "",
    reason: str = "",
) -> Change:
    """The environment back to the last version it held before its current one that was
    not itself rolled back from (state.rollback_target)."""
    declared_environment(manifest, environment)
    current = where.read()
    held, target = current.current(environment), current.rollback_target(environment)
    if held is None:
        raise UserError(f"{environment} holds no version of {where.model}; nothing to roll back")
    if (stray := current.stray(environment)) is not None:
        raise UserError(
            f"{environment}'s latest assignment ({stray.tag}) is commit {stray.commit[:12]}, "
            "which has no version (written with gto, or by hand): mlgate rolls back from a "
            "version only; nothing was rolled back",
            hint=f"to put back the version {environment} held before it: "
            f"mlgate promote {held.version} --to {environment}",
        )
    if target is None:
        left = current.unrecorded_in(environment)
        raise UserError(
            f"no earlier version to roll back to: {environment} holds "
            f"{held.version}, and {_before_said(current, environment)}"
            + "".join(f"; {u.said()}" for u in left),
            hint=f"to deploy {held.version} again over it: mlgate promote {held.version} "
            f"--to {environment}"
            if left
            else f"promote a version: mlgate promote VERSION --to {environment}",
        )
    return promote(
        where,
        manifest,
        target.version,
        environment,
        deploy=deploy,
        actor=actor,
        reason=reason or f"rollback from {held.version}",
        rollback_of=held.version,
    )


def _unrecorded(version: str, environment: str, recorded: str) -> str:
    """A deployment that ran and that no tag records: what the environment may run now."""
    return (
        f"the deployment of {version} to {environment} ran before this, so {environment} "
        f"may run {version} while the registry says {recorded}"
    )


def _before_said(current: state.State, environment: str) -> str:
    """Why no version qualifies, for the refusal."""
    held = current.current(environment)
    earlier = {a.version for a in current.history(environment)} - {held.version if held else ""}
    if not earlier:
        return "held no other version before it"
    return (
        "every other version it held was rolled back from ("
        + ", ".join(sorted(earlier, key=T.parse_version))
        + ")"
    )


def declared_environment(manifest: Manifest, name: str) -> Environment:
    """The environment the manifest declares by `name`; a located error naming those there are."""
    env = manifest.environment(name)
    if env is None:
        declared = [e.name for e in manifest.environments]
        close = spelling.did_you_mean(spelling.closest(name, declared))
        raise UserError(
            f"unknown environment '{one_line(name)}' (environments: "
            f"{', '.join(declared) or 'none declared'})" + (f"; {close}" if close else ""),
            hint="declare it under environments: in mlops.yaml",
        )
    return env


def _write(where: Where, current: state.State, name: str, commit: str, message: str) -> bool | None:
    """Create the tag and push it: True pushed, False local only (no origin), None lost
    the race (someone wrote first; read again)."""
    remote = gitio.has_origin(where.root)
    if remote:  # marked first: killed at any moment after, the next read asks origin
        gitio.pending(where.root, [name])
    if not gitio.create(where.root, name, commit, message, date=_date(where, current)):
        gitio.settle(where.root, [name])
        _check_read(where, name)
        return None
    if not remote:
        return False
    try:  # with the tags this clone had before it had an origin: the change builds on them
        if gitio.push(where.root, [*current.only_here, name], token=where.token):
            gitio.settle(where.root, [name])
            return True
    except KeyboardInterrupt as exc:  # origin may have taken it: the pending mark says so
        gitio.delete_local(where.root, [name])
        raise Interrupted(
            f"stopped while pushing tag {name} to origin: it is removed here, and origin may "
            "or may not have it; the next mlgate command reads origin and says which "
            "(`mlgate registry list`)"
        ) from exc
    except BaseException:  # refused, unreachable: origin decides what is true
        gitio.delete_local(where.root, [name])
        raise
    gitio.delete_local(where.root, [name])
    time.sleep(random.uniform(0, JITTER_S))  # so the losers don't collide again in step
    return None


def _check_read(where: Where, name: str) -> None:
    """A tag that exists is a lost race only when the registry, read again, holds it: the
    next round then decides past it. One it still does not read would be computed again
    every round (40 tries, then "kept changing"), so it is said for what it is."""
    if state.build(where.model, gitio.read(where.root, where.model)).accounts_for(name):
        return
    raise UserError(
        f"tag {name} exists, and mlgate does not read it as one of {where.model}'s registry "
        "tags: it cannot write its change under that name; nothing was changed",
        hint=f"git show {name} shows it; if it is not meant to be there, "
        f"git tag --delete {name} (and git push origin :refs/tags/{name} when origin has "
        "it), then run again",
    )


def check_objects(where: Where, version: state.Version) -> None:
    """The version's model, run and manifest (what `mlgate serve` and a deployment read)
    are in the store and whole, before anything is deployed or written: a promotion
    otherwise recorded an environment holding a model nothing could load."""
    record = version.record
    for what, entry in (
        ("model", record.get("model")),
        ("run", record.get("run")),
        ("manifest", record.get("manifest")),
    ):
        if not isinstance(entry, dict) or not entry.get("sha256"):
            # every record mlgate wrote names all three (state reads one that does not as
            # unusable): without its run, its model could not be checked against it
            raise UserError(
                f"cannot promote {where.model} {version.version}: its record (tag "
                f"{version.tag}) names no {what}; nothing was changed",
                hint=f"git show {version.tag} shows it; register the model again with this "
                "mlgate for a sound version",
            )
        named = f", {entry['file']}" if entry.get("file") else ""
        size = entry.get("bytes") if isinstance(entry.get("bytes"), int) else None
        try:
            where.store.check(str(entry["sha256"]), size=size)
        except MlgateError as exc:
            raise type(exc)(
                f"cannot promote {where.model} {version.version} (its {what}{named}): "
                f"{exc.message}; nothing was changed",
                hint=exc.hint,
            ) from exc
    if why := record_unlike_run(where, version):
        raise UserError(
            f"cannot promote {where.model} {version.version}: {why}; nothing was changed",
            hint=lineage.edited(version.tag),
        )


def record_unlike_run(where: Where, version: state.Version) -> str | None:
    """Why a version's record is not its run's (the run read back from the store), or
    None. A record that names no run is never its run's (check_objects refuses it first)."""
    entry = version.record.get("run")
    if not isinstance(entry, dict) or not entry.get("sha256"):
        return "its record names no run to check it against"
    try:
        run = runs.read(where.store.get(str(entry["sha256"])))
    except MlgateError as exc:  # a download cut short, a run of a newer mlgate: as it is
        raise type(exc)(
            f"cannot promote {where.model} {version.version} (its run, read back to check "
            f"its record): {exc.message}; nothing was changed",
            hint=exc.hint,
        ) from exc
    return lineage.unlike(version.record, run)


def _date(where: Where, current: state.State) -> str:
    """Now, or a second after the model's newest tag: GTO orders a stage's assignments by
    time, so each must be later than the last for `gto show` to agree with mlgate."""
    now = where.now().replace(microsecond=0)
    created = [
        *(v.created for v in current.versions),
        *(a.created for a in current.assignments),
        *(w.created for w in current.withdrawals),
        *(s.created for s in current.strays),
    ]
    stamps = [dt.datetime.fromisoformat(x) for x in created]
    latest = max(stamps, default=None)
    if latest is not None and latest >= now:
        now = latest + dt.timedelta(seconds=1)
    return _iso(now)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _check_version(version: str) -> None:
    try:
        T.parse_version(version)
    except ValueError as exc:
        raise UserError(f"'{version}' is not a semantic version", hint="like v1.4.0") from exc
    if not version.startswith("v"):
        raise UserError(f"write the version as GTO does: 'v{version}'")
    if not T.VERSION.fullmatch(version):  # a tag no registry would read back
        raise UserError(
            f"'{version}' has a leading zero, or a digit that is not 0-9: the registry's "
            "versions are vMAJOR.MINOR.PATCH, with a pre-release part if need be",
            hint="like v1.4.0 or v1.4.0-rc.1",
        )
    if "+" in version:  # GTO reads it, but it could never be an image's tag
        raise UserError(
            f"'{version}' has build metadata (after '+'), which no Docker image tag can hold "
            "and which semantic versions leave out of their order",
            hint=f"register it as {version.split('+')[0]}, or with a pre-release part "
            "(v1.4.0-rc.1)",
        )


def _branch(where: Where, result: RunResult) -> str | None:
    """The branch the run was made on; for a detached checkout, the event's, when it is
    about the run's commit."""
    if result.git.branch is None and where.pushed_to and where.pushed_to[0] == result.git.commit:
        return where.pushed_to[1]
    return result.git.branch


def _check_branch(result: RunResult, branch: str | None, default: str | None) -> None:
    """A version is what the default branch holds: code that was reviewed and merged."""
    made = f"branch '{branch}'" if branch else "a detached HEAD"
    if default is None:
        raise UserError(
            f"run {result.run_id} was made on {made}, and git does not say "
            "which branch is the default one (no origin/HEAD, no "
            "init.defaultBranch, not one of main and master)",
            hint="git remote set-head origin --auto; or register it anyway with --allow-branch",
        )
    if branch != default:
        raise UserError(
            f"run {result.run_id} was made on {made}, not on the default branch "
            f"'{default}': a version is normally what was merged there",
            hint=f"merge into {default} and register from there, or register "
            "this run anyway with --allow-branch",
        )


def _check_newer(current: state.State, version: str, bump: str) -> None:
    """Versions go up, so that the latest is the newest and a bump follows it."""
    latest = current.latest()
    if latest is not None and T.parse_version(version) < latest.semver:
        raise UserError(
            f"{version} is lower than the latest version {latest.version}",
            hint=f"leave out --version for {state.next_version(current, bump=bump)}, "
            "or pass --allow-older to register an older line on purpose (a "
            "patch of an earlier version)",
        )


def _dataset_record(
    put: Callable[[Path], str], manifest: Manifest, result: RunResult, dataset: DatasetSummary
) -> dict[str, Any]:
    """A data file by hash and rows, and its profile in the store when the run kept one:
    what a version was trained and tested on can be compared with later data without the
    data (`data_profile`)."""
    record: dict[str, Any] = {
        "role": dataset.role,
        "file": dataset.file.path,
        "sha256": dataset.file.sha256,
        "rows": dataset.rows,
    }
    kept = runs.run_dir(manifest.root, result.run_id) / (dataset.profile or "")
    if dataset.profile and kept.is_file():
        record["profile"] = {"sha256": put(kept)}
    return record


def data_profile(where: Where, version: state.Version, role: str = "train") -> Profile | None:
    """The profile of the data file `role` a version was made with; None for a version
    registered before profiles were kept, or a role it had no file for."""
    from mlgate.data import profile

    for entry in version.record.get("data", ()):
        if entry.get("role") == role and isinstance(entry.get("profile"), dict):
            path = where.store.get(str(entry["profile"]["sha256"]))
            return profile.read_file(path, f"{version.tag} {role} profile")
    return None


def _version_record(
    where: Where,
    manifest: Manifest,
    result: RunResult,
    model_file: Path,
    *,
    actor: str,
    reason: str,
    version: str,
) -> dict[str, Any]:
    """Lineage: the model, run and manifest by hash in the store, and what made them. The
    record is first made with the hashes left blank and read back as every reader will
    (`_readable`): one that none could read is refused before anything is stored."""
    run_file = runs.run_dir(manifest.root, result.run_id) / runs.RESULT_FILE

    def made(put: Callable[[Path], str]) -> dict[str, Any]:
        return {
            "kind": "version",
            "verdict": result.verdict,
            "summary": result.summary,
            "model": {
                "file": manifest.train.model,
                "sha256": put(model_file),
                "bytes": model_file.stat().st_size,
            },
            "run": {"id": result.run_id, "sha256": put(run_file)},
            "manifest": {"file": manifest.path.name, "sha256": put(manifest.path)},
            "commit": result.git.commit,
            "branch": result.git.branch,
            "params": dict(result.params),
            "metrics": dict(result.evaluate.metrics),
            "data": [_dataset_record(put, manifest, result, d) for d in result.data.datasets],
            "python": result.environment.python,
            "packages": dict(result.environment.packages),
            "by": words.clip(actor, MAX_BY),
            "reason": reason,
            "trigger": where.trigger,
            "created": _iso(where.now()),
        }

    _readable(where.model, version, made(lambda _: "0" * 64))
    # the run kept is the run recorded (a promotion checks one against the other): a run
    # given by path, from elsewhere, is kept as it is, and one handed over changed since
    # its file was written (a caller's copy with another commit) replaces that file
    if not run_file.is_file() or runs.read(run_file) != result:
        atomic.write_text(run_file, document.dumps(result))
    return made(where.store.put)


def _readable(model: str, version: str, record: dict[str, Any]) -> str:
    """The registration tag's message, once it reads back as every mlgate reads a tag
    (`tags.record_of`: its size, its schema). A record written unread was a version no
    command could use, and its commit could never be registered again: a params file
    with a 1 MB string in it did that to the merge job (audit V)."""
    message = T.message(T.registration_subject(model, version), {**record, "version": version})
    try:
        T.record_of(message)
    except T.CorruptRecord as exc:
        said = f"{model} {version} was not registered: its record could not be read back ({exc})"
        if len(message.encode("utf-8", "replace")) <= T.MAX_RECORD:  # its schema's
            raise UserError(
                said,
                hint="every mlgate checks a record against its schema (record.schema.json) "
                "before it reads it: change what it names, commit, run again, then register; "
                "nothing was written",
            ) from exc
        largest = _largest(record)
        raise UserError(
            f"{said}; {largest}",
            hint=(
                "a version's record holds the run's params whole, in its tag: keep long "
                "values out of the params file (name a file that holds them), commit, run "
                "again, then register"
                if largest.startswith("the largest field is params,")
                else "make that field smaller, commit, run again, then register"
            )
            + "; nothing was written",
        ) from exc
    return message


def _largest(record: dict[str, Any]) -> str:
    """Where the record's bytes are: its largest field, and the largest entry in it."""

    def size(value: Any) -> int:
        return len(json.dumps(value, sort_keys=True))

    field = max(record, key=lambda k: size(record[k]))
    value = record[field]
    said = f"the largest field is {field}, {words.count(size(value), 'byte')}"
    entries = list(value.items()) if isinstance(value, dict) else []
    if entries:
        key, inner = max(entries, key=lambda e: size(e[1]))
        shown = words.name(str(key)[:80])
        said += f", of which {shown} takes {words.count(size(inner), 'byte')}"
    return said


def _gates_were_decided(manifest: Manifest, result: RunResult) -> None:
    """`mlgate compare none` after a failed comparison left every gate "not evaluated" and
    the verdict passed: a run whose manifest names a baseline, compared with none by the
    command line, has had no gate decided, and is no run to register."""
    compared = result.compare
    named = manifest.compare.baseline not in ("auto", "none")
    if (
        compared is not None
        and named
        and compared.baseline.kind == "none"
        # the command line named another than the manifest's: `mlgate compare main` where
        # main has no model yet ("the first model") is the manifest's own baseline
        and from_command_line(compared.baseline.origin, replacing=True)
    ):
        raise UserError(
            f"run {result.run_id} was compared with no baseline by the command line, in "
            f"place of {manifest.compare.baseline} that {manifest.path.name} names: none of "
            "its gates was decided",
            hint=(
                f"mlgate compare {manifest.compare.baseline}, then register"
                if manifest.compare.baseline_kind in ("git", "file")
                else "mlgate run (it compares with the baseline the manifest names), then register"
            ),
        )


def _named(changed: tuple[str, ...]) -> str:
    """ " (train.log, data/cache.csv, ...)": the paths the run recorded as changed, where a
    run in CI could not be asked `git status` after the fact."""
    if not changed:
        return ""
    shown = ", ".join(map(words.name, changed[:5]))
    return f" ({shown}{', ...' if len(changed) > 5 else ''})"
