"""`mlgate serve` and `mlgate smoke` as a user runs them: the URL is printed only once it
answers, `latest` names the latest version, and smoke says what is wrong with a server it
cannot reach or that serves another model, without a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

from mlgate.cli import main
from mlgate.errors import UserError
from mlgate.serve import service
from mlgate.serve.app import create_app
from mlgate.serve.schema import Field, InputSchema
from tests.conftest import REPO_ROOT
from tests.registry.conftest import Project
from tests.serve.conftest import free_port, running, serving

ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


@pytest.mark.e2e
@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_printed_url_answers_the_moment_it_is_printed(
    registered: Project, workers: str
) -> None:
    with serving(registered.root, "--workers", workers) as served:
        assert served.url is not None
        health = httpx.get(f"{served.url}/health", timeout=2)  # no retry: it must answer
        assert health.json()["version"] == "v0.1.0"


@pytest.mark.e2e  # `mlgate serve` in a process of its own
def test_a_port_another_server_listens_on_is_refused_before_serving_is_said(
    registered: Project,
) -> None:
    """A second `mlgate serve --port N` printed `serving ... on URL` (another server's
    /health answered there), then failed with "address already in use", exit 3."""
    import subprocess
    import sys

    with serving(registered.root, "--workers", "1") as served:
        assert served.url is not None
        port = served.url.rsplit(":", 1)[1]
        again = subprocess.run(
            [sys.executable, "-m", "mlgate", "serve", "--port", port, "--workers", "1"],
            cwd=registered.root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert again.returncode == 2, again.stderr
    assert "serving " not in again.stderr
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in again.stderr


@pytest.mark.e2e
def test_serve_latest_serves_the_latest_version(registered: Project) -> None:
    second = registered.next_commit(0.5)
    from mlgate.registry import operations

    operations.register(registered.where(), registered.manifest, second)
    assert service.load(registered.manifest, "latest").metadata["version"] == "v0.2.0"
    with serving(registered.root, "latest", "--workers", "1") as served:
        assert served.url is not None
        assert httpx.get(f"{served.url}/health").json()["version"] == "v0.2.0"
    assert "serving iris v0.2.0" in served.stderr


def test_serve_latest_with_nothing_registered_says_so(registered: Project) -> None:
    from tests.registry.conftest import make_project

    bare = make_project(registered.root.parent / "unregistered")
    with pytest.raises(UserError, match="no version registered yet"):
        service.load(bare.manifest, "latest")


def test_smoke_on_an_unreachable_url_exits_3_saying_so(
    registered: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert main(["-C", str(registered.root), "smoke", url]) == 3
    err = capsys.readouterr().err
    assert f"cannot reach {url}" in err and "Traceback" not in err


@pytest.fixture
def other_model() -> Iterator[str]:
    """A server for another model: diabetes, a regression on ten other columns."""
    data = load_diabetes(as_frame=True)
    model = LinearRegression().fit(data.data, data.target)
    fields = InputSchema(fields=tuple(Field(name=c, kind="number") for c in data.data.columns))
    served = service.Service(
        model=model, schema=fields, metadata={"model": "diabetes", "version": "v3.0.0"}
    )
    with running(create_app(served)) as url:
        yield url


def test_smoke_on_a_server_for_another_model_fails_saying_which(
    registered: Project, other_model: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(registered.root), "smoke", other_model]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and err == ""
    assert out == (
        f"0 requests to {other_model} (v3.0.0): 1 failed\n"
        f"  {other_model} serves diabetes v3.0.0, not iris: the test data have no "
        "column 'age', 'sex', 'bmi', 'bp', 's1' (and 5 more)\n"
    )
    shown = out.replace(other_model, "http://127.0.0.1:8000")
    assert f"```text\n{shown}```" in (REPO_ROOT / "docs/serve.md").read_text()  # its sample


def test_smoke_on_something_that_is_not_a_prediction_server_fails_saying_so(
    registered: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request: object) -> PlainTextResponse:
        return PlainTextResponse("hello")

    with running(Starlette(routes=[Route("/", hello)])) as url:
        assert main(["-C", str(registered.root), "smoke", url]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert f"{url}/metadata answered HTTP 404" in out


def test_smoke_with_no_row_to_send_is_refused_without_a_traceback(
    registered: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--rows 0` sent nothing and then took the median of no latency: an internal
    error. `--rows -1` sent every row but the last."""
    with running(create_app(service.load(registered.manifest, "v0.1.0"))) as url:
        for rows in ("0", "-1"):
            assert main(["-C", str(registered.root), "smoke", url, "--rows", rows]) == 2
            out, err = capsys.readouterr()
            assert f"--rows {rows}: send at least one row" in err and "Traceback" not in err
            assert out == ""


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_serve_on_a_port_that_is_none_is_refused(
    registered: Project, port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Port 99999 was an internal error (bind's OverflowError); port 0 served on a port
    nobody was told of, and the `serving` line never came."""
    assert main(["-C", str(registered.root), "serve", "--port", port, "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert f"--port {port} is not a port: give one from 1 to 65535" in err
    assert "Traceback" not in err and "serving " not in err


def test_a_version_is_served_with_the_inputs_its_own_manifest_names(registered: Project) -> None:
    """The schema came from the work tree's manifest: after data.features dropped two
    columns, serving (rolling back to) the version trained on four refused every request."""
    from mlgate import manifest as manifests

    path = registered.root / "mlops.yaml"
    text = path.read_text()
    assert "features" not in text
    path.write_text(
        text.replace(
            "  target: species\n", "  target: species\n  features: [sepal_length, sepal_width]\n"
        )
    )
    changed = manifests.load(path)
    assert changed.data.features == ("sepal_length", "sepal_width")
    served = service.load(changed, "v0.1.0")
    assert served.schema.names == list(ROW)
    assert served.sources is not None
    assert served.sources.manifest.read_text() == text  # the registered bytes


def test_a_named_version_is_served_when_origin_cannot_be_reached(tmp_path) -> None:
    """Serving read the registry from origin first: with origin down (or .git read-only)
    no version could be served at all, though its tag and its objects were here."""
    from mlgate.errors import OutsideError
    from mlgate.registry import operations
    from tests.conftest import git
    from tests.registry.conftest import make_project

    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    project = make_project(tmp_path / "repo", origin=origin)
    operations.register(project.where(), project.manifest, project.run)
    origin.rename(tmp_path / "gone.git")
    served = service.load(project.manifest, "v0.1.0")
    assert served.metadata["version"] == "v0.1.0"
    assert len(served.notes) == 1
    assert served.notes[0].startswith("could not read the registry from origin: ")
    assert served.notes[0].endswith("; v0.1.0 is served as this clone's tags have it")
    with pytest.raises(OutsideError, match="could not read the registry from origin"):
        service.load(project.manifest, "latest")  # which is the latest is origin's to say
