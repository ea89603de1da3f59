"""A decay whose p-value underflows to 0 read "p = <5e-324" in the monitor's alarm (audit
X, minor): a p-value after "p" is "= x" or "< 5e-324", as the gates say it."""

from __future__ import annotations

from mlgate import monitor, words
from mlgate.result.records import Significance


def _fell(p_value: float) -> str:
    change = Significance(
        method="permutation", rows=400, delta=-0.3, ci_low=-0.4, ci_high=-0.2,
        p_value=p_value, confidence=0.95,
    )  # fmt: skip
    performance = monitor.Performance(
        actual={"accuracy": 0.6}, labelled=400, changes={"accuracy": change}
    )
    [said] = monitor.fell(performance, {"accuracy": 0.9}, 0.05, "v1.0.0")
    return said


def test_an_underflowed_p_value_is_below_the_smallest_double_not_equal_to_it() -> None:
    assert "p < 5e-324; monitor.max_drop" in _fell(0.0)
    assert "p = 0.0021; monitor.max_drop" in _fell(0.0021)
    assert words.p_is(0.0) == "< 5e-324" and words.p_is(0.5) == "= 0.5"
