"""The manifest's slices and fairness checks, wired: the evaluation keeps the named columns
for each row, the candidate's figures equal scikit-learn's and fairlearn's on each slice
and group, and against a baseline a planted loss on one slice fails the slice gate while,
over 100 seeds of models that differ only by chance, almost none raise any alarm."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import sklearn
from fairlearn import metrics as fairlearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    matthews_corrcoef,
    recall_score,
    roc_auc_score,
)

from mlgate import manifest as manifests
from mlgate.compare import subgroups
from mlgate.compare.paired import Paired
from mlgate.manifest.spec import Discover, Manifest
from mlgate.model import checks, evaluate
from mlgate.result import arrays, document, row_values
from mlgate.result.records import EvaluateStage, RowValues

MANIFEST = """\
name: loans
data:
  train: train.csv
  test: test.csv
  target: repaid
  features: [x1, x2]
train:
  command: python train.py
evaluate:
  metrics: [accuracy, recall, f1_macro, matthews_corrcoef, roc_auc, average_precision,
            log_loss, brier_score]
  positive_label: "yes"
  slices: [region, {column: age, bins: [18, 40, 65, 90]}, {columns: [region, age]}]
model_checks:
  - {fairness: demographic_parity_difference, sensitive: region, max: 0.3,
     significance: no significant worsening}
  - {fairness: equalized_odds_difference, sensitive: region, max: 0.01}
compare:
  resamples: 400
  gates:
    recall: {significance: no significant drop, slices: true}
"""


def frame(seed: int, rows: int = 3000) -> pd.DataFrame:
    """The label depends on x1 and x2 only: region and age say nothing about it."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, rows))
    region = rng.choice(["north", "south", "east", None], rows, p=[0.45, 0.3, 0.2, 0.05])
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "region": region,
            "age": rng.integers(18, 91, rows).astype(float),
            "repaid": np.where(x1 + 0.5 * x2 + rng.normal(size=rows) > 0, "yes", "no"),
        }
    )


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    root = tmp_path_factory.mktemp("loans")
    (root / "mlops.yaml").write_text(MANIFEST)
    for name in ("train", "test"):
        frame(0, 10).to_csv(root / f"{name}.csv", index=False)
    return manifests.load(root / "mlops.yaml")


def scored(
    manifest: Manifest, train: pd.DataFrame, test: pd.DataFrame, forest_seed: int | None = None
) -> EvaluateStage:
    """A logistic regression, or a small random forest grown from `forest_seed`."""
    model = (
        LogisticRegression()
        if forest_seed is None
        else RandomForestClassifier(n_estimators=15, max_depth=6, random_state=forest_seed)
    )
    # the same fit without scikit-learn checking its parameters and rows again for each of
    # a forest's trees: a quarter of the fit's time, 200 fits in the chance-alarm test
    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
        model.fit(train[["x1", "x2"]], train["repaid"])
    return evaluate.score(manifest, model, test).passed("", train_rows=None)


def paired(candidate: EvaluateStage, baseline: EvaluateStage) -> Paired:
    """Both scored on the same test rows, in the same order and class order."""
    kept = candidate.predictions
    assert kept is not None and baseline.predictions is not None
    return Paired(
        y_true=arrays.decode(kept.y_true).astype(np.int64),
        candidate_pred=arrays.decode(kept.y_pred).astype(np.int64),
        baseline_pred=arrays.decode(baseline.predictions.y_pred).astype(np.int64),
        candidate_scores=None,
        baseline_scores=None,
        n_classes=2,
        positive_index=candidate.positive_index,
        same_data=True,
        rows=np.arange(kept.rows),
    )


def planted(manifest: Manifest) -> tuple[pd.DataFrame, EvaluateStage, EvaluateStage]:
    """Test rows, a baseline scored on them, and a candidate that is the baseline but says
    "no" to a third of the old people."""
    test = frame(7, 6000)
    baseline = scored(manifest, frame(8), test)
    kept = baseline.predictions
    assert kept is not None
    pred = arrays.decode(kept.y_pred).copy()
    old = (test["age"] >= 65).to_numpy() & (np.arange(len(test)) % 3 == 0)
    pred[old] = list(kept.classes or ()).index("no")
    return test, baseline, replace(baseline, predictions=replace(kept, y_pred=arrays.encode(pred)))


