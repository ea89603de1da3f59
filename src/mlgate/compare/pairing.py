"""Pair the test rows of two runs by content, so a comparison is like for like.

Each run keeps a 64-bit hash of every test row (features and target). Rows pair when
their hashes match; a hash that occurs several times pairs occurrence by occurrence, so
duplicated rows are neither lost nor counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True)
class Pairing:
    candidate: np.ndarray  # row indices into the candidate's predictions
    baseline: np.ndarray  # the matching row indices into the baseline's
    candidate_rows: int
    baseline_rows: int

    @property
    def rows(self) -> int:
        return len(self.candidate)

    @property
    def same_data(self) -> bool:
        """Both runs were scored on exactly the same rows (in any order)."""
        return self.rows == self.candidate_rows == self.baseline_rows


def subset(pairing: Pairing, keep: np.ndarray) -> Pairing:
    """Only the pairs `keep` marks (rows left out count as not paired)."""
    return Pairing(
        candidate=pairing.candidate[keep],
        baseline=pairing.baseline[keep],
        candidate_rows=pairing.candidate_rows,
        baseline_rows=pairing.baseline_rows,
    )


def pair(candidate_keys: np.ndarray, baseline_keys: np.ndarray) -> Pairing:
    cand_idx, cand_occ = _occurrences(candidate_keys)
    base_idx, base_occ = _occurrences(baseline_keys)
    # a row is (hash, n-th occurrence of that hash); intersect those as structured keys
    cand = np.rec.fromarrays([candidate_keys[cand_idx], cand_occ])
    base = np.rec.fromarrays([baseline_keys[base_idx], base_occ])
    _, in_cand, in_base = np.intersect1d(cand, base, assume_unique=True, return_indices=True)
    order = np.argsort(cand_idx[in_cand], kind="stable")
    return Pairing(
        candidate=cand_idx[in_cand][order],
        baseline=base_idx[in_base][order],
        candidate_rows=len(candidate_keys),
        baseline_rows=len(baseline_keys),
    )


def _occurrences(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices sorted by key, and each row's occurrence number among equal keys."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.r_[0, np.flatnonzero(ordered[1:] != ordered[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    return order, np.arange(len(keys)) - run_start
