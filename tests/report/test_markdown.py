"""The Markdown report: verdict first, failures first, deterministic, inert untrusted text."""

from __future__ import annotations

import re
from dataclasses import replace

from mlgate.git import GitInfo
from mlgate.report import markdown, text
from mlgate.result.records import (
    Baseline,
    BatchLatency,
    CheckResult,
    CommandOutcome,
    CompareStage,
    DataStage,
    Environment,
    EvaluateStage,
    FileFingerprint,
    GateResult,
    Latency,
    MetricChange,
    ModelStage,
    ParamChange,
    RuleChange,
    RunResult,
    Significance,
    Status,
    TrainStage,
)

SHA = "ab" * 32


def check(subject: str, status: str, message: str = "ok") -> CheckResult:
    return CheckResult(
        id=f"data.test.columns.{subject}",
        stage="data",
        subject=subject,
        rule=">= 0",
        status=status,
        message=message,
    )  # type: ignore[arg-type]


def result(**changes) -> RunResult:
    base = RunResult(
        run_id="20261123T000000Z-abcdef",
        name="churn",
        mlgate_version="0.1.0",
        started_at="2026-11-23T00:00:00Z",
        duration_s=3.2,
        verdict="passed",
        summary="all 2 checks passed",
        manifest=FileFingerprint(path="mlops.yaml", sha256=SHA, bytes=120),
        git=GitInfo(commit="c" * 40, branch="feature/x", dirty=False),
        params={"train.C": 0.5},
        environment=Environment(python="3.11.7", platform="Linux", packages={"mlgate": "0.1.0"}),
        data=DataStage(status="passed", checks=(check("age", "passed"), check("plan", "passed"))),
        train=TrainStage(status="passed", message="`python train.py` finished in 1.0s"),
        evaluate=EvaluateStage(
            status="passed",
            task="classification",
            metrics={"f1": 0.91234, "roc_auc": None},
            metric_errors={"roc_auc": "no probabilities"},
        ),
        model=ModelStage(status="passed"),
    )
    return replace(base, **changes)


def test_verdict_comes_first_and_metrics_follow() -> None:
    out = markdown.render(result())
    assert out.startswith("## ✅ churn: passed\n\nall 2 checks passed\n\n### Metrics")
    assert "| f1 | 0.9123 |" in out and "| roc_auc | n/a |" in out
    assert "- roc_auc not computed: no probabilities" in out


def test_failures_are_listed_before_the_collapsed_passes() -> None:
    checks = (check("age", "passed"), check("plan", "failed", "3 of 10 rows (30.0%) below 0"))
    out = markdown.render(
        result(
            verdict="failed",
            summary="1 of 2 checks failed",
            data=DataStage(status="failed", checks=checks),
        )
    )
    failed_at = out.index("| ❌ | plan |")
    assert out.index("### Data checks: 1 of 2 passed, 1 failed") < failed_at
    assert failed_at < out.index("<details><summary>1 passed or skipped</summary>")


def test_untrusted_text_cannot_break_the_table_or_inject_html() -> None:
    evil = check("a|b", "failed", "<img src=x onerror=alert(1)> | `code`\nnext")
    out = markdown.render(result(data=DataStage(status="failed", checks=(evil,))))
    row = next(line for line in out.splitlines() if line.startswith("| ❌ |"))
    assert row == (
        "| ❌ | a\\|b | &gt;= 0 | &lt;img src=x onerror=alert(1)&gt; \\| \\`code\\` next |"
    )


def test_failed_command_output_is_shown_and_cannot_close_its_fence() -> None:
    outcome = CommandOutcome(
        command="python train.py",
        status="failed",
        exit_code=1,
        duration_s=0.5,
        log_tail=("```", "ValueError: bad"),
    )
    out = markdown.render(
        result(train=TrainStage(status="failed", outcome=outcome, message="exited with code 1"))
    )
    assert "```text\nʼʼʼ\nValueError: bad\n```" in out


