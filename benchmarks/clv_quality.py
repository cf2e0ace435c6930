"""Customer lifetime value (core.value) checked on periods it never saw, beside 'same as last period'.

For each store and held-out length H: fit BG/NBD + Gamma-Gamma on every purchase before the cutoff
(the last H days are held out), predict each customer's purchase days in the held-out period, and
compare with what they did: Spearman correlation, mean absolute error, totals, and calibration by
decile of the prediction. The baseline predicts that each customer buys in the held-out period what
they bought in the H days before the cutoff. Stores: UCI Online Retail (real, 4,372 customers) and
the demo (built in a temporary folder, or `--demo PATH`).

Run: `PYTHONPATH=. .venv/bin/python benchmarks/clv_quality.py [--demo PATH]`. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT.parent / "shared" / "data" / "uci-online-retail" / "online_retail.csv.gz"
HOLDOUTS = (90, 180)


def _checks(ws) -> dict:  # noqa: ANN001 - a Workspace
    from core.value.service import holdout_check, purchase_days

    days = purchase_days(ws)
    out = {}
    for horizon in HOLDOUTS:
        started = time.perf_counter()
        check = holdout_check(days, horizon).to_dict()
        check["seconds"] = round(time.perf_counter() - started, 2)
        check["beats_baseline"] = (
            check["spearman"] > check["baseline_spearman"] and check["mae"] < check["baseline_mae"]
        )
        out[f"{horizon}d"] = check
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="a built demo workspace to reuse")
    args = parser.parse_args()
    os.environ["PERSONALENS_HOME"] = tempfile.mkdtemp(prefix="clv-bench-")
    from core.ingest.pipeline import ingest
    from core.workspace import create_workspace, open_workspace

    retail = create_workspace(Path(os.environ["PERSONALENS_HOME"]) / "retail")
    ingest(retail, [RETAIL])
    if args.demo:
        demo = open_workspace(args.demo)
    else:
        from core.demo import build_demo_workspace

        demo = build_demo_workspace(Path(os.environ["PERSONALENS_HOME"]) / "demo")
    report = {
        "benchmark": "clv_quality",
        "date": str(date.today()),
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version()},
        "uci_online_retail": _checks(retail),
        "demo": _checks(demo),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
