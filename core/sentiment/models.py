"""Three sentiment models behind one interface.

Each returns class probabilities over (negative, neutral, positive); the score is
P(positive) - P(negative), in [-1, 1], and the label the most probable class. `save` writes
JSON and numpy arrays only.

- VaderModel: NLTK's VADER with the offline lexicon; needs no training (the only model when a
  workspace has no star ratings).
- LinearModel: hashed TF-IDF over words and word pairs with negation marked ("not good" ->
  "not neg_good") plus two lexicon features (VADER valence summed over the text, positive and
  negative, negation flipped), then a class-balanced logistic regression. The lexicon features
  keep it sensible on short sentences from other domains.
- NeuralModel: a TensorFlow text CNN (embedding -> 1-D convolution -> max pooling), class-weighted.
"""

from __future__ import annotations

import json
import os
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import ClassVar, Self

import numpy as np
import scipy.sparse as sp

from core.kinds import Progress

LABELS = ("negative", "neutral", "positive")
_NEGATED_SCOPE = re.compile(
    r"\b(?:not|no|never|nothing|none|nobody|cannot|without|nor)\b([^.,!?;:]*?)(?=[.,!?;:]|\bbut\b|$)"
)
_WORD_START = re.compile(r"(?<![\w'])(?=[a-z])")  # where a word begins (a literal replacement is fast)
_TOKEN = re.compile(r"(?u)\b\w[\w']+\b")
_NEGATION_DAMPING = -0.74  # VADER's own factor for a negated word
_SLOT_CACHE_LIMIT = 2_000_000


def mark_negation(text: str) -> str:
    """Lower case, "n't" -> " not", and "neg_" before each word in a negation's scope."""
    text = (text or "").lower().replace("won't", "will not").replace("can't", "can not").replace("n't", " not")
    return _NEGATED_SCOPE.sub(
        lambda m: m.group(0)[: m.start(1) - m.start(0)] + _WORD_START.sub("neg_", m.group(1)), text
    )


class SentimentModel(ABC):
    name: ClassVar[str]
    label: ClassVar[str]

    def fit(self, texts: Sequence[str], labels: np.ndarray) -> Self:
        return self

    def fit_with(
        self, texts: Sequence[str], labels: np.ndarray, unlabelled: Sequence[str] = (), progress: Progress | None = None
    ) -> Self:
        """`fit`, for a model that can also learn from texts nobody labelled (most cannot, and ignore them);
        `progress(fraction, message)` hears the stages of a model that has several."""
        del unlabelled, progress
        return self.fit(texts, labels)

    @abstractmethod
    def proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def score(self, texts: Sequence[str]) -> np.ndarray:
        p = self.proba(texts)
        return np.clip(p[:, 2] - p[:, 0], -1.0, 1.0)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.proba(texts).argmax(axis=1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {}

    def params(self) -> dict:
        return {}

    def restore(self, arrays: dict[str, np.ndarray], params: dict) -> None:
        """Set the learned state back from `arrays()` and `params()`."""
        del arrays, params

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "params.json").write_text(json.dumps({"name": self.name, "params": self.params()}))
        np.savez_compressed(folder / "arrays.npz", **self.arrays())

    @classmethod
    def load(cls, folder: Path) -> SentimentModel:
        stored = json.loads((folder / "params.json").read_text())
        model = MODELS[stored["name"]]()
        with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
            model.restore({k: arrays[k] for k in arrays.files}, stored["params"])
        return model


class VaderModel(SentimentModel):
    name = "vader"
    label = "Word list (VADER)"

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        from core.text.vader import vader_compound

        compound = vader_compound(list(texts))
        out = np.zeros((len(compound), 3))
        out[:, 2] = np.clip(compound, 0, 1)
        out[:, 0] = np.clip(-compound, 0, 1)
        out[:, 1] = np.where(np.abs(compound) < 0.05, 1.0, 0.0)
        return out

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        compound = self.score(texts)
        return np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))


