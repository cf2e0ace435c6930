"""Ranking metrics at k, as the public MovieLens benchmarks define them, plus beyond-accuracy ones.

Every held-out product is relevant (binary relevance); products a customer already has in
training are never counted; customers with nothing held out are not scored.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

METRICS: dict[str, str] = {
    "ndcg": "NDCG@k: how high the products the customer really chose sit in the list (1 = all at the top).",
    "precision": "Precision@k: the share of the k suggestions the customer really chose.",
    "recall": "Recall@k: the share of what the customer really chose that made it into the k suggestions.",
    "map": "MAP@k: like precision, but rewards hits near the top of the list more.",
    "hit_rate": "Hit rate@k: the share of customers with at least one right suggestion.",
    "coverage": "Coverage: the share of the catalogue that gets recommended to someone.",
    "novelty": "Novelty: how little-known the suggestions are (higher = less obvious, in bits).",
    "diversity": "Diversity: how different the suggestions in one list are from each other (0 to 1).",
}


def top_k(scores: np.ndarray, k: int, seen: sp.csr_matrix | None = None) -> np.ndarray:
    """Column indices of the k best scores per row, best first; `seen` entries are excluded."""
    scores = np.asarray(scores)
    # Negated into a copy of the scores' own float type (float32 ranks as it scored; the caller's array is kept).
    negated = np.negative(scores, dtype=scores.dtype if scores.dtype in (np.float32, np.float64) else np.float64)
    if seen is not None:
        negated[seen.nonzero()] = np.inf
    k = min(k, negated.shape[1])
    part = np.argpartition(negated, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(negated, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def ranking_metrics(
    top: np.ndarray,
    truth: sp.csr_matrix,
    k: int,
    popularity: np.ndarray,
    item_vectors: np.ndarray | None = None,
) -> dict[str, float]:
    """Metrics over the rows of `top` (recommended item indices) against `truth` rows (held-out items).

    truth has one row per customer of the training matrix; popularity: training customers per item
    (novelty = -log2 of the share of customers who have the item); item_vectors: unit-length item
    vectors (for diversity, 1 - mean pairwise cosine within a list).
    """
    relevant = truth.toarray() > 0
    n_rel = relevant.sum(axis=1)
    scored = n_rel > 0
    top, relevant, n_rel = top[scored], relevant[scored], n_rel[scored]
    if len(top) == 0:
        return {name: float("nan") for name in METRICS}
    top = top[:, :k]
    hits = np.take_along_axis(relevant, top, axis=1)
    n_hits = hits.sum(axis=1)
    precision_at = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    p_item = np.clip(popularity / max(truth.shape[0], 1), 1e-9, 1)
    out = {
        "ndcg": _ndcg(hits, n_rel, k),
        "precision": float((n_hits / k).mean()),
        "recall": float((n_hits / n_rel).mean()),
        "map": float(((precision_at * hits).sum(axis=1) / np.minimum(n_rel, k)).mean()),
        "hit_rate": float((n_hits > 0).mean()),
        "coverage": float(len(np.unique(top)) / len(popularity)),
        "novelty": float(-np.log2(p_item[top]).mean()),
        "diversity": float("nan"),
    }
    if item_vectors is not None and k > 1:
        vectors = item_vectors[top]
        gram = np.einsum("ukd,ujd->ukj", vectors, vectors)
        off_diagonal = (gram.sum(axis=(1, 2)) - np.einsum("ukk->u", gram)) / (k * (k - 1))
        out["diversity"] = float((1.0 - off_diagonal).mean())
    return out


def _ndcg(hits: np.ndarray, n_rel: np.ndarray, k: int) -> float:
    """Mean NDCG@k from each list's hits (rows of booleans, best first) and its number of relevant items."""
    return float(_ndcg_rows(hits, n_rel, k).mean())


def _ndcg_rows(hits: np.ndarray, n_rel: np.ndarray, k: int) -> np.ndarray:
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discount)[np.minimum(n_rel, k) - 1]
    return (hits * discount).sum(axis=1) / ideal


def customer_ndcg(top: np.ndarray, truth: sp.csr_matrix, k: int) -> np.ndarray:
    """NDCG@k of each scored customer (rows of `truth` with something held out), in row order: what
    `ranking_metrics`' ndcg averages, kept per customer so two models can be compared pair by pair."""
    truth = sp.csr_matrix(truth > 0)  # looked up entry by entry: no customers x products dense copy
    n_rel = np.diff(truth.indptr)
    scored = np.flatnonzero(n_rel > 0)
    top = top[scored][:, :k]
    hits = np.asarray(truth[np.repeat(scored, top.shape[1]), top.ravel()]).reshape(top.shape)
    return _ndcg_rows(hits, n_rel[scored], k)


class NdcgJudge:
    """NDCG@k of many score matrices for the same customers (tuning's loop): what is hidden and what
    each customer already has is looked up once, not per trial. Equals ranking_metrics' ndcg."""

    def __init__(self, users: np.ndarray, seen: sp.csr_matrix, truth: sp.csr_matrix) -> None:
        relevant = truth[users].toarray() > 0
        n_rel = relevant.sum(axis=1)
        self.scored = n_rel > 0
        self.seen = seen[users]
        self.relevant, self.n_rel = relevant[self.scored], n_rel[self.scored]

    def ndcg(self, scores: np.ndarray, k: int) -> float:
        """`scores` has one row per customer, in the order given at construction."""
        if not self.scored.any():
            return float("nan")
        top = top_k(scores, k, self.seen)[self.scored]
        return _ndcg(np.take_along_axis(self.relevant, top, axis=1), self.n_rel, k)


def behaviour_vectors(matrix: sp.csr_matrix, dims: int = 64, seed: int = 42) -> np.ndarray:
    """Unit-length item vectors from who bought what (truncated SVD), for the diversity metric."""
    from sklearn.decomposition import TruncatedSVD

    items = matrix.T.tocsr().astype(np.float64)
    dims = max(1, min(dims, min(items.shape) - 1))
    vectors = TruncatedSVD(n_components=dims, random_state=seed).fit_transform(items)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
