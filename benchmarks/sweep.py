"""A sweep run here in parallel against the same configurations one after another, and
the sweep's own overhead.

    python benchmarks/sweep.py [--configurations 16] [--trivial 8] [--runs 2] [--ray]
    python benchmarks/sweep.py --in-process-only --runs 1   # the sweep beside a loop alone

Bars (issue 17): 16 configurations on 2 cores in at most 0.6x the time of running them
one after another; the sweep's overhead under 0.5 s for 8 trivial configurations.

The project is scikit-learn's breast-cancer data (455 training rows, 114 test rows) with
a logistic regression whose C the grid varies. "One after another" is `mlgate sweep
--workers 1` (the same copies and runs, one at a time) and, beside it, what a user would
do by hand: `mlgate run` once per configuration, the params file edited between runs.
Overhead is the sweep's wall time less the configurations' own run times (each run's
`duration_s`) spread over the workers: copying each project, starting its worker
process, and ranking. A trivial configuration trains a model that predicts the majority
class (`DummyClassifier`), so its run is mostly mlgate's own work. Beside it, the floor
any mlgate command that runs a model pays once: Python starting and importing what a run
needs (`python -c "import mlgate.cli.main, mlgate.pipeline, pandas, ..."`), timed in the
same run; what is left is the sweep's own work (copies, forks, ranking, gating).

Beside the sweep, what a user used to an in-process search would write: the same
configurations fitted on the same training rows and scored (accuracy) on the same test
rows in one Python process, a plain loop and, when Optuna is installed, an Optuna study
whose objective fits in-process (a `GridSampler` over the same values, so the same 16
fits). Each is timed as a command (`python -c ...`: the interpreter starting and its
imports included, as `mlgate sweep` is timed), with the loop's own time beside it. The
sweep does more for each configuration (a process and a copy of the project of its own,
the training command's own interpreter, data checks, the run's evaluation and report)
and then gates its winner on the held-out rows; the ratio is what that costs.

`--ray` also starts a Ray head on 127.0.0.1 (timed, with the resident memory of its
processes), runs the 16 configurations on it (`mlgate sweep --ray ADDRESS`) beside the
local pool, and stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAIN = """\
import os, joblib, pandas as pd, yaml
from sklearn.linear_model import LogisticRegression
params = yaml.safe_load(open(os.environ["MLGATE_PARAMS"]))
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = LogisticRegression(C=params["train"]["C"], max_iter=2000)
model.fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""
TRIVIAL = """\
import os, joblib, pandas as pd
from sklearn.dummy import DummyClassifier
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = DummyClassifier().fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""
MANIFEST = """\
name: cancer
data: {{train: data/train.csv, test: data/test.csv, target: target}}
train: {{command: python train.py}}
evaluate: {{metrics: [accuracy]}}
sweep:
  grid: {{train.C: {values}}}
"""


def project(folder: Path, count: int, train: str) -> Path:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    test = frame.index % 5 == 0
    (folder / "data").mkdir(parents=True)
    frame[~test].to_csv(folder / "data" / "train.csv", index=False)
    frame[test].to_csv(folder / "data" / "test.csv", index=False)
    values = [round(0.001 * 2**i, 6) for i in range(count)]
    (folder / "mlops.yaml").write_text(MANIFEST.format(values=json.dumps(values)))
    (folder / "params.yaml").write_text("train:\n  C: 1.0\n")
    (folder / "train.py").write_text(train)
    return folder


def mlgate(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mlgate", "-C", str(root), *args],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def by_hand(root: Path, count: int) -> float:
    """`mlgate run` once per configuration, the params file edited between runs."""
    started = time.perf_counter()
    for i in range(count):
        (root / "params.yaml").write_text(f"train:\n  C: {round(0.001 * 2**i, 6)}\n")
        subprocess.run(
            [sys.executable, "-m", "mlgate", "-C", str(root), "run", "--json"],
            capture_output=True,
        )
    return time.perf_counter() - started


def fresh(root: Path) -> None:
    """No run kept from before: every configuration runs."""
    import shutil

    shutil.rmtree(root / ".mlgate", ignore_errors=True)


def swept(root: Path, workers: int) -> tuple[float, float]:
    """The sweep's wall time, and its configurations' own run times summed."""
    fresh(root)
    wall = mlgate(root, "sweep", "--workers", str(workers), "--json")
    runs = sum(
        json.loads(p.read_text())["duration_s"]
        for p in (root / ".mlgate" / "sweeps").glob("*/.mlgate/runs/*/run.json")
    )
    return wall, runs


def training_commands(root: Path) -> float:
    """The median of the last sweep's configurations' training times (each run's
    `train.duration_s`): the command's interpreter starting, its imports, its fit."""
    return statistics.median(
        json.loads(p.read_text())["train"]["duration_s"]
        for p in (root / ".mlgate" / "sweeps").glob("*/.mlgate/runs/*/run.json")
    )


