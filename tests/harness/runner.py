"""Run a workflow job, or one action, on this machine the way GitHub's runner would.

The point is fidelity where our workflows can go wrong: `${{ }}` is substituted into
scripts before the shell sees them (so injection is reproducible), the environment is the
runner's and nothing of the test process leaks in, file commands and workflow commands are
parsed as the runner parses them, composite actions get their own `inputs`/`steps`, and
status functions and `continue-on-error` decide what runs, and a matrix job runs once for
each combination GitHub's rules make of it. Marketplace actions are replaced by the strict
stubs of stubs.py.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .expressions import Evaluator, ExpressionError, default_evaluator, split_template
from .stubs import DEFAULT_STUBS, Stub, StubCall, StubFailure

SHELLS = {
    "bash": ("bash --noprofile --norc -eo pipefail {0}", ".sh"),
    "sh": ("sh -e {0}", ".sh"),
    "python": ("python {0}", ".py"),
}
DEFAULT_SHELL = ("bash -e {0}", ".sh")  # no `shell:` at all: GitHub's default has no pipefail
WORKFLOW_COMMANDS = {
    "error",
    "warning",
    "notice",
    "debug",
    "add-mask",
    "group",
    "endgroup",
    "stop-commands",
    "set-output",
    "save-state",
    "set-env",
    "add-path",
    "echo",
    "add-matcher",
    "remove-matcher",
}
ENV_TO_GITHUB = {
    "GITHUB_SHA": "sha",
    "GITHUB_REF": "ref",
    "GITHUB_REF_NAME": "ref_name",
    "GITHUB_REF_TYPE": "ref_type",
    "GITHUB_HEAD_REF": "head_ref",
    "GITHUB_BASE_REF": "base_ref",
    "GITHUB_REPOSITORY": "repository",
    "GITHUB_REPOSITORY_OWNER": "repository_owner",
    "GITHUB_RUN_ID": "run_id",
    "GITHUB_RUN_NUMBER": "run_number",
    "GITHUB_RUN_ATTEMPT": "run_attempt",
    "GITHUB_ACTOR": "actor",
    "GITHUB_TRIGGERING_ACTOR": "triggering_actor",
    "GITHUB_WORKFLOW": "workflow",
    "GITHUB_SERVER_URL": "server_url",
    "GITHUB_API_URL": "api_url",
    "GITHUB_GRAPHQL_URL": "graphql_url",
}
# which contexts GitHub makes available where (a wrong one is a parse error, as on GitHub)
WORKFLOW_ENV_CONTEXTS = frozenset({"github", "secrets", "inputs", "vars"})
JOB_IF_CONTEXTS = frozenset({"github", "needs", "vars", "inputs"})
STRATEGY_CONTEXTS = frozenset({"github", "needs", "vars", "inputs"})
JOB_NAME_CONTEXTS = frozenset({"github", "needs", "strategy", "matrix", "vars", "inputs"})
JOB_CONTEXTS = frozenset({"github", "needs", "strategy", "matrix", "vars", "secrets", "inputs"})
IF_CONTEXTS = frozenset(
    {"github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "steps", "inputs"}
)
DEFAULT_CONTEXTS = frozenset({"github", "strategy", "matrix", "job", "runner", "env", "vars"})
MAX_MATRIX_JOBS = 256  # GitHub's limit on the jobs one matrix makes
# what a job without `strategy:` sees in its strategy context
SINGLE_JOB_STRATEGY = {"fail-fast": True, "job-index": 0, "job-total": 1, "max-parallel": 1}
_run_ids = itertools.count(int(time.time()) % 1_000_000 * 1000 + os.getpid() % 1000)


# --- results ----------------------------------------------------------------------------------


@dataclass
class Annotation:
    level: str  # error | warning | notice | debug
    message: str
    properties: dict[str, str]
    step: str | None


@dataclass
class StepResult:
    id: str | None
    name: str
    uses: str | None
    run: str | None  # the script as the shell got it (after interpolation)
    outcome: str  # success | failure | skipped (before continue-on-error)
    conclusion: str  # after continue-on-error
    outputs: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    recorded: dict[str, Any] = field(default_factory=dict)  # what a stub noted
    steps: list[StepResult] = field(default_factory=list)  # a composite's own steps


@dataclass
class JobResult:
    job: str
    conclusion: str  # success | failure | cancelled | skipped
    steps: list[StepResult]
    outputs: dict[str, str]
    summary: str
    annotations: list[Annotation]
    env: dict[str, str]  # the job's env at the end (workflow + job env + GITHUB_ENV)
    permissions: Any
    environment: Any
    post_steps: list[StepResult]
    run_id: str
    workspace: Path
    log_lines: list[str] = field(default_factory=list)
    masks: set[str] = field(default_factory=set)
    rejected_commands: list[str] = field(default_factory=list)
    needs: dict[str, JobResult] = field(default_factory=dict)
    name: str = ""  # as GitHub shows it: `name:` evaluated, or the id (with matrix values)
    matrix: dict[str, Any] = field(default_factory=dict)  # this instance's combination
    # a matrix job's result aggregates its instances (one job each, in the matrix's order);
    # its own steps are empty
    instances: list[JobResult] = field(default_factory=list)

    def step(self, key: str) -> StepResult:
        """A step by id or name (main steps first, then inner composite and post steps)."""

        def walk(steps: list[StepResult]) -> list[StepResult]:
            return [s for step in steps for s in (step, *walk(step.steps))]

        for step in [*self.steps, *walk(self.steps), *self.post_steps]:
            if key in (step.id, step.name):
                return step
        raise KeyError(f"no step {key!r}; steps: {[s.id or s.name for s in self.steps]}")

    @property
    def log(self) -> str:
        """All output in order, with secrets and add-mask values shown as *** as GitHub does."""
        text = "\n".join(self.log_lines)
        for mask in sorted(self.masks, key=len, reverse=True):
            text = text.replace(mask, "***")
        return text

    def errors(self) -> list[str]:
        return [a.message for a in self.annotations if a.level == "error"]


# --- file commands and workflow commands ------------------------------------------------------


def parse_file_command(text: str, what: str) -> list[tuple[str, str]]:
    """GITHUB_OUTPUT / GITHUB_ENV content: `name=value` lines and `name<<DELIM` heredocs."""
    pairs: list[tuple[str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].removesuffix("\r")
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if eq >= 0 and (heredoc < 0 or eq < heredoc):
            name, value = line[:eq], line[eq + 1 :]
        elif heredoc >= 0:
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            if not name or not delimiter:
                raise ValueError(f"Invalid format '{line}' in {what}")
            body: list[str] = []
            while i < len(lines) and lines[i].removesuffix("\r") != delimiter:
                body.append(lines[i].removesuffix("\r"))
                i += 1
            if i >= len(lines):
                raise ValueError(f"Matching delimiter not found '{delimiter}' in {what}")
            i += 1
            value = "\n".join(body)
        else:
            raise ValueError(f"Invalid format '{line}' in {what}")
        if not name:
            raise ValueError(f"Invalid format '{line}' in {what}: the name is empty")
        pairs.append((name, value))
    return pairs


def _unescape(value: str, prop: bool) -> str:
    value = value.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        value = value.replace("%3A", ":").replace("%2C", ",")
    return value.replace("%25", "%")


class _CommandReader:
    """Reads one step's output lines for workflow commands, as the runner does."""

    def __init__(self, job: _Job, step_name: str, unsecure: bool):
        self.job, self.step_name, self.unsecure = job, step_name, unsecure
        self.stop_token: str | None = None
        self.outputs: dict[str, str] = {}
        self.failed: list[str] = []

    def line(self, raw: str) -> None:
        text = raw.lstrip()
        if self.stop_token is not None:
            if text.rstrip() == f"::{self.stop_token}::":
                self.stop_token = None
            return
        if not text.startswith("::"):
            return
        end = text.find("::", 2)
        if end < 0:
            return
        command, _, props_text = text[2:end].partition(" ")
        if command not in WORKFLOW_COMMANDS:
            return
        data = _unescape(text[end + 2 :].rstrip("\r\n"), prop=False)
        props: dict[str, str] = {}
        for item in props_text.split(","):
            key, sep, value = item.partition("=")
            if sep and key:
                props[key] = _unescape(value, prop=True)
        self.handle(command, props, data, raw)

    def handle(self, command: str, props: dict[str, str], data: str, raw: str) -> None:
        job = self.job
        if command in ("error", "warning", "notice", "debug"):
            job.annotate(command, data, props, self.step_name)
        elif command == "add-mask":
            if data.strip():
                job.masks.add(data)
        elif command == "stop-commands":
            self.stop_token = data
        elif command == "set-output":  # deprecated, still honoured by GitHub
            job.annotate(
                "warning",
                "The `set-output` command is deprecated and will be "
                "disabled soon. Please upgrade to using Environment Files.",
                {},
                self.step_name,
            )
            if props.get("name"):
                self.outputs[props["name"]] = data
        elif command == "save-state":
            job.annotate(
                "warning",
                "The `save-state` command is deprecated and will be "
                "disabled soon. Please upgrade to using Environment Files.",
                {},
                self.step_name,
            )
        elif command in ("set-env", "add-path"):
            if self.unsecure:
                if command == "set-env" and props.get("name"):
                    job.env[props["name"]] = data
                elif command == "add-path":
                    job.prepend_path(data)
                return
            job.rejected_commands.append(raw.strip())
            job.annotate(
                "error",
                f"Unable to process command '{raw.strip()}' successfully.",
                {},
                self.step_name,
            )
            job.annotate(
                "error",
                f"The `{command}` command is disabled. Please upgrade to "
                "using Environment Files or opt into unsecure command execution by "
                "setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment variable "
                "to `true`.",
                {},
                self.step_name,
            )
            self.failed.append(command)


