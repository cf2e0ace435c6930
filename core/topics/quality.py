"""How good a set of topics is, measured on the same reviews it was found in.

NPMI coherence: for each topic, the mean normalised pointwise mutual information of every pair
of its top-10 terms, from how often they appear in the same review (1 = always together, 0 =
independent, -1 = never together); averaged over topics. Diversity: the share of unique terms
among all topics' top-10 terms (1 = no two topics share a term).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def npmi(top_terms: list[list[int]], presence: sp.csc_matrix) -> list[float]:
    """NPMI of each topic; presence is a binary reviews x terms matrix."""
    n_docs = presence.shape[0]
    out = []
    for terms in top_terms:
        cols = presence[:, terms].astype(np.float64)
        together = (cols.T @ cols).toarray() / n_docs
        alone = np.diag(together).copy()
        pairs = np.triu_indices(len(terms), k=1)
        p_ij = together[pairs]
        p_i, p_j = alone[pairs[0]], alone[pairs[1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.log(p_ij / (p_i * p_j)) / -np.log(p_ij)
        value = np.where(p_ij > 0, value, -1.0)
        value = np.where(p_ij >= 1.0, 1.0, value)
        out.append(float(np.mean(value)) if len(value) else 0.0)
    return out


def diversity(top_terms: list[list[int]]) -> float:
    every = [t for terms in top_terms for t in terms]
    return len(set(every)) / max(len(every), 1)
