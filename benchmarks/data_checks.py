"""The same 55 data checks on 1,000,000 rows x 20 columns: mlgate beside pandera (pandas and
polars backends), Great Expectations and the checks hand-written in polars (lazy).

    python benchmarks/data_checks.py [--rows 1000000] [--runs 3] [--gx-runs 1] [--no-gx]
    python benchmarks/data_checks.py --profile    # mlgate's part under cProfile

Bars (issue 14): mlgate at least 2x faster than pandera on polars, at least 10x faster
than pandera on pandas, within 1.2x of the hand-written polars floor.

The data, generated with a fixed seed and written once to Parquet: 12 numeric columns (an
increasing id, integers, floats; three with 1% to 8% nulls) and 8 others (categories,
codes, e-mail addresses, a timestamp). The checks are one list (CHECKS, TABLE) that each
tool translates into its own terms, with its built-in rule where it has one: not null,
min, max, allowed values, a regex (searched, anchored), unique, text lengths, the share of
nulls, increasing order, a quantile (linear interpolation), the dtype; on the table: the
row count, no duplicate rows, a cross-column expression (hi >= lo), the newest timestamp's
age. Eight fail on purpose (planted rows, a share of nulls, a quantile): every tool must
return the same verdict on each check, or the benchmark stops.

Each tool runs in its own process (pandera and Great Expectations in their own virtual
environments), reads the file (polars or pandas) and is timed from after the read to its
verdicts, building its schema or suite included; wall time, and the process's CPU time over
the same span (all threads: polars uses both cores, pandas one). The tools take turns in
each run, so a busy machine slows them alike.

- mlgate: a `Data` spec, `mlgate.data.checks.run_checks` on the polars frame.
- pandera: `DataFrameSchema.validate(lazy=True)`: built-in checks, a custom check where
  pandera has none (null share, order, quantile, row count, expression, freshness).
- Great Expectations 1.x: an ephemeral context, a pandas dataframe asset, a suite of core
  expectations, `ValidationDefinition.run` with the default result format (SUMMARY); the
  quantile expectation's numpy-bool `success` is made a bool, which 1.24.1 cannot store.
- polars by hand: one `select` over `frame.lazy()`, an aggregate per check (the dtype from
  the schema); duplicate rows by the row hashes, rows compared only if hashes repeat.

mlgate's presence checks (one per declared column) are not counted: the others check
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
    "freshness": ["signup", 3650 * DAY],  # the newest at most ten years old
}
FAILING = sorted(  # planted by generate()
    "age.min score.max discount.max_null_fraction tenure.quantiles channel.values "  # noqa: SIM905
    "email.pattern signup.min expressions[0]".split()
)


def names() -> list[str]:
    """The checks' names: mlgate's check ids without data.test.columns."""
    found = [f"{col}.{rule}" for col, rules in CHECKS.items() for rule in rules]
    return [*found, "rows", "duplicates", "expressions[0]", "freshness"]


def generate(rows: int, path: Path, *, seed: int = 14) -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)

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
# each sets `verdicts` ({check: passed}), `seconds` (wall, CPU of all threads) and `versions`
COMMON = """
import datetime as dt, json, sys, time
given = json.load(open(sys.argv[2]))
table = given["table"]
fresh, age = table["freshness"]
now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
bound = lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
clock = lambda: (time.perf_counter(), time.process_time())
"""
PRINT = """
print(json.dumps({"seconds": seconds, "verdicts": verdicts, "versions": versions}))
"""
MLGATE = """
import polars as pl, mlgate
from mlgate.data import checks
from mlgate.manifest.spec import Column, Data, Freshness, Quantile
frame = pl.read_parquet(sys.argv[1])

def run():
    columns = []
    for name, rules in given["columns"].items():
        rules = {k: tuple(v) if k == "values" else v for k, v in rules.items()}
        if "quantiles" in rules:
            q, low, high = rules["quantiles"]
            rules["quantiles"] = (Quantile(q=q, min=low, max=high),)
        columns.append(Column(name=name, **rules))
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
t = clock()
results = run()
seconds = [end - start for start, end in zip(t, clock())]  # wall, CPU
verdicts = {}
for r in results:
    if r.rule.startswith("present"):
        continue
    if r.status not in ("passed", "failed"):
        sys.exit(f"{r.id}: {r.status}: {r.message}")
    name = r.id.removeprefix("data.test.").removeprefix("columns.")
    verdicts[name.replace("quantiles[0]", "quantiles")] = r.status == "passed"
