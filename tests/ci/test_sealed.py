"""The trusted job that posts a fork's report holds the base repository's token and reads
what the fork wrote. Every field of that artifact, set to hostile values of each kind, is
either refused whole (a UserError: exit 2, naming the field) or rendered inert: never a
traceback, a file outside the artifact, a forged step output, or live Markdown."""

from __future__ import annotations

import functools
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from mlgate.ci import handoff, jobs
from mlgate.ci.plan import Plan
from mlgate.errors import UserError
from mlgate.report import junit, markdown, text
from mlgate.result import document, runs

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKDOWN = (
    "[Approve PR](https://evil.example) ![i](https://evil.example/i.png) *em* "
    "__strong__ ~~gone~~ `code` $x$ @admin #1 www.evil.example "
    "</details></summary><img src=x onerror=alert(1)> | cell"
)
HOSTILE: dict[str, Any] = {  # JSON values
    "wrong type": {"x": [1]},
    "path traversal": "../../../x",
    "line breaks": "x\r::error::forged\n# Heading\r\n- item\u2028> quote",
    "markdown": MARKDOWN,
    "negative": -1,
    "null": None,
    "long": "A" * 70_000,
}
RAW = {  # JSON text no JSON value can give
    "NaN": "NaN",
    "Infinity": "-Infinity",
    "past a double": "1e999",
    "huge integer": "1" + "0" * 40,
    "deep": "[" * 40 + "]" * 40,
}
OURS_HTML = re.compile(r"</?(details|summary|sub)>|<!-- mlgate:model=[a-z0-9._-]+ -->")


