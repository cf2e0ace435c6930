"""VADER sentiment through NLTK, with the lexicon from our offline data folder (never downloaded)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _analyzer():  # noqa: ANN202 - nltk's class, imported lazily
    from nltk.sentiment import SentimentIntensityAnalyzer

    from core.nltk_setup import ensure_nltk_data

    ensure_nltk_data()
    return SentimentIntensityAnalyzer()


def vader_compound(texts: Sequence[str]) -> np.ndarray:
    """Compound score in [-1, 1] for each text (0 for empty ones)."""
    analyzer = _analyzer()
    return np.array([analyzer.polarity_scores(t)["compound"] if t else 0.0 for t in texts], dtype=float)
