"""Every example in the docs is what mlgate does: sample output is the real output of the
command shown, on the files shown, and every manifest or manifest fragment validates.

A ```console block runs each `$ mlgate ...` line in a folder holding the files of the
```yaml file=NAME blocks before it, and compares what a terminal would show (stdout and
stderr as written). `MLGATE_REGENERATE_DOCS=1 python -m pytest tests/test_docs.py` writes
the real output into the docs instead of failing.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlgate import manifest, yaml_source
from mlgate.compare import gates
from mlgate.data import checks
from mlgate.errors import ManifestError
from mlgate.manifest.spec import Column, Data, Gate, MetricCheck
from mlgate.model import checks as model_checks
from mlgate.report import gate_text
from mlgate.result import arrays
from tests.conftest import REPO_ROOT

DOCS = sorted([REPO_ROOT / "README.md", *(REPO_ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```([\w-]*)([^\n]*)\n(.*?)^```$", re.M | re.S)
TOP_KEYS = {
    "version",
    "name",
    "description",
    "data",
    "train",
    "evaluate",
    "model_checks",
    "compare",
    "forks",
    "registry",
    "environments",
}
BASE = (
    "name: docs\ndata: {train: train.csv, test: test.csv, target: y}\ntrain: "
    "{command: python train.py}\n"
)


@dataclass(frozen=True)
class Block:
    doc: Path
    language: str
    info: str
    text: str
    index: int  # its place among the document's blocks
    line: int


def blocks(doc: Path) -> list[Block]:
    source = doc.read_text("utf-8")
    return [
        Block(
            doc, m.group(1), m.group(2).strip(), m.group(3), i, source.count("\n", 0, m.start()) + 1
        )
        for i, m in enumerate(FENCE.finditer(source))
    ]


def _name(block: Block) -> str:
    return f"{block.doc.relative_to(REPO_ROOT)}:{block.line}"


def console_examples(doc: Path) -> list[tuple[dict[str, str], Block]]:
    """Each console block with the files shown since the console block before it."""
    found, files = [], {}
    for block in blocks(doc):
        if block.info.startswith("file="):
            files[block.info.split("=", 1)[1]] = block.text
        elif block.language == "console":
            found.append((files, block))
            files = {}
    return found


CONSOLE = [example for doc in DOCS for example in console_examples(doc)]


@pytest.mark.parametrize(("files", "block"), CONSOLE, ids=[_name(b) for _, b in CONSOLE])
def test_sample_output_is_the_real_output(
    files: dict[str, str], block: Block, tmp_path: Path
) -> None:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text + "\n")
    shown, real = [], []
    for command, output in re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n?)*)", block.text + "\n", re.M):
        argv = shlex.split(command)
        assert argv[0] == "mlgate", f"{_name(block)}: only mlgate commands are run"
        done = subprocess.run(
            [sys.executable, "-m", "mlgate", *argv[1:]],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "100"},
        )
        shown.append(f"$ {command}\n{output.rstrip()}")
        real.append(f"$ {command}\n{done.stdout.rstrip()}")
    if shown != real and os.environ.get("MLGATE_REGENERATE_DOCS"):
        source = block.doc.read_text("utf-8")  # as earlier examples may have rewritten it
        at = list(FENCE.finditer(source))[block.index]
        block.doc.write_text(
            source[: at.start(3)] + "\n".join(real) + "\n" + source[at.end(3) :], "utf-8"
        )
        return
    assert "\n".join(shown) == "\n".join(real), f"{_name(block)} differs from the real output"


def _keys(text: str) -> set[str]:
    """The top-level keys of a YAML block, read as mlgate reads YAML (1.2: `on` is a key)."""
    try:
        data = yaml_source.parse(text, "block").data
    except yaml_source.YamlProblems:
        return set()
    return set(data) if isinstance(data, dict) else set()


MANIFESTS = [
    b
    for doc in DOCS
    for b in blocks(doc)
    if b.language == "yaml"
    and not b.info.startswith("file=")
    and _keys(b.text)
    and _keys(b.text) <= TOP_KEYS
]


@pytest.mark.parametrize("block", MANIFESTS, ids=[_name(b) for b in MANIFESTS])
def test_every_manifest_in_the_docs_validates(block: Block) -> None:
    """A whole manifest as it is; a fragment (a `compare:` section) in a minimal one."""
    whole = block.text if {"name", "data", "train"} <= _keys(block.text) else BASE + block.text
    try:
        manifest.parse(whole.encode(), name="mlops.yaml", root=REPO_ROOT, files=False)
    except ManifestError as exc:
        pytest.fail(f"{_name(block)}: {exc}")


def test_the_docs_show_examples_of_each_kind() -> None:
    """The checks above find what they look for: a change of fence syntax would skip them."""
    assert {b.doc.name for _, b in CONSOLE} >= {"manifest.md"}
    assert {b.doc.name for b in MANIFESTS} >= {"README.md", "manifest.md", "compare.md"}


def _quoted(doc: str, pattern: str) -> str:
    found = re.search(pattern, (REPO_ROOT / doc).read_text("utf-8"), re.S)
    assert found, f"{doc}: the example ({pattern}) is gone; update this test with it"
    return found.group(1)


def test_the_failed_model_check_in_manifest_md_is_what_the_check_says() -> None:
    shown = _quoted("docs/manifest.md", r"bound:\s+`(f1 = [^`]+)`")
    check = model_checks.metric_checks(
        (MetricCheck(metric="f1", min=0.9, key="k"),), {"f1": 0.8712}, {}
    )[0]
    assert check.message == shown
    near = _quoted("docs/manifest.md", r"`(accuracy = 0\.99997[^`]+)`")
    close = model_checks.metric_checks(
        (MetricCheck(metric="accuracy", min=1, key="k"),), {"accuracy": 29_999 / 30_000}, {}
    )[0]
    assert close.message == " ".join(near.split())


def test_the_gate_explanation_in_compare_md_is_what_the_gate_says() -> None:
    shown = _quoted("docs/compare.md", r"for example `([^`]+)`")
    found = gates.decide(Gate(metric="f1", min_change=-0.01), 0.9123, 0.9250, has_baseline=True)
    assert gate_text.explanation(found) == shown


def test_the_check_in_run_result_md_is_a_real_check() -> None:
    shown = _quoted("docs/run-result.md", r"```json\n(\{\"id\": \"data\.test\.columns.*?\})\n```")
    from jsonschema import Draft202012Validator

    from mlgate.result.document import schema

    document = json.loads(shown)
    Draft202012Validator({"$defs": schema()["$defs"], "$ref": "#/$defs/check"}).validate(document)
    ages = [12, 15, 17, *range(18, 129)]
    frame = pl.DataFrame({"age": ages, "y": [0] * len(ages)})
    (found,) = [
        c
        for c in checks.run_checks(
            Data(train="a", test="b", target="y", columns=(Column(name="age", min=18),)),
            {"test": frame},
        )
        if c.id == document["id"]
    ]
    assert {k: getattr(found, k) for k in document} == document


def test_the_array_snippet_in_run_result_md_reads_the_arrays_mlgate_writes() -> None:
    snippet = _quoted("docs/run-result.md", r"```python\n(.*?)```")
    values = np.random.default_rng(0).random((7, 3)).astype(np.float32)
    as_stored = json.loads(json.dumps(dataclasses.asdict(arrays.encode(values))))
    scope = {"array": as_stored}  # as run.json holds it
    exec(snippet, scope)  # the docs' own example, run as a reader would
    assert np.array_equal(scope["values"], values)
    assert scope["base64"] is base64 and scope["zlib"] is zlib
