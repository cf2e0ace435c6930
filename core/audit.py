"""The audit trail of a workspace: who uploaded, trained, promoted, rolled back, deleted, exported or
unmasked what, and when.

One JSON line per event in `audit.jsonl` in the workspace folder, appended with a single `write` on a
file opened for appending (atomic for lines this short), so the server, background runs and the CLI
can all record without taking the database's write lock.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pandas as pd

from core.auth import User, who
from core.workspace import Workspace

FILE = "audit.jsonl"
COLUMNS = ["at", "user", "action", "what"]


def record(ws: Workspace, by: User | None, action: str, what: str) -> None:
    """Add an event: `action` ("upload", "train", "promote", ...) on `what` (plain words), by `by`."""
    line = json.dumps(
        {"at": datetime.now(UTC).isoformat(timespec="seconds"), "user": who(by), "action": action, "what": what}
    )
    fd = os.open(ws.path / FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def events(ws: Workspace, limit: int | None = None) -> pd.DataFrame:
    """at, user, action, what; newest first."""
    path = ws.path / FILE
    rows = []
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue  # a torn last line of a crashed writer
    frame = pd.DataFrame(rows, columns=COLUMNS).iloc[::-1].reset_index(drop=True)
    return frame.head(limit) if limit else frame
