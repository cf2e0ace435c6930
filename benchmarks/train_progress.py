"""How long a training run's progress bar stands still: the gaps between its progress reports.

Trains the asked kinds of one workspace the way a run does (`core.runs.train_models`, under the
training lock) and records every progress report with its time. Prints JSON: the run's seconds, the
number of reports, and the longest silences (seconds, the report before and the one after). The
ETA a page shows is read from these fractions, so a long silence is a stale bar and a wrong ETA.

    PERSONALENS_HOME=… .venv/bin/python benchmarks/train_progress.py --workspace scale50x [--kinds all] [--top 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from core import kinds, runs
    from core.workspace import open_workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--kinds", default="all", help="comma-separated kinds, or all")
    parser.add_argument("--top", type=int, default=10, help="how many of the longest silences to print")
    args = parser.parse_args()
    wanted = list(kinds.NAMES) if args.kinds == "all" else args.kinds.split(",")
    ws = open_workspace(args.workspace)
    reports: list[tuple[float, float, str]] = []
    started = time.monotonic()

    def heard(fraction: float, message: str) -> None:
        reports.append((time.monotonic() - started, fraction, message))

    with runs.training_lock(ws):
        results = runs.train_models(ws, wanted, kinds.TrainOptions(), "auto", heard)
    seconds = time.monotonic() - started
    marks = [(0.0, 0.0, "start"), *reports, (seconds, 1.0, "end")]
    silences = sorted(
        ((after[0] - before[0], before[2], after[2]) for before, after in zip(marks[:-1], marks[1:], strict=True)),
        reverse=True,
    )
    print(
        json.dumps(
            {
                "benchmark": "train_progress",
                "workspace": args.workspace,
                "kinds": wanted,
                "seconds": round(seconds, 1),
                "reports": len(reports),
                "errors": {k: r["error"] for k, r in results.items() if "error" in r},
                "longest_silences": [
                    {"seconds": round(s, 1), "after": before, "before": after}
                    for s, before, after in silences[: args.top]
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
