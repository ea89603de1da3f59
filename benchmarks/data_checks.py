"""The same 55 data checks on 1,000,000 rows x 20 columns: mlgate beside pandera (pandas and
polars backends), Great Expectations and the checks hand-written in polars (lazy).

    python benchmarks/data_checks.py [--rows 1000000] [--runs 3] [--gx-runs 1] [--no-gx]

Bars (issue 14): at least 2x faster than pandera on polars, at least 10x faster than
pandera on pandas, within 1.2x of the hand-written polars floor.

The data, generated here with a fixed seed and written once to Parquet: 12 numeric
columns (an increasing id, integers, floats; three with 1% to 8% nulls) and 8 others
(categories, codes, e-mail addresses, a timestamp). The 55 checks are one list (CHECKS,
TABLE) that each tool translates into its own terms, each with its built-in rule where it
has one: not null, min, max, allowed values, regex (searched, anchored), unique, text
lengths, the share of nulls, increasing order, a quantile (linear interpolation), the
dtype; on the table: the row count, duplicate rows, a cross-column expression and the
freshness of the newest timestamp. Eight fail on purpose (a few planted rows, a share of
nulls, a quantile); every tool must report the same eight, or the benchmark stops.

Each tool runs in its own process (its own virtual environment for pandera and Great
Expectations), reads the Parquet file (polars or pandas), and is timed from after the
read to its verdicts, building its schema or suite included:

- mlgate: a `Data` spec, `mlgate.data.checks.run_checks` on the polars frame.
- pandera: `DataFrameSchema.validate(lazy=True)`, built-in checks, a custom check where
  pandera has none (null share, order, quantile, row count, expression, freshness).
- Great Expectations 1.x: an ephemeral context, a pandas data source, a suite of core
  expectations, `ValidationDefinition.run` with the default result format (SUMMARY).
- polars by hand: one `select` over `frame.lazy()` of an aggregate per check.

mlgate's presence checks (one per declared column) are not counted: every tool checks
presence implicitly.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _env  # noqa: E402

WORK = _env.WORK / "data_checks"
PANDERA_PIP = ("pandera[polars]==0.35.0", "pandas<3", "pyarrow", "polars")
GX_PIP = ("great_expectations==1.24.1", "pandas<3", "pyarrow")
DAY = 86_400

# column -> rules, as mlgate's data.columns keys; quantiles: [q, min, max]
CHECKS: dict[str, dict[str, object]] = {
    "id": {"nullable": False, "min": 0, "unique": True, "sorted": "increasing"},
    "age": {"type": "integer", "nullable": False, "min": 18, "max": 90},
    "income": {"min": 0, "max": 1e6, "max_null_fraction": 0.02, "quantiles": [0.5, 2e4, 2.4e4]},
    "score": {"type": "number", "nullable": False, "min": 0, "max": 100},
    "visits": {"min": 0, "max_null_fraction": 0.05},
    "balance": {"min": -10, "max": 10, "quantiles": [0.9, 3.0, 4.5]},
    "price": {"min": 0},
    "rating": {"nullable": False, "values": [1, 2, 3, 4, 5]},
    "discount": {"min": 0, "max": 0.5, "max_null_fraction": 0.05},
    "tenure": {"max": 120, "quantiles": [0.25, 35, 40]},
    "plan": {"type": "string", "nullable": False, "values": ["free", "basic", "pro", "team"]},
    "region": {"values": ["north", "south", "east", "west"], "max_null_fraction": 0.02},
    "channel": {"values": ["web", "app", "api"], "min_length": 3, "max_length": 3},
    "tag": {"pattern": "^[a-z]+$", "min_length": 3, "max_length": 8},
    "code": {"nullable": False, "pattern": "^[A-Z]{2}-[0-9]{7}$", "unique": True},
    "email": {"nullable": False, "pattern": r"^[a-z0-9.]+@[a-z]+\.(com|org)$"},
    "country": {"pattern": "^[A-Z]{2}$", "values": ["DE", "FR", "IT", "ES", "NL", "PL", "SE"]},
    "signup": {"type": "datetime", "nullable": False, "min": "2024-01-01", "max": "2026-01-01"},
}
TABLE: dict[str, object] = {
    "rows": [1, 10_000_000],
    "duplicates": 0.0,  # max_fraction
    "expressions": [["hi", "lo"]],  # hi >= lo
    "freshness": ["signup", 3650 * DAY],  # the newest signup at most ten years old
}
FAILING = [  # planted in generate()
    "age.min",
    "channel.values",
    "discount.max_null_fraction",
    "email.pattern",
    "expressions[0]",
    "score.max",
    "signup.min",
    "tenure.quantiles",
]


def names() -> list[str]:
    """The checks' names, as mlgate's check ids end."""
    found = [f"{col}.{rule}" for col, rules in CHECKS.items() for rule in rules]
    return [*found, "rows", "duplicates", "expressions[0]", "freshness"]


def generate(rows: int, path: Path) -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(14)

    def nulls(values: np.ndarray, share: float) -> pl.Series:
        return pl.Series(values).scatter(np.flatnonzero(rng.random(rows) < share), None)

    def plant(values: np.ndarray, count: int, value: object) -> np.ndarray:
        values[rng.choice(rows, size=count, replace=False)] = value
        return values

    def pick(choices: list[str], count: int = rows) -> np.ndarray:
        return np.array(choices, dtype=object)[rng.integers(0, len(choices), size=count)]

    lo = rng.uniform(0, 100, rows)
    words = ["".join(pick(list("abcdefghij"), n)) for n in rng.integers(3, 9, 200)]
    email = [f"user.{i}@example.{'com' if i % 3 else 'org'}" for i in range(rows)]
    for i in rng.choice(rows, size=5, replace=False):
        email[i] = email[i].replace("@", "")
    letters = pick(list("ABCD")) + pick(list("XYZ"))
    seconds = plant(rng.integers(0, 730 * DAY, rows), 3, -30 * DAY)  # three in 2023
    columns = {
        "id": np.arange(rows),
        "age": plant(rng.integers(18, 91, rows), 5, 17),
        "income": nulls(rng.lognormal(10, 0.5, rows), 0.01),
        "score": plant(np.clip(rng.normal(50, 10, rows), 0.5, 99.5), 3, 150.0),
        "visits": nulls(rng.poisson(3, rows), 0.03),
        "balance": np.clip(rng.normal(0, 3, rows), -10, 10),
        "price": rng.uniform(1, 500, rows),
        "rating": rng.integers(1, 6, rows),
        "lo": lo,
        "hi": plant(lo + rng.exponential(5, rows), 4, -1.0),  # four rows with hi < lo
        "discount": nulls(rng.uniform(0, 0.5, rows), 0.08),
        "tenure": rng.integers(0, 121, rows),
        "plan": pick(["free", "basic", "pro", "team"]),
        "region": nulls(pick(["north", "south", "east", "west"]), 0.01),
        "channel": plant(pick(["web", "app", "api"]), 6, "fax"),
        "tag": pick(words),
        "code": [f"{a}-{i:07d}" for i, a in enumerate(letters)],
        "email": email,
        "country": pick(["DE", "FR", "IT", "ES", "NL", "PL", "SE"]),
        "signup": np.datetime64("2024-01-01", "us") + seconds.astype("timedelta64[s]"),
    }
    frame = pl.DataFrame([pl.Series(name, values) for name, values in columns.items()])
    frame = frame.with_columns(pl.col(pl.Object).cast(pl.String))
    assert frame.width == 20 and frame.schema["signup"] == pl.Datetime("us"), frame.schema
    frame.write_parquet(path)


# what each tool runs, in its own process: argv[1] the Parquet file, argv[2] the checks (JSON);
# each prints {"seconds", "verdicts": {check: passed}, "versions"}
MLGATE = """
import json, sys, time
import polars as pl
import mlgate
from mlgate.data import checks
from mlgate.manifest.spec import Column, Data, Freshness, Quantile
given = json.load(open(sys.argv[2]))
frame = pl.read_parquet(sys.argv[1])

