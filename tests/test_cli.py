"""The command line: exit codes, -C and --manifest, human and JSON output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate import __version__
from mlgate.cli import main
from tests import projects

HEAVY = ("pandas", "numpy", "sklearn", "polars", "joblib", "pyarrow", "scipy")


def mlgate(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "mlgate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def iris(tmp_path: Path) -> Path:
    return projects.write(tmp_path / "iris", projects.iris_files(Path()))


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"mlgate {__version__}\n"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("validate", "run", "init", "schema"):
        assert command in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: mlgate" in capsys.readouterr().out


def test_validate_valid_manifest(
    iris: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(iris)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "mlops.yaml: valid (iris)\n"
    # paths are shown from where the command started: absolute from outside the folder
    (iris.parent / "elsewhere").mkdir()
    monkeypatch.chdir(iris.parent / "elsewhere")
    assert main(["-C", str(iris), "validate"]) == 0
    assert capsys.readouterr().out == f"{iris / 'mlops.yaml'}: valid (iris)\n"
    monkeypatch.chdir(iris.parent)
    assert main(["validate", "-C", "iris", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "valid": True,
        "manifest": "iris/mlops.yaml",
        "name": "iris",
        "warnings": [],
        "sweep_draws": None,  # a random sweep's draws (docs/sweep.md); none here
    }


def test_validate_reports_located_problems_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("name: x\ndata:\n  trian: a.csv\n")
    done = mlgate("validate", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "mlgate: error: 5 problems in the manifest:",
        "  mlops.yaml:1:1: missing required key 'train' (how the model is trained)",
        "  mlops.yaml:2:1: data: missing required key 'target' (the column the model predicts)",
        "  mlops.yaml:2:1: data: missing required key 'test' (the test data file the model is "
        "scored on)",
        "  mlops.yaml:2:1: data: missing required key 'train' (the training data file: CSV, "
        "Parquet or JSON Lines)",
        "  mlops.yaml:3:3: data.trian: unknown key 'trian'; did you mean 'train'? (allowed: "
        "checks, columns, features, format, id, prepare, reference, target, test, train)",
    ]


def test_validate_json_lists_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mlops.yaml").write_text("name: x\nname: y\n")
    assert main(["-C", str(tmp_path), "--json", "validate"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["exit_code"] == 2
    assert {
        "file": str(tmp_path / "mlops.yaml"),
        "line": 2,
        "column": 1,
        "path": "name",
        "message": "duplicate key 'name' (first given at line 1); keep one",
    } in doc["problems"]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("name: [\n")
    done = mlgate("--debug", "validate", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" in done.stderr


def test_manifest_option_and_missing_manifest(iris: Path, capsys) -> None:
    (iris / "mlops.yaml").rename(iris / "model.yaml")
    assert main(["-C", str(iris), "validate"]) == 2
    err = capsys.readouterr().err
    assert f"no mlops.yaml (or mlops.yml) in {iris}" in err and "mlgate init" in err
    assert main(["-C", str(iris), "--manifest", "model.yaml", "validate"]) == 0
    assert main(["-C", str(iris), "--manifest", "nope.yaml", "validate"]) == 2
    assert main(["-C", str(iris / "missing"), "validate"]) == 2
    assert "cannot change to directory" in capsys.readouterr().err
    assert main(["-C", str(iris / "model.yaml"), "validate"]) == 2  # a manifest, not a folder
    assert (
        f"hint: -C names a folder; a manifest is named with --manifest {iris / 'model.yaml'}"
        in (capsys.readouterr().err)
    )
    # what stands in a manifest's place is named: it was "no mlops.yaml" and no more
    (iris / "model.yaml").rename(iris / "Mlops.yaml")
    assert main(["-C", str(iris), "validate"]) == 2
    misnamed = capsys.readouterr().err
    assert "; found Mlops.yaml (the name is mlops.yaml, in lower case" in misnamed
    assert "hint: rename it, or pass --manifest with its name" in misnamed  # not `init`
    (iris / "sub").mkdir()
    (iris / "Mlops.yaml").rename(iris / "mlops.yaml")
    assert main(["-C", str(iris / "sub"), "validate"]) == 2
    assert "the folder above has mlops.yaml: run mlgate there" in capsys.readouterr().err
    # both names: one was read, the other not, without a word
    (iris / "mlops.yml").write_text((iris / "mlops.yaml").read_text())
    assert main(["-C", str(iris), "validate"]) == 2
    assert "holds both mlops.yaml and mlops.yml" in capsys.readouterr().err


@pytest.mark.e2e
def test_run_exit_codes_follow_the_verdict(iris: Path) -> None:
    done = mlgate("run", cwd=iris)
    assert done.returncode == 0, done.stderr
    assert re.match(r"iris: PASSED - all \d+ checks passed\n", done.stdout)
    assert "report: .mlgate/runs/" in done.stdout
    for title in ("Data checks", "Training", "Evaluation", "Model checks"):
        assert title in done.stderr
    assert "Model checks" in done.stderr and "1 check passed" in done.stderr  # not "1 checks"

    manifest = (iris / "mlops.yaml").read_text().replace("min: 0.8", "min: 0.9999")
    (iris / "mlops.yaml").write_text(manifest)
    done = mlgate("run", "--json", cwd=iris)
    assert done.returncode == 1
    assert json.loads(done.stdout)["verdict"] == "failed"
    # data that cannot be read is wrong input, as `mlgate check data` says (it was 1)
    header = (iris / "data/test.csv").read_text().splitlines()[0]
    (iris / "data/test.csv").write_text(header + "\n")
    done = mlgate("run", "--json", cwd=iris)
    assert done.returncode == 2, done.stderr
    said = json.loads(done.stdout)  # said by validate, before anything runs
    assert "has no rows, only a header" in said["problems"][0]["message"]


def test_a_broken_actions_environment_is_said_before_anything_is_trained(
    iris: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was said after training, so the run's minutes were lost to a variable."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["-C", str(iris), "run", "--no-post"]) == 2
    err = capsys.readouterr().err
    assert "GITHUB_ACTIONS is true but GITHUB_REPOSITORY is not set" in err
    assert "unset GITHUB_ACTIONS to run as on a laptop" in err
    assert not (iris / ".mlgate").exists()  # nothing ran


def test_a_script_that_is_not_there_stops_the_run_before_anything_runs(
    iris: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing train.py was the training's failure ("exited with code 2"), exit 1 after
    the data checks, where the README puts a wrong path under exit 2."""
    (iris / "train.py").rename(iris / "trian.py")
    (iris / "prepare.py").write_text("open('prepared', 'w')\n")
    text = (iris / "mlops.yaml").read_text()
    (iris / "mlops.yaml").write_text(
        text.replace("data:\n", "data:\n  prepare: python prepare.py\n", 1)
    )
    line = next(i for i, row in enumerate(text.splitlines(), 2) if "command:" in row)
    assert main(["-C", str(iris), "run"]) == 2
    assert capsys.readouterr().err.splitlines()[:2] == [
        "mlgate: error: 1 problem in the manifest:",
        f"  {iris / 'mlops.yaml'}:{line}:3: train.command: `python train.py` runs 'train.py', "
        "which does not exist: write it, or change the command; did you mean 'trian.py'?",
    ]
    assert not (iris / "prepared").exists() and not (iris / ".mlgate").exists()  # nothing ran
    # data.prepare's own script, for `check data` too, and each one missing is named
    (iris / "prepare.py").unlink()
    assert main(["-C", str(iris), "check", "data"]) == 2
    assert (
        "data.prepare: `python prepare.py` runs 'prepare.py', which does not exist: write it, "
        "or change the command\n"
    ) in (capsys.readouterr().err)
    assert main(["-C", str(iris), "run"]) == 2
    assert "2 problems in the manifest" in capsys.readouterr().err
    # with a mistake of the manifest's own: all said at once, not one pass after another
    (iris / "mlops.yaml").write_text(
        (iris / "mlops.yaml").read_text().replace("  target: species\n", "  targte: species\n")
    )
    assert main(["-C", str(iris), "run"]) == 2
    said = capsys.readouterr().err
    assert "4 problems in the manifest" in said, said
    assert "data.targte: unknown key 'targte'; did you mean 'target'?" in said
    assert "train.command: `python train.py` runs 'train.py', which does not exist" in said


