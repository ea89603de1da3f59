"""Single-row /predict latency under load: `mlgate serve` beside `mlflow models serve` on
the same model (the example's), both on 127.0.0.1, each loaded by wrk in turn.

    python benchmarks/serve_latency.py [--seconds 10] [--connections 50] [--workers N]

Bar (issue 6): p95 under 10 ms at 50 concurrent connections. wrk is closed-loop: each
connection sends its next request when the last is answered, so at 50 connections the
latency is about 50 / throughput. Needs Debian's wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

from _env import ROOT, WORK, mlgate_bin, others_bin

LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[%s]]
done = function(summary, latency, requests)
  io.write(string.format("p50 %%.3f p95 %%.3f p99 %%.3f rps %%.1f errors %%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout_s: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def load(url: str, body: str, seconds: int, connections: int) -> str:
    script = WORK / "serve-bench.lua"
    script.write_text(LUA % body)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--workers",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="server processes, the same for both (default: one per core)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    project = WORK / "serve-project"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(
        ROOT / "templates/projects/breast-cancer",
        project,
        ignore=shutil.ignore_patterns(".mlgate", "data", "models"),
    )
    mlgate, others = mlgate_bin(), others_bin()
    subprocess.run(
        [str(mlgate / "mlgate"), "run"],
        cwd=project,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run([str(mlgate / "pip"), "install", "-q", f"{ROOT}[serve]"], check=True)
    row = subprocess.run(
        [
            str(mlgate / "python"),
            "-c",
            "import pandas as pd, json; f = pd.read_csv("
            "'data/test.csv').drop(columns=['diagnosis']); print(json.dumps(f.iloc[0].to_dict()))",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    mlflow_model = WORK / "serve-mlflow-model"
    shutil.rmtree(mlflow_model, ignore_errors=True)
    subprocess.run(
        [
            str(others / "python"),
            "-c",
            "import joblib, mlflow.sklearn, sys; mlflow.sklearn.save_model("
            "joblib.load(sys.argv[1]), sys.argv[2])",
            str(project / "models/model.joblib"),
            str(mlflow_model),
        ],
        check=True,
    )
    results = {}
    for name in ("mlgate", "mlflow"):
        port = free_port()
        if name == "mlgate":
            argv = [
                str(mlgate / "mlgate"),
                "serve",
                "models/model.joblib",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ]
            body, path = json.dumps({"records": [json.loads(row)]}), "/predict"
        else:
            argv = [
                str(others / "mlflow"),
                "models",
                "serve",
                "-m",
                str(mlflow_model),
                "--env-manager",
                "local",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-w",
                str(args.workers),
            ]
            body = json.dumps({"dataframe_records": [json.loads(row)]})
            path = "/invocations"
        server = subprocess.Popen(
            argv,
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # mlflow starts `uvicorn` by name, from PATH
            env={
                **os.environ,
                "PATH": f"{others}:{os.environ['PATH']}",
                "MLFLOW_TRACKING_URI": str(WORK / "mlruns"),
            },
        )
        try:
            wait_up(
                f"http://127.0.0.1:{port}/health"
                if name == "mlgate"
                else f"http://127.0.0.1:{port}/ping"
            )
            load(f"http://127.0.0.1:{port}{path}", body, 2, args.connections)  # warm up
            results[name] = load(
                f"http://127.0.0.1:{port}{path}", body, args.seconds, args.connections
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        print(f"{name:<7} {results[name]}")
    ours, theirs = (
        float(re.search(r"p95 ([\d.]+)", results[n]).group(1)) for n in ("mlgate", "mlflow")
    )
    print(f"p95 mlgate / mlflow: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
