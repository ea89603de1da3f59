"""A model check decides at its bound as a gate does: a figure at the bound but for
floating-point rounding is at it. A balanced accuracy of exactly 9/20, computed as
0.44999999999999996, failed `min: 0.45` beside a gate on the same figure that passed,
saying "0.4500, 0.0000 below the minimum 0.45"."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from mlgate.compare import gates
from mlgate.manifest.spec import FairnessCheck, Gate, MetricCheck
from mlgate.model import checks
from mlgate.model.fairness import Figure


def test_a_figure_at_its_bound_but_for_rounding_passes_as_the_gate_on_it_does() -> None:
    y_true = np.array([1] * 5 + [0] * 10)
    y_pred = np.array([1, 0, 0, 0, 0] + [0] * 7 + [1] * 3)  # recalls 1/5 and 7/10
    value = float(balanced_accuracy_score(y_true, y_pred))
    assert value != 0.45 and abs(value - 0.45) < 1e-15  # 9/20, as floating point has it
    check = MetricCheck(metric="balanced_accuracy", min=0.45, key="model_checks[0]")
    decided = checks.metric_checks((check,), {"balanced_accuracy": value}, {})[0]
    gate = gates.decide(Gate(metric="balanced_accuracy", min=0.45), value, None, has_baseline=False)
    assert (decided.status, gate.status) == ("passed", "passed")
    assert decided.message == "balanced_accuracy = 0.4500 (>= 0.45)"
    log_loss = MetricCheck(metric="log_loss", max=0.3, key="model_checks[1]")
    assert checks.metric_checks((log_loss,), {"log_loss": 0.1 + 0.2}, {})[0].status == "passed"


def test_a_figure_past_its_bound_is_printed_with_the_places_that_show_it() -> None:
    check = MetricCheck(metric="accuracy", min=1.0, key="model_checks[0]")
    decided = checks.metric_checks((check,), {"accuracy": 29_999 / 30_000}, {})[0]
    assert decided.status == "failed"
    assert decided.message == "accuracy = 0.99997, 0.00003 below the minimum 1"
    over = MetricCheck(metric="log_loss", max=0.3, key="model_checks[1]")
    assert checks.metric_checks((over,), {"log_loss": 0.31}, {})[0].message == (
        "log_loss = 0.3100, 0.0100 above the maximum 0.3"
    )
    # a bound of five places: the figure at four read 0.9648, "0.00001 below 0.96482",
    # which by hand is 0.00002 below
    fine = MetricCheck(metric="accuracy", min=0.96482, key="model_checks[2]")
    assert checks.metric_checks((fine,), {"accuracy": 0.964813}, {})[0].message == (
        "accuracy = 0.96481, 0.00001 below the minimum 0.96482"
    )


def test_fairness_bounds_allow_for_rounding_too() -> None:
    ratio = 0.1 + 0.7  # 0.7999999999999999
    check = FairnessCheck(fairness="demographic_parity_ratio", sensitive="sex", min=0.8)
    figure = Figure(
        metric="demographic_parity_ratio", groups=2, value=ratio, low=0.7, high=0.9, confidence=0.95
    )
    assert checks.fairness_check(check, figure).status == "passed"
    assert checks.fairness_check(check, Figure(**{**figure.__dict__, "value": 0.79})).status == (
        "failed"
    )


def test_a_bound_is_said_as_written_and_a_fairness_figure_past_it_with_its_places() -> None:
    """`max: 52.23538` was said with six digits: "52.2354, 0.000004 above the maximum
    52.2354"; a fairness ratio of 0.79997 read "0.8000: below the minimum 0.8"."""
    rmse = MetricCheck(metric="rmse", max=52.23538, key="model_checks[0]")
    (over,) = checks.metric_checks((rmse,), {"rmse": 52.235384}, {})
    assert over.rule == "<= 52.23538"
    assert over.message == "rmse = 52.235384, 0.000004 above the maximum 52.23538"
    check = FairnessCheck(fairness="demographic_parity_ratio", sensitive="sex", min=0.8)
    near = Figure(
        metric="demographic_parity_ratio",
        groups=2,
        value=0.79997,
        low=0.7,
        high=0.9,
        confidence=0.95,
    )
    said = checks.fairness_check(check, near).message
    assert said.startswith("demographic_parity_ratio = 0.79997 across 2 groups of sex")
    assert said.endswith(": below the minimum 0.8")
    failed = checks.fairness_check(check, near)
    assert (failed.status, failed.bound, failed.observed) == ("failed", 0.8, 0.79997)
    # a passed one crossed nothing: no bound, as a passed metric check has none
    assert checks.fairness_check(check, replace(near, value=0.9)).bound is None
