"""The one text pipeline every text model shares.

normalise (lower case, no URLs, markup, HTML entities or @handles, which in social feedback
name the brand, not the topic) -> tokenise (NLTK's regexp tokenizer; punkt is not
available offline) -> optional negation scope ("not good" -> "good_NEG" until the next
punctuation or "but") -> stop words (scikit-learn's English list, minus negations,
plus words every review uses) -> Snowball stemming -> phrases (gensim Phrases, applied from a
plain table of learned pairs so nothing is pickled). Terms are shown in their surface form: each
stem maps back to the word most often written for it ("sound_qualiti" -> "sound quality").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

NEGATIONS = frozenset({"no", "not", "nor", "never", "none", "nothing", "neither", "nobody", "cannot", "without"})
GENERIC = frozenset(
    """
    great good product products item items love like really just use used one would
    get got also well buy bought thing things much even still works work nice
    ve don doesn didn isn im ive amazon star stars review does need needs
    want wanted little looking look using better best time excellent awesome perfect fine pretty
    lot way make makes say think know recommend happy price purchase purchased order ordered
    far definitely sure
    """.split()  # noqa: SIM905 - a word list reads better as text
)
SCOPE_ENDS = frozenset({"but", "however", "although", "though", "yet"})
STOPWORDS = (ENGLISH_STOP_WORDS - NEGATIONS) | {"s", "t", "ll", "re", "d", "m"}
_URL = re.compile(r"https?://\S+|www\.\S+|<[^>]+>|&[a-z]+;|&#\d+;|(?<!\w)@\w+")  # links, markup, entities, @handles
_TOKENS = RegexpTokenizer(r"[a-z]+(?:'[a-z]+)?|[.,!?;:]")
_STEMMER = SnowballStemmer("english")


def normalize(text: str | None) -> str:
    text = _URL.sub(" ", (text or "").lower())
    return text.replace("won't", "will not").replace("can't", "can not").replace("n't", " not")


def tokenize(text: str | None, negation: bool = False) -> list[str]:
    """Words; with `negation`, the words after "not", "never", ... up to the next punctuation or
    "but" get a _NEG mark (NLTK's mark_negation ends scopes only at . : ; ! ?)."""
    tokens = _TOKENS.tokenize(normalize(text))
    if not negation:
        return [t.replace("'", "") for t in tokens if t[0].isalpha()]
    out, scope = [], False
    for token in tokens:
        if not token[0].isalpha() or token in SCOPE_ENDS:
            scope = False
            if token[0].isalpha():
                out.append(token)
            continue
        word = token.replace("'", "")
        out.append(word + "_NEG" if scope and word not in NEGATIONS else word)
        scope = scope or word in NEGATIONS
    return out


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _STEMMER.stem(word)


@dataclass
class TextPipeline:
    """Fit once on a corpus (surface forms and phrases), then transform any text the same way."""

    stem: bool = True
    phrases: bool = True
    negation: bool = False
    drop_generic: bool = True
    min_phrase_count: int = 5
    phrase_threshold: float = 10.0
    surface_of: dict[str, str] = field(default_factory=dict)
    phrase_pairs: dict[str, float] = field(default_factory=dict)

    def _words(self, text: str | None) -> list[tuple[str, str]]:
        """(term, surface word) pairs before phrases."""
        stop = STOPWORDS | GENERIC if self.drop_generic else STOPWORDS
        out = []
        for token in tokenize(text, self.negation):
            word, neg = (token[:-4], "_NEG") if token.endswith("_NEG") else (token, "")
            if len(word) < 2 or word in stop or (word in NEGATIONS and not self.negation):
                continue
            out.append(((stem(word) if self.stem else word) + neg, word))
        return out

    def fit(self, texts: Iterable[str | None]) -> TextPipeline:
        from gensim.models.phrases import Phrases

        surfaces: dict[str, Counter] = defaultdict(Counter)
        streams = []
        for text in texts:
            pairs = self._words(text)
            for term, word in pairs:
                surfaces[term][word] += 1
            streams.append([term for term, _ in pairs])
        self.surface_of = {term: counts.most_common(1)[0][0] for term, counts in surfaces.items()}
        if self.phrases and streams:
            model = Phrases(streams, min_count=self.min_phrase_count, threshold=self.phrase_threshold, delimiter="_")
            self.phrase_pairs = {k: float(v) for k, v in model.export_phrases().items() if "_NEG" not in k}
        return self

    def transform_one(self, text: str | None) -> list[str]:
        terms = [term for term, _ in self._words(text)]
        if not self.phrase_pairs:
            return terms
        out, i = [], 0
        while i < len(terms):
            if i + 1 < len(terms) and f"{terms[i]}_{terms[i + 1]}" in self.phrase_pairs:
                out.append(f"{terms[i]}_{terms[i + 1]}")
                i += 2
            else:
                out.append(terms[i])
                i += 1
        return out

    def transform(self, texts: Sequence[str | None]) -> list[list[str]]:
        return [self.transform_one(t) for t in texts]

    def surface(self, term: str) -> str:
        """The readable form of a term: "sound_qualiti" -> "sound quality", "good_NEG" -> "not good"."""
        negated = term.endswith("_NEG")
        base = term[:-4] if negated else term
        if base in self.surface_of:
            words = self.surface_of[base]
        else:
            words = " ".join(self.surface_of.get(part, part) for part in base.split("_"))
        return f"not {words}" if negated else words

    def to_dict(self) -> dict:
        return {
            "stem": self.stem,
            "phrases": self.phrases,
            "negation": self.negation,
            "drop_generic": self.drop_generic,
            "min_phrase_count": self.min_phrase_count,
            "phrase_threshold": self.phrase_threshold,
            "surface_of": self.surface_of,
            "phrase_pairs": self.phrase_pairs,
        }

    @classmethod
    def from_dict(cls, payload: dict) -> TextPipeline:
        return cls(**payload)