def leaves(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """A path to every field (the first item of each list stands for the rest), and to
    each free-form key (metric, column, package and param names)."""
    if isinstance(node, dict):
        free = path and path[-1] in ("metrics", "params", "packages", "columns", "metric_errors")
        for key, value in list(node.items())[:1] if free else node.items():
            yield (*path, key)
            yield from leaves(value, (*path, key))
            if free:
                yield (*path, ("key", key))
    elif isinstance(node, list) and node:
        yield from leaves(node[0], (*path, 0))


def mutated(doc: Any, path: tuple, value: Any) -> Any:
    """`doc` with the field at `path` set to `value` (or its key renamed): the dicts and
    lists along the path are copied, the rest is shared with `doc`, which the callers only
    write out as JSON (a copy of the whole document for each of some 1,600 cases took a
    tenth of the test's time)."""
    doc = _copied(doc)
    node = doc
    for step in path[:-1]:
        node[step] = _copied(node[step])
        node = node[step]
    last = path[-1]
    if isinstance(last, tuple):  # rename a key
        node[value if isinstance(value, str) else json.dumps(value)] = node.pop(last[1])
    else:
        node[last] = value
    return doc


def _copied(node: Any) -> Any:
    return dict(node) if isinstance(node, dict) else list(node)


@functools.cache  # many mutations render the same report: each text is judged once
def inert(rendered: str) -> None:
    """Nothing the fork wrote renders as more than text."""
    tokens = PARSER.parse(rendered)
    kids = [c for t in tokens for c in (t, *(t.children or []))]
    for t in kids:
        assert t.type not in ("link_open", "image", "code_block", "s_open", "em_open"), (
            t.type,
            t.content[:200],
        )
        if t.type in ("html_inline", "html_block"):
            leftover = OURS_HTML.sub("", t.content)
            assert "<" not in leftover and not re.search(r"@admin|#1\b", leftover), leftover[:200]
        if t.type == "text":
            assert not re.search(r"@admin|#1\b|://|(?i:www\.evil)", t.content), t.content
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not [h for h in headings if "Heading" in h], headings
    html = "".join(t.content for t in kids if t.type in ("html_inline", "html_block"))
    assert html.count("<details>") == html.count("</details>") == rendered.count("<details>")


def outputs(tmp_path: Path, result) -> str:
    out = tmp_path / "output"
    from mlgate.github.context import ActionsContext

    outcome = jobs.Outcome(
        plan=Plan(job="fork-report", steps=(), reason="test"),
        result=result,
        report="mlgate-run/x/report.md",
    )
    jobs.set_outputs(
        outcome, ActionsContext(event_name="workflow_run", repository="o/r", output=out)
    )
    return out.read_text()


@pytest.fixture(scope="module")
def valid(example_run: Path) -> dict:
    """The example's run.json, with a comparison (the example's first run has none), the
    sweep it won, and a note, so that every field a report shows is there to be made
    hostile."""
    from mlgate.result import records as m

    doc = json.loads((example_run / runs.RESULT_FILE).read_text())
    sha = "b" * 64
    compare = m.CompareStage(
        status="failed",
        duration_s=0.5,
        message="1 gate failed",
        baseline=m.Baseline(
            kind="git",
            ref="main",
            commit="c" * 40,
            name="main @ ccccccc",
            source="scored on the candidate's test rows",
            same_data=True,
            paired_rows=114,
            message="ok",
        ),
        metrics=(
            m.MetricChange(
                metric="f1_macro",
                baseline=0.9,
                candidate=0.8,
                change=-0.1,
                relative_change=-0.11,
                greater_is_better=True,
            ),
        ),
        gates=(
            m.GateResult(
                metric="f1_macro",
                status="failed",
                candidate=0.8,
                baseline=0.9,
                change=-0.1,
                relative_change=-0.11,
                rule="change >= -0.01",
                explanation="f1_macro fell by 0.1",
                manifest_key="compare.gates",
                warning="few rows",
                significance=m.Significance(
                    method="paired bootstrap",
                    rows=114,
                    delta=-0.1,
                    ci_low=-0.2,
                    ci_high=-0.05,
                    p_value=0.01,
                    confidence=0.95,
                    detectable_change=0.05,
                ),
            ),
        ),
        params=(m.ParamChange(name="train.C", change="changed", old=1.0, new=0.5),),
        data=(
            m.DataChange(
                role="test",
                change="changed",
                old_rows=100,
                new_rows=114,
                old_sha256=sha,
                new_sha256=sha,
            ),
        ),
    )
    doc["compare"] = document.to_dict(compare)
    won = m.SweptConfiguration(
        id="0a1b2c3d4e5f", params={"train.C": 0.5}, status="passed", figure=0.9
    )
    doc["sweep"] = document.to_dict(
        m.SweepRecord(
            metric="f1_macro",
            holdout=0.5,
            choosing_rows=57,
            held_out_rows=57,
            configurations=(
                won,
                m.SweptConfiguration(id="ab", params={}, status="killed", figure=None),
            ),
            winner=won.id,
            choosing=0.9,
            held_out=0.85,
        )
    )
    doc["notes"] = ["a fork's pull request: no secrets"]
    doc["params"] = {"train.C": 0.5}
    return doc


def _cases(doc: dict) -> Iterator[tuple[tuple, str]]:
    for path in leaves(doc):
        for kind in HOSTILE:
            yield path, kind


def test_every_field_set_to_every_kind_of_hostile_value_is_refused_or_inert(
    valid: dict, tmp_path: Path, example_run: Path
) -> None:
    from mlgate import manifest as manifests
    from mlgate import publish
    from mlgate.github import actions

    manifest = manifests.load(example_run.parents[2] / "mlops.yaml")
    refused = rendered = 0
    for path, kind in _cases(valid):
        doc = mutated(valid, path, HOSTILE[kind])
        try:
            result = document.loads(json.dumps(doc), source="run.json")
        except UserError as exc:
            assert exc.exit_code == 2 and "run.json is not a valid" in exc.message
            assert len(exc.message) < 600, exc.message[:600]
            refused += 1
            continue
        rendered += 1
        said = f"{path} = {kind}"
        try:
            report = markdown.render(result, manifest, footer="<sub>run</sub>")
            inert(report)
            for found in publish.annotations_for(result, manifest, "mlops.yaml"):
                command = actions.annotation_command(found)
                assert "\n" not in command and "\r" not in command
            inert(markdown.render(result, charts=False, limit=markdown.COMMENT_LIMIT))
            text.render(result)
            junit.render(
                result.checks,
                result.compare.gates if result.compare else (),
                suite_name=result.name,
            )
            said_outputs = outputs(tmp_path, result)
        except AssertionError as exc:
            raise AssertionError(f"{said}: {exc}") from exc
        assert re.search(r"^verdict<<.*\n(passed|failed)\n", said_outputs, re.M), said
    assert refused > 500 and rendered > 100, (refused, rendered)


@pytest.mark.parametrize("kind", RAW)
def test_json_that_no_json_value_gives_is_refused_in_any_number_field(
    valid: dict, kind: str
) -> None:
    numbers = [
        p
        for p in leaves(valid)
        if isinstance(_at(valid, p), int | float) and not isinstance(_at(valid, p), bool)
    ]
    assert len(numbers) > 20
    for path in numbers:
        marker = "__RAW__"
        doc = json.dumps(mutated(valid, path, marker)).replace(f'"{marker}"', RAW[kind])
        with pytest.raises(UserError, match=r"run\.json is not a valid mlgate run result"):
            document.loads(doc, source="run.json")


def _at(doc: Any, path: tuple) -> Any:
    for step in path:
        if isinstance(step, tuple):
            return None
        doc = doc[step]
    return doc


def _artifact(
    tmp_path: Path, example_run: Path, doc: dict | None = None, handoff_doc: dict | None = None
) -> Path:
    folder = tmp_path / "mlgate-run" / example_run.name
    shutil.copytree(example_run, folder)
    if doc is not None:
        (folder / runs.RESULT_FILE).write_text(json.dumps(doc))
    if handoff_doc is not None:
        (folder / handoff.HANDOFF_FILE).write_text(json.dumps(handoff_doc))
    return tmp_path / "mlgate-run"


def test_a_run_id_that_is_a_path_is_refused_before_anything_is_written(
    tmp_path: Path, example_run: Path, valid: dict
) -> None:
    artifact = _artifact(tmp_path, example_run, {**valid, "run_id": "../../../../x"})
    with pytest.raises(UserError, match=r'at run_id: "\.\./\.\./\.\./\.\./x" does not match'):
        handoff.read(artifact)
    with pytest.raises(UserError, match="is not a run id"):
        runs.run_dir(tmp_path, "../../x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlgate-run"]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("verdict", "passed\nversion=v9", "at verdict"),
        ("verdict", "approved", "at verdict"),
        ("duration_s", "fast", 'at duration_s: "fast" is not of type "number"'),
        ("duration_s", -5, "at duration_s: -5 is less than the minimum"),
        ("mlgate_version", "@admin <b>x</b>", "at mlgate_version"),
        ("started_at", "yesterday", "at started_at"),
    ],
)
def test_a_forged_field_is_a_refused_artifact(
    tmp_path: Path, example_run: Path, valid: dict, field: str, value: Any, said: str
) -> None:
    artifact = _artifact(tmp_path, example_run, {**valid, field: value})
    with pytest.raises(UserError, match=re.escape(said)) as error:
        handoff.read(artifact)
    assert error.value.exit_code == 2 and "run.json" in error.value.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("repository", "evil/repo\n::error::x"),
        ("repository", "../x"),
        ("pull_number", 0),
        ("pull_number", "7"),
        ("pull_number", 1.5),
        ("pull_number", 2**40),
        ("head_sha", "A" * 40),
        ("head_sha", "a" * 39),
        ("manifest_path", "../../etc/passwd"),
        ("manifest_path", "/etc/passwd"),
        ("manifest_path", "a\n::error::x"),
        ("manifest_path", "x" * 2000),
        ("extra", "field"),
    ],
)
def test_a_hostile_handoff_field_is_refused(
    tmp_path: Path, example_run: Path, field: str, value: Any
) -> None:
    claimed = json.loads((example_run / handoff.HANDOFF_FILE).read_text())
    artifact = _artifact(tmp_path, example_run, handoff_doc={**claimed, field: value})
    with pytest.raises(
        UserError, match=f"handoff.json is not a valid hand-over: at ({field}|the top level)"
    ):
        handoff.read(artifact)


