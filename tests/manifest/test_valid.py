"""Valid manifests: defaults that make ten lines enough, and every field typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mlgate.manifest import Column, Command, parse
from mlgate.manifest.build import seconds
from mlgate.manifest.metrics import METRICS
from mlgate.manifest.schema_check import schema

TEN_LINES = """\
name: churn-model
data:
  train: data/train.csv
  test: data/test.csv
  target: churned
train:
  command: python train.py
model_checks:
  - {metric: f1_macro, min: 0.80}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    for name in ("train.csv", "test.csv"):
        (tmp_path / "data" / name).write_text("x,churned,résilié\n1,0,0\n")
    return tmp_path


def load(text: str, root: Path):
    return parse(text.encode(), name="mlops.yaml", root=root)


def test_ten_lines_get_the_documented_defaults(root: Path) -> None:
    manifest = load(TEN_LINES, root)
    assert manifest.name == "churn-model" and manifest.version == 1
    assert manifest.data.format == "auto" and manifest.data.columns == ()
    assert manifest.data.prepare is None and not manifest.data.leakage
    assert manifest.train.model == "models/model.joblib"
    assert manifest.train.params is None
    assert manifest.train.command == Command(shell="python train.py", timeout_s=3600.0)
    assert manifest.evaluate.task is None and manifest.evaluate.metrics is None
    (check,) = manifest.model_checks
    assert (check.metric, check.min, check.max, check.key) == (
        "f1_macro",
        0.8,
        None,
        "model_checks[metric=f1_macro]",
    )
    assert manifest.line_of("model_checks[metric=f1_macro]") == 9
    assert manifest.line_of("model_checks[metric=f1_macro].min") == 9
    assert manifest.line_of("train.command") == 7
    assert manifest.lines["data.target"] == (5, 3)
    assert manifest.root == root and len(manifest.sha256) == 64


def test_params_yaml_is_picked_up_when_present(root: Path) -> None:
    (root / "params.yaml").write_text("C: 1\n")
    assert load(TEN_LINES, root).train.params == "params.yaml"


def test_every_field_reaches_the_typed_manifest(root: Path) -> None:
    text = """\
version: 1
name: churn
description: churn in 30 days
data:
  prepare: {command: [python, prep.py], timeout: 90, env: {SEED: 7, FAST: true}}
  train: data/train.parquet
  test: data/test.parquet
  format: parquet
  target: churned
  id: customer_id
  features: [age, plan]
  columns:
    age: {type: integer, min: 18, max: 120, nullable: false, unique: true}
    plan: {type: category, values: [basic, pro], required: false}
    email: {type: string, pattern: '^[^@]+@[^@]+$'}
  checks:
    rows: {min: 100, max: 1000000}
    duplicates: {max_fraction: 0.01}
    leakage: true
train:
  command: python train.py --fast
  params: conf.yaml
  outputs: {model: out/model.skops}
  timeout: 1h30m
  env: {CUDA_VISIBLE_DEVICES: ""}
evaluate:
  task: classification
  metrics: [accuracy, roc_auc]
  positive_label: 1
model_checks:
  - {metric: roc_auc, min: 0.9, max: 0.999}
"""
    (root / "conf.yaml").write_text("a: 1\n")
    m = load(text, root)
    assert m.description == "churn in 30 days"
    assert m.data.prepare == Command(
        argv=("python", "prep.py"), timeout_s=90.0, env={"SEED": "7", "FAST": "true"}
    )
    assert (m.data.format, m.data.id, m.data.features) == (
        "parquet",
        "customer_id",
        ("age", "plan"),
    )
    assert m.data.columns[0] == Column(
        name="age", type="integer", min=18, max=120, nullable=False, unique=True
    )
    assert m.data.columns[1].required is False and m.data.columns[1].values == ("basic", "pro")
    assert m.data.columns[2].pattern == "^[^@]+@[^@]+$"
    assert (m.data.rows_min, m.data.rows_max, m.data.duplicates_max_fraction) == (
        100,
        1_000_000,
        0.01,
    )
    assert m.data.leakage
    assert m.train.command.timeout_s == 5400.0 and m.train.command.env == {
        "CUDA_VISIBLE_DEVICES": ""
    }
    assert (m.train.params, m.train.model) == ("conf.yaml", "out/model.skops")
    assert m.evaluate.metrics == ("accuracy", "roc_auc") and m.evaluate.positive_label == 1
    assert (m.model_checks[0].min, m.model_checks[0].max) == (0.9, 0.999)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (90, 90.0),
        ("90s", 90.0),
        ("30m", 1800.0),
        ("1h30m", 5400.0),
        ("2h", 7200.0),
        ("1h0m5s", 3605.0),
        (90.0, 90.0),  # JSON Schema's integer admits 90.0
    ],
)
def test_durations(value: int | str, expected: float) -> None:
    assert seconds(value) == expected


def test_a_whole_float_is_a_number_of_seconds(root: Path) -> None:
    text = TEN_LINES.replace("python train.py", "python train.py\n  timeout: 90.0")
    assert load(text, root).train.command.timeout_s == 90.0


def test_files_produced_by_prepare_or_tracked_by_dvc_need_not_exist(tmp_path: Path) -> None:
    prepared = TEN_LINES.replace("data:\n", "data:\n  prepare: python prepare.py\n")
    assert load(prepared, tmp_path).data.prepare is not None
    (tmp_path / "data").mkdir()
    for name in ("train", "test"):
        (tmp_path / f"data/{name}.csv.dvc").write_text(
            f"outs:\n- md5: d41d8cd98f00b204e9800998ecf8427e\n  path: {name}.csv\n"
        )
    assert load(TEN_LINES, tmp_path).data.train == "data/train.csv"
    # a .dvc file beside it that records no such file pulls nothing: said, not "valid"
    (tmp_path / "data/test.csv.dvc").write_text("outs: []\n")
    from mlgate.errors import ManifestError

    with pytest.raises(ManifestError, match=r"'data/test\.csv\.dvc' beside it records no such"):
        load(TEN_LINES, tmp_path)


def test_the_schema_is_valid_and_names_exactly_the_known_metrics() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$defs"]["metric_name"]["enum"] == list(METRICS)


def test_an_empty_env_value_and_unicode_survive(root: Path) -> None:
    text = TEN_LINES.replace("target: churned", "target: résilié")
    assert load(text, root).data.target == "résilié"


def test_a_tab_inside_block_text_is_text(root: Path) -> None:
    text = TEN_LINES.replace(
        "name: churn-model\n", "name: churn-model\ndescription: |\n  cols:\n  \tage\tplan\n"
    )
    assert load(text, root).description == "cols:\n\tage\tplan\n"
