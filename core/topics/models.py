"""Topic models over the same tokenised reviews: gensim LDA (the seeds' choice), NMF on TF-IDF, and
MLlib's LDA on the Spark engine (the same tokens, handed off to Spark).

Both return the same thing (TopicFit): each topic's top terms and weights, and each review's
topic weights (rows sum to 1, or 0 for a review with no known term).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

TOP_N = 10
INFER_CHUNK = 20_000  # reviews per batch when a fitted model weighs reviews it was not fitted on


@dataclass
class Corpus:
    """Tokenised reviews as a reviews x terms count matrix (terms: stems and phrases, surface forms aside)."""

    counts: sp.csr_matrix
    terms: list[str]

    @classmethod
    def from_tokens(cls, docs: list[list[str]], min_df: int = 5, max_df: float = 0.4) -> Corpus:
        from sklearn.feature_extraction.text import CountVectorizer

        n_docs = len(docs)
        vectorizer = CountVectorizer(
            analyzer=lambda d: d, min_df=min(min_df, max(1, n_docs // 20)), max_df=max_df if n_docs > 20 else 1.0
        )
        counts = vectorizer.fit_transform(docs).tocsr().astype(np.float32)
        return cls(counts, vectorizer.get_feature_names_out().tolist())

    def counts_for(self, docs: Sequence[list[str]]) -> sp.csr_matrix:
        """Other tokenised reviews as counts over this corpus's terms (unknown tokens dropped)."""
        from sklearn.feature_extraction.text import CountVectorizer

        vectorizer = CountVectorizer(analyzer=lambda d: d, vocabulary=self.terms)
        return vectorizer.transform(docs).tocsr().astype(np.float32)

    @property
    def presence(self) -> sp.csc_matrix:
        return (self.counts > 0).astype(np.float32).tocsc()


@dataclass
class TopicFit:
    method: str
    top_terms: list[list[int]]  # term indices per topic, best first
    top_weights: list[list[float]]
    doc_topics: np.ndarray  # reviews x topics, rows sum to 1 (or 0)
    infer: Callable[[sp.csr_matrix], np.ndarray] | None = None  # the same weights for other reviews' counts


def fit_nmf(corpus: Corpus, k: int, seed: int = 42) -> TopicFit:
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfTransformer

    weighting = TfidfTransformer(sublinear_tf=True).fit(corpus.counts)
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400, alpha_W=0.0, l1_ratio=0.0)
    doc_topics = model.fit_transform(weighting.transform(corpus.counts))
    return _fit(
        "nmf",
        model.components_,
        doc_topics,
        infer=lambda counts: _normalized(model.transform(weighting.transform(counts))),
    )


def fit_lda(corpus: Corpus, k: int, seed: int = 42, passes: int = 2, exclusive: bool = True) -> TopicFit:
    """LDA; with exclusive=False the top terms are gensim's own (most probable first), as plain LDA shows them."""
    from gensim.matutils import Sparse2Corpus
    from gensim.models import LdaModel

    bow = Sparse2Corpus(corpus.counts.astype(np.int64), documents_columns=False)
    id2word = dict(enumerate(corpus.terms))
    model = LdaModel(bow, num_topics=k, id2word=id2word, random_state=seed, passes=passes, chunksize=2000)
    doc_topics = np.zeros((corpus.counts.shape[0], k))
    for i, doc in enumerate(bow):
        for topic, weight in model.get_document_topics(doc, minimum_probability=0.0):
            doc_topics[i, topic] = weight
    doc_topics[np.asarray(corpus.counts.sum(axis=1)).ravel() == 0] = 0.0

    def infer(counts: sp.csr_matrix) -> np.ndarray:
        """Variational inference in chunks (as gensim fits), each row's topic mixture normalised."""
        out = np.zeros((counts.shape[0], k))
        for start in range(0, counts.shape[0], INFER_CHUNK):
            chunk = counts[start : start + INFER_CHUNK]
            gamma, _ = model.inference(list(Sparse2Corpus(chunk.astype(np.int64), documents_columns=False)))
            out[start : start + INFER_CHUNK] = gamma
        out[np.asarray(counts.sum(axis=1)).ravel() == 0] = 0.0
        return _normalized(out)

    return _fit("lda", model.get_topics(), doc_topics, exclusive, infer)


def exclusive_top_terms(topic_terms: np.ndarray, n: int = TOP_N) -> np.ndarray:
    """Each topic's n strongest terms, a term listed only under the topic where it weighs most
    (relative to each topic's total), so "sound" does not head five topics at once."""
    share = topic_terms / np.maximum(topic_terms.sum(axis=1, keepdims=True), 1e-12)
    home = share.argmax(axis=0)
    out = []
    for t in range(topic_terms.shape[0]):
        ranked = np.argsort(-topic_terms[t])
        own = [i for i in ranked[: n * 20] if home[i] == t][:n]
        out.append(own + [i for i in ranked if i not in own][: n - len(own)])
    return np.array(out)


def _normalized(doc_topics: np.ndarray) -> np.ndarray:
    totals = doc_topics.sum(axis=1, keepdims=True)
    return np.divide(doc_topics, totals, out=np.zeros_like(doc_topics, dtype=float), where=totals > 0)


def _fit(
    method: str,
    topic_terms: np.ndarray,
    doc_topics: np.ndarray,
    exclusive: bool = True,
    infer: Callable[[sp.csr_matrix], np.ndarray] | None = None,
) -> TopicFit:
    order = exclusive_top_terms(topic_terms) if exclusive else np.argsort(-topic_terms, axis=1)[:, :TOP_N]
    return TopicFit(
        method,
        [row.tolist() for row in order],
        [topic_terms[t, row].round(5).tolist() for t, row in enumerate(order)],
        _normalized(doc_topics),
        infer,
    )


def fit_spark_lda(corpus: Corpus, k: int, seed: int = 42, iterations: int = 40) -> TopicFit:
    """MLlib's EM LDA on Spark (see core.spark), read back as the local fits are."""
    from core.spark import fit as spark_fit

    topic_terms, doc_topics = spark_fit.lda(corpus.counts, corpus.terms, k, seed, iterations)
    doc_topics[np.asarray(corpus.counts.sum(axis=1)).ravel() == 0] = 0.0
    return _fit("spark_lda", topic_terms, doc_topics)


FITTERS = {"nmf": fit_nmf, "lda": fit_lda, "spark_lda": fit_spark_lda}
METHOD_LABELS = {"nmf": "NMF", "lda": "LDA", "spark_lda": "LDA on Apache Spark"}
LOCAL_METHODS = ("nmf", "lda")
SPARK_METHODS = ("spark_lda",)
