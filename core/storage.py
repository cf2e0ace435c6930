"""One DuckDB handle per workspace per process, shared by every thread, and a lock across processes.

DuckDB lets one process open a database file read-write, or any number of processes open it
read-only, never both at once; and two threads of one process that each call `duckdb.connect` on
the same file at the same moment can collide ("Unique file handle conflict"). PersonaLens runs a
Streamlit server (every session and fragment on its own thread), background training processes
and CLI commands on the same workspace, so this module designs around both rules on purpose:

* **Within a process** there is at most one open handle per database file. Every read and every
  write gets a cursor of it (`con.cursor()`, DuckDB's thread-safe way to share a database) and
  closes the cursor afterwards. The handle lingers for `LINGER_S` after its last use, so one page
  rerun's dozen queries open the file once.
* **Across processes** a readers-writer lock on two small files beside the database orders access
  so that DuckDB's own file lock never refuses anyone:
  - `workspace.lock`: a process with a read-only handle holds a shared `flock` on it; a process
    with the read-write handle holds it exclusively.
  - `workspace.intent`: a writer takes it exclusively *before* asking for `workspace.lock`, and
    readers look at it before every read. A process whose read-only handle sees a writer waiting
    stops handing out cursors, closes the handle once its reads in flight finish and waits, so a
    stream of readers can never starve a writer. An idle handle is closed by a watcher thread.
  - `workspace.holder`: who is writing (pid and purpose), for the waiting message.
* **Reads never fail**: they wait (up to `READ_WAIT_S`) while another process writes. Threads of
  the process that writes keep reading through cursors of its read-write handle (DuckDB's MVCC
  shows them the last committed state), so an upload in the server does not stall its pages.
* **A write that has to wait says so**: the thread's `waiting_notice` callback gets a plain
  sentence ("waiting for training (recommendations) in another program to finish"), then the write
  goes ahead or, after `WRITE_WAIT_S`, fails with WorkspaceBusyError naming the holder.
* **Within one thread**: a write inside a write joins it (one transaction); a read inside a write
  uses the write's own cursor, so it sees what the write changed so far; a write while the thread
  still holds a read cursor (of any workspace) is refused, since it could wait for itself forever.

Writers should hold the lock only for the database work itself: training computes with no lock
and writes its results in one short transaction at the end.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb

from core.errors import WorkspaceBusyError

LINGER_S = 2.0
READ_WAIT_S = float(os.environ.get("PERSONALENS_READ_WAIT_S", "1800"))
WRITE_WAIT_S = float(os.environ.get("PERSONALENS_WRITE_WAIT_S", "120"))
NOTICE_AFTER_S = 0.3
_POLL_S = 0.02
_WATCH_S = 0.1

_local = threading.local()


@contextmanager
def waiting_notice(callback: Callable[[str], None]) -> Iterator[None]:
    """While the block runs, a read or write of this thread that has to wait calls `callback(message)`."""
    previous = getattr(_local, "notice", None)
    _local.notice = callback
    try:
        yield
    finally:
        _local.notice = previous


def _notify(message: str) -> None:
    callback = getattr(_local, "notice", None)
    if callback is not None:
        callback(message)


class _Handle:
    """The process's handle on one database file and its place in the cross-process lock."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.cond = threading.Condition()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.mode: str | None = None  # "r" (read-only) or "w" (read-write)
        self.users = 0  # cursors handed out and not yet closed
        self.draining = False  # no new cursors: the handle closes once `users` is 0
        self.retired = False  # the folder was deleted or replaced: close as soon as nobody reads
        self.writer: int | None = None  # thread id of this process's writer
        self.writer_cursor: duckdb.DuckDBPyConnection | None = None
        self.writer_depth = 0
        self.writer_queued = 0  # threads of this process waiting to write
        self.last_used = time.monotonic()
        folder = db_path.parent
        self._lock_file: IO[str] = _open_lock(folder / "workspace.lock")
        self._intent_file: IO[str] = _open_lock(folder / "workspace.intent")
        self._probe_file: IO[str] = _open_lock(folder / "workspace.intent")
        self._holder_path = folder / "workspace.holder"
        self.opens = 0  # how often the file was opened (for tests and benchmarks)
        self.watching = False
        self.holding_intent = False
        self.files_open = True

    # -- the cross-process lock ------------------------------------------------------------------

    def writer_waiting_elsewhere(self) -> bool:
        """True when some writer (another process, or a queued one here) holds or wants the intent lock."""
        try:
            fcntl.flock(self._probe_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._probe_file, fcntl.LOCK_UN)
        return False

    def holder(self) -> str:
        try:
            found = json.loads(self._holder_path.read_text())
        except (OSError, ValueError):
            return "another change"
        where = "in this server" if found.get("pid") == os.getpid() else "in another program"
        return f"{found.get('purpose') or 'another change'} {where}"

    def _close_locked(self) -> None:
        """Close the handle and leave the cross-process lock (caller holds `cond`, `users` is 0);
        the lock is left even when closing fails (a checkpoint on a full disk), so nobody hangs."""
        try:
            if self.con is not None:
                self.con.close()
        finally:
            self.con, self.mode, self.draining = None, None, False
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            if self.retired:
                self.close_files()
            self.cond.notify_all()

    def replaced(self) -> bool:
        """True when the workspace folder was deleted or swapped for a new one since this handle opened."""
        try:
            return os.stat(self._lock_file.name).st_ino != os.fstat(self._lock_file.fileno()).st_ino
        except OSError:
            return True

    def close_files(self) -> None:
        if self.files_open:
            self.files_open = False
            for lock_file in (self._lock_file, self._intent_file, self._probe_file):
                lock_file.close()

    def _start_watching_locked(self) -> None:
        if not self.watching:
            self.watching = True
            name = f"personalens-db-{self.db_path.parent.name}"
            threading.Thread(target=self._watch, name=name, daemon=True).start()

    def _watch(self) -> None:
        """Close an idle read-only handle, and any handle a writer is waiting for, once nobody uses it."""
        while True:
            with self.cond:
                self.cond.wait(_WATCH_S)
                if self.con is None or _exiting:
                    self.watching = False
                    return
                if self.users or self.mode == "w":
                    continue
                idle = time.monotonic() - self.last_used > LINGER_S
                if idle or self.draining or self.writer_waiting_elsewhere():
                    self._close_locked()

    # -- cursors ---------------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.cond:
            if self.writer == threading.get_ident() and self.writer_cursor is not None:
                own = self.writer_cursor  # a read inside this thread's write sees the write's changes
            else:
                own = None
        if own is not None:
            yield own
            return
        cursor = self._checkout_reader(nested=_reads_held(self) > 0)
        _count_read(self, +1)
        try:
            yield cursor
        finally:
            _count_read(self, -1)
            self._checkin(cursor)

    def _checkout_reader(self, nested: bool) -> duckdb.DuckDBPyConnection:
        """`nested`: this thread already reads, so it must get a cursor even while the handle drains."""
        started = time.monotonic()
        noticed = False
        with self.cond:
            while True:
                if self.con is not None and nested:
                    return self._cursor_locked()
                if self.con is not None and not self.draining:
                    if self.mode == "w" or not self.writer_waiting_elsewhere():
                        return self._cursor_locked()
                    self.draining = True  # a writer waits: finish the reads in flight, then let it in
                elif self.con is None and not self.writer_queued and self._try_open_reader_locked():
                    continue
                elif self._drained_for_nothing_locked():
                    self.draining = False  # the writer it drained for gave up: serve again
                    continue
                waited = time.monotonic() - started
                if waited > READ_WAIT_S:
                    raise WorkspaceBusyError(
                        f"the workspace stayed busy with {self.holder()} for {waited:.0f} s; try again later"
                    )
                if waited > NOTICE_AFTER_S and not noticed:
                    noticed = True
                    _notify(f"Waiting for {self.holder()} to finish…")
                self.cond.wait(_POLL_S)

    def _drained_for_nothing_locked(self) -> bool:
        return (
            self.draining
            and self.con is not None
            and self.mode == "r"
            and not self.retired
            and self.writer is None
            and not self.writer_queued
            and not self.writer_waiting_elsewhere()
        )

    def _try_open_reader_locked(self) -> bool:
        if self.retired or self.writer_waiting_elsewhere() or _retired_still_open(self):
            return False
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        try:
            self.con = duckdb.connect(str(self.db_path), read_only=True)
        except duckdb.IOException:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)  # a program outside this protocol holds the file
            return False
        except BaseException:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            raise
        self.mode, self.opens = "r", self.opens + 1
        self._start_watching_locked()
        return True

    def _cursor_locked(self) -> duckdb.DuckDBPyConnection:
        assert self.con is not None
        cursor = self.con.cursor()
        self.users += 1
        return cursor

    def _checkin(self, cursor: duckdb.DuckDBPyConnection) -> None:
        try:
            cursor.close()
        finally:
            with self.cond:
                self.users -= 1
                self.last_used = time.monotonic()
                self.cond.notify_all()

    @contextmanager
    def write(self, purpose: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, bool]]:
        """(cursor, nested): a write inside this thread's write shares its cursor and transaction."""
        with self.cond:
            if self.writer == threading.get_ident() and self.writer_cursor is not None:
                self.writer_depth += 1
                nested_cursor = self.writer_cursor
            else:
                nested_cursor = None
        if nested_cursor is not None:
            try:
                yield nested_cursor, True
            finally:
                with self.cond:
                    self.writer_depth -= 1
            return
        if _reads_held(None):
            raise RuntimeError("a workspace write was started while this thread still reads from a workspace")
        cursor = self._become_writer(purpose)
        try:
            yield cursor, False
        finally:
            try:
                self._checkin(cursor)
            finally:
                with self.cond:
                    self.writer_cursor = None
                    self._stop_writing_locked()

    def _become_writer(self, purpose: str) -> duckdb.DuckDBPyConnection:
        started = time.monotonic()
        state = {"noticed": False}

        def wait_or_give_up(what: str) -> None:
            waited = time.monotonic() - started
            if waited > WRITE_WAIT_S:
                raise WorkspaceBusyError(
                    f"could not save {purpose}: the workspace stayed busy with {what} for {waited:.0f} s; "
                    "try again when it has finished"
                )
            if waited > NOTICE_AFTER_S and not state["noticed"]:
                state["noticed"] = True
                _notify(f"Waiting for {what} to finish…")

        with self.cond:
            self.writer_queued += 1
            try:
                while self.writer is not None:  # one writer per process at a time
                    wait_or_give_up(self.holder())
                    self.cond.wait(_POLL_S)
                self.writer = threading.get_ident()
            finally:
                self.writer_queued -= 1
        try:
            while not _try_flock(self._intent_file, fcntl.LOCK_EX):
                wait_or_give_up(self.holder())
                time.sleep(_POLL_S)
            self.holding_intent = True
            self._holder_path.write_text(json.dumps({"pid": os.getpid(), "purpose": purpose}))
            with self.cond:
                self.draining = self.con is not None
                while self.con is not None:
                    if not self.users:
                        self._close_locked()
                        break
                    wait_or_give_up("reads in progress")
                    self.cond.wait(_POLL_S)
            while True:
                if not _retired_still_open(self) and _try_flock(self._lock_file, fcntl.LOCK_EX):
                    try:
                        con = duckdb.connect(str(self.db_path))
                        break
                    except duckdb.IOException:  # a program outside this protocol holds the file
                        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                    except BaseException:
                        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                        raise
                wait_or_give_up("readers in other programs")
                time.sleep(_POLL_S)
            with self.cond:
                self.con, self.mode, self.draining, self.opens = con, "w", False, self.opens + 1
                self.cond.notify_all()
                self.writer_cursor = self._cursor_locked()
                return self.writer_cursor
        except BaseException:
            with self.cond:
                self._stop_writing_locked()
            raise

    def _stop_writing_locked(self) -> None:
        """Close the read-write handle once this process's reads finish, then let everyone in."""
        try:
            if self.mode == "w":
                self.draining = True
                while self.users:
                    self.cond.wait(_POLL_S)
                self._close_locked()
        finally:
            self.writer = None
            if self.holding_intent:
                self.holding_intent = False
                try:
                    self._holder_path.unlink(missing_ok=True)
                finally:
                    fcntl.flock(self._intent_file, fcntl.LOCK_UN)
            self.cond.notify_all()