LINE_END = re.compile(rb"(\r\n|\r|\n)")


def runner_lines(stream: Any) -> Iterator[bytes]:
    """A step's output in lines as the runner reads it, each with its end: .NET's
    StreamReader.ReadLine ends a line at CR, LF or CRLF (a CR that ends a read waits for the
    next: it may begin a CRLF)."""
    pending = b""
    for chunk in iter(lambda: stream.read1(65536), b""):
        pending += chunk
        held = pending.endswith(b"\r")
        parts = LINE_END.split(pending[:-1] if held else pending)
        pending = parts.pop() + (b"\r" if held else b"")
        yield from (line + end for line, end in zip(parts[::2], parts[1::2], strict=True))
    parts = LINE_END.split(pending)
    rest = parts.pop()
    yield from (line + end for line, end in zip(parts[::2], parts[1::2], strict=True))
    if rest:
        yield rest


# --- scopes: a job's steps, or a composite action's ------------------------------------------


@dataclass
class _Scope:
    """What differs between a job's steps and a composite action's steps."""

    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # the calling step's env, for composites
    action_path: str = ""
    action_repository: str = ""
    action_ref: str = ""
    composite: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)  # defaults.run (jobs only)
    failed: bool = False  # composite: action_status

    def status(self, job: _Job) -> str:
        if self.composite:
            return "failure" if self.failed else "success"
        return job.status


@dataclass
class _Options:
    event_name: str
    event: dict[str, Any]
    event_path: Path | None
    workspace: Path
    env: dict[str, str]
    actions: dict[str, Path]
    stubs: dict[str, Stub]
    secrets: dict[str, str]
    vars: dict[str, str]
    state_dir: Path
    run_id: str
    evaluator: Evaluator


def _pick(contexts: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in contexts.items() if k in names}