def run():
    columns = []
    for name, rules in given["columns"].items():
        rules = dict(rules)
        if "quantiles" in rules:
            rules["quantiles"] = (Quantile(q=rules["quantiles"][0], min=rules["quantiles"][1],
                max=rules["quantiles"][2]),)
        columns.append(Column(name=name, **{k: tuple(v) if k == "values" else v
            for k, v in rules.items()}))
    table = given["table"]
    fresh, age = table["freshness"]
    spec = Data(train="-", test="-", target="rating", columns=tuple(columns),
        rows_min=table["rows"][0], rows_max=table["rows"][1],
        duplicates_max_fraction=table["duplicates"],
        expressions=tuple(f"{a} >= {b}" for a, b in table["expressions"]),
        freshness=Freshness(column=fresh, max_age_s=age, shown=f"{age // 86400}d"))
    return checks.run_checks(spec, {"test": frame})

if sys.argv[3:] == ["profile"]:
    import cProfile, pstats
    cProfile.run("run()", sys.argv[2] + ".prof")
    pstats.Stats(sys.argv[2] + ".prof").sort_stats("tottime").print_stats(15)
    sys.exit()
t = time.perf_counter()
results = run()
seconds = time.perf_counter() - t
verdicts = {}
for r in results:
    if r.rule.startswith("present"):
        continue
    if r.status not in ("passed", "failed"):
        sys.exit(f"{r.id}: {r.status}: {r.message}")
    name = r.id.removeprefix("data.test.").removeprefix("columns.")
    verdicts[name.replace("quantiles[0]", "quantiles")] = r.status == "passed"
