"""Background training runs: progress in run records, one at a time, failures in plain words, kill -9."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from core import kinds, registry, runs
from core.personas.service import load_views
from core.workspace import Workspace, open_workspace

QUICK_TOPICS = kinds.TrainOptions(n_topics=10)  # one topic count instead of the search: the run is what is tested


@pytest.fixture
def own(trained_ws: Workspace, tmp_path: Path) -> Workspace:
    shutil.copytree(trained_ws.path, tmp_path / "ws")
    return open_workspace(tmp_path / "ws")


def test_a_background_run_reports_progress_and_a_second_is_refused(own: Workspace) -> None:
    before = registry.active_version(own, "topics")
    run_id = runs.start_run(own, ["topics"], promote="always", options=QUICK_TOPICS)
    deadline = time.monotonic() + 30
    while not runs.is_training(own) and time.monotonic() < deadline:
        time.sleep(0.1)
    with pytest.raises(runs.RunBusy, match="already training"):
        runs.start_run(own, ["topics"])
    seen: list[float] = []
    done = runs.wait(own, run_id, timeout=300, poll=lambda s: seen.append(s.fraction))
    assert done.status == "done" and done.error is None, done
    assert max(seen) == 1.0 and any(0 < f < 1 for f in seen)
    assert registry.active_version(own, "topics") != before
    assert done.results["topics"]["promoted"] is True


def test_a_model_that_cannot_train_fails_in_plain_words_and_the_others_finish(own: Workspace) -> None:
    with own.transaction() as con:
        con.execute("DELETE FROM reviews")  # sentiment and topics now have nothing to read
    active = {k: registry.active_version(own, k) for k in ("sentiment", "personas")}
    run_id = runs.start_run(own, ["sentiment", "personas"], promote="always")
    done = runs.wait(own, run_id, timeout=300)
    assert done.status == "failed" and "sentiment: sentiment needs reviews with some text" in done.error
    assert "error" not in done.results["personas"]
    assert registry.active_version(own, "sentiment") == active["sentiment"]
    assert registry.active_version(own, "personas") != active["personas"]


def test_kill_9_while_the_worker_writes_an_artifact_leaves_a_workspace_that_serves(own: Workspace) -> None:
    serving = registry.active_version(own, "personas")
    for _ in range(3):  # the write takes well under a second: try again if we miss it
        run_id = runs.start_run(own, ["personas"], promote="always", options=kinds.TrainOptions(n_personas=6))
        pid = None
        while not runs.run(own, run_id).finished:
            partial = list((own.models_dir / "personas").glob(".*.partial"))
            if partial and any(partial[0].rglob("*.npz")):
                pid = runs.run(own, run_id).pid
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.005)
        if pid is not None:
            break
        registry.activate(own, "personas", serving)  # the run finished first: put things back and retry
    assert pid is not None, "never caught the worker writing"
    deadline = time.monotonic() + 30
    while runs.is_training(own) and time.monotonic() < deadline:
        time.sleep(0.1)
    reopened = open_workspace(own.path)
    status = runs.run(reopened, run_id)
    assert status.status == "failed" and "stopped before finishing" in status.error
    assert registry.active_version(reopened, "personas") == serving
    assert load_views(reopened) is not None and len(load_views(reopened).cards) > 0
    assert not list(reopened.models_dir.glob("*/.*.partial"))


def test_two_runs_started_at_once_never_interleave(own: Workspace) -> None:
    first = runs.start_run(own, ["topics"], options=QUICK_TOPICS)
    try:
        second = runs.start_run(own, ["topics"], options=QUICK_TOPICS)
    except runs.RunBusy:
        second = None
    outcomes = [runs.wait(own, first, timeout=300)]
    if second is not None:  # both got past the check: the lock lets one worker train, the other stops
        outcomes.append(runs.wait(own, second, timeout=300))
        assert sorted(o.status for o in outcomes) == ["done", "failed"]
        assert any("already training" in (o.error or "") for o in outcomes)
    assert outcomes[0].status in ("done", "failed")
    assert len(registry.versions(own, "topics")) == 2  # the fixture's and exactly one new one


def test_a_dead_workers_half_written_folder_is_removed(own: Workspace) -> None:
    partial = own.models_dir / "recs" / ".20990101T000000000000.partial"
    partial.mkdir(parents=True)
    (partial / "arrays.npz").write_bytes(b"half")
    record = {"run_id": "run-dead", "models": ["recs"], "status": "running", "fraction": 0.5, "message": "saving"}
    runs._write_record(own, {**record, "started_at": "2026-01-01T00:00:00", "pid": 999999999})
    assert runs.run(own, "run-dead").status == "failed"
    assert not partial.exists()
