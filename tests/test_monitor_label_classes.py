"""A label the version never saw is refused with every class the version knows, or the
first ten and how many more, and the first row that holds it (audit P, finding 5: "its
classes: '0', '1', '2', '3', '4'" of ten, which a newcomer read as all there were, and
no row named)."""

from __future__ import annotations

import pandas as pd
import pytest

from mlgate import monitor
from mlgate.errors import UserError


def refused(table: pd.DataFrame, classes: list[object], **where: str) -> str:
    with pytest.raises(UserError) as caught:
        monitor._labelled(table, "digit", classes, "labels.jsonl", **where)
    return caught.value.message


def test_ten_classes_are_all_named_and_the_first_row_by_its_id() -> None:
    labels = [i % 10 for i in range(150)]
    labels[17], labels[40] = 11, 11
    table = pd.DataFrame({"sample": [f"s{i:03d}" for i in range(150)], "digit": labels})
    message = refused(table, list(range(10)), id_column="sample", rows_from="prod.jsonl")
    assert message.startswith(
        "labels.jsonl: 2 labels of 150 are not among the version's classes ('11', first at "
        "sample 's017'; the version's 10 classes: '0', '1', '2', '3', '4', '5', '6', '7', "
        "'8', '9'): labels the version never saw would leave their rows out"
    )
    assert "more" not in message


def test_more_classes_than_ten_say_how_many_more() -> None:
    classes = [f"c{i}" for i in range(15)]
    table = pd.DataFrame({"id": [7, 8, 9], "digit": ["c1", "c99", None]})
    message = refused(table, classes, id_column="id")
    assert (
        "('c99', first at id '8'; the version's 15 classes: 'c0', 'c1', 'c2', 'c3', 'c4', "
        "'c5', 'c6', 'c7', 'c8', 'c9' and 5 more)"
    ) in message


def test_without_an_id_the_row_is_named_by_its_place() -> None:
    """Rows without labels before it count: the place is among the production rows."""
    table = pd.DataFrame({"digit": [None, "1", None, "x", "y", "x"]})
    message = refused(table, ["0", "1"], rows_from="exports/prod.jsonl")
    assert message.startswith(
        "labels.jsonl: 3 labels of 4 are not among the version's classes ('x', 'y', first on "
        "row 4 of exports/prod.jsonl; the version's 2 classes: '0', '1'): "
    )
    # an id column with the first strange row's id empty falls back to the place
    table["id"] = ["a", "b", "c", None, "e", "f"]
    assert "first on row 4 of the rows;" in refused(table, ["0", "1"], id_column="id")
