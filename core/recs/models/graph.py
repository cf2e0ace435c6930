"""RP3beta (Paudel et al. 2017; Dacrema et al. 2019): three-step random walks with a popularity penalty.

A walk goes customer -> product -> another customer of it -> their product. Its probability from
product i to product j, raised to `alpha` per step, is divided by j's popularity to the power
`beta`, so a store's best sellers do not crowd every list; each product keeps its `neighbours`
strongest successors (rows rescaled to sum to one when `normalize`: better on dense stores,
worse on sparse ones, so it is tuned). Strong on sparse stores, where a handful of purchases must go a long way.
Cost: one sparse products x products product, so it is skipped above MAX_ITEMS like EASE.
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import scipy.sparse as sp

from core.errors import PersonaLensError
from core.recs.models.base import (
    RECENCY_GRID,
    Recommender,
    TrainingSet,
    keep_top_k_per_row,
    sparse_from_arrays,
    sparse_to_arrays,
)
from core.recs.models.ease import MAX_ITEMS


def _row_stochastic(matrix: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    return (sp.diags(1.0 / np.where(sums == 0, 1, sums)) @ matrix).tocsr()


class RP3Beta(Recommender):
    name = "rp3beta"
    label = "Random walks (RP3beta)"
    summary = (
        "Products reached in three steps from this customer's products through other customers, best sellers damped."
    )

    GRID: ClassVar[dict[str, tuple]] = {"alpha": (0.5, 1.0), "beta": (0.0, 0.3, 0.6), "normalize": (False, True)}

    SCORE_GRID: ClassVar[dict[str, tuple]] = {"recency": RECENCY_GRID}
    MAX_ITEMS: ClassVar[int | None] = MAX_ITEMS
    PAIRWISE: ClassVar[str] = "walks a products x products matrix"

    def __init__(
        self,
        alpha: float = 1.0,
        beta: float = 0.5,
        neighbours: int = 200,
        normalize: bool = False,
        recency: float = 1.0,
    ) -> None:
        self.alpha, self.beta, self.neighbours, self.normalize = alpha, beta, neighbours, normalize
        self.recency = recency

    def fit(self, data: TrainingSet) -> Self:
        if reason := self.too_large(0, data.n_items):
            raise PersonaLensError(reason)
        self.data = data
        bought = (data.matrix > 0).astype(np.float64).tocsr()
        to_item = _row_stochastic(bought)  # customer -> product
        to_user = _row_stochastic(bought.T.tocsr())  # product -> customer
        if self.alpha != 1.0:
            to_item, to_user = to_item.power(self.alpha), to_user.power(self.alpha)
        walks = (to_user @ to_item).tocsr()  # product -> product in two steps
        popularity = np.asarray(bought.sum(axis=0)).ravel()
        penalty = np.power(np.maximum(popularity, 1.0), -self.beta)
        walks = (walks @ sp.diags(penalty)).tocsr()
        walks.setdiag(0)
        walks.eliminate_zeros()
        similarity = keep_top_k_per_row(walks, self.neighbours)
        self.similarity_ = (_row_stochastic(similarity) if self.normalize else similarity).astype(np.float32)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.asarray((self.data.history(users, self.recency) @ self.similarity_).todense())

    def params(self) -> dict:
        return {
            "alpha": self.alpha,
            "beta": self.beta,
            "neighbours": self.neighbours,
            "normalize": self.normalize,
            "recency": self.recency,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return sparse_to_arrays("similarity", self.similarity_)

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.similarity_ = sparse_from_arrays("similarity", arrays)
