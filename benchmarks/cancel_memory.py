"""Cancelling a background training run gives its memory back (issue 15: "cancelling a run frees its memory").

Starts the run a page's Train button starts (`core.runs.start_run`) on a workspace, lets it work for
`--after` seconds while summing the resident memory of every process in its process group (the worker and
anything it forked), cancels it as the page's Cancel button does, then measures how long until no process of
the group is left, the machine's available memory before, at the peak and after, and that no half-written
version folder remains. Prints JSON.

    .venv/bin/python benchmarks/cancel_memory.py --workspace /tmp/scale/clean/scale50x --after 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import runs  # noqa: E402
from core.workspace import open_workspace  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def group_rss_mb(group: int) -> tuple[int, float]:
    """Processes in process group `group` and their summed resident memory."""
    count, pages = 0, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group and fields[0] != "Z":  # the process group; a zombie holds no memory
                count += 1
                pages += int((entry / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return count, pages * PAGE / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--models", default="personas,sentiment,topics,recs,propensity")
    parser.add_argument("--after", type=float, default=60.0, help="seconds of training before the cancel")
    args = parser.parse_args()
    ws = open_workspace(args.workspace)
    before = available_mb()
    run_id = runs.start_run(ws, args.models.split(","))
    started = time.monotonic()
    peak_rss, lowest_available, pid = 0.0, before, None
    while time.monotonic() - started < args.after:
        pid = pid or runs.run(ws, run_id).pid
        if pid:
            _, rss = group_rss_mb(int(pid))
            peak_rss = max(peak_rss, rss)
        lowest_available = min(lowest_available, available_mb())
        time.sleep(0.5)
    status = runs.run(ws, run_id)
    _, at_cancel = group_rss_mb(int(pid)) if pid else (0, 0.0)
    cancelled_at = time.monotonic()
    runs.cancel(ws, run_id)
    left = 1
    while left and time.monotonic() - cancelled_at < 60:
        left, _ = group_rss_mb(int(pid)) if pid else (0, 0.0)
        time.sleep(0.1)
    gone_after = time.monotonic() - cancelled_at
    time.sleep(2.0)  # let the kernel settle its page accounting
    after = available_mb()
    partial = [p.name for p in ws.models_dir.glob("*/.*.partial")]
    result = {
        "benchmark": "cancel_memory",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "workspace": ws.name,
        "models": args.models,
        "cancelled_after_s": args.after,
        "step_at_cancel": f"{status.message} ({status.fraction:.0%})",
        "run_rss_at_cancel_mb": round(at_cancel),
        "run_rss_peak_mb": round(peak_rss),
        "available_before_mb": round(before),
        "available_lowest_mb": round(lowest_available),
        "available_after_mb": round(after),
        "processes_left": left,
        "seconds_until_gone": round(gone_after, 2),
        "status": runs.run(ws, run_id).status,
        "partial_folders_left": partial,
    }
    print(json.dumps(result))
    return 0 if left == 0 and not partial and after > before - 256 else 1


if __name__ == "__main__":
    raise SystemExit(main())
