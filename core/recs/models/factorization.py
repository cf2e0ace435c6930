"""Matrix factorisation with implicit-feedback ALS from the `implicit` library (Hu, Koren & Volinsky).

We use the maintained library rather than hand-writing the solver; only the factors are stored.
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np

from core.recs.models.base import Recommender, TrainingSet


class ALS(Recommender):
    name = "als"
    label = "Matrix factorisation (ALS)"
    summary = "Learns a few hidden taste dimensions for customers and products from all interactions."

    GRID: ClassVar[dict[str, tuple]] = {"factors": (32, 96), "regularization": (0.01, 0.1)}

    def __init__(
        self, factors: int = 32, regularization: float = 0.01, alpha: float = 5.0, iterations: int = 20, seed: int = 42
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed

    def fit(self, data: TrainingSet) -> Self:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        self.data = data
        with threadpool_limits(1, "blas"):  # implicit runs its own threads; BLAS threads on top only slow it
            model = AlternatingLeastSquares(
                factors=self.effective_factors(data),
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.seed,
                num_threads=1,
            )
            model.fit(data.matrix.astype(np.float32), show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float32)
        return self

    def effective_factors(self, data: TrainingSet) -> int:
        """No more taste dimensions than the data can support: with many factors and few products, ALS
        memorises each customer's own products and ranks the rest at random."""
        return int(max(2, min(self.factors, min(data.n_users, data.n_items) // 8)))

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.user_factors_[users] @ self.item_factors_.T

    def params(self) -> dict:
        return {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
            "seed": self.seed,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.user_factors_, self.item_factors_ = arrays["user_factors"], arrays["item_factors"]