def _stringify(value: Any) -> str:
    """A YAML scalar as the template engine turns it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _git_head(workspace: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(workspace), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else "0" * 40


def _github_context(opts: _Options, workflow_name: str, workflow_file: str) -> dict[str, Any]:
    """The `github` context for the event, with sha/ref as GitHub sets them per event."""
    ev, name = opts.event, opts.event_name
    repo = ev.get("repository") or {}
    default_branch = repo.get("default_branch", "main")
    sha, ref, head_ref, base_ref = "", f"refs/heads/{default_branch}", "", ""
    if name in (
        "pull_request",
        "pull_request_target",
        "pull_request_review",
        "pull_request_review_comment",
    ):
        pr = ev.get("pull_request") or {}
        head_ref = (pr.get("head") or {}).get("ref", "")
        base_ref = (pr.get("base") or {}).get("ref", "")
        if name == "pull_request_target":
            ref = f"refs/heads/{base_ref}"
        else:
            ref = f"refs/pull/{ev.get('number', pr.get('number'))}/merge"
            sha = pr.get("merge_commit_sha") or (pr.get("head") or {}).get("sha", "")
    elif name in ("push", "create", "delete"):
        ref = ev.get("ref", ref)
        if name == "push":
            sha = ev.get("after", "")
    elif name == "workflow_dispatch":
        ref = ev.get("ref", ref)
    elif name == "release":
        ref = f"refs/tags/{(ev.get('release') or {}).get('tag_name', '')}"
    elif name in ("deployment", "deployment_status"):
        dep = ev.get("deployment") or {}
        ref, sha = dep.get("ref") or ref, dep.get("sha", "")
        if ref and not ref.startswith("refs/"):
            ref = f"refs/heads/{ref}"
    elif name == "check_run":
        sha = ((ev.get("check_run") or {}).get("head_sha")) or ""
    github: dict[str, Any] = {
        "event_name": name,
        "event": ev,
        "sha": sha,
        "ref": ref,
        "head_ref": head_ref,
        "base_ref": base_ref,
        "repository": repo.get("full_name", "owner/repo"),
        "repository_id": str(repo.get("id", "")),
        "repository_owner": (repo.get("owner") or {}).get("login", "owner"),
        "repository_owner_id": str((repo.get("owner") or {}).get("id", "")),
        "repositoryUrl": f"git://github.com/{repo.get('full_name', 'owner/repo')}.git",
        "actor": (ev.get("sender") or {}).get("login", "octocat"),
        "actor_id": str((ev.get("sender") or {}).get("id", "")),
        "run_id": opts.run_id,
        "run_number": "1",
        "run_attempt": "1",
        "retention_days": "90",
        "workflow": workflow_name,
        "server_url": "https://github.com",
        "api_url": "https://api.github.com",
        "graphql_url": "https://api.github.com/graphql",
        "workspace": str(opts.workspace),
        "token": opts.secrets.get("GITHUB_TOKEN", ""),
        "secret_source": "Actions",
        "action": "",
        "action_path": "",
        "action_ref": "",
        "action_repository": "",
        "action_status": "",
        "job": "",
    }
    github["triggering_actor"] = github["actor"]
    for var, key in ENV_TO_GITHUB.items():
        if var in opts.env:
            github[key] = opts.env[var]
    if not github["sha"]:
        github["sha"] = _git_head(opts.workspace)
    ref = github["ref"]
    if "GITHUB_REF_NAME" not in opts.env:
        github["ref_name"] = ref.split("/", 2)[2] if ref.count("/") >= 2 else ref
    if "GITHUB_REF_TYPE" not in opts.env:
        github["ref_type"] = "tag" if ref.startswith("refs/tags/") else "branch"
    github["ref_protected"] = False
    github["workflow_ref"] = f"{github['repository']}/{workflow_file}@{ref}"
    github["workflow_sha"] = github["sha"]
    return github


# --- a job ------------------------------------------------------------------------------------


class _Job:
    """The state of one job while its steps run."""

    def __init__(
        self,
        opts: _Options,
        job_id: str,
        job: dict[str, Any],
        github: dict[str, Any],
        needs: dict[str, Any],
        matrix: dict[str, Any] | None = None,
        strategy: dict[str, Any] | None = None,
    ):
        self.opts, self.job_id, self.job = opts, job_id, job
        self.matrix = dict(matrix or {})
        self.strategy = dict(strategy or SINGLE_JOB_STRATEGY)
        self.ev = opts.evaluator
        self.status = "success"
        self.env: dict[str, str] = {}
        self.path_prepends: list[str] = []
        self.summary: list[str] = []
        self.annotations: list[Annotation] = []
        self.log: list[str] = []
        self.masks = {v for v in opts.secrets.values() if v and v.strip()}
        self.rejected_commands: list[str] = []
        self.post: list[tuple[Stub, StubCall, str, str | None]] = []
        self.action_counter: dict[str, int] = {}
        # one RUNNER_TEMP for every job, emptied at its start, as on a hosted runner
        # (the hosted runner keeps it at one path): a path cached by one run is the same in the next
        self.temp = opts.state_dir / "_temp"
        shutil.rmtree(self.temp, ignore_errors=True)
        self.files = self.temp / "_runner_file_commands"
        self.files.mkdir(parents=True)
        event_dir = self.temp / "_github_workflow"
        event_dir.mkdir()
        self.event_path = event_dir / "event.json"
        self.event_path.write_text(json.dumps(opts.event, indent=2))
        self.github = {**github, "job": job_id, "event_path": str(self.event_path)}
        self.needs = needs
        self.tool_cache = opts.state_dir / "tool_cache"
        self.tool_cache.mkdir(parents=True, exist_ok=True)

    # contexts and expressions
    def contexts(
        self, scope: _Scope, step_env: dict[str, str] | None = None, **github: str
    ) -> dict[str, Any]:
        gh = {**self.github, **github}
        if scope.composite:
            gh.update(
                action_path=scope.action_path,
                action_repository=scope.action_repository,
                action_ref=scope.action_ref,
                action_status=scope.status(self),
            )
        contexts = {
            "github": gh,
            "env": {**self.env, **scope.env, **(step_env or {})},
            "inputs": scope.inputs,
            "steps": scope.steps,
            "runner": {
                "os": "Linux",
                "arch": "X64",
                "name": "GitHub Actions 1",
                "environment": "github-hosted",
                "temp": str(self.temp),
                "tool_cache": str(self.tool_cache),
            },
            "job": {"status": self.status, "container": {}, "services": {}},
            "secrets": {**self.opts.secrets},
            "vars": {**self.opts.vars},
            "matrix": dict(self.matrix),
            "needs": self.needs,
            "strategy": dict(self.strategy),
        }
        if scope.composite:  # action.yml has no secrets context
            del contexts["secrets"]
        return contexts

    def text(self, value: Any, ctx: dict[str, Any]) -> str:
        return self.ev.interpolate(_stringify(value), ctx, workspace=self.opts.workspace)

    def annotate(self, level: str, message: str, props: dict[str, str], step: str | None):
        self.annotations.append(Annotation(level, message, props, step))
        self.log.append(f"##[{level}]{message}")

    def prepend_path(self, entry: str) -> None:
        if entry in self.path_prepends:
            self.path_prepends.remove(entry)
        self.path_prepends.append(entry)

    def process_env(
        self, scope: _Scope, step_env: dict[str, str], *, action: str, files: dict[str, Path]
    ) -> dict[str, str]:
        """The step's environment: machine basics, the caller's env, workflow/job/GITHUB_ENV/
        step env, then the runner's own variables, which user env cannot override."""
        base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
        env = {**base, **self.opts.env, **self.env, **scope.env, **step_env}
        gh = self.github
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": gh["event_name"],
                "GITHUB_EVENT_PATH": str(self.event_path),
                "GITHUB_WORKSPACE": gh["workspace"],
                "GITHUB_REPOSITORY": gh["repository"],
                "GITHUB_REPOSITORY_ID": gh["repository_id"],
                "GITHUB_REPOSITORY_OWNER": gh["repository_owner"],
                "GITHUB_REPOSITORY_OWNER_ID": gh["repository_owner_id"],
                "GITHUB_SHA": gh["sha"],
                "GITHUB_REF": gh["ref"],
                "GITHUB_REF_NAME": gh["ref_name"],
                "GITHUB_REF_TYPE": gh["ref_type"],
                "GITHUB_REF_PROTECTED": "false",
                "GITHUB_HEAD_REF": gh["head_ref"],
                "GITHUB_BASE_REF": gh["base_ref"],
                "GITHUB_RUN_ID": gh["run_id"],
                "GITHUB_RUN_NUMBER": gh["run_number"],
                "GITHUB_RUN_ATTEMPT": gh["run_attempt"],
                "GITHUB_ACTOR": gh["actor"],
                "GITHUB_ACTOR_ID": gh["actor_id"],
                "GITHUB_TRIGGERING_ACTOR": gh["triggering_actor"],
                "GITHUB_WORKFLOW": gh["workflow"],
                "GITHUB_WORKFLOW_REF": gh["workflow_ref"],
                "GITHUB_WORKFLOW_SHA": gh["workflow_sha"],
                "GITHUB_JOB": self.job_id,
                "GITHUB_ACTION": action,
                "GITHUB_API_URL": gh["api_url"],
                "GITHUB_SERVER_URL": gh["server_url"],
                "GITHUB_GRAPHQL_URL": gh["graphql_url"],
                "GITHUB_RETENTION_DAYS": gh["retention_days"],
                "RUNNER_OS": "Linux",
                "RUNNER_ARCH": "X64",
                "RUNNER_NAME": "GitHub Actions 1",
                "RUNNER_ENVIRONMENT": "github-hosted",
                "RUNNER_TEMP": str(self.temp),
                "RUNNER_TOOL_CACHE": str(self.tool_cache),
            }
        )
        for name, path in files.items():
            env[name] = str(path)
        if scope.composite:
            env["GITHUB_ACTION_PATH"] = scope.action_path
            env["GITHUB_ACTION_REPOSITORY"] = scope.action_repository
            env["GITHUB_ACTION_REF"] = scope.action_ref
        if self.path_prepends:
            env["PATH"] = os.pathsep.join([*reversed(self.path_prepends), env.get("PATH", "")])
        return env

    def action_id(self, step: dict[str, Any]) -> str:
        """GITHUB_ACTION: the step id, else __run, __run_2, ... or __owner_repo."""
        if step.get("id"):
            return str(step["id"])
        stem = (
            "__run"
            if "run" in step
            else "__"
            + str(step.get("uses", ""))
            .split("@")[0]
            .strip("./")
            .replace("/", "_")
            .replace("-", "_")
        )
        n = self.action_counter.get(stem, 0) + 1
        self.action_counter[stem] = n
        return stem if n == 1 else f"{stem}_{n}"

    # steps
    def run_steps(self, steps: list[dict[str, Any]], scope: _Scope) -> list[StepResult]:
        results = []
        for step in steps:
            result = self.run_step(step, scope)
            results.append(result)
            if step.get("id"):
                scope.steps[str(step["id"])] = {
                    "outputs": result.outputs,
                    "outcome": result.outcome,
                    "conclusion": result.conclusion,
                }
            if result.conclusion == "failure":
                if scope.composite:
                    scope.failed = True
                else:
                    self.status = "failure"
        return results

    def run_step(self, step: dict[str, Any], scope: _Scope) -> StepResult:
        name = self.step_name(step, scope)
        sid = str(step["id"]) if step.get("id") is not None else None
        uses = step.get("uses")
        uses_text = str(uses) if uses is not None else None
        ctx = _pick(self.contexts(scope), IF_CONTEXTS)
        try:
            runs = self.ev.condition(
                step.get("if", "success()"), ctx, scope.status(self), workspace=self.opts.workspace
            )
        except ExpressionError as exc:
            if exc.kind == "parse":
                raise
            self.annotate("error", str(exc), {}, name)
            return StepResult(sid, name, uses_text, None, "failure", "failure")
        if not runs:
            self.log.append(f"--- skipped: {name}")
            return StepResult(sid, name, uses_text, None, "skipped", "skipped")
        self.log.append(f"--- {name}")
        started = time.monotonic()
        result = StepResult(sid, name, uses_text, None, "success", "success")
        continue_on_error = False
        try:
            full = self.contexts(scope)
            step_env = {str(k): self.text(v, full) for k, v in (step.get("env") or {}).items()}
            ctx = self.contexts(scope, step_env)
            coe = step.get("continue-on-error", False)
            continue_on_error = coe if isinstance(coe, bool) else self.text(coe, ctx) == "true"
            if "run" in step:
                self.run_script(step, scope, step_env, ctx, result)
            elif uses is not None:
                self.run_uses(step, scope, step_env, ctx, result)
            else:
                raise StubFailure("a step needs `run:` or `uses:`")
        except (StubFailure, ExpressionError) as exc:
            if isinstance(exc, ExpressionError) and exc.kind == "parse":
                raise
            self.annotate("error", str(exc), {}, name)
            result.outcome = "failure"
        result.duration_s = time.monotonic() - started
        result.conclusion = (
            "success" if (result.outcome == "failure" and continue_on_error) else result.outcome
        )
        return result

    def step_name(self, step: dict[str, Any], scope: _Scope) -> str:
        if step.get("name"):
            with contextlib.suppress(ExpressionError):
                return self.text(step["name"], self.contexts(scope))
            return str(step["name"])
        if "run" in step:
            first = str(step["run"]).strip().splitlines()
            return f"Run {first[0] if first else ''}"
        return f"Run {step.get('uses')}"

    def new_files(self) -> dict[str, Path]:
        """Fresh GITHUB_OUTPUT/ENV/PATH/STATE/STEP_SUMMARY files, one set per step."""
        tag = uuid.uuid4().hex
        files = {}
        for var, stem in (
            ("GITHUB_OUTPUT", "set_output"),
            ("GITHUB_ENV", "set_env"),
            ("GITHUB_PATH", "add_path"),
            ("GITHUB_STATE", "save_state"),
            ("GITHUB_STEP_SUMMARY", "step_summary"),
        ):
            path = self.files / f"{stem}_{tag}"
            path.touch()
            files[var] = path
        return files

    def apply_files(self, files: dict[str, Path], result: StepResult, step_name: str) -> bool:
        """Apply what the step wrote to its file commands; False if one was malformed."""
        ok = True
        try:
            for name, value in parse_file_command(
                files["GITHUB_OUTPUT"].read_text(), "GITHUB_OUTPUT"
            ):
                result.outputs[name] = value
            for name, value in parse_file_command(files["GITHUB_ENV"].read_text(), "GITHUB_ENV"):
                if name.upper() == "NODE_OPTIONS":
                    self.annotate(
                        "error",
                        "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
                        {},
                        step_name,
                    )
                    ok = False
                    continue
                self.env[name] = value
        except ValueError as exc:
            self.annotate("error", str(exc), {}, step_name)
            ok = False
        for line in files["GITHUB_PATH"].read_text().splitlines():
            if line.strip():
                self.prepend_path(line.strip())
        self.summary.append(files["GITHUB_STEP_SUMMARY"].read_text())
        return ok

    def run_script(
        self,
        step: dict[str, Any],
        scope: _Scope,
        step_env: dict[str, str],
        ctx: dict[str, Any],
        result: StepResult,
    ) -> None:
        defaults = scope.defaults
        shell = step.get("shell") or defaults.get("shell")
        if scope.composite and not step.get("shell"):
            raise StubFailure(
                "Required property is missing: shell (composite `run:` steps must name their shell)"
            )
        script = self.text(step["run"], ctx)
        result.run = script
        if shell is None:
            template, ext = DEFAULT_SHELL
        elif str(shell) in SHELLS:
            template, ext = SHELLS[str(shell)]
        elif "{0}" in str(shell):
            template, ext = str(shell), ""
        else:
            raise StubFailure(f"shell {shell!r} is not available to the harness")
        workdir = step.get("working-directory") or defaults.get("working-directory")
        cwd = self.opts.workspace
        if workdir:
            cwd = cwd / self.text(workdir, ctx)
        if not cwd.is_dir():
            raise StubFailure(
                f"An error occurred trying to start process in working "
                f"directory '{cwd}': No such file or directory"
            )
        timeout = step.get("timeout-minutes")
        if isinstance(timeout, str):
            timeout = float(self.text(timeout, ctx))
        files = self.new_files()
        env = self.process_env(scope, step_env, action=self.action_id(step), files=files)
        script_path = self.temp / f"{uuid.uuid4()}{ext}"
        script_path.write_text(script)
        argv = [
            script_path.as_posix() if a == "{0}" else a.replace("{0}", str(script_path))
            for a in shlex.split(template)
        ]
        resolved = shutil.which(argv[0], path=env.get("PATH"))
        if resolved is None:
            raise StubFailure(f"{argv[0]}: command not found")
        argv[0] = resolved
        reader = _CommandReader(
            self, result.name, env.get("ACTIONS_ALLOW_UNSECURE_COMMANDS") == "true"
        )
        code, out, err, timed_out = self.execute(argv, cwd, env, timeout, reader)
        result.exit_code, result.stdout, result.stderr = code, out, err
        result.outputs.update(reader.outputs)
        files_ok = self.apply_files(files, result, result.name)
        if timed_out:
            self.annotate(
                "error",
                f"The action '{result.name}' has timed out after {_stringify(timeout)} minutes.",
                {},
                result.name,
            )
        elif code != 0:
            self.annotate("error", f"Process completed with exit code {code}.", {}, result.name)
        if code != 0 or timed_out or reader.failed or not files_ok:
            result.outcome = "failure"

    def execute(
        self,
        argv: list[str],
        cwd: Path,
        env: dict[str, str],
        timeout_minutes: float | None,
        reader: _CommandReader,
    ) -> tuple[int, str, str, bool]:
        """Run a process; read stdout and stderr lines as they come for workflow commands."""
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        lines: queue.Queue[tuple[str, str | None]] = queue.Queue()

        def pump(stream: Any, label: str) -> None:
            for raw in runner_lines(stream):
                lines.put((label, raw.decode("utf-8", "replace")))
            lines.put((label, None))

        threads = [
            threading.Thread(target=pump, args=(proc.stdout, "out"), daemon=True),
            threading.Thread(target=pump, args=(proc.stderr, "err"), daemon=True),
        ]
        for t in threads:
            t.start()
        deadline = None if timeout_minutes is None else time.monotonic() + timeout_minutes * 60
        captured: dict[str, list[str]] = {"out": [], "err": []}
        open_streams, timed_out = 2, False
        while open_streams:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                label, text = lines.get(timeout=wait)
            except queue.Empty:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                deadline = None
                continue
            if text is None:
                open_streams -= 1
                continue
            captured[label].append(text)
            self.log.append(text.rstrip("\r\n"))
            reader.line(text.rstrip("\r\n"))
        code = proc.wait()
        return code, "".join(captured["out"]), "".join(captured["err"]), timed_out

    # uses:
    def run_uses(
        self,
        step: dict[str, Any],
        scope: _Scope,
        step_env: dict[str, str],
        ctx: dict[str, Any],
        result: StepResult,
    ) -> None:
        uses = step["uses"]
        with_ = {str(k): self.text(v, ctx) for k, v in (step.get("with") or {}).items()}
        if isinstance(uses, Path):
            return self.run_action_dir(uses, "", "", step, scope, step_env, with_, result)
        uses = str(uses)
        if uses.startswith("docker://"):
            raise StubFailure(f"the harness cannot run container actions ({uses})")
        if uses.startswith("./"):
            return self.run_action_dir(
                self.opts.workspace / uses, "", "", step, scope, step_env, with_, result
            )
        name, at, ref = uses.partition("@")
        if not at or name.count("/") < 1:
            raise StubFailure(f"Expected format {{org}}/{{repo}}[/path]@ref. Actual '{uses}'")
        owner_repo = "/".join(name.split("/")[:2])
        subpath = "/".join(name.split("/")[2:])
        if owner_repo in self.opts.actions:
            return self.run_action_dir(
                Path(self.opts.actions[owner_repo]) / subpath,
                owner_repo,
                ref,
                step,
                scope,
                step_env,
                with_,
                result,
            )
        stub = self.opts.stubs.get(name) or self.opts.stubs.get(owner_repo)
        if stub is None:
            raise StubFailure(
                f"Unable to resolve action `{uses}`: the harness has no copy of "
                f"{owner_repo} (pass it in actions=) and no stub for it"
            )
        return self.run_stub(stub, name, ref, step, scope, step_env, with_, result)

    def run_action_dir(
        self,
        folder: Path,
        repository: str,
        ref: str,
        step: dict[str, Any],
        scope: _Scope,
        step_env: dict[str, str],
        with_: dict[str, str],
        result: StepResult,
    ) -> None:
        manifest = next(
            (folder / n for n in ("action.yml", "action.yaml") if (folder / n).is_file()), None
        )
        if manifest is None:
            raise StubFailure(
                f"Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under "
                f"'{folder}'. Did you forget to run actions/checkout before "
                "running your local action?"
            )
        action = yaml.safe_load(manifest.read_text()) or {}
        using = str((action.get("runs") or {}).get("using", ""))
        if using != "composite":
            raise StubFailure(
                f"the harness runs composite actions only; {folder} uses "
                f"'{using}' (give a stub instead)"
            )
        declared = {str(k): (v or {}) for k, v in (action.get("inputs") or {}).items()}
        unexpected = [k for k in with_ if k.lower() not in {d.lower() for d in declared}]
        if unexpected:
            self.annotate(
                "warning",
                f"Unexpected input(s) {', '.join(map(repr, unexpected))}, "
                f"valid inputs are {list(declared)}",
                {},
                result.name,
            )
        inner = _Scope(
            env={**scope.env, **step_env},
            action_path=str(folder),
            action_repository=repository,
            action_ref=ref,
            composite=True,
        )
        given = {k.lower(): v for k, v in with_.items()}
        default_ctx = _pick(self.contexts(inner), DEFAULT_CONTEXTS)
        for key, spec in declared.items():
            if key.lower() in given:
                inner.inputs[key] = given[key.lower()]
            else:
                inner.inputs[key] = self.text(spec.get("default", ""), default_ctx)
        result.steps = self.run_steps(list(action["runs"].get("steps") or []), inner)
        out_ctx = self.contexts(inner)
        for key, spec in (action.get("outputs") or {}).items():
            result.outputs[str(key)] = self.text((spec or {}).get("value", ""), out_ctx)
        if inner.failed:
            result.outcome = "failure"

    def run_stub(
        self,
        stub: Stub,
        name: str,
        ref: str,
        step: dict[str, Any],
        scope: _Scope,
        step_env: dict[str, str],
        with_: dict[str, str],
        result: StepResult,
    ) -> None:
        unknown = sorted(set(with_) - set(stub.inputs))
        if unknown:
            raise StubFailure(
                f"{name}: unexpected input(s) {unknown}; the real action accepts "
                f"{sorted(stub.inputs)}"
            )
        missing = sorted(k for k in stub.required if not with_.get(k))
        if missing:
            raise StubFailure(f"Input required and not supplied: {missing[0]}")
        ctx = self.contexts(scope, step_env)
        inputs = {
            k: with_[k] if k in with_ else self.text(d or "", ctx) for k, d in stub.inputs.items()
        }
        files = self.new_files()
        call = StubCall(
            action=name,
            ref=ref,
            inputs=inputs,
            workspace=self.opts.workspace,
            state_dir=self.opts.state_dir,
            run_id=str(self.github["run_id"]),
            env=self.process_env(scope, step_env, action=self.action_id(step), files=files),
            github=dict(self.github),
            runner_temp=self.temp,
        )
        try:
            stub.main(call)
        finally:
            self.take_stub_call(call, result)
        if call.wants_post and stub.has_post:
            self.post.append((stub, call, stub.post_if, result.name))

    def take_stub_call(self, call: StubCall, result: StepResult) -> None:
        for level, text in call.messages:
            if level == "info":
                self.log.append(text)
            else:
                self.annotate(level, text, {}, result.name)
        call.messages.clear()
        result.outputs.update(call.outputs)
        result.recorded.update(call.recorded)
        self.env.update(call.exported)
        for entry in call.paths:
            self.prepend_path(entry)

    def run_post_steps(self) -> list[StepResult]:
        """Post steps run after all steps, last registered first, under their post-if."""
        results = []
        for stub, call, post_if, main_name in reversed(self.post):
            name = f"Post {main_name}"
            result = StepResult(None, name, stub.name, None, "success", "success")
            ctx = self.contexts(_Scope())
            if not self.ev.condition(post_if, ctx, self.status):
                result.outcome = result.conclusion = "skipped"
                results.append(result)
                continue
            self.log.append(f"--- {name}")
            started = time.monotonic()
            try:
                stub.post(call)
            except StubFailure as exc:
                self.annotate("error", str(exc), {}, name)
                result.outcome = result.conclusion = "failure"
                self.status = "failure"
            finally:
                self.take_stub_call(call, result)
            result.duration_s = time.monotonic() - started
            results.append(result)
        return results


