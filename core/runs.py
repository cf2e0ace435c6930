"""Training runs in a background process, one per workspace at a time, with progress anyone can read.

`start_run` records a run in the `training_runs` table and starts `python -m core train ...
--run-id ID` as its own process (TensorFlow and long fits never block the dashboard). The worker
holds `models/.training.lock` for its whole life, so two runs of one workspace can never
interleave, even when started from two places at once; a second start is refused with a message.
It writes its progress (model, step, fraction, ETA) to the table about once a second, marks the
run done or failed at the end, and each model that fails is reported while the others finish.
A run whose process died (killed, machine restarted) is marked failed the next time anyone looks.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core.errors import PersonaLensError
from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
LOCK = ".training.lock"
_DDL = """CREATE TABLE IF NOT EXISTS training_runs (
    run_id VARCHAR PRIMARY KEY, models VARCHAR, status VARCHAR, fraction DOUBLE, message VARCHAR,
    started_at TIMESTAMP, updated_at TIMESTAMP, finished_at TIMESTAMP, pid INTEGER, error VARCHAR, results JSON)"""


class RunBusy(PersonaLensError):
    """Another training run of this workspace is going on."""


@dataclass(frozen=True)
class RunStatus:
    run_id: str
    models: list[str]
    status: str  # queued, running, done, failed, cancelled
    fraction: float
    message: str
    started_at: pd.Timestamp
    finished_at: pd.Timestamp | None
    error: str | None
    results: dict

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    def eta_seconds(self) -> float | None:
        if self.finished or self.fraction <= 0.02:
            return None
        elapsed = (pd.Timestamp.now(tz=None) - self.started_at).total_seconds()
        return max(elapsed / self.fraction - elapsed, 0.0)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def training_lock(ws: Workspace) -> Iterator[None]:
    """Held by the worker for the whole run; raises RunBusy if another process holds it."""
    ws.models_dir.mkdir(parents=True, exist_ok=True)
    handle = (ws.models_dir / LOCK).open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise RunBusy(f"workspace '{ws.name}' is already training; wait for that run to finish or cancel it") from exc
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def is_training(ws: Workspace) -> bool:
    try:
        with training_lock(ws):
            return False
    except RunBusy:
        return True


def start_run(ws: Workspace, models: list[str], promote: str = "auto", options: dict[str, int] | None = None) -> str:
    """Start a background run of `models`; returns its id. Refused while another run is going.

    options: extra training settings, e.g. {"n_personas": 6, "n_topics": 10}.
    """
    if is_training(ws):
        raise RunBusy(f"workspace '{ws.name}' is already training; wait for that run to finish or cancel it")
    run_id = datetime.now(UTC).strftime("run-%Y%m%dT%H%M%S%f")
    with ws.transaction() as con:
        con.execute(_DDL)
        con.execute(
            "INSERT INTO training_runs (run_id, models, status, fraction, message, started_at, updated_at) "
            "VALUES (?, ?, 'queued', 0, 'starting', ?, ?)",
            [run_id, ",".join(models), _now(), _now()],
        )
    log = (ws.models_dir / f"{run_id}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "train",
            "--workspace",
            str(ws.path),
            "--models",
            ",".join(models),
            "--promote",
            promote,
            "--run-id",
            run_id,
            "--json",
            *[arg for name, value in (options or {}).items() for arg in (f"--{name.replace('_', '-')}", str(value))],
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    with ws.transaction() as con:
        con.execute("UPDATE training_runs SET pid = ? WHERE run_id = ?", [process.pid, run_id])
    return run_id


class RunReporter:
    """The worker side: progress into the table (throttled), then the outcome."""

    def __init__(self, ws: Workspace, run_id: str, every_s: float = 1.0) -> None:
        self.ws, self.run_id, self.every_s = ws, run_id, every_s
        self._last = 0.0
        with ws.transaction() as con:
            con.execute(_DDL)
            con.execute(
                "UPDATE training_runs SET status = 'running', pid = ?, updated_at = ? WHERE run_id = ?",
                [os.getpid(), _now(), run_id],
            )

    def progress(self, fraction: float, message: str) -> None:
        if time.monotonic() - self._last < self.every_s and fraction < 1.0:
            return
        self._last = time.monotonic()
        with self.ws.transaction() as con:
            con.execute(
                "UPDATE training_runs SET fraction = ?, message = ?, updated_at = ? WHERE run_id = ?",
                [round(min(max(fraction, 0.0), 1.0), 4), message, _now(), self.run_id],
            )

    def finish(self, results: dict, error: str | None) -> None:
        with self.ws.transaction() as con:
            con.execute(
                "UPDATE training_runs SET status = ?, fraction = 1, message = ?, finished_at = ?, updated_at = ?, "
                "error = ?, results = ? WHERE run_id = ?",
                [
                    "failed" if error else "done",
                    "failed" if error else "done",
                    _now(),
                    _now(),
                    error,
                    json.dumps(results, default=str),
                    self.run_id,
                ],
            )


def runs(ws: Workspace, limit: int = 20) -> list[RunStatus]:
    """The latest runs, newest first; running ones whose process is gone are marked failed."""
    found = ws.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'training_runs'")
    if not found["n"].iloc[0]:
        return []
    frame = ws.query(f"SELECT * FROM training_runs ORDER BY started_at DESC LIMIT {int(limit)}")
    out = []
    for row in frame.to_dict("records"):
        just_started = (pd.Timestamp(_now()) - pd.Timestamp(row["updated_at"])).total_seconds() < 20
        if row["status"] == "queued" and just_started:
            pass  # the worker may not have taken the lock yet
        elif row["status"] in ("queued", "running") and not _alive(row["pid"]) and not is_training(ws):
            _mark(ws, row["run_id"], "failed", "the training process stopped before finishing (killed or crashed)")
            _remove_partial_folders(ws)
            row["status"], row["error"] = "failed", "the training process stopped before finishing (killed or crashed)"
        out.append(
            RunStatus(
                row["run_id"],
                row["models"].split(","),
                row["status"],
                float(row["fraction"] or 0),
                row["message"] or "",
                pd.Timestamp(row["started_at"]),
                None if pd.isna(row["finished_at"]) else pd.Timestamp(row["finished_at"]),
                None if pd.isna(row["error"]) else row["error"],
                json.loads(row["results"]) if isinstance(row["results"], str) else {},
            )
        )
    return out


def run(ws: Workspace, run_id: str) -> RunStatus:
    for status in runs(ws, limit=1000):
        if status.run_id == run_id:
            return status
    raise PersonaLensError(f"there is no training run {run_id} in this workspace")


def cancel(ws: Workspace, run_id: str) -> None:
    status = ws.query("SELECT pid, status FROM training_runs WHERE run_id = ?", [run_id])
    if status.empty:
        raise PersonaLensError(f"there is no training run {run_id} in this workspace")
    pid = status["pid"].iloc[0]
    if status["status"].iloc[0] in ("queued", "running") and _alive(pid):
        os.killpg(int(pid), signal.SIGTERM)
    _mark(ws, run_id, "cancelled", "cancelled by the user")


def wait(
    ws: Workspace, run_id: str, timeout: float = 600, poll: Callable[[RunStatus], None] | None = None
) -> RunStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = run(ws, run_id)
        if poll:
            poll(status)
        if status.finished:
            return status
        time.sleep(0.5)
    raise PersonaLensError(f"training run {run_id} did not finish within {timeout:.0f} s")


def _mark(ws: Workspace, run_id: str, status: str, error: str) -> None:
    with ws.transaction() as con:
        con.execute(
            "UPDATE training_runs SET status = ?, error = ?, finished_at = ?, updated_at = ? "
            "WHERE run_id = ? AND status IN ('queued', 'running')",
            [status, error, _now(), _now(), run_id],
        )


def _alive(pid: object) -> bool:
    if pid is None or pd.isna(pid):
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (finished, not yet reaped by its parent) is not running
        with open(f"/proc/{int(pid)}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _remove_partial_folders(ws: Workspace) -> None:
    """Half-written version folders of a worker that died (never registered, never served)."""
    import shutil

    for partial in ws.models_dir.glob("*/.*.partial"):
        shutil.rmtree(partial, ignore_errors=True)
