"""The scale benchmark's interaction-only path (issue 15): 1,000,000 customers resampled from UCI Online Retail.

Each synthetic customer `S<n>` copies the orders of one real UCI customer (picked by a seeded hash),
with new invoice ids (`<orig>-<n>`, so cancellations keep their leading C) and timestamps shifted by
`n % 7` days and `n % 24` hours. A real customer has 93 order lines on average, so full copies of
1M customers would be ~93M lines; to land near `--lines-per-customer` (default 20, so ~20M lines at
1M customers) each copy keeps every invoice of its customer with one line of each, plus a seeded-hash
fraction of the other lines: order counts, recency and tenure are the real customer's, baskets are
smaller. (Keeping whole invoices instead would leave ~1 invoice per customer: UCI's mean basket is 18
lines.) `--lines-per-customer 0` keeps whole histories. The store is one orders CSV with
UCI's own columns, written by DuckDB straight from the gzip file.

Then, as a user would and each in a fresh process timed with its own peak memory (`scale._timed`,
`wait4`'s ru_maxrss): `workspaces create`, `ingest --json`, `train --models personas --json`, and
the recommenders through `core.recs.service.train_recs` with `--recs` (popularity, EASE, ALS,
item-kNN, hybrid). A step that runs past `--timeout` is stopped and reported as such; the
recommenders' last progress message is kept so a killed run says where it was.

    .venv/bin/python benchmarks/retail_1m.py [--customers 1000000] [--lines-per-customer 20] [--timeout 2400]

Prints one JSON line per step as it goes and a JSON summary at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import scale  # noqa: E402  (benchmarks/ is not a package; reuse its `_timed`)

RETAIL = ROOT.parent / "shared" / "data" / "uci-online-retail" / "online_retail.csv.gz"
RECS = ("popularity", "ease", "als", "item_knn", "hybrid")
SHIFT_DAYS = 7
SEED = 42
EXPECTED_MAPPING = {"customer_id", "product_id", "timestamp", "quantity", "unit_price"}

RECS_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from core.recs.service import train_recs
from core.workspace import open_workspace
log = open(sys.argv[4], "a", buffering=1)
started = time.perf_counter()
def progress(fraction, message):
    line = f"{time.perf_counter() - started:8.1f}s {fraction:5.2f} {message}"
    print(line, file=sys.stderr, flush=True)
    log.write(line + "\\n")
run = train_recs(open_workspace(sys.argv[2]), models=sys.argv[3].split(","), progress=progress)
ev = run.evaluation
print(json.dumps({
    "version": run.version, "best": run.best, "seconds": run.seconds,
    "n_users": ev.n_users, "n_items": ev.n_items, "users_scored": ev.users_scored,
    "models": {r.name: {"ndcg": r.metrics.get("ndcg"), "fit_s": round(r.fit_seconds, 1), "error": r.error}
               for r in ev.results},
}))
"""