print(json.dumps({"seconds": seconds, "verdicts": verdicts,
    "versions": f"mlgate {mlgate.__version__}, polars {pl.__version__}"}))
"""

# pandera: what differs between its backends, then the schema, the same for both
PANDERA_PANDAS = """
import pandas as pd, pandera.pandas as pa
frame = pd.read_parquet(sys.argv[1])
t = time.perf_counter()
TYPES = {"integer": "int64", "number": "float64", "string": "str", "datetime": "datetime64[us]"}
bound = lambda v: pd.Timestamp(v) if isinstance(v, str) else v
now = pd.Timestamp.now(tz="UTC").tz_localize(None)
nulls = lambda v: pa.Check(lambda s: s.isna().mean() <= v, ignore_na=False)
increasing = lambda v: pa.Check(lambda s: s.is_monotonic_increasing)
quantile = lambda v: pa.Check(lambda s: v[1] <= s.quantile(v[0]) <= v[2])
newest = lambda cutoff: pa.Check(lambda s: s.max() >= cutoff)
rows = lambda low, high: pa.Check(lambda d: low <= len(d) <= high)
pair = lambda a, b: pa.Check(lambda d: d[a] >= d[b])
versions = f"pandera {pandera.__version__}, pandas {pd.__version__}"
"""
PANDERA_POLARS = """
import polars as pl, pandera.polars as pa
frame = pl.read_parquet(sys.argv[1])
t = time.perf_counter()
TYPES = {"integer": pl.Int64, "number": pl.Float64, "string": pl.String,
    "datetime": pl.Datetime("us")}
bound = lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
agg = lambda f: pa.Check(lambda d: d.lazyframe.select(f(pl.col(d.key))))
nulls = lambda v: agg(lambda c: c.is_null().mean() <= v)
increasing = lambda v: agg(lambda c: (c.drop_nulls().diff() >= 0).all())
quantile = lambda v: agg(lambda c: c.quantile(v[0], "linear").is_between(v[1], v[2]))
newest = lambda cutoff: agg(lambda c: c.max() >= cutoff)
rows = lambda low, high: pa.Check(lambda d: d.lazyframe.select(pl.len().is_between(low, high)))
pair = lambda a, b: pa.Check(lambda d: d.lazyframe.select(pl.col(a) >= pl.col(b)))
versions = f"pandera {pandera.__version__}, polars {pl.__version__}"
"""
PANDERA = """
RULES = {
    "min": lambda v: pa.Check.ge(bound(v)),
    "max": lambda v: pa.Check.le(bound(v)),
    "values": lambda v: pa.Check.isin(v),
    "pattern": lambda v: pa.Check.str_contains(v),
    "min_length": lambda v: pa.Check.str_length(min_value=v),
    "max_length": lambda v: pa.Check.str_length(max_value=v),
    "max_null_fraction": nulls,
    "sorted": increasing,
    "quantiles": quantile,
}
table = given["table"]
fresh, age = table["freshness"]
named, built, columns = {}, ["duplicates"], {}
for name, rules in given["columns"].items():
    found = [(f"{name}.{r}", RULES[r](v)) for r, v in rules.items() if r in RULES]
    if name == fresh:
        found.append(("freshness", newest(now - dt.timedelta(seconds=age))))
    named |= {(name, i): n for i, (n, _) in enumerate(found)}
    built += [f"{name}.{r}" for r in rules if r not in RULES] + [n for n, _ in found]
    columns[name] = pa.Column(TYPES.get(rules.get("type")), [c for _, c in found],
        nullable=rules.get("nullable", True), unique=rules.get("unique", False))
