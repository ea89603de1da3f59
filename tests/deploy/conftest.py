"""A real git repository with the iris project, environments deployed as Docker images
and a registered version; the Docker engine is whatever DOCKER_HOST says, and by default
nothing (a closed port on 127.0.0.1), whatever the machine has."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from mlgate.registry import operations
from tests.ahead import trained_ahead
from tests.registry.conftest import Project, make_project

IMAGE = "127.0.0.1:5000/acme/iris"
ENVIRONMENTS = f"""environments:
  staging:
    on: merge
    deploy: {{docker: {{image: "{IMAGE}"}}}}
  qa:
    deploy:
      docker: {{image: "{IMAGE}", build: false}}
      command: python rollout.py
  production:
    requires: staging
    deploy: {{docker: {{image: "{IMAGE}", push: false, platform: linux/amd64}}}}
"""
ROLLOUT = """\
import json, os
told = {k: v for k, v in os.environ.items() if k.startswith("MLGATE_")}
with open("rollout.json", "w") as out:
    json.dump(told, out)
"""


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Project:
    """With v0.1.0 registered. In the fast tier its training is run ahead (tests/ahead.py):
    the same model, without a process that imports scikit-learn for it once a worker; an
    end-to-end test's project trains as the user's does."""
    files = {".gitignore": "models/\nrollout.json\n", "rollout.py": ROLLOUT}
    if request.node.get_closest_marker("e2e") is None:
        files = trained_ahead(files, ENVIRONMENTS)
    made = make_project(tmp_path / "repo", environments=ENVIRONMENTS, files=files)
    operations.register(made.where(), made.manifest, made.run)
    return made


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def no_engine(monkeypatch: pytest.MonkeyPatch) -> str:
    """DOCKER_HOST at a port nothing listens on: no test reaches the machine's engine."""
    url = f"tcp://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("DOCKER_HOST", url)
    for name in ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONFIG", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    return url
