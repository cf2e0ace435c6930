"""The workspace: a folder holding one store's data, its raw uploads and its model artifacts.

Layout::

    NAME/
      workspace.json      marker: format version, name, creation time
      workspace.duckdb    canonical tables (see core.schema) + bookkeeping tables
      raw/                every uploaded file exactly as received (sha256 recorded)
      models/             versioned model artifacts

DuckDB is the store because it reads CSV/Parquet natively, runs analytical SQL over millions of
rows in-process, and needs no server. Every read and write goes through `core.storage`: one handle
per process, a cursor per use, and a readers-writer lock across processes, so the dashboard, a
background training run and the CLI can work on the same workspace at once (see its docstring).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core import schema, storage
from core.auth import User, require
from core.config import workspaces_home
from core.errors import (
    DataError,
    WorkspaceExistsError,
    WorkspaceNameError,
    WorkspaceNotFoundError,
)

FORMAT_VERSION = 1
MARKER = "workspace.json"
DB_FILE = "workspace.duckdb"

_BOOKKEEPING_DDL = (
    "CREATE TABLE IF NOT EXISTS workspace_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS raw_files (
        file_id VARCHAR PRIMARY KEY, original_name VARCHAR, stored_path VARCHAR,
        sha256 VARCHAR, size_bytes BIGINT, received_at TIMESTAMP, note VARCHAR)""",
)


@dataclass(frozen=True)
class RawFile:
    """An uploaded file kept byte-for-byte in `raw/`."""

    file_id: str
    original_name: str
    stored_path: str
    sha256: str
    size_bytes: int
    received_at: datetime


@dataclass(frozen=True)
class WorkspaceState:
    """What a cached view of the workspace depends on, read in one go: every cache keys on it.

    `data_version` grows with every commit of data, `labels_version` with every rename of a persona
    or topic, and `active` holds each model kind's active version (kind, version), sorted by kind.
    """

    data_version: int
    labels_version: int
    active: tuple[tuple[str, str], ...]

    def version(self, kind: str) -> str | None:
        return dict(self.active).get(kind)


@dataclass(frozen=True)
class WorkspaceInfo:
    """A line of the workspace list."""

    name: str
    path: Path
    created_at: str


