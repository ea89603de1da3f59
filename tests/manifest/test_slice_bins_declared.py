"""`bins` on a slice column that data.columns declares to hold no numbers (a category,
text, true/false, dates) is refused by `validate`, located: it passed, and the run
failed only after training, at the evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import ManifestError
from mlgate.manifest import parse

HEAD = """\
name: loans
data:
  train: train.csv
  test: test.csv
  target: y
  columns:
    region: {type: category, values: [east, north]}
    plan: {type: string}
    age: {type: integer}
    {extra}
train:
  command: python train.py
evaluate:
  slices:
    - {slice}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name in ("train.csv", "test.csv"):
        (tmp_path / name).write_text(
            "age,plan,region,member,joined,y\n30,pro,east,true,2024-01-02,0\n"
        )
    return tmp_path


def parsed(root: Path, spec: str, extra: str = "") -> list[str]:
    text = HEAD.replace("{slice}", spec).replace("{extra}", extra or "y: {type: integer}")
    try:
        parse(text.encode(), name="mlops.yaml", root=root)
    except ManifestError as error:
        return [str(p) for p in error.problems]
    return []


@pytest.mark.parametrize("bins", ["3", "[1, 2, 3]"])
def test_bins_on_a_declared_category_is_refused_at_its_line(root: Path, bins: str) -> None:
    assert parsed(root, f"{{column: region, bins: {bins}}}") == [
        "mlops.yaml:15:24: evaluate.slices[column=region].bins: 'region' is declared category "
        "in data.columns, so it holds no numbers to bin; leave bins out to slice by value"
    ]


@pytest.mark.parametrize(
    ("column", "kind", "extra"),
    [
        ("plan", "string", ""),  # declared in HEAD
        ("member", "boolean", "member: {type: boolean}"),
        ("joined", "datetime", "joined: {type: datetime}"),
    ],
)
def test_bins_on_text_true_false_or_dates_is_refused(
    root: Path, column: str, kind: str, extra: str
) -> None:
    assert parsed(root, f"{{column: {column}, bins: 4}}", extra) == [
        f"mlops.yaml:15:{18 + len(column)}: evaluate.slices[column={column}].bins: '{column}' "
        f"is declared {kind} in data.columns, so it holds no numbers to bin; leave bins out "
        "to slice by value"
    ]


def test_a_pair_of_declared_non_numbers_is_refused_and_one_number_is_not(root: Path) -> None:
    assert parsed(root, "{columns: [plan, region], bins: 3}") == [
        "mlops.yaml:15:33: evaluate.slices[0].bins: 'plan' is declared "
        "string and 'region' category in data.columns, so neither holds numbers to bin; leave "
        "bins out to slice by value"
    ]
    assert parsed(root, "{columns: [age, region], bins: 3}") == []


@pytest.mark.parametrize(
    "spec",
    ["{column: age, bins: 3}", "{column: y, bins: 3}", "region", "{columns: [plan, region]}"],
)
def test_bins_on_numbers_or_undeclared_columns_and_slices_without_bins_pass(
    root: Path, spec: str
) -> None:
    """An integer column is binned; an undeclared one is left to the run, which reads it."""
    assert parsed(root, spec) == []
