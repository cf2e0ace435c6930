"""Which model versions exist in a workspace and which one is active, per kind of model.

A version is a folder under `models/KIND/VERSION/` plus one row in the `model_versions` table
(kind, version, status, when, on which data, its metrics and a short summary). Exactly one
version per kind is `active`; older ones are `retired`, and can be made active again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pandas as pd

from core.errors import PersonaLensError
from core.workspace import Workspace

_DDL = """CREATE TABLE IF NOT EXISTS model_versions (
    kind VARCHAR, version VARCHAR, status VARCHAR, created_at TIMESTAMP, data_version INTEGER,
    metrics JSON, summary JSON, PRIMARY KEY (kind, version))"""


def new_version() -> str:
    """A sortable version id: the UTC time to the microsecond."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def record_version(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    version: str,
    data_version: int,
    metrics: dict,
    summary: dict,
    activate: bool = True,
) -> None:
    """Register a trained version inside the caller's transaction (and make it active)."""
    con.execute(_DDL)
    if activate:
        con.execute("UPDATE model_versions SET status = 'retired' WHERE kind = ? AND status = 'active'", [kind])
    con.execute(
        "INSERT INTO model_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            kind,
            version,
            "active" if activate else "candidate",
            datetime.now(UTC).replace(tzinfo=None),
            data_version,
            json.dumps(metrics, default=float),
            json.dumps(summary, default=str),
        ],
    )


def versions(ws: Workspace, kind: str) -> pd.DataFrame:
    """kind, version, status, created_at, data_version, metrics, summary (JSON text); newest first."""
    if not _has_table(ws):
        return pd.DataFrame(columns=["kind", "version", "status", "created_at", "data_version", "metrics", "summary"])
    return ws.query("SELECT * FROM model_versions WHERE kind = ? ORDER BY version DESC", [kind])


def active_version(ws: Workspace, kind: str) -> str | None:
    if not _has_table(ws):
        return None
    found = ws.query("SELECT version FROM model_versions WHERE kind = ? AND status = 'active'", [kind])
    return None if found.empty else str(found["version"].iloc[0])


def activate(ws: Workspace, kind: str, version: str) -> None:
    """Make an existing version the active one (promote a candidate, or roll back)."""
    if not (ws.models_dir / kind / version).is_dir() or version not in versions(ws, kind)["version"].tolist():
        raise PersonaLensError(f"there is no {kind} version {version} in this workspace")
    with ws.transaction() as con:
        con.execute("UPDATE model_versions SET status = 'retired' WHERE kind = ? AND status = 'active'", [kind])
        con.execute("UPDATE model_versions SET status = 'active' WHERE kind = ? AND version = ?", [kind, version])


def _has_table(ws: Workspace) -> bool:
    found = ws.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'model_versions'")
    return bool(found["n"].iloc[0])
