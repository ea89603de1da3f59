"""The registry as its tags say it is: versions, and each stage's assignments in order.
Pure: built from tags read elsewhere, so every rule is tested without git."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, Literal

import semver

from mlgate.registry import tags as T


@dataclass(frozen=True, kw_only=True)
class Version:
    model: str
    version: str  # v1.2.0
    commit: str
    tag: str
    created: str
    record: dict[str, Any] = field(default_factory=dict, repr=False)
    problem: str | None = None  # why the record could not be read: the version is unusable
    deregistered: bool = False  # withdrawn with gto (`MODEL@VERSION!`): problem says so

    @property
    def semver(self) -> semver.Version:
        return T.parse_version(self.version)


@dataclass(frozen=True, kw_only=True)
class Assignment:
    model: str
    stage: str
    n: int  # GTO's counter: the n-th change to this stage
    version: str
    tag: str
    created: str
    record: dict[str, Any] = field(default_factory=dict, repr=False)
    problem: str | None = None  # why the record could not be read (read as gto's tag)


@dataclass(frozen=True, kw_only=True)
class Stray:
    """An assignment of a commit that holds no version (`gto assign MODEL COMMIT --sr`, or
    a tag made by hand). gto reads the commit as the stage's version; mlgate has nothing
    to deploy or serve there, but it counts in the stage's numbering all the same."""

    stage: str
    n: int
    commit: str
    tag: str
    created: str


@dataclass(frozen=True, kw_only=True)
class Withdrawal:
    """A stage taken from a version (`gto deprecate MODEL VERSION STAGE`): the n-th change
    to the stage, as an assignment is. `version` is "" for a commit with no version."""

    stage: str
    n: int
    version: str
    tag: str
    created: str
    commit: str = ""


@dataclass(frozen=True, kw_only=True)
class Move:
    """A version coming into an environment ("promoted", "rolled back to"), or the
    environment being rolled back from it ("rolled back from", to another version)."""

    what: Literal["promoted", "rolled back to", "rolled back from"]
    assignment: Assignment

    @property
    def stage(self) -> str:
        return self.assignment.stage


@dataclass(frozen=True, kw_only=True)
class Unrecorded:
    """A deployment that began and whose tag was never written (its promotion was killed
    in between): `environment` may run `version` while the registry says `recorded`."""

    environment: str
    version: str
    recorded: str | None  # what the registry says the environment holds
    previous: str | None  # what it held when the deployment began
    started: str
    mark: str = ""  # the mark's file name (registry/intents.py)

    def said(self) -> str:
        return (
            f"a deployment of {self.version} to {self.environment} began at {self.started} "
            "and was never recorded (its promotion was stopped, or failed to write it): "
            f"{self.environment} may run {self.version} while the registry says "
            f"{self.recorded or 'no version'}"
        )


