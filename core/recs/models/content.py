"""Content-based: products whose words match the words of what the customer already has.

Item profiles are TF-IDF (words and two-word phrases) plus word2vec centroids over titles,
categories, descriptions and review text; a customer's profile is the weighted mean of their
products' profiles; the score is cosine similarity (the seeds' method). It is the only model
that can recommend a product nobody has bought yet.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from core.errors import PersonaLensError
from core.recs.models.base import Recommender, TrainingSet, row_normalize, sparse_from_arrays, sparse_to_arrays

GENERIC_WORDS = frozenset(
    {
        "great",
        "good",
        "product",
        "item",
        "bought",
        "buy",
        "love",
        "like",
        "just",
        "really",
        "use",
        "used",
        "using",
        "work",
        "works",
        "nice",
        "well",
        "one",
        "would",
        "get",
        "also",
        "very",
        "much",
        "best",
        "excellent",
        "price",
    }
)


class ContentRecommender(Recommender):
    name = "content"
    label = "Similar products (content)"
    summary = "Products described in the same words (titles, categories, descriptions, reviews) as the customer's."

    def __init__(self, embedding_weight: float = 0.5, max_terms: int = 20_000, seed: int = 42) -> None:
        self.embedding_weight = embedding_weight
        self.max_terms = max_terms
        self.seed = seed

    def fit(self, data: TrainingSet) -> Self:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

        from core.text.embeddings import doc_centroids

        self.data = data
        texts = [t or "" for t in data.item_text]
        vectorizer = TfidfVectorizer(
            stop_words=sorted(ENGLISH_STOP_WORDS | GENERIC_WORDS),
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",
            ngram_range=(1, 2),
            min_df=2 if len(texts) >= 50 else 1,
            max_features=self.max_terms,
            sublinear_tf=True,
        )
        try:
            self.tfidf_ = vectorizer.fit_transform(texts).astype(np.float32).tocsr()
            self.terms_ = np.array(vectorizer.get_feature_names_out(), dtype=str)
        except ValueError as exc:  # no usable words at all (e.g. ids only)
            raise PersonaLensError(
                "the products have no descriptive words (titles, categories, descriptions or reviews) "
                "for content-based recommendations"
            ) from exc
        embedded = doc_centroids(texts, seed=self.seed) if self.embedding_weight > 0 else np.zeros((len(texts), 1))
        norms = np.linalg.norm(embedded, axis=1, keepdims=True)
        self.embeddings_ = (embedded / np.where(norms == 0, 1, norms)).astype(np.float32)
        return self

    def user_profiles(self, users: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """Each customer's TF-IDF profile (unit length) and embedding profile."""
        history = self.data.weights[users]
        words = row_normalize((history @ self.tfidf_).tocsr())
        embedded = np.asarray(history @ self.embeddings_)
        norms = np.linalg.norm(embedded, axis=1, keepdims=True)
        return words, embedded / np.where(norms == 0, 1, norms)

    def score(self, users: np.ndarray) -> np.ndarray:
        words, embedded = self.user_profiles(users)
        return np.asarray((words @ self.tfidf_.T).todense()) + self.embedding_weight * (embedded @ self.embeddings_.T)

    def shared_terms(self, user: int, item: int, n: int = 3) -> list[str]:
        """The words that most connect a customer's profile to a product, best first."""
        words, _ = self.user_profiles(np.array([user]))
        overlap = words.multiply(self.tfidf_[item]).tocsr()
        if overlap.nnz == 0:
            return []
        best = np.argsort(-overlap.data)
        chosen: list[str] = []
        for term in self.terms_[overlap.indices[best]]:
            if not any(term in c or c in term for c in chosen):
                chosen.append(str(term))
            if len(chosen) == n:
                break
        return chosen

    def params(self) -> dict:
        return {"embedding_weight": self.embedding_weight, "max_terms": self.max_terms, "seed": self.seed}

    def arrays(self) -> dict[str, np.ndarray]:
        return {**sparse_to_arrays("tfidf", self.tfidf_), "terms": self.terms_, "embeddings": self.embeddings_}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.tfidf_ = sparse_from_arrays("tfidf", arrays)
        self.terms_, self.embeddings_ = arrays["terms"], arrays["embeddings"]
