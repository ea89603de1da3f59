"""The action's own overhead (install mlgate, start it, post the report), beside CML's.

    python benchmarks/action_overhead.py [--runs 5] [--cold-runs 1]

Bar: on a warm cache, the action's own overhead under 10 s; cold under 60 s.

What is timed is the fork-safe workflow that `mlgate init` writes
(`mlgate-fork-report.yml`, job `report`), run end to end by the test harness
(tests/harness) against the loopback GitHub (tests/github/server.py). That job trains
nothing: it downloads a pull request run's `mlgate-run` artifact, then the mlgate action
sets up Python, keys and restores mlgate's environment, installs it on a miss, starts
mlgate and posts the report (a comment and a check run). That is exactly the action's
own overhead. The artifact comes from one untimed run of the pull-request workflow as a
fork, on a git repository made from the example (`mlgate init --example`).

- cold: a fresh harness state (an empty actions/cache), pip's cache off and no pip
  configuration file read, so the install step downloads mlgate's build backend and
  every dependency and installs them. setup-python is replaced by a stub that puts a bare
  interpreter first on PATH: a copy of this machine's CPython with nothing in its
  site-packages but pip, as the hosted runner's tool-cache Python is (the harness's own
  stub makes a venv that sees every package of the interpreter running the tests, which
  would hide the install).
- warm: the same state again: the environment comes back from the cache, pip never runs.

CML beside it, in the same run and the same harness: a workflow that downloads the same
artifact, installs CML with `npm install -g` into a throw-away prefix (what setup-cml v1
runs; v2 and later download a prebuilt binary from GitHub's release pages instead, which
this machine cannot reach), cold (an empty npm cache) and warm (the cache filled), then
posts the same report.md with `cml comment create --target=pr/N`. CML's GitHub driver
talks to GitHub Enterprise at https://HOST/api/v3 for any repository URL whose host is
not github.com, so it is given https://127.0.0.1:PORT/OWNER/REPO, and the same fake
GitHub is served over TLS with a certificate made here, trusted through
NODE_EXTRA_CA_CERTS; it also answers GET /users/{username}, which CML asks for its
telemetry's user id (see FakeGitHubForCML). The CML step gets a proxy on 127.0.0.1 that
answers nothing and records what it was asked for: any request to a host other than
127.0.0.1 would go there (none does; the script stops if one did), and CML's telemetry
is not sent (ITERATIVE_DO_NOT_TRACK). setup-cml's default extra, `npm install -g canvas@2
vega@5 vega-cli@5 vega-lite@5`, is left out: canvas fetches its prebuilt binary from
GitHub's release pages. So CML's numbers are a floor.

The npm registry as this machine reaches it does not serve @dvcorg/cml, so CML is
installed from a tarball packed (`npm pack`) from its source at the release tag
(`--cml-source`, a git directory); its 278 dependencies still come from the registry, as
in `npm install -g @dvcorg/cml`. `--cml-spec` installs something else instead (the
registry package, where it is served). Everything is written under benchmarks/.work/
(ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "action_overhead"
sys.path.insert(0, str(ROOT))  # the harness and the loopback GitHub (tests/)

from tests.action import events  # noqa: E402
from tests.github.server import FakeGitHub, openapi, serve, user  # noqa: E402
from tests.harness.runner import JobResult, StepResult, run_job  # noqa: E402
from tests.harness.stubs import DEFAULT_STUBS, SetupPython  # noqa: E402

TOKEN = "ghs_" + "b3nchm4rk" * 4  # what a GITHUB_TOKEN looks like
PR_NUMBER = 7
CML_TAG = "v0.20.6"
# where the `fetch` tool leaves CML's repository: beside this checkout's parent
CML_MIRROR = Path(__file__).resolve().parents[2] / ".mirror" / "iterative+cml" / "repo"
FORK_RUN_ID = 9001
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@mlgate.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@mlgate.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}
# the steps of mlgate's fork-report job, by the id or name the harness reports them under
MLGATE_STEPS = {
    "setup-python": "python",
    "key": "install-key",
    "cache restore": "env-cache",
    "install": "Install mlgate",
    "mlgate (start + post)": "mlgate",
}


# --- the action under test, and a bare interpreter ------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    ).stdout.strip()


def action_tree(which: str) -> Path:
    """The action the workflows use: this checkout's HEAD (a copy, so that edits in
    progress are not measured), or the work tree itself."""
    if which == "worktree":
        return ROOT
    commit = git(ROOT, "rev-parse", "HEAD")
    folder = WORK / "action" / commit[:12]
    if not (folder / "action.yml").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def bare_python() -> Path:
    """A copy of the interpreter running this script with empty site-packages, then pip
    (ensurepip, upgraded from PyPI): what setup-python finds in a hosted runner's tool
    cache. Made once; it plays no part in the timings."""
    version = "{}.{}.{}".format(*sys.version_info[:3])
    folder = WORK / f"toolcache-python-{version}"
    done = folder / ".complete"
    if done.exists():
        return folder
    python = folder / "bin" / "python"
    shutil.rmtree(folder, ignore_errors=True)
    source = Path(sys.base_prefix)
    stdlib = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}"

    def leave_out(directory: str, names: list[str]) -> set[str]:
        rel = os.path.relpath(directory, source)
        if rel == stdlib:
            return {"site-packages", "test"} & set(names)
        if rel == "bin":  # console scripts of installed packages point at the original
            return {n for n in names if not n.startswith("python")}
        return set()

    shutil.copytree(source, folder, symlinks=True, ignore=leave_out)
    (folder / stdlib / "site-packages").mkdir()
    env = {**pip_env(), "PATH": os.environ["PATH"]}
    subprocess.run([str(python), "-m", "ensurepip"], check=True, env=env, capture_output=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True, env=env
    )
    done.touch()
    return folder


class ToolCachePython(SetupPython):
    """setup-python as on a hosted runner: the tool cache's interpreter first on PATH (the
    harness's stub makes a venv that sees the test interpreter's packages)."""

    def __init__(self, prefix: Path):
        self.prefix = prefix

    def _venv(self, state_dir: Path) -> Path:  # type: ignore[override]
        return self.prefix


def machine_ca() -> dict[str, str]:
    """This machine's certificate bundle for Node (npm reaches its registry only with it)."""
    bundle = os.environ.get("NODE_EXTRA_CA_CERTS")
    return {"NODE_EXTRA_CA_CERTS": bundle} if bundle else {}


