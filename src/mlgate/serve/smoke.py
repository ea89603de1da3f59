"""`mlgate smoke URL`: sample rows of the test data, one request each, to a running
server; every answer must be a prediction, and the latency is measured."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from mlgate.manifest.model import Manifest


@dataclass(frozen=True, kw_only=True)
class SmokeResult:
    requests: int
    failures: tuple[str, ...]
    p50_ms: float
    p95_ms: float
    version: str | None

    @property
    def passed(self) -> bool:
        return not self.failures


def run(manifest: Manifest, url: str, *, rows: int = 20, timeout_s: float = 10.0) -> SmokeResult:
    import httpx
    import pandas as pd

    from mlgate.data import load

    path = manifest.resolve(manifest.data.test)
    frame = load.read_pandas(path, load.detect_format(path, manifest.data.format))
    dropped = [c for c in (manifest.data.target, manifest.data.id) if c in frame.columns]
    sample = frame.drop(columns=dropped).head(rows)
    base = url.rstrip("/")
    failures, took = [], []
    with httpx.Client(timeout=timeout_s) as client:
        meta = client.get(f"{base}/metadata").json()
        wanted = list(meta.get("inputs", {})) or list(sample.columns)
        for i, record in enumerate(sample[wanted].to_dict(orient="records")):
            clean = {k: (None if pd.isna(v) else v) for k, v in record.items()}
            start = time.perf_counter()
            answer = client.post(f"{base}/predict", json={"records": [clean]})
            took.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200:
                failures.append(f"row {i}: HTTP {answer.status_code}: {answer.text[:200]}")
            elif len(answer.json().get("predictions", [])) != 1:
                failures.append(f"row {i}: not one prediction: {answer.text[:200]}")
    return SmokeResult(requests=len(took), failures=tuple(failures),
                       p50_ms=round(statistics.median(took), 2),
                       p95_ms=round(statistics.quantiles(took, n=20)[-1] if len(took) > 1
                                    else took[0], 2),
                       version=meta.get("version"))