versions = f"mlgate {mlgate.__version__}, polars {pl.__version__}"
"""

# pandera: what differs between its backends, then the schema, the same for both
PANDERA_PANDAS = """
import pandas as pd, pandera, pandera.pandas as pa
frame = pd.read_parquet(sys.argv[1])
t = clock()
TYPES = {"integer": "int64", "number": "float64", "string": "str", "datetime": "datetime64[us]"}
nulls = lambda v: pa.Check(lambda s: s.isna().mean() <= v, ignore_na=False)  # else none seen
increasing = lambda v: pa.Check(lambda s: s.is_monotonic_increasing)
quantile = lambda v: pa.Check(lambda s: v[1] <= s.quantile(v[0]) <= v[2])
newest = lambda cutoff: pa.Check(lambda s: s.max() >= cutoff)
rows = lambda low, high: pa.Check(lambda d: low <= len(d) <= high)
pair = lambda a, b: pa.Check(lambda d: d[a] >= d[b])
versions = f"pandera {pandera.__version__}, pandas {pd.__version__}"
"""
PANDERA_POLARS = """
import polars as pl, pandera, pandera.polars as pa
frame = pl.read_parquet(sys.argv[1])
t = clock()
TYPES = {"integer": pl.Int64, "number": pl.Float64, "string": pl.String,
    "datetime": pl.Datetime("us")}
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
RULES = {"min": lambda v: pa.Check.ge(bound(v)), "max": lambda v: pa.Check.le(bound(v)),
    "values": pa.Check.isin, "pattern": pa.Check.str_contains,
    "min_length": lambda v: pa.Check.str_length(min_value=v),
    "max_length": lambda v: pa.Check.str_length(max_value=v),
    "max_null_fraction": nulls, "sorted": increasing, "quantiles": quantile}
named, built, columns = {}, ["duplicates"], {}  # named: (column, check number) -> check
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
    cases = cases.to_pandas() if hasattr(cases, "to_pandas") else cases  # polars
    cases = cases[["schema_context", "column", "check", "check_number"]].drop_duplicates()
    cases = cases.astype(object).where(cases.notna(), None).itertuples(index=False)
seconds = [end - start for start, end in zip(t, clock())]  # wall, CPU
KINDS = {"not_nullable": "nullable", "field_uniqueness": "unique", "dtype": "type"}
failed = set()
for context, column, check, number in cases:
    if check == "multiple_fields_uniqueness":
        failed.add("duplicates")
    elif number is not None:
        failed.add(named[None if context == "DataFrameSchema" else column, int(number)])
    else:
        failed.add(f"{column}.{KINDS[check.split('(')[0]]}")
verdicts = {n: n not in failed for n in built}
"""

GX_RUN = """
import pandas as pd, great_expectations as gx, great_expectations.expectations as gxe
Q = gxe.ExpectColumnQuantileValuesToBeBetween  # its success is a numpy bool, which storing
_validate = Q._validate  # the result cannot serialize (GE 1.24.1): made a bool
Q._validate = lambda *a, **k: {**(r := _validate(*a, **k)), "success": bool(r["success"])}
frame = pd.read_parquet(sys.argv[1])
t = clock()
context = gx.get_context(mode="ephemeral")
batch = context.data_sources.add_pandas("bench").add_dataframe_asset("data")
batch = batch.add_batch_definition_whole_dataframe("all")
suite = context.suites.add(gx.ExpectationSuite(name="checks"))
TYPES = {"integer": "int64", "number": "float64", "string": "str", "datetime": "datetime64"}
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
        allow_relative_error="linear"),  # on pandas: the interpolation
}
found = [(f"{c}.{r}", RULES[r](c, v)) for c, rules in given["columns"].items()
    for r, v in rules.items()]
found.append(("rows", gxe.ExpectTableRowCountToBeBetween(min_value=table["rows"][0],
    max_value=table["rows"][1])))
assert table["duplicates"] == 0  # compound uniqueness: no row may repeat
found.append(("duplicates", gxe.ExpectCompoundColumnsToBeUnique(column_list=list(frame.columns))))
found += [(f"expressions[{i}]", gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a,
    column_B=b, or_equal=True)) for i, (a, b) in enumerate(table["expressions"])]
found.append(("freshness", gxe.ExpectColumnMaxToBeBetween(column=fresh,
    min_value=now - dt.timedelta(seconds=age))))
for name, expectation in found:
    expectation.meta = {"name": name}
    suite.add_expectation(expectation)
run = context.validation_definitions.add(gx.ValidationDefinition(name="run", data=batch,
    suite=suite)).run(batch_parameters={"dataframe": frame})
seconds = [end - start for start, end in zip(t, clock())]  # wall, CPU
for r in run.results:
    if r.exception_info.get("raised_exception"):
        sys.exit(f"{r.expectation_config.meta}: {r.exception_info}")
