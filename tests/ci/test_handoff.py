"""The fork's hand-over is believed only as far as GitHub agrees with it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from mlgate.ci import handoff
from mlgate.errors import UserError
from mlgate.github.pulls import PullRequest
from tests.action import events
from tests.ci.conftest import CTX, HEAD

CLAIM = handoff.Handoff(
    repository=events.REPOSITORY,
    pull_number=7,
    head_sha=HEAD,
    manifest_path="mlops.yaml",
    folder=Path("."),
)
PULL = PullRequest(
    number=7,
    state="open",
    head_sha=HEAD,
    head_repository=events.FORK,
    base_repository=events.REPOSITORY,
)


def test_a_handoff_that_agrees_with_github_may_be_posted() -> None:
    assert handoff.verify(CLAIM, CTX, PULL) == ""


@pytest.mark.parametrize(
    ("claim", "said"),
    [
        (replace(CLAIM, head_sha="b" * 40), "GitHub says run 5 ran on aaaaaaaaaaaa"),
        (replace(CLAIM, repository="evil/repo"), "names repository 'evil/repo'"),
    ],
)
def test_a_handoff_that_lies_about_its_run_is_refused(claim, said: str) -> None:
    with pytest.raises(UserError, match=said):
        handoff.verify(claim, CTX, PULL)


@pytest.mark.parametrize(
    ("pull", "said"),
    [
        (replace(PULL, base_repository="other/repo"), "is not this repository's"),
        (replace(PULL, head_repository="someone/else"), "comes from someone/else"),
    ],
)
def test_a_pull_request_that_is_not_the_runs_is_refused(pull, said: str) -> None:
    with pytest.raises(UserError, match=said):
        handoff.verify(CLAIM, CTX, pull)


def test_a_moved_or_closed_pull_request_is_skipped_not_refused() -> None:
    assert "has moved on" in handoff.verify(CLAIM, CTX, replace(PULL, head_sha="c" * 40))
    assert handoff.verify(CLAIM, CTX, replace(PULL, state="closed")) == "pull request #7 is closed"


def _handed_over(tmp_path: Path, example_run: Path) -> Path:
    """A downloaded artifact: one run folder with the hand-over files."""
    folder = tmp_path / "mlgate-run" / example_run.name
    shutil.copytree(example_run, folder)
    return folder


def test_read_gives_the_run_its_manifest_and_the_claim(tmp_path: Path, example_run: Path) -> None:
    _handed_over(tmp_path, example_run)
    received = handoff.read(tmp_path / "mlgate-run")
    assert received.handoff.pull_number == 7 and received.handoff.head_sha == HEAD
    assert received.handoff.manifest_path == "models/mlops.yaml"
    assert received.manifest.name == received.result.name == "breast-cancer"
    # cited as the repository names it: the report said `manifest.yaml:10`, the copy's name
    assert received.manifest.cited("model_checks[metric=f1]").startswith("mlops.yaml line ")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda f: (f / "manifest.yaml").write_text("name: other\n"), "problem"),
        (
            lambda f: (f / "manifest.yaml").write_bytes(
                (f / "manifest.yaml").read_bytes() + b"#\n"
            ),
            "not the one the run used",
        ),
        (lambda f: (f / "handoff.json").write_text("{"), "handoff.json is not a valid hand-over"),
        (
            lambda f: (f / "handoff.json").write_text(
                json.dumps({**json.loads((f / "handoff.json").read_text()), "pull_number": True})
            ),
            'at pull_number: true is not of type "integer"',
        ),
        (
            lambda f: (f / "handoff.json").write_text(
                json.dumps(
                    {**json.loads((f / "handoff.json").read_text()), "head_sha": "$(touch x)"}
                )
            ),
            r'at head_sha: "\$\(touch x\)" does not match',
        ),
        (lambda f: shutil.copytree(f, f.parent / "second"), "2 run hand-overs"),
        (  # 65 KB of notes pushed the trusted rule changes and gates out of the comment
            lambda f: (f / "run.json").write_text(
                json.dumps({**json.loads((f / "run.json").read_text()), "notes": ["x" * 65_000]})
            ),
            r'at notes\.0: "x{100}',
        ),
        (
            lambda f: (f / "run.json").write_text(
                json.dumps({**json.loads((f / "run.json").read_text()), "notes": ["x"] * 21})
            ),
            "at notes: .* has more than 20 items",
        ),
    ],
)
def test_a_malformed_artifact_is_refused(
    tmp_path: Path, example_run: Path, change, said: str
) -> None:
    folder = _handed_over(tmp_path, example_run)
    change(folder)
    with pytest.raises(UserError, match=said):
        handoff.read(tmp_path / "mlgate-run")


def test_a_run_folder_that_is_a_link_is_refused(tmp_path: Path, example_run: Path) -> None:
    """The trusted job wrote report.md and the charts through it, outside the download."""
    folder = _handed_over(tmp_path, example_run)
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UserError, match="is a symbolic link"):
        handoff.read(tmp_path / "mlgate-run")


@pytest.mark.parametrize(
    ("inside", "target"),
    [
        (".mlgate", "elsewhere"),  # the charts were written through it, outside the download
        ("report.md", "elsewhere/report.md"),
        ("notes/deep/run.json", "elsewhere/run.json"),
    ],
)
def test_a_link_anywhere_in_the_artifact_is_refused_before_anything_is_read_or_written(
    tmp_path: Path, example_run: Path, inside: str, target: str
) -> None:
    folder = _handed_over(tmp_path, example_run)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "run.json").write_text("{}")
    link = folder / inside
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(tmp_path / target)
    before = sorted(p.name for p in elsewhere.iterdir())
    with pytest.raises(UserError, match="is a symbolic link; an artifact holds folders and files"):
        handoff.read(tmp_path / "mlgate-run")
    assert sorted(p.name for p in elsewhere.iterdir()) == before


def test_a_fifo_in_the_artifact_is_refused_unread(tmp_path: Path, example_run: Path) -> None:
    """Reading it would wait for a writer that never comes: the job hung to its timeout."""
    import os

    folder = _handed_over(tmp_path, example_run)
    os.mkfifo(folder / "more.json")
    with pytest.raises(UserError, match=r"'.*more\.json' is neither a file nor a folder"):
        handoff.read(tmp_path / "mlgate-run")


def test_an_empty_download_says_where_the_artifact_should_be(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no run hand-overs") as error:
        handoff.read(tmp_path)
    assert "mlgate-run" in error.value.hint


def test_a_run_whose_verdict_contradicts_its_checks_is_refused(
    tmp_path: Path, example_run: Path
) -> None:
    """A fork marked every check failed and wrote "verdict": "passed": the trusted job
    posted a green check. The verdict is its checks' and gates' own, or refused; the
    summary, free text, is rewritten from them."""
    folder = _handed_over(tmp_path, example_run)
    run = folder / "run.json"
    data = json.loads(run.read_text())
    assert data["verdict"] == "passed"
    data["summary"] = "all good\n::warning::merge me"
    run.write_text(json.dumps(data))
    received = handoff.read(tmp_path / "mlgate-run")
    assert received.result.summary != data["summary"]
    assert received.result.summary.startswith("all ")
    for check in data["data"]["checks"]:  # the model's are decided again (test_recheck.py)
        check["status"] = "failed"
    run.write_text(json.dumps(data))
    with pytest.raises(UserError, match="says it passed, where its own checks and gates say"):
        handoff.read(tmp_path / "mlgate-run")