found = [("rows", rows(*table["rows"]))]
found += [(f"expressions[{i}]", pair(a, b)) for i, (a, b) in enumerate(table["expressions"])]
named |= {(None, i): n for i, (n, _) in enumerate(found)}
built += [n for n, _ in found]
assert table["duplicates"] == 0  # pandera's unique rows: none may repeat
schema = pa.DataFrameSchema(columns, checks=[c for _, c in found], unique=list(frame.columns))
try:
    schema.validate(frame, lazy=True)
    cases = []
except pa.errors.SchemaErrors as exc:
    cases = exc.failure_cases
    if hasattr(cases, "to_pandas"):  # polars
        cases = cases.to_pandas()
    cases = cases[["schema_context", "column", "check", "check_number"]].drop_duplicates()
    cases = cases.astype(object).where(cases.notna(), None).itertuples(index=False)
seconds = time.perf_counter() - t
KINDS = {"not_nullable": "nullable", "field_uniqueness": "unique", "dtype": "type"}
failed = set()
for context, column, check, number in cases:
    if check == "multiple_fields_uniqueness":
        failed.add("duplicates")
    elif number is not None:
        failed.add(named[None if context == "DataFrameSchema" else column, int(number)])
    else:
        failed.add(f"{column}.{KINDS[check.split('(')[0]]}")
print(json.dumps({"seconds": seconds, "verdicts": {n: n not in failed for n in built},
    "versions": versions}))
"""

GX_RUN = """
import datetime as dt, json, sys, time
import pandas as pd, great_expectations as gx, great_expectations.expectations as gxe
Q = gxe.ExpectColumnQuantileValuesToBeBetween  # its success is a numpy bool, which storing
_validate = Q._validate  # the results cannot serialize (GE 1.24.1): made a bool
Q._validate = lambda self, *a, **k: {**(r := _validate(self, *a, **k)), "success": bool(r["success"])}
given = json.load(open(sys.argv[2]))
frame = pd.read_parquet(sys.argv[1])
t = time.perf_counter()
context = gx.get_context(mode="ephemeral")
batch = context.data_sources.add_pandas("bench").add_dataframe_asset("data")
batch = batch.add_batch_definition_whole_dataframe("all")
suite = context.suites.add(gx.ExpectationSuite(name="checks"))
TYPES = {"integer": "int64", "number": "float64", "string": "str", "datetime": "datetime64"}
bound = lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
RULES = {
    "type": lambda c, v: gxe.ExpectColumnValuesToBeOfType(column=c, type_=TYPES[v]),
    "nullable": lambda c, v: gxe.ExpectColumnValuesToNotBeNull(column=c),
    "min": lambda c, v: gxe.ExpectColumnValuesToBeBetween(column=c, min_value=bound(v)),
    "max": lambda c, v: gxe.ExpectColumnValuesToBeBetween(column=c, max_value=bound(v)),
    "values": lambda c, v: gxe.ExpectColumnValuesToBeInSet(column=c, value_set=v),
    "pattern": lambda c, v: gxe.ExpectColumnValuesToMatchRegex(column=c, regex=v),
    "unique": lambda c, v: gxe.ExpectColumnValuesToBeUnique(column=c),
    "min_length": lambda c, v: gxe.ExpectColumnValueLengthsToBeBetween(column=c, min_value=v),
    "max_length": lambda c, v: gxe.ExpectColumnValueLengthsToBeBetween(column=c, max_value=v),
    "max_null_fraction": lambda c, v: gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
        column=c, min_value=1 - v),
    "sorted": lambda c, v: gxe.ExpectColumnValuesToBeIncreasing(column=c),
    "quantiles": lambda c, v: gxe.ExpectColumnQuantileValuesToBeBetween(column=c,
        quantile_ranges={"quantiles": [v[0]], "value_ranges": [[v[1], v[2]]]},
        allow_relative_error="linear"),
}
table = given["table"]
fresh, age = table["freshness"]
cutoff = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=age)
found = [(f"{c}.{r}", RULES[r](c, v)) for c, rules in given["columns"].items()
    for r, v in rules.items()]
