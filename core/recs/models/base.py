"""The interface every recommender follows, scikit-learn style.

`fit(TrainingSet)` learns; `score(users)` returns a (len(users), n_items) array of affinities for
rows of the training matrix; `save(folder)` writes `params.json` and `arrays.npz` (never a
pickle); `load(folder, data)` rebuilds the model around the same training data.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Self

import numpy as np
import scipy.sparse as sp


@dataclass
class TrainingSet:
    """What a recommender may learn from.

    matrix: customers x products, 1.0 where the customer bought/rated/clicked the product.
    weights: same shape, how strongly (ratings when there are some, else the number of events).
    item_text: the words describing each product (title, category, description, reviews).
    user_groups: each customer's persona id (-1 when unknown), or None without personas.
    recency: same shape as matrix, how many baskets back each pair is (1 = the customer's latest
      day), or None without dates.
    """

    matrix: sp.csr_matrix
    weights: sp.csr_matrix
    item_text: list[str]
    user_groups: np.ndarray | None = None
    recency: sp.csr_matrix | None = None

    def history(self, users: np.ndarray, decay: float = 1.0) -> sp.csr_matrix:
        """The customers' rows of the matrix, each pair down-weighted by decay ** (baskets back - 1)."""
        rows = self.matrix[users]
        if decay >= 1.0 or self.recency is None:
            return rows
        ages = self.recency[users]
        return sp.csr_matrix((rows.data * decay ** (ages.data - 1.0), rows.indices, rows.indptr), shape=rows.shape)

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_items(self) -> int:
        return self.matrix.shape[1]


# Weight per basket back in a customer's history (1.0: every purchase counts the same). Orders are
# sequences: on UCI Online Retail's next purchase, EASE scored NDCG@10 0.173 at 1.0 and 0.205 at 0.6.
RECENCY_GRID = (1.0, 0.8, 0.6, 0.4, 0.2)


class Recommender(ABC):
    """A model that scores every product for a customer of its training data."""

    name: ClassVar[str]
    label: ClassVar[str]
    summary: ClassVar[str]
    GRID: ClassVar[dict[str, tuple]] = {}  # the main knobs, tried on the workspace's inner split
    # Knobs that change only how a fitted model scores: tried on each fit without refitting.
    SCORE_GRID: ClassVar[dict[str, tuple]] = {}
    # Knobs whose right value grows with the number of customers (a sum over them): scaled up when
    # the knobs were tuned on a sample of customers and the model serves all of them.
    PER_CUSTOMER: ClassVar[tuple[str, ...]] = ()
    # The store sizes past which the model's pairwise matrix outgrows a training run (None: no limit).
    MAX_USERS: ClassVar[int | None] = None
    MAX_ITEMS: ClassVar[int | None] = None
    PAIRWISE: ClassVar[str] = ""  # what that matrix is, in words
    # Fitted in core.recs.side's worker process while the others fit: on two cores its training overlaps
    # the numpy models' instead of waiting for them, sharing no interpreter lock with them.
    SIDE_FIT: ClassVar[bool] = False

    @classmethod
    def warm_up(cls) -> None:
        """Import what a fit needs (the side worker calls it when it starts, before any fit is sent)."""
        return None

    @classmethod
    def too_large(cls, n_users: int, n_items: int) -> str | None:
        """Why a store of this size is beyond the model, or None."""
        for size, limit, what in ((n_users, cls.MAX_USERS, "customers"), (n_items, cls.MAX_ITEMS, "products")):
            if limit is not None and size > limit:
                return f"{cls.label} {cls.PAIRWISE}, which it does for up to {limit:,} {what}; this store has {size:,}"
        return None

    data: TrainingSet

    @abstractmethod
    def fit(self, data: TrainingSet) -> Self: ...

    @abstractmethod
    def score(self, users: np.ndarray) -> np.ndarray: ...

    def params(self) -> dict:
        return {}

    def arrays(self) -> dict[str, np.ndarray]:
        return {}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        """Set the learned state from what `arrays()` returned: by default key "x" becomes attribute `x_`."""
        for key, value in arrays.items():
            setattr(self, f"{key}_", value)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "params.json").write_text(json.dumps({"name": self.name, "params": self.params()}, indent=1))
        np.savez_compressed(folder / "arrays.npz", **self.arrays())

    @classmethod
    def load(cls, folder: Path, data: TrainingSet) -> Self:
        params = json.loads((folder / "params.json").read_text())["params"]
        model = cls(**params)
        model.data = data
        with np.load(folder / "arrays.npz", allow_pickle=False) as stored:
            model.restore({key: stored[key] for key in stored.files})
        return model


def row_normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sp.diags(1.0 / np.where(norms == 0, 1, norms)) @ matrix


def cooccurrence(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """X'X in float32, products x products: on the 0/1 training matrix, how many customers have both
    products (the diagonal: how many have each).

    Multiplied as products x customers rows: scipy's product of the transposed customers x products
    matrix took 0.41 s on MovieLens-100k, this 0.06 s, with the same whole counts.
    """
    items = matrix.T.tocsr().astype(np.float32)
    return (items @ items.T).tocsr()


def keep_top_k_per_row(similarity: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """The k largest entries of each row (ties broken by column), as a sparse matrix."""
    similarity = similarity.tocsr()
    rows, cols, vals = [], [], []
    for r in range(similarity.shape[0]):
        start, end = similarity.indptr[r], similarity.indptr[r + 1]
        if start == end:
            continue
        v, c = similarity.data[start:end], similarity.indices[start:end]
        if len(v) > k:
            chosen = np.argpartition(-v, k - 1)[:k]
            v, c = v[chosen], c[chosen]
        rows.append(np.full(len(v), r)), cols.append(c), vals.append(v)
    if not rows:
        return sp.csr_matrix(similarity.shape, dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=similarity.shape, dtype=np.float32
    )


def sparse_to_arrays(prefix: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    m = matrix.tocsr()
    return {
        f"{prefix}_data": m.data,
        f"{prefix}_indices": m.indices,
        f"{prefix}_indptr": m.indptr,
        f"{prefix}_shape": np.array(m.shape),
    }


def sparse_from_arrays(prefix: str, arrays: dict[str, np.ndarray]) -> sp.csr_matrix:
    return sp.csr_matrix(
        (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]),
        shape=tuple(arrays[f"{prefix}_shape"]),
    )
