"""Readers: any export a marketer has, as all-text rows a DuckDB connection can scan.

Handles CSV/TSV/semicolon/pipe (delimiter and header sniffed by DuckDB), `.gz`, `.zip`
(junk members such as `__MACOSX/` ignored), JSON Lines and JSON arrays (nested lists joined
with "|"), Excel `.xlsx` (even when renamed), and UTF-8 / UTF-8 with BOM / Windows-1252 /
Latin-1 text. Every value is read as text so nothing is lost before mapping.

A delimited file is not copied into a staging table: `stage_file` sniffs its dialect and reads
a sample (enough to propose a mapping), and `read_rows` later reads it once, in parallel, straight
into whatever typed table the caller asks for. Row order is kept, so a row's position in that
table (its rowid) gives back its line in the file (`line_numbers`).
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import duckdb
import numpy as np
import pandas as pd

from core.config import MAX_COLUMNS, MAX_COMPRESSION_RATIO, max_unpacked_bytes, max_upload_bytes
from core.errors import IngestError

Progress = Callable[[float, str], None]
CHUNK = 16 << 20
SAMPLE_ROWS = 5000
# DuckDB's CSV read buffer. 16 MB read 1M order lines (87 MB) in 0.24 s against 0.37 s with the
# default, and the UCI file (47 MB) in 0.15 s against 0.20 s, on 2 cores; 8 MB and 64 MB were slower.
READ_BUFFER = 16 << 20
SAMPLE_BUFFER = 2 << 20  # the sample needs only the first rows: a smaller buffer reads them sooner
PROGRESS_POLL_S = 0.2
HEAD_BYTES = 1 << 20  # checked for encoding before sniffing; DuckDB's full read checks the rest
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".psv", ".dat", ".tab", ".json", ".jsonl", ".ndjson", ".xlsx", ".gz", ""}
_C1_CONTROLS = {chr(c) for c in range(0x80, 0xA0)}


@dataclass(frozen=True)
class StagedSource:
    """One table read from an upload (a zip may give several)."""

    table: str  # name prefix for this source's temporary tables in the connection
    scan: str  # SQL relation its all-text rows are read from: a staging table, or read_csv(...) of the file
    name: str  # file name (and zip member) as the user knows it
    format: str  # csv, jsonl, json, xlsx
    encoding: str
    delimiter: str | None
    has_header: bool
    columns: list[str]
    sample: pd.DataFrame  # the first SAMPLE_ROWS rows, all text: what the mapping is proposed from
    first_line: int  # line (or record) number of the first row
    reads_file: bool  # scan reads the file itself, so the reader's rejected lines are known only after a read
    # (file, workdir) of a big file of which only the first MB was checked to be UTF-8: the full read
    # checks the rest (DuckDB rejects bytes that are not UTF-8) and read_rows then re-encodes a copy
    recheck: tuple[Path, Path] | None = None


@dataclass(frozen=True)
class ReadRows:
    """What `read_rows` read: rows kept, and lines the reader itself could not split into fields."""

    rows: int
    rejected: pd.DataFrame  # line, reason, content
    encoding: str  # as finally read (a big file can turn out not to be UTF-8 past its first MB)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    workdir: Path,
    prefix: str = "src",
    display_name: str | None = None,
    progress: Progress | None = None,
) -> list[StagedSource]:
    """Make `path` readable in `con` as one or more sources whose tables are named `{prefix}_{n}...`.

    Decompressed or re-encoded copies go to `workdir`, which must outlive the sources' reads.
    """
    report = progress or (lambda _f, _m: None)
    name = display_name or path.name
    if not path.is_file():
        raise IngestError(f"{name}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{name}: the file is empty")
    if size > max_upload_bytes():
        raise IngestError(
            f"{name}: {size / 1e6:,.0f} MB is over the upload limit of "
            f"{max_upload_bytes() / 1e6:,.0f} MB (PERSONALENS_MAX_UPLOAD_MB)"
        )
    tmp = Path(tempfile.mkdtemp(prefix="stage-", dir=workdir))
    staged = _stage(con, path, name, prefix, tmp, report)
    for source in staged:
        if len(source.columns) > MAX_COLUMNS:
            raise IngestError(
                f"{source.name}: {len(source.columns):,} columns, more than the {MAX_COLUMNS:,} an export of "
                "customers, orders, products or reviews has; nothing was written"
            )
    return staged


def read_rows(
    con: duckdb.DuckDBPyConnection,
    source: StagedSource,
    into: str,
    select: Callable[[str], str],
    progress: Callable[[float], None] | None = None,
) -> ReadRows:
    """Run `CREATE TEMP TABLE into AS select(scan)`, `scan` being the relation to read the source from.

    For a delimited file this is the one full read; its rows keep file order, so `line_numbers`
    can turn a row's position in `into` back into its line. The reader's rejected lines are returned.
    `progress(fraction)` is called from this thread while the read runs.
    """
    read = _read_rows(con, source, into, select(source.scan), source.encoding, progress)
    if read is None and source.recheck is not None:  # not UTF-8 past the first MB: read a re-encoded copy
        file, workdir = source.recheck
        text_path, encoding = _transcoded(file, source.name, workdir)
        scan = source.scan.replace(_sql_str(str(file)), _sql_str(str(text_path)), 1)
        read = _read_rows(con, source, into, select(scan), encoding, progress)
    if read is None:
        raise IngestError(f"{source.name}: the file mixes text encodings; export it again as CSV (UTF-8)")
    return read


def _read_rows(
    con: duckdb.DuckDBPyConnection,
    source: StagedSource,
    into: str,
    query: str,
    encoding: str,
    progress: Callable[[float], None] | None,
) -> ReadRows | None:
    """One read; None when the reader met bytes that are not UTF-8."""
    try:
        execute_reporting(con, f"CREATE OR REPLACE TEMP TABLE {into} AS {query}", progress)
        rows = con.execute(f"SELECT count(*) FROM {into}").fetchall()[0][0]
        if not source.reads_file:
            return ReadRows(rows, pd.DataFrame(columns=["line", "reason", "content"]), encoding)
        rejected = con.execute("""SELECT line AS line, error_type || ': ' || error_message AS reason,
                                         left(csv_line, 300) AS content
                                  FROM reject_errors ORDER BY line""").df()
        con.execute("DELETE FROM reject_errors; DELETE FROM reject_scans")
    except duckdb.Error as exc:
        raise IngestError(f"{source.name}: could not be read as CSV ({_first_line(exc)})") from None
    if rejected["reason"].str.startswith("INVALID ENCODING").any():
        return None
    return ReadRows(rows, rejected.drop_duplicates("line", ignore_index=True), encoding)  # one reason a line


def execute_reporting(con: duckdb.DuckDBPyConnection, sql: str, progress: Callable[[float], None] | None) -> None:
    """Run one long statement, calling `progress(fraction)` from this thread as DuckDB reports it.

    The statement runs on a worker thread (DuckDB releases the GIL) so that the caller's thread,
    the one a UI may draw from, can poll `query_progress` meanwhile.
    """
    if progress is None:
        con.execute(sql)
        return
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="personalens-read") as pool:
        running = pool.submit(con.execute, sql)
        try:
            while True:
                try:
                    running.result(timeout=PROGRESS_POLL_S)
                    return
                except TimeoutError:
                    if (done := con.query_progress()) >= 0:
                        progress(min(done / 100, 1.0))
        except BaseException:
            if not running.done():  # e.g. the page was left: stop the read instead of finishing it
                con.interrupt()
            raise


def line_numbers(source: StagedSource, rejected_lines: Sequence[int], positions: Sequence[int]) -> np.ndarray:
    """File lines of the rows at `positions` (0-based) of a read, given the lines the reader skipped."""
    skipped = np.unique(np.asarray(rejected_lines, dtype=np.int64))
    # the i-th skipped line sits before the row whose position is skipped[i] - first_line - i
    before = skipped - source.first_line - np.arange(len(skipped))
    at = np.asarray(positions, dtype=np.int64)
    return at + source.first_line + np.searchsorted(before, at, side="right")


def _stage(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, prefix: str, tmp: Path, report: Progress
) -> list[StagedSource]:
    head = path.open("rb").read(8192)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                members = zf.namelist()
                if "[Content_Types].xml" in members and any(m.startswith("xl/") for m in members):
                    return [_stage_excel(con, path, name, f"{prefix}_0")]
                return _stage_zip(con, zf, name, prefix, tmp, report)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
            EOFError,
        ) as exc:  # damaged, encrypted or exotic archives
            raise IngestError(f"{name}: the zip archive cannot be opened ({exc})") from None
    if head.startswith(b"\x1f\x8b"):
        report(0.05, f"decompressing {name}")
        inner = tmp / (Path(name).stem or "member")
        try:
            with gzip.open(path, "rb") as src, inner.open("wb") as dst:
                _copy_capped(src, dst, name, path.stat().st_size)
        except (OSError, EOFError) as exc:
            raise IngestError(f"{name}: the gzip file is damaged ({exc})") from None
        if inner.stat().st_size == 0:
            raise IngestError(f"{name}: the file is empty")
        return _stage(con, inner, name, prefix, tmp, report)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(f"{name}: old Excel (.xls) files are not supported; save it as .xlsx or CSV")
    if b"\x00" in head:
        raise IngestError(f"{name}: this is a binary file, not a text export (CSV, TSV, JSON Lines or Excel)")
    report(0.1, f"checking the text encoding of {name}")
    first = _first_char(path)
    table = f"{prefix}_0"
    if not first:
        raise IngestError(f"{name}: the file is empty (only blank lines)")
    if first in ("{", "["):
        text_path, encoding = _as_utf8(path, name, tmp)
        return [_stage_json(con, text_path, name, table, encoding, "jsonl" if first == "{" else "json")]
    if path.stat().st_size > HEAD_BYTES and _decodes(path, "utf-8", limit=HEAD_BYTES):
        try:
            return [replace(_stage_delimited(path, name, table, _utf8_kind(path)), recheck=(path, tmp))]
        except IngestError:
            if _decodes(path, "utf-8"):  # a real problem; else the sniffer met the non-UTF-8 part
                raise
            text_path, encoding = _transcoded(path, name, tmp)
            return [_stage_delimited(text_path, name, table, encoding)]
    text_path, encoding = _as_utf8(path, name, tmp)
    report(0.2, f"reading {name}")
    return [_stage_delimited(text_path, name, table, encoding)]


def _stage_zip(
    con: duckdb.DuckDBPyConnection, zf: zipfile.ZipFile, name: str, prefix: str, tmp: Path, report: Progress
) -> list[StagedSource]:
    usable = [m for m in zf.infolist() if not m.is_dir() and not _is_junk(m.filename)]
    declared = sum(m.file_size for m in usable)
    if declared > max_unpacked_bytes():
        raise IngestError(_too_big(name, declared))
    staged: list[StagedSource] = []
    problems = []
    for i, member in enumerate(usable):
        target = tmp / f"member-{i}{Path(member.filename).suffix}"
        with zf.open(member) as src, target.open("wb") as dst:
            _copy_capped(src, dst, f"{name}/{member.filename}", member.compress_size)
        try:
            staged += _stage(con, target, f"{name}/{member.filename}", f"{prefix}_{i}", tmp, report)
        except IngestError as exc:
            problems.append(str(exc))
    if not staged:
        detail = f" ({'; '.join(problems)})" if problems else ""
        raise IngestError(f"{name}: the zip holds no file PersonaLens can read (CSV, TSV, JSON Lines, Excel){detail}")
    return staged


def _too_big(name: str, size: int) -> str:
    return (
        f"{name}: unpacks to more than {max_unpacked_bytes() / 1e6:,.0f} MB ({size / 1e6:,.0f} MB or more), "
        "over the limit (PERSONALENS_MAX_UNPACKED_MB); nothing was written"
    )


def _copy_capped(src: IO[bytes], dst: IO[bytes], name: str, packed: int) -> None:
    """Unpack `src` into `dst`, refusing a zip bomb: more than the unpacked limit in all, or a member
    that unpacks to hundreds of times its packed size (checked as it is read: declared sizes can lie)."""
    limit, written = max_unpacked_bytes(), 0
    while block := src.read(CHUNK):
        written += len(block)
        if written > limit:
            raise IngestError(_too_big(name, written))
        if written > (1 << 20) and written > MAX_COMPRESSION_RATIO * max(packed, 1):
            raise IngestError(
                f"{name}: unpacks to over {MAX_COMPRESSION_RATIO} times its packed size, which real exports "
                "never do (a zip bomb?); nothing was written"
            )
        dst.write(block)


def _is_junk(member: str) -> bool:
    parts = Path(member).parts
    return (
        any(p.startswith(("__MACOSX", ".")) for p in parts)
        or Path(member).name in {"Thumbs.db", "desktop.ini"}
        or Path(member).suffix.lower() not in TEXT_SUFFIXES
    )


def _as_utf8(path: Path, name: str, tmp: Path) -> tuple[Path, str]:
    """The file itself when it is UTF-8; else a UTF-8 copy decoded from Windows-1252/Latin-1."""
    if _decodes(path, "utf-8"):
        return path, _utf8_kind(path)
    return _transcoded(path, name, tmp)


def _utf8_kind(path: Path) -> str:
    with path.open("rb") as fh:
        return "utf-8-sig" if fh.read(3) == codecs.BOM_UTF8 else "utf-8"


def _transcoded(path: Path, name: str, tmp: Path) -> tuple[Path, str]:
    """A UTF-8 copy of a Windows-1252 (or else Latin-1) file, with the encoding it was read as."""
    for encoding in ("cp1252", "latin-1"):
        if _decodes(path, encoding, reject=_C1_CONTROLS):
            out = tmp / f"{path.stem}.utf8{path.suffix}"
            with (
                path.open("r", encoding=encoding, newline="") as src,
                out.open("w", encoding="utf-8", newline="") as dst,
            ):
                shutil.copyfileobj(src, dst, CHUNK)
            return out, encoding
    raise IngestError(
        f"{name}: the file has bytes that are not text in UTF-8 or Windows-1252/Latin-1; export it again as CSV (UTF-8)"
    )


def _decodes(path: Path, encoding: str, reject: set[str] | None = None, limit: int | None = None) -> bool:
    """Whether the file (or its first `limit` bytes) decodes, without characters from `reject`."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        try:
            while block := fh.read(CHUNK if limit is None else limit):
                if not block.isascii() or decoder.getstate()[0]:  # plain ASCII is valid in every candidate
                    text = decoder.decode(block)
                    if reject and not reject.isdisjoint(text):
                        return False
                if limit is not None:
                    return True  # only the head; an unfinished character at the cut is not an error
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _first_char(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        chunk = fh.read(4096).lstrip()
    return chunk[:1]


def _stage_delimited(path: Path, name: str, table: str, encoding: str) -> StagedSource:
    """Sniff the dialect and read a sample on a probe connection: a failure there must not abort the
    workspace transaction (a zip's other members, or a re-encoded copy, are still to be read)."""
    probe = duckdb.connect()
    try:
        return _sniff_and_sample(probe, path, name, table, encoding)
    finally:
        probe.close()


def _sniff_and_sample(
    probe: duckdb.DuckDBPyConnection, path: Path, name: str, table: str, encoding: str
) -> StagedSource:
    p = str(path).replace("'", "''")

    def sniff(extra: str) -> tuple[str, str, str, bool, int]:
        return probe.execute(
            f"SELECT Delimiter, Quote, Escape, HasHeader, len(Columns) FROM sniff_csv('{p}', sample_size=20480{extra})"
        ).fetchall()[0]

    try:
        delim, quote, escape, has_header, width = sniff("")
        voted = _vote_delimiter(path)
        if width == 1 and voted and voted != delim:  # a few ragged rows made the sniffer give up
            delim, quote, escape, has_header, width = sniff(f", delim='{_sql_str(voted)}', ignore_errors=true")
            quote = quote if quote != "(empty)" else '"'
    except duckdb.Error as exc:
        raise IngestError(f"{name}: could not make sense of the file as CSV ({_first_line(exc)})") from None
    if has_header and len(delim) == 1:
        _check_duplicate_header(path, name, delim, "" if quote == "(empty)" else quote)
    options = [
        f"delim='{_sql_str(delim)}'",
        f"header={'true' if has_header else 'false'}",
        "all_varchar=true",
        "store_rejects=true",
        "ignore_errors=true",
        "null_padding=false",
        "strict_mode=true",
    ]
    if quote and quote != "(empty)":
        options.append(f"quote='{_sql_str(quote)}'")
    if escape and escape != "(empty)":
        options.append(f"escape='{_sql_str(escape)}'")
    scan = f"read_csv('{p}', {', '.join(options)}, buffer_size={READ_BUFFER})"
    try:
        sample_scan = f"read_csv('{p}', {', '.join(options)}, buffer_size={SAMPLE_BUFFER})"
        sample = probe.execute(f"SELECT * FROM {sample_scan} LIMIT {SAMPLE_ROWS}").df()  # empty: no readable row
    except duckdb.Error as exc:
        raise IngestError(f"{name}: could not be read as CSV ({_first_line(exc)})") from None
    first_line = 2 if has_header else 1
    return _describe(table, scan, name, "csv", encoding, delim, bool(has_header), sample, first_line, reads_file=True)


def _vote_delimiter(path: Path, candidates: str = ",\t;|") -> str | None:
    """The delimiter that splits the first lines into the same number (>1) of fields most often.

    DuckDB's sniffer gives up on a dialect when a few early rows are ragged; a majority vote
    keeps the file readable so the ragged rows can be reported one by one.
    """
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        lines = [line for line in fh.read(65536).splitlines()[:50] if line.strip()]
    best, best_score = None, 0.0
    for delim in candidates:
        counts = [line.count(delim) for line in lines]
        if not counts or max(counts) == 0:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) / len(counts) * (mode > 0) * (1 + 0.01 * mode)
        if score > best_score:
            best, best_score = delim, score
    return best if best_score >= 0.5 else None