def _open_lock(path: Path) -> IO[str]:
    return path.open("a")


def _try_flock(handle: IO[str], operation: int) -> bool:
    try:
        fcntl.flock(handle, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _reads_held(handle: _Handle | None) -> int:
    """Read cursors the current thread holds: of `handle`, or of any workspace when None."""
    counts: dict[int, int] = getattr(_local, "held", {})
    return sum(counts.values()) if handle is None else counts.get(id(handle), 0)


def _count_read(handle: _Handle, change: int) -> None:
    counts = getattr(_local, "held", None)
    if counts is None:
        counts = _local.held = {}
    counts[id(handle)] = counts.get(id(handle), 0) + change


_handles: dict[str, _Handle] = {}
_retired: dict[str, list[_Handle]] = {}  # handles of deleted or replaced folders, until they close
_handles_lock = threading.Lock()
_exiting = False


def _retired_still_open(current: _Handle) -> bool:
    """True while a retired handle of the same path still has DuckDB open (a new open would get its instance)."""
    key = str(current.db_path)
    with _handles_lock:
        waiting = [old for old in _retired.get(key, []) if old.con is not None]
        _retired[key] = waiting
    return bool(waiting)


@atexit.register
def _close_all() -> None:
    """Close idle handles at exit, so DuckDB checkpoints and the process leaves no lock behind."""
    global _exiting
    _exiting = True
    with _handles_lock:
        every = list(_handles.values()) + [old for olds in _retired.values() for old in olds]
    for found in every:
        with found.cond:
            if found.con is not None and not found.users:
                found._close_locked()


def handle(db_path: Path) -> _Handle:
    """The process's handle on `db_path` (created on first use; one per file for the process's life)."""
    key = str(db_path.resolve())
    with _handles_lock:
        found = _handles.get(key)
        if found is not None and found.replaced():
            _handles.pop(key)
            _retire_locked(key, found)
            found = None
        if found is None:
            found = _handles[key] = _Handle(Path(key))
        return found


def _retire_locked(key: str, old: _Handle) -> None:
    """Close a handle whose folder was deleted or replaced: now if idle, else once its reads in flight
    are done (its watcher or its writer closes it). Caller holds `_handles_lock`."""
    with old.cond:
        old.retired = True
        if old.con is None:
            old.close_files()
        elif not old.users and old.mode == "r":
            old._close_locked()
        else:
            old.draining = True
            _retired.setdefault(key, []).append(old)


def forget(db_path: Path) -> None:
    """Drop the process's handle on a database that is being deleted or replaced."""
    key = str(db_path.resolve())
    with _handles_lock:
        found = _handles.pop(key, None)
        if found is not None:
            _retire_locked(key, found)


@contextmanager
def reading(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for reading; waits (never fails quickly) while another process writes."""
    with handle(db_path).read() as cursor:
        yield cursor


@contextmanager
def writing(db_path: Path, purpose: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, bool]]:
    """(cursor, nested) of the read-write handle; `purpose` ("an import") names the write to whoever
    waits for it; `nested` is True inside another write of this thread (the caller joins its transaction)."""
    with handle(db_path).write(purpose) as found:
        yield found
