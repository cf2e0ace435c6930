"""A weighted blend of other recommenders' scores.

Each component's scores are standardised per customer (z-scores) so that models on different
scales blend fairly; the weights are tuned on a validation split (see core.recs.evaluate) and can
be changed by hand on the What-if page.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from core.recs.models.base import Recommender, TrainingSet


def standardize(scores: np.ndarray) -> np.ndarray:
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    return (scores - mean) / np.where(std == 0, 1, std)


class Hybrid(Recommender):
    name = "hybrid"
    label = "Hybrid blend"
    summary = "A weighted mix of the other models, with weights tuned on your data."

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights = dict(weights or {})
        self.components: dict[str, Recommender] = {}

    def with_components(self, components: dict[str, Recommender]) -> Self:
        missing = [name for name, w in self.weights.items() if w and name not in components]
        if missing:
            raise ValueError(f"the hybrid needs {', '.join(missing)}")
        self.components = {name: components[name] for name, w in self.weights.items() if w}
        return self

    def fit(self, data: TrainingSet) -> Self:
        """Components are fitted on their own; the hybrid only combines them."""
        self.data = data
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        total = np.zeros((len(users), self.data.n_items))
        for name, model in self.components.items():
            total += self.weights[name] * standardize(model.score(users))
        return total

    def contributions(self, users: np.ndarray) -> dict[str, np.ndarray]:
        """Each component's weighted, standardised share of the blended score."""
        return {name: self.weights[name] * standardize(m.score(users)) for name, m in self.components.items()}

    def params(self) -> dict:
        return {"weights": self.weights}