def test_rendering_is_deterministic() -> None:
    assert markdown.render(result()) == markdown.render(result())


def test_terminal_summary_names_failures() -> None:
    failed = check("plan", "failed", "3 rows below 0")
    out = text.render(
        result(
            verdict="failed",
            summary="1 of 1 checks failed",
            data=DataStage(status="failed", checks=(failed,)),
        ),
        "r.md",
    )
    assert out.splitlines() == [
        "churn: FAILED - 1 of 1 checks failed",
        "  metrics: f1 0.9123, roc_auc n/a",
        "  not computed: roc_auc: no probabilities",  # "n/a" alone said nothing of why
        "  failed: plan >= 0: 3 rows below 0",
        "  report: r.md",
    ]


def test_terminal_lines_stay_single_lines() -> None:
    sneaky = check("name", "failed", "e.g. 'x\n::warning::injected'")
    out = text.render(
        result(
            verdict="failed",
            summary="1 of 1 checks failed",
            data=DataStage(status="failed", checks=(sneaky,)),
        )
    )
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "  failed: name >= 0: e.g. 'x ::warning::injected'" in out.splitlines()


# --- the comparison in the report -------------------------------------------------------


def compared(**changes) -> CompareStage:
    base = CompareStage(
        status="failed",
        baseline=Baseline(
            kind="git",
            ref="main",
            commit="d" * 40,
            name="main @ ddddddd",
            source="scored on the candidate's test rows",
            same_data=True,
            paired_rows=114,
        ),
        metrics=(
            MetricChange(
                metric="f1",
                baseline=0.95,
                candidate=0.91,
                change=-0.04,
                relative_change=-0.04 / 0.95,
                greater_is_better=True,
            ),
        ),
        gates=(
            GateResult(
                metric="f1",
                status="failed",
                candidate=0.91,
                baseline=0.95,
                change=-0.04,
                relative_change=-0.04 / 0.95,
                rule="change >= -0.01",
                explanation="f1: 0.9100 vs 0.9500 (-0.0400): change -0.0400 is below "
                "the allowed -0.01",
                manifest_key="compare.gates.f1",
                significance=Significance(
                    method="paired bootstrap",
                    rows=114,
                    delta=-0.04,
                    ci_low=-0.08,
                    ci_high=-0.005,
                    p_value=0.012,
                    confidence=0.95,
                    detectable_change=0.05,
                ),
                warning="114 paired rows cannot reliably detect the 0.01 margin",
            ),
            GateResult(
                metric="roc_auc",
                status="passed",
                candidate=0.99,
                baseline=0.99,
                change=0.0,
                relative_change=0.0,
                rule="change >= -0.02",
                explanation="roc_auc: holds",
            ),
        ),
        params=(ParamChange(name="train.C", change="changed", old=1.0, new=0.01),),
        message="1 of 2 gates failed",
    )
    return replace(base, **changes)


def test_the_gates_table_leads_with_failures_and_shows_the_paired_test() -> None:
    out = markdown.render(
        result(verdict="failed", summary="1 of 2 gates failed", compare=compared())
    )
    assert out.index("### Gates: 1 of 2 passed") < out.index("### Baseline")
    row = next(line for line in out.splitlines() if line.startswith("| ❌ | f1"))
    assert "| 0.9500 | 0.9100 | -0.0400 | -4.21% | change &gt;= -0.01 |" in row
    assert "significant, p = 0.012; 95% CI [-0.0800, -0.0050] (114 rows, paired bootstrap)" in row
    assert out.index("| ❌ | f1") < out.index("| ✅ | roc_auc")
    assert "- ⚠️ f1: 114 paired rows cannot reliably detect the 0.01 margin" in out
    assert "Compared with **main @ ddddddd**, on the same test rows." in out
    assert "| train.C | 1.0 | 0.01 |" in out


