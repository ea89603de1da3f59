"""A model that `mlgate run` scored on a Parquet file's datetime and date columns is
served with them as the run read the test file: ISO-8601 text in JSON, handed to the
model as `pd.read_parquet` gives them (datetime64 of the file's unit and time zone, a
date as `datetime.date`), described in /metadata as such; a bad date is a 422 naming its
column. They were served as text: every request a 422 blaming another column, and
`mlgate smoke` a traceback (pandas' Timestamps are not JSON) (audit M, findings 1, 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.manifest.spec import Manifest
from mlgate.serve import batch, service, smoke
from mlgate.serve.app import create_app
from mlgate.serve.schema import Field, InputSchema
from tests.conftest import git
from tests.serve.conftest import running

MANIFEST = """\
name: dates
data:
  train: data/train.parquet
  test: data/test.parquet
  target: bought
train:
  command: python train.py
evaluate:
  task: classification
  metrics: [accuracy]
"""
# the model fitted here, in the test: the training command only copies it (30 ms)
TRAIN = """\
import os, shutil
shutil.copy({model!r}, os.environ["MLGATE_MODEL"])
"""


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 365, rows)
    signup = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    visits = rng.integers(0, 30, rows).astype(float)
    visits[rng.random(rows) < 0.2] = np.nan  # the model takes a missing visit
    return pd.DataFrame(
        {
            "signup": signup.as_unit("us"),
            "seen": (signup + pd.Timedelta(hours=7)).tz_localize("UTC").as_unit("ms"),
            "birthday": [dt.date(1980, 1, 1) + dt.timedelta(days=int(d) * 30) for d in days],
            "visits": visits,
            "bought": (days > 180).astype(int),
        }
    )


def _model() -> Any:
    """Days since the epoch from `signup` (a datetime64 column's int64; text is refused:
    `invalid literal for int()`), and visits, which may be missing. A tree, not a
    histogram booster: OpenMP's threads, started here, hang the evaluation's forked
    process."""
    columns = make_column_transformer(
        (FunctionTransformer(np.asarray, kw_args={"dtype": "int64"}), ["signup"]),
        ("passthrough", ["visits"]),
    )
    return make_pipeline(columns, DecisionTreeClassifier(max_depth=4, random_state=0))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    root = tmp_path_factory.mktemp("dates") / "repo"
    (root / "data").mkdir(parents=True)
    train, test = _frame(300, 0), _frame(120, 1)
    train.to_parquet(root / "data/train.parquet", index=False)
    test.to_parquet(root / "data/test.parquet", index=False)
    fitted = root.parent / "fitted.joblib"
    features = pd.read_parquet(root / "data/train.parquet").drop(columns="bought")
    joblib.dump(_model().fit(features, train["bought"]), fitted)
    (root / "mlops.yaml").write_text(MANIFEST)
    (root / "train.py").write_text(TRAIN.format(model=str(fitted)))
    (root / ".gitignore").write_text("models/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "dates")
    manifest = manifests.load(root / "mlops.yaml")
    run = pipeline.run(manifest, compare=False)
    assert run.evaluate.status in ("passed", "failed"), run.evaluate.message  # scored
    return manifest


@pytest.fixture(scope="module")
def served(project: Manifest) -> service.Service:
    return service.load(project)


@pytest.fixture(scope="module")
def url(served: service.Service) -> Iterator[str]:
    with running(create_app(served)) as where:
        yield where


def _test_frame(project: Manifest) -> pd.DataFrame:
    return pd.read_parquet(project.resolve("data/test.parquet")).drop(columns="bought")


def _as_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: None if v is None or v is pd.NaT or v != v else _iso(v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def test_metadata_describes_the_datetime_and_date_columns(served: service.Service, url: str):
    meta = httpx.get(f"{url}/metadata").json()
    assert meta["inputs"] == {
        "signup": "datetime",
        "seen": "datetime",
        "birthday": "date",
        "visits": "number",
    }
    properties = meta["input_schema"]["properties"]
    assert properties["signup"] == {"type": ["string", "null"], "format": "date-time"}
    assert properties["birthday"] == {"type": ["string", "null"], "format": "date"}
    assert properties["visits"] == {"type": ["number", "null"]}
    assert meta["input_schema"]["required"] == ["signup", "seen", "birthday", "visits"]


def test_the_model_is_handed_the_columns_as_the_run_read_the_test_file(
    project: Manifest, served: service.Service
) -> None:
    read = _test_frame(project)
    framed = batch._framer(served.schema)(_records(served, _as_json(read)))
    assert framed.dtypes.to_dict() == read.dtypes.to_dict()
    pd.testing.assert_frame_equal(framed, read)


def _records(served: service.Service, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from mlgate.serve.schema import validate

    return validate(served.schema, records)


def test_iso_text_is_scored_as_the_model_scores_the_test_file(
    project: Manifest, served: service.Service, url: str
) -> None:
    read = _test_frame(project)
    answer = httpx.post(f"{url}/predict", json={"records": _as_json(read)}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == served.model.predict(read).tolist()
    assert np.array_equal(answer.json()["probabilities"], served.model.predict_proba(read))
    record = {  # a date alone is midnight; a null visit is missing, as the model takes it
        "signup": "2024-05-01",
        "seen": "2024-05-01T09:00:00+02:00",
        "birthday": "1990-02-03",
        "visits": None,
    }
    answer = httpx.post(f"{url}/predict", json=[record])
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("signup", "2024-13-45", "records[0].signup is not an ISO-8601 date and time"),
        ("signup", "yesterday", "records[0].signup is not an ISO-8601 date and time"),
        ("signup", 1714521600000, "records[0].signup must be an ISO-8601 date and time"),
        ("signup", "2024-05-01T00:00:00+02:00", "records[0].signup has a UTC offset"),
        ("seen", "2024-05-01T00:00:00", "records[0].seen has no UTC offset"),
        ("birthday", "1990-02-30", "records[0].birthday is not an ISO-8601 date"),
        ("birthday", "1990-02-03T10:00", "records[0].birthday is not an ISO-8601 date"),
    ],
)
def test_a_bad_date_is_a_422_naming_its_column(
    url: str, column: str, value: object, said: str
) -> None:
    record = {
        "signup": "2024-05-01",
        "seen": "2024-05-01T00:00:00Z",
        "birthday": "1990-02-03",
        "visits": None,  # a null elsewhere is not blamed
        column: value,
    }
    answer = httpx.post(f"{url}/predict", json=[record])
    assert answer.status_code == 422 and said in answer.json()["error"], answer.text
    assert "visits" not in answer.json()["error"]


def test_smoke_sends_the_test_files_dates_as_iso_text(project: Manifest, url: str) -> None:
    result = smoke.run(project, url, rows=5)
    assert result.requests == 5 and result.failures == (), result.failures


def test_a_value_the_model_cannot_convert_is_blamed_not_a_null_elsewhere() -> None:
    """A column served as text (a CSV's dates) that the model casts to int: the 422 named
    the record's null visits, which the model takes, not the text it refused."""
    frame = _frame(200, 2)[["signup", "visits", "bought"]]
    model = _model().fit(frame.drop(columns="bought"), frame["bought"])
    schema = InputSchema(
        fields=(Field(name="signup", kind="string"), Field(name="visits", kind="number"))
    )
    score = batch.scorer(model, schema)
    with pytest.raises(batch.ModelError) as refused:
        score([{"signup": "2024-01-02", "visits": 3.0}, {"signup": "2024-05-01", "visits": None}])
    said = str(refused.value)
    assert "invalid literal for int()" in said and "records[0].signup" in said, said
    assert "visits" not in said, said
