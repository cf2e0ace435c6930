"""EASE (Steck, 2019): a closed-form linear item-item model, strong on small and medium catalogues.

B = -P / diag(P) with P = (X'X + lambda I)^-1 and a zero diagonal. It needs an n_items x n_items
inverse, so it is skipped for catalogues above MAX_ITEMS.
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np

from core.errors import PersonaLensError
from core.recs.models.base import RECENCY_GRID, Recommender, TrainingSet, cooccurrence

MAX_ITEMS = 15_000


class EASE(Recommender):
    name = "ease"
    label = "Linear item model (EASE)"
    summary = "A linear model of which products predict which, learned in closed form from all baskets at once."

    GRID: ClassVar[dict[str, tuple]] = {"regularization": (50.0, 200.0, 500.0, 1500.0)}
    SCORE_GRID: ClassVar[dict[str, tuple]] = {"recency": RECENCY_GRID}
    PER_CUSTOMER: ClassVar[tuple[str, ...]] = ("regularization",)  # the Gram matrix is a sum over customers
    MAX_ITEMS: ClassVar[int | None] = MAX_ITEMS
    PAIRWISE: ClassVar[str] = "inverts a dense products x products matrix"

    def __init__(self, regularization: float = 500.0, recency: float = 1.0) -> None:
        self.regularization = regularization
        self.recency = recency

    def fit(self, data: TrainingSet) -> Self:
        if reason := self.too_large(0, data.n_items):
            raise PersonaLensError(reason)
        self.data = data
        gram = cooccurrence(data.matrix).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.regularization
        inverse = np.linalg.inv(gram)
        weights = -inverse / np.diag(inverse)
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights_ = weights.astype(np.float32)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.asarray(self.data.history(users, self.recency) @ self.weights_)

    def params(self) -> dict:
        return {"regularization": self.regularization, "recency": self.recency}

    def arrays(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights_}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights_ = arrays["weights"]
