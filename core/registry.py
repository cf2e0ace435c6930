"""Which model versions exist in a workspace, which one serves, and whether their files are intact.

A version is a folder `models/KIND/VERSION/` plus one row in the `model_versions` table: kind,
version, status (active, retired, failed), when, on which data (the workspace's data version),
its metrics, a short summary, the training time, the library versions, and the checksum of its
manifest. The manifest (`manifest.json`, written before the folder is renamed into place) lists
the sha256 of every file; loading re-hashes them, so a damaged or foreign file is refused with a
message naming the version, and the newest earlier version that is intact serves instead.
Exactly one version per kind is active.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core import audit, kinds
from core.auth import User, require
from core.errors import PersonaLensError
from core.workspace import Workspace

TABLE = "model_versions"
_DDL = """CREATE TABLE IF NOT EXISTS model_versions (
    kind VARCHAR, version VARCHAR, status VARCHAR, created_at TIMESTAMP, data_version INTEGER,
    metrics JSON, summary JSON, PRIMARY KEY (kind, version))"""
_COLUMNS = (("checksum", "VARCHAR"), ("seconds", "DOUBLE"), ("libraries", "JSON"))
MANIFEST = "manifest.json"
OUTPUT_TABLES = {k.name: k.output_table for k in kinds.KINDS if k.output_table}


class DamagedModel(PersonaLensError):
    """A model version's files are missing or differ from what was written at training time."""


def new_version() -> str:
    """A sortable version id: the UTC time to the microsecond."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


@dataclass
class Draft:
    """A version being written: its id, its temporary folder, and how to register it."""

    ws: Workspace
    kind: str
    version: str
    folder: Path
    started: float
    data_version: int

    def record(self, con: duckdb.DuckDBPyConnection, metrics: dict, summary: dict) -> None:
        """Register the version (active) inside the caller's transaction, timed from `started`."""
        record_version(
            con,
            self.kind,
            self.version,
            self.data_version,
            metrics,
            summary,
            folder=self.folder,
            seconds=round(time.perf_counter() - self.started, 2),
        )


@contextmanager
def version_folder(ws: Workspace, kind: str, started: float | None = None) -> Iterator[Draft]:
    """A new version and its temporary folder: renamed into place when the block succeeds (after
    its database transaction has committed), removed when anything in it fails. `started` is when
    training began (perf_counter), for the recorded training time."""
    version = new_version()
    data_version = ws.data_version()  # the data training starts from, even if more arrives meanwhile
    root = ws.models_dir / kind
    partial = root / f".{version}.partial"
    partial.mkdir(parents=True)
    try:
        yield Draft(ws, kind, version, partial, time.perf_counter() if started is None else started, data_version)
        partial.rename(root / version)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)
    for column, sql_type in _COLUMNS:
        con.execute(f"ALTER TABLE model_versions ADD COLUMN IF NOT EXISTS {column} {sql_type}")


def write_manifest(folder: Path) -> str:
    """Hash every file of a version folder into manifest.json; returns the manifest's own sha256."""
    files = {
        str(p.relative_to(folder)): _sha256(p) for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
    }
    text = json.dumps(files, indent=1, sort_keys=True)
    (folder / MANIFEST).write_text(text)
    return hashlib.sha256(text.encode()).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libraries() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("numpy", "pandas", "scikit-learn", "scipy", "gensim", "implicit", "tensorflow-cpu", "nltk"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def record_version(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    version: str,
    data_version: int,
    metrics: dict,
    summary: dict,
    activate: bool = True,
    folder: Path | None = None,
    seconds: float | None = None,
) -> None:
    """Register a trained version inside the caller's transaction (and make it active).

    `folder` is the version's (not yet renamed) folder: its manifest is written and its checksum kept.
    """
    ensure_table(con)
    checksum = write_manifest(folder) if folder is not None else None
    if activate:
        con.execute("UPDATE model_versions SET status = 'retired' WHERE kind = ? AND status = 'active'", [kind])
    con.execute(
        "INSERT INTO model_versions (kind, version, status, created_at, data_version, metrics, summary, checksum, "
        "seconds, libraries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            kind,
            version,
            "active" if activate else "candidate",
            datetime.now(UTC).replace(tzinfo=None),
            data_version,
            json.dumps(metrics, default=float),
            json.dumps(summary, default=str),
            checksum,
            seconds,
            json.dumps(_libraries()),
        ],
    )