@dataclass(frozen=True, kw_only=True)
class State:
    model: str
    versions: tuple[Version, ...]  # oldest first, by semantic version
    assignments: tuple[Assignment, ...]  # by stage, then n
    only_here: tuple[str, ...] = ()  # tags this clone has and origin has not: the next
    # change pushes them with its own
    withdrawals: tuple[Withdrawal, ...] = ()  # by stage, then n
    strays: tuple[Stray, ...] = ()  # by stage, then n
    unrecorded: tuple[Unrecorded, ...] = ()  # this clone's marks (registry/intents.py)

    def version(self, version: str) -> Version | None:
        return next((v for v in self.versions if v.version == version), None)

    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def history(self, stage: str) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.stage == stage)

    def current(self, stage: str) -> Assignment | None:
        """The stage's latest assignment of a version it still holds, as gto reads it: one
        taken away by a withdrawal (or a version deregistered) no longer counts, and the
        one before it holds the stage again."""
        held = self.held(stage)
        return max(held.values(), key=lambda a: a.n) if held else None

    def held(self, stage: str) -> dict[str, Assignment]:
        """Each version the stage still holds, by its latest assignment."""
        return {k: a for k, a in self._holders(stage).items() if isinstance(a, Assignment)}

    def stray(self, stage: str) -> Stray | None:
        """The commit with no version that the stage holds as gto reads it (`gto show`):
        its latest assignment, when that assigns a commit with no version. mlgate deploys,
        serves and rolls back versions only, so `current` is still the latest version."""
        holders = self._holders(stage)
        latest = max(holders.values(), key=lambda a: a.n) if holders else None
        return latest if isinstance(latest, Stray) else None

    def _holders(self, stage: str) -> dict[str, Assignment | Stray]:
        """What the stage holds, as gto reads it: each version (or commit with no version)
        by its latest assignment, less those withdrawn since or deregistered."""
        events: list[Assignment | Stray | Withdrawal] = [
            *self.history(stage),
            *(s for s in self.strays if s.stage == stage),
            *self.withdrawn(stage),
        ]
        held: dict[str, Assignment | Stray] = {}
        for event in sorted(events, key=lambda e: e.n):
            if isinstance(event, Withdrawal):
                held.pop(event.version or event.commit, None)
            elif isinstance(event, Stray):
                held[event.commit] = event
            else:
                held[event.version] = event
        gone = self.deregistered()
        return {key: a for key, a in held.items() if key not in gone}

    def withdrawn(self, stage: str) -> tuple[Withdrawal, ...]:
        return tuple(w for w in self.withdrawals if w.stage == stage)

    def deregistered(self) -> frozenset[str]:
        return frozenset(v.version for v in self.versions if v.deregistered)

    def next_n(self, stage: str) -> int:
        """GTO's counter, which every change to the stage advances: a withdrawal, and an
        assignment of a commit with no version, too (one left out made mlgate compute a
        tag that exists, forever)."""
        taken = [
            *(a.n for a in self.history(stage)),
            *(w.n for w in self.withdrawn(stage)),
            *(s.n for s in self.strays if s.stage == stage),
        ]
        return max(taken) + 1 if taken else 1

    def accounts_for(self, name: str) -> bool:
        """Whether the tag `name` is one this state was built with."""
        built: list[Version | Assignment | Withdrawal | Stray] = [
            *self.versions,
            *self.assignments,
            *self.withdrawals,
            *self.strays,
        ]
        return any(x.tag == name for x in built)

    def rollbacks(self, stage: str) -> tuple[tuple[str, Assignment], ...]:
        """Each rollback of the stage, with the version it left (the one held before it)."""
        found = self.history(stage)
        return tuple(
            (before.version, a) for before, a in pairwise(found) if a.record.get("rollback")
        )

    def rolled_back_from(self, stage: str) -> frozenset[str]:
        """The versions the stage was rolled back from and not deliberately promoted to
        since: a rollback must not restore them."""
        found = self.history(stage)
        marked: set[str] = set()
        for before, a in zip((None, *found), found, strict=False):
            if a.record.get("rollback"):
                if before is not None:
                    marked.add(before.version)
            else:
                marked.discard(a.version)
        return frozenset(marked)

    def rollback_target(self, stage: str) -> Assignment | None:
        """Where a rollback goes: the last version the stage held before its current one
        that was not itself rolled back from; None when there is none."""
        found = self.history(stage)
        held = self.current(stage)
        if held is None:
            return None
        # a version withdrawn from the stage, or deregistered, is no place to go back to
        taken = {w.version for w in self.withdrawn(stage)} - set(self.held(stage))
        skipped = self.rolled_back_from(stage) | {held.version} | taken | self.deregistered()
        return next((a for a in reversed(found) if a.version not in skipped), None)

    def moves(self, version: str) -> tuple[Move, ...]:
        """Every environment's moves into and away from `version` by rollback, oldest
        first."""
        found = []
        for stage in self.stages():
            history = self.history(stage)
            for before, a in zip((None, *history), history, strict=False):
                back = bool(a.record.get("rollback"))
                if a.version == version:
                    found.append(Move(what="rolled back to" if back else "promoted", assignment=a))
                elif back and before is not None and before.version == version:
                    found.append(Move(what="rolled back from", assignment=a))
        return tuple(sorted(found, key=lambda m: (m.assignment.created, m.stage)))

    def ever_in(self, stage: str, version: str) -> bool:
        return any(a.version == version for a in self.history(stage))

    def unrecorded_in(self, stage: str) -> tuple[Unrecorded, ...]:
        return tuple(u for u in self.unrecorded if u.environment == stage)

    def stages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.stage for a in self.assignments))