def test_parameters_say_what_kind_of_change_and_write_values_as_yaml_does() -> None:
    """An added key was counted as changed, and a flag was shown as Python's True."""
    params = (
        ParamChange(name="train.C", change="changed", old=1.0, new=0.01),
        ParamChange(name="train.balanced", change="changed", old=False, new=True),
        ParamChange(name="train.seed", change="added", new=7),
        ParamChange(name="train.solver", change="removed", old=None),
    )
    out = markdown.render(result(compare=compared(params=params)))
    assert "<summary>Parameters: 2 changed, 1 added, 1 removed</summary>" in out
    assert "| train.balanced | false | true |" in out
    assert "| train.seed | – | 7 |" in out and "| train.solver | null | – |" in out


def test_different_data_is_said_plainly() -> None:
    different = compared(baseline=replace(compared().baseline, same_data=False))
    out = markdown.render(result(compare=different))
    assert "**The two sides were measured on different data**" in out


def test_no_baseline_says_why_and_that_absolute_thresholds_decide() -> None:
    none = compared(
        baseline=Baseline(kind="none", message="main has no mlops.yaml: this is the first model"),
        gates=(),
        metrics=(),
    )
    out = markdown.render(result(compare=none))
    assert "None: main has no mlops.yaml: this is the first model. Gates that compare" in out


def test_a_report_past_the_limit_drops_the_least_important_sections_and_says_so() -> None:
    many = tuple(check(f"c{i}", "failed", "x" * 200) for i in range(400))
    big = result(verdict="failed", compare=compared(), data=DataStage(status="failed", checks=many))
    full = markdown.render(big)
    assert len(full) > markdown.COMMENT_LIMIT
    cut = markdown.render(big, limit=markdown.COMMENT_LIMIT, footer="<!-- marker -->")
    assert len(cut) <= markdown.COMMENT_LIMIT
    assert cut.startswith("## ❌ churn: failed")
    assert "### Gates: 1 of 2 passed" in cut  # more important than the data checks
    assert "Left out to stay within GitHub's size limit: data checks" in cut
    assert cut.rstrip().endswith("<!-- marker -->")


def test_small_sections_left_out_before_a_big_one_come_back_when_they_fit() -> None:
    """Sections go least important first: the data checks' 80 KB went last, after every
    small section below them had gone, and the comment was the verdict and 60 KB unused."""
    many = tuple(check(f"c{i}", "failed", "x" * 200) for i in range(400))
    big = result(verdict="failed", compare=compared(), data=DataStage(status="failed", checks=many))
    full = markdown.render(big)
    cut = markdown.render(big, limit=markdown.COMMENT_LIMIT, footer="<!-- marker -->")
    assert "size limit: data checks. The full report" in cut  # the one section left out
    below = [h for h in re.findall(r"^### .+$", full, re.M) if not h.startswith("### Data checks")]
    assert below and all(h in cut for h in below), below


def test_a_verdict_alone_past_the_limit_is_cut_and_keeps_its_footer() -> None:
    out = markdown.render(result(summary="y" * 5000), limit=1000, footer="<!-- m -->")
    assert len(out) <= 1000 and out.rstrip().endswith("<!-- m -->")
    assert "cut to GitHub's size limit" in out


def test_the_comparison_report_is_deterministic() -> None:
    first = markdown.render(result(compare=compared()), limit=markdown.COMMENT_LIMIT)
    assert first == markdown.render(result(compare=compared()), limit=markdown.COMMENT_LIMIT)


def test_hostile_metric_and_gate_text_stays_inert() -> None:
    hostile = compared(
        gates=(replace(compared().gates[0], metric="f1|<img src=x>", explanation="a\n## injected"),)
    )
    out = markdown.render(result(compare=hostile))
    assert "<img" not in out and "\n## injected" not in out