def build_csv(customers: int, per_customer: float, out: Path, seed: int = SEED) -> dict:
    """Write the resampled orders CSV; returns its line, customer and invoice counts."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{out.parent / 'duckdb_tmp'}'")
    con.execute("SET memory_limit = '4GB'")
    con.execute(f"""
        CREATE TABLE src AS SELECT *, row_number() OVER () AS line_id,
                row_number() OVER (PARTITION BY InvoiceNo ORDER BY hash(StockCode, Quantity, {seed})) AS pos
            FROM read_csv('{RETAIL}', all_varchar = true, header = true)
            WHERE CustomerID IS NOT NULL AND trim(CustomerID) <> '';
        CREATE TABLE real AS SELECT CustomerID, row_number() OVER (ORDER BY CustomerID) - 1 AS idx,
            count(*) AS n_lines, count(DISTINCT InvoiceNo) AS n_invoices FROM src GROUP BY CustomerID;
        CREATE TABLE picks AS SELECT range AS n,
            CAST(hash(range, {seed}) % (SELECT count(*) FROM real) AS BIGINT) AS idx FROM range({customers});
    """)
    # Every copy keeps all of its customer's invoices (so order counts, recency and tenure stay) and
    # one line of each; the other lines stay with probability `keep`, solved so the expected line
    # count meets the target: baskets shrink, customers' purchase rhythm does not.
    first, rest = con.execute(
        "SELECT sum(n_invoices), sum(n_lines - n_invoices) FROM picks JOIN real USING (idx)"
    ).fetchone()
    target = per_customer * customers
    keep = 1.0 if per_customer <= 0 or not rest else min(1.0, max(0.0, (target - first) / rest))
    con.execute(f"""
        COPY (
            WITH kept AS (
                SELECT p.n, s.* FROM picks p JOIN real r USING (idx) JOIN src s USING (CustomerID)
                WHERE s.pos = 1 OR hash(p.n, s.line_id, {seed}) % 1000000 < {round(keep * 1_000_000)}
            )
            SELECT InvoiceNo || '-' || n AS InvoiceNo, StockCode, Description, Quantity,
                strftime(CAST(InvoiceDate AS TIMESTAMP)
                         + to_days(CAST(n % {SHIFT_DAYS} AS INTEGER))
                         + to_hours(CAST(n % 24 AS INTEGER)), '%Y-%m-%d %H:%M:%S') AS InvoiceDate,
                UnitPrice, 'S' || n AS CustomerID, Country
            FROM kept
        ) TO '{out}' (HEADER, DELIMITER ',')
    """)
    counts = con.execute(f"""
        SELECT count(*), count(DISTINCT CustomerID), count(DISTINCT InvoiceNo)
        FROM read_csv('{out}', all_varchar = true, header = true)
    """).fetchone()
    con.close()
    return {
        "lines": counts[0],
        "distinct_customers": counts[1],
        "invoices": counts[2],
        "line_keep_fraction": round(keep, 4),
        "full_history_lines": int(first + rest),
        "file_mb": round(out.stat().st_size / 1e6, 1),
    }


def check_mapping(csv: Path, home: Path, env: dict[str, str], py: list[str]) -> dict:
    """Dry-run the ingest on the file's first 2,000 lines and check the detected column mapping."""
    sample = home / "mapping_sample.csv"
    with open(csv) as src, open(sample, "w") as dst:
        for i, line in enumerate(src):
            if i > 2000:
                break
            dst.write(line)
    subprocess.run(py + ["workspaces", "create", "mapping"], env=env, cwd=ROOT, check=True, capture_output=True)
    out = subprocess.run(
        py + ["ingest", "--workspace", "mapping", str(sample), "--dry-run", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.stdout) if out.stdout.strip().startswith(("{", "[")) else {"raw": out.stdout[-2000:]}
    mapped = _find_mapping(report)
    fields = set(mapped.values()) if mapped else set()
    return {"mapping": mapped, "ok": out.returncode == 0 and fields >= EXPECTED_MAPPING}


def _find_mapping(report: object) -> dict | None:
    """The first {source column: field} dict in the dry-run report, wherever the report keeps it."""
    if isinstance(report, dict):
        for key, value in report.items():
            mapping = key in ("mapping", "columns", "column_mapping") and isinstance(value, dict) and value
            if mapping and all(isinstance(v, str | type(None)) for v in value.values()):
                return value
        for value in report.values():
            if (found := _find_mapping(value)) is not None:
                return found
    elif isinstance(report, list):
        for value in report:
            if (found := _find_mapping(value)) is not None:
                return found
    return None


def run(customers: int, per_customer: float, timeout: float, keep: str | None) -> dict:
    home = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="pl-retail-"))
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PERSONALENS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    py = [sys.executable, "-m", "core"]
    steps: list[dict] = []

    def emit(row: dict) -> None:
        steps.append({"customers": customers, **row})
        print(json.dumps(steps[-1]), flush=True)

    csv = home / f"retail_{customers}.csv"
    # Built in a child too: a child's ru_maxrss starts at this process's RSS when it forks, so this
    # process must stay small for the other steps' peaks to be their own.
    build = scale._timed(
        [
            sys.executable,
            __file__,
            "--build-csv",
            str(csv),
            "--customers",
            str(customers),
            "--lines-per-customer",
            str(per_customer),
        ],
        env,
        timeout,
    )
    built = build.pop("output", None) or {}
    emit({"step": "build_csv", **build, **built})
    if "file_mb" in built and built["file_mb"] > 500:
        # The CLI refuses files over PERSONALENS_MAX_UPLOAD_MB (default 500); a user would raise it.
        env["PERSONALENS_MAX_UPLOAD_MB"] = str(int(built["file_mb"] * 1.1) + 1)
    emit({"step": "mapping", **check_mapping(csv, home, env, py)})

    name = f"retail{customers}"
    emit({"step": "workspaces_create", **_drop_output(scale._timed(py + ["workspaces", "create", name], env, 60))})
    ingest = scale._timed(py + ["ingest", "--workspace", name, str(csv), "--json"], env, timeout)
    limit = {"max_upload_mb": env["PERSONALENS_MAX_UPLOAD_MB"]} if "PERSONALENS_MAX_UPLOAD_MB" in env else {}
    emit({"step": "ingest", **_drop_output(ingest), **limit, **_row_counts(home / name)})

    personas = scale._timed(py + ["train", "--workspace", name, "--models", "personas", "--json"], env, timeout)
    personas["result"] = scale._summary(personas.pop("output", None))
    emit({"step": "personas", **personas})

    log = home / f"recs_progress_{customers}.log"
    recs = scale._timed(
        [sys.executable, "-c", RECS_CHILD, str(ROOT), str(home / name), ",".join(RECS), str(log)], env, timeout
    )
    recs["result"] = recs.pop("output", None)
    if log.is_file():
        recs["phases_s"] = _phases(log.read_text().splitlines())
        if not recs["ok"]:
            recs["last_progress"] = (log.read_text().strip().splitlines() or [""])[-1]
    emit({"step": "recs", **recs})
    ok = [s for s in steps if "seconds" in s]
    return {
        "benchmark": "retail_1m",
        "home": str(home),
        "customers": customers,
        "lines_in_csv": built.get("lines"),
        "total_seconds": round(sum(s["seconds"] for s in ok), 1),
        "peak_mb": max((s.get("peak_mb", 0) for s in ok), default=0),
        "steps": {s["step"]: {k: s[k] for k in ("seconds", "peak_mb", "ok") if k in s} for s in ok},
        "all_ok": all(s.get("ok", True) for s in steps),
    }