def pip_env() -> dict[str, str]:
    """pip as on a fresh runner: no configuration file (this machine's adds local wheel
    folders), no cache; this machine's certificate bundle, without which PyPI is not
    reached here."""
    env = {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    if os.environ.get("PIP_CERT"):
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    return env


# --- the repository and the fork's artifact -------------------------------------------------


@dataclass
class Project:
    root: Path
    base: str
    head: str
    action: Path
    artifact: Path  # the mlgate-run artifact of the fork's pull request run

    def pull_request(self) -> dict:
        return events.pull_request(
            number=PR_NUMBER, head_sha=self.head, base_sha=self.base, fork=True
        )

    def report(self) -> Path:
        (found,) = self.artifact.glob("*/report.md")
        return found


def example_repo(folder: Path, action: Path) -> tuple[Path, str, str]:
    """`mlgate init --example` committed on main, and a branch `feature` that changes C."""
    sys.path.insert(0, str(action / "src"))
    from mlgate import scaffold

    root = folder / "repo"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    scaffold.init(root, example=True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the example")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("C: 0.5", "C: 0.4"))
    git(root, "commit", "-q", "-am", "Tune C")
    return root, base, git(root, "rev-parse", "HEAD")


def fork_artifact(action: Path) -> Project:
    """Run the pull-request workflow once as a fork (untimed; the harness's own stubs) and
    keep the artifact it uploads."""
    folder = WORK / "project"
    root, base, head = example_repo(folder, action)
    state = folder / "state"
    shutil.rmtree(state, ignore_errors=True)
    project = Project(
        root, base, head, action, state / "artifacts" / str(FORK_RUN_ID) / "mlgate-run"
    )
    event = events.write(folder / "events" / "pull_request.json", project.pull_request())
    result = run_job(
        root / ".github/workflows/mlgate.yml",
        "model",
        event_name="pull_request",
        event_path=event,
        workspace=root,
        state_dir=state,
        env={
            "GITHUB_REPOSITORY": events.REPOSITORY,
            "GITHUB_API_URL": "http://127.0.0.1:9",
        },  # a fork's job calls none
        actions={"mlgate/mlgate": action},
        secrets={"GITHUB_TOKEN": TOKEN},
        run_id=FORK_RUN_ID,
    )
    if result.conclusion != "success" or not project.artifact.is_dir():
        sys.exit(f"the fork's pull-request run failed:\n{result.log[-3000:]}")
    return project


def seed_artifact(project: Project, state: Path) -> None:
    """Put the fork run's artifact where download-artifact's stub finds it in `state`."""
    target = state / "artifacts" / str(FORK_RUN_ID) / "mlgate-run"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(project.artifact, target)


def workflow_run_event(project: Project, folder: Path) -> Path:
    return events.write(
        folder / "workflow_run.json", events.workflow_run(run_id=FORK_RUN_ID, head_sha=project.head)
    )


# --- the loopback GitHub, over HTTP for mlgate and over TLS for CML -------------------------


@dataclass
class Loopback:
    fake: FakeGitHub
    server: ThreadingHTTPServer
    thread: threading.Thread
    busy: list[float] = field(default_factory=list)  # seconds the fake took per request

    def __post_init__(self) -> None:
        """Time the fake's own work (it validates each request and answer against GitHub's
        description): a client waits for it, GitHub's servers do not do it."""
        handle = self.fake.handle

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return handle(*args, **kwargs)
            finally:
                self.busy.append(time.perf_counter() - started)

        self.fake.handle = timed  # type: ignore[method-assign]

    def close(self) -> None:
        self.fake.settle()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class FakeGitHubForCML(FakeGitHub):
    """The fake, plus GET /users/{username}: CML asks for the workflow's actor to make the
    user id of its telemetry event (even with telemetry off, it is only not sent), an
    operation outside the description the fake holds clients to. Answered as GitHub
    would, and recorded, so that CML runs the path it runs on GitHub."""

    def handle(self, method: str, raw_path: str, body: bytes, headers: dict[str, str]):
        path = urlsplit(raw_path).path.removeprefix("/api/v3")
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) == 2 and parts[0] == "users":
            with self.lock:
                self.calls[(method, "/users/{username}")] += 1
                self.log.append((method, "/users/{username} (added for CML)"))
            return 200, {}, user(parts[1])
        return super().handle(method, raw_path, body, headers)


def loopback(pull: dict, tls: tuple[Path, Path] | None = None) -> Loopback:
    """A fresh FakeGitHub that knows the pull request; with (cert, key), served over TLS
    (the same request handler as tests/github/server.py's serve, on a TLS socket)."""
    fake = FakeGitHub() if tls is None else FakeGitHubForCML()
    fake.add_pull(pull)
    server, thread = serve(fake)
    if tls is None:
        return Loopback(fake, server, thread)
    handler = server.RequestHandlerClass
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls[0]), str(tls[1]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    fake.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    return Loopback(fake, server, thread)


def loopback_certificate() -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made once)."""
    folder = WORK / "tls"
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "3650",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that answers nothing and records each request's first
    line: where a client would have gone had it left this machine."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.asked: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.asked.append(conn.recv(1024).split(b"\r\n", 1)[0].decode(errors="replace"))
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


# --- timing one job -------------------------------------------------------------------------


@dataclass
class Timed:
    steps: dict[str, float]  # label -> seconds
    wall: float  # the whole job, as the harness ran it
    result: JobResult
    fake_s: float  # of which the loopback fake's own work, inside the posting step
    requests: list[str]  # what the tool asked the API for, in order
    notes: list[str] = field(default_factory=list)

    def overhead(self) -> float:
        """Every step but download-artifact (the same for both tools)."""
        return sum(v for k, v in self.steps.items() if k != "download-artifact")


def find_step(result: JobResult, key: str) -> StepResult:
    return result.step(key)


def timed_job(
    workflow: Path,
    workspace: Path,
    state: Path,
    event: Path,
    env: dict[str, str],
    action: Path,
    stubs: dict,
) -> tuple[JobResult, float]:
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    started = time.perf_counter()
    result = run_job(
        workflow,
        "report",
        event_name="workflow_run",
        event_path=event,
        workspace=workspace,
        state_dir=state,
        env=env,
        actions={"mlgate/mlgate": action},
        stubs=stubs,
        secrets={"GITHUB_TOKEN": TOKEN},
        run_id=FORK_RUN_ID + 1,
    )
    return result, time.perf_counter() - started


def mlgate_once(project: Project, state: Path, python: Path, cold: bool) -> Timed:
    """mlgate-fork-report.yml's job `report`, against a fresh loopback GitHub."""
    if cold:
        shutil.rmtree(state, ignore_errors=True)
    seed_artifact(project, state)
    github = loopback(project.pull_request()["pull_request"])
    try:
        env = {
            "GITHUB_REPOSITORY": events.REPOSITORY,
            "GITHUB_API_URL": github.fake.url,
            **pip_env(),
        }
        stubs = {**DEFAULT_STUBS, "actions/setup-python": ToolCachePython(python)}
        result, wall = timed_job(
            project.root / ".github/workflows/mlgate-fork-report.yml",
            WORK / "workspace-mlgate",
            state,
            workflow_run_event(project, WORK / "events"),
            env,
            project.action,
            stubs,
        )
    finally:
        github.close()
    if result.conclusion != "success":
        sys.exit(f"mlgate's fork-report job failed:\n{result.log[-4000:]}")
    problems = github.fake.violations
    posted = len(github.fake.comments.get(PR_NUMBER, [])), len(github.fake.check_runs)
    if problems or posted != (1, 1):
        sys.exit(f"mlgate's job posted {posted} (comments, checks); violations: {problems}")
    setup = find_step(result, "python")
    if setup.outputs.get("python-path") != str(python / "bin" / "python"):
        sys.exit("the setup-python stand-in did not put the bare interpreter first")
    install = find_step(result, "Install mlgate")
    if cold and "Successfully installed" not in install.stdout + install.stderr:
        sys.exit("a cold run that did not install anything:\n" + install.stdout[-2000:])
    steps = {"download-artifact": result.steps[0].duration_s}
    steps |= {label: find_step(result, key).duration_s for label, key in MLGATE_STEPS.items()}
    steps["cache save (post)"] = sum(s.duration_s for s in result.post_steps)
    return Timed(steps, wall, result, sum(github.busy), requests(github.fake))


