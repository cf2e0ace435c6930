"""Recommendation what-if: change the blend and the business levers, see offline quality move.

`RecsLab.build` refits the blendable recommenders on the same training split the stored version
was measured on and keeps their standardised scores for held-out customers. Re-ranking those
scores with other settings (blend weights, a diversity trade-off, a popularity penalty, a
category boost) is then matrix arithmetic: a new NDCG@10, coverage and diversity in a fraction
of a second. `sample_lists` shows what the change does to one customer's list with the
full-data models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import PersonaLensError
from core.recs.evaluate import BLENDABLE, fit_models, groups_from_history, training_set
from core.recs.metrics import behaviour_vectors, ranking_metrics
from core.recs.models.hybrid import standardize
from core.recs.service import RecsBundle
from core.recs.split import split_pairs

Progress = Callable[[float, str], None]
CANDIDATES = 50
MAX_USERS = 1000
SHOWN_METRICS = ("ndcg", "hit_rate", "coverage", "diversity", "novelty")


@dataclass(frozen=True)
class RecSettings:
    """How lists are ranked.

    weights: blend weight per model; diversity: 0 (pure relevance) to 1 (as varied as possible,
    maximal marginal relevance over the top 50); popularity_penalty: standard deviations taken off
    per standard deviation of (log) popularity; category_boost: standard deviations added to every
    product of `boost_category`.
    """

    weights: dict[str, float] = field(default_factory=dict)
    diversity: float = 0.0
    popularity_penalty: float = 0.0
    boost_category: str | None = None
    category_boost: float = 0.0


@dataclass
class RecsLab:
    """Held-out scores of each blendable model, and what re-ranking needs to know about products."""

    bundle: RecsBundle
    components: dict[str, np.ndarray]  # model -> users x items, standardised, for held-out users
    users: np.ndarray
    seen: np.ndarray  # users x items, bought in training
    truth: object  # sparse users x items of held-out purchases (all training users)
    popularity: np.ndarray  # training customers per item
    item_vectors: np.ndarray
    k: int = 10

    @classmethod
    def build(cls, bundle: RecsBundle, progress: Progress | None = None, max_users: int = MAX_USERS) -> RecsLab:
        report = progress or (lambda _f, _m: None)
        data, evaluation = bundle.data, bundle.evaluation
        names = [n for n in BLENDABLE if n in bundle.models]
        if not names:
            raise PersonaLensError("the stored recommendations have no models to blend: retrain recommendations")
        train_pairs, test_pairs = split_pairs(data.pairs, evaluation.protocol, seed=evaluation.seed)
        groups = groups_from_history(data.matrix(train_pairs), bundle.training.user_groups)
        train_set = training_set(data, train_pairs, groups)
        fitted, _ = fit_models(names, train_set, evaluation.tuned, report, (0.0, 0.85))
        users = np.unique(test_pairs["user"].to_numpy())
        if len(users) > max_users:
            users = np.sort(np.random.default_rng(evaluation.seed).choice(users, max_users, replace=False))
        report(0.9, "scoring held-out customers")
        components = {n: standardize(m.score(users)).astype(np.float32) for n, m in fitted.items()}
        report(1.0, "ready")
        return cls(
            bundle,
            components,
            users,
            train_set.matrix[users].toarray() > 0,
            data.matrix(test_pairs),
            np.asarray(train_set.matrix.sum(axis=0)).ravel(),
            behaviour_vectors(train_set.matrix, seed=evaluation.seed),
            evaluation.k,
        )

    def default_settings(self) -> RecSettings:
        tuned = self.bundle.evaluation.tuned.get("hybrid_weights") or {}
        weights = {n: float(tuned.get(n, 0.0)) for n in self.components}
        if not any(weights.values()):
            weights[next(iter(self.components))] = 1.0
        return RecSettings(weights=weights)

    def evaluate(self, settings: RecSettings) -> dict[str, float]:
        """NDCG@10, hit rate, coverage, diversity and novelty of the re-ranked held-out lists."""
        scores = blend(self.components, settings.weights, len(self.users), self.bundle.data.n_items)
        top = rerank(scores, settings, self.seen, self.popularity, self.item_vectors, self.categories(), self.k)
        metrics = ranking_metrics(top, self.truth[self.users], self.k, self.popularity, self.item_vectors)
        return {m: round(float(metrics[m]), 4) for m in SHOWN_METRICS}

    def categories(self) -> pd.Series:
        return self.bundle.data.items_meta["category"].fillna("").astype(str)

    def sample_lists(self, customer_id: str, settings: RecSettings) -> pd.DataFrame:
        """rank, before (title), after (title): the customer's list with the stored blend and with `settings`."""
        bundle = self.bundle
        user = bundle.data.user_index.get(str(customer_id))
        if user is None:
            raise PersonaLensError(f"customer {customer_id} has no purchase history to recommend from")
        full = {n: standardize(bundle.models[n].score(np.array([user]))) for n in self.components}
        seen = bundle.training.matrix[user].toarray() > 0
        popularity = np.asarray(bundle.training.matrix.sum(axis=0)).ravel()
        lists = []
        for chosen in (self.default_settings(), settings):
            scores = blend(full, chosen.weights, 1, bundle.data.n_items)
            lists.append(rerank(scores, chosen, seen, popularity, self.item_vectors, self.categories(), self.k)[0])
        titles = bundle.data.items_meta["title"].fillna(pd.Series(bundle.data.items)).astype(str).to_numpy()
        before, after = lists
        return pd.DataFrame(
            {
                "rank": np.arange(1, self.k + 1),
                "before": titles[before],
                "after": titles[after],
                "new": ~np.isin(after, before),
            }
        )