def versions(ws: Workspace, kind: str | None = None) -> pd.DataFrame:
    """kind, version, status, created_at, data_version, metrics, summary (JSON text), checksum, seconds,
    libraries, stale (trained on older data than the workspace now holds); newest first."""
    columns = [
        "kind",
        "version",
        "status",
        "created_at",
        "data_version",
        "metrics",
        "summary",
        "checksum",
        "seconds",
        "libraries",
        "stale",
    ]
    where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    with ws.connect() as con:  # one connection: pages ask on every rerun
        if not _exists(con, TABLE):
            return pd.DataFrame(columns=columns)
        frame = con.execute(f"SELECT * FROM model_versions {where} ORDER BY kind, version DESC", params).df()
    for column, _ in _COLUMNS:  # a workspace from before these columns existed
        if column not in frame:
            frame[column] = None
    frame["stale"] = frame["data_version"] < ws.data_version()
    return frame[columns]


def active_version(ws: Workspace, kind: str) -> str | None:
    with ws.connect() as con:
        return _active(con, kind)


def _active(con: duckdb.DuckDBPyConnection, kind: str) -> str | None:
    if not _exists(con, TABLE):
        return None
    found = con.execute("SELECT version FROM model_versions WHERE kind = ? AND status = 'active'", [kind]).fetchone()
    return None if found is None else str(found[0])


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0])


def verify(ws: Workspace, kind: str, version: str) -> None:
    """Raise DamagedModel unless every file of the version is as it was written."""
    folder = ws.models_dir / kind / version
    label = f"{kind} model version {version}"
    manifest = folder / MANIFEST
    if not folder.is_dir():
        raise DamagedModel(f"{label} is missing from the workspace folder")
    row = versions(ws, kind)
    row = row[row["version"] == version]
    expected = None if row.empty or pd.isna(row["checksum"].iloc[0]) else row["checksum"].iloc[0]
    if not manifest.is_file():
        if expected is None and not row.empty:
            return  # trained before checksums were kept: nothing to check against
        raise DamagedModel(f"{label} has no manifest: it was not written by PersonaLens, or not completely")
    if expected and hashlib.sha256(manifest.read_bytes()).hexdigest() != expected:
        raise DamagedModel(f"{label} has a manifest that does not match the one recorded at training time")
    try:
        files = json.loads(manifest.read_text())
    except ValueError as exc:
        raise DamagedModel(f"{label} has an unreadable manifest") from exc
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise DamagedModel(f"{label} is damaged: {name} is missing")
        if _sha256(path) != digest:
            raise DamagedModel(f"{label} is damaged: {name} changed since training")


@dataclass(frozen=True)
class Serving:
    """The version that serves a kind, and why it is not the active one when it is not."""

    version: str | None
    problem: str | None = None


def serving_version(ws: Workspace, kind: str) -> Serving:
    """The active version if intact; else the newest earlier intact version, with the reason."""
    active = active_version(ws, kind)
    if active is None:
        return Serving(None)
    try:
        verify(ws, kind, active)
        return Serving(active)
    except DamagedModel as exc:
        problem = str(exc)
    for older in versions(ws, kind)["version"].tolist():
        if older >= active:
            continue
        try:
            verify(ws, kind, older)
        except DamagedModel:
            continue
        return Serving(older, f"{problem}; serving the previous version {older} instead")
    return Serving(None, f"{problem}, and no earlier intact version exists: retrain")


def serving_or_none(ws: Workspace, kind: str) -> Serving | None:
    """What serves `kind`; None when it was never trained; DamagedModel when no intact version is left."""
    serving = serving_version(ws, kind)
    if serving.version is None:
        if serving.problem:
            raise DamagedModel(serving.problem)
        return None
    return serving


def activate(ws: Workspace, kind: str, version: str, by: User | None = None) -> None:
    """Make an existing, intact version the active one (promote a candidate, or roll back)."""
    require(by, ws.name, "promote")
    _activate(ws, kind, version)
    audit.record(ws, by, "promote", f"{kind} version {version} now serves")


def _activate(ws: Workspace, kind: str, version: str) -> None:
    if version not in versions(ws, kind)["version"].tolist():
        raise PersonaLensError(f"there is no {kind} version {version} in this workspace")
    verify(ws, kind, version)
    with ws.transaction("a change of the serving model") as con:
        con.execute("UPDATE model_versions SET status = 'retired' WHERE kind = ? AND status = 'active'", [kind])
        con.execute("UPDATE model_versions SET status = 'active' WHERE kind = ? AND version = ?", [kind, version])


