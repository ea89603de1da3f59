"""Every YAML file mlgate reads from the user (the manifest, the params file, DVC's
dvc.yaml and metrics files) is read with the same limits: an alias bomb, an enormous
integer, binary bytes or a huge file is a located problem (exit 2), never a hang, an
exhausted memory or a traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mlgate.compare import dvc_diff, metrics_file
from mlgate.errors import ManifestError, UserError
from mlgate.manifest import load, params, parse
from tests import projects
from tests.manifest.test_malformed import BASE


def bomb(kind: str = "mapping", levels: int = 9) -> str:
    """~1 KiB of YAML that names 9^levels values through aliases of aliases."""
    if kind == "mapping":
        lines = ["a0: &a0 {" + ", ".join(f"k{j}: x" for j in range(9)) + "}"]
        lines += [
            f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(9)) + "}"
            for i in range(1, levels + 1)
        ]
    else:
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        lines += [
            f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)
        ]
    return "\n".join(lines) + "\n"


HUGE = "9" * 5000
# integers no float can hold: Python refuses to convert the first at all (4300 digits)
NUMBERS = [HUGE, f"-{HUGE}", "0x" + "f" * 5000, "0o" + "7" * 400, "1" + "0" * 320]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/train.csv").write_text("age,plan,churned\n30,pro,0\n")
    (tmp_path / "data/test.csv").write_text("age,plan,churned\n40,basic,1\n")
    return tmp_path


def problems(text: str | bytes, root: Path) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(ManifestError) as error:
        parse(raw, name="mlops.yaml", root=root)
    return [str(p) for p in error.value.problems]


@pytest.mark.parametrize("number", NUMBERS, ids=["decimal", "negative", "hex", "octal", "1e320"])
@pytest.mark.parametrize(
    ("old", "where"),
    [
        ("timeout: 30m", "11:12: train.timeout"),
        ("min: 18", "7:31: data.columns.age.min"),
        ("min: 0.8}", "16:29: model_checks[metric=f1_macro].min"),
    ],
)
def test_an_integer_no_float_can_hold_is_located(
    root: Path, number: str, old: str, where: str
) -> None:
    text = BASE.replace(old, old.split(":")[0] + f": {number}" + ("}" if old.endswith("}") else ""))
    (found,) = problems(text, root)
    assert found.startswith(f"mlops.yaml:{where}: the integer ")
    assert found.endswith(
        f"({len(number)} characters) is too large: numbers go up to about "
        "1.8e308; quote it if it is meant as text"
    )


@pytest.mark.parametrize(
    ("timeout", "shown"),
    [
        (f"{HUGE}s", f"'{HUGE[:19]}... (5003 characters)"),
        ("1e300", "1e+300"),
        ("9000000h", "'9000000h'"),
        ("2592001", "2592001"),
    ],
)
def test_a_timeout_past_30_days_is_located(root: Path, timeout: str, shown: str) -> None:
    assert problems(BASE.replace("timeout: 30m", f"timeout: {timeout}"), root) == [
        f"mlops.yaml:11:12: train.timeout: must be at most 720h (30 days), found {shown}"
    ]
    text = BASE.replace("  task: classification", f"  task: classification\n  timeout: {timeout}")
    assert problems(text, root) == [
        f"mlops.yaml:14:12: evaluate.timeout: must be at most 720h (30 days), found {shown}"
    ]


def test_a_manifest_larger_than_a_mebibyte_is_refused_unread(root: Path) -> None:
    text = BASE + "description: " + "x" * 2**20 + "\n"
    assert problems(text, root) == [
        f"mlops.yaml:1:1: the manifest is {len(text):,} bytes, more than the 1,048,576 mlgate "
        "reads from a manifest"
    ]


def test_binary_bytes_are_located_to_the_byte(root: Path) -> None:
    assert problems(b"name: churn\ndata: ab\xc3\x28\n", root) == [
        "mlops.yaml:2:9: not UTF-8 text (byte 0xc3); save the manifest as UTF-8"
    ]


# -- the params file: read by validate and by the run, with the manifest's safety


def with_params(root: Path, content: str | bytes) -> Path:
    path = root / "params.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize("kind", ["mapping", "list"])
def test_an_alias_bomb_in_params_is_stopped_at_once(root: Path, kind: str) -> None:
    with_params(root, bomb(kind))
    started = time.monotonic()
    assert problems(BASE, root) == [
        "params.yaml:1:70: the params file expands to more than 200000 values (through "
        "aliases); write it out plainly"
        if kind == "mapping"
        else "params.yaml:1:34: the params file expands to more than 200000 values (through "
        "aliases); write it out plainly"
    ]
    with pytest.raises(ManifestError) as error:
        params.read(root, "params.yaml")
    assert str(error.value).startswith("1 problem in the params file params.yaml:\n  params.yaml:")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            f"train:\n  C: {HUGE}\n",
            "params.yaml:2:6: train.C: the integer 999999999999...9999 "
            "(5000 characters) is too large: numbers go up to about 1.8e308; quote it if it is meant "
            "as text",
        ),
        (
            "seed: 0x" + "f" * 300 + "\n",
            "params.yaml:1:7: seed: the integer 0xffffffffff...ffff "
            "(302 characters) is too large: numbers go up to about 1.8e308; quote it if it is meant "
            "as text",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "params.yaml:1:1: not UTF-8 text (byte 0x89); save the params file as UTF-8",
        ),
        (
            "a: 1\nb: [\n",
            "params.yaml:3:1: invalid YAML: while parsing a flow node; did not find "
            "expected node content",
        ),
        ("C: 1\nC: 2\n", "params.yaml:2:1: C: duplicate key 'C' (first given at line 1); keep one"),
        (
            "model: !!python/object:os.system {}\n",
            "params.yaml:1:8: model: tag "
            "'!!python/object:os.system' is not allowed: the manifest is plain data (strings, "
            "numbers, booleans, lists and mappings)",
        ),
        (
            "x: " + "[" * 60 + "]" * 60 + "\n",
            "params.yaml:1:54: lists and mappings nest more than "
            "50 levels deep; a params file needs a few",
        ),
    ],
    ids=["huge-int", "huge-hex", "binary", "syntax", "duplicate", "tag", "deep"],
)
def test_what_is_wrong_in_params_is_located(
    root: Path, content: str | bytes, expected: str
) -> None:
    with_params(root, content)
    assert problems(BASE, root) == [expected]  # validate
    with pytest.raises(ManifestError) as error:  # the run
        params.read(root, "params.yaml")
    assert [str(p) for p in error.value.problems] == [expected]


def test_params_larger_than_the_limit_are_refused(root: Path) -> None:
    with_params(root, "x: " + "y" * params.MAX_BYTES + "\n")
    assert problems(BASE, root) == [
        f"params.yaml:1:1: params.yaml is larger than {params.MAX_BYTES // 2**20} MiB, more "
        "than mlgate reads from such a file"
    ]


def test_params_read_as_dvc_reads_them(root: Path) -> None:
    with_params(
        root,
        "base: &base {lr: 0.1, depth: 3}\ntrain:\n  <<: *base\n  depth: 5\n"
        "  flag: yes\n  big: 123456789012345678901234567890\n",
    )
    loaded = parse(BASE.encode(), name="mlops.yaml", root=root)
    assert params.read(loaded.root, loaded.train.params) == {
        "base.lr": 0.1,
        "base.depth": 3,
        "train.depth": 5,
        "train.lr": 0.1,
        "train.flag": "yes",
        "train.big": 123456789012345678901234567890,
    }


def test_a_params_file_in_a_subfolder_is_named_from_where_validate_runs(root: Path) -> None:
    (root / "conf").mkdir()
    (root / "conf/p.yaml").write_text("a: 1\na: 2\n")
    text = BASE.replace("  timeout: 30m", "  timeout: 30m\n  params: conf/p.yaml")
    with pytest.raises(ManifestError) as error:
        parse(text.encode(), name="proj/mlops.yaml", root=root)
    assert str(error.value).splitlines() == [
        "1 problem in proj/conf/p.yaml:",
        "  proj/conf/p.yaml:2:1: a: duplicate key 'a' (first given at line 1); keep one",
    ]


def mlgate(
    *args: str, cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """The command run in `cwd` as `python -m mlgate` runs it (its main, in this process:
    a process each, 7 in all, only started Python and imported mlgate again), its exit
    code and what it wrote to stderr. An exception that escapes main fails the test."""
    from mlgate.cli.main import main

    capsys.readouterr()
    with monkeypatch.context() as m:
        m.chdir(cwd)
        code = main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "content",
    [bomb(), f"C: {HUGE}\n", "C: 0x" + "f" * 5000 + "\n"],
    ids=["bomb", "huge-int", "huge-hex"],
)
@pytest.mark.timeout(60)  # a hang fails here, not forever
def test_run_and_validate_exit_2_with_the_place(
    tmp_path: Path, content: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = projects.write(tmp_path / "iris", projects.iris_files(Path()))
    (root / "params.yaml").write_text(content)
    for command in ("validate", "run"):
        code, stderr = mlgate(command, cwd=root, monkeypatch=monkeypatch, capsys=capsys)
        assert code == 2, stderr
        assert "Traceback" not in stderr and "internal error" not in stderr
        head, where = stderr.splitlines()[:2]
        assert head == "mlgate: error: 1 problem in params.yaml:"
        assert where.startswith("  params.yaml:1:")


def test_a_huge_integer_in_the_manifest_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = projects.write(tmp_path / "iris", projects.iris_files(Path()))
    text = (root / "mlops.yaml").read_text().replace("timeout: 2m", f"timeout: {HUGE}")
    (root / "mlops.yaml").write_text(text)
    code, stderr = mlgate("validate", cwd=root, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "Traceback" not in stderr
    assert stderr.splitlines()[1].startswith(
        "  mlops.yaml:13:12: train.timeout: the integer 999999999999...9999"
    )


# -- DVC's files: dvc.yaml and YAML metrics files


@pytest.mark.parametrize(
    "content",
    [bomb(), f"acc: {HUGE}\n", "acc: [" * 60 + "]" * 60],
    ids=["bomb", "huge-int", "deep"],
)
def test_a_hostile_metrics_file_is_a_user_error(content: str) -> None:
    started = time.monotonic()
    with pytest.raises(UserError) as error:
        metrics_file.parse(content.encode(), source="metrics.yaml at main")
    assert str(error.value).startswith("metrics.yaml at main:")
    assert time.monotonic() - started < 10


def test_deeply_nested_json_metrics_are_a_user_error() -> None:
    with pytest.raises(UserError) as error:
        metrics_file.parse(("[" * 100_000 + "]" * 100_000).encode(), source="m.json")
    assert str(error.value).startswith("m.json: not valid JSON")


def test_metrics_files_keep_reading_as_before() -> None:
    assert metrics_file.parse(b"train:\n  acc: 0.9\n  n: 3\nname: x\n", source="m.yaml") == {
        "train.acc": 0.9,
        "train.n": 3,
    }


def test_an_alias_bomb_in_dvc_yaml_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text(bomb())
    with pytest.raises(UserError) as error:
        dvc_diff.at_revision(tmp_path, None)
    assert "dvc.yaml at the working tree" in str(error.value)
    assert "expands to more than" in str(error.value)


def test_load_refuses_a_manifest_that_is_not_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "mlops.yaml")
    with pytest.raises(UserError) as error:
        load(tmp_path / "mlops.yaml", display_name="mlops.yaml")
    assert str(error.value) == "manifest mlops.yaml is a named pipe (FIFO), not a regular file"


DVC_TRAIN = BASE.replace("  command: python train.py\n", "  dvc: train\n")


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p.write_text(bomb()), "the DVC file expands to more than"),
        (lambda p: p.symlink_to("/dev/zero"), "dvc.yaml is a device, not a regular file"),
        (lambda p: os.mkfifo(p), "dvc.yaml is a named pipe (FIFO), not a regular file"),
        (lambda p: p.write_text("stages: " + "[" * 5000 + "]" * 5000), "nest more than 50"),
        (
            lambda p: p.write_text("stages:\n  train:\n    cmd: [unclosed\n"),
            "dvc.yaml:4:1: invalid",
        ),
        (lambda p: p.write_text("- a\n"), "dvc.yaml holds no mapping of stages"),
    ],
    ids=["aliases", "dev-zero", "fifo", "deep", "unclosed", "a-list"],
)
def test_a_dvc_yaml_that_cannot_be_read_is_said_so_at_once(root: Path, make, said: str) -> None:
    """validate read dvc.yaml without bounds (/dev/zero ran it out of memory, a FIFO hung
    it, 5,000 brackets raised RecursionError: exit 3), and called any dvc.yaml it could not
    read one with "no stage 'train' (its stages: none)"."""
    (root / "train.py").write_text("")
    make(root / "dvc.yaml")
    started = time.monotonic()
    found = problems(DVC_TRAIN, root)
    assert time.monotonic() - started < 10
    (problem,) = [p for p in found if "train.dvc" in p]
    assert "stage 'train': " in problem and said in problem, found
    assert "no stage" not in problem


def test_a_stage_made_by_foreach_is_named_as_dvc_names_it(root: Path) -> None:
    (root / "dvc.yaml").write_text(
        "stages:\n  train:\n    foreach: [lr, svm]\n    do:\n      cmd: python train.py ${item}\n"
    )
    parse(DVC_TRAIN.replace("dvc: train", "dvc: train@lr").encode(), name="mlops.yaml", root=root)
    assert not [
        p
        for p in problems(DVC_TRAIN.replace("dvc: train", "dvc: trian@lr"), root)
        if "did you mean" not in p
    ]


@pytest.mark.parametrize("stage", ['""', "'train;id'"])
def test_a_name_that_is_no_stage_name_is_one_problem(root: Path, stage: str) -> None:
    (root / "dvc.yaml").write_text("stages:\n  train:\n    cmd: python train.py\n")
    found = problems(DVC_TRAIN.replace("dvc: train", f"dvc: {stage}"), root)
    assert len([p for p in found if "train.dvc" in p]) == 1, found


def test_a_stage_that_does_not_write_the_model_is_refused(root: Path) -> None:
    """The stage wrote models/rf.joblib, an old models/model.joblib stood beside it, and
    the run scored the old one (and recorded the stage's hashes beside it)."""
    (root / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    outs:\n      - models/rf.joblib\n"
        "    metrics:\n      - scores.json: {cache: false}\n"
    )
    [said] = [p for p in problems(DVC_TRAIN, root) if "train.dvc" in p]
    assert said.endswith(
        "stage 'train' does not write the model 'models/model.joblib' (its outputs: "
        "models/rf.joblib, scores.json): the run would score whatever file is there"
    )
    (root / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    outs:\n      - models/\n"
    )
    parse(DVC_TRAIN.encode(), name="mlops.yaml", root=root)  # inside an output folder


def test_a_foreach_item_that_is_not_listed_is_refused(root: Path) -> None:
    (root / "dvc.yaml").write_text(
        "stages:\n  train:\n    foreach: [small]\n    do:\n      cmd: python train.py ${item}\n"
    )
    [said] = [
        p for p in problems(DVC_TRAIN.replace("dvc: train", "dvc: train@huge"), root) if "dvc" in p
    ]
    assert said.endswith(
        "dvc.yaml's stage 'train' makes no stage 'train@huge': its foreach has no item "
        "'huge' (its items: small)"
    )


def test_a_dvc_training_stage_without_dvc_installed_is_said_at_validate(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """validate passed, and the run stopped at training: "command not found: dvc"."""
    (root / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    outs:\n      - models/\n"
    )
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", "/bin"]))
    [said] = [p for p in problems(DVC_TRAIN, root) if "train.dvc" in p]
    assert said.endswith(
        "training is `dvc repro train`, and DVC is not installed: pip install 'mlgate[dvc]' "
        "(in the GitHub action: extras: png,dvc)"
    )


def test_a_manifest_file_larger_than_a_mebibyte_is_located_too(root: Path) -> None:
    """Read from its file, the limit was a bare error where the docs promise, as for the
    other limits, a located problem (audit Y, finding 5)."""
    text = BASE + "description: " + "x" * 2**20 + "\n"
    (root / "mlops.yaml").write_text(text)
    with pytest.raises(ManifestError) as refused:
        load(root / "mlops.yaml", display_name="mlops.yaml")
    assert [str(p) for p in refused.value.problems] == [
        f"mlops.yaml:1:1: the manifest is {len(text):,} bytes, more than the 1,048,576 mlgate "
        "reads from a manifest"
    ]
