"""A recommendations version's pairs, as stored: one customer's rows without reading everyone's.

Serving a customer's page needs only their history, yet a 100,000-customer store has over a million
pairs (0.6 s to read whole). The pairs are written sorted by customer in small row groups, so the
few groups whose user range holds a customer are read alone (their min/max statistics say which).
The whole table is read on the first ask that needs it (the what-if recommendations lab), once,
however many sessions ask at the same time: the bundle holding it is shared.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from core.recs.data import InteractionData

ROW_GROUP = 50_000  # pairs per row group: a customer's rows are ~10 ms to read, the whole file stays compact


def write_pairs(pairs: pd.DataFrame, path: Path) -> None:
    """Pairs sorted by user (as interaction_data_from_pairs makes them), in row groups of ROW_GROUP."""
    pairs.to_parquet(path, row_group_size=ROW_GROUP)


class StoredPairs:
    """pairs.parquet of one version: `of_user` reads the row groups that can hold a user, `all` everything."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._all: pd.DataFrame | None = None
        self._lock = threading.Lock()

    def all(self) -> pd.DataFrame:
        with self._lock:
            if self._all is None:
                self._all = pd.read_parquet(self.path)
            return self._all

    def of_user(self, user: int) -> pd.DataFrame:
        """The user's pairs (in stored order); files written before row groups were small still work, whole."""
        if self._all is not None:
            return self._all[self._all["user"] == user]
        file = pq.ParquetFile(self.path)
        groups = _groups_holding(file, user)
        table = file.read_row_groups(groups).to_pandas() if groups else file.schema_arrow.empty_table().to_pandas()
        return table[table["user"] == user].reset_index(drop=True)


def _groups_holding(file: pq.ParquetFile, user: int) -> list[int]:
    """Row groups whose user min/max spans `user`; a group without statistics is read to be safe."""
    column = file.schema_arrow.get_field_index("user")
    found = []
    for i in range(file.metadata.num_row_groups):
        stats = file.metadata.row_group(i).column(column).statistics
        if stats is None or not stats.has_min_max or stats.min <= user <= stats.max:
            found.append(i)
    return found


class StoredInteractionData(InteractionData):
    """InteractionData whose `pairs` are read from the version's file on first use (see StoredPairs)."""

    def __init__(self, users: np.ndarray, items: np.ndarray, items_meta: pd.DataFrame, stored: StoredPairs) -> None:
        self.stored = stored
        super().__init__(users, items, None, items_meta)  # type: ignore[arg-type]  # pairs come from `stored`

    @property  # type: ignore[override]
    def pairs(self) -> pd.DataFrame:
        return self.stored.all()

    @pairs.setter
    def pairs(self, value: pd.DataFrame | None) -> None:
        if value is not None:
            raise AttributeError("a stored version's pairs are read from its file, not replaced")

    def pairs_of(self, user: int) -> pd.DataFrame:
        return self.stored.of_user(user)