def test_the_named_columns_are_kept_for_each_row_and_survive_run_json(manifest: Manifest) -> None:
    test = frame(1, 500)
    stage = scored(manifest, frame(2), test)
    kept = stage.predictions
    assert kept is not None and set(kept.columns) == {"region", "age"}
    region = row_values.decode(kept.columns["region"])
    missing = test["region"].isna().to_numpy()
    assert missing.any() and all(v is None for v in region[missing])  # None where missing
    assert region[~missing].tolist() == test["region"][~missing].tolist()
    assert np.array_equal(row_values.decode(kept.columns["age"]), test["age"].to_numpy())
    # the arrays go through run.json's reader, which checks every code
    loaded = document.from_dict(type(kept), json.loads(json.dumps(document.to_dict(kept))))
    assert loaded.columns == kept.columns


def test_a_hostile_code_in_run_json_is_refused(manifest: Manifest) -> None:
    stage = scored(manifest, frame(2), frame(1, 50))
    kept = stage.predictions
    assert kept is not None
    bad = np.full(50, 7, np.int32)  # region has 3 labels: codes 0..2 and -1
    forged = replace(
        kept,
        columns={
            **kept.columns,
            "region": RowValues(values=arrays.encode(bad), labels=("a", "b", "c")),
        },
    )
    assert "columns.region holds codes outside -1..2" in document._predictions_problem(forged)


def test_each_slices_figures_are_scikit_learns_on_its_rows(manifest: Manifest) -> None:
    test = frame(3, 2000)
    stage = scored(manifest, frame(4), test)
    found = subgroups.slice_figures(manifest, stage)
    model = LogisticRegression().fit(frame(4)[["x1", "x2"]], frame(4)["repaid"])
    predicted = model.predict(test[["x1", "x2"]])
    region = test["region"].fillna("(missing)")
    assert [f.value for f in found if f.slicing == "region"] == sorted(region.unique())
    assert sum(f.rows for f in found if f.slicing == "age") == len(test)
    assert {f.slicing for f in found} == {"region", "age", "region & age"}
    for f in found:
        if f.slicing != "region":
            continue
        rows = (region == f.value).to_numpy()
        assert f.rows == rows.sum()
        assert f.metrics["accuracy"] == pytest.approx(
            accuracy_score(test["repaid"][rows], predicted[rows])
        )
        assert f.metrics["recall"] == pytest.approx(
            recall_score(test["repaid"][rows], predicted[rows], pos_label="yes")
        )
    # every metric on every slice, the slices at once or one by one, is scikit-learn's
    scores = model.predict_proba(test[["x1", "x2"]])[:, 1]
    ages = test["age"].to_numpy()
    for f in found:
        if f.slicing != "age":
            continue
        low, high = (float(x) for x in f.value.strip("[])").split(", "))
        rows = (ages >= low) & ((ages <= high) if f.value.endswith("]") else (ages < high))
        truth, yes = test["repaid"][rows] == "yes", scores[rows]
        expected = {
            "f1_macro": f1_score(test["repaid"][rows], predicted[rows], average="macro"),
            "matthews_corrcoef": matthews_corrcoef(test["repaid"][rows], predicted[rows]),
            "roc_auc": roc_auc_score(truth, yes),
            "average_precision": average_precision_score(truth, yes),
            "log_loss": log_loss(truth, yes),
            "brier_score": brier_score_loss(truth, yes),
        }
        for name, value in expected.items():
            assert f.metrics[name] == pytest.approx(value, rel=1e-6), (f.value, name)
    # the edges the manifest gave, the last bin closed
    assert [f.value for f in found if f.slicing == "age"] == ["[18, 40)", "[40, 65)", "[65, 90]"]