def test_mentions_in_data_notify_no_one() -> None:
    out = markdown.render(result(summary="class @acme/team and mail x@y.z, main @ abc"))
    assert "@acme" not in out and "@\u2060acme/team" in out and "main @ abc" in out


def test_a_skipped_check_is_said_not_counted_as_passed() -> None:
    from mlgate.report import verdict

    skipped = CheckResult(
        id="compare.slices.recall",
        stage="compare",
        subject="recall on each slice of plan",
        rule="asked of the baseline on the same rows",
        status="skipped",
        message="no paired rows with a baseline",
    )
    found = result(
        compare=CompareStage(status="passed", baseline=Baseline(kind="none"), checks=(skipped,))
    )
    assert verdict.decide(found) == (
        "passed",
        "2 of 3 checks passed, 1 skipped (recall on each slice of plan: no paired rows with "
        "a baseline)",
    )
    assert verdict.stage_summary(replace(found.data, checks=(*found.data.checks, skipped))) == (
        "2 of 3 checks passed, 1 skipped"
    )
    # the report's heading of the skipped check counts it apart too (it said "1 of 1 passed")
    shown = markdown.render(found)
    assert "slice by slice and group by group: 0 of 1 passed, 1 skipped" in shown


def test_the_verdict_names_a_dozen_failures_and_counts_the_rest() -> None:
    """965 failed checks made the verdict's line 65,000 characters: a comment of nothing
    else once cut to GitHub's limit."""
    from mlgate.report import verdict

    failing = tuple(
        CheckResult(
            id=f"data.test.columns.c{i}.min",
            stage="data",
            subject=f"test.c{i}",
            rule=">= 0",
            status="failed",
            message="below",
        )
        for i in range(965)
    )
    found = result(data=replace(result().data, checks=failing, status="failed"))
    status, said = verdict.decide(found)
    assert status == "failed" and len(said) < 400
    assert said.startswith("965 of ")
    assert said.endswith("test.c11: below; and 953 more")


def test_the_verdict_says_what_failed_checks_found_and_counts_errors_apart() -> None:
    """A check named by its rule read as a pass ("... failed: f1_macro on each slice of
    region no slice drops significantly"), and one that could not be decided was
    counted as failed."""
    from mlgate.report import verdict

    def check(status: Status, subject: str, message: str) -> CheckResult:
        return CheckResult(
            id=f"model.{subject}",
            stage="model",
            subject=subject,
            rule="no slice drops significantly",
            status=status,
            message=message,
        )

    checks = (
        check("failed", "f1 on each slice of plan", "f1 dropped on 1 of 4 slices tested"),
        check("error", "recall", "recall unknown: no row was predicted positive"),
        check("passed", "accuracy", "accuracy = 0.9"),
    )
    found = result(model=replace(result().model, checks=checks, status="failed"))
    total = len(found.checks)
    assert verdict.decide(found)[1].startswith(
        f"1 of {total} checks failed: f1 on each slice of plan: f1 dropped on 1 of 4 slices "
        f"tested. 1 of {total} checks could not be decided: recall unknown: no row was "
        "predicted positive"
    )


def test_a_candidate_timed_alone_says_why_its_baseline_was_not_timed() -> None:
    timed = Latency(
        role="candidate",
        file_bytes=2048,
        load_ms=1.5,
        batches=(
            BatchLatency(batch=1, calls=20, p50_ms=0.2, p95_ms=0.3, p99_ms=0.4, rows_per_s=5e3),
        ),
    )
    evaluated = replace(result().evaluate, latency=(timed,))
    alone = markdown.render(result(evaluate=evaluated))
    assert "The candidate alone (a baseline, when there is one, is timed beside it)." in alone
    file_baseline = Baseline(
        kind="file", ref="base.json", name="base.json", source="its own run result"
    )
    against_file = markdown.render(
        result(evaluate=evaluated, compare=compared(baseline=file_baseline))
    )
    assert (
        "The candidate alone: the baseline (base.json) is its own run result, with no model "
        "to time beside it. Timings taken in another run are not compared" in against_file
    )
    assert "| 1 row, p95 | 0.300 ms |" in against_file


