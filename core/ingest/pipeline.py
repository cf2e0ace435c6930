"""Ingest uploads into a workspace: stage, propose a mapping, validate, then commit or not.

`ingest(ws, files, ...)` does it all inside one workspace transaction. With `dry_run=True`
(the Data page's preview) nothing is written; otherwise the canonical rows, the raw files and
the remembered mappings land together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core import audit, schema
from core.auth import User, require
from core.config import max_upload_total_bytes
from core.errors import IngestError
from core.ingest import detect, mapping
from core.ingest.sources import StagedSource, line_numbers, read_rows, stage_file
from core.workspace import (
    RawFile,
    Workspace,
    bump_data_version,
    discard_raw,
    publish_raw,
    record_raw,
    write_rows,
)

Progress = Callable[[float, str], None]
REJECT_ROWS_KEPT = 10_000
REQUIRED = {
    "interactions": ("customer_id", "product_id"),
    "reviews": (),
    "products": ("product_id",),
    "customers": ("customer_id",),
    "campaign_results": ("campaign", "customer_id"),
}
RANGES = {"rating": (0, 10), "quantity": (None, None), "unit_price": (0, None), "price": (0, None), "age": (0, 120)}
_MAPPINGS_DDL = (
    "CREATE TABLE IF NOT EXISTS column_mappings (signature VARCHAR PRIMARY KEY, role VARCHAR, "
    "mapping VARCHAR, updated_at TIMESTAMP)"
)


@dataclass
class FileReport:
    """What one uploaded table would become, before anything is written.

    DataFrames: `rejected` (line, reason, content), `missing` (field, missing, share),
    `coercions` (field, unreadable, example), `out_of_range` (field, count, rule),
    `orphans` (field, count, example).
    """

    source: str
    role: str
    proposal: detect.Proposal
    signature: str
    format: str
    encoding: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected: pd.DataFrame
    duplicates: int
    returns: int
    missing: pd.DataFrame
    coercions: pd.DataFrame
    out_of_range: pd.DataFrame
    orphans: pd.DataFrame
    tables: dict[str, int]  # canonical rows this file yields per table
    written: dict[str, int] = field(default_factory=dict)  # rows actually inserted (after de-duplication)
    per_month: pd.DataFrame = field(default_factory=pd.DataFrame)  # month, rows (accepted rows with a date)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        frames = {
            k: getattr(self, k).to_dict(orient="records") for k in ("missing", "coercions", "out_of_range", "orphans")
        }
        return {
            "source": self.source,
            "role": self.role,
            "format": self.format,
            "encoding": self.encoding,
            "mapping": self.proposal.mapping(),
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "rejected_examples": self.rejected.head(20).to_dict(orient="records"),
            "duplicates": self.duplicates,
            "returns_flagged": self.returns,
            "tables": self.tables,
            "written": self.written,
            "warnings": self.warnings,
            **frames,
        }


@dataclass(frozen=True)
class Plan:
    """How one staged table will be read: the proposal, plus the sample and profiles it came from."""

    proposal: detect.Proposal
    signature: str
    sample: pd.DataFrame
    profiles: dict[str, detect.Profile]


@dataclass
class IngestResult:
    reports: list[FileReport]
    health: list[str]
    committed: bool


def ingest(
    ws: Workspace,
    files: Sequence[Path],
    *,
    names: Sequence[str] | None = None,
    role: str | None = None,
    overrides: Mapping[str, str] | None = None,
    mode: str = "append",
    dry_run: bool = False,
    progress: Progress | None = None,
    roles: Sequence[str | None] | None = None,
    file_overrides: Sequence[Mapping[str, str] | None] | None = None,
    by: User | None = None,
) -> IngestResult:
    """Read, map, validate and (unless `dry_run`) commit `files` into `ws` in one transaction.

    `overrides` maps source column -> field (or "" to ignore a column); `role` forces the role.
    `roles` and `file_overrides`, when given, hold one entry per file instead. `by`: the signed-in
    user uploading (None: a local caller), checked for the analyst role and named in the audit trail.
    Raises IngestError (nothing written) when a file cannot be used at all.
    """
    require(by, ws.name, "upload")
    total = sum(Path(f).stat().st_size for f in files if Path(f).is_file())
    if len(files) > 1 and total > max_upload_total_bytes():  # one file: its own limit says more
        limit = max_upload_total_bytes() / 1e6
        raise IngestError(
            f"these files hold {total / 1e6:,.0f} MB together, over the limit of {limit:,.0f} MB for one "
            "upload (PERSONALENS_MAX_UPLOAD_TOTAL_MB); upload them in parts"
        )
    if mode not in ("append", "replace"):
        raise IngestError(f"unknown mode {mode!r}: use 'append' or 'replace'")
    roles = list(roles) if roles is not None else [role] * len(files)
    file_overrides = list(file_overrides) if file_overrides is not None else [overrides] * len(files)
    for r in roles:
        if r is not None and r not in detect.ROLES:
            raise IngestError(f"unknown role {r!r}: use one of {', '.join(detect.ROLES)}")
    report = progress or (lambda _f, _m: None)
    labels = list(names) if names else [Path(f).name for f in files]
    # the raw copies (checksum + copy) are made on a side thread while DuckDB reads the files
    with (
        ThreadPoolExecutor(max_workers=1) as pool,
        tempfile.TemporaryDirectory(prefix="personalens-ingest-") as workdir,
    ):
        copying = None if dry_run else pool.submit(_stage_raw_all, ws, [Path(f) for f in files], labels)
        try:
            with ws.transaction("an import") as con:
                con.execute("SET TimeZone = 'UTC'")
                con.execute(_MAPPINGS_DDL)
                plans = []
                for i, (path, label) in enumerate(zip(files, labels, strict=True)):
                    report(0.05 + 0.2 * i / len(files), f"reading {label}")
                    sources = stage_file(con, Path(path), Path(workdir), prefix=f"src{i}", display_name=label)
                    for source in sources:
                        strict = len(sources) == 1
                        plans.append((source, _plan(con, source, roles[i], file_overrides[i], strict=strict)))
                reports = []
                for n, (source, plan) in enumerate(plans):
                    report(0.25 + 0.55 * n / len(plans), f"reading and checking {source.name}")
                    # the read of a big file moves the bar while it runs
                    reading = partial(_reading, report, n / len(plans), 1 / len(plans), source.name)
                    reports.append(_validate(con, source, plan, reading if progress else None))
                if copying is None:  # a dry run
                    return IngestResult(reports, _health(con, reports, plans), committed=False)
                report(0.85, "writing")
                for r, (source, plan) in zip(reports, plans, strict=True):
                    r.written = _commit(con, source, r, mode)
                    _remember(con, plan.signature, plan.proposal)
                for record, _ in copying.result():
                    record_raw(con, record, "upload")
                bump_data_version(con)
                health = _health(con, reports, [])
        except BaseException:
            _discard_copies(copying)
            raise
    publish_raw(ws, copying.result())
    written = ", ".join(f"{n:,} {table}" for r in reports for table, n in (r.written or {}).items())
    audit.record(ws, by, "upload", f"{', '.join(labels)} ({mode}): {written or 'no new rows'}")
    report(1.0, "done")
    return IngestResult(reports, health, committed=True)


def _reading(report: Progress, start: float, share: float, name: str, done: float) -> None:
    report(0.25 + 0.55 * (start + 0.8 * share * done), f"reading {name}: {done:.0%}")


def _stage_raw_all(ws: Workspace, files: Sequence[Path], labels: Sequence[str]) -> list[tuple[RawFile, Path]]:
    staged: list[tuple[RawFile, Path]] = []
    try:
        for path, label in zip(files, labels, strict=True):
            staged.append(ws.stage_raw(path, label))
    except BaseException:
        discard_raw(staged)
        raise
    return staged


def _discard_copies(copying: Future | None) -> None:
    """Drop the raw copies of a failed ingest (waiting for the side thread to finish making them)."""
    if copying is not None and copying.exception() is None:
        discard_raw(copying.result())


def _plan(
    con: duckdb.DuckDBPyConnection,
    source: StagedSource,
    role: str | None,
    overrides: Mapping[str, str] | None,
    strict: bool = True,
) -> Plan:
    sample = source.sample
    profiles = {c: detect.profile(sample[c]) for c in source.columns}
    signature = _signature(source)
    remembered = _recall(con, signature)
    proposal = detect.propose(
        sample,
        source.has_header,
        role=role or (remembered or {}).get("role"),
        remembered=(remembered or {}).get("mapping"),
        profiles=profiles,
    )
    proposal = _drop_unused(proposal)
    if overrides:
        unknown = sorted(set(overrides) - set(source.columns))
        if unknown and strict:
            raise IngestError(
                f"{source.name}: no column named {', '.join(unknown)} (columns: {', '.join(source.columns)})"
            )
        cols = tuple(
            detect.ColumnGuess(g.column, overrides[g.column] or None, 1.0, "set by you") if g.column in overrides else g
            for g in proposal.columns
        )
        proposal = detect.Proposal(role or proposal.role, cols, proposal.role_confidence)
    return Plan(proposal, signature, sample, profiles)


def _drop_unused(proposal: detect.Proposal) -> detect.Proposal:
    """Columns whose field no table of this role uses (a movie's release date, say) are left out."""
    fields = {g.field for g in proposal.columns if g.field}
    used = {f for t in mapping.targets_for(proposal.role, fields) for f in mapping.TABLE_FIELDS[t].values()}
    used |= {"category_flag", "unit_price"} if "products" in mapping.targets_for(proposal.role, fields) else set()
    cols = tuple(
        g
        if g.field in used or g.field is None
        else detect.ColumnGuess(g.column, None, g.confidence, f"{g.reason}; not used in a {proposal.role} file")
        for g in proposal.columns
    )
    return detect.Proposal(proposal.role, cols, proposal.role_confidence)


def _signature(source: StagedSource) -> str:
    shape = f"{source.format}|{source.has_header}|" + "|".join(c.lower() for c in source.columns)
    return hashlib.sha1(shape.encode()).hexdigest()[:16]


def _recall(con: duckdb.DuckDBPyConnection, signature: str) -> dict | None:
    rows = con.execute("SELECT role, mapping FROM column_mappings WHERE signature = ?", [signature]).fetchall()
    return {"role": rows[0][0], "mapping": json.loads(rows[0][1])} if rows else None


def _remember(con: duckdb.DuckDBPyConnection, signature: str, proposal: detect.Proposal) -> None:
    con.execute(
        "INSERT OR REPLACE INTO column_mappings VALUES (?, ?, ?, ?)",
        [signature, proposal.role, json.dumps(proposal.mapping()), datetime.now(UTC).replace(tzinfo=None)],
    )


def _validate(
    con: duckdb.DuckDBPyConnection,
    source: StagedSource,
    plan: Plan,
    reading: Callable[[float], None] | None = None,
) -> FileReport:
    """Read the source in full through `plan`'s mapping and report on it; `reading(fraction)` follows the read."""
    proposal, signature = plan.proposal, plan.signature
    col_map = proposal.mapping()
    fields = set(col_map.values()) | ({"category"} if "category_flag" in col_map.values() else set())
    role = proposal.role
    needed = REQUIRED[role] or ()
    missing_required = [f for f in needed if f not in fields]
    if role == "reviews" and not fields & {"text", "rating", "review_title"}:
        missing_required.append("text or rating")
    if missing_required:
        raise IngestError(
            f"{source.name}: read as {role}, but no column is mapped to "
            f"{', '.join(missing_required)}; map one or choose another role"
        )
    exprs = mapping.field_expressions(col_map, plan.profiles, plan.sample)
    view = f"{source.table}_fields"
    required = [f for f in needed if f in exprs]
    problems = {f"{mapping.quote(f)} IS NULL": f"no {f}" for f in required}
    if role == "reviews":
        present = [f for f in ("text", "rating", "review_title") if f in exprs]
        problems["(" + " AND ".join(f"{mapping.quote(f)} IS NULL" for f in present) + ")"] = "no text and no rating"
    # _reason stays NULL on accepted rows: cheaper than building an empty string for each of them
    reason = (
        f"CASE WHEN {' OR '.join(problems)} THEN rtrim("
        + " || ".join(f"CASE WHEN {cond} THEN '{text}; ' ELSE '' END" for cond, text in problems.items())
        + ", '; ') END"
        if problems
        else "NULL::VARCHAR"
    )
    typed = [
        (column, fld, f'"__bad{i}"')
        for i, (column, fld) in enumerate(col_map.items())
        if fld in mapping.NUMBER_FIELDS | mapping.TIME_FIELDS and fld in exprs
    ]
    read = read_rows(con, source, view, partial(_typed_rows_query, source.columns, exprs, reason, typed), reading)
    first = con.execute(f"SELECT min(rowid) FROM {view}").fetchall()[0][0] or 0  # rowids start high in a transaction
    bad = con.execute(
        f"SELECT rowid - {first} AS line, _reason AS reason, _raw AS content FROM {view} WHERE _reason IS NOT NULL "
        f"ORDER BY rowid LIMIT {REJECT_ROWS_KEPT}"
    ).df()
    bad["line"] = line_numbers(source, read.rejected["line"].tolist(), bad["line"].tolist())
    rejected = pd.concat([read.rejected, bad], ignore_index=True)
    # _line: the row's position in the file, which decides which repeat of an id comes first
    columns = ", ".join(mapping.quote(f) for f in exprs)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view}_ok AS SELECT rowid AS _line, {columns} FROM {view} WHERE _reason IS NULL"
    )
    stats = _field_stats(con, view, exprs, typed)
    accepted, rejected_total = stats["total"] - stats["rejected"], stats["rejected"]
    tables, returns = {}, 0
    for table in mapping.targets_for(role, set(exprs)):
        sql = mapping.table_select(table, role, {f: mapping.quote(f) for f in exprs}, f"{view}_ok")
        kind = "VIEW" if table == role else "TABLE"  # the main table is read twice at most: no copy
        con.execute(f"CREATE OR REPLACE TEMP {kind} {source.table}_{table} AS {sql}")
        counted = "count(*) FILTER (WHERE event_type = 'return')" if table == role == "interactions" else "0"
        tables[table], more = con.execute(f"SELECT count(*), {counted} FROM {source.table}_{table}").fetchall()[0]
        returns += more
    report = FileReport(
        source=source.name,
        role=role,
        proposal=proposal,
        signature=signature,
        format=source.format,
        encoding=read.encoding,
        rows_read=read.rows + len(read.rejected),
        rows_accepted=accepted,
        rows_rejected=rejected_total + len(read.rejected),
        rejected=rejected.head(REJECT_ROWS_KEPT),
        duplicates=0,
        returns=returns,
        missing=_missing(stats, exprs),
        coercions=_coercions(stats, typed),
        out_of_range=_out_of_range(stats, exprs),
        orphans=_orphans(con, source.table, role, exprs),
        tables=tables,
    )
    report.duplicates = _duplicates(con, source.table, role, exprs)
    if "timestamp" in exprs:
        report.per_month = con.execute(
            f"SELECT CAST(date_trunc('month', timestamp) AS TIMESTAMP) AS month, count(*) AS rows FROM {view}_ok "
            "WHERE timestamp IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).df()
    if accepted == 0:
        raise IngestError(f"{source.name}: no usable rows ({rejected['reason'].iloc[0] if len(rejected) else ''})")
    if report.duplicates:
        report.warnings.append(
            f"{report.duplicates:,} rows repeat an earlier row of the file; they are kept"
            if role == "interactions"
            else f"{report.duplicates:,} rows repeat an id already in the file; the first is kept"
        )
    if report.returns:
        report.warnings.append(
            f"{report.returns:,} returns or cancellations (negative quantities or invoices "
            "starting with C) are kept and flagged as returns"
        )
    return report


def _typed_rows_query(
    columns: list[str], exprs: dict[str, str], reason: str, typed: list[tuple[str, str, str]], scan: str
) -> str:
    """The one read of a file: every field typed, each row's reject reason (NULL when accepted), and raw
    text only where the report needs it: the whole row of a rejected row (`_raw`), and each typed value
    that could not be read (`typed`: column, field, name of its raw-text column)."""
    raw = [f'"__raw{i}"' for i in range(len(columns))]
    position = {c: i for i, c in enumerate(columns)}
    unreadable = "".join(
        f", CASE WHEN {mapping.quote(fld)} IS NULL THEN {raw[position[column]]} END AS {alias}"
        for column, fld, alias in typed
    )
    field_cols = ", ".join(f"{e} AS {mapping.quote(f)}" for f, e in exprs.items())
    raw_cols = ", ".join(f"{mapping.quote(c)} AS {r}" for c, r in zip(columns, raw, strict=True))
    return (
        f"SELECT * EXCLUDE ({', '.join(raw)}), CASE WHEN _reason IS NOT NULL THEN "
        f"left(concat_ws(' | ', {', '.join(raw)}), 300) END AS _raw{unreadable} "
        f"FROM (SELECT *, {reason} AS _reason FROM (SELECT {field_cols}, {raw_cols} FROM {scan}))"
    )


def _field_stats(
    con: duckdb.DuckDBPyConnection, view: str, exprs: dict[str, str], typed: list[tuple[str, str, str]]
) -> dict[str, Any]:
    """Every per-field count of the report (missing, unreadable, out of range) in one scan of the read rows."""
    items = {"total": "count(*)", "rejected": "count(_reason)"}
    items |= {f"missing {f}": f"count(*) - count({mapping.quote(f)})" for f in exprs}
    for _, _, alias in typed:
        present = f"NULLIF(trim({alias}), '') IS NOT NULL"
        items[f"unreadable {alias}"] = f"count(*) FILTER (WHERE {present})"
        items[f"example {alias}"] = f"any_value({alias}) FILTER (WHERE {present})"
    items |= {f"range {fld}": f"count(*) FILTER (WHERE {cond})" for fld, cond, _ in _range_rules(exprs)}
    values = con.execute(f"SELECT {', '.join(items.values())} FROM {view}").fetchall()[0]
    return dict(zip(items, values, strict=True))


def _missing(stats: dict[str, Any], exprs: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame({"field": list(exprs), "missing": [stats[f"missing {f}"] for f in exprs]})
    return frame.assign(share=(frame["missing"] / max(stats["total"], 1)).round(4))


def _coercions(stats: dict[str, Any], typed: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Typed values present in the file that could not be read. `typed`: (column, field, raw text column)."""
    rows = []
    for column, fld, alias in typed:
        if n := stats[f"unreadable {alias}"]:
            example = " ".join(str(stats[f"example {alias}"]).split())
            rows.append(
                {
                    "field": fld,
                    "column": column,
                    "unreadable": n,
                    "example": example[:60] + ("…" if len(example) > 60 else ""),
                }
            )
    return pd.DataFrame(rows, columns=["field", "column", "unreadable", "example"])


def _range_rules(exprs: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field, SQL condition of a value out of range, the rule in words) for each mapped field with a range."""
    rules = []
    for fld, (low, high) in RANGES.items():
        if fld not in exprs or (low is None and high is None):
            continue
        cond = " OR ".join(
            c for c in (f"{fld} < {low}" if low is not None else "", f"{fld} > {high}" if high is not None else "") if c
        )
        rules.append((fld, cond, f"expected at least {low}" if high is None else f"expected {low} to {high}"))
    if "timestamp" in exprs:
        cond = "timestamp > now()::TIMESTAMP + INTERVAL 1 DAY OR timestamp < TIMESTAMP '1970-01-02'"
        rules.append(("timestamp", cond, "expected a date between 1970 and today"))
    return rules


def _out_of_range(stats: dict[str, Any], exprs: dict[str, str]) -> pd.DataFrame:
    rows = [
        {"field": fld, "count": stats[f"range {fld}"], "rule": rule}
        for fld, _, rule in _range_rules(exprs)
        if stats[f"range {fld}"]
    ]
    return pd.DataFrame(rows, columns=["field", "count", "rule"])


def _orphans(con: duckdb.DuckDBPyConnection, table: str, role: str, exprs: dict[str, str]) -> pd.DataFrame:
    """Ids this file refers to that no products/customers table knows (only when that table has rows)."""
    rows = []
    for fld, known in (("product_id", "products"), ("customer_id", "customers")):
        if role == known or fld not in exprs or role not in ("interactions", "reviews", "campaign_results"):
            continue
        if con.execute(f"SELECT count(*) FROM {known}").fetchall()[0][0] == 0:
            continue
        also = (
            f" AND NOT EXISTS (SELECT 1 FROM {table}_{known} f WHERE f.{fld} = t.{fld})"
            if _exists(con, f"{table}_{known}")
            else ""
        )
        n, example = con.execute(
            f"SELECT count(DISTINCT {fld}), any_value({fld}) FROM {table}_{role} t "
            f"WHERE {fld} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {known} k WHERE k.{fld} = t.{fld}){also}"
        ).fetchall()[0]
        if n:
            rows.append({"field": fld, "count": n, "example": example})
    if role == "campaign_results" and "message_id" in exprs and _exists(con, "approved_messages"):
        n, example = con.execute(  # variants PersonaLens never exported: another tool's, or a typo
            f"SELECT count(DISTINCT message_id), any_value(message_id) FROM {table}_{role} t WHERE message_id IS NOT "
            "NULL AND NOT EXISTS (SELECT 1 FROM approved_messages a WHERE a.message_id = t.message_id)"
        ).fetchall()[0]
        if n:
            rows.append({"field": "message_id", "count": n, "example": example})
    return pd.DataFrame(rows, columns=["field", "count", "example"])


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def _duplicates(con: duckdb.DuckDBPyConnection, source: str, role: str, fields: dict[str, str]) -> int:
    """Rows that repeat an earlier one: the same id, or for orders and ratings the same everything."""
    if role == "interactions":  # every stored value comes from these fields (event_type from some of them)
        key = [mapping.quote(f) for f in mapping.TABLE_FIELDS[role].values() if f in fields]
        table = f"{source}_fields_ok"  # the typed rows themselves: cheaper than the canonical view
    else:
        key = [mapping.quote(k) for k in schema.table(role).key]
        table = f"{source}_{role}"
    return con.execute(f"SELECT count(*) - count(DISTINCT hash({', '.join(key)})) FROM {table}").fetchall()[0][0]


def _commit(con: duckdb.DuckDBPyConnection, source: StagedSource, report: FileReport, mode: str) -> dict[str, int]:
    written = {}
    for table in report.tables:
        staged = f"{source.table}_{table}"
        if table != "interactions":  # keyed tables: the first row of each id wins
            key = ", ".join(mapping.quote(k) for k in schema.table(table).key)
            staged = f"(SELECT * FROM {staged} QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _line) = 1)"
        # rows land in file order; asking for it outright also made DuckDB's insert ~1.5x faster than
        # the implicitly order-preserving one, which has to stitch the filtered row groups back together
        staged = f"(SELECT * FROM {staged} ORDER BY _line)"
        table_mode = mode if table == report.role else "append"
        written[table] = write_rows(con, schema.table(table), staged, table_mode)
    return written


def _health(con: duckdb.DuckDBPyConnection, reports: list[FileReport], pending: list) -> list[str]:
    """What the data, as it stands after this upload, means for the models.

    `pending`: staged plans not yet written (a dry run), counted in as if committed.
    """
    notes = []
    union = " UNION ALL ".join(
        ["SELECT customer_id, product_id FROM interactions"]
        + [
            f"SELECT customer_id, product_id FROM {source.table}_interactions"
            for (source, _), r in zip(pending, reports, strict=False)
            if "interactions" in r.tables
        ]
    )
    per_customer = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE n = 1) FROM (
        SELECT customer_id, count(DISTINCT product_id) AS n FROM ({union}) GROUP BY 1)""").fetchall()[0]
    staged_interactions = [r for r in reports if "interactions" in r.tables]
    if per_customer[1]:
        share = per_customer[1] / per_customer[0]
        notes.append(
            f"{share:.0%} of customers have only one product in their history: recommendations for "
            "them fall back to persona and popularity favourites."
        )
    elif per_customer[0]:
        notes.append("Every customer has several products in their history: good ground for recommendations.")
    elif staged_interactions:
        notes.append("Orders or ratings will be available for recommendations once committed.")
    else:
        notes.append("No orders or ratings yet: recommendations and personas need an interactions file.")
    reviews = con.execute("SELECT count(*), count(text), count(rating) FROM reviews").fetchall()[0]
    if reviews[0] and reviews[2] < reviews[0]:
        notes.append(
            f"{reviews[0] - reviews[2]:,} reviews have no star rating: sentiment models learn only from rated ones."
        )
    if not reviews[0] and not any(r.role == "reviews" for r in reports):
        notes.append("No review text yet: personas use behaviour only and sentiment pages stay empty.")
    return notes
