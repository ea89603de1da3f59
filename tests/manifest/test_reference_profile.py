"""`mlgate validate` reads a drift reference given as a profile as the run reads it: a
damaged or foreign profile was "valid", and only the run then failed on it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from mlgate.cli.main import main
from mlgate.data import profile
from tests import projects

GOOD = json.loads(
    profile.to_json(
        profile.of_frame(
            pl.DataFrame({"sepal_length": [5.1, 4.9, 6.3], "species": ["a", "b", "a"]})
        )
    )
)


BIG = json.loads(
    profile.to_json(
        profile.condensed(
            profile.of_frame(
                pl.DataFrame({"sepal_length": [i / 100 for i in range(20_000)]}), exact=True
            )
        )
    )
)


def cut_short() -> str:
    """2,048 quantiles of 20,000 values cut to ten, its epsilon (1/2,048) kept: unchanged
    data drifted against it (KS 0.995)."""
    data = json.loads(json.dumps(BIG))
    data["columns"]["sepal_length"]["quantiles"] = data["columns"]["sepal_length"]["quantiles"][:10]
    return json.dumps(data)


def damaged(change: str) -> str:
    data = json.loads(json.dumps(GOOD))
    numeric, categorical = data["columns"]["sepal_length"], data["columns"]["species"]
    if change == "order":
        numeric["quantiles"] = [6.3, 4.9, 5.1]
    elif change == "m2":
        numeric["m2"] = -1
    elif change == "counts":
        categorical["other"] = 1
    elif change == "kind":
        categorical["kind"] = "histogram"
    elif change == "nan":
        return json.dumps(data).replace('"mean": 5.433333333333334', '"mean": NaN')
    return json.dumps(data)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    manifest = projects.IRIS_MANIFEST.replace(
        "  checks:\n    rows: {min: 20}\n",
        "  reference: data/prod.profile.json\n  checks:\n    rows: {min: 20}\n    drift: true\n",
    )
    assert "reference: data/prod.profile.json" in manifest
    return projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=manifest))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (json.dumps(GOOD)[:80], "'data/prod.profile.json' is not a profile (not JSON: "),
        (damaged("order"), "column 'sepal_length': quantiles out of order"),
        (damaged("m2"), "column 'sepal_length'"),
        (damaged("counts"), "column 'species': counts summing to"),
        (damaged("kind"), "column 'species'"),
        (damaged("nan"), "column 'sepal_length'"),
        ('{"rows": 3}', "is not an mlgate profile (its format is not mlgate-profile/1)"),
        (cut_short(), "10 quantiles of 20000 values cannot be within epsilon"),
    ],
)
def test_a_damaged_reference_profile_is_a_located_problem(
    root: Path, text: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "data/prod.profile.json").write_text(text)
    assert main(["-C", str(root), "validate"]) == 2
    err = capsys.readouterr().err
    assert "mlops.yaml:" in err and ": data.reference: " in err and said in err, err


def test_a_readable_reference_profile_is_valid(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "data/prod.profile.json").write_text(json.dumps(GOOD))
    assert main(["-C", str(root), "validate"]) == 0
    assert "valid" in capsys.readouterr().out
