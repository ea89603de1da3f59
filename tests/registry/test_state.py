"""The registry read from its tags: pure rules, no git."""

from __future__ import annotations

import pytest

from mlgate.registry import state
from mlgate.registry import tags as T


def tag(name: str, commit: str, record: dict | None = None, created: str = "2026-01-01") -> T.Tag:
    subject = "gto wrote this"
    return T.Tag(name=name, commit=commit, created=created,
                 message=T.message(subject, record) if record is not None else subject)


TAGS = [
    tag("churn@v0.1.0", "c1", {"verdict": "passed"}),
    tag("churn@v0.10.0", "c3", {"verdict": "passed"}),
    tag("churn@v0.2.0", "c2", {"verdict": "passed"}),
    tag("churn#staging#1", "c1", {"version": "v0.1.0"}),
    tag("churn#staging#2", "c2", {"version": "v0.2.0"}),
    tag("churn#staging#3", "c2"),  # gto's own tag: the version is the one at its commit
    tag("churn#production#1", "c1", {"version": "v0.1.0"}),
    tag("other@v9.0.0", "c9", {}), tag("churn-v2@v1.0.0", "c9", {}),
    tag("churn#staging#x", "c1"), tag("release-1", "c1"),
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
    assert built.previous("staging").version == "v0.1.0"  # #3 re-assigned v0.2.0
    assert built.next_n("staging") == 4 and built.next_n("qa") == 1
    assert built.ever_in("production", "v0.1.0") and not built.ever_in("production", "v0.2.0")
    assert built.previous("production") is None
    assert built.stages() == ("production", "staging")


@pytest.mark.parametrize(("text", "record"), [
    (T.message("s", {"a": 1}), {"a": 1}),
    ("Registering artifact x version v1.0.0", None),  # gto wrote it: no record
])
def test_a_record_is_read_only_when_mlgate_wrote_one(text: str, record) -> None:
    assert T.record_of(text) == record


@pytest.mark.parametrize(("text", "said"), [
    ("s\n\nmlgate-record: {not json", "its record is not JSON"),
    ("s\n\nmlgate-record: [1, 2]", "its record is a JSON list, not an object"),
])
def test_a_torn_record_is_told_apart_from_none(text: str, said: str) -> None:
    with pytest.raises(T.CorruptRecord, match=said):
        T.record_of(text)
    built = state.build("m", [T.Tag(name="m@v1.0.0", commit="c1", message=text,
                                     created="2026-01-01T00:00:00+00:00")])
    assert built.version("v1.0.0").problem.startswith(f"tag m@v1.0.0 is corrupt: {said}")


def test_delivery_figures_from_the_history() -> None:
    import datetime as dt

    from mlgate.registry import stats

    tags = [
        tag("churn@v0.1.0", "c1", {"verdict": "passed"}),
        tag("churn@v0.2.0", "c2", {"verdict": "passed"}),
        tag("churn@v0.3.0", "c3", {"verdict": "passed"}),
        tag("churn#production#1", "c1", {"version": "v0.1.0"}, "2026-11-02T00:00:00+00:00"),
        tag("churn#production#2", "c2", {"version": "v0.2.0"}, "2026-11-09T00:00:00+00:00"),
        tag("churn#production#3", "c1", {"version": "v0.1.0", "rollback": True},
            "2026-11-09T06:00:00+00:00"),
        tag("churn#production#4", "c3", {"version": "v0.3.0"}, "2026-11-16T00:00:00+00:00"),
    ]
    committed = {"c1": "2026-11-01T00:00:00+00:00", "c2": "2026-11-08T12:00:00+00:00",
                 "c3": "2026-11-15T00:00:00+00:00"}
    found = stats.delivery(state.build("churn", tags), "production", committed,
                           now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    assert (found.promotions, found.rollbacks) == (3, 1)
    assert found.per_week == 1.0  # three in the three weeks since the first
    assert found.lead_time_h == 24.0  # 24 h, 12 h, 24 h
    assert found.change_failure_rate == 0.333
    empty = stats.delivery(state.build("churn", tags), "staging", committed,
                           now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    assert (empty.promotions, empty.per_week, empty.change_failure_rate) == (0, None, None)
