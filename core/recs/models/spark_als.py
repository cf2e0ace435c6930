"""Implicit-feedback ALS on Apache Spark (MLlib), for stores too large for one machine.

The same model as `factorization.ALS` (same confidence weighting, same stored factors, same scoring,
reasons and blending), fitted by MLlib on the Spark engine's session. MLlib scales the
regularisation by each customer's and product's number of interactions, so its grid differs.
"""

from __future__ import annotations

from typing import ClassVar, Self

from core.recs.models.base import TrainingSet
from core.recs.models.factorization import ALS


class SparkALS(ALS):
    name = "spark_als"
    label = "Matrix factorisation (ALS, Spark)"
    summary = "Learns a few hidden taste dimensions for customers and products, trained on Apache Spark."

    GRID: ClassVar[dict[str, tuple]] = {"factors": (32, 96), "regularization": (0.001, 0.01)}

    def __init__(
        self, factors: int = 32, regularization: float = 0.001, alpha: float = 5.0, iterations: int = 15, seed: int = 42
    ) -> None:
        super().__init__(factors, regularization, alpha, iterations, seed)

    def fit(self, data: TrainingSet) -> Self:
        from core.spark import engine, handoff, jobs

        self.data = data
        with handoff.job_folder("als") as folder:
            factors = jobs.als(
                engine.session(),
                handoff.interactions(data.matrix, folder / "interactions"),
                folder / "out",
                data.matrix.shape,
                self.effective_factors(data),
                self.regularization,
                self.alpha,
                self.iterations,
                self.seed,
            )
        self.user_factors_, self.item_factors_ = factors.users, factors.items
        return self
