"""Manifest data that passed the schema and the semantic checks -> typed values, with
the defaults a ten-line manifest leaves out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mlgate.manifest.spec import (
    DEFAULT_ARTIFACTS,
    Column,
    Command,
    Compare,
    Data,
    Discover,
    DockerTarget,
    Drift,
    DriftColumn,
    Environment,
    Evaluate,
    FairnessCheck,
    Forks,
    Freshness,
    Gate,
    Importance,
    LatencyCheck,
    LatencySpec,
    Manifest,
    MetricCheck,
    Monitor,
    PytestCheck,
    Quantile,
    Registry,
    RobustnessCheck,
    RobustnessKind,
    Slicing,
    Sweep,
    Train,
)
from mlgate.yaml_source import Document, format_path

T = TypeVar("T")
DEFAULT_MODEL = "models/model.joblib"
DEFAULT_PARAMS = "params.yaml"
DEFAULT_TIMEOUT_S = 3600.0
DEFAULT_EVALUATE_TIMEOUT_S = 600.0
DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")  # 1h30m; the schema's pattern


def seconds(value: float | str) -> float:
    """`90` -> 90.0, `1h30m` -> 5400.0 (the schema has vetted the form)."""
    if isinstance(value, int | float):  # JSON Schema's integer admits 90.0
        return float(value)
    match = DURATION.match(value)
    assert match is not None
    hours, minutes, secs = (int(g) if g else 0 for g in match.groups())
    return float(hours * 3600 + minutes * 60 + secs)


def params_file(raw: object, root: Path) -> str | None:
    """train.params, else params.yaml when there is one (as DVC's default); read
    defensively, since it is asked before the build (for the params file's problems)."""
    train = raw.get("train") if isinstance(raw, dict) else None
    named = train.get("params") if isinstance(train, dict) else None
    if named is not None:
        return named if isinstance(named, str) else None
    return DEFAULT_PARAMS if (root / DEFAULT_PARAMS).is_file() else None


def build(doc: Document, *, path: Path, root: Path, sha256: str) -> Manifest:
    """Typed manifest from data that passed the schema and the semantic checks."""
    raw: dict[str, Any] = doc.data  # type: ignore[assignment]
    data, train = raw["data"], raw["train"]
    checks = data.get("checks", {})
    evaluate = raw.get("evaluate", {})
    params = params_file(raw, root)
    return Manifest(
        path=path,
        root=root,
        version=raw.get("version", 1),
        name=raw["name"],
        description=raw.get("description", ""),
        data=Data(
            train=data["train"],
            test=data["test"],
            target=data["target"],
            format=data.get("format", "auto"),
            id=data.get("id"),
            features=tuple(data["features"]) if "features" in data else None,
            columns=tuple(_column(n, s) for n, s in data.get("columns", {}).items()),
            rows_min=checks.get("rows", {}).get("min"),
            rows_max=checks.get("rows", {}).get("max"),
            duplicates_max_fraction=checks.get("duplicates", {}).get("max_fraction"),
            leakage=checks.get("leakage", False),
            prepare=_command(data["prepare"]) if "prepare" in data else None,
            reference=data.get("reference"),
            drift=_drift(checks.get("drift", False)),
            expressions=tuple(checks.get("expressions", ())),
            target_min_fraction=checks.get("target_balance", {}).get("min_fraction"),
            same_schema=checks.get("same_schema", False),
            freshness=_freshness(checks.get("freshness")),
        ),
        train=Train(
            command=_command(
                train["command"] if "command" in train else ["dvc", "repro", train["dvc"]],
                train.get("timeout"),
                train.get("env"),
                train.get("pass_env"),
            ),
            dvc_stage=train.get("dvc"),
            model=train.get("outputs", {}).get("model", DEFAULT_MODEL),
            params=params,
        ),
        evaluate=Evaluate(
            task=evaluate.get("task"),
            metrics=tuple(evaluate["metrics"]) if "metrics" in evaluate else None,
            positive_label=evaluate.get("positive_label"),
            timeout_s=seconds(evaluate["timeout"])
            if "timeout" in evaluate
            else DEFAULT_EVALUATE_TIMEOUT_S,
            slices=tuple(
                _slicing(s, format_path(("evaluate", "slices", i), raw))
                for i, s in enumerate(evaluate.get("slices", ()))
            ),
            min_slice_rows=evaluate.get("min_slice_rows", 30),
            predict=evaluate.get("predict"),
            importance=_importance(evaluate.get("importance", False)),
            discover=_discover(evaluate.get("discover", False)),
            latency=_latency(evaluate.get("latency", False)),
            intervals=evaluate.get("intervals", False),
            predict_proba=evaluate.get("predict_proba"),
        ),
        model_checks=_checks_of(raw, "metric", _metric_check),
        fairness_checks=_checks_of(raw, "fairness", _fairness_check),
        pytest_checks=_checks_of(raw, "pytest", _pytest_check),
        latency_checks=_checks_of(raw, "latency", _latency_check),
        robustness_checks=_checks_of(raw, ROBUSTNESS, _robustness),
        compare=_compare(raw.get("compare", {}), raw),
        forks=_forks(raw.get("forks", {})),
        registry=Registry(artifacts=raw.get("registry", {}).get("artifacts", DEFAULT_ARTIFACTS)),
        environments=tuple(_environment(n, s) for n, s in raw.get("environments", {}).items()),
        monitor=_monitor(raw.get("monitor", {})),
        sweep=_sweep(raw.get("sweep", {})),
        sha256=sha256,
        lines={  # a key where there is one; list items have only their value's position
            format_path(p, raw): (m.line, m.column)
            for p, m in {**doc.value_marks, **doc.key_marks}.items()
        },
    )


def _compare(spec: dict[str, Any], raw: dict[str, Any]) -> Compare:
    baseline = spec.get("baseline", "auto")
    if isinstance(baseline, dict):
        kind, value = next(iter(baseline.items()))
        kind = {"ref": "git"}.get(kind, kind)
    else:
        value = baseline
        kind = baseline if baseline in ("auto", "none") else "git"
    return Compare(
        baseline=value,
        baseline_kind=kind,
        required=spec.get("required", False),
        metrics_files=tuple(spec.get("metrics", ())),
        confidence=spec.get("confidence", 0.95),
        resamples=spec.get("resamples", 1000),
        seed=spec.get("seed", 0),
        gates=tuple(
            Gate(
                metric=name,
                min=g.get("min"),
                max=g.get("max"),
                min_change=g.get("min_change"),
                max_change=g.get("max_change"),
                min_relative_change=g.get("min_relative_change"),
                max_relative_change=g.get("max_relative_change"),
                significance=g.get("significance", "none"),
                greater_is_better=g.get("greater_is_better"),
                missing_passes=g.get("missing", "fail") == "pass",
                slices=g.get("slices", False),
                key=format_path(("compare", "gates", name), raw),
            )
            for name, g in spec.get("gates", {}).items()
        ),
    )


def _latency(spec: bool | dict[str, Any]) -> LatencySpec | None:
    if spec is False:
        return None
    given = spec if isinstance(spec, dict) else {}
    return LatencySpec(
        batches=tuple(given.get("batches", (1, 100, 1000))),
        seconds=seconds(given["seconds"]) if "seconds" in given else 1.0,
    )


def _discover(spec: bool | dict[str, Any]) -> Discover | None:
    if spec is False:
        return None
    given = spec if isinstance(spec, dict) else {}
    return Discover(
        metric=given.get("metric"), worst=given.get("worst", 5), bins=given.get("bins", 4)
    )


def _importance(spec: bool | dict[str, Any]) -> Importance | None:
    if spec is False:
        return None
    given = spec if isinstance(spec, dict) else {}
    return Importance(
        metric=given.get("metric"),
        repeats=given.get("repeats", 5),
        max_rows=given.get("max_rows", 10_000),
        seed=given.get("seed", 0),
    )


def _checks_of(
    raw: dict[str, Any], kinds: str | tuple[str, ...], build: Callable[[dict[str, Any], str], T]
) -> tuple[T, ...]:
    """The model_checks items of one kind (by the key that names it), built."""
    named = (kinds,) if isinstance(kinds, str) else kinds
    return tuple(
        build(c, format_path(("model_checks", i), raw))
        for i, c in enumerate(raw.get("model_checks", []))
        if any(kind in c for kind in named)
    )


def _metric_check(spec: dict[str, Any], key: str) -> MetricCheck:
    return MetricCheck(metric=spec["metric"], min=spec.get("min"), max=spec.get("max"), key=key)


def _fairness_check(spec: dict[str, Any], key: str) -> FairnessCheck:
    return FairnessCheck(
        fairness=spec["fairness"],
        sensitive=spec["sensitive"],
        min=spec.get("min"),
        max=spec.get("max"),
        significance=spec.get("significance", "none"),
        key=key,
    )


def _pytest_check(spec: dict[str, Any], key: str) -> PytestCheck:
    timeout = seconds(spec["timeout"]) if "timeout" in spec else DEFAULT_EVALUATE_TIMEOUT_S
    return PytestCheck(path=spec["pytest"], timeout_s=timeout, key=key)


def _latency_check(spec: dict[str, Any], key: str) -> LatencyCheck:
    return LatencyCheck(
        batch=spec["latency"]["batch"],
        p50_ms=spec.get("p50_ms"),
        p95_ms=spec.get("p95_ms"),
        p99_ms=spec.get("p99_ms"),
        key=key,
    )


ROBUSTNESS: tuple[RobustnessKind, ...] = ("invariance", "noise", "nulls", "unseen", "directional")


def _robustness(spec: dict[str, Any], key: str) -> RobustnessCheck:
    kind = next(k for k in ROBUSTNESS if k in spec)
    named = spec[kind]
    return RobustnessCheck(
        kind=kind,
        columns=(named,) if isinstance(named, str) else tuple(named),
        max_changed_fraction=spec.get("max_changed_fraction"),
        scale=spec.get("scale", 0.01),
        fraction=spec.get("fraction", 0.1),
        by=spec.get("by", 1.0),
        expect=spec.get("expect", "increase"),
        tolerance=spec.get("tolerance", 0.01),
        key=key,
    )


def _slicing(spec: str | dict[str, Any], key: str) -> Slicing:
    if isinstance(spec, str):
        return Slicing(columns=(spec,), key=key)
    bins = spec.get("bins")
    return Slicing(
        columns=tuple(spec["columns"]) if "columns" in spec else (spec["column"],),
        bins=tuple(float(b) for b in bins) if isinstance(bins, list) else bins,
        key=key,
    )


def _environment(name: str, spec: dict[str, Any]) -> Environment:
    deploy = spec.get("deploy", {})
    github = deploy.get("github", False)
    docker = deploy.get("docker")
    return Environment(
        name=name,
        on=spec.get("on", "manual"),
        requires=spec.get("requires"),
        deploy=_command(deploy["command"]) if "command" in deploy else None,
        docker=DockerTarget(
            image=docker["image"],
            build=docker.get("build", True),
            push=docker.get("push", True),
            platform=docker.get("platform"),
        )
        if docker is not None
        else None,
        github=bool(github),
        url=github.get("url") if isinstance(github, dict) else None,
    )


def _forks(spec: dict[str, Any]) -> Forks:
    files = spec.get("data", {})
    return Forks(
        prepare=spec.get("prepare", True), train=files.get("train"), test=files.get("test")
    )


def _column(name: str, spec: dict[str, Any]) -> Column:
    values = spec.get("values")
    return Column(
        name=name,
        type=spec.get("type"),
        nullable=spec.get("nullable", True),
        required=spec.get("required", True),
        min=spec.get("min"),
        max=spec.get("max"),
        values=tuple(values) if values is not None else None,
        pattern=spec.get("pattern"),
        unique=spec.get("unique", False),
        min_length=spec.get("min_length"),
        max_length=spec.get("max_length"),
        max_null_fraction=spec.get("max_null_fraction"),
        sorted=spec.get("sorted"),
        quantiles=tuple(
            Quantile(q=q["q"], min=q.get("min"), max=q.get("max"))
            for q in spec.get("quantiles", ())
        ),
        expression=spec.get("expression"),
    )


AGE_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def _freshness(spec: dict[str, Any] | None) -> Freshness | None:
    if spec is None:
        return None
    age: str = spec["max_age"]
    return Freshness(column=spec["column"], max_age_s=int(age[:-1]) * AGE_UNITS[age[-1]], shown=age)


def _sweep(spec: dict[str, Any]) -> Sweep:
    return Sweep(
        grid={k: tuple(v) for k, v in (spec.get("grid") or {}).items()},
        random=dict(spec.get("random") or {}),
        optuna=dict(spec.get("optuna") or {}),
        metric=spec.get("metric"),
        holdout=spec.get("holdout", 0.5),
    )


def _monitor(spec: dict[str, Any]) -> Monitor:
    return Monitor(
        data=spec.get("data"),
        stage=spec.get("stage", "production"),
        prepare=_command(spec["prepare"]) if "prepare" in spec else None,
        labels=spec.get("labels"),
        on_drift=spec.get("on_drift", "issue"),
        max_drop=spec.get("max_drop", 0.05),
        refresh=_command(spec["refresh"]) if "refresh" in spec else None,
    )


def _command(spec: Any, timeout: Any = None, env: Any = None, pass_env: Any = None) -> Command:
    if isinstance(spec, dict):
        return _command(spec["command"], spec.get("timeout"), spec.get("env"), spec.get("pass_env"))
    return Command(
        shell=spec if isinstance(spec, str) else None,
        argv=tuple(spec) if isinstance(spec, list) else None,
        timeout_s=seconds(timeout) if timeout is not None else DEFAULT_TIMEOUT_S,
        env={k: _env_value(v) for k, v in (env or {}).items()},
        pass_env=tuple(pass_env or ()),
    )


def _env_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _drift(raw: bool | dict[str, Any]) -> Drift | None:
    """`drift: true` is every default; `false` or absent, no drift check."""
    if raw is False:
        return None
    spec: dict[str, Any] = {} if raw is True else raw
    columns = spec.get("columns", "all")
    return Drift(
        columns=None if columns == "all" else tuple(columns),
        method=spec.get("method", "auto"),
        threshold=spec.get("threshold"),
        alpha=spec.get("alpha", 0.05),
        correction=spec.get("correction", "holm"),
        share=spec.get("share", 0.5),
        per_column={
            name: DriftColumn(method=c.get("method"), threshold=c.get("threshold"))
            for name, c in spec.get("per_column", {}).items()
        },
    )