CML_WORKFLOW = """\
# The same report posted with CML: setup-cml v1's install (npm install -g, here into a
# throw-away prefix), then `cml comment create`. Written by benchmarks/action_overhead.py.
name: cml report
on:
  workflow_run:
    workflows: [mlgate]
    types: [completed]
permissions: {}
jobs:
  report:
    runs-on: ubuntu-latest
    permissions:
      actions: read
      pull-requests: write
    steps:
      - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
        with:
          name: mlgate-run
          path: mlgate-run
          run-id: ${{ github.event.workflow_run.id }}
          github-token: ${{ github.token }}
      - id: setup-cml
        name: setup-cml (npm install -g)
        run: |
          npm install -g --prefix "$RUNNER_TEMP/cml" --cache "$CML_NPM_CACHE" \\
            --no-audit --no-fund --allow-scripts="$CML_ALLOW_SCRIPTS" "$CML_SPEC"
          echo "$RUNNER_TEMP/cml/bin" >> "$GITHUB_PATH"
      - id: cml
        name: cml comment create
        env:
          REPO_TOKEN: ${{ github.token }}
          HOME: ${{ runner.temp }}/cml-home
          NO_PROXY: 127.0.0.1
          ITERATIVE_DO_NOT_TRACK: "1"
        run: |
          export HTTP_PROXY="$CML_GUARD_PROXY" HTTPS_PROXY="$CML_GUARD_PROXY"
          export NODE_EXTRA_CA_CERTS="$CML_LOOPBACK_CA"
          mkdir -p "$HOME"
          cml comment create --target="pr/$CML_PR" --repo "$CML_REPO_URL" mlgate-run/*/report.md
"""
# native add-ons of CML's dependencies whose install scripts npm 10 (the runner's) runs
# unasked; npm 11 asks for them by name
CML_INSTALL_SCRIPTS = "ssh2,cpu-features"


