"""Word2Vec (gensim) trained on the workspace's own reviews, and per-document centroids.

Tokenisation uses NLTK's regexp tokenizer (punkt is not available offline) and scikit-learn's
English stop words. Training is single-threaded with a stable hash so the same reviews give the
same vectors.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import numpy as np
from nltk.tokenize import RegexpTokenizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_TOKENS = RegexpTokenizer(r"[a-z][a-z']+")
_CHUNK = 10_000  # documents read between two progress reports
_READING = 0.3  # the share of doc_centroids' time spent reading the words (the rest: epochs, centroids)


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKENS.tokenize(text.lower()) if t not in ENGLISH_STOP_WORDS and len(t) > 2]


def stable_hash(text: str) -> int:
    """Python's own hash changes per process; gensim seeds word vectors from this one instead."""
    return zlib.crc32(text.encode("utf-8"))


def doc_centroids(
    docs: Sequence[str],
    size: int = 32,
    seed: int = 42,
    epochs: int = 8,
    learn_from: Sequence[int] | None = None,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Mean Word2Vec vector of each document's known words (zeros where none is known); the vectors
    are learned from the documents at `learn_from` (default: all), the centroids cover every one.
    `progress(fraction)` is called as the words are read and after each epoch."""
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    report = progress or (lambda _f: None)
    tokens = []
    for start in range(0, len(docs), _CHUNK):
        tokens += [tokenize(d or "") for d in docs[start : start + _CHUNK]]
        report(_READING * min(start + _CHUNK, len(docs)) / max(len(docs), 1))
    learning = tokens if learn_from is None else [tokens[i] for i in learn_from]
    out = np.zeros((len(tokens), size))
    model = Word2Vec(
        vector_size=size,
        window=5,
        min_count=3,
        workers=1,
        seed=seed,
        epochs=epochs,
        hashfxn=stable_hash,
    )
    model.build_vocab(learning)
    if not model.wv.key_to_index:  # too few repeated words to learn anything
        return out

    class EpochDone(CallbackAny2Vec):
        def __init__(self) -> None:
            self.done = 0

        def on_epoch_end(self, model: Word2Vec) -> None:
            self.done += 1
            report(_READING + (1 - _READING) * self.done / (epochs + 1))

    model.train(learning, total_examples=len(learning), epochs=epochs, callbacks=[EpochDone()])
    for i, words in enumerate(tokens):
        known = [w for w in words if w in model.wv.key_to_index]
        if known:
            out[i] = model.wv[known].mean(axis=0)
    return out
