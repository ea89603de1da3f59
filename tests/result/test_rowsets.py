"""Training rows kept as a compact set of hashes: exact for members, rare false matches,
and small enough for run.json at a million rows."""

from __future__ import annotations

import json

import numpy as np

from mlgate.result import document, rowsets


def test_members_are_found_and_strangers_almost_never() -> None:
    rng = np.random.default_rng(0)
    trained = rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64)
    kept = rowsets.encode(np.r_[trained, trained[:100]])  # duplicates count once
    assert kept.rows == 50_100
    assert rowsets.contains(kept, trained).all()
    strangers = rng.integers(0, 2**64 - 1, 200_000, dtype=np.uint64)
    assert rowsets.contains(kept, strangers).sum() <= 2  # odds about 2**-20 each


def test_an_empty_set_holds_nothing() -> None:
    kept = rowsets.encode(np.array([], dtype=np.uint64))
    assert not rowsets.contains(kept, np.array([1, 2**63], dtype=np.uint64)).any()
    assert rowsets.contains(
        rowsets.encode(np.array([7], dtype=np.uint64)), np.array([], dtype=np.uint64)
    ).shape == (0,)


def test_a_million_training_rows_stay_small_in_json() -> None:
    keys = np.random.default_rng(1).integers(0, 2**64 - 1, 1_000_000, dtype=np.uint64)
    kept = rowsets.encode(keys)
    text = json.dumps(document.to_dict(kept))
    assert len(text) < 4.5e6  # about 4.4 bytes a row; the raw hashes would take 10.7 MB
    back = document.from_dict(type(kept), json.loads(text))
    assert rowsets.contains(back, keys[::1000]).all()