found.append(("rows", gxe.ExpectTableRowCountToBeBetween(min_value=table["rows"][0],
    max_value=table["rows"][1])))
assert table["duplicates"] == 0  # compound uniqueness: no row may repeat
found.append(("duplicates", gxe.ExpectCompoundColumnsToBeUnique(column_list=list(frame.columns))))
found += [(f"expressions[{i}]", gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a,
    column_B=b, or_equal=True)) for i, (a, b) in enumerate(table["expressions"])]
found.append(("freshness", gxe.ExpectColumnMaxToBeBetween(column=fresh, min_value=cutoff)))
for name, expectation in found:
    expectation.meta = {"name": name}
    suite.add_expectation(expectation)
run = context.validation_definitions.add(gx.ValidationDefinition(name="run", data=batch,
    suite=suite)).run(batch_parameters={"dataframe": frame})
seconds = time.perf_counter() - t
for r in run.results:
    if r.exception_info.get("raised_exception"):
        sys.exit(f"{r.expectation_config.meta}: {r.exception_info}")
print(json.dumps({"seconds": seconds, "verdicts": {r.expectation_config.meta["name"]: r.success
    for r in run.results}, "versions": f"great_expectations {gx.__version__}, pandas "
    f"{pd.__version__}"}))
"""

POLARS = """
import datetime as dt, json, sys, time
import polars as pl
given = json.load(open(sys.argv[2]))
frame = pl.read_parquet(sys.argv[1])
t = time.perf_counter()
TYPES = {"integer": pl.Int64, "number": pl.Float64, "string": pl.String,
    "datetime": pl.Datetime("us")}
bound = lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
RULES = {
    "nullable": lambda c, v: c.null_count() == 0,
    "min": lambda c, v: c.min() >= bound(v),
    "max": lambda c, v: c.max() <= bound(v),
    "values": lambda c, v: c.is_in(v).all(),
    "pattern": lambda c, v: c.str.contains(v).all(),
    "unique": lambda c, v: c.drop_nulls().n_unique() == c.count(),
    "min_length": lambda c, v: c.str.len_chars().min() >= v,
    "max_length": lambda c, v: c.str.len_chars().max() <= v,
    "max_null_fraction": lambda c, v: c.null_count() / pl.len() <= v,
    "sorted": lambda c, v: (c.drop_nulls().diff() >= 0).all(),
    "quantiles": lambda c, v: c.quantile(v[0], "linear").is_between(v[1], v[2]),
}
table = given["table"]
fresh, age = table["freshness"]
now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
verdicts, exprs = {}, {}
for c, rules in given["columns"].items():
    for r, v in rules.items():
        if r == "type":
            verdicts[f"{c}.type"] = frame.schema[c] == TYPES[v]
        else:
            exprs[f"{c}.{r}"] = RULES[r](pl.col(c), v)
exprs["rows"] = pl.len().is_between(*table["rows"])
exprs["duplicates"] = pl.struct(pl.all()).hash().n_unique() == pl.len()  # else compare rows
for i, (a, b) in enumerate(table["expressions"]):
    exprs[f"expressions[{i}]"] = (pl.col(a) >= pl.col(b)).all()
