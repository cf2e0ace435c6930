"""Ingest 1,000,000 order lines resampled from UCI Online Retail, against DuckDB's read_csv alone.

Both run in fresh subprocesses (so each reports its own peak memory) on the same file in the same
run, alternated five times (medians reported); the ratio is what to compare across machines.
"DuckDB alone" creates a table from read_csv in a database file, i.e. reads and stores, as ours
must. Target: ours at most 1.5x DuckDB alone. Prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT.parent / "shared" / "data" / "uci-online-retail" / "online_retail.csv.gz"
ROWS = 1_000_000
REPEATS = 5

DUCKDB_ALONE = """
import sys, time, duckdb
t = time.perf_counter()
con = duckdb.connect(sys.argv[2])
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{sys.argv[1]}')")
n = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
con.close()
print(time.perf_counter() - t, n)
"""

OURS = """
import sys, time
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from core.workspace import create_workspace
from core.ingest.pipeline import ingest
t = time.perf_counter()
ws = create_workspace(Path(sys.argv[2]))
result = ingest(ws, [Path(sys.argv[1])])
print(time.perf_counter() - t, ws.row_counts()["interactions"])
"""


def _run(code: str, *args: str) -> dict[str, float]:
    """One fresh process; its own peak memory comes from a wrapper that reports ru_maxrss of itself."""
    wrapped = code + "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run([sys.executable, "-c", wrapped, *args], capture_output=True, text=True, check=True)
    seconds, rows, peak_kb = out.stdout.split()
    return {"seconds": float(seconds), "rows": int(rows), "peak_mb": round(int(peak_kb) / 1024, 1)}


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {
        "seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "runs_s": [round(r["seconds"], 3) for r in runs],
        "rows": runs[0]["rows"],
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def main() -> None:
    source = pd.read_csv(RETAIL, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(42)
    sample = source.iloc[rng.integers(0, len(source), ROWS)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders_1m.csv"
        sample.to_csv(path, index=False)
        size_mb = path.stat().st_size / 1e6
        del source, sample
        os.sync()  # the fresh file's write-back must not land inside either timing
        runs: dict[str, list[dict[str, float]]] = {"duckdb": [], "ours": []}
        for n in range(REPEATS):  # alternated, so drift on a noisy machine hits both sides alike
            runs["duckdb"].append(_run(DUCKDB_ALONE, str(path), str(Path(tmp) / f"alone{n}.duckdb")))
            runs["ours"].append(_run(OURS, str(path), str(Path(tmp) / f"ws{n}"), str(ROOT)))
            os.sync()
        duck, ours = (_median(runs[k]) for k in ("duckdb", "ours"))
    print(
        json.dumps(
            {
                "benchmark": "ingest_1m",
                "machine": platform.machine(),
                "cpus": len(os.sched_getaffinity(0)),
                "file_mb": round(size_mb, 1),
                "rows_in_file": ROWS,
                "duckdb_read_csv": duck,
                "personalens_ingest": ours,
                "ratio_seconds": round(ours["seconds"] / duck["seconds"], 2),
                "target_ratio": 1.5,
                "note": "ours also validates, rejects rows without customer id, flags returns and keeps the raw file",
            }
        )
    )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t0:.1f}s", file=sys.stderr)
