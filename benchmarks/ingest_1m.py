"""Ingest 1,000,000 order lines resampled from UCI Online Retail, against DuckDB's read_csv alone.

Both run in fresh subprocesses (so each reports its own peak memory) on the same file in the same
run; the ratio is what to compare across machines. Target: ours at most 1.5x DuckDB alone.
Prints JSON.
"""

from __future__ import annotations

import json
import platform
import resource
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
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, rows = out.stdout.split()
    return {"seconds": round(float(seconds), 2), "rows": int(rows), "peak_mb": round(max(peak_kb, before) / 1024, 1)}


def main() -> None:
    source = pd.read_csv(RETAIL, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(42)
    sample = source.iloc[rng.integers(0, len(source), ROWS)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders_1m.csv"
        sample.to_csv(path, index=False)
        size_mb = path.stat().st_size / 1e6
        del source, sample
        duck = _run(DUCKDB_ALONE, str(path), str(Path(tmp) / "alone.duckdb"))
        ours = _run(OURS, str(path), str(Path(tmp) / "ws"), str(ROOT))
    print(
        json.dumps(
            {
                "benchmark": "ingest_1m",
                "machine": platform.machine(),
                "cpus": len(__import__("os").sched_getaffinity(0)),
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