FLOOR = (
    "import mlgate.cli.main, mlgate.pipeline, joblib, pandas, sklearn.metrics, polars, "
    "scipy.stats, scipy.spatial.distance"
)


def floor() -> float:
    """Python started and a run's imports loaded: what one `mlgate run` pays before work."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR], check=True)
    return time.perf_counter() - started


IN_PROCESS = """\
import json, sys, time
started = time.perf_counter()
import pandas as pd, yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
root, values, how = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
train = pd.read_csv(f"{root}/data/train.csv")
test = pd.read_csv(f"{root}/data/test.csv")
X, y = train.drop(columns=["target"]), train["target"]
X_test, y_test = test.drop(columns=["target"]), test["target"]

def score(c):
    model = LogisticRegression(C=c, max_iter=2000).fit(X, y)
    return accuracy_score(y_test, model.predict(X_test))

imported = time.perf_counter()
if how == "loop":
    figures = [score(c) for c in values]
else:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.GridSampler({"C": values})
    )
    imported = time.perf_counter()
    study.optimize(lambda t: score(t.suggest_categorical("C", values)), n_trials=len(values))
    figures = [t.value for t in study.trials]
print(json.dumps({"fits": len(figures), "loop_s": time.perf_counter() - imported}))
"""


def in_process(root: Path, count: int, how: str) -> tuple[float, float]:
    """The same configurations fitted and scored in one Python process (`how`: a plain
    loop, or an Optuna study): its wall time as a command, and the loop's own time."""
    values = [round(0.001 * 2**i, 6) for i in range(count)]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, str(root), json.dumps(values), how],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    said = json.loads(done.stdout)
    assert said["fits"] == count, said
    return wall, float(said["loop_s"])


def optuna_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("optuna") is not None


# Ray otherwise replaces 127.0.0.1 by the machine's first address
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


