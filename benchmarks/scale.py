"""Training cost as the store grows: the demo store replicated 1x, 10x and 50x.

Each copy of the demo's customers, orders and reviews gets new customer, order and review ids and
timestamps shifted by a few days; the 300 products stay. The copies repeat their texts, so this
measures cost, not quality. For every size: one ingest of the four CSVs, then `python -m core
train --models KIND` for every kind, each in a fresh process, timed with its own peak memory
(`wait4`'s ru_maxrss). A kind that runs past `--timeout` is stopped and reported as such.

    .venv/bin/python benchmarks/scale.py --factors 1,10,50 [--kinds personas,topics] [--timeout 1800]

Prints one JSON line per (factor, step) as it goes and a summary at the end: seconds and peak MB
per kind and size, and the growth exponent from the smallest to the largest of the sizes above 1x
(1.0 = linear). `--chart FILE.png` draws the log-log chart for RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "assets" / "demo"
FILES = ("customers", "products", "orders", "reviews")
SHIFT_DAYS = 7  # copy i is shifted by i % SHIFT_DAYS days (and i hours), so copies do not coincide


def replicate(factor: int, out: Path) -> dict[str, int]:
    """Write the demo's four CSVs `factor` times over into `out`; returns the rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    frames = {name: pd.read_csv(DEMO / f"{name}.csv", dtype=str, keep_default_na=False) for name in FILES}
    rows: dict[str, int] = {}
    frames["products"].to_csv(out / "products.csv", index=False)
    rows["products"] = len(frames["products"])
    for name, id_column, time_column in (
        ("customers", None, "signup_date"),
        ("orders", "order_id", "timestamp"),
        ("reviews", "review_id", "timestamp"),
    ):
        base = frames[name]
        stamps = pd.to_datetime(base[time_column], errors="coerce")
        copies = []
        for i in range(factor):
            part = base.copy()
            if i:
                part["customer_id"] = part["customer_id"] + f"x{i}"
                if id_column:
                    part[id_column] = part[id_column] + f"x{i}"
                if name == "customers":
                    part["email"] = part["email"].str.replace("@", f"+{i}@", regex=False)
                shifted = stamps + pd.Timedelta(days=i % SHIFT_DAYS, hours=i % 24)
                part[time_column] = shifted.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
            copies.append(part)
        table = pd.concat(copies, ignore_index=True)
        table.to_csv(out / f"{name}.csv", index=False)
        rows[name] = len(table)
    return rows


def _timed(args: list[str], env: dict[str, str], timeout: float) -> dict:
    """Run one command in a fresh process: wall seconds, peak MB, and the JSON it printed."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=ROOT)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                _pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    result = {"seconds": round(seconds, 1), "peak_mb": round(usage.ru_maxrss / 1024), "ok": proc.returncode == 0}
    if timed_out:
        result["timed_out"] = True
    elif proc.returncode:
        result["error"] = (stderr.strip().splitlines() or ["(no message)"])[-1][:300]
    else:
        with contextlib.suppress(json.JSONDecodeError):
            result["output"] = json.loads(stdout)
    return result


def _summary(output: dict | None) -> dict:
    """The few numbers of a trainer's JSON worth printing beside its cost."""
    if not output:
        return {}
    first = next(iter(output.values()), {}) if isinstance(output, dict) else {}
    keep = ("version", "chosen", "best", "k", "npmi", "n_personas", "silhouette", "auc", "reviews_scored", "error")
    return {key: first[key] for key in keep if key in first}


def run(factors: list[int], kinds_to_train: list[str], timeout: float, keep: Path | None) -> dict:
    home = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="pl-scale-"))
    env = {**os.environ, "PERSONALENS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    py = [sys.executable, "-m", "core"]
    rows: list[dict] = []
    for factor in factors:
        store = home / f"store-{factor}x"
        t = time.perf_counter()
        # in a child: a process started later would inherit the tables' memory in its peak (ru_maxrss)
        built = subprocess.run(
            [sys.executable, __file__, "--build", str(factor), str(store)], capture_output=True, text=True, check=True
        )
        counts = json.loads(built.stdout)
        line = {"factor": factor, "step": "build_csv", "seconds": round(time.perf_counter() - t, 1), **counts}
        print(json.dumps(line), flush=True)
        name = f"scale{factor}x"
        subprocess.run(py + ["workspaces", "create", name], env=env, cwd=ROOT, check=True, capture_output=True)
        files = [str(store / f"{n}.csv") for n in FILES]
        ingest = _timed(py + ["ingest", "--workspace", name, *files, "--json"], env, timeout)
        ingest.pop("output", None)
        rows.append({"factor": factor, "step": "ingest", **ingest})
        print(json.dumps(rows[-1]), flush=True)
        for kind in kinds_to_train:
            result = _timed(py + ["train", "--workspace", name, "--models", kind, "--json"], env, timeout)
            result["result"] = _summary(result.pop("output", None))
            rows.append({"factor": factor, "step": kind, **result})
            print(json.dumps(rows[-1]), flush=True)
    return {"benchmark": "scale", "home": str(home), "rows": rows, "growth": growth(rows)}


def growth(rows: list[dict]) -> dict[str, float]:
    """Per step, the exponent of seconds against store size between the two largest sizes above 1x."""
    out: dict[str, float] = {}
    for step in dict.fromkeys(r["step"] for r in rows):
        points = sorted((r["factor"], r["seconds"]) for r in rows if r["step"] == step and r["ok"] and r["factor"] > 1)
        if len(points) >= 2 and points[0][1] > 0:
            (f0, s0), (f1, s1) = points[0], points[-1]
            out[step] = round(math.log(s1 / s0) / math.log(f1 / f0), 2)
    return out


def chart(rows: list[dict], path: Path) -> None:
    """Seconds per step against store size on log-log axes, with a linear-growth guide."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for step in dict.fromkeys(r["step"] for r in rows):
        points = sorted((r["factor"], r["seconds"]) for r in rows if r["step"] == step and r["ok"])
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=step)
    factors = sorted({r["factor"] for r in rows})
    if len(factors) > 1:
        ax.plot(factors, [f / factors[0] for f in factors], "k--", linewidth=0.8, label="linear (1 s at 1x)")
    ax.set(xscale="log", yscale="log", xlabel="store size (x the demo)", ylabel="seconds", title="Training cost")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    from core import kinds

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="1,10,50")
    parser.add_argument("--kinds", default=",".join(kinds.NAMES))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per step before it is stopped")
    parser.add_argument("--home", help="keep the stores and workspaces in this folder (default: a temp folder)")
    parser.add_argument("--chart", help="write the log-log chart to this PNG")
    parser.add_argument("--build", nargs=2, metavar=("FACTOR", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        print(json.dumps(replicate(int(args.build[0]), Path(args.build[1]))))
        return
    result = run([int(f) for f in args.factors.split(",")], args.kinds.split(","), args.timeout, args.home)
    if args.chart:
        chart(result["rows"], Path(args.chart))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
