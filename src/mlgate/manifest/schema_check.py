"""JSON Schema findings -> located problems that say what was found and what is allowed."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlgate import spelling, words
from mlgate.errors import Problem
from mlgate.yaml_source import Document, KeyPath

_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


@functools.cache
def schema() -> dict[str, Any]:
    """The manifest's JSON Schema, as shipped inside the package."""
    # beside this module; importlib.resources would cost more than the whole validation
    loaded: dict[str, Any] = json.loads(Path(__file__).with_name("schema.json").read_text("utf-8"))
    return loaded


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def check(doc: Document) -> list[Problem]:
    """Every schema violation in the document, located and explained."""
    if _quickly_valid(doc.data):
        return []
    problems: list[Problem] = []
    for error in _validator().iter_errors(doc.data):
        for path, message, at_key in _explain(error):
            problems.append(doc.problem(path, message, key=at_key))
    return problems


@functools.cache
def _fast_validator() -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover (a dependency; the full check still runs)
        return None
    return jsonschema_rs.validator_for(schema())


def warm() -> None:
    """The fast validator built now (a sweep's fork server, before it forks workers)."""
    _fast_validator()


def _quickly_valid(data: object) -> bool:
    """True when jsonschema-rs accepts the data: importing it costs about half of what
    the `jsonschema` package does, which is then needed only to explain a rejection
    (docs/benchmarks.md). Anything it rejects or cannot judge goes to the full check."""
    validator = _fast_validator()
    try:
        return validator is not None and bool(validator.is_valid(data))
    except Exception:  # a value it cannot convert (an enormous integer): let jsonschema judge
        return False


Finding = tuple[KeyPath, str, bool]  # key path, message, point at the key (not its value)


def _explain(error: Any) -> Iterator[Finding]:
    path: KeyPath = tuple(error.absolute_path)
    kind, instance, expected = error.validator, error.instance, error.validator_value
    sub = error.schema

    if kind == "additionalProperties":
        allowed = sorted(sub.get("properties", {}))
        elsewhere = _other_kinds(sub) if path[:1] == ("model_checks",) else {}
        for key in sorted(set(instance) - set(allowed)):
            yield (*path, key), _unknown_key(key, allowed, elsewhere), True
    elif kind == "required":
        props = sub.get("properties", {})
        for key in expected:
            if key not in instance:
                what = _description(props.get(key, {}))
                yield path, f"missing required key '{key}'" + (f" ({what})" if what else ""), True
    elif kind == "type":
        said = f"expected {_expected_types(expected)}, found {_found(instance)}"
        yield (
            path,
            said + _as_a_fraction(path, instance, expected) + _swept_list(path, instance),
            False,
        )
    elif kind == "enum" and "propertyNames" in error.schema_path:  # a key that is no name
        yield (*path, instance), _not_one_of(instance, expected), True
    elif kind == "enum":
        yield path, _not_one_of(instance, expected) + _fairness_figure(path, instance), False
    elif kind == "const":
        yield path, f"expected {json.dumps(expected)}, found {_found(instance)}", False
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "greater than",
            "exclusiveMaximum": "less than",
        }[kind]
        reason: Any = sub.get("x-why")  # why the bound is where it is: one, or by bound
        reason = reason.get(kind) if isinstance(reason, dict) else reason
        why = f": {reason}" if reason else ""
        yield path, f"must be {word} {_num(expected)}, found {_num(instance)}{why}", False
    elif kind == "maxItems":
        yield path, f"lists {len(instance)} items, and at most {expected} are allowed", False
    elif kind == "minLength":
        yield path, "must not be empty", False
    elif kind == "maxLength":
        yield path, f"must be at most {expected} characters, found {len(instance)}", False
    elif kind == "minItems":
        yield path, f"needs at least {words.count(expected, 'item')}", False
    elif kind == "uniqueItems":
        yield path, f"lists {_repeated(instance)} more than once", False
    elif kind == "minProperties":
        yield path, f"is empty; {_what_to_set(sub)}", False
    elif kind == "pattern" and "propertyNames" in error.schema_path:
        hint = sub.get("x-expected") or f"a name matching {expected}"
        yield (*path, instance), f"the key {_found(instance)} is not {hint}", True
    elif kind == "pattern":
        hint = sub.get("x-expected") or f"a string matching {expected}"
        yield path, f"found {_found(instance)}, expected {hint}", False
    elif kind == "propertyNames":
        for inner in error.context:
            yield path, f"the name {_found(inner.instance)} is not allowed here", False
    elif kind in ("anyOf", "oneOf"):
        yield from _explain_alternatives(error)
    else:  # pragma: no cover (a keyword the schema started using without a message here)
        yield path, error.message, False


