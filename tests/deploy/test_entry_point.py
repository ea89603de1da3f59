"""The image's entry point, started as the image would start it (no engine runs here):
`python serve.py` in the build context, on 127.0.0.1; `mlgate smoke` against it; then
SIGTERM, which it answers by finishing and exiting 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from mlgate import promotion
from mlgate.cli import main
from tests.deploy.conftest import Project, closed_port


@pytest.mark.e2e
def test_the_entry_point_serves_the_bundle_and_stops_gracefully(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    promotion.promote(project.where(), project.manifest, "v0.1.0", "qa")  # build: false
    folder = project.root / ".mlgate/docker/qa-v0.1.0"
    port = closed_port()
    env = {**os.environ, "PORT": str(port)}
    env.pop("MLGATE_HOST", None)  # the default: 127.0.0.1 (the image says 0.0.0.0)
    server = subprocess.Popen(
        [sys.executable, "serve.py"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its uvicorn workers are killed with it if it hangs
    )
    url = f"http://127.0.0.1:{port}"
    try:
        health = _wait_for(f"{url}/health", server)
        assert health == {"status": "ok", "model": "iris", "version": "v0.1.0"}
        assert main(["-C", str(project.root), "smoke", url, "--rows", "5"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"5 requests to {url} (v0.1.0): 0 failed"), out
        meta = httpx.get(f"{url}/metadata").json()
        assert meta["commit"] == project.run.git.commit and "sepal_width" in meta["inputs"]
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            # the whole group: a worker left alive holds the pipes open, and
            # communicate() would wait for it forever
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()
    assert server.returncode == 0, err
    assert "serving iris v0.1.0 on http://127.0.0.1:" in err
    assert err.rstrip().endswith("stopped serving iris v0.1.0")


def test_the_entry_point_refuses_a_tampered_bundle(project: Project) -> None:
    promotion.promote(project.where(), project.manifest, "v0.1.0", "qa")
    folder = project.root / ".mlgate/docker/qa-v0.1.0"
    (folder / "bundle/run.json").write_text("{}")
    done = subprocess.run(
        [sys.executable, "serve.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PORT": "1"},
    )
    assert done.returncode == 2
    assert (
        "run.json in" in done.stderr
        and "is not the file the bundle was written with" in done.stderr
    )


def _wait_for(url: str, server: subprocess.Popen[str]) -> dict:
    # as long as tests/serve's serving() waits: two workers each importing scikit-learn
    # and loading the model took over 30 s on a loaded 2-core machine
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the entry point exited: {server.communicate()[1]}")
        try:
            return httpx.get(url, timeout=1).json()
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 90 s")
