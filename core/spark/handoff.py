"""What a Spark job reads, written as Parquet by DuckDB, and what it writes back, read the same way.

Each job gets its own folder under the hand-off root (engine.handoff_root): inputs as partitioned
Parquet (`COPY ... TO ... (FORMAT parquet, PARTITION_BY ...)`), so Spark reads them in parallel with
`spark.read.parquet` on a laptop or a cluster; the folder is removed once the results are back.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from core.spark import engine

PARTITIONS = 8  # files per input: enough for Spark to read in parallel, few enough to list quickly


@contextmanager
def job_folder(task: str) -> Iterator[Path]:
    """A fresh folder for one job's inputs and outputs, removed afterwards whatever happened."""
    folder = engine.handoff_root() / f"{task}-{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write(table: pa.Table | pd.DataFrame, path: Path, bucket: str | None = None) -> Path:
    """`table` as Parquet at `path` (a folder); with `bucket` (an integer column) split into PARTITIONS parts."""
    con = duckdb.connect()
    try:
        con.register("handoff", table)
        if bucket:
            con.execute(
                f"COPY (SELECT *, {bucket} % {PARTITIONS} AS part FROM handoff) TO '{_quoted(path)}' "
                "(FORMAT parquet, PARTITION_BY (part))"
            )
        else:
            path.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY handoff TO '{_quoted(path / 'data.parquet')}' (FORMAT parquet)")
    finally:
        con.close()
    return path


def read(path: Path) -> pd.DataFrame:
    """Every Parquet file Spark wrote under `path`, as one frame."""
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT * FROM read_parquet('{_quoted(path)}/**/*.parquet')").df()
    finally:
        con.close()


def interactions(matrix: sp.csr_matrix, path: Path) -> Path:
    """user, item (dense integer ids: the training matrix's rows and columns), value."""
    coo = matrix.tocoo()
    table = pa.table(
        {
            "user": coo.row.astype(np.int32),
            "item": coo.col.astype(np.int32),
            "value": coo.data.astype(np.float32),
        }
    )
    return write(table, path, bucket="user")


def features(x: np.ndarray, path: Path) -> list[str]:
    """row (0..n-1) and one float column per feature; returns the feature columns' names."""
    names = [f"f{j}" for j in range(x.shape[1])]
    table = pa.table({"row": np.arange(len(x), dtype=np.int64), **{n: x[:, j] for j, n in enumerate(names)}})
    write(table, path, bucket="row")
    return names


def tokens(counts: sp.csr_matrix, terms: list[str], path: Path) -> Path:
    """doc (row of the corpus), tokens: each document's in-vocabulary tokens, repeated as often as they occur."""
    counts = counts.tocsr()
    vocab = np.asarray(terms, dtype=object)
    docs = [
        np.repeat(vocab[counts.indices[a:b]], counts.data[a:b].astype(np.int64)).tolist()
        for a, b in zip(counts.indptr[:-1], counts.indptr[1:], strict=True)
    ]
    table = pa.table(
        {"doc": np.arange(counts.shape[0], dtype=np.int64), "tokens": pa.array(docs, pa.list_(pa.string()))}
    )
    return write(table, path, bucket="doc")


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