@pytest.mark.parametrize("name", [runs.RESULT_FILE, handoff.HANDOFF_FILE, handoff.MANIFEST_COPY])
def test_an_oversized_file_is_refused_unread(
    tmp_path: Path, example_run: Path, name: str, monkeypatch
) -> None:
    artifact = _artifact(tmp_path, example_run)
    monkeypatch.setattr(document, "MAX_BYTES", 1000)
    path = next(artifact.glob(f"*/{name}"))
    with path.open("ab") as f:
        f.write(b" " * (handoff.MAX_MANIFEST_BYTES + 1))
    with pytest.raises(UserError, match="bytes"):
        handoff.read(artifact)


def test_a_zlib_bomb_in_the_predictions_is_refused(
    tmp_path: Path, example_run: Path, valid: dict
) -> None:
    import base64
    import zlib

    doc = json.loads(json.dumps(valid))
    keys = doc["evaluate"]["predictions"]["row_keys"]
    keys["data"] = base64.b64encode(zlib.compress(b"\0" * 50_000_000)).decode()
    with pytest.raises(
        UserError, match=r"row_keys: holds more than the [0-9,]+ bytes its shape \[[0-9]+\] needs"
    ):
        handoff.read(_artifact(tmp_path, example_run, doc))


@pytest.mark.e2e  # seconds: 800 MB of zeros compressed, honestly, to make the bomb
def test_a_bomb_whose_shapes_claim_its_size_is_refused_before_any_decoding(
    tmp_path: Path, example_run: Path, valid: dict
) -> None:
    """Shapes and rows consistent, each array exactly its claimed zeros: 3 MB of run.json
    made 100 million rows and took 3 GB. The shapes' total is checked first."""
    import base64
    import time
    import zlib

    doc = json.loads(json.dumps(valid))
    predictions = doc["evaluate"]["predictions"]
    rows = 100_000_000
    packing = zlib.compressobj(9)
    chunk = b"\0" * 8_000_000  # exactly the 800 MB each array claims, never held whole
    packed = b"".join(packing.compress(chunk) for _ in range(rows * 8 // len(chunk)))
    zeros = base64.b64encode(packed + packing.flush()).decode()
    predictions["rows"] = rows
    predictions["scores"] = None
    for name in ("row_keys", "y_true", "y_pred"):
        predictions[name] = {"dtype": "<i8", "shape": [rows], "data": zeros}
    started = time.monotonic()
    with pytest.raises(UserError, match=r"its arrays would take 2\.2 GiB decoded, over the 2"):
        handoff.read(_artifact(tmp_path, example_run, doc))
    assert time.monotonic() - started < 5


def test_class_indices_outside_the_classes_are_refused(
    tmp_path: Path, example_run: Path, valid: dict
) -> None:
    import numpy as np

    from mlgate.result import arrays

    doc = json.loads(json.dumps(valid))
    rows = doc["evaluate"]["predictions"]["rows"]
    bad = arrays.encode(np.full(rows, 7, dtype=np.int64))
    doc["evaluate"]["predictions"]["y_pred"] = document.to_dict(bad)
    with pytest.raises(UserError, match=r"y_pred holds class indices outside -1\.\.1"):
        handoff.read(_artifact(tmp_path, example_run, doc))


def test_a_run_folder_not_named_by_its_run_id_is_refused(tmp_path: Path, example_run: Path) -> None:
    artifact = _artifact(tmp_path, example_run)
    next(artifact.iterdir()).rename(artifact / "x\n::error::forged")
    with pytest.raises(UserError, match="a run's folder is named by its id"):
        handoff.read(artifact)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("verdict", "passed\n::error::x"),
        ("verdict", "maybe"),
        ("run_id", "../x"),
    ],
)
def test_step_outputs_take_only_their_own_values(
    tmp_path: Path, valid: dict, field: str, value: str
) -> None:
    result = replace(document.loads(json.dumps(valid)), **{field: value})
    with pytest.raises(UserError, match="refused to set the step output"):
        outputs(tmp_path, result)
    assert not (tmp_path / "output").exists()


def test_a_token_mlgate_knows_is_masked_in_the_job_summary(
    tmp_path: Path, monkeypatch, capfd
) -> None:
    """Whatever reaches the summary (an error quoting a command's output, say)."""
    from mlgate.ci import summary
    from mlgate.github.context import ActionsContext

    token, runtime = "ghs_" + "Zx9" * 12, "eyJ" + "runtime" * 6
    monkeypatch.setenv("ACTIONS_RUNTIME_TOKEN", runtime)
    ctx = ActionsContext(
        event_name="pull_request",
        repository="o/r",
        token=token,
        step_summary=tmp_path / "summary.md",
    )
    summary.write_error(UserError(f"train.log said {token} and {runtime}"), ctx)
    annotation = capfd.readouterr().err
    assert "::error title=mlgate::train.log said *** and ***" in annotation, annotation
    written = ctx.step_summary.read_text()
    assert token not in written and runtime not in written
    assert written.count("\\*\\*\\*") == 2 or written.count("***") == 2, written
