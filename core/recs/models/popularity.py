"""Popularity, overall and within the customer's persona: the cold-start fallback."""

from __future__ import annotations

from typing import Self

import numpy as np

from core.recs.models.base import Recommender, TrainingSet


class Popularity(Recommender):
    name = "popularity"
    label = "Best sellers"
    summary = "The products most customers chose; the same list for everyone."

    def fit(self, data: TrainingSet) -> Self:
        self.data = data
        self.counts_ = np.asarray(data.matrix.sum(axis=0)).ravel().astype(np.float64)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.tile(self.counts_ / max(self.counts_.max(), 1), (len(users), 1))

    def arrays(self) -> dict[str, np.ndarray]:
        return {"counts": self.counts_}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.counts_ = arrays["counts"]


class PersonaPopularity(Recommender):
    """Share of the customer's persona who chose each product, with a little overall popularity
    mixed in so small personas still get a full list."""

    name = "persona_popularity"
    label = "Persona favourites"
    summary = "The products most chosen by customers of the same persona."

    def __init__(self, overall_weight: float = 0.1) -> None:
        self.overall_weight = overall_weight

    def fit(self, data: TrainingSet) -> Self:
        self.data = data
        groups = data.user_groups if data.user_groups is not None else np.full(data.n_users, -1)
        self.group_ids_ = np.unique(groups)
        overall = np.asarray(data.matrix.sum(axis=0)).ravel() / max(data.n_users, 1)
        shares = []
        for g in self.group_ids_:
            members = np.flatnonzero(groups == g)
            shares.append(np.asarray(data.matrix[members].sum(axis=0)).ravel() / max(len(members), 1))
        self.shares_ = np.vstack(shares) + self.overall_weight * overall
        self.overall_ = overall
        self.user_group_row_ = np.searchsorted(self.group_ids_, groups)
        return self

    def group_scores(self, group: int) -> np.ndarray:
        """Scores for a customer of `group` (e.g. a new customer whose persona is known)."""
        found = np.flatnonzero(self.group_ids_ == group)
        return self.shares_[found[0]] if len(found) else self.overall_

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.shares_[self.user_group_row_[users]]

    def params(self) -> dict:
        return {"overall_weight": self.overall_weight}

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "group_ids": self.group_ids_,
            "shares": self.shares_,
            "overall": self.overall_,
            "user_group_row": self.user_group_row_,
        }

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.group_ids_, self.shares_ = arrays["group_ids"], arrays["shares"]
        self.overall_, self.user_group_row_ = arrays["overall"], arrays["user_group_row"]
