"""The concept-drift message's figure is what reference rows scored alike would have got
right (each score band's reference rate times its production rows): it printed the test's
pooled expectation, which counts the production rows' own hits (473 of 600 where the
reference's rates give 584), understating the fall."""

from __future__ import annotations

import re

import numpy as np

from mlgate.model import estimate


def test_the_figure_said_is_the_reference_rows_rate_not_the_pooled_one() -> None:
    rng = np.random.default_rng(5)
    ref_score = rng.uniform(0.5, 1.0, 3000)
    ref_right = rng.uniform(size=3000) < ref_score  # calibrated: right as often as said
    score = rng.uniform(0.5, 1.0, 600)
    right = rng.uniform(size=600) < score - 0.3  # what a score means has changed
    said = estimate._labels_disagree((ref_score, ref_right), (score, right))
    found = re.search(r"right ([\d,]+) times, where .* have been right ([\d,.]+) times", said)
    assert found is not None, said
    strata = 10  # 3000 // 30, at most ten
    edges = np.unique(np.quantile(ref_score, np.linspace(0, 1, strata + 1)[1:-1]))
    ref_at, at = np.searchsorted(edges, ref_score, "right"), np.searchsorted(edges, score, "right")
    by_hand = sum((at == k).sum() * ref_right[ref_at == k].mean() for k in range(len(edges) + 1))
    assert int(found.group(1).replace(",", "")) == int(right.sum())
    assert float(found.group(2).replace(",", "")) == round(by_hand, 1)
    pooled = sum(
        (at == k).sum()
        * (right[at == k].sum() + ref_right[ref_at == k].sum())
        / ((at == k).sum() + (ref_at == k).sum())
        for k in range(len(edges) + 1)
    )
    assert abs(by_hand - pooled) > 20  # the two differ: the test can tell them apart
