"""The local side of the Spark jobs: hand the arrays off, run the job, return arrays shaped as the local trainers'."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from core.spark import engine, handoff, jobs


def kmeans(x: np.ndarray, ks: list[int], seed: int, n_init: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """k -> (labels, centres) for each candidate number of clusters, the features handed off once."""
    with handoff.job_folder("kmeans") as folder:
        columns = handoff.features(x, folder / "features")
        found = jobs.kmeans(engine.session(), folder / "features", columns, folder / "out", ks, seed, n_init)
    return {k: (c.labels, c.centers) for k, c in found.items()}


def lda(counts: sp.csr_matrix, terms: list[str], k: int, seed: int, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """(topic x term weights, document x topic weights) of MLlib's EM LDA on the corpus's tokens."""
    with handoff.job_folder("lda") as folder:
        handoff.tokens(counts, terms, folder / "tokens")
        found = jobs.lda(
            engine.session(), folder / "tokens", folder / "out", terms, counts.shape[0], k, seed, iterations
        )
    return found.topic_terms, found.doc_topics