def test_every_table_row_has_as_many_cells_as_its_header() -> None:
    """The fairness table's header had ten columns and its rows nine: the change stood
    under "interval" and the p-value under the second "interval"."""
    from mlgate.result.records import FairnessChange

    test = Significance(
        method="paired bootstrap",
        rows=500,
        delta=0.1778,
        ci_low=0.0687,
        ci_high=0.2519,
        p_value=0.004,
        confidence=0.95,
    )
    fair = FairnessChange(
        fairness="equalized_odds_difference",
        sensitive="group",
        groups=3,
        candidate=0.2849,
        baseline=0.1071,
        significance=test,
        adjusted_p_value=0.0148,
        worse=True,
    )
    out = markdown.render(result(compare=compared(fairness=(fair,))))
    assert "| ❌ | equalized_odds_difference | group | 3 | 0.1071 | 0.2849 | +0.1778 |" in out
    assert "| 0.004 | 0.0148 |" in out
    tables: list[list[str]] = []
    for line in out.splitlines():
        if line.startswith("|"):
            if not tables or not tables[-1]:
                tables.append([])
            tables[-1].append(line)
        elif tables and tables[-1]:
            tables.append([])
    for table in (t for t in tables if t):
        cells = [len(re.split(r"(?<!\\)\|", row)) for row in table]
        assert len(set(cells)) == 1, table


def test_counts_in_the_data_tables_and_lineage_have_separators() -> None:
    """ "| 1200 |" and "(379936 bytes)" stood beside "1,200 rows" in one report."""
    from mlgate.result.records import DataChange, DatasetSummary

    data = DatasetSummary(
        role="test",
        file=FileFingerprint(path="data/test.csv", sha256=SHA, bytes=90_000),
        format="csv",
        rows=1200,
        columns={"a": "Int64"},
    )
    changed = DataChange(role="test", change="changed", old_rows=1200, new_rows=2800)
    model = FileFingerprint(path="models/model.joblib", sha256=SHA, bytes=379_936)
    out = markdown.render(
        result(
            data=DataStage(status="passed", datasets=(data,)),
            train=TrainStage(status="passed", model=model),
            compare=compared(data=(changed,)),
        )
    )
    assert "| test | data/test.csv | 1,200 | 1 |" in out
    assert "1,200 → 2,800" in out
    assert "(379,936 bytes)" in out


def test_metrics_compared_on_paired_rows_say_so_and_give_the_candidates_own() -> None:
    """ "regression, 1,200 test rows" headed figures on 348 paired rows, and the model
    checks below showed another r2 for the same model, nothing saying which rows each was."""
    import numpy as np

    from mlgate.result import arrays
    from mlgate.result.records import Predictions

    zeros = arrays.encode(np.zeros(1200, dtype=np.int64))
    kept = Predictions(rows=1200, row_keys=zeros, y_true=zeros, y_pred=zeros)
    subset = compared(
        baseline=replace(compared().baseline, paired_rows=348, candidate_rows=1200, same_data=True)
    )
    ev = replace(result().evaluate, predictions=kept, metrics={"f1": 0.9417})
    out = markdown.render(result(evaluate=ev, compare=subset))
    assert (
        "classification, 1,200 test rows; both sides below on the 348 paired rows (the "
        "candidate on all 1,200: f1 0.9417)"
    ) in out


def test_a_progress_line_names_a_stage_error_without_its_hint() -> None:
    """The hint follows in the run's summary (or `check data`'s error): on the one line of
    progress it ran on after the message, and `check data` printed it twice."""
    from mlgate.errors import HINT
    from mlgate.report import verdict

    broken = replace(result().data, status="error", checks=(), message="unreadable" + HINT + "fix")
    assert verdict.stage_summary(broken) == "unreadable"
    assert verdict.stage_summary(replace(broken, message="")) == "error"