# --- strategy.matrix --------------------------------------------------------------------------


class StrategyError(ValueError):
    """A strategy GitHub refuses: as written, the workflow is invalid; made by an expression
    at run time, the job fails."""


@dataclass
class _Strategy:
    combinations: list[dict[str, Any]]
    fail_fast: bool
    max_parallel: int


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "${{" in value
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def _evaluated(state: _Job, value: Any, ctx: dict[str, Any]) -> Any:
    """A `strategy:` value with its expressions evaluated: a lone `${{ }}` keeps the type of
    its value (an object from fromJSON), text around an expression makes a string."""
    if isinstance(value, str) and "${{" in value:
        parts = split_template(value)
        if len(parts) == 1 and parts[0][0] == "expr":
            return state.ev.evaluate(parts[0][1], ctx)
        return state.text(value, ctx)
    if isinstance(value, dict):
        return {k: _evaluated(state, v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_evaluated(state, v, ctx) for v in value]
    return value


def _strategy(state: _Job, job_id: str, given: Any, ctx: dict[str, Any]) -> _Strategy:
    strategy = _evaluated(state, given, ctx)
    if not isinstance(strategy, dict):
        raise StrategyError(f"the strategy must be a mapping, not {strategy!r}")
    combinations = expand_matrix(strategy["matrix"], job_id) if "matrix" in strategy else [{}]
    fail_fast = strategy.get("fail-fast", True)
    if not isinstance(fail_fast, bool):
        raise StrategyError(f"fail-fast must be a boolean, not {fail_fast!r}")
    max_parallel = strategy.get("max-parallel", len(combinations))
    if isinstance(max_parallel, float) and max_parallel.is_integer():
        max_parallel = int(max_parallel)
    if isinstance(max_parallel, bool) or not isinstance(max_parallel, int) or max_parallel < 1:
        raise StrategyError(f"max-parallel must be a positive number, not {max_parallel!r}")
    return _Strategy(combinations, fail_fast, max_parallel)


def _same(a: Any, b: Any) -> bool:
    """Matrix values compare as JSON values do: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _entries(matrix: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = matrix.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise StrategyError(f"the matrix's `{key}` must be a list of mappings, not {entries!r}")
    return [{str(k): v for k, v in e.items()} for e in entries]


def expand_matrix(matrix: Any, job_id: str = "job") -> list[dict[str, Any]]:
    """The combinations a matrix makes, in GitHub's order.

    The product of the vectors (the first key varies slowest), less every combination an
    `exclude` entry matches (on the keys it names); then each `include` entry is added to
    every one of those combinations whose original values it leaves as they are (values an
    earlier entry added may change), and becomes a combination of its own when it fits none.
    A matrix of `include` alone makes one job an entry. More than 256 is an error.
    """
    if not isinstance(matrix, dict):
        raise StrategyError(f"the matrix must be a mapping, not {matrix!r}")
    vectors = {str(k): v for k, v in matrix.items() if k not in ("include", "exclude")}
    for key, values in vectors.items():
        if not isinstance(values, list) or not values:
            raise StrategyError(f"Matrix vector '{key}' does not contain any values")
    exclude, include = _entries(matrix, "exclude"), _entries(matrix, "include")
    for entry in exclude:
        for key in entry:
            if key not in vectors:
                raise StrategyError(
                    f"Matrix exclude key '{key}' does not match any key within the matrix"
                )
    product = (
        [dict(zip(vectors, values, strict=True)) for values in itertools.product(*vectors.values())]
        if vectors
        else []
    )
    originals = [
        c
        for c in product
        if not any(all(_same(c[k], v) for k, v in entry.items()) for entry in exclude)
    ]
    combinations = [dict(c) for c in originals]
    added: list[dict[str, Any]] = []
    for entry in include:
        fits = [
            combination
            for original, combination in zip(originals, combinations, strict=True)
            if all(k not in original or _same(original[k], v) for k, v in entry.items())
        ]
        for combination in fits:
            combination.update(entry)
        if not fits:
            added.append(dict(entry))
    combinations += added
    if not combinations:
        raise StrategyError("Matrix must define at least one vector")
    if len(combinations) > MAX_MATRIX_JOBS:
        raise StrategyError(
            f"Strategy expansion exceeded {MAX_MATRIX_JOBS} results for job '{job_id}' "
            f"({len(combinations)})"
        )
    return combinations


# --- workflows --------------------------------------------------------------------------------


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else [str(n) for n in needs]


def _order(jobs: dict[str, Any], targets: list[str]) -> list[str]:
    """Jobs in `needs` order: every job after the ones it needs."""
    ordered: list[str] = []

    def visit(job_id: str, chain: tuple[str, ...]) -> None:
        if job_id in chain:
            raise ValueError(f"needs cycle: {' -> '.join((*chain, job_id))}")
        if job_id not in jobs:
            raise KeyError(f"no job {job_id!r} in the workflow; jobs: {list(jobs)}")
        for dep in _needs(jobs[job_id]):
            visit(dep, (*chain, job_id))
        if job_id not in ordered:
            ordered.append(job_id)

    for target in targets:
        visit(target, ())
    return ordered


def _dispatch_inputs(workflow: dict[str, Any], opts: _Options) -> dict[str, Any]:
    """The `inputs` context of a workflow_dispatch run: payload values, else defaults; boolean
    and number inputs typed (github.event.inputs keeps the strings)."""
    if opts.event_name != "workflow_dispatch":
        return {}
    on = workflow.get("on", workflow.get(True)) or {}
    declared = (
        ((on.get("workflow_dispatch") or {}).get("inputs") or {}) if isinstance(on, dict) else {}
    )
    given = opts.event.get("inputs") or {}
    inputs: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec or {}
        value = given.get(name, spec.get("default", ""))
        if spec.get("type") == "boolean":
            value = value if isinstance(value, bool) else str(value).lower() == "true"
        elif spec.get("type") == "number" and value != "":
            value = float(value)
        inputs[str(name)] = value
    for name, value in given.items():
        inputs.setdefault(name, value)
    return inputs


def _options(
    workspace: Path,
    state_dir: Path,
    *,
    event_name: str,
    event_path: Path | None,
    env: dict[str, str] | None,
    actions: dict[str, Path] | None,
    stubs: dict[str, Stub] | None,
    secrets: dict[str, str] | None,
    vars: dict[str, str] | None,
    run_id: int | str | None,
    evaluator: Evaluator | None,
) -> _Options:
    event = json.loads(Path(event_path).read_text()) if event_path else {}
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    return _Options(
        event_name=event_name,
        event=event,
        event_path=event_path,
        workspace=Path(workspace).resolve(),
        env=dict(env or {}),
        actions=dict(actions or {}),
        stubs=DEFAULT_STUBS if stubs is None else dict(stubs),
        secrets=dict(secrets or {}),
        vars=dict(vars or {}),
        state_dir=state_dir.resolve(),
        run_id=str(run_id if run_id is not None else next(_run_ids)),
        evaluator=evaluator or default_evaluator(),
    )


def _start_status(workflow: dict[str, Any], direct: list[str], done: dict[str, JobResult]) -> str:
    """The status a job's `if:` sees: failure after any failed ancestor, success when every
    job it needs succeeded."""
    ancestors = [done[n] for n in _order(workflow["jobs"], direct)]
    if any(a.conclusion == "failure" for a in ancestors):
        return "failure"
    return "success" if all(done[n].conclusion == "success" for n in direct) else "skipped"


def _run_one(
    opts: _Options,
    workflow: dict[str, Any],
    job_id: str,
    github: dict[str, Any],
    inputs: dict[str, Any],
    done: dict[str, JobResult],
    reset: Callable[[], None] | None = None,
) -> JobResult:
    """One job: a single instance, or one per combination of its matrix (`reset` puts the
    workspace back to the checkout between them)."""
    job = workflow["jobs"][job_id] or {}
    for unsupported in ("container", "services", "uses"):
        if unsupported in job:
            raise NotImplementedError(
                f"job {job_id!r}: `{unsupported}:` is not supported by the harness"
            )
    direct = _needs(job)
    needs = {n: {"result": done[n].conclusion, "outputs": done[n].outputs} for n in direct}

    def instance(
        matrix: dict[str, Any] | None = None,
        strategy: dict[str, Any] | None = None,
        runs: bool | None = None,
    ) -> JobResult:
        return _run_instance(
            opts, workflow, job_id, github, inputs, done, needs, matrix, strategy, runs
        )

    if "strategy" not in job:
        return instance()
    # GitHub rejects a workflow whose matrix is wrong as written, whether the job runs or not
    static = not _has_expression(job["strategy"])
    probe = _Job(opts, job_id, job, github, needs)
    ctx = probe.contexts(_Scope(inputs=dict(inputs)))
    planned = _strategy(probe, job_id, job["strategy"], {}) if static else None
    # the job's `if:` is decided once, before the matrix is expanded (it cannot see `matrix`)
    status = _start_status(workflow, direct, done)
    if not probe.ev.condition(job.get("if", "success()"), _pick(ctx, JOB_IF_CONTEXTS), status):
        return instance(runs=False)
    if planned is None:
        try:
            planned = _strategy(probe, job_id, job["strategy"], _pick(ctx, STRATEGY_CONTEXTS))
        except (StrategyError, ExpressionError) as exc:
            if isinstance(exc, ExpressionError) and exc.kind == "parse":
                raise
            # made at run time (fromJSON of an output): the job fails, the workflow goes on
            failed = instance(runs=False)
            message = f"Error when evaluating 'strategy' for job '{job_id}'. {exc}"
            failed.annotations.append(Annotation("error", message, {}, None))
            failed.log_lines.append(f"##[error]{message}")
            failed.conclusion = "failure"
            return failed
    instances: list[JobResult] = []
    ran = False
    total = len(planned.combinations)
    for index, values in enumerate(planned.combinations):
        context = {
            "fail-fast": planned.fail_fast,
            "job-index": index,
            "job-total": total,
            "max-parallel": planned.max_parallel,
        }
        one_failed = any(i.conclusion == "failure" for i in instances)
        if one_failed and planned.fail_fast:  # one at a time here: every later one is queued
            cancelled = instance(values, context, runs=False)
            cancelled.conclusion = "cancelled"
            instances.append(cancelled)
            continue
        if ran and reset is not None:
            reset()
        instances.append(instance(values, context, runs=True))
        ran = True
    return _aggregate(opts, job_id, job, instances, {n: done[n] for n in direct})


def _run_instance(
    opts: _Options,
    workflow: dict[str, Any],
    job_id: str,
    github: dict[str, Any],
    inputs: dict[str, Any],
    done: dict[str, JobResult],
    needs: dict[str, Any],
    matrix: dict[str, Any] | None,
    strategy: dict[str, Any] | None,
    runs: bool | None,
) -> JobResult:
    """One job instance; `runs` when its `if:` was already decided (a matrix's)."""
    job = workflow["jobs"][job_id] or {}
    direct = _needs(job)
    state = _Job(opts, job_id, job, github, needs, matrix, strategy)
    defaults = {
        **((workflow.get("defaults") or {}).get("run") or {}),
        **((job.get("defaults") or {}).get("run") or {}),
    }
    scope = _Scope(inputs=dict(inputs), defaults=defaults)
    state.status = _start_status(workflow, direct, done)
    permissions = job.get("permissions", workflow.get("permissions"))
    ctx = state.contexts(scope)
    for key, value in (workflow.get("env") or {}).items():
        state.env[str(key)] = state.text(value, _pick(ctx, WORKFLOW_ENV_CONTEXTS))
    for key, value in (job.get("env") or {}).items():
        state.env[str(key)] = state.text(value, _pick(ctx, JOB_CONTEXTS))
    environment = job.get("environment")
    job_ctx = _pick(ctx, JOB_CONTEXTS - {"secrets"})
    if isinstance(environment, str):
        environment = state.text(environment, job_ctx)
    elif isinstance(environment, dict):
        environment = {k: state.text(v, job_ctx) for k, v in environment.items()}
    name = _job_name(state, job, _pick(ctx, JOB_NAME_CONTEXTS))
    if runs is None:
        runs = state.ev.condition(
            job.get("if", "success()"), _pick(ctx, JOB_IF_CONTEXTS), state.status
        )
    steps: list[StepResult] = []
    post: list[StepResult] = []
    outputs: dict[str, str] = {}
    if runs:
        state.status = "success"
        steps = state.run_steps(list(job.get("steps") or []), scope)
        post = state.run_post_steps()
        out_ctx = state.contexts(scope)
        for key, value in (job.get("outputs") or {}).items():
            outputs[str(key)] = state.text(value, out_ctx)
    return JobResult(
        job=job_id,
        conclusion=state.status if runs else "skipped",
        steps=steps,
        outputs=outputs,
        summary="".join(state.summary),
        annotations=state.annotations,
        env=dict(state.env),
        permissions=permissions,
        environment=environment,
        post_steps=post,
        run_id=opts.run_id,
        workspace=opts.workspace,
        log_lines=state.log,
        masks=state.masks,
        rejected_commands=state.rejected_commands,
        needs={n: done[n] for n in direct},
        name=name,
        matrix=dict(matrix or {}),
    )


def _job_name(state: _Job, job: dict[str, Any], ctx: dict[str, Any]) -> str:
    """The name GitHub shows: `name:` evaluated, else the id; a matrix instance's gets its
    values in parentheses unless the name has an expression of its own."""
    given = job.get("name")
    name = state.job_id if given is None else str(given)
    if given is not None:
        with contextlib.suppress(ExpressionError):  # shown as written, as a step's name is
            name = state.text(given, ctx)
    shown = [_matrix_text(v) for v in state.matrix.values()]
    shown = [v for v in shown if v]
    if shown and (given is None or "${{" not in str(given)):
        name += f" ({', '.join(shown)})"
    return name


def _matrix_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return _stringify(value)


def _aggregate(
    opts: _Options,
    job_id: str,
    job: dict[str, Any],
    instances: list[JobResult],
    needs: dict[str, JobResult],
) -> JobResult:
    """A matrix job as the jobs that need it see it: failure if any instance failed, else
    cancelled if any was cancelled, else success; the outputs of every instance merged, a
    later instance's value winning, an empty one set by none (the runner sends no empty
    output)."""
    conclusions = {i.conclusion for i in instances}
    conclusion = next(
        (c for c in ("failure", "cancelled", "success") if c in conclusions), "skipped"
    )
    outputs: dict[str, str] = {}
    for each in instances:
        outputs.update({k: v for k, v in each.outputs.items() if v})
    return JobResult(
        job=job_id,
        conclusion=conclusion,
        steps=[],
        outputs=outputs,
        summary="".join(i.summary for i in instances),
        annotations=[a for i in instances for a in i.annotations],
        env={},
        permissions=instances[0].permissions,
        environment=instances[0].environment,
        post_steps=[],
        run_id=opts.run_id,
        workspace=opts.workspace,
        log_lines=[
            line for i in instances for line in (f"=== {i.name}: {i.conclusion}", *i.log_lines)
        ],
        masks=set().union(*(i.masks for i in instances)),
        rejected_commands=[c for i in instances for c in i.rejected_commands],
        needs=needs,
        name=str(job.get("name") or job_id),
        instances=instances,
    )


def _reset(workspace: Path, snapshot: Path) -> None:
    """Each job starts from the checkout, as on a fresh runner machine."""
    for child in workspace.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    shutil.copytree(snapshot, workspace, symlinks=True, dirs_exist_ok=True)


def run_workflow(
    workflow: Path,
    *,
    jobs: list[str] | None = None,
    workspace: Path,
    state_dir: Path,
    event_name: str = "push",
    event_path: Path | None = None,
    env: dict[str, str] | None = None,
    actions: dict[str, Path] | None = None,
    stubs: dict[str, Stub] | None = None,
    secrets: dict[str, str] | None = None,
    vars: dict[str, str] | None = None,
    run_id: int | str | None = None,
    evaluator: Evaluator | None = None,
) -> dict[str, JobResult]:
    """Run the given jobs (default: all) and the jobs they need, in `needs` order.

    Jobs share nothing but their `needs` outputs and the stubs' state (cache, artifacts):
    from the second job on, the workspace is reset to what it was at the start. A matrix
    job's instances run one after another, each from the start too; its JobResult is the
    aggregate the jobs that need it see, with each instance's in `instances`.
    """
    opts = _options(
        workspace,
        state_dir,
        event_name=event_name,
        event_path=event_path,
        env=env,
        actions=actions,
        stubs=stubs,
        secrets=secrets,
        vars=vars,
        run_id=run_id,
        evaluator=evaluator,
    )
    wf_path = Path(workflow)
    wf = yaml.safe_load(wf_path.read_text())
    order = _order(wf.get("jobs") or {}, jobs or list(wf.get("jobs") or {}))
    rel = f".github/workflows/{wf_path.name}"
    github = _github_context(opts, str(wf.get("name") or rel), rel)
    inputs = _dispatch_inputs(wf, opts)
    snapshot = None
    matrices = any("strategy" in (wf["jobs"][j] or {}) for j in order)
    if len(order) > 1 or matrices:
        snapshot = opts.state_dir / "runs" / opts.run_id / "_checkout"
        shutil.rmtree(snapshot, ignore_errors=True)
        shutil.copytree(opts.workspace, snapshot, symlinks=True)

    def reset() -> None:
        if snapshot is not None:
            _reset(opts.workspace, snapshot)

    done: dict[str, JobResult] = {}
    for index, job_id in enumerate(order):
        if index > 0:
            reset()
        done[job_id] = _run_one(opts, wf, job_id, github, inputs, done, reset)
    return done


def run_job(workflow: Path, job: str, **kwargs: Any) -> JobResult:
    """Run one job of a workflow file (after the jobs it needs); see run_workflow."""
    return run_workflow(workflow, jobs=[job], **kwargs)[job]


def run_action(
    action_dir: Path,
    *,
    with_: dict[str, Any] | None = None,
    step_env: dict[str, Any] | None = None,
    workspace: Path,
    state_dir: Path,
    **kwargs: Any,
) -> JobResult:
    """Run an action as the single step (id `action`) of a job; the job's outputs are the
    action's outputs."""
    opts_kw = {
        k: kwargs.pop(k)
        for k in list(kwargs)
        if k
        in (
            "event_name",
            "event_path",
            "env",
            "actions",
            "stubs",
            "secrets",
            "vars",
            "run_id",
            "evaluator",
        )
    }
    if kwargs:
        raise TypeError(f"unexpected arguments {sorted(kwargs)}")
    opts_kw.setdefault("event_name", "push")
    opts_kw.setdefault("event_path", None)
    for key in ("env", "actions", "stubs", "secrets", "vars", "run_id", "evaluator"):
        opts_kw.setdefault(key, None)
    opts = _options(workspace, state_dir, **opts_kw)
    github = _github_context(opts, "run_action", ".github/workflows/run_action.yml")
    step = {
        "id": "action",
        "uses": Path(action_dir).resolve(),
        "with": with_ or {},
        "env": step_env or {},
    }
    workflow = {"jobs": {"action": {"steps": [step], "outputs": {}}}}
    result = _run_one(opts, workflow, "action", github, {}, {})
    if result.steps:
        result.steps[0].uses = str(action_dir)
        result.outputs = dict(result.steps[0].outputs)
    return result
