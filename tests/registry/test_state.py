"""The registry read from its tags: pure rules, no git."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgate.registry import state
from mlgate.registry import tags as T


def tag(name: str, commit: str, record: dict | None = None, created: str = "2026-01-01") -> T.Tag:
    subject = "gto wrote this"
    return T.Tag(
        name=name,
        commit=commit,
        created=created,
        message=T.message(subject, record) if record is not None else subject,
    )


TAGS = [
    tag("churn@v0.1.0", "c1", {"verdict": "passed"}),
    tag("churn@v0.10.0", "c3", {"verdict": "passed"}),
    tag("churn@v0.2.0", "c2", {"verdict": "passed"}),
    tag("churn#staging#1", "c1", {"version": "v0.1.0"}),
    tag("churn#staging#2", "c2", {"version": "v0.2.0"}),
    tag("churn#staging#3", "c2"),  # gto's own tag: the version is the one at its commit
    tag("churn#production#1", "c1", {"version": "v0.1.0"}),
    tag("other@v9.0.0", "c9", {}),
    tag("churn-v2@v1.0.0", "c9", {}),
    tag("churn#staging#x", "c1"),
    tag("release-1", "c1"),
]


def test_versions_sort_semantically_and_other_models_are_ignored() -> None:
    built = state.build("churn", TAGS)
    assert [v.version for v in built.versions] == ["v0.1.0", "v0.2.0", "v0.10.0"]
    assert built.latest().version == "v0.10.0"
    assert state.next_version(built) == "v0.11.0"
    assert state.next_version(built, bump="major") == "v1.0.0"
    assert state.next_version(state.build("new", [])) == "v0.1.0"


def test_a_stage_holds_its_last_assignment_and_remembers_the_one_before() -> None:
    built = state.build("churn", TAGS)
    assert [a.n for a in built.history("staging")] == [1, 2, 3]
    assert built.current("staging").version == "v0.2.0"
    assert built.rollback_target("staging").version == "v0.1.0"  # #3 re-assigned v0.2.0
    assert built.next_n("staging") == 4 and built.next_n("qa") == 1
    assert built.ever_in("production", "v0.1.0") and not built.ever_in("production", "v0.2.0")
    assert built.rollback_target("production") is None
    assert built.stages() == ("production", "staging")


@pytest.mark.parametrize(
    ("text", "record"),
    [
        (T.message("s", {"a": 1}), {"a": 1}),
        ("Registering artifact x version v1.0.0", None),  # gto wrote it: no record
    ],
)
def test_a_record_is_read_only_when_mlgate_wrote_one(text: str, record) -> None:
    assert T.record_of(text) == record


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("s\n\nmlgate-record: {not json", "its record is not a valid registry record: Expecting"),
        ("s\n\nmlgate-record: [1, 2]", "its record is a JSON list, not an object"),
        # anyone who may push tags may write one: a type a reader does not expect made
        # `registry show` a TypeError, and 1e999 Infinity in `registry list --json`
        (
            's\n\nmlgate-record: {"by": {"a": 1}}',
            "its record is not a valid registry record: at by",
        ),
        (
            's\n\nmlgate-record: {"metrics": {"f1": 1e999}}',
            "its record is not a valid registry record: 1e999 is past a number's range",
        ),
        (
            's\n\nmlgate-record: {"metrics": {"f1": NaN}}',
            "its record is not a valid registry record: NaN is not a JSON number",
        ),
        (
            's\n\nmlgate-record: {"model": {"file": "m", "sha256": "../x"}}',
            "its record is not a valid registry record: at model.sha256",
        ),
    ],
)
def test_a_torn_record_is_told_apart_from_none(text: str, said: str) -> None:
    with pytest.raises(T.CorruptRecord, match=said):
        T.record_of(text)
    built = state.build(
        "m",
        [T.Tag(name="m@v1.0.0", commit="c1", message=text, created="2026-01-01T00:00:00+00:00")],
    )
    assert built.version("v1.0.0").problem.startswith(f"tag m@v1.0.0 is corrupt: {said}")


def test_delivery_figures_from_the_history() -> None:
    import datetime as dt

    from mlgate.registry import delivery

    tags = [
        tag("churn@v0.1.0", "c1", {"verdict": "passed"}),
        tag("churn@v0.2.0", "c2", {"verdict": "passed"}),
        tag("churn@v0.3.0", "c3", {"verdict": "passed"}),
        tag("churn#production#1", "c1", {"version": "v0.1.0"}, "2026-11-02T00:00:00+00:00"),
        tag("churn#production#2", "c2", {"version": "v0.2.0"}, "2026-11-09T00:00:00+00:00"),
        tag(
            "churn#production#3",
            "c1",
            {"version": "v0.1.0", "rollback": True},
            "2026-11-09T06:00:00+00:00",
        ),
        tag("churn#production#4", "c3", {"version": "v0.3.0"}, "2026-11-16T00:00:00+00:00"),
    ]
    committed = {
        "c1": "2026-11-01T00:00:00+00:00",
        "c2": "2026-11-08T12:00:00+00:00",
        "c3": "2026-11-15T00:00:00+00:00",
    }
    found = delivery.delivery(
        state.build("churn", tags),
        "production",
        committed,
        now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
    )
    assert (found.promotions, found.rollbacks) == (3, 1)
    assert found.per_week == 1.0  # three in the three weeks since the first
    assert found.lead_time_h == 24.0  # 24 h, 12 h, 24 h
    assert found.change_failure_rate == 0.333
    empty = delivery.delivery(
        state.build("churn", tags),
        "staging",
        committed,
        now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
    )
    assert (empty.promotions, empty.per_week, empty.change_failure_rate) == (0, None, None)


def history(*steps: str) -> state.State:
    """A production history from steps: "v1" promotes v1, "rb:v1" rolls back to v1."""
    tags = [
        tag(f"churn@{v}", f"c-{v}", {"verdict": "passed"})
        for v in ("v0.1.0", "v0.2.0", "v0.3.0", "v1.0.0")
    ]
    for n, step in enumerate(steps, start=1):
        version = step.removeprefix("rb:")
        tags.append(
            tag(
                f"churn#production#{n}",
                f"c-{version}",
                {"version": version, "rollback": step.startswith("rb:")},
                f"2026-11-{n:02d}T00:00:00+00:00",
            )
        )
    return state.build("churn", tags)


def target(built: state.State) -> str | None:
    found = built.rollback_target("production")
    return found.version if found else None


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ((), None),
        (("v0.1.0",), None),
        (("v0.1.0", "v1.0.0"), "v0.1.0"),
        # the issue: a second rollback went back to v1.0.0, the version just rolled back from
        (("v0.1.0", "v1.0.0", "rb:v0.1.0"), None),
        (("v0.1.0", "v0.2.0", "v0.3.0", "rb:v0.2.0"), "v0.1.0"),
        (("v0.1.0", "v0.2.0", "v0.3.0", "rb:v0.2.0", "rb:v0.1.0"), None),
        # promoted again on purpose: v0.3.0 is current, v0.2.0 is still marked
        (("v0.1.0", "v0.2.0", "v0.3.0", "rb:v0.2.0", "rb:v0.1.0", "v0.3.0"), "v0.1.0"),
        # a deliberate promotion clears the mark: v0.2.0 held before v1.0.0
        (("v0.1.0", "v0.2.0", "rb:v0.1.0", "v0.2.0", "v1.0.0"), "v0.2.0"),
        (("v0.1.0", "v0.2.0", "rb:v0.1.0", "v1.0.0"), "v0.1.0"),
        # the same version re-assigned (gto's tag) is not an earlier version
        (("v0.1.0", "v0.2.0", "v0.2.0"), "v0.1.0"),
    ],
)
def test_a_rollback_skips_versions_rolled_back_from(
    steps: tuple[str, ...], expected: str | None
) -> None:
    assert target(history(*steps)) == expected


def test_the_versions_rolled_back_from_are_known_with_their_rollback() -> None:
    built = history("v0.1.0", "v0.2.0", "v0.3.0", "rb:v0.2.0", "rb:v0.1.0")
    left = [(version, a.n) for version, a in built.rollbacks("production")]
    assert left == [("v0.3.0", 4), ("v0.2.0", 5)]


VERSIONS = ("v0.1.0", "v0.2.0", "v0.3.0", "v1.0.0")


@given(st.lists(st.one_of(st.sampled_from(VERSIONS), st.just("rollback")), max_size=14))
def test_a_rollback_never_restores_what_was_left_and_not_promoted_since(ops: list[str]) -> None:
    steps: list[str] = []
    for op in ops:  # each rollback as mlgate would make it, refused when there is none
        if op == "rollback":
            found = target(history(*steps))
            if found is not None:
                steps.append(f"rb:{found}")
        elif not steps or steps[-1].removeprefix("rb:") != op:  # a no-op is not written
            steps.append(op)
    built = history(*steps)
    found = target(built)
    if found is None:
        return
    held = [s.removeprefix("rb:") for s in steps]
    assert found != held[-1] and found in held[:-1]
    for i, step in enumerate(steps):  # never one left by a rollback, unless promoted since
        if step.startswith("rb:") and held[i - 1] == found:
            assert found in steps[i + 1 :], (steps, found)


def test_a_change_rolled_back_from_twice_fails_once() -> None:
    import datetime as dt

    from mlgate.registry import delivery

    # written before the fix: the second rollback restored v1.0.0, a third left it again
    built = history("v0.1.0", "v1.0.0", "rb:v0.1.0", "rb:v1.0.0", "rb:v0.1.0")
    found = delivery.delivery(built, "production", {}, now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    assert (found.promotions, found.rollbacks, found.failed) == (2, 3, 2)
    assert found.change_failure_rate == 1.0  # was 1.5: three rollbacks of two changes


def test_the_card_says_a_version_was_rolled_back_from() -> None:
    from mlgate.registry import card

    built = history("v0.1.0", "v0.2.0", "v0.3.0", "rb:v0.2.0")
    text = card.render(built.version("v0.3.0"), built.moves("v0.3.0"), None)
    assert "- production: promoted 2026-11-03T00:00:00+00:00\n" in text
    assert "- production: **rolled back from** on 2026-11-04T00:00:00+00:00, to v0.2.0\n" in text
    text = card.render(built.version("v0.2.0"), built.moves("v0.2.0"), None)
    assert "rolled back to 2026-11-04" in text and "rolled back from" not in text


def test_a_version_gto_registered_is_shown_as_gtos_not_as_an_empty_run() -> None:
    """`registry show` printed "run -: ?, " and `registry list` a blank for a version
    registered with `gto register`, which has no record: no run, model or metrics."""
    from mlgate.registry import view

    built = state.build("churn", [tag("churn@v1.0.0", "c1"), *TAGS[:1]])
    gtos = built.version("v1.0.0")
    assert gtos is not None and gtos.record == {} and gtos.problem is None
    shown = view.version_text(built, gtos).splitlines()
    assert shown[-2:] == [
        "  record   registered with gto: no run, model or metrics on record",
        "  environments: none yet",
    ]
    assert not any(line.lstrip().startswith(("by ", "run ")) for line in shown)
    doc = {"model": "churn", "environments": {}, "gated": [], "versions": []}
    doc["versions"] = [view.version_doc(v) for v in reversed(built.versions)]
    listed = view.listing_text(doc).splitlines()
    assert listed[2].endswith("  registered with gto: no run, model or metrics on record")


def test_an_assignment_of_a_commit_with_no_version_counts_and_holds_as_gto_reads_it() -> None:
    """`gto assign churn COMMIT --stage staging --sr` (or the tag made by hand) on a commit
    with no version was skipped: the stage's counter never counted it, so every later
    promotion computed that tag again and failed ("the registry kept changing")."""
    built = state.build("churn", [*TAGS, tag("churn#staging#4", "c7")])
    stray = built.stray("staging")
    assert stray is not None and (stray.tag, stray.commit, stray.n) == ("churn#staging#4", "c7", 4)
    assert built.next_n("staging") == 5
    assert built.current("staging").version == "v0.2.0"  # the latest version it holds
    assert built.accounts_for("churn#staging#4") and not built.accounts_for("churn#staging#5")
    assert built.stray("production") is None
    # a version assigned after it holds the stage again, for gto as for mlgate
    later = state.build(
        "churn", [*TAGS, tag("churn#staging#4", "c7"), tag("churn#staging#5", "c1")]
    )
    assert later.stray("staging") is None and later.current("staging").version == "v0.1.0"
    # gto's withdrawal of the commit gives the stage back, and counts too
    taken = state.build(
        "churn", [*TAGS, tag("churn#staging#4", "c7"), tag("churn#staging!#5", "c7")]
    )
    assert taken.stray("staging") is None and taken.next_n("staging") == 6
    assert taken.current("staging").version == "v0.2.0"


def test_a_long_version_keeps_the_listing_in_columns() -> None:
    """v0.2.3-rc.1 pushed its commit and date out of line with the others (audit X)."""
    from mlgate.registry import view

    built = state.build("churn", [tag("churn@v0.2.3-rc.1", "c3"), tag("churn@v1.0.0", "c1")])
    doc = {"model": "churn", "environments": {"production-eu-west": "v1.0.0"}, "gated": []}
    doc["versions"] = [view.version_doc(v) for v in reversed(built.versions)]
    listed = view.listing_text(doc).splitlines()
    rows = [line for line in listed if line.startswith("    v")]
    assert len(rows) == 2
    commits = {row.index(" c1") if " c1" in row else row.index(" c3") for row in rows}
    assert len(commits) == 1  # each commit starts in the same column
    assert listed[1] == "  production-eu-west v1.0.0"
