"""The prediction server on 127.0.0.1, for a registered version of a real model: answers,
refusals that name the field, the body limit, metadata, and `mlgate smoke` against it."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mlgate.cli import main
from mlgate.errors import UserError
from mlgate.serve import schema, service
from mlgate.serve.app import create_app
from tests.registry.conftest import Project
from tests.serve.conftest import running

ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


@pytest.fixture
def url(registered: Project) -> Iterator[str]:
    with running(create_app(service.load(registered.manifest, "v0.1.0"), max_body=4096)) as at:
        yield at


def test_predict_answers_with_classes_and_probabilities(url: str) -> None:
    answer = httpx.post(
        f"{url}/predict", json={"records": [ROW, {**ROW, "petal_length": 5.9, "petal_width": 2.1}]}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["predictions"] == ["setosa", "virginica"]
    assert body["classes"] == ["setosa", "versicolor", "virginica"]
    assert [round(sum(p), 4) for p in body["probabilities"]] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        (
            {"records": [{**ROW, "petal_width": "wide"}]},
            422,
            "records[0].petal_width must be a number, not str",
        ),
        (
            {"records": [{k: v for k, v in ROW.items() if k != "sepal_width"}]},
            422,
            "records[0] is missing 'sepal_width'",
        ),
        ({"records": [{**ROW, "colour": "blue"}]}, 422, "unknown field 'colour'"),
        ({"records": []}, 422, "at least one record"),
        ({"records": [ROW] * 60}, 413, "over 4,096 bytes"),
    ],
)
def test_bad_requests_are_refused_with_the_field_named(
    url: str, body, status: int, said: str
) -> None:
    answer = httpx.post(f"{url}/predict", json=body)
    assert answer.status_code == status and said in answer.json()["error"], answer.text


def test_a_body_that_is_not_json_is_a_400(url: str) -> None:
    answer = httpx.post(
        f"{url}/predict", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400 and "not JSON" in answer.json()["error"]


def test_health_and_metadata_say_which_version_runs(url: str, registered: Project) -> None:
    assert httpx.get(f"{url}/health").json() == {
        "status": "ok",
        "model": "iris",
        "version": "v0.1.0",
    }
    meta = httpx.get(f"{url}/metadata").json()
    assert meta["commit"] == registered.run.git.commit and meta["run_id"] == registered.run.run_id
    assert meta["inputs"] == {
        "sepal_length": "number",
        "sepal_width": "number",
        "petal_length": "number",
        "petal_width": "number",
    }


def test_smoke_checks_a_running_server(
    url: str, registered: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(registered.root), "smoke", url, "--rows", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("10 requests to") and "0 failed" in out
    assert (
        main(["-C", str(registered.root), "smoke", url, "--rows", "3", "--max-p95-ms", "0.001"])
        == 1
    )  # nothing answers that fast


def test_a_pickle_loads_only_from_the_store_or_the_manifests_path(registered: Project) -> None:
    elsewhere = registered.root / "other.joblib"
    elsewhere.write_bytes((registered.root / "models/model.joblib").read_bytes())
    with pytest.raises(UserError, match="loads only from there or from the registry"):
        service.load(registered.manifest, str(elsewhere))
    served = service.load(registered.manifest, "models/model.joblib")
    assert served.metadata["version"] is None and served.metadata["run_id"]
    # the same file however written; a file whose name starts with v is no version
    absolute = str(registered.root / "models/model.joblib")
    assert (
        service.load(registered.manifest, absolute).metadata["model_sha256"]
        == (served.metadata["model_sha256"])
    )
    with pytest.raises(UserError, match=r"'vmodel\.joblib' is not the model file"):
        service.load(registered.manifest, "vmodel.joblib")
    # the data fingerprints /metadata promises, as a registered version gives them
    registered_data = service.load(registered.manifest, "v0.1.0").metadata["data"]
    assert served.metadata["data"] == [
        {k: v for k, v in d.items() if k != "profile"} for d in registered_data
    ]
    assert [d["role"] for d in served.metadata["data"]] == ["train", "test"]
    (registered.root / "models/model.joblib").write_bytes(b"not the model that was checked")
    with pytest.raises(UserError, match="is not the model run"):
        service.load(registered.manifest, "models/model.joblib")
    with pytest.raises(UserError, match=r"has no version v9\.0\.0"):
        service.load(registered.manifest, "v9.0.0")


def test_integers_and_nulls_follow_the_training_types() -> None:
    fields = schema.InputSchema(
        fields=(schema.Field(name="n", kind="integer"), schema.Field(name="b", kind="boolean"))
    )
    assert schema.validate(fields, [{"n": 3.0, "b": None}])
    with pytest.raises(schema.InputError, match=r"records\[0\]\.n must be an integer"):
        schema.validate(fields, [{"n": 3.5, "b": True}])
    with pytest.raises(schema.InputError, match="must be a boolean"):
        schema.validate(fields, [{"n": 3, "b": 1}])
    # a whole float past 64 bits was scored as whatever the cast made of it
    with pytest.raises(schema.InputError, match=r"n is too large for a 64-bit integer \(1e\+19\)"):
        schema.validate(fields, [{"n": 1e19, "b": None}])
    with pytest.raises(schema.InputError, match="too large for a 64-bit integer"):
        schema.validate(fields, [{"n": -1e300, "b": None}])
    assert schema.validate(fields, [{"n": 2.0**62, "b": None}])


def test_a_record_the_model_refuses_is_a_422_with_its_words(url: str) -> None:
    answer = httpx.post(f"{url}/predict", json={"records": [{**ROW, "petal_width": None}]})
    assert answer.status_code == 422
    assert "could not score" in answer.json()["error"] and "NaN" in answer.json()["error"]
    assert httpx.post(f"{url}/predict", json={"records": [ROW]}).status_code == 200


@pytest.mark.e2e
def test_serve_with_two_workers_answers_and_stops_gracefully(registered: Project) -> None:
    import os
    import signal
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model = registered.manifest.train.model  # the work tree's model, the last run's
    server = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "serve", model, "--port", str(port), "--workers", "2"],
        cwd=registered.root,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.2)
        assert health.json()["version"] is None
        answer = httpx.post(f"http://127.0.0.1:{port}/predict", json={"records": [ROW]})
        assert answer.json()["predictions"] == ["setosa"]
        pinned = httpx.get(f"http://127.0.0.1:{port}/metadata").json()["model_sha256"]
        # a later run writes another model, and a worker dies: uvicorn respawns it, and it
        # loaded the work tree's new model beside the other worker's old one
        registered.next_commit(0.01)
        workers = _children(server.pid)
        assert len(workers) == 2, workers
        for worker in workers:  # every answer from now on is a respawned worker's
            os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 60
        seen = set()
        while len(seen) < 10:
            assert time.monotonic() < deadline, "no worker was started again"
            try:
                got = httpx.get(f"http://127.0.0.1:{port}/metadata", timeout=5)
                seen.add((len(seen), got.json()["model_sha256"]))
            except httpx.TransportError:
                time.sleep(0.2)  # the new workers still loading
        assert {sha for _, sha in seen} == {pinned}
    finally:
        os.kill(server.pid, signal.SIGTERM)
        said = server.communicate(timeout=30)[1]
    assert server.returncode == 130, said  # stopped by SIGTERM
    assert "(2 workers)" in said


def _children(pid: int) -> list[int]:
    """A process's children (uvicorn's workers, and its resource tracker, if any)."""
    from pathlib import Path

    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return [
        c
        for c in found
        if b"multiprocessing.spawn" in Path(f"/proc/{c}/cmdline").read_bytes()
        or b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
    ]


def test_smoke_shows_what_a_hostile_server_says_inert_and_reads_a_bounded_answer(
    registered: Project,
) -> None:
    """Whatever answers at the URL is the smoke test's to read: a model's name that
    cleared the terminal (an escape sequence) and broke the line was printed as sent, and
    an answer was read whole however long."""
    import http.server
    import threading

    from mlgate.serve import smoke

    sent: dict[str, bytes] = {}

    class Hostile(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = sent["metadata"]
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            with contextlib.suppress(OSError):  # the smoke test stops reading
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    loaded = registered.manifest
    try:
        sent["metadata"] = json.dumps(
            {"model": "\x1b[2J\x1b[31mPWN\n::warning::x", "version": "v1\x1b]0;t\x07", "inputs": {}}
        ).encode()
        done = smoke.run(loaded, url)
        assert done.version == "v1 ]0;t "
        said = done.failures[0]
        assert "\x1b" not in said and "\n" not in said
        assert said == f"{url} serves  [2J [31mPWN ::warning::x v1 ]0;t , not iris"
        sent["metadata"] = b'{"model": "' + b"x" * (8 << 20) + b'"}'
        said = smoke.run(loaded, url).failures[0]
        assert said.endswith(
            "metadata answered HTTP 200, more than 1 MiB: this is not an mlgate prediction server"
        )
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    ("cpu_max", "cfs", "workers"),
    [
        ("200000 100000\n", None, 2),  # cgroup v2: --cpus 2
        ("150000 100000\n", None, 2),  # 1.5 cores' worth: 2 workers
        ("max 100000\n", None, 64),  # no quota
        (None, ("50000\n", "100000\n"), 1),  # cgroup v1: --cpus 0.5
        (None, ("-1\n", "100000\n"), 64),  # v1, no quota
        (None, None, 64),  # no cgroup files at all
        ("garbage\n", None, 64),
    ],
)
def test_the_default_workers_count_a_cpu_quota(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cpu_max: str | None,
    cfs: tuple[str, str] | None,
    workers: int,
) -> None:
    """A container limited to 2 cores' worth of time on a 64-core host was given 64
    workers, each loading the model: its CPU affinity is every core."""
    from mlgate.serve import run

    monkeypatch.setattr(run.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    monkeypatch.setattr(run, "CPU_MAX", tmp_path / "cpu.max")
    monkeypatch.setattr(run, "CFS", (tmp_path / "quota", tmp_path / "period"))
    if cpu_max is not None:
        (tmp_path / "cpu.max").write_text(cpu_max)
    if cfs is not None:
        (tmp_path / "quota").write_text(cfs[0])
        (tmp_path / "period").write_text(cfs[1])
    assert run.default_workers() == workers


def test_an_image_on_a_host_of_more_than_256_cores_starts_without_being_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The default (one worker per core) went through MLGATE_WORKERS' own check: on 384
    cores, an image that was not given MLGATE_WORKERS refused to start."""
    from mlgate.serve import bundle, run

    started: dict[str, object] = {}
    monkeypatch.setattr(run, "default_workers", lambda: 384)
    monkeypatch.setattr(
        bundle,
        "load",
        lambda folder: service.Service(
            model=None, schema=schema.InputSchema(fields=()), metadata={"model": "m"}
        ),
    )
    monkeypatch.setattr(run, "serve", lambda served, **options: started.update(options))
    assert bundle.main(tmp_path, environ={}) == 0
    assert started["workers"] == 256 and started["port"] == 8000


def test_the_manifests_model_is_not_served_when_its_run_could_not_score_it(
    registered: Project,
) -> None:
    """A run stopped at its evaluation (data.features without a column the model needs):
    served anyway, every request was a 422 telling the client its input was wrong."""
    from dataclasses import replace

    from mlgate.result import runs

    said = "the model was fitted on 1 column it is not given: 'age'"
    stopped = replace(registered.run.evaluate, status="error", message=said, metrics={})
    runs.save(registered.root, replace(registered.run, evaluate=stopped), "")
    with pytest.raises(UserError) as caught:
        service.load(registered.manifest, "models/model.joblib")
    assert caught.value.message == (
        f"run {registered.run.run_id} could not score model.joblib, so it is not served: {said}"
    )
    assert service.load(registered.manifest, "v0.1.0").metadata["version"] == "v0.1.0"