def _explain_alternatives(error: Any) -> Iterator[Finding]:
    """Report the alternative the user evidently meant; else say which shapes are allowed."""
    path: KeyPath = tuple(error.absolute_path)
    branches = _branches(error)
    meant = {b: errs for b, errs in branches.items() if not any(map(_wrong_type, errs))}
    expected = error.schema.get("x-expected")
    only_required = all(e.validator == "required" for errs in meant.values() for e in errs)
    if len(meant) > 1 and only_required and expected:
        yield path, f"needs {expected}", True
    elif meant:
        keys = list(error.instance) if isinstance(error.instance, dict) else []
        alternatives = error.validator_value

        def likeness(b: int) -> tuple[float, int]:
            return _fit(keys, _properties(alternatives[b])), -len(meant[b])

        best = max(meant, key=likeness)
        if (
            isinstance(error.instance, dict)
            and len(meant) > 1
            and expected
            and not likeness(best)[0]
        ):
            found = ", ".join(f"'{k}'" for k in keys)
            said = f"holds {found}, none a key of what goes here; " if keys else ""
            yield path, f"{said}expected {expected}", False
            return
        for inner in meant[best]:
            yield from _explain(inner)
    else:
        if expected is None:
            types = [b.get("type") for b in error.validator_value]
            expected = _expected_types([t for t in types if isinstance(t, str)])
        yield path, f"expected {expected}, found {_found(error.instance)}", False


def keys_of(section: str) -> list[str]:
    """The keys a top-level section of the manifest takes (none for a plain value)."""
    return sorted(_properties(schema()["properties"].get(section, {})))


def _properties(branch: dict[str, Any]) -> set[str]:
    """The keys an alternative of the schema names (behind its $ref)."""
    ref = branch.get("$ref", "")
    if ref.startswith("#/$defs/"):
        branch = schema()["$defs"][ref.removeprefix("#/$defs/")]
    return set(branch.get("properties", {}))


def _fit(keys: list[str], properties: set[str]) -> float:
    """How well keys match an alternative: a key it names counts one, a misspelling of
    one half (`{sensitve: sex, metric: f1, max_gap: 0.1}` is a fairness check with a typo,
    not a metric check with two strange keys)."""
    named = sum(key in properties for key in keys)
    near = sum(1 for key in keys if key not in properties and spelling.closest(key, properties))
    return named + near / 2


def _branches(error: Any) -> dict[int, list[Any]]:
    by_branch: dict[int, list[Any]] = {}
    for inner in error.context:
        by_branch.setdefault(inner.relative_schema_path[0], []).append(inner)
    return by_branch


def _wrong_type(error: Any) -> bool:
    """The error says the value has another shape altogether, not a detail wrong."""
    if error.relative_path:
        return False
    if error.validator in ("anyOf", "oneOf"):
        return all(any(map(_wrong_type, errs)) for errs in _branches(error).values())
    return bool(error.validator == "type")


# keys people write for one that lives a level down (`train: {model: ...}`)
NESTED = {"model": "outputs", "model_path": "outputs"}

# each kind of model check, by its schema definition: its name and its shape
MODEL_CHECKS = {
    "metric_check": ("metric", "{metric: NAME, min/max: BOUND}"),
    "fairness_check": ("fairness", "{fairness: NAME, sensitive: COLUMN, max: BOUND}"),
    "robustness_check": ("robustness", "such as {invariance: email, max_changed_fraction: 0.01}"),
    "pytest_check": ("pytest", "{pytest: tests/model}"),
    "latency_check": ("latency", "{latency: {batch: 1}, p95_ms: 50}"),
}