def _stage_json(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, table: str, encoding: str, fmt: str
) -> StagedSource:
    p = str(path).replace("'", "''")
    reader = (
        f"read_json('{p}', format='{'newline_delimited' if fmt == 'jsonl' else 'array'}', records=true, sample_size=-1)"
    )
    probe = duckdb.connect()  # a failed read must not abort the workspace transaction
    try:
        rel = probe.sql(f"SELECT * FROM {reader}")
        columns = [_flatten_sql(c, t) for c, t in zip(rel.columns, rel.types, strict=True)]
        records = probe.sql(f"SELECT {', '.join(columns)} FROM {reader}").arrow()
    except duckdb.Error:
        records = _python_json(path, name, fmt)
    finally:
        probe.close()
    return _staged_table(con, records, table, name, fmt, encoding, first_line=1)


def _flatten_sql(column: str, sql_type: object) -> str:
    """Lists become 'a|b|c', structs and maps become JSON text, everything else text."""
    quoted = '"' + column.replace('"', '""') + '"'
    kind = str(sql_type)
    if kind.endswith("[]"):
        return f"array_to_string(list_transform({quoted}, lambda x: CAST(x AS VARCHAR)), '|') AS {quoted}"
    if kind.startswith(("STRUCT", "MAP", "JSON")):
        return f"CAST(to_json({quoted}) AS VARCHAR) AS {quoted}"
    return f"CAST({quoted} AS VARCHAR) AS {quoted}"


