"""The storage path under a team's load: many threads, other processes writing, both cores busy.

Without CPU contention the old per-call `duckdb.connect` raced too rarely to see; so the heavy tests
keep both cores busy with other processes, as a shared server under load does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from core import storage
from core.errors import WorkspaceBusyError
from core.workspace import Workspace, create_workspace, open_workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    created = create_workspace(tmp_path / "ws")
    created.commit({"products": pd.DataFrame({"product_id": ["P1", "P2"], "title": ["Tea", "Mug"]})})
    return created


@pytest.fixture
def busy_cores() -> Iterator[None]:
    """Two processes that keep both cores of the CI machine busy."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def _hammer(ws: Workspace, thread: int, rounds: int, errors: list[str]) -> None:
    for i in range(rounds):
        try:
            step = i % 25
            if step == 0:  # a write now and then, as renames and uploads are
                with ws.transaction("a test write") as con:
                    con.execute("INSERT INTO scratch VALUES (?, ?)", [thread, i])
            elif step % 4 == 0:
                ws.row_counts()
            elif step % 4 == 1:
                ws.state()
            elif step % 4 == 2:
                ws.data_version()
            else:
                assert len(ws.query("SELECT * FROM products")) == 2
        except Exception as exc:  # noqa: BLE001 - every failure is counted, whatever it is
            errors.append(f"{type(exc).__name__}: {exc}")


def test_sixteen_threads_read_and_write_with_both_cores_busy(ws: Workspace, busy_cores: None) -> None:
    with ws.transaction() as con:
        con.execute("CREATE TABLE scratch (thread INTEGER, i INTEGER)")
    errors: list[str] = []
    threads = [threading.Thread(target=_hammer, args=(ws, t, 500, errors)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ws.query("SELECT count(*) AS n FROM scratch")["n"].iloc[0] == 16 * 20
    assert storage.handle(ws.db_path).opens < 16 * 500 / 4  # cursors of one handle, not a connect per call


WRITER = """
import sys, time
from core.workspace import open_workspace
ws = open_workspace(sys.argv[1])
for i in range(int(sys.argv[2])):
    with ws.transaction("an import from another program") as con:
        con.execute("INSERT INTO scratch VALUES (?, ?)", [-1, i])
        time.sleep(float(sys.argv[3]))
"""


def _other_program(ws: Workspace, writes: int, hold_s: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(ws.path), str(writes), str(hold_s)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_reads_never_fail_while_another_program_writes(ws: Workspace, busy_cores: None) -> None:
    with ws.transaction() as con:
        con.execute("CREATE TABLE scratch (thread INTEGER, i INTEGER)")
    writer = _other_program(ws, writes=40, hold_s=0.02)
    errors: list[str] = []
    threads = [threading.Thread(target=_hammer, args=(ws, t, 150, errors)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, stderr = writer.communicate(timeout=120)
    assert writer.returncode == 0, stderr
    assert errors == []
    found = ws.query("SELECT count(*) AS n FROM scratch WHERE thread = -1")["n"].iloc[0]
    assert found == 40  # this process reopened the file and sees the other program's rows


def test_a_write_that_must_wait_says_so_then_succeeds(ws: Workspace) -> None:
    with ws.transaction() as con:
        con.execute("CREATE TABLE scratch (thread INTEGER, i INTEGER)")
    writer = _other_program(ws, writes=1, hold_s=1.5)
    deadline = time.monotonic() + 30
    while not (ws.path / "workspace.holder").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    notices: list[str] = []
    with storage.waiting_notice(notices.append), ws.transaction("a persona rename") as con:
        con.execute("INSERT INTO scratch VALUES (0, 0)")
    writer.communicate(timeout=60)
    assert notices and "an import from another program in another program" in notices[0]
    assert ws.query("SELECT count(*) AS n FROM scratch")["n"].iloc[0] == 2


def test_a_write_that_waits_too_long_fails_in_plain_words(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    with ws.transaction() as con:
        con.execute("CREATE TABLE scratch (thread INTEGER, i INTEGER)")
    writer = _other_program(ws, writes=1, hold_s=3)
    deadline = time.monotonic() + 30
    while not (ws.path / "workspace.holder").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    monkeypatch.setattr(storage, "WRITE_WAIT_S", 0.5)
    refused = pytest.raises(WorkspaceBusyError, match="could not save a persona rename: the workspace stayed busy")
    with refused, ws.transaction("a persona rename") as con:
        con.execute("INSERT INTO scratch VALUES (0, 0)")
    writer.communicate(timeout=60)
    assert ws.query("SELECT count(*) AS n FROM scratch")["n"].iloc[0] == 1  # the refused write left nothing


def test_reads_inside_a_write_see_committed_data_and_a_write_inside_a_read_is_refused(ws: Workspace) -> None:
    with ws.transaction() as con:
        con.execute("UPDATE products SET title = 'Green tea' WHERE product_id = 'P1'")
        assert ws.data_version() == 1  # a read from the writing thread works (and sees committed data)
    with ws.connect(), pytest.raises(RuntimeError, match="still reads"), ws.transaction():
        pass
    assert ws.query("SELECT title FROM products ORDER BY product_id")["title"].tolist() == ["Green tea", "Mug"]


def test_a_write_inside_a_write_joins_it_and_reads_inside_see_its_changes(ws: Workspace) -> None:
    with pytest.raises(ZeroDivisionError), ws.transaction() as outer:
        outer.execute("DELETE FROM products WHERE product_id = 'P1'")
        with ws.transaction() as inner:
            inner.execute("DELETE FROM products WHERE product_id = 'P2'")
        assert ws.query("SELECT count(*) AS n FROM products")["n"].iloc[0] == 0
        raise ZeroDivisionError
    assert len(ws.read_table("products")) == 2  # the inner write went with the outer one


def test_a_failed_write_leaves_nothing_and_the_next_one_works(ws: Workspace) -> None:
    with pytest.raises(ZeroDivisionError), ws.transaction() as con:
        con.execute("DELETE FROM products")
        raise ZeroDivisionError
    assert len(ws.read_table("products")) == 2
    with ws.transaction() as con:
        con.execute("DELETE FROM products WHERE product_id = 'P2'")
    assert len(ws.read_table("products")) == 1


def test_a_workspace_deleted_and_recreated_while_another_thread_reads(tmp_path: Path) -> None:
    from core.workspace import delete_workspace

    first = create_workspace(tmp_path / "same")
    first.commit({"products": pd.DataFrame({"product_id": ["P1"]})})
    reading, release = threading.Event(), threading.Event()

    def slow_reader() -> None:
        with first.connect():
            reading.set()
            release.wait(10)

    thread = threading.Thread(target=slow_reader)
    thread.start()
    reading.wait(10)
    delete_workspace(tmp_path / "same")
    threading.Timer(0.5, release.set).start()
    second = create_workspace(tmp_path / "same")  # waits for the old handle to close, then opens anew
    thread.join()
    assert second.data_version() == 0
    assert len(second.read_table("products")) == 0


def test_a_replaced_workspace_folder_gets_a_fresh_handle(tmp_path: Path) -> None:
    first = create_workspace(tmp_path / "again")
    assert first.data_version() == 0
    (tmp_path / "again").rename(tmp_path / "old")
    second = create_workspace(tmp_path / "again")
    second.commit({"products": pd.DataFrame({"product_id": ["P9"]})})
    assert open_workspace(tmp_path / "again").data_version() == 1
    assert open_workspace(tmp_path / "old").data_version() == 0