def cml_tarball(source: Path) -> Path:
    """CML packed (`npm pack`) from its source at CML_TAG, as its registry tarball is."""
    folder = WORK / "cml"
    tarball = folder / f"dvcorg-cml-{CML_TAG.lstrip('v')}.tgz"
    if tarball.exists():
        return tarball
    tree = folder / "src"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", f"--git-dir={source}", "archive", CML_TAG], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    subprocess.run(
        ["npm", "pack", "--pack-destination", str(folder)],
        cwd=tree,
        check=True,
        capture_output=True,
    )
    return tarball


def cml_once(
    project: Project, state: Path, spec: str, npm_cache: Path, cold: bool, cert: tuple[Path, Path]
) -> Timed:
    """The CML workflow above, against a fresh loopback GitHub over TLS."""
    if cold:
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(npm_cache, ignore_errors=True)
    seed_artifact(project, state)
    workflow = WORK / "cml-report.yml"
    workflow.write_text(CML_WORKFLOW)
    github = loopback(project.pull_request()["pull_request"], tls=cert)
    guard = RefusingProxy()
    try:
        env = {
            "GITHUB_REPOSITORY": events.REPOSITORY,
            "GITHUB_API_URL": github.fake.url,
            "CML_SPEC": spec,
            "CML_NPM_CACHE": str(npm_cache),
            "CML_ALLOW_SCRIPTS": CML_INSTALL_SCRIPTS,
            "CML_PR": str(PR_NUMBER),
            "CML_REPO_URL": f"{github.fake.url}/{events.REPOSITORY}",
            "CML_GUARD_PROXY": guard.url,
            "CML_LOOPBACK_CA": str(cert[0]),
            **machine_ca(),
        }
        result, wall = timed_job(
            workflow,
            WORK / "workspace-cml",
            state,
            workflow_run_event(project, WORK / "events"),
            env,
            project.action,
            DEFAULT_STUBS,
        )
    finally:
        github.close()
        guard.close()
    if result.conclusion != "success":
        sys.exit(f"CML's job failed:\n{result.log[-4000:]}")
    if guard.asked:
        sys.exit(f"CML tried to leave 127.0.0.1: {guard.asked}")
    comments = github.fake.comments.get(PR_NUMBER, [])
    if len(comments) != 1:
        sys.exit(f"CML posted {len(comments)} comments:\n{result.log[-3000:]}")
    steps = {
        "download-artifact": result.steps[0].duration_s,
        "install": find_step(result, "setup-cml").duration_s,
        "cml comment create": find_step(result, "cml").duration_s,
    }
    return Timed(
        steps,
        wall,
        result,
        sum(github.busy),
        requests(github.fake),
        notes=violations(github.fake.violations),
    )