def rollback(ws: Workspace, kind: str, by: User | None = None) -> str:
    """Activate the newest intact version older than the active one; returns it."""
    require(by, ws.name, "promote")
    active = active_version(ws, kind)
    if active is None:
        raise PersonaLensError(f"there is no active {kind} model to roll back from")
    for older in versions(ws, kind)["version"].tolist():
        if older < active:
            try:
                _activate(ws, kind, older)
            except DamagedModel:
                continue
            audit.record(ws, by, "roll back", f"{kind} from version {active} to {older}")
            return older
    raise PersonaLensError(f"there is no earlier {kind} version to roll back to")


def delete(ws: Workspace, kind: str, version: str, by: User | None = None) -> None:
    """Remove a version that is not active (its row and its folder)."""
    require(by, ws.name, "delete_version")
    if version == active_version(ws, kind):
        raise PersonaLensError(f"{kind} version {version} is active: promote or roll back to another one first")
    if version not in versions(ws, kind)["version"].tolist():
        raise PersonaLensError(f"there is no {kind} version {version} in this workspace")
    table = OUTPUT_TABLES.get(kind)
    has_table = table and ws.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?", [table])["n"][0]
    with ws.transaction("a model deletion") as con:
        con.execute("DELETE FROM model_versions WHERE kind = ? AND version = ?", [kind, version])
        if has_table:
            con.execute(f"DELETE FROM {table} WHERE version = ?", [version])
    shutil.rmtree(ws.models_dir / kind / version, ignore_errors=True)
    audit.record(ws, by, "delete", f"{kind} version {version}")


def find_kind(ws: Workspace, version: str) -> str:
    found = versions(ws)
    match = found[found["version"] == version]
    if match.empty:
        raise PersonaLensError(f"there is no model version {version} in this workspace")
    return str(match["kind"].iloc[0])


def _has_table(ws: Workspace) -> bool:
    with ws.connect() as con:
        return _exists(con, TABLE)


def headline(kind: str, metrics: dict, summary: dict) -> tuple[str, float | None]:
    """The one number that says how good a version is, in the unit the Models page shows."""
    declared = kinds.BY_NAME.get(kind)
    return ("", None) if declared is None else (declared.metric, declared.headline(metrics, summary))


def overview(ws: Workspace) -> pd.DataFrame:
    """kind, version, status, created_at, data_version, stale, metric, value, seconds, summary (dict); newest first."""
    found = versions(ws)
    rows = []
    for row in found.itertuples(index=False):
        metrics, summary = json.loads(row.metrics or "{}"), json.loads(row.summary or "{}")
        metric, value = headline(row.kind, metrics, summary)
        rows.append(
            {
                "kind": row.kind,
                "version": row.version,
                "status": row.status,
                "created_at": row.created_at,
                "data_version": int(row.data_version),
                "stale": bool(row.stale),
                "metric": metric,
                "value": None if value is None else float(value),
                "seconds": row.seconds,
                "summary": summary,
            }
        )
    columns = [
        "kind",
        "version",
        "status",
        "created_at",
        "data_version",
        "stale",
        "metric",
        "value",
        "seconds",
        "summary",
    ]
    return pd.DataFrame(rows, columns=columns)


def active_rows(ws: Workspace, kind: str) -> str | None:
    """SQL for the rows the active version of `kind` wrote to its output table, or None.

    Output tables keep every version's rows, so promoting or rolling back is a change of status
    only; readers select the active version's rows through this.
    """
    table = OUTPUT_TABLES[kind]
    with ws.connect() as con:
        version, present = _active(con, kind), _exists(con, table)
    if version is None or not present:
        return None
    return f"(SELECT * FROM {table} WHERE version = '{version}')"  # version ids are our own timestamps


def keep_candidate(ws: Workspace, kind: str, new: str, previous: str) -> None:
    """Leave `previous` active and mark the newly trained `new` as a candidate (not promoted)."""
    with ws.transaction("a change of the serving model") as con:
        con.execute("UPDATE model_versions SET status = 'retired' WHERE kind = ? AND status = 'active'", [kind])
        con.execute("UPDATE model_versions SET status = 'active' WHERE kind = ? AND version = ?", [kind, previous])
        con.execute("UPDATE model_versions SET status = 'candidate' WHERE kind = ? AND version = ?", [kind, new])
