"""Training runs in a background process, one per workspace at a time, with progress anyone can read.

This is the one training path: every train button on every page, the Models page and cron call
`start_run`, which starts `python -m core train ... --run-id ID` as its own process (TensorFlow and
long fits never run in the dashboard's process). The worker holds `models/.training.lock` for its
whole life, so two runs of one workspace can never interleave, even when started from two places
at once; a second start is refused with a message. `train_models` applies the promotion policy to
every kind. A run's record (models, status, progress, ETA, outcome) is a small JSON file in
`models/runs/`, replaced atomically about once a second: progress never takes the database's write
lock, so pages keep reading while a run trains. A run whose process died (killed, machine
restarted) is marked failed the next time anyone looks.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core import audit, kinds, registry
from core.auth import User, require
from core.errors import PersonaLensError, user_message
from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
LOCK = ".training.lock"
RUNS_DIR = "runs"
DIED = "the training process stopped before finishing (killed or crashed)"


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
    pid: int | None = None

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
def training_lock(ws: Workspace, wait_s: float = 2.0) -> Iterator[None]:
    """Held by the worker for the whole run; raises RunBusy if another process holds it.

    It retries for `wait_s`, so a dashboard that is just checking (`is_training`) cannot make a
    starting worker give up.
    """
    ws.models_dir.mkdir(parents=True, exist_ok=True)
    handle = (ws.models_dir / LOCK).open("a")
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError as exc:
            if time.monotonic() > deadline:
                handle.close()
                raise RunBusy(
                    f"workspace '{ws.name}' is already training; wait for that run to finish or cancel it"
                ) from exc
            time.sleep(0.05)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def is_training(ws: Workspace) -> bool:
    """True while a worker holds the training lock (a quick look, shared, never blocking anyone for long)."""
    path = ws.models_dir / LOCK
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _record_path(ws: Workspace, run_id: str) -> Path:
    return ws.models_dir / RUNS_DIR / f"{run_id}.json"


def _write_record(ws: Workspace, record: dict) -> None:
    """Replace the run's record in one step, so a reader never sees half of it."""
    path = _record_path(ws, record["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**record, "updated_at": _now().isoformat()}, default=str))
    os.replace(tmp, path)


def _read_record(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # removed meanwhile, or written by something else
        return None


def _update(ws: Workspace, run_id: str, **changes: object) -> dict:
    """Read, change and write a run's record under a lock (the worker and a cancel may race); a
    cancelled run stays cancelled."""
    folder = ws.models_dir / RUNS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record = _read_record(_record_path(ws, run_id))
        if record is None:
            raise PersonaLensError(f"there is no training run {run_id} in this workspace")
        if record["status"] != "cancelled":
            record.update(changes)
            _write_record(ws, record)
        return record


def start_run(
    ws: Workspace,
    models: Sequence[str],
    promote: str = "auto",
    options: kinds.TrainOptions | None = None,
    by: User | None = None,
) -> str:
    """Start a background run of `models` (kind names); returns its id. Refused while another run is going,
    and to a signed-in user `by` without the analyst role."""
    require(by, ws.name, "train")
    wanted = [kinds.kind(m).name for m in models]
    if not wanted:
        raise PersonaLensError("choose at least one model to train")
    if is_training(ws):
        raise RunBusy(f"workspace '{ws.name}' is already training; wait for that run to finish or cancel it")
    run_id = datetime.now(UTC).strftime("run-%Y%m%dT%H%M%S%f")
    record = {
        "run_id": run_id,
        "models": wanted,
        "status": "queued",
        "fraction": 0.0,
        "message": "starting",
        "started_at": _now().isoformat(),
        "finished_at": None,
        "pid": None,
        "error": None,
        "results": {},
    }
    _write_record(ws, record)
    log = (ws.models_dir / RUNS_DIR / f"{run_id}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "train",
            "--workspace",
            str(ws.path),
            "--models",
            ",".join(wanted),
            "--promote",
            promote,
            "--run-id",
            run_id,
            "--json",
            *(options or kinds.TrainOptions()).as_args(),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    log.close()
    record = _read_record(_record_path(ws, run_id)) or record
    if record["status"] == "queued" and record["pid"] is None:
        _update(ws, run_id, pid=process.pid)
    audit.record(ws, by, "train", f"{', '.join(wanted)} (promotion: {promote}; run {run_id})")
    return run_id


class RunReporter:
    """The worker side: progress into the run's record (throttled), then the outcome."""

    def __init__(self, ws: Workspace, run_id: str, every_s: float = 1.0) -> None:
        self.ws, self.run_id, self.every_s = ws, run_id, every_s
        self._last = 0.0
        _update(ws, run_id, status="running", pid=os.getpid())

    def progress(self, fraction: float, message: str) -> None:
        if time.monotonic() - self._last < self.every_s and fraction < 1.0:
            return
        self._last = time.monotonic()
        _update(self.ws, self.run_id, fraction=round(min(max(fraction, 0.0), 1.0), 4), message=message)

    def finish(self, results: dict, error: str | None) -> None:
        _update(
            self.ws,
            self.run_id,
            status="failed" if error else "done",
            fraction=1.0,
            message="failed" if error else "done",
            finished_at=_now().isoformat(),
            error=error,
            results=json.loads(json.dumps(results, default=str)),
        )


def train_models(
    ws: Workspace,
    wanted: Sequence[str],
    options: kinds.TrainOptions,
    promote: str = "auto",
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, dict]:
    """Train each kind in turn (in declaration order); one that fails is reported and the others still train.

    After each, the promotion policy decides whether the new version serves: always, never (kept
    as a candidate), or auto (only if its headline metric is at least the active version's).
    Call it while holding `training_lock`.
    """
    chosen = [k for k in kinds.KINDS if k.name in set(wanted)]
    results: dict[str, dict] = {}
    for i, kind in enumerate(chosen):

        def report(fraction: float, message: str, i: int = i, name: str = kind.name) -> None:
            if progress:
                progress((i + min(max(fraction, 0.0), 1.0)) / len(chosen), f"{name}: {message}")

        previous = registry.active_version(ws, kind.name)
        engine = kind.engine_for(options)  # a kind with no trainer on the engine asked for trains locally
        try:
            results[kind.name] = kind.train(ws, replace(options, engine=engine), report)
        except Exception as exc:  # the other models still train; nothing active changes for this one
            results[kind.name] = {"error": user_message(exc)}
            continue
        results[kind.name]["engine"] = engine
        results[kind.name]["promoted"] = _apply_policy(ws, kind.name, previous, results[kind.name]["version"], promote)
    from core.sentiment import arrival  # here: it imports the text pipeline (nltk), seconds at start-up

    if any("error" not in results[k] for k in arrival.KINDS if k in results):
        arrival.store(ws)  # what the Sentiment page shows first, for the versions now active
    return results


def _apply_policy(ws: Workspace, kind: str, previous: str | None, new: str, policy: str) -> bool:
    if previous is None or policy == "always":
        return True
    if policy == "auto":
        found = registry.overview(ws).set_index("version")
        old_value, new_value = found.loc[previous, "value"], found.loc[new, "value"]
        if old_value is None or new_value is None or new_value != new_value or new_value >= old_value - 1e-9:
            return True
    registry.keep_candidate(ws, kind, new, previous)
    return False


def runs(ws: Workspace, limit: int = 20) -> list[RunStatus]:
    """The latest runs, newest first; running ones whose process is gone are marked failed."""
    folder = ws.models_dir / RUNS_DIR
    paths = sorted(folder.glob("run-*.json"), reverse=True)[:limit] if folder.is_dir() else []
    out = []
    for path in paths:
        row = _read_record(path)
        if row is None:
            continue
        updated = pd.Timestamp(row.get("updated_at") or row["started_at"])
        just_started = (pd.Timestamp(_now()) - updated).total_seconds() < 20
        if row["status"] == "queued" and just_started:
            pass  # the worker may not have taken the lock yet
        elif row["status"] in ("queued", "running") and not _alive(row.get("pid")) and not is_training(ws):
            row = _mark(ws, row["run_id"], "failed", DIED) or row
            _remove_partial_folders(ws)
        out.append(_status(row))
    return out


def _status(row: dict) -> RunStatus:
    return RunStatus(
        row["run_id"],
        list(row["models"]),
        row["status"],
        float(row.get("fraction") or 0),
        row.get("message") or "",
        pd.Timestamp(row["started_at"]),
        None if not row.get("finished_at") else pd.Timestamp(row["finished_at"]),
        row.get("error"),
        row.get("results") or {},
        row.get("pid"),
    )


def latest(ws: Workspace, models: Sequence[str] = ()) -> RunStatus | None:
    """The newest run that trains any of `models` (any run when empty), or None."""
    for status in runs(ws, limit=20):
        if not models or set(models) & set(status.models):
            return status
    return None


def run(ws: Workspace, run_id: str) -> RunStatus:
    for status in runs(ws, limit=1000):
        if status.run_id == run_id:
            return status
    raise PersonaLensError(f"there is no training run {run_id} in this workspace")


def cancel(ws: Workspace, run_id: str) -> None:
    status = run(ws, run_id)
    if not status.finished and _alive(status.pid):
        os.killpg(int(status.pid), signal.SIGTERM)
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


def _mark(ws: Workspace, run_id: str, status: str, error: str) -> dict | None:
    """Mark a run that has not finished yet; returns its new record (None when it had finished)."""
    record = _read_record(_record_path(ws, run_id))
    if record is None or record["status"] not in ("queued", "running"):
        return None
    return _update(ws, run_id, status=status, error=error, finished_at=_now().isoformat())


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