def test_the_evaluation_line_says_what_its_figures_rest_on_after_them() -> None:
    """The positive class no convention gives, the metrics not computed and a task judged
    from the answers were in the stage's message, and the terminal showed the figures
    alone (docs/manifest.md says the Evaluation line names the positive class)."""
    from mlgate.report import verdict

    scored = replace(
        result().evaluate,
        metrics={"f1": 0.5, "roc_auc": None},
        message="1 metric on 30 rows; not computed: roc_auc; positive class 'stayed', the "
        "greater label (set evaluate.positive_label to name another)",
    )
    assert verdict.stage_summary(scored) == (
        "f1 0.5000; not computed: roc_auc; positive class 'stayed', the greater label "
        "(set evaluate.positive_label to name another)"
    )
    assert verdict.stage_summary(replace(scored, message="1 metric on 30 rows")) == "f1 0.5000"


def test_a_macro_average_on_each_slice_says_why_it_may_differ_from_the_slices_table() -> None:
    """One slice showed f1_macro 1.0 in the slices table and 0.5 against the baseline (the
    two models' classes shared), and the report never said why."""
    from mlgate.report import slice_tables
    from mlgate.result.records import SliceChange

    change = SliceChange(metric="f1_macro", slicing="region", value="isle", rows=4, reason="few")
    said = slice_tables._changes("f1_macro", [change])
    assert "averaged over the same classes here, those either one holds or predicts" in said
    assert "averaged over the same classes" not in slice_tables._changes("recall", [change])


def test_a_run_whose_figure_is_undefined_is_named_under_the_history_chart(tmp_path) -> None:
    """The history chart drew the runs that had a value and left one with f1 undefined
    (no positive predicted, say) out without a word: a line of three runs read as three."""
    from mlgate.report import charts
    from mlgate.result import runs

    values = [0.9, None, 0.92, 0.93]
    for i, f1 in enumerate(values):
        done = result(
            run_id=f"20261123T00000{i}Z-abcdef",
            git=GitInfo(commit=f"{i}" * 40, branch="main", dirty=False),
            evaluate=replace(result().evaluate, metrics={"f1": f1, "roc_auc": None}),
        )
        runs.save(tmp_path, done, "")
    never = result(run_id="20261123T000009Z-abcdef", evaluate=EvaluateStage(status="failed"))
    runs.save(tmp_path, never, "")  # never scored: no point, and nothing to say
    found = runs.history(tmp_path, "churn", ["f1", "roc_auc"])
    assert found == {
        "f1": [("0000000", 0.9), ("1111111", None), ("2222222", 0.92), ("3333333", 0.93)]
    }
    section = charts.history_section(found)
    assert 'x-axis ["0000000", "2222222", "3333333"]' in section
    assert "f1 has no value on 1 of 4 runs (1111111): left out of the chart." in section


def test_an_older_runs_history_is_of_the_runs_before_it_not_those_since(tmp_path) -> None:
    """`mlgate report --run OLD` drew the runs made after it before it, as its past."""
    from mlgate.result import runs

    made = []
    for i, f1 in enumerate([0.90, 0.91, 0.92, 0.93]):
        done = result(
            run_id=f"20261123T00000{i}Z-abcdef",
            git=GitInfo(commit=f"{i}" * 40, branch="main", dirty=False),
            evaluate=replace(result().evaluate, metrics={"f1": f1}),
        )
        runs.save(tmp_path, done, "")
        made.append(done)
    found = runs.history(tmp_path, "churn", ["f1"], current=made[1])
    assert found == {"f1": [("0000000", 0.90), ("1111111", 0.91)]}
    latest = runs.history(tmp_path, "churn", ["f1"], current=made[3])
    assert [label for label, _ in latest["f1"]] == ["0000000", "1111111", "2222222", "3333333"]


