"""The retraining pull request's description, which the workflow's token posts: the
reason (a dispatch's input, a repository_dispatch payload), what the refresh said and the
files it changed are text, not Markdown that links, mentions, loads images or hides the
rest of the description."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from mlgate import retraining

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
REASON = "drift @acme/oncall [approve](https://evil.example) #12 <!--"
SAID = "ran monitor.refresh (<img src=x onerror=alert(1)>)"
PATHS = ("data/x` ![p](https://evil.example/p.png) `.csv", "data/@admin.csv")


def test_the_retraining_pull_requests_body_holds_untrusted_text_inert(tmp_path: Path) -> None:
    from mlgate import manifest as manifests
    from mlgate import scaffold

    scaffold.init(tmp_path, example=True)
    manifest = manifests.load(tmp_path / "mlops.yaml")
    body = retraining._body(manifest, REASON, SAID, PATHS, {}, None)
    tokens = PARSER.parse(body)
    kids = [c for t in tokens for c in (t, *(t.children or []))]
    assert not [t for t in kids if t.type in ("link_open", "image", "html_inline", "html_block")]
    text = "".join(t.content for t in kids if t.type == "text")  # code spans link nothing
    assert "@acme" not in text and "#12" not in text  # a word joiner parts them
    assert body.rstrip().endswith("close and reopen the pull request.")  # nothing hidden
    spans = [t.content for t in kids if t.type == "code_inline"]
    assert PATHS[0] in spans  # each path one code span, as it is named


def test_the_alarms_own_reason_still_links_its_issue(tmp_path: Path) -> None:
    """mlgate's own reason, `monitoring alarm (issue #7)`, links back to the alarm; the
    same words with anything more are text like any other."""
    from mlgate import manifest as manifests
    from mlgate import scaffold

    scaffold.init(tmp_path, example=True)
    manifest = manifests.load(tmp_path / "mlops.yaml")
    own = retraining._body(manifest, "monitoring alarm (issue #7)", "ok", (), {}, None)
    assert "after monitoring alarm (issue #7)." in own
    more = retraining._body(manifest, "monitoring alarm (issue #7) @acme", "ok", (), {}, None)
    assert "issue #7" not in more and "@acme" not in more
