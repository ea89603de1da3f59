"""Model checks: the manifest's metric thresholds, decided as pure functions."""

from __future__ import annotations

from collections.abc import Mapping

from mlgate.manifest.spec import MetricCheck
from mlgate.result.records import CheckResult, Status


def metric_checks(
    checks: tuple[MetricCheck, ...],
    metrics: Mapping[str, float | None],
    errors: Mapping[str, str],
) -> list[CheckResult]:
    return [_metric_check(c, metrics.get(c.metric), errors.get(c.metric)) for c in checks]


def _metric_check(check: MetricCheck, value: float | None, error: str | None) -> CheckResult:
    rule = _rule(check)

    def verdict(status: Status, message: str) -> CheckResult:
        return CheckResult(
            id=f"model.metrics.{check.metric}",
            stage="model",
            subject=check.metric,
            rule=rule,
            status=status,
            message=message,
            observed=value,
            manifest_key=check.key,
        )

    if value is None:
        reason = error or "the metric was not computed"
        return verdict("error", f"{check.metric} unknown: {reason}")
    if check.min is not None and value < check.min:
        return verdict(
            "failed",
            f"{check.metric} = {value:.4f}, {check.min - value:.4f} below the minimum "
            f"{check.min:g}",
        )
    if check.max is not None and value > check.max:
        return verdict(
            "failed",
            f"{check.metric} = {value:.4f}, {value - check.max:.4f} above the maximum "
            f"{check.max:g}",
        )
    return verdict("passed", f"{check.metric} = {value:.4f} ({rule})")


def _rule(check: MetricCheck) -> str:
    if check.min is not None and check.max is not None:
        return f"between {check.min:g} and {check.max:g}"
    if check.min is not None:
        return f">= {check.min:g}"
    return f"<= {check.max:g}"
