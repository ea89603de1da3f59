"""The 80%-power figure of a paired test is honest for the exact tests of the rows two
models answer apart (audit P, finding 2): 500 rows with 1 to 3 answered apart were said to
detect a change of 0.0056 of accuracy (and 0.0069 of f1_macro), where exact McNemar and
the exact swaps cannot call any change significant (p at least 0.25), and an accuracy gate
asking for 0.01 (5 rows, whose smallest exact p is 0.0625) got no warning."""

from __future__ import annotations

import itertools
import math

import jsonschema
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import f1_score

from mlgate.compare import comparison
from mlgate.compare.distributions import fewest_apart
from mlgate.compare.significance import detectable_change, paired_test
from mlgate.manifest.spec import Gate
from mlgate.report import gate_text
from mlgate.result import document
from mlgate.result.records import PowerShortfall

ROWS, CLASSES = 500, 10
Z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)  # 2.8016
ACCURACY_GATE = Gate(metric="accuracy", min_change=-0.01, significance="no significant drop")


def ten_classes(worse: int, better: int = 0, *, seed: int = 0):
    """500 rows of ten classes; the baseline wrong on 60 of them, the candidate answering
    `worse` more rows wrongly and `better` of the baseline's wrong ones rightly."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, CLASSES, ROWS)
    base = y.copy()
    base[:60] = (y[:60] + 1) % CLASSES
    cand = base.copy()
    cand[60 : 60 + worse] = (y[60 : 60 + worse] + 3) % CLASSES
    cand[:better] = y[:better]
    return y, cand, base


def scored(metric: str, y, cand, base, **options):
    return paired_test(
        metric, y_true=y, candidate_pred=cand, baseline_pred=base, n_classes=CLASSES, **options
    )


def exact_mcnemar_p(gains: int, losses: int) -> float:
    return stats.binomtest(gains, gains + losses, 0.5).pvalue if gains + losses else 1.0


@pytest.mark.parametrize("apart", [1, 2, 3])
def test_the_audits_case_warns_that_no_change_can_be_detected(apart: int) -> None:
    y, cand, base = ten_classes(apart)
    for metric in ("accuracy", "f1_macro", "cohen_kappa", "matthews_corrcoef", "balanced_accuracy"):
        found = scored(metric, y, cand, base)
        assert found.apart == apart
        # by hand: the most extreme way `apart` rows can fall, all one way, has p 2 / 2^apart
        assert exact_mcnemar_p(apart, 0) == pytest.approx(2 / 2**apart)
        assert 2 / 2**apart >= 0.25
        assert found.p_value >= 2 / 2**apart  # what the gate's own test says
        assert not found.ci_low > 0 and not found.ci_high < 0
        # the normal approximation gave a finite figure; the exact test can say nothing
        assert 0 < Z * found.std_error < 0.011
        assert detectable_change(found) == math.inf
    accuracy = scored("accuracy", y, cand, base)
    assert Z * accuracy.std_error < 0.01  # 0.0056 at 1 row apart: no warning, before
    short = comparison._power_shortfall(ACCURACY_GATE, accuracy, math.inf, baseline=0.88)
    assert short == PowerShortfall(rows=500, margin=0.01, detectable=None, apart=apart, needed=6)
    said = gate_text.power(short)
    assert said == (
        "500 paired rows cannot detect the 0.01 margin this gate asks for, nor any change: "
        f"the two models answer only {apart} of them apart, and the exact test needs at "
        "least 6 rows answered apart to call a change significant"
    )
    # a significance rule alone, with the change for the worse, warns the same way
    alone = Gate(metric="f1_macro", significance="no significant drop")
    f1 = scored("f1_macro", y, cand, base)
    short = comparison._power_shortfall(alone, f1, detectable_change(f1), baseline=0.88)
    assert short is not None and short.detectable is None and short.margin is None
    assert gate_text.power(short).startswith("500 paired rows cannot detect any change: ")
    # run.json keeps it: null where no change is detectable, and the rows it would take
    kept = document.to_dict(short)
    assert kept == {"rows": 500, "margin": None, "detectable": None, "apart": apart, "needed": 6}
    schema = document.schema()
    jsonschema.validate(kept, {**schema["$defs"]["power_shortfall"], "$defs": schema["$defs"]})


def test_an_accuracy_gate_of_001_on_500_rows_warns_whatever_the_discordance() -> None:
    """5 rows (0.01) can never be significant with exact McNemar at 0.05 (b = 0, c = 5
    gives p = 0.0625); a net 6 rows (0.012) is the least that can."""
    assert exact_mcnemar_p(0, 5) == pytest.approx(0.0625)
    assert exact_mcnemar_p(0, 6) == pytest.approx(0.03125)
    assert fewest_apart(0.95) == 6
    # by hand: the least k with 2 * 0.5^k below alpha, at each confidence
    for confidence in (0.8, 0.9, 0.95, 0.99, 0.999):
        alpha = 1 - confidence
        assert fewest_apart(confidence) == min(k for k in range(1, 40) if 2 * 0.5**k < alpha)
    for worse in range(1, 12):
        y, cand, base = ten_classes(worse)
        found = scored("accuracy", y, cand, base)
        detectable = detectable_change(found)
        assert detectable > 0.01  # so a 0.01 gate always warns
        short = comparison._power_shortfall(ACCURACY_GATE, found, detectable, baseline=0.88)
        assert short is not None and short.margin == 0.01


@pytest.mark.parametrize(("worse", "better"), [(6, 0), (8, 0), (9, 3), (12, 4), (20, 1)])
def test_the_figure_is_never_below_the_least_change_exact_mcnemar_calls_significant(
    worse: int, better: int
) -> None:
    y, cand, base = ten_classes(worse, better)
    found = scored("accuracy", y, cand, base)
    discordant = worse + better
    assert found.apart == discordant
    # by hand: every split of these discordant rows, its exact p and its net change
    significant = [
        abs(gains - (discordant - gains)) / ROWS
        for gains in range(discordant + 1)
        if exact_mcnemar_p(gains, discordant - gains) < 0.05
    ]
    assert found.least == pytest.approx(min(significant))
    normal = Z * math.sqrt(discordant - (better - worse) ** 2 / ROWS) / ROWS
    assert detectable_change(found) == pytest.approx(max(normal, min(significant)))
    # the figure, the p-value and the interval agree: a significant change is never
    # smaller than the least change the test can call significant
    assert found.significant() == (found.ci_high < 0 or found.ci_low > 0)
    if found.significant():
        assert abs(found.delta) >= found.least - 1e-12


def test_the_exact_swaps_least_significant_change_is_their_enumeration() -> None:
    """Three classes, 7 rows apart: every one of the 2^7 swaps scored by scikit-learn,
    each one's exact two-sided p, and the least change any of them makes significant."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 120)
    base = y.copy()
    base[:20] = (y[:20] + 1) % 3
    cand = base.copy()
    apart = [0, 1, 2, 30, 31, 32, 33]
    cand[:3] = y[:3]  # three of the baseline's mistakes put right
    cand[30:34] = (y[30:34] + 2) % 3  # four new mistakes
    found = paired_test("f1_macro", y_true=y, candidate_pred=cand, baseline_pred=base, n_classes=3)
    assert found.apart == len(apart)

    def f1(a: np.ndarray) -> float:
        return float(f1_score(y, a, average="macro"))

    changes = []
    for swap in itertools.product((False, True), repeat=len(apart)):
        c, b = cand.copy(), base.copy()
        for swapped, row in zip(swap, apart, strict=True):
            if swapped:
                c[row], b[row] = base[row], cand[row]
        changes.append(f1(c) - f1(b))
    deals = np.array(changes)
    tie = 1e-9

    def p(change: float) -> float:
        return min(1.0, 2 * min(np.mean(deals >= change - tie), np.mean(deals <= change + tie)))

    assert found.p_value == pytest.approx(p(f1(cand) - f1(base)))
    least = min(abs(d) for d in deals if p(d) < 0.05)
    assert found.least == pytest.approx(least)
    assert detectable_change(found) >= least


def test_with_many_rows_apart_the_figure_is_the_normal_approximation() -> None:
    """Where many rows differ (the audit's `pr-c`: accuracy's 0.0498), the exact test's
    least significant change is well below it, and the figure is as before."""
    y, cand, base = ten_classes(worse=50, better=30)
    accuracy = scored("accuracy", y, cand, base)
    discordant, net = 80, 30 - 50
    by_hand = Z * math.sqrt(discordant - net**2 / ROWS) / ROWS
    assert accuracy.least < by_hand
    assert detectable_change(accuracy) == pytest.approx(by_hand, rel=1e-12)
    f1 = scored("f1_macro", y, cand, base)  # too many swaps to weigh: sampled
    assert f1.least == 0.0 and f1.apart == discordant
    assert detectable_change(f1) == pytest.approx(Z * f1.std_error, rel=1e-12)
    short = comparison._power_shortfall(ACCURACY_GATE, accuracy, by_hand, baseline=0.88)
    assert short == PowerShortfall(rows=500, margin=0.01, detectable=by_hand)
    assert "4 times in 5 (80% power)" in gate_text.power(short)
