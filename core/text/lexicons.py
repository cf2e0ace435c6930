"""Domain-independent sentiment signals from word lists that ship inside their packages.

Three lexicons, each scaled to [-1, 1] per word: VADER (the vaderSentiment wheel, through NLTK's
data path), AFINN-165 with its emoticon list (the afinn package's data files, read directly) and
the Pattern/TextBlob adjective lexicon (textblob's en-sentiment.xml, senses averaged per word).
Only the packages' data files are read (none of their code runs); nothing is downloaded.

`general_features` turns texts into a small dense matrix (see FEATURES) computed with numpy
over the tokens once, so it keeps up with the linear model: per lexicon the positive and
negative valence (negated words flipped and damped as VADER does, words after "but" counted 1.5x
and before it 0.5x), and cues no word list holds: exclamation marks, shouting, emoticons, and
question marks. No feature is non-zero for a text without any of these signals, so a model fitted
on them without an intercept calls such a text undecided instead of carrying over its store's
share of positive reviews.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from importlib.util import find_spec
from itertools import chain
from pathlib import Path

import numpy as np

LEXICONS = ("vader", "afinn", "textblob")
NEGATION_DAMPING = -0.74  # VADER's factor for a negated word
BEFORE_BUT, AFTER_BUT = 0.5, 1.5  # VADER's contrast weights
FEATURES = (
    *(f"{name}_{side}" for name in LEXICONS for side in ("positive", "negative")),
    "exclamations",
    "questions",
    "shouting",
    "emoticon",
)
# Punctuation and shouting have no polarity of their own: a store teaches them its own (Musical Instruments'
# exclamation marks lean positive, Gift Cards' negative), so a model meant to carry over to other text
# leaves them out. Fitted on Gift Cards without them, accuracy on balanced airline tweets went 0.708 ->
# 0.805 (VADER 0.787) and on Musical Instruments' short reviews 0.800 -> 0.821; fitted on Musical
# Instruments, tweets 0.820 -> 0.809 (benchmarks/RESULTS.md, "Cross-domain without the cues").
STORE_CUES = ("exclamations", "questions", "shouting")
CARRY_OVER = tuple(f for f in FEATURES if f not in STORE_CUES)  # word lists' valence and emoticons
_TOKEN = re.compile(r"(?u)\b\w[\w']+\b")
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
_EMOTICON_TOKEN = re.compile(r"(?:[:;=8xX][\-o']?[)(\]\[dDpP/\\|*3oO@$])|(?:[)(\]\[][\-o']?[:;=])|<3|</3")


def _package_folder(name: str) -> Path:
    """Where an installed package's files are, found without importing (running) any of its code."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the {name} package is not installed: pip install -r requirements.txt")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def _vader() -> dict[str, float]:
    from core.text.vader import _analyzer

    return {w: v / 4.0 for w, v in _analyzer().lexicon.items()}


@lru_cache(maxsize=1)
def _afinn_files() -> tuple[dict[str, float], dict[str, float]]:
    data = _package_folder("afinn") / "data"

    def read(name: str) -> dict[str, float]:
        out = {}
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            word, _, value = line.rpartition("\t")
            if word:
                out[word] = float(value) / 5.0
        return out

    return read("AFINN-en-165.txt"), read("AFINN-emoticon-8.txt")


@lru_cache(maxsize=1)
def _textblob() -> dict[str, float]:
    root = ElementTree.fromstring((_package_folder("textblob") / "en" / "en-sentiment.xml").read_bytes())
    senses: dict[str, list[float]] = defaultdict(list)
    for word in root.iter("word"):
        form, polarity = word.get("form"), word.get("polarity")
        if form and polarity is not None:
            senses[form.lower()].append(float(polarity))
    return {w: float(np.mean(p)) for w, p in senses.items() if abs(np.mean(p)) > 0}


def lexicon(name: str) -> dict[str, float]:
    """Word -> valence in [-1, 1] for one of LEXICONS (single words only; phrases are left out)."""
    table = {"vader": _vader, "afinn": lambda: _afinn_files()[0], "textblob": _textblob}[name]()
    return {w: v for w, v in table.items() if " " not in w}