def requests(fake: FakeGitHub) -> list[str]:
    return [f"{method} {template}" for method, template in fake.log]


def violations(found: list[str]) -> list[str]:
    """The fake's complaints, the header rules it holds mlgate's client to (Bearer token,
    GitHub's current media type and API version, a User-Agent of mlgate/...) summed up:
    GitHub itself accepts what CML's Octokit 18 sends instead."""
    headers = sorted({v.split(": header ")[1].split()[0] for v in found if ": header " in v})
    notes = [f"headers unlike mlgate's (the fake's rule, not GitHub's): {', '.join(headers)}"]
    return (notes if headers else []) + sorted({v for v in found if ": header " not in v})


# --- sizes, and the table -------------------------------------------------------------------


def du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_symlink())


def zstd_size(path: Path) -> int | None:
    """The size actions/cache would upload: a tar of the path through `zstd -T0 --long=30`."""
    if not shutil.which("zstd"):
        return None
    tar = subprocess.Popen(
        ["tar", "-cf", "-", "-C", "/", str(path).lstrip("/")], stdout=subprocess.PIPE
    )
    done = subprocess.run(
        ["zstd", "-T0", "--long=30", "-c"], stdin=tar.stdout, capture_output=True, check=True
    )
    tar.wait()
    return len(done.stdout)


def mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.0f} MiB"


def median(values: list[float]) -> float:
    return statistics.median(values)


def summarise(name: str, runs: list[Timed]) -> dict[str, float]:
    """Median of each step, of the overhead and of the whole job."""
    row = {k: median([r.steps[k] for r in runs]) for k in runs[0].steps}
    row["overhead"] = median([r.overhead() for r in runs])
    row["overhead min"] = min(r.overhead() for r in runs)
    row["  of which the fake's work"] = median([r.fake_s for r in runs])
    row["job (harness included)"] = median([r.wall for r in runs])
    print(f"\n{name} ({len(runs)} run{'s' if len(runs) > 1 else ''}; median s):")
    for key, value in row.items():
        print(f"  {key:28} {value:8.2f}")
    return row


def table(rows: dict[str, dict[str, float]]) -> None:
    mc, mw = rows["mlgate cold"], rows["mlgate warm"]
    cc, cw = rows.get("CML cold"), rows.get("CML warm")

    def install(row: dict[str, float], mlgate: bool) -> float:
        if not mlgate:
            return row["install"]
        return sum(
            row[k] for k in ("setup-python", "key", "cache restore", "install", "cache save (post)")
        )

    def post(row: dict[str, float], mlgate: bool) -> float:
        return row["mlgate (start + post)" if mlgate else "cml comment create"]

    header = f"{'seconds (median)':28}{'mlgate cold':>12}{'mlgate warm':>12}"
    if cc:
        header += f"{'CML cold':>10}{'CML warm':>10}{'cold ratio':>11}{'warm ratio':>11}"
    print("\n" + header)
    for label, fn in (("install (+ cache save)", install), ("start + post", post)):
        line = f"{label:28}{fn(mc, True):12.2f}{fn(mw, True):12.2f}"
        if cc and cw:
            line += (
                f"{fn(cc, False):10.2f}{fn(cw, False):10.2f}"
                f"{fn(mc, True) / fn(cc, False):11.2f}{fn(mw, True) / fn(cw, False):11.2f}"
            )
        print(line)
    line = f"{'overhead (all but download)':28}{mc['overhead']:12.2f}{mw['overhead']:12.2f}"
    if cc and cw:
        line += (
            f"{cc['overhead']:10.2f}{cw['overhead']:10.2f}"
            f"{mc['overhead'] / cc['overhead']:11.2f}{mw['overhead'] / cw['overhead']:11.2f}"
        )
    print(line)
    print(
        f"\nbars: warm {mw['overhead']:.2f} s < 10 s: {mw['overhead'] < 10}; "
        f"cold {mc['overhead']:.2f} s < 60 s: {mc['overhead'] < 60}"
    )


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs of each tool")
    parser.add_argument("--cold-runs", type=int, default=1, help="cold runs of each tool")
    parser.add_argument(
        "--tree",
        choices=["HEAD", "worktree"],
        default="HEAD",
        help="the action as committed (a copy of HEAD) or the work tree",
    )
    parser.add_argument(
        "--cml-source",
        type=Path,
        default=CML_MIRROR,
        help=f"a git directory of CML's repository (packed at {CML_TAG})",
    )
    parser.add_argument("--cml-spec", help="what npm installs instead of that tarball")
    parser.add_argument("--no-cml", action="store_true", help="time mlgate alone")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    action = action_tree(args.tree)
    python = bare_python()
    print(
        f"action: {action}; interpreter: {python} (site-packages: "
        f"{sorted(p.name for p in (python / 'lib').glob('python3.*/site-packages/*'))})"
    )
    project = fork_artifact(action)
    report = project.report()
    print(f"report: {report.relative_to(project.artifact)}, {report.stat().st_size} bytes")

    spec = None
    if not args.no_cml:
        if args.cml_spec:
            spec = args.cml_spec
        elif (args.cml_source / "HEAD").exists() or (args.cml_source / ".git").exists():
            spec = str(cml_tarball(args.cml_source))
        else:
            print(f"no CML source at {args.cml_source}: CML is left out (--cml-spec?)")
    openapi()  # the fake loads GitHub's description once: not inside the first timing
    cert = loopback_certificate()
    mlgate_state, cml_state = WORK / "state-mlgate", WORK / "state-cml"
    npm_cache = WORK / "npm-cache"

    runs: dict[str, list[Timed]] = {
        k: [] for k in ("mlgate cold", "mlgate warm", "CML cold", "CML warm")
    }
    for _ in range(args.cold_runs):  # alternated, so that load on the machine hits both
        runs["mlgate cold"].append(mlgate_once(project, mlgate_state, python, cold=True))
        print(f"mlgate cold: {runs['mlgate cold'][-1].overhead():.1f} s", flush=True)
        if spec:
            runs["CML cold"].append(cml_once(project, cml_state, spec, npm_cache, True, cert))
            print(f"CML cold: {runs['CML cold'][-1].overhead():.1f} s", flush=True)
    venv = mlgate_state / "_temp" / "mlgate-env"
    sizes = du(venv), zstd_size(venv)
    for _ in range(args.runs):
        runs["mlgate warm"].append(mlgate_once(project, mlgate_state, python, cold=False))
        if spec:
            runs["CML warm"].append(cml_once(project, cml_state, spec, npm_cache, False, cert))

    rows = {name: summarise(name, timed) for name, timed in runs.items() if timed}
    table(rows)
    print(
        f"\nmlgate's cached environment: {mib(sizes[0])} on disk, {mib(sizes[1])} as "
        "actions/cache stores it (tar | zstd -T0 --long=30)"
    )
    if spec:
        print(
            f"CML's install: {mib(du(cml_state / '_temp' / 'cml'))} on disk, npm cache "
            f"{mib(du(npm_cache))}"
        )
        last = runs["CML warm"][-1] if runs["CML warm"] else runs["CML cold"][-1]
        print(f"CML asked the loopback GitHub: {last.requests}")
        for note in last.notes:
            print(f"  {note}")
    print(f"mlgate asked the loopback GitHub: {runs['mlgate warm'][-1].requests}")
    (WORK / "last-run.json").write_text(
        json.dumps(
            {
                name: [{"steps": t.steps, "wall": t.wall} for t in timed]
                for name, timed in runs.items()
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