class RayHead:
    """A Ray head on 127.0.0.1 (every process on loopback), in a process group of its own."""

    def __enter__(self) -> RayHead:
        import shutil
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.scratch = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
        self.address = f"127.0.0.1:{self.port}"
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                shutil.which("ray") or str(Path(sys.executable).with_name("ray")),
                "start",
                "--head",
                "--block",
                "--node-ip-address=127.0.0.1",
                f"--port={self.port}",
                f"--num-cpus={os.cpu_count()}",
                "--include-dashboard=false",
                "--disable-usage-stats",
                f"--temp-dir={self.scratch}",
            ],
            env={**os.environ, **LOOPBACK},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.environ.update(LOOPBACK)  # read when Ray is imported
        import ray

        while True:  # started: a driver can connect and run a task
            try:
                ray.init(address=self.address, logging_level="ERROR", log_to_driver=False)
                ray.get(ray.remote(lambda: 1).remote())
                ray.shutdown()
                break
            except (ConnectionError, RuntimeError):
                time.sleep(0.2)
        self.start_s = time.perf_counter() - started
        self.memory_mib = self._resident() / 2**20
        return self

    def _resident(self) -> int:
        """The resident memory of every process in the head's group."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.process.pid:  # its process group
                    total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                continue
        return total

    def __exit__(self, *exc: object) -> None:
        import shutil
        import signal

        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configurations", type=int, default=16)
    parser.add_argument("--trivial", type=int, default=8)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--ray", action="store_true", help="and on a Ray head started here")
    parser.add_argument("--ray-only", action="store_true", help="only the pool beside Ray")
    parser.add_argument(
        "--in-process-only",
        action="store_true",
        help="only the sweep beside the same fits in one process",
    )
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, Python {sys.version.split()[0]}")
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        real = project(Path(folder) / "real", args.configurations, TRAIN)
        hand = project(Path(folder) / "hand", args.configurations, TRAIN)
        trivial = project(Path(folder) / "trivial", args.trivial, TRIVIAL)
        parallel, sequential, manual, overheads, floors = [], [], [], [], []
        hows = ["loop", *(["optuna"] if optuna_installed() else [])]
        inline: dict[str, list[tuple[float, float]]] = {how: [] for how in hows}
        only_inline = args.in_process_only
        trainings = []
        for _ in range(0 if args.ray_only else args.runs):
            parallel.append(swept(real, 2)[0])
            trainings.append(training_commands(real))
            for how in hows:  # interleaved with the sweep, so both see the same machine
                inline[how].append(in_process(real, args.configurations, how))
            if only_inline:
                continue
            sequential.append(swept(real, 1)[0])
            manual.append(by_hand(hand, args.configurations))
            wall, runs = swept(trivial, 2)
            overheads.append(wall - runs / 2)
            floors.append(floor())
        if parallel:
            p = statistics.median(parallel)
            print(f"{args.configurations} configurations, median of {args.runs} runs:")
            print(f"  mlgate sweep --workers 2    {p:7.2f} s")
            print(
                f"    each configuration's `python train.py` {statistics.median(trainings):.2f} s "
                "(its interpreter, its imports, its fit)"
            )
            for how, timed in inline.items():
                wall = statistics.median(w for w, _ in timed)
                loop = statistics.median(t for _, t in timed)
                name = "a plain loop" if how == "loop" else "an Optuna study"
                print(
                    f"  in one process, {name:15} {wall:7.2f} s   sweep/in-process "
                    f"{p / wall:.2f}x   (its fits alone {loop:.2f} s)"
                )
        if parallel and not only_inline:
            s, m = (statistics.median(x) for x in (sequential, manual))
            print(f"  mlgate sweep --workers 1    {s:7.2f} s   parallel/sequential {p / s:.2f}x")
            print(f"  mlgate run, one by one      {m:7.2f} s   parallel/by hand {p / m:.2f}x")
            each = ", ".join(f"{o:.2f}" for o in overheads)
            o, f = statistics.median(overheads), statistics.median(floors)
            print(
                f"{args.trivial} trivial configurations, 2 workers: overhead {o:.2f} s (each run: "
                f"{each}); Python and a run's imports {f:.2f} s; the sweep's own work {o - f:.2f} s"
            )
        if args.ray or args.ray_only:
            with RayHead() as head:
                print(
                    f"Ray head on 127.0.0.1: started in {head.start_s:.2f} s, "
                    f"{head.memory_mib:.0f} MiB resident"
                )
                pool, on_ray = [], []
                for _ in range(args.runs):  # interleaved, so both see the same machine
                    pool.append(swept(real, 2)[0])
                    fresh(real)
                    on_ray.append(mlgate(real, "sweep", "--ray", head.address, "--json"))
                p, r = statistics.median(pool), statistics.median(on_ray)
                print(f"  mlgate sweep --workers 2    {p:7.2f} s")
                print(f"  mlgate sweep --ray          {r:7.2f} s   ray/local pool {r / p:.2f}x")


if __name__ == "__main__":
    main()
