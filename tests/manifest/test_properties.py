"""Whatever the text, the loader returns a Manifest or raises a located ManifestError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mlgate.errors import ManifestError
from mlgate.manifest import Manifest, parse
from tests.manifest.test_malformed import BASE

KEYS = [
    "name",
    "data",
    "train",
    "test",
    "target",
    "columns",
    "checks",
    "rows",
    "min",
    "max",
    "command",
    "timeout",
    "evaluate",
    "task",
    "metrics",
    "model_checks",
    "metric",
    "type",
    "values",
    "pattern",
    "prepare",
    "env",
    "outputs",
    "model",
    "params",
    "version",
]
ROOT = Path(tempfile.mkdtemp(prefix="mlgate-properties-"))
(ROOT / "data").mkdir(exist_ok=True)
for name in ("train.csv", "test.csv"):
    (ROOT / "data" / name).write_text("age,plan,churned\n30,pro,0\n")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=12))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)
SETTINGS = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def check(text: str | bytes) -> None:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    try:
        result = parse(raw, name="mlops.yaml", root=ROOT)
    except ManifestError as error:
        assert error.problems, "an error without problems"
        for problem in error.problems:
            assert problem.file == "mlops.yaml"
            assert problem.line >= 1 and problem.column >= 1
            assert problem.message and "Traceback" not in problem.message
        return
    assert isinstance(result, Manifest)


@SETTINGS
@given(documents)
def test_arbitrary_yaml_documents(document: object) -> None:
    check(yaml.safe_dump(document, allow_unicode=True))


@SETTINGS
@given(st.text(max_size=200))
@example("\ufeffname: x\n")
@example("name: x\n\x00")
@example("- - - [\n")
@example("? [a, b]\n: c\n")
@example("a: *unknown\n")
@example("a: &x [*x]\n")
@example("[" * 30_000 + "]" * 30_000)  # libyaml's C stack overflowed (SIGSEGV)
def test_arbitrary_text(text: str) -> None:
    check(text)


lines = BASE.splitlines(keepends=True)
mutations = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, len(lines) - 1)),
    st.tuples(st.just("duplicate"), st.integers(0, len(lines) - 1)),
    st.tuples(
        st.just("insert"),
        st.integers(0, len(lines)),
        st.builds(lambda k, v: f"{k}: {v}\n", keys, scalars),
    ),
    st.tuples(
        st.just("replace-char"),
        st.integers(0, len(BASE) - 1),
        st.sampled_from([*list(":-[]{}\t #&*!|>'\"%@`,?\n"), "x", "1", ""]),
    ),
    st.tuples(st.just("truncate"), st.integers(0, len(BASE))),
    st.tuples(st.just("retype"), st.integers(0, len(lines) - 1), scalars),
)


def mutate(text: str, mutation: tuple) -> str:
    kind, where, *rest = mutation
    current = text.splitlines(keepends=True)
    if not current:
        return text + (rest[0] if kind == "insert" else "")
    where = min(where, len(current) - (0 if kind == "insert" else 1))
    if kind == "delete":
        return "".join(current[:where] + current[where + 1 :])
    if kind == "duplicate":
        return "".join(current[: where + 1] + current[where:])
    if kind == "insert":
        return "".join([*current[:where], rest[0], *current[where:]])
    if kind == "replace-char":
        at = mutation[1] % len(text)
        return text[:at] + rest[0] + text[at + 1 :]
    if kind == "truncate":
        return text[: mutation[1]]
    line = current[where]  # retype: keep the key, give it a value of another type
    if ":" in line:
        head = line.split(":", 1)[0]
        current[where] = f"{head}: {yaml.safe_dump(rest[0], default_flow_style=True).strip()}"
        current[where] = current[where].removesuffix("...").rstrip() + "\n"
    return "".join(current)


@SETTINGS
@given(st.lists(mutations, min_size=1, max_size=4))
@example([("retype", 10, 90.0)])  # `timeout: 90.0` passed the schema and crashed the build
def test_mutations_of_a_valid_manifest(changes: list[tuple]) -> None:
    text = BASE
    for change in changes:
        text = mutate(text, change)
    check(text)


def test_alias_bombs_are_stopped() -> None:
    levels = zip("abcdefg", "bcdefgh", strict=True)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in levels
    )
    try:
        parse(bomb.encode(), name="mlops.yaml", root=ROOT)
    except ManifestError as error:
        assert [p.message for p in error.problems] == [
            "the manifest expands to more than 20000 values (through aliases); write it out plainly"
        ]
    else:
        raise AssertionError("a manifest of 10^8 values was accepted")


def agree(data: object) -> None:
    """The fast validator may only say yes where the reference validator finds nothing."""
    from jsonschema import Draft202012Validator

    from mlgate.manifest import schema_check

    if schema_check._quickly_valid(data):
        errors = list(Draft202012Validator(schema_check.schema()).iter_errors(data))
        assert errors == [], f"jsonschema-rs accepted what jsonschema rejects: {errors[0]}"


@SETTINGS
@given(documents)
def test_fast_and_reference_validators_agree_on_documents(document: object) -> None:
    agree(document)


@SETTINGS
@given(st.lists(mutations, min_size=1, max_size=4))
def test_fast_and_reference_validators_agree_on_mutations(changes: list[tuple]) -> None:
    from mlgate import yaml_source

    text = BASE
    for change in changes:
        text = mutate(text, change)
    try:
        doc = yaml_source.parse(text, "mlops.yaml")
    except yaml_source.YamlProblems:
        return
    agree(doc.data)


def test_the_fast_validator_is_in_use() -> None:
    from mlgate.manifest import schema_check

    assert schema_check._fast_validator() is not None
    assert schema_check._quickly_valid(yaml.safe_load(BASE))
    assert not schema_check._quickly_valid({"name": "x"})
