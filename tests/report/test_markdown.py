"""The Markdown report: verdict first, failures first, deterministic, inert untrusted text."""

from __future__ import annotations

from dataclasses import replace

from mlgate.report import markdown, text
from mlgate.result.model import (
    CheckResult,
    CommandOutcome,
    DataStage,
    Environment,
    EvaluateStage,
    FileFingerprint,
    GitInfo,
    ModelStage,
    RunResult,
    TrainStage,
)

SHA = "ab" * 32


def check(subject: str, status: str, message: str = "ok") -> CheckResult:
    return CheckResult(id=f"data.test.columns.{subject}", stage="data", subject=subject,
                       rule=">= 0", status=status, message=message)  # type: ignore[arg-type]


def result(**changes) -> RunResult:
    base = RunResult(
        run_id="20261123T000000Z-abcdef", name="churn", mlgate_version="0.1.0",
        started_at="2026-11-23T00:00:00Z", duration_s=3.2, verdict="passed",
        summary="all 2 checks passed",
        manifest=FileFingerprint(path="mlops.yaml", sha256=SHA, bytes=120),
        git=GitInfo(commit="c" * 40, branch="feature/x", dirty=False),
        params={"train.C": 0.5},
        environment=Environment(python="3.11.7", platform="Linux", packages={"mlgate": "0.1.0"}),
        data=DataStage(status="passed", checks=(check("age", "passed"), check("plan", "passed"))),
        train=TrainStage(status="passed", message="`python train.py` finished in 1.0s"),
        evaluate=EvaluateStage(status="passed", task="classification",
                               metrics={"f1": 0.91234, "roc_auc": None},
                               metric_errors={"roc_auc": "no probabilities"}),
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
    out = markdown.render(result(verdict="failed", summary="1 of 2 checks failed",
                                 data=DataStage(status="failed", checks=checks)))
    failed_at = out.index("| ❌ | plan |")
    assert out.index("### Data checks: 1 of 2 passed") < failed_at
    assert failed_at < out.index("<details><summary>1 passed or skipped</summary>")


def test_untrusted_text_cannot_break_the_table_or_inject_html() -> None:
    evil = check("a|b", "failed", "<img src=x onerror=alert(1)> | `code`\nnext")
    out = markdown.render(result(data=DataStage(status="failed", checks=(evil,))))
    row = next(line for line in out.splitlines() if line.startswith("| ❌ |"))
    assert row == ("| ❌ | a\\|b | &gt;= 0 | &lt;img src=x onerror=alert(1)&gt; \\| 'code' next |")


def test_failed_command_output_is_shown_and_cannot_close_its_fence() -> None:
    outcome = CommandOutcome(command="python train.py", status="failed", exit_code=1,
                             duration_s=0.5, log_tail=("```", "ValueError: bad"))
    out = markdown.render(result(train=TrainStage(status="failed", outcome=outcome,
                                                  message="exited with code 1")))
    assert "```text\nʼʼʼ\nValueError: bad\n```" in out


def test_rendering_is_deterministic() -> None:
    assert markdown.render(result()) == markdown.render(result())


def test_terminal_summary_names_failures() -> None:
    failed = check("plan", "failed", "3 rows below 0")
    out = text.render(result(verdict="failed", summary="1 of 1 checks failed",
                             data=DataStage(status="failed", checks=(failed,))), "r.md")
    assert out.splitlines() == [
        "churn: FAILED - 1 of 1 checks failed",
        "  metrics: f1 0.9123, roc_auc n/a",
        "  failed: plan >= 0: 3 rows below 0",
        "  report: r.md",
    ]


def test_terminal_lines_stay_single_lines() -> None:
    sneaky = check("name", "failed", "e.g. 'x\n::warning::injected'")
    out = text.render(result(verdict="failed", summary="1 of 1 checks failed",
                             data=DataStage(status="failed", checks=(sneaky,))))
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "  failed: name >= 0: e.g. 'x ::warning::injected'" in out.splitlines()
