"""A marketing team on one server: N browser sessions click through every page, idle and during a retrain.

Builds the demo workspace (models trained) in a temporary home, starts `streamlit run app.py`, warms
it with one tour, then for each scenario (N sessions, with or without a full retrain running in the
background, started the way the Models page starts one) lets every session visit every page in its
own shuffled order for ROUNDS rounds. Per scenario: page settle times (p50/p95, per page), Streamlit
exception boxes, new server tracebacks, whether the server is alive, its memory before and after.
"Settled" means the app's script is no longer running, nothing is stale, every plotly chart is drawn
and the page stayed unchanged for 0.5 s (the time reported is when that still state began).

Usage: benchmarks/team_load.py [--sessions 1,5,10] [--rounds 2] [--retrain-sessions 1,10]
Prints JSON; the targets: 0 exceptions and tracebacks, alive, p95 at 10 sessions <= 3x p95 at 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from core import kinds, runs  # noqa: E402
from core.workspace import open_workspace  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NAV = "[data-testid='stSidebarNav'] a, [data-testid='stSidebarNavLink']"
STATE_JS = """() => {
    const q = s => document.querySelectorAll(s).length;
    const app = document.querySelector("[data-testid='stApp']");
    return [q("[data-testid='stStatusWidget']"), q("[data-stale='true']"),
            q("[data-testid='stMain'] [data-testid='stElementContainer']"),
            q("[data-testid='stPlotlyChart']"), q("[data-testid='stPlotlyChart'] .main-svg"),
            (document.querySelector("[data-testid='stMain']") || {innerText: ""}).innerText.length,
            app ? app.getAttribute("data-test-script-state") || "" : "",
            q("[data-testid='stException']")];
}"""


def settle(page, click_time: float, timeout_s: float = 180.0, still_s: float = 0.5) -> tuple[float, int]:  # noqa: ANN001
    """(seconds from the click until the page was drawn and still, exception boxes on it)."""
    deadline = time.time() + timeout_s
    last, since = None, None
    while time.time() < deadline:
        running, stale, elements, charts, drawn, text, script, exceptions = page.evaluate(STATE_JS)
        ready = not running and not stale and elements and drawn >= charts and script not in ("running", "initial")
        key = (elements, charts, drawn, text)
        if ready and key == last:
            if since is not None and time.time() - since >= still_s:
                return since - click_time, exceptions
        else:
            since = time.time() if ready else None
        last = key if ready else None
        time.sleep(0.05)
    return float("inf"), 0


def tour(index: int, url: str, rounds: int, visits: list[dict], errors: list[str], lock: threading.Lock) -> None:
    try:
        _tour(index, url, rounds, visits, lock)
    except Exception as exc:  # noqa: BLE001 - a session that broke is counted, whatever broke it
        with lock:
            errors.append(f"session {index}: {type(exc).__name__}: {str(exc)[:200]}")


def _tour(index: int, url: str, rounds: int, visits: list[dict], lock: threading.Lock) -> None:
    rng = random.Random(index)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url, timeout=180_000)
        settle(page, time.time())
        links = page.locator(NAV)
        for _ in range(rounds):
            order = list(range(links.count()))
            rng.shuffle(order)
            for i in order:
                name = links.nth(i).inner_text().strip().split("\n")[-1]
                clicked = time.time()
                links.nth(i).click()
                # wait until the rerun has begun, so the old page is not taken as settled (a quicker one is fine)
                with contextlib.suppress(Exception):
                    page.wait_for_function(
                        "() => document.querySelector(\"[data-testid='stApp']\")"
                        ".getAttribute('data-test-script-state') === 'running'",
                        timeout=3000,
                    )
                seconds, exceptions = settle(page, clicked)
                with lock:
                    visits.append({"session": index, "page": name, "settle_s": seconds, "exceptions": exceptions})
        browser.close()


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (every process, every core)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def pct(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return None if not ordered else round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def keep_retraining(ws_path: Path, stop: threading.Event, started: list[str]) -> None:
    """A full retrain running the whole time, started as the Models page starts one."""
    ws = open_workspace(ws_path)
    while not stop.is_set():
        if not runs.is_training(ws):
            with contextlib.suppress(runs.RunBusy):
                started.append(runs.start_run(ws, list(kinds.NAMES)))
        stop.wait(1.0)
    for run_id in started:
        if not runs.run(ws, run_id).finished:
            runs.cancel(ws, run_id)


def scenario(url: str, server: subprocess.Popen, log: Path, ws_path: Path, n: int, rounds: int, retrain: bool) -> dict:
    before_tracebacks = log.read_text(errors="replace").count("Traceback")
    rss_start = rss_mb(server.pid)
    stop, started = threading.Event(), []
    retrainer = threading.Thread(target=keep_retraining, args=(ws_path, stop, started)) if retrain else None
    if retrainer:
        retrainer.start()
        time.sleep(3)
    visits: list[dict] = []
    errors: list[str] = []
    lock = threading.Lock()
    began, server_cpu, busy = time.time(), cpu_s(server.pid), machine_busy_s()
    sessions = [threading.Thread(target=tour, args=(i, url, rounds, visits, errors, lock)) for i in range(n)]
    for thread in sessions:
        thread.start()
        time.sleep(0.3)
    for thread in sessions:
        thread.join()
    server_cpu, busy = cpu_s(server.pid) - server_cpu, machine_busy_s() - busy
    if retrainer:
        stop.set()
        retrainer.join()
    times = [v["settle_s"] for v in visits if v["settle_s"] != float("inf")]
    per_page: dict[str, list[float]] = {}
    for v in visits:
        per_page.setdefault(v["page"], []).append(v["settle_s"])
    return {
        "sessions": n,
        "retrain": retrain,
        "runs_started": len(started),
        "visits": len(visits),
        "session_errors": errors,
        "never_settled": sum(v["settle_s"] == float("inf") for v in visits),
        "exceptions": sum(v["exceptions"] for v in visits),
        "server_tracebacks": log.read_text(errors="replace").count("Traceback") - before_tracebacks,
        "server_alive": server.poll() is None,
        "settle_p50_s": pct(times, 0.5),
        "settle_p95_s": pct(times, 0.95),
        "per_page": {k: {"p50": pct(v, 0.5), "p95": pct(v, 0.95)} for k, v in sorted(per_page.items())},
        "server_rss_mb_start": rss_start,
        "server_rss_mb_end": rss_mb(server.pid) if server.poll() is None else None,
        "wall_s": round(time.time() - began, 1),
        "server_cpu_s_per_visit": round(server_cpu / max(len(visits), 1), 3),
        "server_share_of_busy_cpu": round(server_cpu / busy, 2) if busy else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", default="1,5,10")
    parser.add_argument("--retrain-sessions", default="1,10")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="personalens-load-"))
    env = {**os.environ, "PERSONALENS_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "core", "demo", "--workspace", "demo"], cwd=ROOT, env=env, check=True)
    port = free_port()
    log = home / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port)]
        + ["--browser.gatherUsageStats", "false"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.5)
        os.environ["PERSONALENS_HOME"] = str(home)
        ws_path = home / "demo"
        warm = scenario(url, server, log, ws_path, 1, 1, retrain=False)
        plan = [(int(n), False) for n in args.sessions.split(",")]
        plan += [(int(n), True) for n in args.retrain_sessions.split(",") if n]
        results = [scenario(url, server, log, ws_path, n, args.rounds, retrain) for n, retrain in plan]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    by = {(r["sessions"], r["retrain"]): r for r in results}
    base = (by.get((1, False)) or {}).get("settle_p95_s")

    def ratio(key: tuple[int, bool]) -> float | None:
        found = (by.get(key) or {}).get("settle_p95_s")
        return None if not base or found is None else round(found / base, 2)

    summary = {
        "benchmark": "team_load",
        "rounds": args.rounds,
        "warm_up": {"visits": warm["visits"], "exceptions": warm["exceptions"], "p95": warm["settle_p95_s"]},
        "scenarios": results,
        "p95_ratio_10_vs_1": ratio((10, False)),
        "p95_ratio_10_retrain_vs_1": ratio((10, True)),
        "target_ratio": 3.0,
        "clean": all(
            r["exceptions"] == 0
            and r["server_tracebacks"] == 0
            and r["server_alive"]
            and not r["never_settled"]
            and not r["session_errors"]
            for r in results
        ),
    }
    print(json.dumps(summary, indent=1))
    return 0 if summary["clean"] else 1


if __name__ == "__main__":
    sys.exit(main())
