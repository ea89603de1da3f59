"""A gate's words come from report/gate_text.py; compare/ only decides. The expected texts
are what compare/gates.py and compare/comparison.py wrote before the wording moved."""

from __future__ import annotations

import pytest

from mlgate.compare import comparison
from mlgate.compare.distributions import PairedTest
from mlgate.compare.gates import decide, thresholds
from mlgate.manifest.spec import Gate
from mlgate.report import gate_text
from mlgate.result.records import PowerShortfall


def test_rule_lists_every_threshold_as_written() -> None:
    gate = Gate(
        metric="f1",
        min=0.8,
        max=0.99,
        min_change=-0.01,
        max_change=0.05,
        min_relative_change=-0.02,
        max_relative_change=0.1,
        significance="no significant drop",
    )
    assert gate_text.written(thresholds(gate)) == (
        ">= 0.8, <= 0.99, change >= -0.01, change <= +0.05, relative change >= -2%, "
        "relative change <= +10%, no significant drop"
    )
    assert gate_text.written(thresholds(Gate(metric="f1"))) == ""


def test_power_warning_names_the_margin_or_small_changes() -> None:
    assert gate_text.power_warning(114, 0.01, 0.0312345) == (
        "114 paired rows cannot reliably detect the 0.01 margin this gate asks for: they "
        "find a change of 0.0312 or more 4 times in 5 (80% power), a smaller one less often"
    )
    # a relative margin, -2% of a baseline of 0.9566, in the places a figure takes
    assert gate_text.power_warning(114, 0.02 * 0.9566, 0.0312345).startswith(
        "114 paired rows cannot reliably detect the 0.01913 margin this gate asks for: "
    )
    assert gate_text.power_warning(1, None, 0.5) == (
        "1 paired row cannot reliably detect small changes: they find a change of 0.5000 or "
        "more 4 times in 5 (80% power), a smaller one less often"
    )


def paired_test(delta: float, p_value: float, rows: int = 114) -> PairedTest:
    return PairedTest(
        method="paired t",
        rows=rows,
        delta=delta,
        ci_low=delta - 0.1,
        ci_high=delta + 0.1,
        p_value=p_value,
    )


def test_the_comparison_warns_through_gate_text() -> None:
    short = comparison._power_shortfall(
        Gate(metric="f1", min_change=-0.01), paired_test(0.0, 1.0), 0.0312345, baseline=0.9
    )
    assert short == PowerShortfall(rows=114, margin=0.01, detectable=0.0312345)
    assert gate_text.power(short) == gate_text.power_warning(114, 0.01, 0.0312345)
    wide = Gate(metric="f1", min_change=-0.05)
    assert comparison._power_shortfall(wide, paired_test(0.0, 1.0, 1000), 0.01, 0.9) is None


def test_a_relative_margin_is_warned_of_as_the_change_it_allows_on_the_baseline() -> None:
    """A gate of -2% relative on 114 rows that cannot see 0.03 said nothing: only
    absolute margins were weighed."""
    gate = Gate(metric="f1", min_relative_change=-0.02)
    short = comparison._power_shortfall(gate, paired_test(0.0, 1.0), 0.0312345, baseline=0.9)
    assert short is not None and short.detectable == 0.0312345
    assert short.margin == pytest.approx(0.018)
    assert (
        comparison._power_shortfall(gate, paired_test(0.0, 1.0), 0.0312345, baseline=None) is None
    )
    assert (
        comparison._power_shortfall(gate, paired_test(0.0, 1.0, 5000), 0.01, baseline=0.9) is None
    )


def test_a_significance_rule_alone_warns_only_when_it_held_for_want_of_evidence() -> None:
    """It warned on every such gate ("1,079 paired rows cannot reliably detect small
    changes") beside a gain with p = 3.7e-11: now only of a change for the worse these
    rows could not tell from noise."""
    gate = Gate(metric="f1", significance="no significant drop")
    unseen_drop = comparison._power_shortfall(gate, paired_test(-0.01, 0.4), 0.03, baseline=0.9)
    assert unseen_drop == PowerShortfall(rows=114, margin=None, detectable=0.03)
    assert comparison._power_shortfall(gate, paired_test(0.05, 1e-11), 0.03, baseline=0.9) is None
    assert comparison._power_shortfall(gate, paired_test(0.01, 0.4), 0.03, baseline=0.9) is None
    assert comparison._power_shortfall(gate, paired_test(-0.2, 1e-6), 0.03, baseline=0.9) is None
    lower = Gate(metric="rmse", significance="no significant drop")  # lower is better
    assert comparison._power_shortfall(lower, paired_test(0.5, 0.3), 0.9, baseline=20) is not None