@pytest.mark.e2e
def test_actions_log_folds_stages_and_disables_workflow_commands(tmp_path: Path) -> None:
    train = "print('::set-output name=x::injected')\n" + projects.TRAIN_CLASSIFIER
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), train=train))
    done = mlgate("run", cwd=root, env={"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/p"})
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines.count("::group::Training") == 1
    assert lines.count("::endgroup::") == 5  # data, train, evaluate, model, compare
    start = lines.index("::group::Training") + 1
    assert lines[start].startswith("::stop-commands::")
    token = lines[start].split("::")[2]
    assert len(token) == 16
    # neutralized twice over: inside stop-commands, and no longer a command at all
    injected = lines.index("  : :set-output name=x::injected")
    assert start < injected < lines.index(f"::{token}::")


def test_schema_commands_print_json_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    from jsonschema import Draft202012Validator

    assert main(["schema"]) == 0
    manifest_schema = json.loads(capsys.readouterr().out)
    Draft202012Validator.check_schema(manifest_schema)
    assert manifest_schema["title"] == "mlgate manifest (mlops.yaml)"
    assert main(["schema", "--run-result"]) == 0
    result_schema = json.loads(capsys.readouterr().out)
    Draft202012Validator.check_schema(result_schema)
    assert result_schema["title"] == "mlgate run result"


