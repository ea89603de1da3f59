"""The configurations a sweep names, and the matrix a workflow runs them from: pure, so
every shape is checked here without training anything."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.cli import parser
from mlgate.errors import ManifestError, UserError
from mlgate.manifest.spec import Sweep
from mlgate.report import sweep_tables
from mlgate.result.records import SweepRecord, SweptConfiguration
from mlgate.sweep import matrix, space
from tests import projects
from tests.conftest import REPO_ROOT


def test_a_grid_is_every_combination_in_the_manifests_order() -> None:
    made = space.configurations(
        Sweep(grid={"train.C": (0.01, 0.1, 1, 10), "train.max_iter": (200, 1000)})
    )
    assert [c.params for c in made][:3] == [
        {"train.C": 0.01, "train.max_iter": 200},
        {"train.C": 0.01, "train.max_iter": 1000},
        {"train.C": 0.1, "train.max_iter": 200},
    ]
    assert len(made) == 8 and len({c.id for c in made}) == 8
    assert made[0].label() == "train.C=0.01, train.max_iter=200"


def test_an_id_is_the_values_hash_whatever_the_order_they_were_written_in() -> None:
    a = space.configuration({"train.C": 1, "train.solver": "lbfgs"})
    b = space.configuration({"train.solver": "lbfgs", "train.C": 1})
    assert a.id == b.id and len(a.id) == space.ID_LENGTH
    assert a.id != space.configuration({"train.C": 1.5, "train.solver": "lbfgs"}).id


def test_random_draws_are_seeded_within_their_ranges_and_never_repeat() -> None:
    spec = Sweep(
        random={
            "samples": 40,
            "seed": 3,
            "space": {
                "train.C": {"low": 0.001, "high": 100, "log": True},
                "train.depth": {"low": 2, "high": 6, "integer": True},
                "train.penalty": ["l1", "l2"],
            },
        }
    )
    made = space.configurations(spec)
    assert [c.params for c in made] == [c.params for c in space.configurations(spec)]
    assert all(0.001 <= c.params["train.C"] <= 100 for c in made)
    assert {c.params["train.depth"] for c in made} <= {2, 3, 4, 5, 6}
    assert {c.params["train.penalty"] for c in made} == {"l1", "l2"}
    assert len({c.id for c in made}) == len(made)
    # on a log scale, as many draws below 0.1 as above 10 (each two of five decades)
    low = sum(c.params["train.C"] < 0.1 for c in made)
    high = sum(c.params["train.C"] > 10 for c in made)
    assert abs(low - high) <= 10
    few = Sweep(random={"samples": 50, "seed": 0, "space": {"train.penalty": ["l1", "l2"]}})
    assert len(space.configurations(few)) == 2  # repeats left out


def test_the_matrix_has_a_job_a_configuration_up_to_githubs_limit_then_shards() -> None:
    small = space.grid({"train.C": list(range(16))})
    plan = matrix.matrix(small)
    assert not plan.sharded and len(plan.include) == 16 and plan.said() == ""
    assert plan.include[0] == {"shard": "1/16", "configurations": small[0].id}
    big = space.grid({"train.C": list(range(600))})
    plan = matrix.matrix(big)
    assert plan.sharded and len(plan.include) == 200  # 3 a job
    assert plan.said() == (
        "600 configurations are more than GitHub's 256 jobs a matrix: 200 jobs, each running "
        "up to 3 configurations"
    )
    assert len(plan.include) <= matrix.MAX_JOBS
    ids = [i for job in plan.include for i in job["configurations"].split(",")]
    assert ids == [c.id for c in big]  # every configuration once, in order
    assert len(json.dumps(plan.document())) < matrix.OUTPUT_LIMIT


def written(
    tmp_path: Path, sweep: str, params: str = "train:\n  C: 1.0\n  max_iter: 100\n"
) -> Path:
    files = projects.iris_files(Path())
    files["mlops.yaml"] = projects.IRIS_MANIFEST + sweep
    files["params.yaml"] = params
    return projects.write(tmp_path / "p", files)


def test_the_manifest_names_a_sweep_over_values_the_params_file_holds(tmp_path: Path) -> None:
    root = written(
        tmp_path, "sweep:\n  grid: {train.C: [0.1, 1], train.max_iter: [100]}\n  metric: f1_macro\n"
    )
    loaded = manifests.load(root / "mlops.yaml")
    assert loaded.sweep.grid == {"train.C": (0.1, 1), "train.max_iter": (100,)}
    assert loaded.sweep.metric == "f1_macro" and loaded.sweep.holdout == 0.5


@pytest.mark.parametrize(
    ("sweep", "said"),
    [
        (
            "sweep:\n  grid: {train.c: [0.1, 1]}\n",
            "sweep.grid.train.c: params.yaml has no value at 'train.c' (it has: train.C, "
            "train.max_iter); did you mean 'train.C'?",
        ),
        (
            "sweep:\n  grid: {train.C: [1]}\n  random: {samples: 3, space: {train.C: [1]}}\n",
            "sweep: name a grid (sweep.grid), random draws (sweep.random) or Optuna's trials "
            "(sweep.optuna), one of the three",
        ),
        (
            "sweep:\n  optuna: {trials: 3, space: {train.C: {low: 2, high: 1}}}\n",
            "sweep.optuna.space.train.C: low must be below high",
        ),
        (
            "sweep:\n  optuna: {trials: 3, space: {train.max_iters: {low: 1, high: 9}}}\n",
            "sweep.optuna.space.train.max_iters: params.yaml has no value at 'train.max_iters'",
        ),
        (
            "sweep:\n  optuna: {trials: 3, sampler: hyperband, space: {train.C: [1, 2]}}\n",
            "sweep.optuna.sampler",
        ),
        (
            "sweep:\n  random: {samples: 3, space: {train.C: {low: 0, high: 1, log: true}}}\n",
            "sweep.random.space.train.C: a log scale needs low above 0",
        ),
        (
            "sweep:\n  random: {samples: 3, space: {train.C: {low: 2, high: 1}}}\n",
            "sweep.random.space.train.C: low must be below high",
        ),
        (
            "sweep:\n  grid: {train.C: []}\n",
            "sweep.grid.train.C",
        ),
        (  # it said "has no value at 'train'", where the file holds a mapping
            "sweep:\n  grid: {train: [1, 2]}\n",
            "sweep.grid.train: params.yaml holds a mapping at 'train', and a sweep sets one "
            "value: name a value under it, such as 'train.C' (it has: train.C, train.max_iter)",
        ),
    ],
)
def test_a_wrong_sweep_is_named_where_it_stands(tmp_path: Path, sweep: str, said: str) -> None:
    root = written(tmp_path, sweep)
    with pytest.raises(ManifestError) as refused:
        manifests.load(root / "mlops.yaml")
    assert said in str(refused.value)
    assert "mlops.yaml:" in str(refused.value)  # with its line


def swept(made: list[space.Configuration], figures: list[float]) -> SweepRecord:
    """A sweep as a run keeps it, no winner named (the tables draw it all the same)."""
    return SweepRecord(
        metric="accuracy",
        holdout=0.5,
        choosing_rows=9,
        held_out_rows=9,
        configurations=tuple(
            SweptConfiguration(id=c.id, params=c.params, status="passed", figure=f)
            for c, f in zip(made, figures, strict=True)
        ),
        winner=None,
        choosing=None,
        held_out=None,
    )


def test_the_chart_draws_the_best_figure_for_each_value_of_each_parameter() -> None:
    made = space.grid({"train.C": [10, 0.1, 1], "train.solver": ["lbfgs", "saga"]})
    drawn = sweep_tables.chart_text(swept(made, [0.8 + 0.01 * i for i in range(len(made))]))
    # C=0.1: configurations 2 and 3 (0.82, 0.83); C=1: 4 and 5; C=10: 0 and 1, by size
    assert 'x-axis ["0.1", "1", "10"]' in drawn and "line [0.8300, 0.8500, 0.8100]" in drawn
    assert 'x-axis ["lbfgs", "saga"]' in drawn and "line [0.8400, 0.8500]" in drawn
    # a boolean or null as the table and the params file write it, not as Python prints it
    made = space.grid({"train.fit_intercept": [True, False], "train.tol": [None, 0.1]})
    drawn = sweep_tables.chart_text(swept(made, [0.8, 0.7, 0.6, 0.5]))
    assert 'x-axis ["false", "true"]' in drawn and 'x-axis ["0.1", "null"]' in drawn


def test_a_big_sweeps_table_stays_within_a_comment() -> None:
    made = space.grid({"train.C": list(range(5000))})
    text = sweep_tables.markdown(swept(made, [0.5] * len(made)))
    assert len(text) < 65_536 and "| | 4,950 more configurations | | | |" in text
    assert "(train.C: 5,000 values, too many to draw)" in text
    assert "no winner: no configuration has a figure to rank by" in text


NUMBERS = ", ".join(map(str, range(100)))


@pytest.mark.parametrize(
    ("sweep", "params", "said"),
    [
        (  # the same configuration twice: two workers in one folder
            "sweep:\n  grid: {train.C: [1, 1, 1.0, 2]}\n",
            None,
            [
                "19:23: sweep.grid.train.C[1]: 1 repeats 1 at index 0: list each value once",
                "19:26: sweep.grid.train.C[2]: 1.0 repeats 1 at index 0 (the same number): "
                "list each value once",
            ],
        ),
        (  # counted, not built: a product of 100^3
            f"sweep:\n  grid: {{train.C: [{NUMBERS}], train.max_iter: [{NUMBERS}], "
            f"train.tol: [{NUMBERS}]}}\n",
            "train:\n  C: 1.0\n  max_iter: 100\n  tol: 0.001\n",
            [
                "19:9: sweep.grid: makes 1,000,000 configurations (100 x 100 x 100 values), "
                "more than the 10,000 a sweep may run: list fewer values, or draw sweep.random "
                "samples from the same space"
            ],
        ),
        (
            "sweep:\n  grid: {train.C: [.nan, 1, -.inf]}\n",
            None,
            [
                "19:20: sweep.grid.train.C[0]: must be a finite number, found .nan",
                "19:29: sweep.grid.train.C[2]: must be a finite number, found -.inf",
            ],
        ),
        (
            "sweep:\n  random:\n    samples: 3\n    space:\n"
            "      train.C: {low: 0.01, high: .inf, log: true}\n"
            "      train.max_iter: {low: .nan, high: 1}\n",
            None,
            [
                "22:34: sweep.random.space.train.C.high: must be a finite number, found .inf",
                "23:29: sweep.random.space.train.max_iter.low: must be a finite number, found .nan",
            ],
        ),
        (
            "sweep:\n  optuna: {trials: 3, space: {train.C: [1, .inf]}}\n",
            None,
            ["19:44: sweep.optuna.space.train.C[1]: must be a finite number, found .inf"],
        ),
        (  # evaluate.metrics (accuracy first) say classification
            "sweep:\n  grid: {train.C: [1]}\n  metric: rmse\n",
            None,
            [
                "20:11: sweep.metric: 'rmse' is a regression metric, but 'accuracy' is a "
                "classification metric: rank by a classification metric"
            ],
        ),
        (
            "sweep:\n  grid: {}\n",
            None,
            [
                "19:9: sweep.grid: is empty; expected a mapping of params paths to lists of "
                "values, such as {train.C: [0.1, 1]}"
            ],
        ),
        (
            "sweep:\n  random: {samples: 3, space: {}}\n",
            None,
            [
                "19:31: sweep.random.space: is empty; name at least one key, each with a list "
                "of choices, or {low, high} with optional log and integer"
            ],
        ),
        (  # the sweep would write train: {a: {b: 5}} beside "a.b": 3, unread
            "sweep:\n  grid: {train.a.b: [5]}\n",
            'train:\n  "a.b": 3\n  C: 1.0\n',
            [
                "19:10: sweep.grid.train.a.b: params.yaml holds 'train.a.b' only through a key "
                "with a dot in its name, which a sweep cannot set: it writes each part of the "
                "path as a key of its own; rename that key in params.yaml"
            ],
        ),
        (  # train.a is a number: nothing can be written under it
            "sweep:\n  grid: {train.a.b: [5]}\n",
            'train:\n  a: 1\n  "a.b": 3\n',
            ["19:10: sweep.grid.train.a.b: params.yaml holds 'train.a.b' only through a key"],
        ),
        (  # round(0.00004 * 10,000) is 0: no held-out row, and the gate on none failed
            "sweep:\n  grid: {train.C: [1, 2]}\n  holdout: 0.00004\n",
            None,
            [
                "20:12: sweep.holdout: no test row is held out (rows are split in "
                "steps of 1/10,000); use at least 0.0001 and at most 0.9999"
            ],
        ),
        (
            "sweep:\n  grid: {train.C: [1, 2]}\n  holdout: 0.99996\n",
            None,
            ["20:12: sweep.holdout: no test row is left to rank on"],
        ),
    ],
    ids=[
        "repeated-values",
        "grid-past-the-cap",
        "non-finite-grid-values",
        "non-finite-bounds",
        "non-finite-choice",
        "metric-of-another-task",
        "empty-grid",
        "empty-space",
        "key-with-a-dot",
        "key-with-a-dot-beside-a-number",
        "holdout-of-no-row",
        "holdout-of-every-row",
    ],
)
def test_a_sweep_that_would_not_run_as_written_is_refused_where_it_stands(
    tmp_path: Path, sweep: str, params: str | None, said: list[str]
) -> None:
    root = written(tmp_path, sweep, *([params] if params else []))
    with pytest.raises(ManifestError) as refused:
        manifests.load(root / "mlops.yaml")
    for line in said:
        assert f"mlops.yaml:{line}" in str(refused.value)
    assert str(refused.value).count("\n  ") == len(said)  # nothing else


def test_a_sweep_metric_of_another_task_than_the_declared_one_is_refused(tmp_path: Path) -> None:
    files = projects.iris_files(Path())
    manifest = projects.IRIS_MANIFEST.replace("evaluate:\n", "evaluate:\n  task: classification\n")
    files["mlops.yaml"] = manifest + "sweep:\n  grid: {train.C: [1]}\n  metric: mae\n"
    root = projects.write(tmp_path / "p", files)
    with pytest.raises(ManifestError) as refused:
        manifests.load(root / "mlops.yaml")
    assert (
        "mlops.yaml:21:11: sweep.metric: 'mae' is a regression metric, but evaluate.task is "
        "classification: rank by a classification metric"
    ) in str(refused.value)


def test_a_key_with_dots_nested_as_the_sweep_writes_it_is_swept(tmp_path: Path) -> None:
    root = written(tmp_path, "sweep:\n  grid: {train.a.b: [5, 6]}\n", "train:\n  a: {b: 3}\n")
    assert manifests.load(root / "mlops.yaml").sweep.grid == {"train.a.b": (5, 6)}


def test_a_value_is_written_at_the_key_yaml_read_not_beside_it(tmp_path: Path) -> None:
    """`1:` is a number to YAML: the sweep's value replaces its value, and no text key "1"
    appears beside it for the script never to read."""
    import yaml

    from mlgate.sweep import copies

    root = written(tmp_path, "sweep:\n  grid: {train.1: [5]}\n", "train:\n  1: 0.5\n  C: 1\n")
    copies.write_params(manifests.load(root / "mlops.yaml"), {"train.1": 5})
    assert yaml.safe_load((root / "params.yaml").read_text()) == {"train": {1: 5, "C": 1}}


def test_values_are_written_as_the_params_reader_reads_them_back(tmp_path: Path) -> None:
    """PyYAML writes YAML 1.1: the text "1e3" went plain, and the params reader (YAML 1.2,
    as DVC's) took it back as 1000.0, so a matrix job's run held other values than its
    configuration and `sweep collect` refused it."""
    from mlgate.manifest import params
    from mlgate.sweep import copies

    root = written(tmp_path, "sweep:\n  grid: {train.s: ['1e3']}\n", "train:\n  s: x\n")
    texts = ["1e3", "0o17", "yes", "True", "null", ".inf", "a b", "α€😀", "", "- x", "#", "plain"]
    values = {f"train.t{i}": t for i, t in enumerate(texts)} | {"train.n": 1e-3, "train.b": True}
    copies.write_params(manifests.load(root / "mlops.yaml"), values)
    assert params.read(root, "params.yaml") == {"train.s": "x", **values}


def test_a_json_params_file_stays_json(tmp_path: Path) -> None:
    """It was rewritten as YAML, and every script that read it with json.load failed."""
    import json

    from mlgate.sweep import copies

    root = written(tmp_path, "sweep:\n  grid: {train.C: [5]}\n", "")
    (root / "params.yaml").unlink()
    (root / "params.json").write_text('{"train": {"C": 1, "name": "1e3"}}')
    text = (
        (root / "mlops.yaml").read_text().replace("train:\n", "train:\n  params: params.json\n", 1)
    )
    (root / "mlops.yaml").write_text(text)
    copies.write_params(manifests.load(root / "mlops.yaml"), {"train.C": 5, "train.label": "ü"})
    written_back = json.loads((root / "params.json").read_text(encoding="utf-8"))
    assert written_back == {"train": {"C": 5, "name": "1e3", "label": "ü"}}


PARAMS_1_1 = """# the model's settings
train:
  C: 1.0  # swept
  lr: 1e-3
  tag: yes
  octal: 010
  name: 'x'
"""


def test_a_yaml_copy_changes_only_the_swept_values(tmp_path: Path) -> None:
    """The file was read as YAML 1.1 and written back whole: `1e-3` came back the text
    "1e-3", `yes` true and `010` 8, and `sweep collect` refused every run for values
    the sweep never set. Now the swept value is written where it stood, and the rest of
    the text, comments too, is left as it was."""
    from mlgate.manifest import params
    from mlgate.sweep import copies

    root = written(tmp_path, "sweep:\n  grid: {train.C: [5]}\n", PARAMS_1_1)
    copies.write_params(manifests.load(root / "mlops.yaml"), {"train.C": 0.5})
    assert (root / "params.yaml").read_text() == PARAMS_1_1.replace("1.0", "0.5")
    assert params.read(root, "params.yaml") == {
        "train.C": 0.5,
        "train.lr": 0.001,
        "train.tag": "yes",
        "train.octal": 10,
        "train.name": "x",
    }


def test_a_value_shared_through_an_alias_is_set_at_its_path_alone(tmp_path: Path) -> None:
    """Editing an anchor's text would change every key that names it: the file is
    written again from its values as a run reads them (YAML 1.2), so `1e-3` stays 0.001."""
    from mlgate.manifest import params
    from mlgate.sweep import copies

    text = "base: &b {C: 1, lr: 1e-3}\ntrain: *b\n"
    root = written(tmp_path, "sweep:\n  grid: {train.C: [5]}\n", text)
    copies.write_params(manifests.load(root / "mlops.yaml"), {"train.C": 5})
    assert params.read(root, "params.yaml") == {
        "base.C": 1,
        "base.lr": 0.001,
        "train.C": 5,
        "train.lr": 0.001,
    }


def test_a_json_copy_keeps_the_numbers_the_sweep_does_not_set(tmp_path: Path) -> None:
    """PyYAML read `1e-4` in a JSON file as the text "1e-4", and every training failed."""
    from mlgate.sweep import copies

    root = written(tmp_path, "sweep:\n  grid: {clf.C: [5]}\n", "")
    (root / "params.yaml").unlink()
    (root / "params.json").write_text('{"clf": {"C": 1.0, "tol": 1e-4, "big": 1e300}}')
    text = (root / "mlops.yaml").read_text()
    (root / "mlops.yaml").write_text(text.replace("train:\n", "train:\n  params: params.json\n", 1))
    copies.write_params(manifests.load(root / "mlops.yaml"), {"clf.C": 0.1})
    kept = json.loads((root / "params.json").read_text())
    assert kept == {"clf": {"C": 0.1, "tol": 0.0001, "big": 1e300}}


def test_a_grid_never_gives_a_configuration_twice() -> None:
    made = space.grid({"train.C": [1, 1, 2], "train.solver": ["saga", "saga"]})
    assert [c.params for c in made] == [
        {"train.C": 1, "train.solver": "saga"},
        {"train.C": 2, "train.solver": "saga"},
    ]


class Unlistable:
    """100 values that may be counted but not listed: a grid past the cap is refused
    before its product is built (not after hours of building it)."""

    def __len__(self) -> int:
        return 100

    def __iter__(self) -> Iterator[int]:
        raise AssertionError("the grid was enumerated")


def test_a_grid_past_the_cap_is_refused_without_being_built() -> None:
    from mlgate.manifest.semantic_checks import MAX_CONFIGURATIONS

    schema = json.loads((REPO_ROOT / "src/mlgate/manifest/schema.json").read_text())
    samples = schema["$defs"]["sweep"]["properties"]["random"]["properties"]["samples"]
    assert samples["maximum"] == MAX_CONFIGURATIONS
    big = Sweep(grid={f"train.k{i}": Unlistable() for i in range(4)})  # type: ignore[misc]
    with pytest.raises(UserError) as refused:
        space.configurations(big)
    assert str(refused.value).startswith(
        "sweep.grid makes 100,000,000 configurations, more than the 10,000 a sweep may run"
    )
    assert len(space.grid({"train.C": list(range(100)), "train.x": list(range(100))})) == 10_000


def test_only_gives_each_configuration_once_however_often_it_is_named() -> None:
    made = space.grid({"train.C": [1, 2]})
    assert space.only(made, f"{made[1].id}, {made[1].id},{made[0].id}") == [made[1], made[0]]


@pytest.mark.parametrize("workers", ["-3", "0", "two", "1.5"])
def test_sweep_workers_must_be_a_whole_number_of_at_least_1(
    workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parser.build().parse_args(["sweep", "--workers", workers])
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert f"argument --workers: '{workers}' is not a whole number of at least 1" in said
    assert parser.build().parse_args(["sweep", "--workers", "3"]).workers == 3


def test_the_winners_line_counts_the_configurations_that_ranked() -> None:
    """With one job's upload missing, the line said the rows "ranked the 4 configurations"
    where 3 had a figure to rank by."""
    from dataclasses import replace

    made = space.grid({"train.C": [10, 0.1, 1, 3]})
    record = swept(made, [0.9, 0.8, 0.7, 0.6])
    lost = replace(record.configurations[3], status="missing", figure=None)
    record = replace(
        record,
        configurations=(*record.configurations[:3], lost),
        winner=made[0].id,
        choosing=0.9,
        held_out=0.85,
    )
    said = sweep_tables.winner(record)
    assert "0.9000 on the 9 rows that ranked the 3 configurations (the best" in said


def test_the_terminal_table_keeps_its_params_in_one_column() -> None:
    """A status such as "passed on the ranking rows (failed on all)" pushed that row's
    params out of line with the others'."""
    from dataclasses import replace

    made = space.grid({"train.C": [10, 0.1, 1]})
    record = swept(made, [0.9, 0.8, 0.7])
    odd = replace(record.configurations[1], status="failed", passed_where_ranked=True)
    record = replace(
        record, configurations=(record.configurations[0], odd, record.configurations[2])
    )
    table = sweep_tables.text(record).split("\n\n")[0].splitlines()
    assert "passed on the ranking rows (failed on all)" in table[2]
    starts = {line.index("train.C=") for line in table[1:]}
    assert len(starts) == 1 and table[0].index("params") == starts.pop()


@pytest.mark.parametrize(
    ("low", "high", "log", "whole"),
    [
        (0.2, 2.9, False, {1, 2}),
        (0.2, 2.9, True, {1, 2}),
        (0.2, 0.8, False, {1}),  # none: validate refuses it; Optuna draws ceil(low)
        (2, 6, False, {2, 3, 4, 5, 6}),
    ],
)
def test_whole_numbers_are_drawn_within_the_range_as_optuna_reads_it(
    low: float, high: float, log: bool, whole: set[int]
) -> None:
    """Rounding a draw from {low: 0.2, high: 2.9} gave 0 and 3, outside the range, where
    Optuna draws from 1 to 2: the same space meant other values to random and optuna."""
    dim = space.Range(low=low, high=high, log=log, integer=True)
    rng = random.Random(0)
    assert {dim.draw(rng) for _ in range(400)} == whole


def test_an_integer_range_with_no_whole_number_is_refused(tmp_path: Path) -> None:
    """`{low: 0.2, high: 0.8, integer: true}` was valid, and drew 0 and 1."""
    sweep = (
        "sweep:\n  random:\n    samples: 5\n    space:\n"
        "      train.max_iter: {low: 0.2, high: 0.8, integer: true}\n"
    )
    with pytest.raises(ManifestError) as refused:
        manifests.load(written(tmp_path, sweep) / "mlops.yaml")
    assert "there is none from 0.2 to 0.8: set low to 0 or high to 1" in str(refused.value)


def test_only_naming_nothing_is_refused_and_collects_options_follow_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--only ""` ran, ranked and gated the whole sweep; `collect DIR --format markdown`
    was "unrecognized arguments"."""
    from mlgate.cli.main import main

    root = written(tmp_path, "sweep:\n  grid: {train.C: [0.1, 1]}\n")
    for nothing in ("", ","):
        assert main(["sweep", "-C", str(root), "--only", nothing]) == 2
        assert "--only names no configuration" in capsys.readouterr().err
    assert not (root / ".mlgate").exists()  # nothing ran
    (tmp_path / "empty").mkdir()
    after = main(
        ["sweep", "collect", str(tmp_path / "empty"), "-C", str(root), "--format", "markdown"]
    )
    said = capsys.readouterr()
    assert "unrecognized arguments" not in said.err
    assert after == 1 and "| rank |" in said.out  # every configuration missing: markdown