def resolve_path(workspace: str | Path) -> Path:
    """A bare name lives under the workspaces home; anything with a slash is a path."""
    text = str(workspace).strip()
    if not text:
        raise WorkspaceNotFoundError("no workspace given: pass a name such as 'demo' or a folder path")
    if isinstance(workspace, Path) or "/" in text or "\\" in text or text in {".", ".."}:
        return Path(text).expanduser().resolve()
    return (workspaces_home() / text).resolve()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Workspace:
    """An opened workspace folder. Create with `create_workspace`, open with `open_workspace`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def db_path(self) -> Path:
        return self.path / DB_FILE

    @property
    def raw_dir(self) -> Path:
        return self.path / "raw"

    @property
    def models_dir(self) -> Path:
        return self.path / "models"

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for reading (read-only unless this process is writing); waits while another writes."""
        with storage.reading(self.db_path) as con:
            yield con

    @contextmanager
    def transaction(self, purpose: str = "a change") -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: any exception rolls every statement back. `purpose` ("an import") is what
        anyone who has to wait meanwhile is told."""
        with storage.writing(self.db_path, purpose) as (con, nested):
            if nested:  # inside another write of this thread: part of its transaction
                yield con
                return
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- reading -----------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        """Run a read query and return its result as a DataFrame."""
        with self.connect() as con:
            return con.execute(sql, params or []).df()

    def query_with(
        self, sql: str, frames: Mapping[str, pd.DataFrame], params: Sequence[object] | None = None
    ) -> pd.DataFrame:
        """Run a read query that may also use the given DataFrames as tables, by name."""
        with self.connect() as con:
            for name, frame in frames.items():
                con.register(name, frame)
            return con.execute(sql, params or []).df()

    def read_table(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """A canonical table with its documented columns, in schema order."""
        table = schema.table(name)
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        sql = f'SELECT {cols} FROM "{table.name}"' + (f" LIMIT {int(limit)}" if limit else "")
        return self.query(sql)

    def row_counts(self) -> dict[str, int]:
        """Rows per canonical table (0 for a table a workspace from an earlier version has not created yet)."""
        with self.connect() as con:
            present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            names = [name for name in schema.TABLES if name in present]
            counts = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in names)
            found = {name: int(n) for name, n in con.execute(counts).fetchall()} if names else {}
        return {name: found.get(name, 0) for name in schema.TABLES}

    def has_table(self, name: str) -> bool:
        return bool(self.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?", [name])["n"].iloc[0])

    def data_version(self) -> int:
        """Increases with every commit."""
        return self.meta_int("data_version")

    def state(self) -> WorkspaceState:
        """The data version, labels version and active model versions, in one connection."""
        with self.connect() as con:
            meta = dict(con.execute("SELECT key, value FROM workspace_meta").fetchall())
            has_versions = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'model_versions'"
            ).fetchall()[0][0]
            active = (
                con.execute("SELECT kind, version FROM model_versions WHERE status = 'active' ORDER BY kind").fetchall()
                if has_versions
                else []
            )
        return WorkspaceState(
            int(meta.get("data_version", 0)),
            int(meta.get("labels_version", 0)),
            tuple((str(k), str(v)) for k, v in active),
        )

    def meta_int(self, key: str) -> int:
        with self.connect() as con:
            rows = con.execute("SELECT value FROM workspace_meta WHERE key = ?", [key]).fetchall()
        return int(rows[0][0]) if rows else 0

    def raw_files(self) -> pd.DataFrame:
        return self.query("SELECT * FROM raw_files ORDER BY received_at, file_id")

    def verify_raw(self) -> list[str]:
        """Names of kept uploads whose bytes no longer match the recorded checksum."""
        bad = []
        for row in self.raw_files().itertuples():
            stored = self.path / row.stored_path
            if not stored.is_file() or sha256_of(stored) != row.sha256:
                bad.append(row.original_name)
        return bad

    # -- writing -----------------------------------------------------------------------------

    def commit(
        self,
        frames: Mapping[str, pd.DataFrame],
        mode: str = "replace",
        raw: Sequence[Path] = (),
        note: str = "",
    ) -> list[RawFile]:
        """Write tables and keep raw files in one step: either all of it lands or none does.

        Parameters
        ----------
        frames : canonical table name -> DataFrame holding (at least) its required columns.
        mode : "replace" empties each given table first; "append" adds only rows whose natural
            key (see `schema.Table.key`) is not already stored.
        raw : files to keep byte-for-byte in `raw/`.
        """
        if mode not in {"replace", "append"}:
            raise DataError(f"unknown write mode {mode!r}: use 'replace' or 'append'")
        conformed = {name: conform(df, schema.table(name)) for name, df in frames.items()}
        staged = [self.stage_raw(Path(p)) for p in raw]
        try:
            with self.transaction("an import") as con:
                for name, df in conformed.items():
                    con.register("incoming", df)
                    try:
                        write_rows(con, schema.table(name), "incoming", mode)
                    finally:
                        con.unregister("incoming")
                for record, _ in staged:
                    record_raw(con, record, note)
                bump_data_version(con)
        except BaseException:
            discard_raw(staged)
            raise
        publish_raw(self, staged)
        return [record for record, _ in staged]

    def stage_raw(self, source: Path, name: str | None = None) -> tuple[RawFile, Path]:
        """Copy an upload next to its final place; it is renamed in only after the commit."""
        if not source.is_file():
            raise DataError(f"file not found: {source}")
        digest = sha256_of(source)
        now = datetime.now(UTC).replace(tzinfo=None)
        file_id = f"{now:%Y%m%dT%H%M%S%f}-{digest[:12]}"
        stored = Path("raw") / f"{file_id}-{_safe_name(name or source.name)}"
        tmp = self.path / f"{stored}.partial"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, tmp)
        record = RawFile(file_id, name or source.name, str(stored), digest, source.stat().st_size, now)
        return record, tmp


def conform(df: pd.DataFrame, table: schema.Table) -> pd.DataFrame:
    """Columns of `table` in order, missing optional ones as nulls, values coerced to type.

    Raises DataError when a required column is absent or has empty values.
    """
    missing = [c for c in table.required_columns if c not in df.columns]
    if missing:
        raise DataError(f"table '{table.name}' needs column(s) {', '.join(missing)}")
    out = pd.DataFrame(index=df.index)
    for col in table.columns:
        values = df[col.name] if col.name in df.columns else pd.Series(None, index=df.index)
        out[col.name] = _coerce(values, col.sql_type)
    for name in table.required_columns:
        empty = int(out[name].isna().sum())
        if empty:
            raise DataError(f"table '{table.name}': {empty} row(s) have no {name}")
    return out.reset_index(drop=True)


def _coerce(values: pd.Series, sql_type: str) -> pd.Series:
    if sql_type == schema.TEXT:
        text = values.astype("string")
        return text.where(text.str.strip().ne("").fillna(False), None)
    if sql_type in (schema.INT, schema.FLOAT):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if sql_type == schema.TS:
        return pd.to_datetime(values, errors="coerce")
    if sql_type == schema.BOOL:
        return values.map(lambda v: None if v is None or pd.isna(v) else bool(v)).astype("boolean")
    raise AssertionError(f"unhandled type {sql_type}")


def write_rows(con: duckdb.DuckDBPyConnection, table: schema.Table, source: str, mode: str) -> int:
    """Insert canonical rows from `source` (a table or view with the table's columns).

    "replace" empties the table first; "append" skips rows whose natural key is already stored.
    Returns the number of rows inserted.
    """
    con.execute(table.ddl())  # a table added after this workspace was created appears with its first rows
    present = {
        r[0]
        for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table.name]).fetchall()
    }
    for c in table.columns:  # and a column added since then, with the first rows that could hold it
        if c.name not in present:
            con.execute(f'ALTER TABLE "{table.name}" ADD COLUMN "{c.name}" {c.sql_type}')
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    cols = ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in table.columns)
    select = f"SELECT {cols} FROM {source}"
    into = f'INSERT INTO "{table.name}" ({names})'
    before = con.execute(f'SELECT count(*) FROM "{table.name}"').fetchall()[0][0]
    if mode == "replace":
        con.execute(f'DELETE FROM "{table.name}"')
        con.execute(f"{into} {select}")
        return con.execute(f'SELECT count(*) FROM "{table.name}"').fetchall()[0][0]
    if before == 0:  # nothing stored yet: no row can be a repeat
        con.execute(f"{into} {select}")
        return con.execute(f'SELECT count(*) FROM "{table.name}"').fetchall()[0][0]
    same_key = " AND ".join(f'old."{k}" IS NOT DISTINCT FROM new."{k}"' for k in table.key)
    con.execute(
        f"{into} SELECT * FROM ({select}) AS new "
        f'WHERE NOT EXISTS (SELECT 1 FROM "{table.name}" AS old WHERE {same_key})'
    )
    return con.execute(f'SELECT count(*) FROM "{table.name}"').fetchall()[0][0] - before


def record_raw(con: duckdb.DuckDBPyConnection, record: RawFile, note: str = "") -> None:
    con.execute(
        "INSERT INTO raw_files VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            record.file_id,
            record.original_name,
            record.stored_path,
            record.sha256,
            record.size_bytes,
            record.received_at,
            note,
        ],
    )


def discard_raw(staged: Sequence[tuple[RawFile, Path]]) -> None:
    for _, tmp in staged:
        tmp.unlink(missing_ok=True)


def publish_raw(ws: Workspace, staged: Sequence[tuple[RawFile, Path]]) -> None:
    """Move staged uploads to their final name once the database commit has succeeded."""
    for record, tmp in staged:
        tmp.rename(ws.path / record.stored_path)


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Inside the transaction that changes a canonical table."""
    _bump(con, "data_version")


def bump_labels_version(con: duckdb.DuckDBPyConnection) -> None:
    """Inside the transaction that renames a persona or a topic, so every session's caches see it."""
    _bump(con, "labels_version")


def _bump(con: duckdb.DuckDBPyConnection, key: str) -> None:
    con.execute(
        "INSERT INTO workspace_meta VALUES (?, '1') ON CONFLICT (key) DO UPDATE "
        "SET value = CAST(CAST(workspace_meta.value AS BIGINT) + 1 AS VARCHAR)",
        [key],
    )


def _safe_name(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    return keep[-120:] or "upload"


# -- workspace lifecycle ---------------------------------------------------------------------


NAME_RULE = "1 to 60 letters, digits, dashes, underscores or dots, not starting with a dot"


def check_name(name: str) -> str:
    """A workspace name typed by a user, checked: no path separators, no `..`, no leading dot.

    Names come from the dashboard and the CLI's `workspaces create NAME`; a folder path is only ever
    given on purpose, as `--workspace PATH`.
    """
    text = name.strip()
    allowed = all(ch.isalnum() or ch in "-_." for ch in text)
    if not text or len(text) > 60 or not allowed or text.startswith(".") or ".." in text:
        raise WorkspaceNameError(f"{name!r} is not a workspace name: use {NAME_RULE}")
    return text


def create_named_workspace(name: str, by: User | None = None) -> Workspace:
    """A new empty workspace under the workspaces home, by a name a user typed (see `check_name`)."""
    require(by, None, "create_workspace")
    return create_workspace(workspaces_home() / check_name(name))


def create_workspace(workspace: str | Path, exist_ok: bool = False) -> Workspace:
    """Make a new empty workspace folder with the canonical tables."""
    path = resolve_path(workspace)
    if (path / MARKER).is_file():
        if exist_ok:
            return open_workspace(path)
        raise WorkspaceExistsError(f"a workspace already exists at {path}")
    if path.exists() and any(path.iterdir()):
        raise WorkspaceExistsError(f"{path} is a folder with other files in it, not a workspace")
    path.mkdir(parents=True, exist_ok=True)
    ws = Workspace(path)
    ws.raw_dir.mkdir(exist_ok=True)
    ws.models_dir.mkdir(exist_ok=True)
    with ws.transaction("creating the workspace") as con:
        for ddl in _BOOKKEEPING_DDL:
            con.execute(ddl)
        for table in schema.TABLES.values():
            con.execute(table.ddl())
        con.execute("INSERT INTO workspace_meta VALUES ('data_version', '0')")
    marker = {
        "format": FORMAT_VERSION,
        "name": path.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (path / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    return ws


def open_workspace(workspace: str | Path) -> Workspace:
    """An existing workspace; WorkspaceNotFoundError says what was looked for and where."""
    path = resolve_path(workspace)
    if not (path / MARKER).is_file() or not (path / DB_FILE).is_file():
        where = "no such folder" if not path.exists() else "the folder is not a PersonaLens workspace"
        raise WorkspaceNotFoundError(f"no workspace at {path} ({where})")
    return Workspace(path)


def list_workspaces(home: Path | None = None) -> list[WorkspaceInfo]:
    """Workspaces under the home folder, sorted by name."""
    root = home or workspaces_home()
    found = []
    if root.is_dir():
        for marker in sorted(root.glob(f"*/{MARKER}")):
            try:
                created = json.loads(marker.read_text()).get("created_at", "")
            except (OSError, ValueError):
                continue
            found.append(WorkspaceInfo(marker.parent.name, marker.parent, created))
    return found


def delete_workspace(workspace: str | Path, by: User | None = None) -> Path:
    """Remove a workspace folder; refuses folders that are not workspaces."""
    ws = open_workspace(workspace)
    require(by, ws.name, "delete_workspace")
    storage.forget(ws.db_path)
    shutil.rmtree(ws.path)
    return ws.path