def test_the_candidates_fairness_is_fairlearns_with_an_interval_around_it(
    manifest: Manifest,
) -> None:
    test = frame(5, 2000)
    stage = scored(manifest, frame(6), test)
    model = LogisticRegression().fit(frame(6)[["x1", "x2"]], frame(6)["repaid"])
    decided = model.predict(test[["x1", "x2"]]) == "yes"
    groups = test["region"].fillna("(missing)")
    for check in manifest.fairness_checks:
        figure = subgroups.fairness_alone(manifest, stage, check)
        assert not isinstance(figure, str), figure
        theirs = getattr(fairlearn, check.fairness)(
            test["repaid"] == "yes", decided, sensitive_features=groups
        )
        assert figure.value == pytest.approx(theirs, abs=1e-12)
        assert figure.low <= figure.value <= figure.high and figure.groups == 4
        result = checks.fairness_check(check, figure)
        assert result.observed == figure.value
        assert result.status == ("failed" if figure.value > (check.max or 0) else "passed")
    (strict,) = [c for c in manifest.fairness_checks if c.max == 0.01]
    assert (
        checks.fairness_check(strict, subgroups.fairness_alone(manifest, stage, strict)).status
        == "failed"
    )


def test_fairness_of_a_regression_or_an_unnamed_class_says_what_to_set(manifest: Manifest) -> None:
    stage = scored(manifest, frame(2), frame(1, 200))
    check = manifest.fairness_checks[0]
    assert "this model is a regression" in str(
        subgroups.fairness_alone(manifest, replace(stage, task="regression"), check)
    )
    three = replace(
        manifest,
        evaluate=replace(manifest.evaluate, positive_label=None),
    )
    kept = stage.predictions
    assert kept is not None
    with_three = replace(stage, predictions=replace(kept, classes=("maybe", "no", "yes")))
    said = subgroups.fairness_alone(three, with_three, check)
    assert isinstance(said, str) and "name it in evaluate.positive_label" in said


def test_a_loss_planted_in_one_slice_fails_the_slice_gate(manifest: Manifest) -> None:
    test, baseline, candidate = planted(manifest)
    kept = baseline.predictions
    assert kept is not None
    judged = subgroups.judge(manifest, candidate, paired(candidate, baseline))
    (gate,) = [c for c in judged.checks if c.id == "compare.slices.recall"]
    assert gate.status == "failed" and gate.manifest_key == "compare.gates.recall"
    dropped = {(c.slicing, c.value) for c in judged.slices if c.dropped}
    assert ("age", "[65, 90]") in dropped
    for _, value in dropped:  # a slice of region alone, or one whose ages reach past 65
        ages = value.rpartition("[")[2] if "[" in value else ""
        assert not ages or float(ages.split(",")[1].strip(" )]")) > 65, value
    for change in judged.slices:  # every p-value agrees with its own interval
        test_ = change.significance
        if test_ is not None:
            outside = test_.ci_high < 0 or test_.ci_low > 0
            assert outside == (test_.p_value < 1 - test_.confidence), change
            assert change.adjusted_p_value is not None and change.adjusted_p_value >= test_.p_value
    # the baseline's fairness figure on the paired rows is fairlearn's too
    (fair,) = judged.fairness
    groups = test["region"].fillna("(missing)")
    base_decided = arrays.decode(kept.y_pred) == list(kept.classes or ()).index("yes")
    assert fair.baseline == pytest.approx(
        fairlearn.demographic_parity_difference(
            test["repaid"] == "yes", base_decided, sensitive_features=groups
        )
    )


def test_discovery_finds_the_planted_loss_and_skips_identifiers(manifest: Manifest) -> None:
    test, baseline, candidate = planted(manifest)
    scanning = replace(
        manifest, evaluate=replace(manifest.evaluate, discover=Discover(metric="recall", worst=3))
    )
    columns = {
        "x1": test["x1"].to_numpy(),
        "region": test["region"].to_numpy(),
        "age": test["age"].to_numpy(),
        "email": np.array([f"u{i}@example.org" for i in range(len(test))], dtype=object),
    }
    found, said = subgroups.discovered(
        scanning, candidate, paired(candidate, baseline), lambda: columns
    )
    assert said == ("recall on the slices of 3 columns; not scanned, more than 50 values: email")
    assert len(found) == 3 and found[0].slicing == "age" and found[0].dropped
    assert float(found[0].value.strip("[").split(",")[0]) >= 65  # a bin of the old
    assert all(c.adjusted_p_value is not None for c in found)
    none, why = subgroups.discovered(scanning, candidate, None, lambda: columns)
    assert none == () and why == "not scanned: no paired rows with a baseline"
    stale, why = subgroups.discovered(
        scanning, candidate, paired(candidate, baseline), lambda: "gone"
    )
    assert stale == () and why == "not scanned: gone"


