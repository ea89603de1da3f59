"""Rows pair by content: reordered, extended and duplicated test sets."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgate.compare.pairing import pair


def test_reordered_rows_pair_exactly() -> None:
    keys = np.array([11, 22, 33, 44], dtype=np.uint64)
    shuffled = keys[[2, 0, 3, 1]]
    paired = pair(keys, shuffled)
    assert paired.same_data and paired.rows == 4
    assert (keys[paired.candidate] == shuffled[paired.baseline]).all()
    assert paired.candidate.tolist() == [0, 1, 2, 3]


def test_extended_test_set_pairs_the_shared_rows_only() -> None:
    baseline = np.array([1, 2, 3], dtype=np.uint64)
    candidate = np.array([3, 9, 1, 2, 8], dtype=np.uint64)
    paired = pair(candidate, baseline)
    assert not paired.same_data and paired.rows == 3
    assert candidate[paired.candidate].tolist() == [3, 1, 2]
    assert baseline[paired.baseline].tolist() == [3, 1, 2]


def test_duplicates_pair_occurrence_by_occurrence() -> None:
    candidate = np.array([7, 7, 7], dtype=np.uint64)
    baseline = np.array([7, 7], dtype=np.uint64)
    paired = pair(candidate, baseline)
    assert paired.rows == 2
    assert sorted(paired.baseline.tolist()) == [0, 1]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 6), max_size=30), st.lists(st.integers(0, 6), max_size=30))
def test_pairing_matches_a_multiset_intersection(a: list[int], b: list[int]) -> None:
    from collections import Counter

    paired = pair(np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64))
    assert paired.rows == sum((Counter(a) & Counter(b)).values())
    assert len(set(paired.candidate.tolist())) == paired.rows
    assert len(set(paired.baseline.tolist())) == paired.rows
    assert [a[i] for i in paired.candidate] == [b[j] for j in paired.baseline]
