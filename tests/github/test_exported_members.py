"""mlgate.github's public names: a sorted list, each resolving, none importing httpx early."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mlgate.github


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert mlgate.github.__all__ == sorted(mlgate.github.__all__)
    for name in mlgate.github.__all__:
        assert getattr(mlgate.github, name) is not None
    assert mlgate.github.load_context({}) is None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="nothing_here"):
        mlgate.github.nothing_here  # noqa: B018


@pytest.mark.parametrize(
    "statement",
    [
        "import mlgate.github.context",
        "from mlgate.github import ActionsContext, load_context, marker_for, publish_check",
        "from mlgate.github.http import GitHub",  # httpx loads when a client is made
    ],
)
def test_reading_the_context_or_importing_the_client_does_not_import_httpx(
    statement: str,
) -> None:
    probe = f"import sys; {statement}; print('httpx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
