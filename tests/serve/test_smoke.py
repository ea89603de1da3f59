"""The smoke test's verdict, decided in the core: every answer a prediction, and the 95th
percentile of the latency within what `--max-p95-ms` asks."""

from __future__ import annotations

from dataclasses import replace

from mlgate.serve.smoke import SmokeResult

FAST = SmokeResult(
    requests=3, failures=(), p50_ms=1.0, p95_ms=2.0, version="v0.1.0", max_p95_ms=5.0
)


def test_a_server_fails_on_a_failed_answer_or_a_slow_p95() -> None:
    assert FAST.passed and not FAST.slow
    assert replace(FAST, max_p95_ms=None).passed
    slow = replace(FAST, max_p95_ms=1.5)
    assert slow.slow and not slow.passed
    assert not replace(FAST, failures=("row 0: HTTP 500: boom",)).passed


def test_no_request_sent_is_not_slow_but_fails_for_its_reason() -> None:
    unsent = replace(FAST, requests=0, p50_ms=None, p95_ms=None, failures=("not mlgate",))
    assert not unsent.slow and not unsent.passed


def test_the_json_document_is_the_result_and_its_verdict() -> None:
    assert replace(FAST, max_p95_ms=1.5).to_dict() == {
        "requests": 3,
        "failures": (),
        "p50_ms": 1.0,
        "p95_ms": 2.0,
        "version": "v0.1.0",
        "passed": False,
    }