@lru_cache(maxsize=1)
def _emoticons() -> dict[str, float]:
    vader = {w: v for w, v in _vader().items() if _EMOTICON_TOKEN.fullmatch(w)}
    return {**vader, **_afinn_files()[1]}


@lru_cache(maxsize=1)
def _token_table() -> tuple[dict[str, int], np.ndarray]:
    """Every word any lexicon knows, plain and negated ("neg_" form), -> row; rows x lexicons valence."""
    tables = [lexicon(name) for name in LEXICONS]
    words = sorted(set(chain.from_iterable(tables)))
    index = {w: i + 1 for i, w in enumerate(words)}  # row 0: a word no lexicon knows
    valence = np.zeros((2 * len(words) + 1, len(LEXICONS)), dtype=np.float32)
    for j, table in enumerate(tables):
        rows = np.array([index[w] for w in table], dtype=np.int64)
        values = np.array(list(table.values()), dtype=np.float32)
        valence[rows, j] = values
        valence[rows + len(words), j] = NEGATION_DAMPING * values
    index.update({f"neg_{w}": i + len(words) for w, i in list(index.items())})
    return index, valence


def feature_columns(names: Sequence[str]) -> list[int]:
    """Where each of `names` sits in FEATURES (the columns of `general_features`)."""
    return [FEATURES.index(name) for name in names]


def general_features(texts: Sequence[str], tokens: Sequence[list[str]] | None = None) -> np.ndarray:
    """Texts x FEATURES. `tokens` (negation-marked, lower case) may be passed when already computed."""
    from core.sentiment.models import mark_negation

    if tokens is None:
        tokens = [_TOKEN.findall(mark_negation(t)) for t in texts]
    index, valence = _token_table()
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = list(chain.from_iterable(tokens))
    rows = np.fromiter((index.get(t, 0) for t in flat), dtype=np.int64, count=len(flat))
    doc = np.repeat(np.arange(len(tokens)), lengths)
    weight = np.ones(len(flat), dtype=np.float32)
    is_but = np.fromiter((t == "but" for t in flat), dtype=bool, count=len(flat))
    if is_but.any():
        buts_so_far = np.cumsum(is_but)
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        before_doc = np.repeat(buts_so_far[starts] - is_but[starts], lengths)  # buts before each doc starts
        seen = buts_so_far - before_doc  # buts up to and including this token, within its doc
        total = np.repeat(np.add.reduceat(is_but, starts) if len(starts) else np.array([]), lengths)
        weight = np.where(seen > 0, AFTER_BUT, np.where(total > 0, BEFORE_BUT, 1.0)).astype(np.float32)
    contribution = valence[rows] * weight[:, None]
    out = np.zeros((len(tokens), len(FEATURES)), dtype=np.float32)
    n = len(LEXICONS)
    positive = np.zeros((len(tokens), n), dtype=np.float32)
    negative = np.zeros((len(tokens), n), dtype=np.float32)
    np.add.at(positive, doc, np.maximum(contribution, 0))
    np.add.at(negative, doc, np.minimum(contribution, 0))
    scale = 1.0 / np.sqrt(lengths + 1.0)[:, None]  # a long text's many small valences add up less
    out[:, 0 : 2 * n : 2] = positive * scale
    out[:, 1 : 2 * n : 2] = negative * scale
    emoticons = _emoticons()
    for i, text in enumerate(texts):
        text = text or ""
        out[i, 2 * n] = min(text.count("!"), 3) / 3.0
        out[i, 2 * n + 1] = min(text.count("?"), 3) / 3.0
        out[i, 2 * n + 2] = min(len(_SHOUT.findall(text)), 3) / 3.0
        marks = _EMOTICON_TOKEN.findall(text)
        out[i, 2 * n + 3] = sum(emoticons.get(m, 0.0) for m in marks) if marks else 0.0
    return out
