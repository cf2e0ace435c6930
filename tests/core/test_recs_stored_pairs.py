"""A stored version's pairs: one customer's rows are read from their row groups, everyone's on first ask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.recs import stored_pairs
from core.recs.stored_pairs import StoredInteractionData, StoredPairs, write_pairs


def _pairs(n_users: int = 400, per_user: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "user": np.repeat(np.arange(n_users), per_user),
            "item": np.tile(np.arange(per_user), n_users),
            "n": rng.integers(1, 4, n_users * per_user),
            "rating": rng.uniform(1, 5, n_users * per_user),
            "last_ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n_users * per_user), "D"),
        }
    )


@pytest.mark.parametrize("row_group", [64, 10**6])  # small groups as written now; one group as written before
def test_one_users_rows_match_the_whole_table(tmp_path: Path, monkeypatch, row_group: int) -> None:
    monkeypatch.setattr(stored_pairs, "ROW_GROUP", row_group)
    pairs = _pairs()
    write_pairs(pairs, tmp_path / "pairs.parquet")
    stored = StoredPairs(tmp_path / "pairs.parquet")
    for user in (0, 12, 13, 399):  # 12 and 13 straddle the 64-row boundary
        expected = pairs[pairs["user"] == user].reset_index(drop=True)
        pd.testing.assert_frame_equal(stored.of_user(user), expected, check_dtype=False)
    assert stored.of_user(-1).empty and stored.of_user(400).empty
    assert stored._all is None  # nothing read whole yet
    pd.testing.assert_frame_equal(stored.all(), pairs, check_dtype=False)
    once_read = stored.of_user(12).reset_index(drop=True)  # now filtered in memory
    pd.testing.assert_frame_equal(once_read, pairs[pairs["user"] == 12].reset_index(drop=True), check_dtype=False)


def test_interaction_data_reads_its_pairs_only_when_asked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(stored_pairs, "ROW_GROUP", 64)
    pairs = _pairs(50, 3)
    write_pairs(pairs, tmp_path / "pairs.parquet")
    meta = pd.DataFrame({"product_id": ["a", "b", "c"]})
    data = StoredInteractionData(
        np.array([f"c{i}" for i in range(50)], dtype=object),
        meta["product_id"].to_numpy(dtype=object),
        meta,
        StoredPairs(tmp_path / "pairs.parquet"),
    )
    assert data.user_index["c7"] == 7 and data.stored._all is None
    assert data.pairs_of(7)["item"].tolist() == [0, 1, 2]
    assert data.matrix().shape == (50, 3) and data.matrix().nnz == len(pairs)
    with pytest.raises(AttributeError):
        data.pairs = pairs