def blend(components: dict[str, np.ndarray], weights: dict[str, float], n_users: int, n_items: int) -> np.ndarray:
    total = np.zeros((n_users, n_items), dtype=np.float32)
    for name, w in weights.items():
        if w and name in components:
            total += np.float32(w) * components[name]
    return total


def rerank(
    scores: np.ndarray,
    settings: RecSettings,
    seen: np.ndarray,
    popularity: np.ndarray,
    vectors: np.ndarray,
    categories: pd.Series,
    k: int,
) -> np.ndarray:
    """Top-k item indices per row after the popularity penalty, the category boost and diversity."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    if settings.popularity_penalty:
        log_pop = np.log1p(popularity)
        scores -= settings.popularity_penalty * (log_pop - log_pop.mean()) / max(log_pop.std(), 1e-9)
    if settings.boost_category and settings.category_boost:
        wanted = settings.boost_category
        in_category = categories.map(lambda c: wanted in {p.strip() for p in c.split("|")}).to_numpy(dtype=bool)
        scores += settings.category_boost * in_category
    scores[seen] = -np.inf
    n_candidates = min(max(CANDIDATES, k), scores.shape[1])
    candidates = np.argsort(-scores, axis=1, kind="stable")[:, :n_candidates]
    if not settings.diversity:
        return candidates[:, :k]
    return _mmr(np.take_along_axis(scores, candidates, axis=1), candidates, vectors, settings.diversity, k)


def _mmr(relevance: np.ndarray, candidates: np.ndarray, vectors: np.ndarray, trade_off: float, k: int) -> np.ndarray:
    """Maximal marginal relevance: each pick maximises (1-λ)·relevance − λ·(similarity to what is picked)."""
    finite = np.where(np.isfinite(relevance), relevance, np.nan)
    low, high = np.nanmin(finite, axis=1, keepdims=True), np.nanmax(finite, axis=1, keepdims=True)
    rel = np.nan_to_num((finite - low) / np.maximum(high - low, 1e-9), nan=-1.0)
    cand_vectors = vectors[candidates]  # users x candidates x dims
    n, m = candidates.shape
    rows = np.arange(n)
    max_sim = np.zeros((n, m))
    taken = np.zeros((n, m), dtype=bool)
    picks = np.empty((n, min(k, m)), dtype=int)
    for step in range(picks.shape[1]):
        objective = (1 - trade_off) * rel - trade_off * max_sim
        objective[taken] = -np.inf
        best = objective.argmax(axis=1)
        picks[:, step] = candidates[rows, best]
        taken[rows, best] = True
        sim = np.einsum("umd,ud->um", cand_vectors, cand_vectors[rows, best])
        max_sim = np.maximum(max_sim, sim)
    return picks