def build(model: str, found: list[T.Tag]) -> State:
    """The state of one model from every registry tag; other models' tags are ignored.

    An assignment names its version in its record, or (a tag gto wrote) by the commit it
    points at: the version registered at that commit. One whose commit has no version is
    a stray, as gto reads it."""
    versions: list[Version] = []
    strays: list[Stray] = []
    raw_assignments = []
    withdrawals: list[Withdrawal] = []
    withdrawn = {
        m["version"]: tag.name
        for tag in found
        if (m := T.DEREGISTRATION.match(tag.name)) and m["name"] == model
    }
    for tag in found:
        if (m := T.REGISTRATION.match(tag.name)) and m["name"] == model:
            if not _semantic(m["version"]):  # not a version to gto either: ignored
                continue
            record, problem = _record(tag)
            problem = (
                problem
                or _misplaced(tag, record, "version", m["version"])
                or _incomplete(tag, record)
            )
            gone = withdrawn.get(m["version"])
            versions.append(
                Version(
                    model=model,
                    version=m["version"],
                    commit=tag.commit,
                    tag=tag.name,
                    created=tag.created,
                    record=record,
                    problem=f"deregistered with gto (tag {gone})" if gone else problem,
                    deregistered=gone is not None,
                )
            )
        elif (m := T.UNASSIGNMENT.match(tag.name)) and m["name"] == model:
            withdrawals.append(
                Withdrawal(
                    stage=m["stage"],
                    n=int(m["n"]),
                    version="",
                    tag=tag.name,
                    created=tag.created,
                    commit=tag.commit,
                )
            )
        elif (m := T.ASSIGNMENT.match(tag.name)) and m["name"] == model:
            raw_assignments.append((m["stage"], int(m["n"]), tag))
    versions.sort(key=lambda v: v.semver)
    by_commit = {v.commit: v.version for v in versions}
    assignments = []
    for stage, n, tag in sorted(raw_assignments, key=lambda x: (x[0], x[1])):
        record, problem = _record(tag)
        version = record.get("version") or by_commit.get(tag.commit)
        registered = next((v for v in versions if v.version == version), None)
        if record and (registered is None or registered.commit != tag.commit):
            # the record names a version the tag's commit is not: gto (and the commit)
            # say which it is
            problem = problem or (
                f"tag {tag.name} is corrupt: its record names {version}, "
                f"and its commit {tag.commit[:12]} is not that version's"
            )
            record, version = {}, by_commit.get(tag.commit)
        if version is None:  # gto's reading: the commit is the stage's (unnamed) version
            strays.append(
                Stray(stage=stage, n=n, commit=tag.commit, tag=tag.name, created=tag.created)
            )
            continue
        assignments.append(
            Assignment(
                model=model,
                stage=stage,
                n=n,
                version=str(version),
                tag=tag.name,
                created=tag.created,
                record=record,
                problem=problem,
            )
        )
    # gto's withdrawal names its version by the commit it points at, as gto's tags do
    named = [replace(w, version=by_commit.get(w.commit, "")) for w in withdrawals]
    return State(
        model=model,
        versions=tuple(versions),
        assignments=tuple(assignments),
        withdrawals=tuple(sorted(named, key=lambda w: (w.stage, w.n))),
        strays=tuple(strays),
    )


def _semantic(version: str) -> bool:
    """Whether semver reads `version`: one tag it refused made every command a traceback."""
    try:
        T.parse_version(version)
    except ValueError:
        return False
    return True


def _misplaced(tag: T.Tag, record: dict[str, Any], kind: str, version: str) -> str | None:
    """Why a whole record does not belong to its tag (copied from another, or forged): a
    version's record names the commit and version its tag is."""
    if not record:
        return None
    said = {
        "kind": (record.get("kind", kind), kind),
        "version": (record.get("version", version), version),
        "commit": (record.get("commit") or tag.commit, tag.commit),
    }
    wrong = [f"{k} {str(a)[:40]}" for k, (a, b) in said.items() if a != b]
    if not wrong:
        return None
    return f"tag {tag.name} is corrupt: its record says {', '.join(wrong)}, not what the tag is"


NAMED = ("model", "run", "manifest")  # what serve, a deployment and monitor read


def _incomplete(tag: T.Tag, record: dict[str, Any]) -> str | None:
    """Why a version's record cannot be used: it lacks the model, run or manifest (each by
    sha256) that every version mlgate ever registered names. Only a hand-written or edited
    record lacks one, and without its run the model cannot be checked against it: another
    version's model was deployed under this one's name. A tag with no record is gto's."""
    if not record:
        return None
    missing = [
        what
        for what in NAMED
        if not isinstance(record.get(what), dict) or not record[what].get("sha256")
    ]
    if not missing:
        return None
    return (
        f"tag {tag.name} is incomplete: its record names no {words_and(missing)}, as every "
        "version mlgate registers does (written or edited by hand), so its model cannot be "
        "checked against its run; register the model again with this mlgate"
    )


def words_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _record(tag: T.Tag) -> tuple[dict[str, Any], str | None]:
    try:
        return T.record_of(tag.message) or {}, None
    except T.CorruptRecord as exc:
        return {}, f"tag {tag.name} is corrupt: {exc}"


def next_version(state: State, *, bump: str = "minor") -> str:
    """After the latest: v0.1.0 first (GTO's default), then the bump asked for."""
    latest = state.latest()
    if latest is None:
        return "v0.1.0"
    bumped = {
        "major": latest.semver.bump_major,
        "minor": latest.semver.bump_minor,
        "patch": latest.semver.bump_patch,
    }[bump]()
    return T.format_version(bumped)