def test_a_metric_a_check_found_past_its_bound_is_printed_past_it_everywhere() -> None:
    """accuracy 23,999/30,000 failed `min: 0.8`: the check said "0.79997, 0.00003 below the
    minimum 0.8" while the metrics table and the terminal printed it as 0.8000."""
    from mlgate.manifest.spec import MetricCheck
    from mlgate.model.checks import metric_checks

    accuracy, f1 = 23_999 / 30_000, 0.81234
    figures = {"accuracy": accuracy, "f1": f1}
    checked = metric_checks(
        (
            MetricCheck(metric="accuracy", min=0.8, key="model_checks[0]"),
            MetricCheck(metric="f1", min=0.8, key="model_checks[1]"),
        ),
        figures,
        {},
    )
    assert [c.bound for c in checked] == [0.8, None]  # only a failed one says its bound
    run = result(
        evaluate=replace(result().evaluate, metrics=figures, metric_errors={}),
        model=ModelStage(status="failed", checks=tuple(checked)),
    )
    out = markdown.render(run)
    assert "| accuracy | 0.79997 |" in out and "| f1 | 0.8123 |" in out
    assert "0.8000" not in out
    assert "metrics: accuracy 0.79997, f1 0.8123" in text.render(run)
    # beside a baseline, the candidate's column says it the same way
    changes = (
        MetricChange(
            metric="accuracy",
            baseline=0.85,
            candidate=accuracy,
            change=accuracy - 0.85,
            relative_change=(accuracy - 0.85) / 0.85,
            greater_is_better=True,
        ),
    )
    beside = markdown.render(replace(run, compare=compared(metrics=changes)))
    assert "| accuracy | 0.8500 | 0.79997 |" in beside


def test_the_lineage_names_the_paths_that_made_the_checkout_dirty() -> None:
    dirty = GitInfo(commit="c" * 40, branch="main", dirty=True, changed=("train.log", "a|b"))
    out = markdown.render(result(git=dirty))
    assert "on `main` (uncommitted changes: `train.log`, `a|b`)" in out
    older = markdown.render(result(git=GitInfo(commit="c" * 40, branch="main", dirty=True)))
    assert "on `main` (uncommitted changes)" in older


def test_the_rule_changes_name_the_kinds_of_rule_they_list() -> None:
    """A setting changed (the tests' confidence) is listed as a rule of its own kind."""
    rules = (
        RuleChange(kind="gate", subject="f1", change="changed", old="change >= -0.01", new="x"),
        RuleChange(
            kind="setting", subject="compare.confidence", change="changed", old="0.95", new="0.999"
        ),
    )
    out = markdown.render(result(compare=compared(rules=rules)))
    assert "What it is judged by changed: 2 rules (gates, settings) set otherwise than at" in out
    assert "| setting compare.confidence | 0.95 | 0.999 |" in out


def test_the_runs_notes_are_left_out_before_the_verdict_gates_and_rule_changes() -> None:
    """A fork's 65 KB note sat in the verdict, which is never left out: the trusted job's
    rule changes and the gates went, and the cut took the note saying so. Notes are now
    a section of their own, below those, shown at most 20 of 1,000 characters."""
    rules = (
        RuleChange(
            kind="gate", subject="f1", change="changed", old="change >= -0.01", new="change >= -0.5"
        ),
    )
    approved = "Maintainers' note: the rule changes were reviewed and approved. " + "<ok> " * 13100
    run = result(compare=compared(rules=rules), notes=(approved,) * 30)
    footer = "<!-- marker -->"
    out = markdown.render(run, limit=markdown.COMMENT_LIMIT, footer=footer)
    assert len(out) <= markdown.COMMENT_LIMIT and out.rstrip().endswith(footer)
    assert out.index("## ✅ churn: passed") < out.index("What it is judged by changed: 1 rule")
    assert "| gate f1 | change &gt;= -0.01 | change &gt;= -0.5 |" in out
    assert "### Gates: 1 of 2 passed" in out
    assert out.index("What it is judged by changed") < out.index("> Maintainers' note")
    noted = [line for line in markdown.render(run).splitlines() if line.startswith("> Maint")]
    assert len(noted) == 20 and all(line.endswith("…") for line in noted)  # each clipped
    # notes of that size are left out whole, and said to be
    noisy = result(compare=compared(rules=rules), notes=(("&" * 999),) * 20)
    cut = markdown.render(noisy, limit=markdown.COMMENT_LIMIT, footer=footer)
    assert "What it is judged by changed" in cut and "&amp;" not in cut
    assert "Left out to stay within GitHub's size limit: notes" in cut


