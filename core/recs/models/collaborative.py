"""Neighbourhood collaborative filtering: "customers like you" and "bought together"."""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import scipy.sparse as sp

from core.errors import PersonaLensError
from core.recs.models.base import (
    RECENCY_GRID,
    Recommender,
    TrainingSet,
    cooccurrence,
    keep_top_k_per_row,
    row_normalize,
    sparse_from_arrays,
    sparse_to_arrays,
)

_CHUNK = 2048


class ItemKNN(Recommender):
    """Item-based k-NN: products similar (cosine over who bought them) to the customer's products."""

    name = "item_knn"
    label = "Bought together (item k-NN)"
    summary = "Products often chosen by the same customers as the ones this customer has."

    GRID: ClassVar[dict[str, tuple]] = {"neighbours": (50, 200), "shrink": (0.0, 10.0, 50.0)}

    SCORE_GRID: ClassVar[dict[str, tuple]] = {"recency": RECENCY_GRID}
    # the co-occurrence counts and the denominator's sqrt(n_i * n_j) both grow with the customers
    PER_CUSTOMER: ClassVar[tuple[str, ...]] = ("shrink",)

    def __init__(self, neighbours: int = 100, shrink: float = 10.0, recency: float = 1.0) -> None:
        self.neighbours = neighbours
        self.shrink = shrink
        self.recency = recency

    def fit(self, data: TrainingSet) -> Self:
        self.data = data
        co = cooccurrence(data.matrix)
        counts = np.sqrt(co.diagonal())
        co = co.tocoo()
        denominator = counts[co.row] * counts[co.col] + self.shrink
        similarity = sp.csr_matrix((co.data / denominator, (co.row, co.col)), shape=co.shape)
        similarity.setdiag(0)
        similarity.eliminate_zeros()
        self.similarity_ = keep_top_k_per_row(similarity, self.neighbours)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.asarray((self.data.history(users, self.recency) @ self.similarity_).todense())

    def params(self) -> dict:
        return {"neighbours": self.neighbours, "shrink": self.shrink, "recency": self.recency}

    def arrays(self) -> dict[str, np.ndarray]:
        return sparse_to_arrays("similarity", self.similarity_)

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.similarity_ = sparse_from_arrays("similarity", arrays)


class UserKNN(Recommender):
    """User-based k-NN: similarity to other customers x how they rated each product."""

    name = "user_knn"
    label = "Customers like you (user k-NN)"
    summary = "What the most similar customers chose, weighted by how similar they are and how they rated it."

    GRID: ClassVar[dict[str, tuple]] = {"neighbours": (20, 50, 150)}
    # 19 s a fit for 20,000 customers on 2 cores, growing with their square, and a training run fits it
    # about eight times (tuning, measuring, serving): past 15,000 customers it would hold the run for minutes
    MAX_USERS: ClassVar[int | None] = 15_000
    PAIRWISE: ClassVar[str] = "compares every pair of customers"

    def __init__(self, neighbours: int = 50) -> None:
        self.neighbours = neighbours

    def fit(self, data: TrainingSet) -> Self:
        if reason := self.too_large(data.n_users, 0):
            raise PersonaLensError(reason)
        self.data = data
        normalized = row_normalize(data.matrix.astype(np.float32)).tocsr()
        blocks = []
        for start in range(0, data.n_users, _CHUNK):
            block = (normalized[start : start + _CHUNK] @ normalized.T).tocsr()
            block = block.tolil()
            block.setdiag(0, k=start)
            blocks.append(keep_top_k_per_row(block.tocsr(), self.neighbours))
        self.neighbours_ = sp.vstack(blocks).tocsr() if blocks else sp.csr_matrix((0, 0))
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.asarray((self.neighbours_[users] @ self.data.weights).todense())

    def params(self) -> dict:
        return {"neighbours": self.neighbours}

    def arrays(self) -> dict[str, np.ndarray]:
        return sparse_to_arrays("neighbours", self.neighbours_)

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.neighbours_ = sparse_from_arrays("neighbours", arrays)
