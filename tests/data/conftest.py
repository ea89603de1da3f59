"""Real data for the data tests: scikit-learn's breast cancer set in every format we read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.data.helpers import SUFFIX, write


@pytest.fixture(scope="session")
def cancer() -> pd.DataFrame:
    """569 rows: 30 float features with spaces in their names and an integer target."""
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame


@pytest.fixture(params=sorted(SUFFIX))
def cancer_file(request: pytest.FixtureRequest, cancer: pd.DataFrame, tmp_path: Path) -> Path:
    """The breast cancer frame as a CSV, Parquet or JSON-lines file."""
    fmt = request.param
    return write(cancer, tmp_path / f"cancer{SUFFIX[fmt]}", fmt)