def test_a_verdict_cut_to_the_limit_keeps_the_note_of_what_was_left_out() -> None:
    many = tuple(check(f"c{i}", "failed", "x" * 200) for i in range(50))
    run = result(summary="y" * 5000, data=DataStage(status="failed", checks=many))
    out = markdown.render(run, limit=1000, footer="<!-- m -->")
    assert len(out) <= 1000 and out.rstrip().endswith("<!-- m -->")
    assert "cut to GitHub's size limit" in out
    assert "Left out to stay within GitHub's size limit: metrics, data checks" in out


def test_a_change_that_failed_its_gate_reads_past_its_bound_in_the_metrics_table() -> None:
    """A relative change of -2.004% read "-2.00%" in the Metrics table, beside the gates
    table's "-2.004%" for the rule ">= -2%" it failed."""
    from mlgate.compare.gates import decide
    from mlgate.manifest.spec import Gate

    candidate, baseline = 0.87481, 0.8927
    gate = decide(
        Gate(metric="f1", min_relative_change=-0.02), candidate, baseline, has_baseline=True
    )
    assert gate.status == "failed"
    change = MetricChange(
        metric="f1",
        baseline=baseline,
        candidate=candidate,
        change=gate.change,
        relative_change=gate.relative_change,
        greater_is_better=True,
    )
    out = markdown.render(result(compare=compared(metrics=(change,), gates=(gate,))))
    assert "| f1 | 0.8927 | 0.8748 | -0.0179 | -2.004% | worse |" in out, out


def test_the_gates_table_holds_p_to_the_runs_own_level() -> None:
    """At 96% confidence the table called p = 0.04 (at the level, its interval holding 0)
    significant, and printed p = 0.03996 as "0.04, significant"."""
    gate = compared().gates[0]
    assert gate.significance is not None
    for p, said in ((0.04, "not significant, p = 0.04;"), (0.03996, "significant, p = 0.03996;")):
        tested = replace(gate.significance, p_value=p, confidence=0.96)
        out = markdown.render(result(compare=compared(gates=(replace(gate, significance=tested),))))
        row = next(line for line in out.splitlines() if line.startswith("| ❌ | f1"))
        assert f"| {said}" in row, row  # the cell begins with its verdict


def test_a_candidate_that_failed_its_gates_minimum_reads_below_it_in_the_metrics_table() -> None:
    """0.97616 read "0.9762" beside a failed `min: 0.97619048` (the gates table: 0.97616000)."""
    from mlgate.compare.gates import decide
    from mlgate.manifest.spec import Gate

    gate = decide(Gate(metric="f1", min=0.97619048), 0.97616, 0.95, has_baseline=True)
    assert gate.status == "failed"
    change = MetricChange(
        metric="f1",
        baseline=0.95,
        candidate=0.97616,
        change=gate.change,
        relative_change=gate.relative_change,
        greater_is_better=True,
    )
    out = markdown.render(result(compare=compared(metrics=(change,), gates=(gate,))))
    assert "| f1 | 0.9500 | 0.97616000 | +0.0262 | +2.75% | better |" in out, out  # as its gate
