"""Demo workspace build time, against DuckDB loading the same four CSVs on its own (same run).

Also times the build with personas and recommenders trained, as `make run` does on first start.
Prints JSON. The ratio says how much our simulate + validate + commit costs over the bare I/O floor.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.demo import build_demo_workspace, simulate_store, write_demo_csvs  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        data = simulate_store(42)
        simulate_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        build_demo_workspace(root / "demo")
        build_s = time.perf_counter() - t0

        t0 = time.perf_counter()  # what `make run` does on first start: the data, personas, recommenders
        build_demo_workspace(root / "demo-with-models", train_models=True)
        with_models_s = time.perf_counter() - t0

        csvs = write_demo_csvs(data, root / "csv")
        t0 = time.perf_counter()
        con = duckdb.connect(str(root / "baseline.duckdb"))
        for path in csvs:
            con.execute(f"CREATE TABLE {path.stem} AS SELECT * FROM read_csv('{path}')")
        con.close()
        duckdb_s = time.perf_counter() - t0

    rows = sum(len(f) for f in data.frames().values())
    print(
        json.dumps(
            {
                "benchmark": "demo_build",
                "machine": platform.machine(),
                "python": platform.python_version(),
                "rows": rows,
                "simulate_s": round(simulate_s, 2),
                "build_s": round(build_s, 2),
                "duckdb_csv_load_s": round(duckdb_s, 3),
                "load_share_of_build": round(duckdb_s / build_s, 3),
                "with_models_s": round(with_models_s, 2),
                "target_build_s": 30,
                "meets_target": build_s < 30,
                "with_models_meets_target": with_models_s < 30,
            }
        )
    )


if __name__ == "__main__":
    main()
