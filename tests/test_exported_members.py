"""The public surface is a deliberate, sorted list, and importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import mlgate


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert mlgate.__all__ == sorted(mlgate.__all__)
    for name in mlgate.__all__:
        assert getattr(mlgate, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        mlgate.nothing_here  # noqa: B018
    except AttributeError as exc:
        assert "nothing_here" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_loads_no_heavy_library() -> None:
    probe = (
        "import sys, mlgate; print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pandas', 'numpy', 'sklearn', 'polars', 'jsonschema', 'yaml'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
