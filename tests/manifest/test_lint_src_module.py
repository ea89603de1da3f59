"""`python -m pkg.train` where `pkg` lives in src/ and is not installed: validate called the
manifest valid and the run ended in a bare ModuleNotFoundError (audit U, finding 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.manifest import lint
from mlgate.manifest.spec import Command

SAID = (
    "`python -m housing_u4.train` imports 'housing_u4', which is in src/ and not installed: "
    "run it as `PYTHONPATH=src python -m housing_u4.train`, or install the project "
    "(`pip install -e .`)"
)


@pytest.fixture
def src_layout(tmp_path: Path) -> Path:
    (tmp_path / "src" / "housing_u4").mkdir(parents=True)
    (tmp_path / "src" / "housing_u4" / "__init__.py").write_text("")
    (tmp_path / "src" / "housing_u4" / "train.py").write_text("")
    return tmp_path


def _said(root: Path, shell: str, *, running: bool = False) -> str | None:
    return lint.why_not(root, Command(shell=shell, timeout_s=1), running=running)


def test_a_src_layout_module_run_with_m_is_warned_of_with_the_two_ways(src_layout: Path) -> None:
    assert _said(src_layout, "python -m housing_u4.train") == SAID
    assert _said(src_layout, "python3 -u -m housing_u4.train --fast") is not None


@pytest.mark.parametrize(
    "shell",
    [
        "PYTHONPATH=src python -m housing_u4.train",  # found there
        "env PYTHONPATH=src python -m housing_u4.train",
        "cd src && python -m housing_u4.train",
        "python -m json.tool",  # installed (the standard library)
        "python -m elsewhere.train",  # not in src/ either: nothing to say
        "make train",
    ],
)
def test_commands_that_find_the_module_or_name_none_are_not_warned_of(
    src_layout: Path, shell: str
) -> None:
    assert _said(src_layout, shell) is None


def test_a_package_beside_the_manifest_is_found_as_it_is(src_layout: Path) -> None:
    (src_layout / "housing_u4").mkdir()
    assert _said(src_layout, "python -m housing_u4.train") is None


def test_a_run_starts_it_anyway_its_python_may_be_another(src_layout: Path) -> None:
    assert _said(src_layout, "python -m housing_u4.train", running=True) is None
