"""PNG charts: written atomically, the same bytes every time, a clear error without matplotlib."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlgate.errors import EXIT_USER_ERROR, UserError
from mlgate.model import curves
from mlgate.model.curves import Curves
from mlgate.report import png

HISTORY = (
    "f1_macro",
    [("a1b2c3d", 0.91), ("e4f5a6b", 0.927), ("0c0ffee", float("nan")), ("9d8c7b6", 0.93)],
)


@pytest.fixture(scope="module")
def binary() -> Curves:
    rng = np.random.default_rng(0)
    y = rng.random(2000) < 0.4
    score = rng.normal(y * 1.5, 1.0)
    return Curves(
        class_names=("no", "yes"),
        confusion=((900, 300), (200, 600)),
        roc=(("yes", curves.roc(y, score)),),
        pr=(("yes", curves.precision_recall(y, score)),),
        positive="yes",
    )


def size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def drawn(binary: Curves, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Every chart of `binary` and HISTORY written once, in matplotlib's default style: the
    folder and what write_charts returned (no test writes there)."""
    folder = tmp_path_factory.mktemp("drawn") / "charts"
    return folder, png.write_charts(binary, folder, history=HISTORY)


def test_every_chart_is_written_as_a_png(drawn: tuple[Path, list[Path]]) -> None:
    folder, written = drawn
    names = ["roc.png", "pr.png", "confusion.png", "history.png"]
    assert written == [folder / name for name in names]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no temp left
    assert size((folder / "roc.png").read_bytes()) == (600, 600)
    for path in written:
        assert min(size(path.read_bytes())) >= 300


def test_the_bytes_are_the_same_every_time_whatever_the_users_style(
    binary: Curves, drawn: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    import matplotlib

    first = drawn[1]  # drawn before, outside any rc_context
    with matplotlib.rc_context({"lines.linewidth": 7, "axes.facecolor": "black", "font.size": 20}):
        second = png.write_charts(binary, tmp_path / "b", history=HISTORY)
    for a, b in zip(first, second, strict=True):
        data = a.read_bytes()
        assert data == b.read_bytes(), a.name
        assert b"Software" not in data and b"matplotlib" not in data


def test_without_curves_or_history_only_the_confusion_matrix_is_drawn(tmp_path: Path) -> None:
    only = Curves(class_names=("a", "b", "c"), confusion=((1, 2, 0), (0, 3, 1), (0, 0, 4)))
    history = ("acc", [("x", 0.5), ("y", float("nan"))])
    assert png.write_charts(only, tmp_path, history=history) == [tmp_path / "confusion.png"]


def test_an_existing_chart_is_replaced_whole(binary: Curves, tmp_path: Path) -> None:
    (tmp_path / "roc.png").write_bytes(b"old")
    png.write_charts(binary, tmp_path)
    assert (tmp_path / "roc.png").read_bytes().startswith(b"\x89PNG")


def test_hostile_labels_are_drawn_as_text(tmp_path: Path) -> None:
    names = ("$\\frac$", "line\nbreak", "x" * 500, "")
    matrix = tuple(tuple(int(i == j) for j in range(4)) for i in range(4))
    hostile = Curves(class_names=names, confusion=matrix)
    written = png.write_charts(hostile, tmp_path, history=("$\\sqrt{$", [("$", 1.0), ("$$", 2.0)]))
    assert [p.name for p in written] == ["confusion.png", "history.png"]
    assert png._label("$\\frac$") == "\\$\\frac\\$" and png._label("a\nb") == "a b"


def test_without_matplotlib_the_error_says_what_to_install(
    binary: Curves, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(png.MatplotlibNotInstalled) as caught:
        png.write_charts(binary, tmp_path / "charts")
    assert isinstance(caught.value, UserError) and caught.value.exit_code == EXIT_USER_ERROR
    assert str(caught.value) == (
        'PNG charts need matplotlib, which is not installed\n  hint: pip install "mlgate[png]"'
    )
    assert not (tmp_path / "charts").exists()


def test_importing_the_module_does_not_import_matplotlib() -> None:
    probe = "import sys, mlgate.report.png; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_a_run_with_probabilities_gets_a_reliability_chart_of_its_bins(tmp_path: Path) -> None:
    from mlgate.model import calibration
    from mlgate.report import charts
    from tests.report.test_calibration import scored
    from tests.report.test_markdown import result

    rng = np.random.default_rng(5)
    y = (rng.random(1000) < 0.4).astype(np.int64)
    p = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    run = result(evaluate=scored(y, p, ("no", "yes")))
    written = charts.write_png(run, tmp_path / "a")
    assert [w.name for w in written] == ["roc.png", "pr.png", "confusion.png", "reliability.png"]
    assert size((tmp_path / "a" / "reliability.png").read_bytes()) == (600, 600)
    again = charts.write_png(run, tmp_path / "b")
    assert again[-1].read_bytes() == written[-1].read_bytes()
    # the same bins drawn straight from the terms: the file is the bins', byte for byte
    bins = calibration.reliability(calibration.terms(y, np.c_[1 - p, p], 1))
    only = png.write_charts(
        Curves(class_names=("no", "yes"), confusion=((1, 0), (0, 1))),
        tmp_path / "c",
        reliability=bins,
    )
    assert only[-1].read_bytes() == written[-1].read_bytes()
