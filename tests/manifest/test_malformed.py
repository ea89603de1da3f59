"""Malformed manifests: each gets exactly the located messages below, all in one pass.

The base manifest is valid; each case breaks it in one way (or several, where the case
is about reporting everything at once) and lists every message the user sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import ManifestError
from mlgate.manifest import parse
from mlgate.manifest.metrics import METRICS

BASE = """\
name: churn
data:
  train: data/train.csv
  test: data/test.csv
  target: churned
  columns:
    age: {type: integer, min: 18, max: 120}
    plan: {type: category, values: [basic, pro]}
train:
  command: python train.py
  timeout: 30m
evaluate:
  task: classification
  metrics: [accuracy, f1_macro]
model_checks:
  - {metric: f1_macro, min: 0.8}
"""


def sub(old, new, count=1):
    assert old in BASE, old
    return BASE.replace(old, new, count)


CASES = [
    (
        "unclosed-bracket",
        sub("[accuracy, f1_macro]", "[accuracy, f1_macro"),
        [
            "mlops.yaml:15:13: invalid YAML: while parsing a flow sequence; did not find expected ',' or ']' (the construct starts at line 14)",
        ],
    ),
    (
        "unclosed-quote",
        sub("python train.py", '"python train.py'),
        [
            "mlops.yaml:17:1: invalid YAML: while scanning a quoted scalar; found unexpected end of stream (the construct starts at line 10)",
        ],
    ),
    (
        "bad-indentation",
        sub("  test: data/test.csv", "   test: data/test.csv"),
        [
            "mlops.yaml:4:8: invalid YAML: mapping values are not allowed in this context; check this line's indentation, or quote a value that contains ': '",
        ],
    ),
    (
        "mapping-value-not-allowed",
        sub("  target: churned", "  target: churned: yes"),
        [
            "mlops.yaml:5:18: invalid YAML: mapping values are not allowed in this context; check this line's indentation, or quote a value that contains ': '",
        ],
    ),
    (
        "tab-indentation",
        sub("  test: data/test.csv", "\ttest: data/test.csv"),
        [
            "mlops.yaml:4:1: tab character in indentation; YAML indents with spaces only",
        ],
    ),
    (
        "two-tabs",
        sub("  test:", "\ttest:").replace("  target:", "\ttarget:"),
        [
            "mlops.yaml:4:1: tab character in indentation; YAML indents with spaces only",
            "mlops.yaml:5:1: tab character in indentation; YAML indents with spaces only",
        ],
    ),
    (
        "duplicate-top-level",
        BASE + "name: other\n",
        [
            "mlops.yaml:17:1: name: duplicate key 'name' (first given at line 1); keep one",
        ],
    ),
    (
        "duplicate-nested",
        sub("  target: churned", "  target: churned\n  target: left"),
        [
            "mlops.yaml:6:3: data.target: duplicate key 'target' (first given at line 5); keep one",
        ],
    ),
    (
        "duplicate-in-list-item",
        sub("{metric: f1_macro, min: 0.8}", "{metric: f1_macro, min: 0.8, min: 0.9}"),
        [
            "mlops.yaml:16:34: model_checks[metric=f1_macro].min: duplicate key 'min' (first given at line 16); keep one",
        ],
    ),
    (
        "python-tag",
        sub("python train.py", "!!python/object/apply:os.system [ls]"),
        [
            "mlops.yaml:10:12: train.command: tag '!!python/object/apply:os.system' is not allowed: the manifest is plain data (strings, numbers, booleans, lists and mappings)",
        ],
    ),
    (
        "custom-tag",
        sub("  target: churned", "  target: !Column churned"),
        [
            "mlops.yaml:5:11: data.target: tag '!Column' is not allowed: the manifest is plain data (strings, numbers, booleans, lists and mappings)",
        ],
    ),
    (
        "binary-tag",
        sub("  target: churned", "  target: !!binary aGVsbG8="),
        [
            "mlops.yaml:5:11: data.target: tag '!!binary' is not allowed: the manifest is plain data (strings, numbers, booleans, lists and mappings)",
        ],
    ),
    (
        "merge-key",
        BASE + "defaults: &d {a: 1}\nextra:\n  <<: *d\n",
        [
            "mlops.yaml:17:1: defaults: unknown key 'defaults' (allowed: compare, data, description, environments, evaluate, forks, model_checks, monitor, name, registry, sweep, train, version)",
            "mlops.yaml:19:3: extra: merge keys (<<) are not supported; write the keys out",
        ],
    ),
    (
        "empty-file",
        "",
        [
            "mlops.yaml:1:1: the manifest is empty; it needs at least name, data and train",
        ],
    ),
    (
        "comment-only",
        "# nothing here\n",
        [
            "mlops.yaml:1:1: the manifest is empty; it needs at least name, data and train",
        ],
    ),
    (
        "document-is-a-list",
        "- name: churn\n",
        [
            "mlops.yaml:1:1: expected a mapping, found a list",
        ],
    ),
    (
        "document-is-a-string",
        "just text\n",
        [
            "mlops.yaml:1:1: expected a mapping, found 'just text'",
        ],
    ),
    (
        "unknown-top-level-typo",
        sub("evaluate:", "evalute:"),
        [
            "mlops.yaml:12:1: evalute: unknown key 'evalute'; did you mean 'evaluate'? (allowed: compare, data, description, environments, evaluate, forks, model_checks, monitor, name, registry, sweep, train, version)",
        ],
    ),
    (
        # the slices the gate names are there, under the misspelt key: "there are no
        # slices to gate: name them in evaluate.slices" beside it sent the user astray
        "unknown-top-level-typo-hides-what-reads-that-section",
        sub(
            "evaluate:\n  task: classification\n",
            "evalute:\n  task: classification\n  slices: [plan]\n",
        )
        + "compare:\n  gates:\n    f1_macro: {min_change: -0.01, slices: true}\n",
        [
            "mlops.yaml:12:1: evalute: unknown key 'evalute'; did you mean 'evaluate'? (allowed: compare, data, description, environments, evaluate, forks, model_checks, monitor, name, registry, sweep, train, version)",
        ],
    ),
    (
        # only what reads the misspelt section is held back: a file named train.csv is
        # no key of `train`, and its problem stands
        "a-misspelt-section-hides-nothing-else",
        sub("train:\n  command", "trian:\n  command").replace("data/train.csv", "data/train2.csv"),
        [
            "mlops.yaml:1:1: missing required key 'train' (how the model is trained)",
            "mlops.yaml:3:10: data.train: file 'data/train2.csv' does not exist; did you mean 'data/train.csv'?",
            "mlops.yaml:9:1: trian: unknown key 'trian'; did you mean 'train'? (allowed: compare, data, description, environments, evaluate, forks, model_checks, monitor, name, registry, sweep, train, version)",
        ],
    ),
    (
        "unknown-key-no-suggestion",
        BASE + "color: blue\n",
        [
            "mlops.yaml:17:1: color: unknown key 'color' (allowed: compare, data, description, environments, evaluate, forks, model_checks, monitor, name, registry, sweep, train, version)",
        ],
    ),
    (
        "unknown-nested-typo",
        sub("  target: churned", "  targt: churned"),
        [
            "mlops.yaml:2:1: data: missing required key 'target' (the column the model predicts)",
            "mlops.yaml:5:3: data.targt: unknown key 'targt'; did you mean 'target'? (allowed: checks, columns, features, format, id, prepare, reference, target, test, train)",
        ],
    ),
    (
        "unknown-column-option",
        sub("{type: integer, min: 18, max: 120}", "{type: integer, minimum: 18}"),
        [
            "mlops.yaml:7:26: data.columns.age.minimum: unknown key 'minimum'; did you mean 'min'? (allowed: expression, max, max_length, max_null_fraction, min, min_length, nullable, pattern, quantiles, required, sorted, type, unique, values)",
        ],
    ),
    (
        "unknown-check-option",
        sub("{metric: f1_macro, min: 0.8}", "{metric: f1_macro, min: 0.8, severity: warn}"),
        [
            "mlops.yaml:16:34: model_checks[metric=f1_macro].severity: unknown key 'severity' (allowed: max, metric, min)",
        ],
    ),
    (
        "missing-name",
        sub("name: churn\n", ""),
        [
            "mlops.yaml:1:1: missing required key 'name' (the model's name, used in registry tags)",
        ],
    ),
    (
        "missing-data",
        "name: churn\ntrain:\n  command: python train.py\n",
        [
            "mlops.yaml:1:1: missing required key 'data' (the data the model is trained and tested on)",
        ],
    ),
    (
        "missing-target",
        sub("  target: churned\n", ""),
        [
            "mlops.yaml:2:1: data: missing required key 'target' (the column the model predicts)",
        ],
    ),
    (
        "missing-command",
        sub("  command: python train.py\n", ""),
        [
            "mlops.yaml:9:1: train: missing required key 'command' (a shell command line, or a list of arguments run without a shell), or 'dvc' (a stage of dvc.yaml)",
        ],
    ),
    (
        "string-for-number",
        sub("min: 18", "min: eighteen"),
        [
            "mlops.yaml:7:31: data.columns.age.min: expected a number, found 'eighteen'",
        ],
    ),
    (
        "list-for-mapping",
        sub("data:\n", "data: [a]\nignored:\n"),
        [
            "mlops.yaml:2:7: data: expected a mapping, found a list",
            "mlops.yaml:3:1: ignored: unknown key 'ignored' (allowed: compare, data, description, environments, evaluate, forks, model_checks, monitor, name, registry, sweep, train, version)",
        ],
    ),
    (
        "number-for-command",
        sub("python train.py", "42"),
        [
            "mlops.yaml:10:12: train.command: expected a command line (a string) or a list of arguments, found 42",
        ],
    ),
    (
        "null-value",
        sub("  target: churned", "  target:"),
        [
            "mlops.yaml:5:10: data.target: expected a string, found nothing (an empty value)",
        ],
    ),
    (
        "bool-for-string",
        sub("  target: churned", "  target: true"),
        [
            "mlops.yaml:5:11: data.target: expected a string, found true",
        ],
    ),
    (
        "enum-typo",
        sub("task: classification", "task: clasification"),
        [
            "mlops.yaml:13:9: evaluate.task: found 'clasification', expected one of: classification, regression; did you mean 'classification'?",
        ],
    ),
    (
        "enum-wrong-case",
        sub("  target: churned", "  target: churned\n  format: CSV"),
        [
            "mlops.yaml:6:11: data.format: found 'CSV', expected one of: auto, csv, parquet, jsonl; did you mean 'csv'?",
        ],
    ),
    (
        "enum-no-suggestion",
        sub("task: classification", "task: ranking"),
        [
            "mlops.yaml:13:9: evaluate.task: found 'ranking', expected one of: classification, regression",
        ],
    ),
    (
        "metric-typo",
        sub("[accuracy, f1_macro]", "[acuracy, f1_macro]"),
        [
            "mlops.yaml:14:13: evaluate.metrics[0]: found 'acuracy'; did you mean 'accuracy'? "
            f"({len(METRICS)} names are allowed: `mlgate schema` lists them)",
        ],
    ),
    (
        "id-is-the-target",  # it trained, then failed at evaluation
        sub("  target: churned\n", "  target: churned\n  id: churned\n"),
        ["mlops.yaml:6:7: data.id: 'churned' is the target column; data.id names the row's id"],
    ),
    (
        "metric-named-as-scikit-learn-names-it",
        sub("[accuracy, f1_macro]", "[accuracy, roc_auc_score]"),
        [
            "mlops.yaml:14:23: evaluate.metrics[1]: found 'roc_auc_score'; did you mean "
            f"'roc_auc'? ({len(METRICS)} names are allowed: `mlgate schema` lists them)",
        ],
    ),
    (  # roc_auc_ovr, by spelling alone, was offered roc_auc_ovo: one-vs-one, another figure
        "metric-named-one-vs-rest",
        sub("[accuracy, f1_macro]", "[roc_auc_ovr, f1_macro]"),
        [
            "mlops.yaml:14:13: evaluate.metrics[0]: found 'roc_auc_ovr'; did you mean "
            f"'roc_auc'? ({len(METRICS)} names are allowed: `mlgate schema` lists them)",
        ],
    ),
    (  # "pr_auc" was offered roc_auc, the wrong area for an imbalanced task; auprc nothing
        "metric-named-the-precision-recall-area",
        sub("[accuracy, f1_macro]", "[pr_auc, auprc]"),
        [
            "mlops.yaml:14:13: evaluate.metrics[0]: found 'pr_auc'; did you mean "
            f"'average_precision'? ({len(METRICS)} names are allowed: `mlgate schema` lists them)",
            "mlops.yaml:14:21: evaluate.metrics[1]: found 'auprc'; did you mean "
            f"'average_precision'? ({len(METRICS)} names are allowed: `mlgate schema` lists them)",
        ],
    ),
    (  # the report writes the rule "relative change >= -2%": a newcomer writes the same
        "relative-bound-as-a-percentage",
        sub(
            "[accuracy, f1_macro]",
            "[accuracy, f1_macro]\ncompare:\n  gates:\n"
            "    accuracy: {min_relative_change: -1.1%, min_change: -1%}",
        ),
        [  # -1.1 / 100 is -0.011000000000000001 in floating point: said as written
            "mlops.yaml:17:37: compare.gates.accuracy.min_relative_change: expected a number, "
            "found '-1.1%'; write -1.1% as -0.011",
            "mlops.yaml:17:56: compare.gates.accuracy.min_change: expected a number, found "
            "'-1%'; a change is in the metric's own units: for -1% of the baseline's figure "
            "write min_relative_change: -0.01",
        ],
    ),
    (  # accepted, and meant nothing
        "positive-label-of-a-regression",
        sub(
            "  task: classification\n  metrics: [accuracy, f1_macro]",
            "  task: regression\n  metrics: [rmse]\n  positive_label: 1",
        ).replace("  - {metric: f1_macro, min: 0.8}", "  - {metric: rmse, max: 0.8}"),
        [
            "mlops.yaml:15:19: evaluate.positive_label: a positive label names a classifier's "
            "class, but evaluate.task is regression: leave it out",
        ],
    ),
    (
        "positive-label-in-another-case",
        sub("    age:", "    churned: {type: category, values: [yes, no]}\n    age:").replace(
            "  metrics: [accuracy, f1_macro]",
            "  metrics: [accuracy, f1_macro]\n  positive_label: 'Yes'",
        ),
        [
            "mlops.yaml:16:19: evaluate.positive_label: 'Yes' is not one of the classes "
            "data.columns.churned.values declares (yes, no); did you mean 'yes'?",
        ],
    ),
    (
        "metric-unlike-any",
        sub("[accuracy, f1_macro]", "[accuracy, zzz]"),
        [
            "mlops.yaml:14:23: evaluate.metrics[1]: found 'zzz' "
            f"({len(METRICS)} names are allowed: `mlgate schema` lists them)",
        ],
    ),
    (
        "metric-typo-two-ways",  # f1_micro alone was offered, though f1_macro is as close
        sub("[accuracy, f1_macro]", "[accuracy, f1_mcro]"),
        [
            "mlops.yaml:14:23: evaluate.metrics[1]: found 'f1_mcro'; did you mean 'f1_macro' or "
            f"'f1_micro'? ({len(METRICS)} names are allowed: `mlgate schema` lists them)",
        ],
    ),
    (
        "column-type-typo",
        sub("type: integer", "type: int"),
        [
            "mlops.yaml:7:17: data.columns.age.type: found 'int', expected one of: integer, number, string, category, boolean, datetime; did you mean 'integer'?",
        ],
    ),
    (
        "version-2",
        "version: 2\n" + BASE,
        [
            "mlops.yaml:1:10: version: expected 1, found 2",
        ],
    ),
    (
        "negative-rows",
        sub(
            "    plan: {type: category, values: [basic, pro]}\n",
            "    plan: {type: category, values: [basic, pro]}\n  checks:\n    rows: {min: -5}\n",
        ),
        [
            "mlops.yaml:10:17: data.checks.rows.min: must be at least 0, found -5",
        ],
    ),
    (
        "fraction-above-one",
        sub(
            "    plan: {type: category, values: [basic, pro]}\n",
            "    plan: {type: category, values: [basic, pro]}\n  checks:\n    duplicates: {max_fraction: 1.5}\n",
        ),
        [
            "mlops.yaml:10:32: data.checks.duplicates.max_fraction: must be at most 1, found 1.5",
        ],
    ),
    (
        "timeout-zero",
        sub("timeout: 30m", "timeout: 0"),
        [
            "mlops.yaml:11:12: train.timeout: must be at least 1, found 0",
        ],
    ),
    (  # "expected a number of seconds ..., found 0.5": 0.5 is a number of seconds
        "timeout-fraction",
        sub("timeout: 30m", "timeout: 0.5"),
        [
            "mlops.yaml:11:12: train.timeout: expected a whole number of seconds (1 or more) "
            "or a duration such as 90s, 30m, 1h30m, found 0.5",
        ],
    ),
    (
        "timeout-words",
        sub("timeout: 30m", "timeout: half an hour"),
        [
            "mlops.yaml:11:12: train.timeout: found 'half an hour', expected a duration such as 90s, 30m or 1h30m",
        ],
    ),
    (
        "timeout-empty-duration",
        sub("timeout: 30m", "timeout: h"),
        [
            "mlops.yaml:11:12: train.timeout: found 'h', expected a duration such as 90s, 30m or 1h30m",
        ],
    ),
    (
        "name-pattern",
        sub("name: churn", "name: Churn_Model"),
        [
            "mlops.yaml:1:7: name: found 'Churn_Model', expected lowercase letters, digits and inner dashes, such as churn-model",
        ],
    ),
    (
        "name-too-long",
        sub("name: churn", "name: " + "a" * 65),
        [
            "mlops.yaml:1:7: name: must be at most 64 characters, found 65",
        ],
    ),
    (
        "empty-target",
        sub("  target: churned", '  target: ""'),
        [
            "mlops.yaml:5:11: data.target: must not be empty",
        ],
    ),
    (
        "empty-metrics",
        sub("[accuracy, f1_macro]", "[]"),
        [
            "mlops.yaml:14:12: evaluate.metrics: needs at least 1 item",
        ],
    ),
    (
        "repeated-metric",
        sub("[accuracy, f1_macro]", "[accuracy, accuracy]"),
        [
            "mlops.yaml:14:12: evaluate.metrics: lists 'accuracy' more than once",
        ],
    ),
    (
        "repeated-values",
        sub("[basic, pro]", "[basic, basic]"),
        [
            "mlops.yaml:8:36: data.columns.plan.values: lists 'basic' more than once",
        ],
    ),
    (
        "check-without-bound",
        sub("{metric: f1_macro, min: 0.8}", "{metric: f1_macro}"),
        [
            "mlops.yaml:16:5: model_checks[metric=f1_macro]: needs a bound: min, max or both",
        ],
    ),
    (
        "misspelt-key-of-a-test-check",  # the pytest kind, by the key it misspells
        sub("{metric: f1_macro, min: 0.8}", "{pytets: tests/model}"),
        [
            "mlops.yaml:16:5: model_checks[0]: missing required key 'pytest' (a folder or file "
            "of the user's model tests, relative to mlops.yaml, run with pytest and mlgate's "
            "fixtures (mlgate_model, mlgate_data, mlgate_predictions, ...); each test becomes "
            "a check)",
            "mlops.yaml:16:6: model_checks[0].pytets: unknown key 'pytets'; did you mean "
            "'pytest'? (allowed: pytest, timeout)",
        ],
    ),
    (
        "misspelt-key-of-a-latency-check",
        sub("{metric: f1_macro, min: 0.8}", "{latency: {batch: 1}, p95: 50}"),
        [
            "mlops.yaml:16:5: model_checks[0]: needs {latency: {batch: 1}, p95_ms: 50}",
            "mlops.yaml:16:27: model_checks[0].p95: unknown key 'p95'; did you mean 'p95_ms'? "
            "(allowed: latency, p50_ms, p95_ms, p99_ms)",
        ],
    ),
    (
        "check-of-no-kind",
        sub("{metric: f1_macro, min: 0.8}", "{foo: 1}"),
        [
            "mlops.yaml:16:5: model_checks[0]: holds 'foo', none a key of what goes here; "
            "expected {metric: NAME, min/max: BOUND}, {fairness: NAME, sensitive: COLUMN, max: "
            "BOUND}, a robustness check such as {invariance: email, max_changed_fraction: "
            "0.01}, {latency: {batch: 1}, p95_ms: 50}, or {pytest: tests/model}",
        ],
    ),
    (
        "check-min-above-max",
        sub("{metric: f1_macro, min: 0.8}", "{metric: f1_macro, min: 0.9, max: 0.5}"),
        [
            "mlops.yaml:16:29: model_checks[metric=f1_macro].min: min (0.9) is greater than max (0.5)",
        ],
    ),
    (
        "column-min-above-max",
        sub("min: 18, max: 120", "min: 120, max: 18"),
        [
            "mlops.yaml:7:31: data.columns.age.min: min (120) is greater than max (18)",
        ],
    ),
    (
        "nan-threshold",
        sub("{metric: f1_macro, min: 0.8}", "{metric: f1_macro, min: .nan}"),
        [
            "mlops.yaml:16:29: model_checks[metric=f1_macro].min: must be a number, found .nan",
        ],
    ),
    (
        "bad-regex",
        sub("{type: category, values: [basic, pro]}", "{type: string, pattern: '(unclosed'}"),
        [
            "mlops.yaml:8:35: data.columns.plan.pattern: not a valid regular expression in polars' (Rust) syntax: unclosed group at position 0",
        ],
    ),
    (
        "min-on-string-column",
        sub("{type: category, values: [basic, pro]}", "{type: string, min: 3}"),
        [
            "mlops.yaml:8:26: data.columns.plan.min: 'min' applies to integer or number columns, not string",
        ],
    ),
    (
        "pattern-on-number",
        sub("{type: integer, min: 18, max: 120}", "{type: integer, pattern: '^[0-9]+$'}"),
        [
            "mlops.yaml:7:26: data.columns.age.pattern: 'pattern' applies to string columns, not integer",
        ],
    ),
    (
        "text-value-in-numeric-column",
        sub("{type: integer, min: 18, max: 120}", "{type: integer, values: [1, two]}"),
        [
            "mlops.yaml:7:38: data.columns.age.values[1]: an integer column cannot hold 'two'",
        ],
    ),
    (
        "metric-wrong-task",
        sub("[accuracy, f1_macro]", "[accuracy, r2]"),
        [
            "mlops.yaml:14:23: evaluate.metrics[1]: 'r2' is a regression metric, but evaluate.task is classification: name a classification metric (accuracy, f1_macro, roc_auc, log_loss, ...), or change evaluate.task to regression",
        ],
    ),
    (
        "mixed-task-metrics",
        sub("  task: classification\n", "").replace("[accuracy, f1_macro]", "[accuracy, rmse]"),
        [
            "mlops.yaml:13:23: evaluate.metrics[1]: 'rmse' is a regression metric, but 2 of 3 metrics named are classification ones: set evaluate.task",
        ],
    ),
    (  # valid, then every run failed it: "the model is not given 'churned'"
        "robustness-of-the-target",
        sub("  - {metric: f1_macro, min: 0.8}\n", "  - {invariance: [plan, churned]}\n"),
        [
            "mlops.yaml:16:25: model_checks[0].invariance[1]: 'churned' is the target, which the model is never given, so the invariance check cannot disturb it; check a column the model takes",
        ],
    ),
    (  # the one of the other task is flagged, not the fifteen beside it
        "one-metric-of-another-task",
        sub("  task: classification\n", "")
        .replace("[accuracy, f1_macro]", "[accuracy, r2, rmse, mae]")
        .replace("{metric: f1_macro, min: 0.8}", "{metric: mse, max: 3}"),
        [
            "mlops.yaml:13:13: evaluate.metrics[0]: 'accuracy' is a classification metric, but 4 of 5 metrics named are regression ones: set evaluate.task",
        ],
    ),
    (
        "check-metric-wrong-task",
        sub("{metric: f1_macro, min: 0.8}", "{metric: mae, max: 3}"),
        [
            "mlops.yaml:16:14: model_checks[metric=mae].metric: 'mae' is a regression metric, but evaluate.task is classification: name a classification metric (accuracy, f1_macro, roc_auc, log_loss, ...), or change evaluate.task to regression",
        ],
    ),
    (
        "two-class-metric-of-a-declared-three-class-target",
        sub(
            "    plan: {type: category, values: [basic, pro]}\n",
            "    plan: {type: category, values: [basic, pro]}\n"
            "    churned: {values: [stayed, left, moved]}\n",
        ).replace("[accuracy, f1_macro]", "[accuracy, f1, brier_score]"),
        [
            "mlops.yaml:15:23: evaluate.metrics[1]: 'f1' is defined for two classes, but data.columns.churned.values declares 3: use f1_macro (or f1_weighted)",
            "mlops.yaml:15:27: evaluate.metrics[2]: 'brier_score' is defined for two classes, but data.columns.churned.values declares 3: use d2_brier (the Brier score's skill over all classes) or log_loss",
        ],
    ),
    (
        "positive-label-that-is-no-declared-class",
        sub(
            "    plan: {type: category, values: [basic, pro]}\n",
            "    plan: {type: category, values: [basic, pro]}\n"
            "    churned: {values: [stayed, left]}\n",
        ).replace("  task: classification\n", "  task: classification\n  positive_label: moved\n"),
        [
            "mlops.yaml:15:19: evaluate.positive_label: 'moved' is not one of the classes data.columns.churned.values declares (stayed, left)",
        ],
    ),
    (
        "class-balance-of-a-regression",
        sub("  task: classification\n  metrics: [accuracy, f1_macro]\n", "  task: regression\n")
        .replace("model_checks:\n  - {metric: f1_macro, min: 0.8}\n", "")
        .replace(
            "  target: churned\n",
            "  target: churned\n  checks: {target_balance: {min_fraction: 0.05}}\n",
        ),
        [
            "mlops.yaml:6:12: data.checks.target_balance: class balance applies to a classifier's target, but evaluate.task is regression: remove it",
        ],
    ),
    (
        "a-word-for-an-allowed-value-spelling-would-not-find",
        sub("{type: integer, min: 18, max: 120}", "{type: integer, sorted: ascending}"),
        [
            "mlops.yaml:7:34: data.columns.age.sorted: found 'ascending', expected one of: increasing, decreasing; did you mean 'increasing'?",
        ],
    ),
    (
        "a-key-that-lives-a-level-down",
        sub("  timeout: 30m\n", "  timeout: 30m\n  model: m.joblib\n"),
        [
            "mlops.yaml:12:3: train.model: unknown key 'model'; did you mean 'outputs: {model: ...}'? (allowed: command, dvc, env, outputs, params, pass_env, timeout)",
        ],
    ),
    (
        "feature-is-target",
        sub("  target: churned\n", "  target: churned\n  features: [age, churned]\n"),
        [
            "mlops.yaml:6:19: data.features[1]: 'churned' is the target column; it cannot be a feature",
        ],
    ),
    (
        "missing-data-file-with-suggestion",
        sub("data/test.csv", "data/tset.csv"),
        [
            "mlops.yaml:4:9: data.test: file 'data/tset.csv' does not exist; did you mean 'data/test.csv'?",
        ],
    ),
    (
        "missing-data-file",
        sub("data/test.csv", "data/holdout.csv"),
        [
            "mlops.yaml:4:9: data.test: file 'data/holdout.csv' does not exist (add data.prepare to write it, or track it with DVC)",
        ],
    ),
    (
        "missing-params-file",
        sub("  timeout: 30m", "  timeout: 30m\n  params: conf/params.yaml"),
        [
            "mlops.yaml:12:11: train.params: file 'conf/params.yaml' does not exist",
        ],
    ),
    (
        "env-bad-name",
        sub("  timeout: 30m", "  timeout: 30m\n  env: {BAD-NAME: 1}"),
        [
            "mlops.yaml:12:9: train.env.BAD-NAME: the key 'BAD-NAME' is not a valid environment variable name (letters, digits and _, not starting with a digit)",
        ],
    ),
    (
        "env-list-value",
        sub("  timeout: 30m", "  timeout: 30m\n  env: {SEED: [1, 2]}"),
        [
            "mlops.yaml:12:15: train.env.SEED: expected a string, a number or a boolean, found a list",
        ],
    ),
    (
        "prepare-mapping-missing-command",
        sub("  train: data/train.csv", "  prepare: {timeout: 5m}\n  train: data/train.csv"),
        [
            "mlops.yaml:3:3: data.prepare: missing required key 'command' (a shell command line, or a list of arguments run without a shell)",
        ],
    ),
    (
        "prepare-mapping-typo",
        sub("  train: data/train.csv", "  prepare: {comand: make data}\n  train: data/train.csv"),
        [
            "mlops.yaml:3:3: data.prepare: missing required key 'command' (a shell command line, or a list of arguments run without a shell)",
            "mlops.yaml:3:13: data.prepare.comand: unknown key 'comand'; did you mean 'command'? (allowed: command, env, pass_env, timeout)",
        ],
    ),
    (
        "command-empty-list",
        sub("python train.py", "[]"),
        [
            "mlops.yaml:10:12: train.command: needs at least 1 item",
        ],
    ),
    (
        "timeout-zero-duration",
        sub("timeout: 30m", "timeout: 0m"),
        [
            "mlops.yaml:11:12: train.timeout: must be at least 1 second, found '0m'",
        ],
    ),
    (  # every comparison with .nan is false: the gate passed a regression of 4.8 rmse
        "nan-change-bounds-and-confidence",
        sub(
            "  - {metric: f1_macro, min: 0.8}\n",
            "  - {metric: f1_macro, min: 0.8}\ncompare:\n  confidence: .nan\n  gates:\n"
            "    accuracy: {max_change: .nan, min_relative_change: .inf}\n",
        ),
        [
            "mlops.yaml:18:15: compare.confidence: must be a number, found .nan",
            "mlops.yaml:20:28: compare.gates.accuracy.max_change: must be a number, found .nan",
            "mlops.yaml:20:55: compare.gates.accuracy.min_relative_change: must be a finite "
            "number, found .inf",
        ],
    ),
    (  # bounds nothing: it was counted as passed in every run
        "gate-without-a-threshold",
        sub(
            "  - {metric: f1_macro, min: 0.8}\n",
            "  - {metric: f1_macro, min: 0.8}\ncompare:\n  gates:\n"
            "    accuracy: {missing: pass, greater_is_better: true}\n",
        ),
        [
            "mlops.yaml:19:15: compare.gates.accuracy: sets no threshold, so it holds whatever "
            "the model does: name one, such as {min_change: -0.01} or {significance: no "
            "significant drop}",
        ],
    ),
    (  # a drop of accuracy read as a gain: the gate passed a fall of 27 points
        "direction-against-the-metrics-own",
        sub(
            "  - {metric: f1_macro, min: 0.8}\n",
            "  - {metric: f1_macro, min: 0.8}\ncompare:\n  gates:\n"
            "    accuracy: {significance: no significant drop, greater_is_better: false}\n"
            "    log_loss: {max_change: 0.05, greater_is_better: true}\n"
            "    f1_macro: {min_change: -0.01, greater_is_better: true}\n",
        ),
        [
            "mlops.yaml:19:70: compare.gates.accuracy.greater_is_better: higher accuracy is "
            "better, so greater_is_better: false would read a fall of it as a gain and pass "
            "it: leave greater_is_better out (mlgate knows accuracy's direction), or write "
            "greater_is_better: true",
            "mlops.yaml:20:53: compare.gates.log_loss.greater_is_better: lower log_loss is "
            "better, so greater_is_better: true would read a rise of it as a gain and pass "
            "it: leave greater_is_better out (mlgate knows log_loss's direction), or write "
            "greater_is_better: false",
        ],
    ),
    (  # a level so near 1 that a fall of 27 points with p = 9.3e-10 was not significant
        "confidence-past-0.999",
        sub(
            "  - {metric: f1_macro, min: 0.8}\n",
            "  - {metric: f1_macro, min: 0.8}\ncompare:\n  confidence: 0.99999999999\n"
            "  gates:\n    accuracy: {significance: no significant drop}\n",
        ),
        [
            "mlops.yaml:18:15: compare.confidence: must be at most 0.999, found 0.99999999999: "
            "a level nearer 1 calls nearly every change noise (at 0.99999999999, a fall of "
            "accuracy of 27 points with p = 9.3e-10 was not a significant drop)",
        ],
    ),
    (  # the low bound gave the high bound's reason (audit Y, finding 4)
        "confidence-at-one-half",
        sub(
            "  - {metric: f1_macro, min: 0.8}\n",
            "  - {metric: f1_macro, min: 0.8}\ncompare:\n  confidence: 0.5\n",
        ),
        [
            "mlops.yaml:18:15: compare.confidence: must be greater than 0.5, found 0.5: an "
            "interval of 50% or less leaves out the true change at least as often as it holds "
            "it, and calls noise significant as often (0.95 is usual; 0.9 for a quicker alarm)",
        ],
    ),
    (  # no advice on resamples for a level refused anyway ("at least 200000")
        "confidence-past-0.999-beside-a-resampled-gate",
        sub(
            "  - {metric: f1_macro, min: 0.8}\n",
            "  - {metric: f1_macro, min: 0.8}\ncompare:\n  confidence: 0.99999\n"
            "  gates:\n    f1_macro: {significance: no significant drop}\n",
        ),
        [
            "mlops.yaml:18:15: compare.confidence: must be at most 0.999, found 0.99999: "
            "a level nearer 1 calls nearly every change noise (at 0.99999999999, a fall of "
            "accuracy of 27 points with p = 9.3e-10 was not a significant drop)",
        ],
    ),
    (
        "nan-max-fraction",
        sub(
            "    plan: {type: category, values: [basic, pro]}\n",
            "    plan: {type: category, values: [basic, pro]}\n  checks:\n    duplicates: {max_fraction: .nan}\n",
        ),
        [
            "mlops.yaml:10:32: data.checks.duplicates.max_fraction: must be a number, found .nan",
        ],
    ),
    (
        "control-character",
        sub("  target: churned", "  target: churned\x07"),
        [
            "mlops.yaml:5:18: character U+0007 is not allowed in YAML text; remove it, or write it as \\u0007 inside double quotes",
        ],
    ),
    (
        "nested-too-deeply",
        BASE + "description: " + "[" * 60 + "]" * 60 + "\n",
        [
            "mlops.yaml:17:64: lists and mappings nest more than 50 levels deep; a manifest needs a few",
        ],
    ),
    (
        # libyaml's C composer overflowed the stack (SIGSEGV) at some 25,000 levels
        "nested-deep-enough-to-crash-libyaml",
        "[" * 30_000 + "]" * 30_000,
        [
            "mlops.yaml:1:1: lists and mappings nest more than 50 levels deep; a manifest needs a few",
        ],
    ),
    (
        "file-name-too-long-for-the-file-system",
        sub("data/test.csv", "data/" + "t" * 300 + ".csv"),
        [
            f"mlops.yaml:4:9: data.test: file 'data/{'t' * 300}.csv' does not exist (add data.prepare to write it, or track it with DVC)",
        ],
    ),
    (
        "many-problems-at-once",
        sub("name: churn", "name: Churn")
        .replace("task: classification", "task: regresion")
        .replace("timeout: 30m", "timeout: soon")
        .replace("min: 18", "min: old"),
        [
            "mlops.yaml:1:7: name: found 'Churn', expected lowercase letters, digits and inner dashes, such as churn-model",
            "mlops.yaml:7:31: data.columns.age.min: expected a number, found 'old'",
            "mlops.yaml:11:12: train.timeout: found 'soon', expected a duration such as 90s, 30m or 1h30m",
            "mlops.yaml:13:9: evaluate.task: found 'regresion', expected one of: classification, regression; did you mean 'regression'?",
        ],
    ),
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/train.csv").write_text("age,plan,churned\n30,pro,0\n")
    (tmp_path / "data/test.csv").write_text("age,plan,churned\n40,basic,1\n")
    return tmp_path


def test_the_base_manifest_is_valid(root: Path) -> None:
    assert parse(BASE.encode(), name="mlops.yaml", root=root).name == "churn"


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_manifest(root: Path, text: str, expected: list[str]) -> None:
    with pytest.raises(ManifestError) as error:
        parse(text.encode(), name="mlops.yaml", root=root)
    assert [str(p) for p in error.value.problems] == expected
    assert error.value.exit_code == 2
    assert "Traceback" not in str(error.value)


def test_two_class_metrics_of_a_declared_two_class_target_are_valid(root: Path) -> None:
    text = sub(
        "    plan: {type: category, values: [basic, pro]}\n",
        "    plan: {type: category, values: [basic, pro]}\n    churned: {values: [stayed, left]}\n",
    ).replace("[accuracy, f1_macro]", "[accuracy, f1, brier_score]")
    assert parse(text.encode(), name="mlops.yaml", root=root).evaluate.metrics[1] == "f1"
    # a top-2 accuracy of two classes is 1 by definition: said here, not at the run (where
    # a model without probabilities was blamed for it)
    top = text.replace("[accuracy, f1, brier_score]", "[accuracy, top_2_accuracy]")
    with pytest.raises(ManifestError) as error:
        parse(top.encode(), name="mlops.yaml", root=root)
    assert [p.message for p in error.value.problems] == [
        "'top_2_accuracy' needs more than 2 classes, and data.columns.churned.values declares "
        "2 (with as few it is 1 by definition): use accuracy"
    ]
    # as what a sweep ranks by: it trained every configuration, then had no winner
    (root / "params.yaml").write_text("train:\n  C: 1.0\n")
    ranked = text + "sweep:\n  grid: {train.C: [0.1, 1.0]}\n  metric: top_2_accuracy\n"
    with pytest.raises(ManifestError) as error:
        parse(ranked.encode(), name="mlops.yaml", root=root)
    assert [p.path for p in error.value.problems] == ["sweep.metric"]


def test_non_utf8_bytes(root: Path) -> None:
    with pytest.raises(ManifestError) as error:
        parse(b"name: churn\ndata: \xff\xfe\n", name="mlops.yaml", root=root)
    assert [str(p) for p in error.value.problems] == [
        "mlops.yaml:2:7: not UTF-8 text (byte 0xff); save the manifest as UTF-8"
    ]


@pytest.mark.parametrize("trap", ["on", "off", "yes", "no", "2024-01-01", "1:30", "1e3x", "~x"])
def test_yaml_1_1_traps_read_as_strings(root: Path, trap: str) -> None:
    for name in ("train", "test"):  # a column of that name, as the target must be
        (root / f"data/{name}.csv").write_text(f"age,plan,{trap}\n30,pro,0\n")
    manifest = parse(
        BASE.replace("target: churned", f"target: {trap}").encode(), name="mlops.yaml", root=root
    )
    assert manifest.data.target == trap


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30
