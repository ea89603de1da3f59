"""A newcomer's mistakes, each a located problem (exit 2) at `validate` where the manifest
and the files already there can tell: a misspelt key of any kind of model check, an SQL
expression polars cannot read, a rule on a column of the wrong kind, a CSV row with more
fields than its header; and a data file read from outside the project, said as a warning,
with no word of a file that is not named as data ever printed."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from mlgate.errors import ManifestError
from mlgate.manifest import lint, outside, parse
from tests.manifest.texts import manifest

CSV = "age,plan,churned\n30,pro,0\n41,basic,1\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data/train.csv").write_text(CSV)
    (project / "data/test.csv").write_text(CSV)
    (project / "train.py").write_text("")
    return project


def problems(text: str, root: Path, *, files: bool = True) -> list[str]:
    with pytest.raises(ManifestError) as error:
        parse(text.encode(), name="mlops.yaml", root=root, files=files)
    return [str(p) for p in error.value.problems]


def warnings(text: str, root: Path) -> list[str]:
    loaded = parse(text.encode(), name="mlops.yaml", root=root)
    return [str(w) for w in lint.warnings(loaded, "mlops.yaml")]


# --- 1. every kind of model check: the misspelt key named, and the right one offered


@pytest.mark.parametrize(
    ("check", "said"),
    [
        (
            "{metr: f1, min: 0.9}",
            "model_checks[0].metr: unknown key 'metr'; did you mean 'metric'? (allowed: max, "
            "metric, min)",
        ),
        (
            "{fairnes: demographic_parity_difference, sensitive: plan, max: 0.1}",
            "model_checks[0].fairnes: unknown key 'fairnes'; did you mean 'fairness'? (allowed: "
            "fairness, max, min, sensitive, significance)",
        ),
        (
            "{fairness: demographic_parity_difference, sensitiv: plan, max: 0.1}",
            "model_checks[0].sensitiv: unknown key 'sensitiv'; did you mean 'sensitive'? "
            "(allowed: fairness, max, min, sensitive, significance)",
        ),
        (
            "{invariace: plan, max_changed_fraction: 0.01}",
            "model_checks[0].invariace: unknown key 'invariace'; did you mean 'invariance'? "
            "(allowed: by, directional, expect, fraction, invariance, max_changed_fraction, "
            "noise, nulls, scale, tolerance, unseen)",
        ),
        (
            "{noise: [age], scal: 0.05}",
            "model_checks[0].scal: unknown key 'scal'; did you mean 'scale'? (allowed: by, "
            "directional, expect, fraction, invariance, max_changed_fraction, noise, nulls, "
            "scale, tolerance, unseen)",
        ),
        (
            "{pytets: tests/model}",
            "model_checks[0].pytets: unknown key 'pytets'; did you mean 'pytest'? (allowed: "
            "pytest, timeout)",
        ),
        (
            "{latncy: {batch: 1}, p95_ms: 50}",
            "model_checks[0].latncy: unknown key 'latncy'; did you mean 'latency'? (allowed: "
            "latency, p50_ms, p95_ms, p99_ms)",
        ),
        (
            "{latency: {batch: 1}, p95ms: 50}",
            "model_checks[0].p95ms: unknown key 'p95ms'; did you mean 'p95_ms'? (allowed: "
            "latency, p50_ms, p95_ms, p99_ms)",
        ),
    ],
)
def test_a_misspelt_key_of_each_kind_of_model_check_is_named_with_the_right_one(
    root: Path, check: str, said: str
) -> None:
    """Each is said as the kind its keys are nearest (the allowed keys are that kind's),
    not as the kind of whichever key is spelt right."""
    found = problems(manifest(more=f"model_checks:\n  - {check}\n"), root, files=False)
    assert [p for p in found if "unknown key" in p] == [
        f"mlops.yaml:9:{found[-1].split(':')[2]}: {said}"
    ], found


@pytest.mark.parametrize(
    ("check", "said"),
    [
        (  # a key near no key of a metric check, and near one of a fairness check
            "{metric: f1, sensitiv: plan, max: 0.1}",
            "mlops.yaml:9:18: model_checks[metric=f1].sensitiv: unknown key 'sensitiv' "
            "(allowed: max, metric, min); did you mean 'sensitive', a key of a fairness check "
            "({fairness: NAME, sensitive: COLUMN, max: BOUND})?",
        ),
        (  # a robustness key is no misspelt 'max'
            "{metric: f1, max: 0.5, max_changed_fraction: 0.01}",
            "mlops.yaml:9:28: model_checks[metric=f1].max_changed_fraction: unknown key "
            "'max_changed_fraction' (allowed: max, metric, min); 'max_changed_fraction' is a "
            "key of a robustness check (such as {invariance: email, max_changed_fraction: "
            "0.01}), and a check is of one kind",
        ),
        (  # a fairness figure named as a metric
            "{metric: demographic_parity_difference, max: 0.1}",
            "mlops.yaml:9:14: model_checks[metric=demographic_parity_difference].metric: found "
            "'demographic_parity_difference' (64 names are allowed: `mlgate schema` lists "
            "them); demographic_parity_difference is a fairness figure, checked by {fairness: "
            "demographic_parity_difference, sensitive: COLUMN, max: BOUND}",
        ),
    ],
)
def test_a_key_of_another_kind_of_model_check_says_which_kind_it_belongs_to(
    root: Path, check: str, said: str
) -> None:
    found = problems(manifest(more=f"model_checks:\n  - {check}\n"), root, files=False)
    assert found == [said]


# --- 2. an SQL expression is parsed at validate, by polars' parser, at its line


def test_an_expression_polars_cannot_parse_is_located_at_validate(root: Path) -> None:
    text = manifest(extra="  checks:\n    expressions: ['age >= 18 AND', 'age > 0']\n")
    assert problems(text, root, files=False) == [
        "mlops.yaml:7:19: data.checks.expressions[0]: not a SQL expression polars can read: "
        "unable to parse 'age >= 18 AND' as Expr"
    ]


# --- 3. a rule on a column of the wrong kind, from the types of a file already there


def test_freshness_on_numbers_and_sorted_on_text_are_located_from_the_files(root: Path) -> None:
    text = manifest(
        extra="  columns:\n    plan: {sorted: increasing}\n"
        "  checks:\n    freshness: {column: age, max_age: 7d}\n"
    )
    assert problems(text, root) == [
        "mlops.yaml:7:12: data.columns.plan.sorted: 'sorted' applies to numbers and dates, and "
        "'plan' holds text in data/train.csv and data/test.csv: for dates written as text, "
        "declare type: datetime (then compared by their moment); else leave 'sorted' out",
        "mlops.yaml:9:25: data.checks.freshness.column: freshness reads a column of dates or "
        "times, and 'age' holds numbers in data/train.csv and data/test.csv: name one (a date "
        "type, or text such as 2026-12-01 or 2026-12-01T10:00:00Z)",
    ]


def test_a_parquet_files_types_are_read_from_its_footer(root: Path) -> None:
    frame = pl.DataFrame({"age": [30, 41], "plan": ["pro", "basic"], "churned": [True, False]})
    frame.write_parquet(root / "data/train.parquet")
    frame.write_parquet(root / "data/test.parquet")
    text = manifest(
        "data/train.parquet",
        "data/test.parquet",
        extra="  columns:\n    churned: {sorted: increasing}\n"
        "  checks:\n    freshness: {column: churned, max_age: 7d}\n",
    )
    assert [p.split(": ", 2)[2].split(" in ")[0] for p in problems(text, root)] == [
        "'sorted' applies to numbers and dates, and 'churned' holds true/false values",
        "freshness reads a column of dates or times, and 'churned' holds true/false values",
    ]


def test_a_rule_on_a_column_of_its_kind_or_declared_or_not_yet_written_is_left_alone(
    root: Path,
) -> None:
    rules = (
        "  columns:\n    age: {sorted: increasing}\n"
        "    plan: {type: datetime, sorted: increasing}\n"
        "  checks:\n    freshness: {column: plan, max_age: 7d}\n"
    )
    parse(manifest(extra=rules).encode(), name="mlops.yaml", root=root)  # valid
    prepared = manifest(
        extra="  prepare: python prepare.py\n" + rules.replace("type: datetime, ", "")
    )
    (root / "prepare.py").write_text("")
    parse(prepared.encode(), name="mlops.yaml", root=root)  # judged by the run's data checks


def test_an_expression_that_is_no_condition_on_the_files_columns_is_located(root: Path) -> None:
    """A type error, or a result that is not true/false, was an error of the run's data
    checks, after data.prepare; the files already there say it at validate. A column the
    files lack is left to the missing-column problem, and a file not yet written (or JSON
    Lines, typed from every record) to the run."""
    text = manifest(
        extra="  columns:\n    age: {expression: age * 2}\n"
        "  checks:\n    expressions: ['plan > 3', 'age >= 18', \"plan IN ('pro', 'basic')\"]\n"
    )
    assert problems(text, root) == [
        "mlops.yaml:7:23: data.columns.age.expression: the expression gives numbers, not true "
        'or false: it is a condition each row must meet, such as age >= 18 or "end" >= start '
        "(in data/train.csv and data/test.csv)",
        "mlops.yaml:9:19: data.checks.expressions[0]: cannot be evaluated on the data's column "
        "types: cannot compare string with numeric type (i32) (in data/train.csv and "
        "data/test.csv)",
    ]
    (root / "prepare.py").write_text("")
    prepared = text.replace("data:\n", "data:\n  prepare: python prepare.py\n", 1)
    parse(prepared.encode(), name="mlops.yaml", root=root)  # the run's data checks judge it
    (root / "data/test.csv").write_text("age,plan,churned\n,,0\n")  # empty: untyped
    (root / "data/train.csv").unlink()
    pl.DataFrame({"age": [30], "plan": ["pro"], "churned": [0]}).write_ndjson(
        root / "data/train.jsonl"
    )
    assert parse(
        text.replace("data/train.csv", "data/train.jsonl").encode(), name="mlops.yaml", root=root
    ).data.expressions == ("plan > 3", "age >= 18", "plan IN ('pro', 'basic')")


# --- 4. a CSV row with more fields than its header, at validate


def test_a_ragged_row_in_a_file_already_there_is_located_by_its_line(root: Path) -> None:
    (root / "data/test.csv").write_text(CSV + "52,pro,1,extra\n")
    assert problems(manifest(), root) == [
        "mlops.yaml:4:9: data.test: 'data/test.csv' cannot be read as csv: line 4 has 4 "
        "fields where the header names 3 columns (a separator too many, or a value that "
        "needs quotes)"
    ]


def test_a_quoted_value_across_lines_is_one_field_and_rows_past_the_first_mib_are_the_runs(
    root: Path,
) -> None:
    (root / "data/test.csv").write_text(CSV + '52,"pro,\nplus",1\n')  # a quoted comma: 3 fields
    parse(manifest().encode(), name="mlops.yaml", root=root)
    rows = "30,pro,0\n" * (2**20 // 9 + 1)
    (root / "data/train.csv").write_text(CSV + rows + "1,2,3,4\n")  # past the first MiB
    parse(manifest().encode(), name="mlops.yaml", root=root)


# --- 5. files outside the project: read, and said; a file not named as data never shown


def test_a_data_file_outside_the_project_is_a_warning_not_a_problem(root: Path) -> None:
    shared = root.parent / "common"
    shared.mkdir()
    (shared / "train.csv").write_text(CSV)
    (root / "data/test.csv").unlink()
    (root / "data/test.csv").symlink_to(shared / "train.csv")
    text = manifest(train="../common/train.csv", test="data/test.csv")
    assert warnings(text, root) == [
        f"mlops.yaml:3:3: data.train: '../common/train.csv' is outside the project (its folder "
        f"{root}, in no repository): it is read as named, and a checkout elsewhere (CI's) has "
        "it only if something puts it there",
        f"mlops.yaml:4:3: data.test: 'data/test.csv' leads to {shared / 'train.csv'} through a "
        f"symbolic link, outside the project (its folder {root}, in no repository): it is read "
        "as named, and a checkout elsewhere (CI's) has it only if something puts it there",
    ]
    absolute = manifest(test=str(shared / "train.csv"))
    assert [w.split(": ", 2)[1:] for w in warnings(absolute, root)] == [
        [
            "data.test",
            f"'{shared / 'train.csv'}' is outside the project (its folder {root}, in "
            "no repository): it is read as named, and a checkout elsewhere (CI's) has it only if "
            "something puts it there",
        ]
    ]


def test_a_sibling_folder_of_a_monorepo_is_inside_the_project(root: Path) -> None:
    monorepo = root.parent
    (monorepo / ".git").mkdir()
    (monorepo / "common").mkdir()
    (monorepo / "common/train.csv").write_text(CSV)
    assert warnings(manifest(train="../common/train.csv"), root) == []
    outside_it = monorepo.parent / "elsewhere.csv"
    outside_it.write_text(CSV)
    said = outside.outside(root, str(outside_it))
    assert said is not None and f"(the git repository at {monorepo})" in said


def test_a_file_not_named_as_data_is_judged_but_never_printed(root: Path) -> None:
    """`test: /etc/passwd` with `format: csv` printed the file's first line as its columns."""
    secret = root.parent / "secret.txt"
    secret.write_text("token_abc123\nsecond line\n")
    text = manifest(test=str(secret), extra="  format: csv\n")
    assert problems(text, root) == [
        f"mlops.yaml:5:11: data.target: column 'churned' is not in {secret} (its columns are not "
        f"shown: '{secret}' is not named as a data file (.csv, .tsv, .parquet, .pq, .jsonl, "
        ".ndjson))"
    ]
    (root / "data/test.csv").unlink()
    (root / "data/test.csv").symlink_to(secret)  # a link named as data, to a file that is not
    assert problems(manifest(), root) == [
        "mlops.yaml:5:11: data.target: column 'churned' is not in data/test.csv (its columns are "
        f"not shown: 'data/test.csv' is a link to {secret}, which is not named as a data file)"
    ]
    secret.write_text("token_abc123;ghp_xyz\n1;2\n")  # a header split by semicolons
    assert problems(text, root) == [
        f"mlops.yaml:4:9: data.test: '{secret}' cannot be read as csv: its header is one "
        "column split by semicolons, not commas: mlgate reads commas (.csv) and tabs (.tsv); "
        "write the file with commas, e.g. pandas' to_csv(path, index=False)"
    ]
    secret.write_text('token_abc123,"ghp""xyz"\n1,2\n')  # a quote in a column's name
    assert problems(text, root)[0].endswith(
        "cannot be read as csv: a column name holds a double quote, which polars and pandas "
        "read differently: rename the column"
    )
    secret.write_text("token_abc123,token_abc123\n1,2\n")  # a column named twice
    assert problems(text, root)[0].endswith(
        "cannot be read as csv: the header names a column twice (columns 1 and 2): give each "
        "column its own name"
    )


def test_a_file_named_as_data_still_shows_its_columns(root: Path) -> None:
    assert problems(manifest().replace("churned\n", "churnd\n", 1), root)[0].endswith(
        "column 'churnd' is not in data/train.csv nor data/test.csv; its columns: age, plan, "
        "churned; did you mean 'churned'?"
    )


def test_a_symbolic_link_into_dvcs_cache_counts_as_named_as_data(root: Path) -> None:
    cached = root / ".dvc/cache/files/md5/ab"
    cached.mkdir(parents=True)
    (cached / "cdef0123").write_text(CSV)
    (root / "data/test.csv").unlink()
    os.symlink(cached / "cdef0123", root / "data/test.csv")
    found = problems(manifest().replace("churned\n", "churnd\n", 1), root)
    assert found[0].endswith("its columns: age, plan, churned; did you mean 'churned'?")
