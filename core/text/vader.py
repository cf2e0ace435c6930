"""VADER sentiment through NLTK, with the lexicon from our offline data folder (never downloaded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

_CHUNK = 2_000


@lru_cache(maxsize=1)
def _analyzer():  # noqa: ANN202 - nltk's class, imported lazily
    from nltk.sentiment import SentimentIntensityAnalyzer

    from core.nltk_setup import ensure_nltk_data

    ensure_nltk_data()
    return SentimentIntensityAnalyzer()


def vader_compound(texts: Sequence[str], progress: Callable[[float], None] | None = None) -> np.ndarray:
    """Compound score in [-1, 1] for each text (0 for empty ones); `progress(fraction)` every 2,000 texts
    (VADER reads about 2,000 a second)."""
    analyzer = _analyzer()
    scores = np.zeros(len(texts), dtype=float)
    for start in range(0, len(texts), _CHUNK):
        part = texts[start : start + _CHUNK]
        scores[start : start + len(part)] = [analyzer.polarity_scores(t)["compound"] if t else 0.0 for t in part]
        if progress:
            progress(min(start + _CHUNK, len(texts)) / len(texts))
    return scores