def _unknown_key(key: str, allowed: list[str], elsewhere: dict[str, str] | None = None) -> str:
    """`elsewhere`: the keys of other kinds of the same thing (a model check's), each with
    what its kind is: a key of another kind is named as such, not as a misspelling of a
    key of this one (`max_changed_fraction` in a metric check is no 'max')."""
    listed = f"(allowed: {', '.join(allowed)})"
    others = elsewhere or {}
    if key in others:
        return (
            f"unknown key '{key}' {listed}; '{key}' is a key of {others[key]}, and a check is "
            "of one kind"
        )
    close = spelling.closest(key, allowed)
    hint = f"; {spelling.did_you_mean(close)}" if close else ""
    if not close and NESTED.get(key) in allowed:
        hint = f"; did you mean '{NESTED[key]}: {{model: ...}}'?"
    near = [] if close else spelling.closest(key, list(others))
    if near:
        return (
            f"unknown key '{key}' {listed}; did you mean '{near[0]}', a key of {others[near[0]]}?"
        )
    return f"unknown key '{key}'{hint} {listed}"


def _other_kinds(branch: dict[str, Any]) -> dict[str, str]:
    """For the schema of one kind of model check: each key only other kinds have, with
    the kind ("a fairness check ({fairness: NAME, ...})"); {} for anything else."""
    kinds = {name: _properties({"$ref": f"#/$defs/{name}"}) for name in MODEL_CHECKS}
    own = set(branch.get("properties", {}))
    if own not in kinds.values():
        return {}
    found: dict[str, str] = {}
    for name, keys in kinds.items():
        kind, shape = MODEL_CHECKS[name]
        for key in sorted(keys - own):
            found.setdefault(key, f"a {kind} check ({shape})")
    return found


def _fairness_figure(path: KeyPath, value: object) -> str:
    """A model check's metric that is a fairness figure: the kind of check that reads it."""
    if path[:1] != ("model_checks",) or path[-1:] != ("metric",):
        return ""
    figures = schema()["$defs"]["fairness_check"]["properties"]["fairness"]["enum"]
    if value not in figures:
        return ""
    return (
        f"; {value} is a fairness figure, checked by {{fairness: {value}, sensitive: COLUMN, "
        "max: BOUND}"
    )


LISTED = 12  # more allowed values than this are not all listed after a likely fix
# words people write for an allowed value that spelling alone would not find
SYNONYMS = {
    "ascending": "increasing",
    "asc": "increasing",
    "descending": "decreasing",
    "desc": "decreasing",
    "classifier": "classification",
    "regressor": "regression",
    "benjamini-hochberg": "bh",
    "fdr": "bh",
    # scikit-learn's names for metrics mlgate names shortly
    "mean_absolute_error": "mae",
    "mean_squared_error": "mse",
    "root_mean_squared_error": "rmse",
    "mean_absolute_percentage_error": "mape",
    "median_absolute_error": "median_ae",
    "mean_squared_log_error": "msle",
    "root_mean_squared_log_error": "rmsle",
    "auc": "roc_auc",
    # one-vs-rest, macro-averaged, is mlgate's roc_auc (scikit-learn's multi_class="ovr");
    # by spelling alone roc_auc_ovr was steered to one-vs-one, another figure (audit W, 4)
    "roc_auc_ovr": "roc_auc",
    "roc_auc_ovr_macro": "roc_auc",
    "roc_auc_ovo_macro": "roc_auc_ovo",
    "macro_f1": "f1_macro",
    "mcc": "matthews_corrcoef",
    "kappa": "cohen_kappa",
    "logloss": "log_loss",
    "brier": "brier_score",
    # the area under the precision-recall curve: scikit-learn's average_precision
    "pr_auc": "average_precision",
    "auc_pr": "average_precision",
    "auprc": "average_precision",
    "prc_auc": "average_precision",
    "ap": "average_precision",
}


