"""A test column's values <-> RowValues: numbers as float64, anything else as codes into
its labels, so that run.json holds no pickled objects and a reader trusts every array."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlgate.result import arrays
from mlgate.result.records import RowValues

if TYPE_CHECKING:
    import pandas as pd


def encode(column: pd.Series) -> RowValues:
    import pandas as pd

    kind = column.dtype
    if pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind):
        return RowValues(values=arrays.encode(column.to_numpy(dtype=np.float64, na_value=np.nan)))
    codes, labels = pd.factorize(column.astype(object), sort=True)
    return RowValues(
        values=arrays.encode(codes.astype(np.int32)), labels=tuple(str(v) for v in labels)
    )


def decode(kept: RowValues) -> np.ndarray:
    """Numbers as floats (NaN: missing), or labels as an object array (None: missing)."""
    values = arrays.decode(kept.values)
    if kept.labels is None:
        return values.astype(np.float64)
    labels = np.array([*kept.labels, None], dtype=object)
    picked: np.ndarray = labels[values]  # a code of -1 picks the None at the end
    return picked