def _python_json(path: Path, name: str, fmt: str) -> pd.DataFrame:
    """Slow path for JSON DuckDB refuses (e.g. Python-literal lines in old Amazon dumps)."""
    import ast

    rows: list[dict] = []
    try:
        if fmt == "json":
            rows = json.loads(path.read_text(encoding="utf-8-sig"))
        else:
            with path.open(encoding="utf-8-sig") as fh:
                for line in fh:
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except json.JSONDecodeError:
                            rows.append(ast.literal_eval(line))
    except (ValueError, SyntaxError) as exc:
        raise IngestError(f"{name}: not valid JSON ({exc.__class__.__name__}: {str(exc)[:120]})") from None
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise IngestError(f"{name}: the JSON does not hold a list of records")
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        frame[col] = frame[col].map(_flatten_value).astype("string")
    return frame


def _flatten_value(value: object) -> object:
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return None if value is None else str(value)


def _stage_excel(con: duckdb.DuckDBPyConnection, path: Path, name: str, table: str) -> StagedSource:
    try:
        frame = pd.read_excel(path, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise IngestError(f"{name}: the Excel workbook could not be read ({exc.__class__.__name__})") from None
    frame.columns = [str(c) for c in frame.columns]
    return _staged_table(con, frame.astype("string"), table, name, "xlsx", "xlsx", first_line=2)


def _staged_table(
    con: duckdb.DuckDBPyConnection, records: object, table: str, name: str, fmt: str, encoding: str, first_line: int
) -> StagedSource:
    """Records parsed in Python or by a probe connection, kept as an all-text staging table."""
    con.register("parsed_records", records)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM parsed_records")
    finally:
        con.unregister("parsed_records")
    sample = con.execute(f"SELECT * FROM {table} LIMIT {SAMPLE_ROWS}").df()
    return _describe(table, table, name, fmt, encoding, None, True, sample, first_line, reads_file=False)


def _describe(
    table: str,
    scan: str,
    name: str,
    fmt: str,
    encoding: str,
    delimiter: str | None,
    has_header: bool,
    sample: pd.DataFrame,
    first_line: int,
    reads_file: bool,
) -> StagedSource:
    columns = [str(c) for c in sample.columns]
    if not columns:
        raise IngestError(f"{name}: no columns found")
    if sample.empty:
        what = "a header but no rows" if has_header else "no rows"
        raise IngestError(f"{name}: the file has {what}")
    return StagedSource(
        table, scan, name, fmt, encoding, delimiter, has_header, columns, sample, first_line, reads_file
    )


def _check_duplicate_header(path: Path, name: str, delimiter: str, quote: str) -> None:
    """A repeated header would be silently renamed by the CSV reader; we ask the user instead."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh, delimiter=delimiter, quotechar=quote or '"'), [])
    seen: dict[str, int] = {}
    for column in header:
        key = column.strip().lower()
        seen[key] = seen.get(key, 0) + 1
    repeats = sorted(k for k, n in seen.items() if n > 1 and k)
    if repeats:
        raise IngestError(f"{name}: duplicate column names ({', '.join(repeats)}); rename them so each is unique")


def _sql_str(value: str) -> str:
    return value.replace("'", "''")


def _first_line(exc: Exception) -> str:
    """DuckDB's CSV errors quote the whole offending line; keep only the words a person needs."""
    lines = [line.strip() for line in str(exc).splitlines()]
    where = next((line for line in lines if line.startswith(("CSV Error on Line", "Invalid Input Error"))), "")
    where = where.replace("Invalid Input Error: ", "").replace("CSV Error on Line", "line")
    size = next((line for line in lines if line.startswith("Maximum line size")), "")
    if size:
        actual = re.search(r"Actual Size:\s*(\d+)", size)
        megabytes = int(actual.group(1)) / 1e6 if actual else 0
        return f"{where}: a line of {megabytes:,.0f} MB is over the 2 MB a row may take; a field is far too long"
    detail = next((line for line in lines[1:] if line and not line.startswith(("Original Line", "Possible"))), "")
    return f"{where}: {detail}"[:200] if detail else where[:200]