PERCENT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)%")


def _as_a_fraction(path: KeyPath, instance: object, expected: object) -> str:
    """A percentage where a number is asked (`min_relative_change: 2%`, as the report
    writes the rule): the number to write, and for a change in the metric's own units, the
    key that takes a relative one."""
    number = expected == "number" or (isinstance(expected, list) and "number" in expected)
    if not (number and isinstance(instance, str) and PERCENT.fullmatch(instance.strip())):
        return ""
    from decimal import Decimal

    written = format((Decimal(instance.strip().removesuffix("%")) / 100).normalize(), "f")
    key = str(path[-1]) if path else ""
    if key in ("min_change", "max_change"):
        relative = key.replace("change", "relative_change")
        return (
            f"; a change is in the metric's own units: for {instance.strip()} of the "
            f"baseline's figure write {relative}: {written}"
        )
    return f"; write {instance.strip()} as {written}"


def _swept_list(path: tuple[object, ...], instance: object) -> str:
    """Why a list is no swept value, and what sweeps one: "found a list" alone left a
    params key holding layer sizes with nowhere to go (audit W, finding 6)."""
    if path[:1] != ("sweep",) or not isinstance(instance, (list, dict)):
        return ""
    return (
        "; a swept value stands in for one params value and cannot be a list or a mapping: "
        "sweep a name your training maps to one (`model.layout: [small, large]`)"
    )


def _not_one_of(instance: object, allowed: list[object]) -> str:
    """The likely fix first; a long list (32 metric names) only when there is none."""
    names = [str(a) for a in allowed]
    listed = f"expected one of: {', '.join(names)}"
    if isinstance(instance, str):
        plain = instance.lower().removesuffix("_score")  # f1_score, r2_score, roc_auc_score
        exact = [
            n
            for n in names
            if n.lower() in (instance.lower(), plain, SYNONYMS.get(instance.lower()))
        ]
        close = exact or spelling.closest(instance, names)
        if close and len(names) > LISTED:
            return (
                f"found {_found(instance)}; {spelling.did_you_mean(close)} "
                f"({len(names)} names are allowed: `mlgate schema` lists them)"
            )
        if close:
            return f"found {_found(instance)}, {listed}; {spelling.did_you_mean(close)}"
    if len(names) > LISTED:  # 64 names inline said less than where to read them
        return (
            f"found {_found(instance)} ({len(names)} names are allowed: `mlgate schema` lists them)"
        )
    return f"found {_found(instance)}, {listed}"


def _description(prop: dict[str, Any]) -> str:
    ref = prop.get("$ref", "")
    if "description" not in prop and ref.startswith("#/$defs/"):
        prop = schema()["$defs"][ref.removeprefix("#/$defs/")]
    text = prop.get("description", "")
    return text[0].lower() + text[1:].rstrip(".") if text else ""


def _expected_types(expected: str | list[str]) -> str:
    kinds = [expected] if isinstance(expected, str) else expected
    if len(kinds) == 1:
        return _TYPE_NAMES[kinds[0]]
    names = ["a boolean" if k == "boolean" else _TYPE_NAMES[k] for k in kinds]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _found(value: object) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__  # pragma: no cover (the YAML layer yields no other types)


def _num(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _what_to_set(sub: dict[str, Any]) -> str:
    """An empty mapping: one of its keys; where the keys are the user's own (params paths,
    environments), an entry of the shape the schema says."""
    keys = ", ".join(sorted(sub.get("properties", {})))
    if keys:
        return f"set at least one of: {keys}"
    if sub.get("x-expected"):
        return f"expected {sub['x-expected']}"
    values = sub.get("additionalProperties")
    shape = values.get("x-expected") if isinstance(values, dict) else None
    return f"name at least one key, each with {shape}" if shape else "name at least one key"


def _repeated(items: list[object]) -> str:
    seen: list[object] = []
    for item in items:
        if item in seen:
            return _found(item)
        seen.append(item)
    return "an item"  # pragma: no cover (uniqueItems failed, so something repeats)