def _phases(lines: list[str]) -> dict[str, float]:
    """Seconds per phase of `train_recs` from its progress log (elapsed, fraction, message per line)."""
    marks: list[tuple[float, float]] = []
    for line in lines:
        parts = line.split(maxsplit=2)
        if len(parts) >= 2:
            marks.append((float(parts[0].rstrip("s")), float(parts[1])))
    bounds = {"load": 0.03, "compare": 0.55, "tune_and_refit": 0.94, "save": 1.0}
    out: dict[str, float] = {}
    previous = 0.0
    for name, fraction in bounds.items():
        reached = [t for t, f in marks if f >= fraction]
        if not reached:
            out[name + "_unfinished"] = round((marks[-1][0] if marks else 0.0) - previous, 1)
            break
        out[name] = round(reached[0] - previous, 1)
        previous = reached[0]
    return out


def _drop_output(result: dict) -> dict:
    result.pop("output", None)
    return result


def _row_counts(path: Path) -> dict:
    """Rows the workspace holds after the ingest, read in a child so this process stays small."""
    code = (
        "import duckdb, json, sys; con = duckdb.connect(sys.argv[1], read_only=True); print(json.dumps({"
        "f'rows_{t}': con.execute(f'SELECT count(*) FROM {t}').fetchone()[0] "
        "for t in ('interactions', 'customers', 'products')}))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path / "workspace.duckdb")], capture_output=True, text=True)
    if out.returncode:
        return {"rows_error": (out.stderr.strip().splitlines() or [""])[-1][:200]}
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--lines-per-customer", type=float, default=20, help="target mean order lines per customer (0: whole histories)"
    )
    parser.add_argument("--timeout", type=float, default=2400, help="seconds per step before it is stopped")
    parser.add_argument("--home", help="keep the CSV and workspaces in this folder (default: a temp folder)")
    parser.add_argument("--build-csv", help=argparse.SUPPRESS)  # internal: only write the CSV to this path
    args = parser.parse_args()
    if args.build_csv:
        print(json.dumps(build_csv(args.customers, args.lines_per_customer, Path(args.build_csv))))
        return
    print(json.dumps(run(args.customers, args.lines_per_customer, args.timeout, args.home)))


if __name__ == "__main__":
    main()