def test_help_and_validate_do_not_import_heavy_libraries(iris: Path) -> None:
    probe = (
        "import sys\nfrom mlgate.cli import main\n"
        "code = main(sys.argv[1:])\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}), code)\n"
    )
    for args in (["validate"], ["schema"]):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], cwd=iris, capture_output=True, text=True
        )
        assert done.stdout.splitlines()[-1] == "[] 0", done.stdout + done.stderr


@pytest.mark.e2e
def test_paths_are_printed_from_where_the_command_started_and_runs_are_found_by_id(
    iris: Path,
) -> None:
    """`mlgate -C DIR run` printed the report path relative to DIR; --run took only a
    run.json path."""
    started = iris.parent
    done = mlgate("-C", "iris", "run", cwd=started)
    assert done.returncode == 0, done.stderr
    report = re.search(r"report: (\S+)", done.stdout).group(1)
    assert report.startswith("iris/.mlgate/runs/") and (started / report).is_file()
    assert mlgate("-C", "iris", "validate", cwd=started).stdout == "iris/mlops.yaml: valid (iris)\n"
    folder = (started / report).parent
    by_json = mlgate(
        "-C",
        "iris",
        "report",
        "--format",
        "text",
        "--run",
        f".mlgate/runs/{folder.name}/run.json",
        cwd=started,
    )
    assert by_json.returncode == 0, by_json.stderr
    for run in (folder.name, folder.name[:18], str(folder), f".mlgate/runs/{folder.name}"):
        done = mlgate("-C", "iris", "report", "--format", "text", "--run", run, cwd=started)
        assert (done.returncode, done.stdout) == (0, by_json.stdout), (run, done.stderr)
    unknown = mlgate("-C", "iris", "report", "--run", "20990101T000000Z-abcdef", cwd=started)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert f"no run '20990101T000000Z-abcdef'; the latest is {folder.name}" in unknown.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    """`mlgate ... | head -1` ended in "internal error" (BrokenPipeError)."""
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert main(["init", str(root)]) == 0
    workflow = root / ".github/workflows/mlgate.yml"
    workflow.write_text("".join(f"# line {i} of a hand-edited workflow\n" for i in range(20000)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = (
        f'"{sys.executable}" -m mlgate init --check 2>"{tmp_path}/err" | head -1; '
        'echo "exit ${PIPESTATUS[0]}"'
    )
    done = subprocess.run(
        ["bash", "-c", command], cwd=root, capture_output=True, text=True, env=env
    )
    first, status = done.stdout.splitlines()
    assert first.startswith(".github/workflows/mlgate.yml: out of date")
    assert status == "exit 141"  # as a tool ended by SIGPIPE
    assert (tmp_path / "err").read_text() == ""
    # a reader gone before anything was written: the same, deterministically
    reader = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    reader.stdout.close()
    err = reader.stderr.read().decode()
    assert (reader.wait(), err) == (141, "")


def test_init_names_the_manifest_it_replaced_under_its_own_name(tmp_path: Path) -> None:
    """`--overwrite mlops.yaml` where the manifest is mlops.yml replaces mlops.yml, and the
    next step names that file."""
    (tmp_path / "mlops.yml").write_text("name: mine\n")
    done = mlgate("init", "--overwrite", "mlops.yaml", "--name", "churn", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote mlops.yml\n" in done.stdout and not (tmp_path / "mlops.yaml").exists()
    assert done.stdout.rstrip().endswith("next: check mlops.yml, then mlgate validate")


def test_help_imports_none_of_the_manifest_nor_the_run_result() -> None:
    """The parser imports every command module: one of them importing the manifest and the
    run result at its top made `mlgate --help` 0.23 s where 0.05 s did (docs/benchmarks.md)."""
    probe = (
        "import sys\nfrom mlgate.cli import parser\nparser.build()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('mlgate.manifest', "
        "'mlgate.result', 'yaml'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_a_full_disk_is_said_as_one_not_as_a_bug_of_mlgates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A write the disk refused ended `mlgate run` with a traceback and "internal error
    (please report it)". The refusal here is the kernel's own: /dev/full."""
    import argparse

    from mlgate.cli.main import _run_guarded

    def writes(args: argparse.Namespace) -> int:
        with open("/dev/full", "wb") as full:
            full.write(b"run.json" * 10_000)
            full.flush()
        return 0

    def fails(args: argparse.Namespace) -> int:
        raise PermissionError(13, "Permission denied", "/x")

    args = argparse.Namespace(directory=None, debug=False, json=True)
    assert _run_guarded(writes, args, False) == 3
    said = capsys.readouterr()
    assert json.loads(said.out) == {
        "error": "could not write: No space left on device",
        "exit_code": 3,
        "hint": "free space on that disk (or give the job a larger one) and run again",
    }
    assert "mlgate: error: could not write: No space left on device" in said.err
    assert "free space on that disk" in said.err
    assert "internal error" not in said.err and "Traceback" not in said.err
    assert _run_guarded(fails, args, False) == 3  # any other OSError may be a bug: shown
    assert "internal error" in capsys.readouterr().err


def test_each_refusal_of_the_file_system_gets_its_own_hint() -> None:
    """A read-only file system was told to "free space on that disk"."""
    import errno

    from mlgate.errors import of_the_disk

    said = {
        code: of_the_disk(OSError(code, os.strerror(code), "/p/run.json"))
        for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)
    }
    assert all(
        e is not None and e.message.startswith("could not write /p/run.json: ")
        for e in said.values()
    )
    hints = {code: e.hint for code, e in said.items() if e is not None}
    assert len(set(hints.values())) == 4 and "free space" not in str(hints[errno.EROFS])
    assert of_the_disk(OSError(errno.EACCES, "Permission denied", "/p")) is None