def test_without_paired_rows_the_baseline_checks_say_they_were_not_compared(
    manifest: Manifest,
) -> None:
    stage = scored(manifest, frame(2), frame(1, 200))
    judged = subgroups.judge(manifest, stage, None)
    assert [c.status for c in judged.checks] == ["skipped", "skipped"]
    assert all("not compared" in c.message for c in judged.checks)


def test_models_that_differ_only_by_chance_rarely_raise_any_alarm(manifest: Manifest) -> None:
    """The issue's bar: labels independent of the slices, the candidate the baseline retrained
    on another seed; over 100 seeds at most 5% of runs report a slice or fairness regression
    (1 of 200 when measured; each slice and figure asked alone at 5%, most runs would)."""
    alarms = raw = 0
    manifest = replace(manifest, evaluate=replace(manifest.evaluate, metrics=("recall",)))
    for seed in range(100):
        data = frame(1000 + seed, 1600)
        train, test = data.iloc[:800], data.iloc[800:]
        baseline = scored(manifest, train, test, forest_seed=2 * seed)
        candidate = scored(manifest, train, test, forest_seed=2 * seed + 1)
        judged = subgroups.judge(manifest, candidate, paired(candidate, baseline))
        alarms += any(c.status == "failed" for c in judged.checks)
        raw += any(
            c.significance is not None
            and c.significance.p_value < 0.05
            and c.candidate < c.baseline
            for c in judged.slices
        )
    assert alarms <= 5 < raw  # measured: 0 and 21


def test_a_slice_column_the_test_data_lacks_is_named_with_its_line(manifest: Manifest) -> None:
    model = LogisticRegression().fit(frame(2)[["x1", "x2"]], frame(2)["repaid"])
    lacking = frame(1, 50).rename(columns={"region": "regions"})
    with pytest.raises(evaluate.EvaluationError) as error:
        evaluate.score(manifest, model, lacking)
    assert str(error.value).startswith(
        "the test data has no column 'region', which mlops.yaml line 13 (evaluate.slices[0]) "
        "names; its columns: x1, x2, regions, age, repaid; did you mean 'regions'?"
    )
    binned = replace(
        manifest,
        evaluate=replace(
            manifest.evaluate,
            slices=(replace(manifest.evaluate.slices[0], bins=3),),
        ),
    )
    with pytest.raises(
        evaluate.EvaluationError,
        match=r"^evaluate\.slices\[0\]\.bins: 'region' holds no numbers",
    ):
        evaluate.score(binned, model, frame(1, 50))


def test_slices_are_cut_on_every_test_row_and_one_with_no_paired_row_is_listed(
    manifest: Manifest,
) -> None:
    """The comparison cut the paired rows alone: a slice none of whose rows paired (its
    rows were in the baseline's training data) went unsaid, "3 tested, 2 too small" of
    6, and quartiles of the paired rows were other slices than the candidate's own."""
    test, baseline, candidate = planted(manifest)
    young = np.flatnonzero((test["age"] < 65).to_numpy())  # no old row paired
    whole = paired(candidate, baseline)
    some = replace(whole.only(young), rows=young)
    judged = subgroups.judge(manifest, candidate, some)
    by_age = {c.value: c for c in judged.slices if c.slicing == "age"}
    assert set(by_age) == {"[18, 40)", "[40, 65)", "[65, 90]"}, set(by_age)
    old = by_age["[65, 90]"]
    assert old.rows == 0 and old.significance is None
    assert old.reason == "0 rows, under the minimum of 30"