CASES = [  # (gate, candidate, baseline, has_baseline, untested) -> the explanation
    (
        (Gate(metric="acc", min=0.95, max=0.9), 0.97, None, False, ""),
        "acc: 0.9700: 0.0700 above the maximum 0.9",
    ),
    (
        (Gate(metric="r2", min_relative_change=-0.02), -0.5, 0.0, True, ""),
        "r2: -0.5000 vs 0.0000 (-0.5000): relative change undefined (the baseline is 0)",
    ),
    (  # a rise from 0 is past any lower bound: it failed as "undefined"
        (Gate(metric="acc", min_relative_change=-0.02), 0.5, 0.0, True, ""),
        "acc: 0.5000 vs 0.0000 (+0.5000): relative change >= -2% holds",
    ),
    (
        (Gate(metric="acc", min_relative_change=-0.02), 0.5, 0.6, True, ""),
        "acc: 0.5000 vs 0.6000 (-0.1000): relative change -16.67% is below the allowed -2.00%",
    ),
    (
        (Gate(metric="acc", min_change=-0.01, missing_passes=True), None, 0.6, True, ""),
        "acc: no value on the candidate side; allowed by the gate",
    ),
    (
        (Gate(metric="acc", significance="no significant drop"), 0.5, 0.6, True, "one class"),
        "acc: 0.5000 vs 0.6000 (-0.1000): 'no significant drop' has no paired test: one class",
    ),
    (
        (Gate(metric="acc"), 0.5, 0.6, True, ""),
        "acc: 0.5000 vs 0.6000 (-0.1000): no threshold holds",
    ),
    (
        (Gate(metric="acc", min_change=-0.1, min=0.4), 0.5, None, False, ""),
        "acc: 0.5000; no baseline, so only absolute bounds were checked",
    ),
    (  # nothing was checked: it said "only absolute bounds were checked" of none
        (Gate(metric="acc", min_change=-0.1), 0.5, None, False, ""),
        "acc: 0.5000; no baseline, and the gate bounds only changes",
    ),
]


@pytest.mark.parametrize(("given", "said"), CASES)
def test_explanations_read_as_before(
    given: tuple[Gate, float | None, float | None, bool, str], said: str
) -> None:
    gate, candidate, baseline, has_baseline, untested = given
    found = decide(gate, candidate, baseline, has_baseline=has_baseline, untested=untested)
    assert gate_text.explanation(found) == said


def test_the_stage_line_says_how_many_failures_it_does_not_name() -> None:
    """It named three of four failed gates, and said nothing of the fourth."""
    from mlgate.result.records import Baseline, CompareStage, GateResult

    gates = tuple(
        GateResult(
            metric=m,
            status="failed",
            candidate=0.5,
            baseline=0.9,
            change=-0.4,
            relative_change=None,
            explanation=f"{m} dropped",
        )
        for m in ("f1", "accuracy", "log_loss", "brier_score")
    )
    stage = CompareStage(status="passed", baseline=Baseline(kind="git", name="main"), gates=gates)
    said = comparison._status(stage, required=False, exists=True)
    assert said.message == (
        "4 of 4 gates failed: f1 dropped; accuracy dropped; log_loss dropped; and 1 more "
        "(each in the report)"
    )


def test_the_verdict_names_the_thresholds_that_failed_not_those_that_held() -> None:
    """ "r2 >= 0.6, change >= -0.01, significant gain" named every bound of a gate whose
    r2 of 0.91 was well above 0.6: only the change and the test failed."""
    from mlgate.compare.gates import decide

    gate = Gate(metric="r2", min=0.6, min_change=-0.01, significance="significant gain")
    drop = PairedTest(
        method="delta method", rows=1200, delta=-0.03, ci_low=-0.05, ci_high=-0.01, p_value=0.003
    )
    found = decide(gate, 0.91, 0.94, has_baseline=True, test=drop)
    assert found.status == "failed"
    assert gate_text.rule(found) == ">= 0.6, change >= -0.01, significant gain"
    assert gate_text.broken(found) == "change >= -0.01, significant gain"
    low = decide(Gate(metric="r2", min=0.95, min_change=-0.5), 0.91, 0.94, has_baseline=True)
    assert gate_text.broken(low) == ">= 0.95"
    # a test that could not run fails the significance alone: r2 0.4709 >= 0.3 and a
    # change of +0.1057 held, and the verdict named them all as failed
    held = Gate(metric="r2", min=0.3, min_change=-0.02, significance="no significant drop")
    untested = decide(held, 0.4709, 0.3652, has_baseline=True, untested="too few rows")
    assert (untested.status, gate_text.broken(untested)) == ("failed", "no significant drop")


def test_a_p_value_just_below_the_runs_own_level_is_printed_below_it() -> None:
    """At 96% confidence a p of 0.03996 read "a significant rise, for the worse (..., p =
    0.04, ...)": a p-value equal to the level, called significant."""
    gate = Gate(metric="log_loss", significance="no significant drop")
    rise = PairedTest(
        method="paired bootstrap",
        rows=114,
        delta=0.03,
        ci_low=0.0003,
        ci_high=0.0684,
        p_value=0.03996004,
        confidence=0.96,
    )
    from dataclasses import replace

    from mlgate.compare.paired import recorded

    found = decide(gate, 0.3, 0.27, has_baseline=True, test=rise)
    found = replace(found, significance=recorded(rise))  # as the comparison attaches it
    assert found.status == "failed"
    assert "p = 0.03996," in gate_text.explanation(found)
