"""A fresh clone passes its own tests: no test reads a folder beside the checkout."""

from __future__ import annotations

from tests.conftest import FIXTURES, REPO_ROOT

# spelled in parts so that this file does not name them itself
OUTSIDE = (".." + "/shared", '/ "' + 'shared"')


def test_no_test_file_names_a_folder_beside_the_checkout() -> None:
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "tests").rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".mjs", ".json", ".yml", ".yaml", ".md"}
        and "node_modules" not in path.parts
        and any(name in path.read_text(errors="replace") for name in OUTSIDE)
    ]
    assert offenders == []


def test_the_fixtures_the_tests_read_are_in_the_repository() -> None:
    events = sorted(p.name for p in (FIXTURES / "github" / "events").glob("*.json"))
    assert "pull_request.opened.json" in events and len(events) == 11
    assert (FIXTURES / "github" / "rest-api-subset.json").stat().st_size > 100_000
    assert (FIXTURES / "SOURCES.md").is_file()