exprs["freshness"] = pl.col(fresh).max() >= now - dt.timedelta(seconds=age)
verdicts |= frame.lazy().select(**exprs).collect().row(0, named=True)
if not verdicts["duplicates"]:
    verdicts["duplicates"] = 1 - frame.n_unique() / frame.height <= table["duplicates"]
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "verdicts": verdicts, "versions": f"polars {pl.__version__}"}))
"""
HEAD = (
    "import datetime as dt, json, sys, time\nimport pandera\ngiven = json.load(open(sys.argv[2]))\n"
)


def run_tool(python: str, script: str, args: list[str]) -> dict[str, object]:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [python, "-c", script, *args], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"{python}: {done.stderr[-3000:]}")
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gx-runs", type=int, default=1, help="Great Expectations is slow")
    parser.add_argument("--no-gx", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile mlgate's part alone")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    WORK.mkdir(parents=True, exist_ok=True)
    data, spec = WORK / f"data-{args.rows}.parquet", WORK / "checks.json"
    if not data.exists():
        generate(args.rows, data)
    columns = {c: {k: v for k, v in rules.items()} for c, rules in CHECKS.items()}
    spec.write_text(json.dumps({"columns": columns, "table": TABLE}))
    if args.profile:
        subprocess.run([sys.executable, "-c", MLGATE, str(data), str(spec), "profile"], check=True)
        return
    pandera = str(_env.venv("pandera", *PANDERA_PIP) / "python")
    tools = {
        "mlgate": (sys.executable, MLGATE),
        "pandera (pandas)": (pandera, HEAD + PANDERA_PANDAS + PANDERA),
        "pandera (polars)": (pandera, HEAD + PANDERA_POLARS + PANDERA),
        "polars by hand (lazy)": (sys.executable, POLARS),
    }
    if not args.no_gx:
        tools["Great Expectations"] = (
            str(_env.venv("great_expectations", *GX_PIP) / "python"),
            GX_RUN,
        )
    found: dict[str, list[dict[str, object]]] = {name: [] for name in tools}
    for i in range(args.runs):
        for name, (python, script) in tools.items():
            if name == "Great Expectations" and i >= args.gx_runs:
                continue
            found[name].append(run_tool(python, script, [str(data), str(spec)]))
            print(f"run {i + 1}: {name}: {found[name][-1]['seconds']:.2f} s", flush=True)
    expected = names()
    verdicts = {name: runs[0]["verdicts"] for name, runs in found.items()}
    for name, got in verdicts.items():
        assert isinstance(got, dict)
        failed = sorted(n for n, ok in got.items() if not ok)
        if sorted(got) != sorted(expected) or failed != sorted(FAILING):
            missing, extra = set(expected) - set(got), set(got) - set(expected)
            raise SystemExit(
                f"{name} disagrees: failed {failed}, expected {sorted(FAILING)}; "
                f"checks missing {sorted(missing)}, extra {sorted(extra)}"
            )
    mine = statistics.median(float(r["seconds"]) for r in found["mlgate"])  # type: ignore[arg-type]
    medians = {n: statistics.median(float(r["seconds"]) for r in runs) for n, runs in found.items()}  # type: ignore[arg-type]
    print(f"\n{args.rows:,} rows x 20 columns, {len(expected)} checks")
    print("| tool | checks | failed checks | runs | median s | time / mlgate's |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, runs in found.items():
        got = verdicts[name]
        assert isinstance(got, dict)
        failed = sum(not ok for ok in got.values())
        print(
            f"| {name} | {len(got)} | {failed} | {len(runs)} | {medians[name]:.2f} "
            f"| {medians[name] / mine:.2f} |"
        )
    print(f"\nfailed in every tool: {', '.join(sorted(FAILING))}")
    for name, runs in found.items():
        print(f"{name}: {runs[0]['versions']}")
    bars = [
        ("pandera (polars) / mlgate >= 2", medians["pandera (polars)"] / mine >= 2),
        ("pandera (pandas) / mlgate >= 10", medians["pandera (pandas)"] / mine >= 10),
        ("mlgate / polars by hand <= 1.2", mine / medians["polars by hand (lazy)"] <= 1.2),
    ]
    for bar, holds in bars:
        print(f"bar {bar}: {'holds' if holds else 'MISSED'}")


if __name__ == "__main__":
    main()
