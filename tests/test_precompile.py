"""The action's install writes the bytecode runs need, whatever the job's environment says.

The whole path (a cold install through the action, the cache it saves) is checked by
tests/action/conftest.py's `warm_state`; these are the module's own rules.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate import precompile


def test_every_module_of_mlgate_but_the_command_line_entry_is_listed() -> None:
    names = precompile.mlgate_modules()
    assert "mlgate.pipeline.flow" in names
    assert "mlgate.data.drift" in names
    assert not [name for name in names if name.endswith("__main__")]


def test_what_cannot_be_imported_is_named_and_the_rest_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an extra built for another NumPy raises on import, and the install must go on
    (tmp_path / "mlgate_broken_extra.py").write_text("raise AttributeError('np.unicode_')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    names = ["json", "mlgate_no_such_extra", "mlgate_broken_extra", "mlgate.words"]
    assert precompile.precompile(names) == ["mlgate_no_such_extra", "mlgate_broken_extra"]


def test_bytecode_is_written_even_where_the_job_forbids_it(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(tmp_path)}
    code = "from mlgate import precompile; print(precompile.precompile(['mlgate.words']))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
    written = [p.name for p in tmp_path.rglob("*.pyc")]
    assert any(name.startswith("words.") for name in written), written