class LinearModel(SentimentModel):
    """Hashed TF-IDF (words and word pairs, negation marked) + two lexicon features -> logistic regression.

    Features are hashed (no vocabulary to look up or store); with 2**20 slots, collisions between
    the few hundred thousand n-grams a store uses are rare. Words take scikit-learn's murmurhash
    slot (cached per word); a word pair's slot is mixed from its two words' slots in numpy, so no
    pair string is ever built (scheme 2, 1.4x faster). Models saved before scheme 2 keep hashing
    pair strings with scikit-learn's HashingVectorizer.
    """

    name = "linear"
    label = "Words and phrases (scikit-learn)"
    n_features = 2**20
    scheme = 2

    def __init__(self, c: float = 3.0, min_df: int = 2) -> None:
        self.c = c
        self.min_df = min_df
        self._slots: dict[str, int] = {}

    def _hasher(self, analyzer=None):  # noqa: ANN001, ANN202 - sklearn's HashingVectorizer
        from sklearn.feature_extraction.text import HashingVectorizer

        if analyzer is not None:
            return HashingVectorizer(
                analyzer=analyzer, alternate_sign=False, norm=None, n_features=self.n_features, dtype=np.float32
            )
        return HashingVectorizer(
            preprocessor=mark_negation,
            token_pattern=r"(?u)\b\w[\w']+\b",
            ngram_range=(1, 2),
            alternate_sign=False,
            norm=None,
            n_features=self.n_features,
            dtype=np.float32,
        )

    def _lexicon_weights(self) -> np.ndarray:
        """VADER valence in the hashed slot of each lexicon word, and flipped for its negated form."""
        from core.text.vader import _analyzer

        lexicon = _analyzer().lexicon
        words = list(lexicon)
        slots = self._hasher(analyzer=lambda w: [w]).transform(words + [f"neg_{w}" for w in words]).indices
        weights = np.zeros(self.n_features, dtype=np.float32)
        valence = np.array([lexicon[w] for w in words], dtype=np.float32)
        weights[slots[len(words) :]] = _NEGATION_DAMPING * valence
        weights[slots[: len(words)]] = valence
        return weights

    @staticmethod
    def tokens(texts: Sequence[str]) -> list[list[str]]:
        """Each text's words, lower case, negation marked: what every feature of this model is made of."""
        return [_TOKEN.findall(mark_negation(t)) for t in texts]

    def slots(self, tokens: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The hashed slot of every word of every text (flat) and each text's number of words."""
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        flat = list(chain.from_iterable(tokens))
        if len(self._slots) > _SLOT_CACHE_LIMIT:
            self._slots.clear()
        missing = [t for t in dict.fromkeys(flat) if t not in self._slots]
        if missing:
            self._slots.update(zip(missing, self._word_slots(missing).tolist(), strict=True))
        return np.fromiter(map(self._slots.__getitem__, flat), dtype=np.uint64, count=len(flat)), lengths

    def _counts(self, texts: Sequence[str], slots: tuple[np.ndarray, np.ndarray] | None = None) -> sp.csr_matrix:
        """Documents x slots: how often each word and word pair occurs."""
        if self.scheme == 1:
            return self.hasher_.transform(texts)
        words, lengths = slots if slots is not None else self.slots(self.tokens(texts))
        doc = np.repeat(np.arange(len(texts)), lengths)
        pair = doc[:-1] == doc[1:]
        pairs = pair_slots(words[:-1][pair], words[1:][pair], self.n_features)
        rows = np.concatenate([doc, doc[:-1][pair]])
        columns = np.concatenate([words.astype(np.int64), pairs])
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, columns)), shape=(len(texts), self.n_features))

    def _word_slots(self, words: list[str]) -> np.ndarray:
        """scikit-learn's murmurhash slot of each word (one call for the whole list)."""
        return self._hasher(analyzer=lambda w: [w]).transform(words).indices

    def _features(self, texts: Sequence[str], slots: tuple[np.ndarray, np.ndarray] | None = None) -> sp.csr_matrix:
        from sklearn.preprocessing import normalize

        counts = self._counts(texts, slots)
        counts.data = 1.0 + np.log(counts.data)  # sublinear tf
        words = normalize(counts @ sp.diags(self.idf_), copy=False)
        lexicon = np.c_[words @ np.maximum(self.lexicon_, 0), words @ np.minimum(self.lexicon_, 0)] * 3.0
        return sp.hstack([words, sp.csr_matrix(lexicon)]).tocsr()

    def fit(
        self,
        texts: Sequence[str],
        labels: np.ndarray,
        slots: tuple[np.ndarray, np.ndarray] | None = None,
        document_frequency: tuple[np.ndarray, int] | None = None,
    ) -> Self:
        """`slots` (from `slots(tokens(texts))`) when the caller has them already; `document_frequency`
        (from `document_frequency(corpus)`): the n-grams known and their weights counted over a larger
        corpus (the feedback nobody labelled) instead of the labelled texts alone."""
        from sklearn.linear_model import LogisticRegression

        self.hasher_ = self._hasher()
        counts = self._counts(texts, slots)
        df, documents = document_frequency or (np.bincount(counts.indices, minlength=self.n_features), len(texts))
        idf = np.log((1 + documents) / (1 + df)) + 1
        self.idf_ = np.where(df >= self.min_df, idf, 0.0).astype(np.float32)  # n-grams seen once are noise
        self.lexicon_ = self._lexicon_weights()
        features = self._features(texts, slots)
        used = np.flatnonzero(np.r_[self.idf_ > 0, True, True])  # fit on the slots in use, then spread back
        model = LogisticRegression(C=self.c, class_weight="balanced", max_iter=3000)
        model.fit(features[:, used], labels)
        self.classes_ = model.classes_
        self.coef_ = np.zeros((model.coef_.shape[0], features.shape[1]), dtype=np.float32)
        self.coef_[:, used] = model.coef_
        self.intercept_ = model.intercept_.astype(np.float32)
        return self

    def document_frequency(self, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        """In how many of `texts` each slot (word or word pair) occurs, and how many texts there are."""
        counts = self._counts(texts)
        return np.bincount(counts.indices, minlength=self.n_features), len(texts)

    def proba(self, texts: Sequence[str], slots: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """`slots` (from `slots(tokens(texts))`) when the caller has them already."""
        logits = np.asarray(self._features(texts, slots) @ self.coef_.T) + self.intercept_
        return _softmax_into_three(logits, self.classes_)

    def params(self) -> dict:
        return {"c": self.c, "min_df": self.min_df, "scheme": self.scheme}

    def arrays(self) -> dict[str, np.ndarray]:
        return {"idf": self.idf_, "coef": self.coef_, "intercept": self.intercept_, "classes": self.classes_}

    def restore(self, arrays: dict[str, np.ndarray], params: dict) -> None:
        self.c, self.min_df = params["c"], params["min_df"]
        self.scheme = int(params.get("scheme", 1))  # saved before scheme 2: pair strings hashed by scikit-learn
        self.hasher_ = self._hasher()
        self.idf_, self.lexicon_ = arrays["idf"], self._lexicon_weights()
        self.coef_, self.intercept_, self.classes_ = arrays["coef"], arrays["intercept"], arrays["classes"]


def pair_slots(first: np.ndarray, second: np.ndarray, n_features: int) -> np.ndarray:
    """The slot of each word pair, mixed from its words' slots (order matters; multiply-xorshift hashing)."""
    with np.errstate(over="ignore"):
        mixed = first * np.uint64(0x9E3779B97F4A7C15) ^ (second + np.uint64(0x632BE59BD9B4E019)) * np.uint64(
            0xC2B2AE3D27D4EB4F
        )
    mixed ^= mixed >> np.uint64(29)
    return (mixed % np.uint64(n_features)).astype(np.int64)


def _time_budget(tf):  # noqa: ANN001, ANN202 - the tensorflow module and a keras Callback
    """Stops a fit after the batch that passes core.budget's "neural_fit" seconds (a big store's last epochs
    gain little and would hold the whole training run)."""
    from core.budget import SECONDS

    class TimeBudget(tf.keras.callbacks.Callback):
        def on_train_begin(self, logs=None) -> None:  # noqa: ANN001
            self.started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None) -> None:  # noqa: ANN001
            if time.perf_counter() - self.started > SECONDS["neural_fit"]:
                self.model.stop_training = True

    return TimeBudget()


def _epoch_progress(tf, epochs: int, report: Progress):  # noqa: ANN001, ANN202 - tensorflow and a keras Callback
    """Tells `report` as each epoch of a fit begins."""

    class EpochProgress(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None) -> None:  # noqa: ANN001
            report(epoch / epochs, f"epoch {epoch + 1} of {epochs}")

    return EpochProgress()


class NeuralModel(SentimentModel):
    """Embedding -> Conv1D(5) -> global max pooling -> softmax, trained with class weights."""

    name = "neural"
    label = "Neural network (TensorFlow)"

    def __init__(self, max_tokens: int = 20_000, length: int = 150, epochs: int = 3, seed: int = 42) -> None:
        self.max_tokens = max_tokens
        self.length = length
        self.epochs = epochs
        self.seed = seed

    def _build(self, vocabulary: list[str] | None):  # noqa: ANN202 - a keras Model
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf

        tf.keras.utils.set_random_seed(self.seed)
        vectorize = tf.keras.layers.TextVectorization(
            max_tokens=self.max_tokens, output_sequence_length=self.length, vocabulary=vocabulary
        )
        inputs = tf.keras.Input((1,), dtype=tf.string)
        x = tf.keras.layers.Embedding(self.max_tokens + 2, 64)(vectorize(inputs))
        x = tf.keras.layers.Conv1D(64, 5, activation="relu")(x)
        x = tf.keras.layers.GlobalMaxPooling1D()(x)
        x = tf.keras.layers.Dropout(0.3)(x)
        outputs = tf.keras.layers.Dense(3, activation="softmax")(x)
        model = tf.keras.Model(inputs, outputs)
        model.compile(tf.keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy")
        return model, vectorize

    def fit_with(
        self, texts: Sequence[str], labels: np.ndarray, unlabelled: Sequence[str] = (), progress: Progress | None = None
    ) -> Self:
        del unlabelled
        return self.fit(texts, labels, progress)

    def fit(self, texts: Sequence[str], labels: np.ndarray, progress: Progress | None = None) -> Self:
        """`progress` hears each epoch begin (a fit on 20,000 reviews takes about 10 s)."""
        prepared = np.array([mark_negation(t) for t in texts], dtype=object)
        model, vectorize = self._build(None)
        vectorize.adapt(prepared)
        counts = np.bincount(labels, minlength=3)
        weights = {c: len(labels) / (3 * counts[c]) for c in range(3) if counts[c]}
        import tensorflow as tf

        data = tf.data.Dataset.from_tensor_slices((tf.constant(prepared.tolist())[:, None], labels))
        data = data.shuffle(len(labels), seed=self.seed).batch(64)
        callbacks = [_time_budget(tf), _epoch_progress(tf, self.epochs, progress or (lambda _f, _m: None))]
        model.fit(data, epochs=self.epochs, class_weight=weights, verbose=0, callbacks=callbacks)
        self.model_, self.vocabulary_ = model, vectorize.get_vocabulary()
        return self

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        prepared = np.array([mark_negation(t) for t in texts], dtype=object)
        if not len(prepared):
            return np.zeros((0, 3))
        import tensorflow as tf

        batches = tf.data.Dataset.from_tensor_slices(tf.constant(prepared.tolist())[:, None]).batch(512)
        return np.asarray(self.model_.predict(batches, verbose=0), dtype=float)

    def params(self) -> dict:
        return {"max_tokens": self.max_tokens, "length": self.length, "epochs": self.epochs, "seed": self.seed}

    def arrays(self) -> dict[str, np.ndarray]:
        weights = self.model_.get_weights()
        return {"vocabulary": np.array(self.vocabulary_[2:], dtype=str), **{f"w{i}": w for i, w in enumerate(weights)}}

    def restore(self, arrays: dict[str, np.ndarray], params: dict) -> None:
        self.__init__(**params)
        self.vocabulary_ = ["", "[UNK]", *arrays["vocabulary"].tolist()]
        self.model_, _ = self._build(arrays["vocabulary"].tolist())
        n = len([k for k in arrays if k.startswith("w")])
        self.model_.set_weights([arrays[f"w{i}"] for i in range(n)])


class AdaptiveModel(SentimentModel):
    """The store's own words where the texts look like the store's, general word lists where they do not.

    Two parts trained on the same labels: the linear model (every word and word pair the store
    uses) and a small logistic regression without intercept over `core.text.lexicons.CARRY_OVER`
    (three lexicons' valence with negation and contrast, emoticons; not punctuation or shouting,
    whose polarity is the store's), which knows no store words and so carries over to other text.
    Their probabilities are mixed by how much of a batch the linear model has seen: the batch's
    domain shift is the drop in the share of known words below what new texts from the training
    store have, and at SHIFT_SPAN or more the general part decides alone. The batch, not each text,
    sets the mix: one unknown word in a four-word review says little, a file where a sixth of the
    words are new says a lot.
    """

    name = "adaptive"
    label = "Store words + general word lists"
    SHIFT_SPAN = 0.1

    def __init__(self, c: float = 3.0, general_c: float = 1.0) -> None:
        self.c = c
        self.general_c = general_c

    def fit(
        self,
        texts: Sequence[str],
        labels: np.ndarray,
        document_frequency: tuple[np.ndarray, int] | None = None,
        progress: Progress | None = None,
    ) -> Self:
        """`document_frequency`: see `LinearModel.fit`."""
        from sklearn.linear_model import LogisticRegression

        from core.text.lexicons import CARRY_OVER

        report = progress or (lambda _f, _m: None)
        self.learned_ = LinearModel(c=self.c)
        report(0.0, f"reading the words of {len(texts):,} texts")
        tokens = self.learned_.tokens(texts)  # once, for all three parts
        slots = self.learned_.slots(tokens)
        report(0.35, "learning the store's words and phrases")
        self.learned_.fit(texts, labels, slots, document_frequency)
        report(0.75, "learning what the word lists say")
        # no intercept: a text with no general signal stays undecided instead of taking the store's prior
        general = LogisticRegression(C=self.general_c, class_weight="balanced", fit_intercept=False, max_iter=2000)
        self.general_features_ = CARRY_OVER
        general.fit(self._general_features(texts, tokens), labels)
        self.general_coef_ = general.coef_.astype(np.float32)
        self.general_intercept_ = general.intercept_.astype(np.float32)
        self.general_classes_ = general.classes_
        self.reference_coverage_ = self._held_out_coverage(*slots)
        return self

    def fit_with(
        self, texts: Sequence[str], labels: np.ndarray, unlabelled: Sequence[str] = (), progress: Progress | None = None
    ) -> Self:
        del unlabelled  # only its semi-supervised variant learns from them
        return self.fit(texts, labels, progress=progress)

    def _held_out_coverage(self, words: np.ndarray, lengths: np.ndarray) -> float:
        """The mean share of known words a new text from the same store has: each training text's
        words counted as known only if enough *other* texts have them (its own occurrence left out)."""
        n, slots = self.learned_.n_features, words.astype(np.int64)
        # texts x words with duplicates summed: each word once per text (a per-row sort; a global
        # np.unique over every token took 12 s at 400,000 reviews, this 0.3 s)
        presence = sp.csr_matrix(  # a copy: sum_duplicates sorts its indices in place
            (np.ones(len(slots), dtype=np.float32), slots.copy(), np.r_[0, np.cumsum(lengths)]), (len(lengths), n)
        )
        presence.sum_duplicates()
        df = np.bincount(presence.indices, minlength=n)
        doc = np.repeat(np.arange(len(lengths)), lengths)
        known = np.bincount(doc, weights=df[slots] - 1 >= self.learned_.min_df, minlength=len(lengths))
        shares = known[lengths > 0] / lengths[lengths > 0]
        return float(shares.mean()) if len(shares) else 1.0

    def coverage(self, texts: Sequence[str]) -> np.ndarray:
        """Share of each text's words that the linear model learned a weight for (1.0 for a text without words)."""
        return self._coverage(*self.learned_.slots(self.learned_.tokens(texts)))

    def _coverage(self, words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        known = np.bincount(
            np.repeat(np.arange(len(lengths)), lengths), weights=self.learned_.idf_[words] > 0, minlength=len(lengths)
        )
        return np.where(lengths > 0, known / np.maximum(lengths, 1), 1.0)

    def domain_shift(self, texts: Sequence[str]) -> np.ndarray:
        """Per text: 0 (reads like the training texts) .. 1 (SHIFT_SPAN or more fewer known words than they have)."""
        return self._shift(self.coverage(texts))

    def batch_shift(self, texts: Sequence[str]) -> float:
        """The same for a batch as a whole: from its mean share of known words."""
        return self._batch_shift(self.coverage(texts)) if len(texts) else 0.0

    def shifts(self, texts: Sequence[str]) -> tuple[np.ndarray, float]:
        """`domain_shift` and `batch_shift` at once (the words are counted once)."""
        coverage = self.coverage(texts)
        return self._shift(coverage), self._batch_shift(coverage)

    def _batch_shift(self, coverage: np.ndarray) -> float:
        return float(self._shift(np.array([coverage.mean()]))[0])

    def _shift(self, coverage: np.ndarray) -> np.ndarray:
        return np.clip((self.reference_coverage_ - coverage) / self.SHIFT_SPAN, 0.0, 1.0)

    def _general_features(self, texts: Sequence[str], tokens: Sequence[list[str]] | None = None) -> np.ndarray:
        """The general part's columns of `general_features` (a version saved before CARRY_OVER used them all)."""
        from core.text.lexicons import feature_columns, general_features

        return general_features(texts, tokens)[:, feature_columns(self.general_features_)]

    def general_proba(self, texts: Sequence[str], tokens: Sequence[list[str]] | None = None) -> np.ndarray:
        logits = self._general_features(texts, tokens) @ self.general_coef_.T + self.general_intercept_
        return _softmax_into_three(logits, self.general_classes_)

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, 3))
        tokens = self.learned_.tokens(texts)  # once, for all three parts
        slots = self.learned_.slots(tokens)
        shift = self._batch_shift(self._coverage(*slots))
        if shift == 0:
            return self._store_proba(texts, tokens, slots)
        if shift == 1:
            return self.general_proba(texts, tokens)
        return (1 - shift) * self._store_proba(texts, tokens, slots) + shift * self.general_proba(texts, tokens)

    def _store_proba(
        self, texts: Sequence[str], tokens: Sequence[list[str]], slots: tuple[np.ndarray, np.ndarray]
    ) -> np.ndarray:
        """What the parts that learned the store's own words say."""
        del tokens
        return self.learned_.proba(texts, slots)

    def params(self) -> dict:
        return {
            "c": self.c,
            "general_c": self.general_c,
            "reference_coverage": self.reference_coverage_,
            "general_features": list(self.general_features_),
            "learned": self.learned_.params(),
        }

    def arrays(self) -> dict[str, np.ndarray]:
        learned = {f"learned_{k}": v for k, v in self.learned_.arrays().items()}
        general = {"coef": self.general_coef_, "intercept": self.general_intercept_, "classes": self.general_classes_}
        return {**learned, **{f"general_{k}": v for k, v in general.items()}}

    def restore(self, arrays: dict[str, np.ndarray], params: dict) -> None:
        from core.text.lexicons import FEATURES

        self.c, self.general_c = params["c"], params["general_c"]
        self.reference_coverage_ = params["reference_coverage"]
        self.general_features_ = tuple(params.get("general_features", FEATURES))  # saved before: every feature
        self.learned_ = LinearModel()
        self.learned_.restore({k[8:]: v for k, v in arrays.items() if k.startswith("learned_")}, params["learned"])
        self.general_coef_, self.general_intercept_ = arrays["general_coef"], arrays["general_intercept"]
        self.general_classes_ = arrays["general_classes"]


class SemiSupervisedModel(AdaptiveModel):
    """The adaptive model, plus what the feedback nobody labelled teaches: for few labels.

    Two things are learned from the unlabelled texts: word vectors (gensim Word2Vec over every
    text, labelled or not), so "delayed" lands near "cancelled" before any label says so, and the
    linear model's n-grams and their idf weights (counted over the whole feedback, not the few
    labelled texts, where min_df=2 leaves almost no word). The store part averages three
    probabilities: the linear model, a logistic regression over each text's mean vector, and one
    over the word lists' features (`general_features`, with an intercept: on the feedback's own
    texts the class shares are the feedback's). Self-training on the model's surest guesses was
    dropped: with the word lists in the store part it lost 0.02 macro-F1 at 500 labels. Airline
    tweets, 3 seeds of random labels, macro-F1 at 100/200/500: 0.643/0.658/0.689 before
    (self-training + vectors), 0.657/0.683/0.709 now.
    Served only when cross-validation on the labels says it beats the others.
    """

    name = "semi_supervised"
    label = "Store words + word lists + unlabelled feedback"
    MAX_UNLABELLED = 20_000
    VECTOR_SIZE = 100
    LEXICON_C = 1.0

    def fit_with(
        self, texts: Sequence[str], labels: np.ndarray, unlabelled: Sequence[str] = (), progress: Progress | None = None
    ) -> Self:
        """`unlabelled`: the feedback's texts (labelled ones among them are fine: only words are read from them)."""
        texts, labels = list(texts), np.asarray(labels)
        corpus = list(dict.fromkeys([*unlabelled, *texts]))  # the feedback first: the same for every CV fold
        if len(corpus) > self.MAX_UNLABELLED:
            rng = np.random.default_rng(0)
            corpus = [corpus[i] for i in np.sort(rng.choice(len(corpus), self.MAX_UNLABELLED, replace=False))]
        self.vocabulary_, self.vectors_ = word_vectors(corpus, self.VECTOR_SIZE)
        self._index_of = None
        self._corpus_frequency = LinearModel(c=self.c).document_frequency(corpus) if corpus else None
        self._fit_parts(texts, labels, progress)
        return self

    def fit(self, texts: Sequence[str], labels: np.ndarray) -> Self:
        return self.fit_with(texts, labels)

    def _fit_parts(self, texts: list[str], labels: np.ndarray, progress: Progress | None = None) -> None:
        from sklearn.linear_model import LogisticRegression

        from core.text.lexicons import general_features

        super().fit(texts, labels, self._corpus_frequency, progress)
        tokens = self.learned_.tokens(texts)
        embedding = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
        embedding.fit(self._embed(tokens), labels)
        self.embedding_coef_ = embedding.coef_.astype(np.float32)
        self.embedding_intercept_ = embedding.intercept_.astype(np.float32)
        self.embedding_classes_ = embedding.classes_
        # the word lists once more, with an intercept: on the feedback's own texts its share of each class is known
        lexicons = LogisticRegression(C=self.LEXICON_C, class_weight="balanced", max_iter=2000)
        lexicons.fit(general_features(texts, tokens), labels)
        self.lexicon_coef_ = lexicons.coef_.astype(np.float32)
        self.lexicon_intercept_ = lexicons.intercept_.astype(np.float32)
        self.lexicon_classes_ = lexicons.classes_

    def _embed(self, tokens: Sequence[list[str]]) -> np.ndarray:
        """Each text's mean word vector, unit length (zero for a text with no known word)."""
        index = self._index()
        ids = [[index[t] for t in ts if t in index] for ts in tokens]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        counts = sp.csr_matrix(
            (
                np.ones(int(lengths.sum()), dtype=np.float32),
                np.fromiter(chain.from_iterable(ids), dtype=np.int64),
                np.r_[0, np.cumsum(lengths)],
            ),
            shape=(len(ids), len(self.vocabulary_)),
        )
        summed = np.asarray(counts @ self.vectors_)
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        return summed / np.maximum(norms, 1e-9)

    def _index(self) -> dict[str, int]:
        if getattr(self, "_index_of", None) is None:
            self._index_of = {w: i for i, w in enumerate(self.vocabulary_)}
        return self._index_of

    def _store_proba(
        self, texts: Sequence[str], tokens: Sequence[list[str]], slots: tuple[np.ndarray, np.ndarray]
    ) -> np.ndarray:
        from core.text.lexicons import general_features

        logits = self._embed(tokens) @ self.embedding_coef_.T + self.embedding_intercept_
        embedding = _softmax_into_three(logits, self.embedding_classes_)
        if self.lexicon_coef_ is None:
            return (self.learned_.proba(texts, slots) + embedding) / 2
        lexicons = _softmax_into_three(
            general_features(texts, tokens) @ self.lexicon_coef_.T + self.lexicon_intercept_, self.lexicon_classes_
        )
        return (self.learned_.proba(texts, slots) + embedding + lexicons) / 3

    def arrays(self) -> dict[str, np.ndarray]:
        embedding = {
            "embedding_coef": self.embedding_coef_,
            "embedding_intercept": self.embedding_intercept_,
            "embedding_classes": self.embedding_classes_,
        }
        if self.lexicon_coef_ is not None:
            embedding |= {
                "lexicon_coef": self.lexicon_coef_,
                "lexicon_intercept": self.lexicon_intercept_,
                "lexicon_classes": self.lexicon_classes_,
            }
        return {
            **super().arrays(),
            **embedding,
            "vocabulary": np.array(self.vocabulary_, dtype=str),
            "vectors": self.vectors_,
        }

    def restore(self, arrays: dict[str, np.ndarray], params: dict) -> None:
        super().restore(arrays, params)
        self.vocabulary_, self.vectors_, self._index_of = arrays["vocabulary"].tolist(), arrays["vectors"], None
        self.embedding_coef_, self.embedding_intercept_ = arrays["embedding_coef"], arrays["embedding_intercept"]
        self.embedding_classes_ = arrays["embedding_classes"]
        # saved before the word lists joined the store part: the linear model and the word vectors alone
        self.lexicon_coef_ = arrays.get("lexicon_coef")
        self.lexicon_intercept_, self.lexicon_classes_ = arrays.get("lexicon_intercept"), arrays.get("lexicon_classes")


_VECTORS: dict[tuple[str, int], tuple[list[str], np.ndarray]] = {}  # the last corpus's vectors (CV folds share it)


def word_vectors(texts: Sequence[str], size: int, seed: int = 42) -> tuple[list[str], np.ndarray]:
    """Word2Vec (skip-gram) over `texts`' negation-marked words: the vocabulary and its vectors (float32).

    The same corpus gives the same vectors: the last one is kept, so the folds of a cross-validation
    (the same feedback, other labels) train them once."""
    import hashlib

    from gensim.models import Word2Vec

    key = (hashlib.sha1("\x00".join(texts).encode()).hexdigest(), size)
    if key not in _VECTORS:
        sentences = LinearModel.tokens(texts)
        try:
            model = Word2Vec(sentences, vector_size=size, window=5, min_count=2, sg=1, epochs=10, seed=seed, workers=2)
            found = list(model.wv.index_to_key), model.wv.vectors.astype(np.float32)
        except RuntimeError:  # no word occurs twice: nothing to learn vectors from
            found = [], np.zeros((0, size), dtype=np.float32)
        _VECTORS.clear()
        _VECTORS[key] = found
    return _VECTORS[key]


def _softmax_into_three(logits: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """A logistic regression's decision values -> probabilities over the three LABELS (absent classes 0)."""
    logits = np.asarray(logits, dtype=float)
    if logits.shape[1] == 1:  # two classes only in training
        logits = np.c_[-logits, logits] / 2
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    out = np.zeros((len(p), 3))
    out[:, classes] = p
    return out


MODELS: dict[str, type[SentimentModel]] = {
    m.name: m for m in (VaderModel, LinearModel, AdaptiveModel, SemiSupervisedModel, NeuralModel)
}


def proba_many(model: SentimentModel, texts: Sequence[str], processes: int = 2, chunk: int = 5000) -> np.ndarray:
    """Class probabilities for many texts, split over `processes` forked workers for the CPU-bound models.

    TensorFlow does not survive a fork, so the neural model runs in this process (it is
    multi-threaded on its own); so do small batches, where starting workers costs more than it saves.
    """
    import multiprocessing

    if isinstance(model, NeuralModel) or processes < 2 or len(texts) < 2 * chunk:
        return model.proba(texts)
    global _FORKED_MODEL
    _FORKED_MODEL = model
    # equal parts, a few per worker: no worker idles at the end while another finishes a last chunk
    size = -(-len(texts) // (processes * max(1, -(-len(texts) // (processes * chunk)))))
    parts = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            return np.concatenate(pool.map(_proba_part, parts))
    finally:
        _FORKED_MODEL = None


def score_many(model: SentimentModel, texts: Sequence[str], processes: int = 2) -> np.ndarray:
    """Scores in [-1, 1] for many texts (see proba_many)."""
    p = proba_many(model, texts, processes)
    return np.clip(p[:, 2] - p[:, 0], -1.0, 1.0) if not isinstance(model, VaderModel) else model.score(texts)


_FORKED_MODEL: SentimentModel | None = None


def _proba_part(texts: list[str]) -> np.ndarray:
    assert _FORKED_MODEL is not None
    return _FORKED_MODEL.proba(texts)