verdicts = {r.expectation_config.meta["name"]: r.success for r in run.results}
versions = f"great_expectations {gx.__version__}, pandas {pd.__version__}"
"""

POLARS = """
import polars as pl
frame = pl.read_parquet(sys.argv[1])
t = clock()
TYPES = {"integer": pl.Int64, "number": pl.Float64, "string": pl.String,
    "datetime": pl.Datetime("us")}
RULES = {"nullable": lambda c, v: c.null_count() == 0,
    "min": lambda c, v: c.min() >= bound(v), "max": lambda c, v: c.max() <= bound(v),
    "values": lambda c, v: c.is_in(v).all(), "pattern": lambda c, v: c.str.contains(v).all(),
    "unique": lambda c, v: c.drop_nulls().n_unique() == c.count(),
    "min_length": lambda c, v: c.str.len_chars().min() >= v,
    "max_length": lambda c, v: c.str.len_chars().max() <= v,
    "max_null_fraction": lambda c, v: c.null_count() / pl.len() <= v,
    "sorted": lambda c, v: (c.drop_nulls().diff() >= 0).all(),
    "quantiles": lambda c, v: c.quantile(v[0], "linear").is_between(v[1], v[2])}
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
seconds = [end - start for start, end in zip(t, clock())]  # wall, CPU
versions = f"polars {pl.__version__}"
"""


def run_tool(python: str, script: str, args: list[str]) -> dict[str, object]:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}  # GX: no usage statistics sent
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
    spec.write_text(json.dumps({"columns": CHECKS, "table": TABLE}))
    files = [str(data), str(spec)]
    if args.profile:
        subprocess.run([sys.executable, "-c", COMMON + MLGATE, *files, "profile"], check=True)
        return
    pandera = str(_env.venv("pandera", *PANDERA_PIP) / "python")
    tools = {
        "mlgate": (sys.executable, MLGATE),
        "pandera (pandas)": (pandera, PANDERA_PANDAS + PANDERA),
        "pandera (polars)": (pandera, PANDERA_POLARS + PANDERA),
        "polars by hand (lazy)": (sys.executable, POLARS),
    }
    if not args.no_gx:
        gx = _env.venv("great_expectations", *GX_PIP)
        tools["Great Expectations"] = (str(gx / "python"), GX_RUN)
    found: dict[str, list[dict[str, object]]] = {name: [] for name in tools}
    for i in range(args.runs):
        for name, (python, script) in tools.items():
            if name != "Great Expectations" or i < args.gx_runs:
                found[name].append(run_tool(python, COMMON + script + PRINT, files))
                wall, cpu = found[name][-1]["seconds"]  # type: ignore[misc]
                print(f"run {i + 1}: {name}: {wall:.2f} s, CPU {cpu:.2f} s", flush=True)
    expected = {n: n not in FAILING for n in names()}
    for name, runs in found.items():
        for run in runs:
            if run["verdicts"] != expected:
                got: dict[str, bool] = run["verdicts"]  # type: ignore[assignment]
                differ = sorted(set(got) ^ set(expected))
                differ += [n for n in expected if n in got and got[n] != expected[n]]
                raise SystemExit(f"{name} disagrees on: {', '.join(differ)}")
    medians, cpus = {}, {}
    for name, runs in found.items():
        medians[name] = statistics.median(r["seconds"][0] for r in runs)  # type: ignore[index]
        cpus[name] = statistics.median(r["seconds"][1] for r in runs)  # type: ignore[index]
    mine = medians["mlgate"]
    print(f"\n{args.rows:,} rows x 20 columns; every tool ran the same {len(expected)} checks")
    print("| tool | checks | failed checks | runs | median s | time / mlgate's | median CPU s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, runs in found.items():
        got = runs[0]["verdicts"]
        assert isinstance(got, dict)
        row = [name, len(got), sum(not ok for ok in got.values()), len(runs), medians[name]]
        print(
            "| {} | {} | {} | {} | {:.2f} | {:.2f} | {:.2f} |".format(
                *row, medians[name] / mine, cpus[name]
            )
        )
    print(f"\nfailed, in every tool: {', '.join(FAILING)}")
    print("; ".join(str(runs[0]["versions"]) for runs in found.values()))
    bars = [
        ("pandera on polars takes >= 2x mlgate's time", medians["pandera (polars)"] / mine >= 2),
        ("pandera on pandas takes >= 10x", medians["pandera (pandas)"] / mine >= 10),
        ("mlgate within 1.2x of polars by hand", mine / medians["polars by hand (lazy)"] <= 1.2),
    ]
    for bar, holds in bars:
        print(f"bar: {bar}: {'holds' if holds else 'MISSED'}")


if __name__ == "__main__":
    main()
