"""What reviewers say about an offer, and the phrases a persona uses: the evidence copy may quote.

Aspects are the topic model's top terms that name a thing rather than a feeling (terms in VADER's
sentiment lexicon and stop words are left out). Each review of the offer is split into sentences;
a review praises an aspect when one of its sentences names it and reads positive (VADER compound
at least TONE), and criticises it when such a sentence reads negative. Counts are reviews, not
sentences. The quote is one short real sentence that praises the most praised aspect.

A persona's phrases are the two-word phrases its members' reviews use far more than other
personas' reviews ("daily commute", "dorm room"): what makes copy read as written for them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from core.text.vader import vader_compound

TONE = 0.3
MAX_REVIEWS = 400  # the newest reviews of an offer are enough to say what people praise
QUOTE_CHARS = (25, 110)
MIN_PHRASE_REVIEWS = 5
PHRASE_LIFT = 2.0
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z][a-z'-]+")
_CLAUSE = re.compile(r"[.!?,;:()\n\"]+")


def clauses(text: str) -> list[list[str]]:
    """The lower-case words of each clause: phrases never run across punctuation."""
    return [words for part in _CLAUSE.split(text.lower()) if (words := _WORD.findall(part))]


def _bigrams(text: str) -> list[str]:
    return [f"{a} {b}" for words in clauses(text) for a, b in zip(words, words[1:], strict=False)]


@lru_cache(maxsize=1)
def sentiment_words() -> frozenset[str]:
    """Words VADER scores as positive or negative: they describe feelings, not aspects."""
    from core.text.vader import _analyzer

    return frozenset(_analyzer().lexicon)


NOUN_SHARE = 0.25  # of a term's uses that follow "the", "my", "this"...: what tells a thing from a feeling
MIN_USES = 5
DETERMINERS = frozenset({"the", "this", "my", "its", "your", "our", "their", "a", "an", "these", "his", "her"})
POSSESSIVES = frozenset({"my", "our", "your", "his", "her", "their"})
NOT_NOUNS = frozenset(  # common verbs and adverbs that end two-word phrases ("kids use", "picture exactly")
    {
        *("use", "uses", "used", "looks", "look", "feels", "feel", "turned", "turns", "picked", "started"),
        *("keeps", "keep", "makes", "make", "wants", "want", "got", "get", "goes", "came", "comes", "come"),
        *("bought", "seems", "seem", "works", "work", "worked", "lasts", "last", "gave", "wore", "went"),
        *("made", "did", "does", "had", "has", "guess", "outside", "again", "now", "exactly", "really"),
        *("too", "well", "still", "just"),
    }
)


GENERIC_NOUNS = frozenset(
    {"money", "day", "days", "week", "weeks", "time", "times", "thing", "things", "way", "year", "years", "bit", "lot"}
    | {"person", "people", "available", "place", "recipient", "recipients", "gift", "gifts", "son", "daughter"}
    | {"niece", "nephew", "wife", "husband", "mom", "dad", "mother", "father", "kids", "kid", "friend", "friends"}
    | {"family", "grandson", "granddaughter", "boyfriend", "girlfriend", "sister", "brother", "children", "child"}
)


def noun_like(terms: list[str], texts: list[str], determiners: frozenset[str] = DETERMINERS) -> list[str]:
    """The terms that mostly follow a determiner in `texts` ("the battery life", "my daily commute") and do
    not end or start with a common verb or adverb."""
    wanted = {tuple(t.split()) for t in terms}
    longest = max((len(w) for w in wanted), default=0)
    uses: Counter = Counter()
    determined: Counter = Counter()
    for words in (w for text in texts for w in clauses(text)):
        for i in range(len(words)):
            for n in range(1, longest + 1):
                gram = tuple(words[i : i + n])
                if len(gram) == n and gram in wanted:
                    uses[gram] += 1
                    if (
                        words[i - 1 : i]
                        and words[i - 1] in determiners
                        or words[i - 2 : i - 1]
                        and words[i - 2] in determiners
                    ):
                        determined[gram] += 1
    kept = []
    for term in terms:
        gram = tuple(term.split())
        if (
            term in GENERIC_NOUNS
            or gram[-1] in NOT_NOUNS
            or gram[0] in NOT_NOUNS
            or (len(gram) > 1 and gram[-1].endswith("ed"))
        ):
            continue
        if uses[gram] >= MIN_USES and determined[gram] >= NOUN_SHARE * uses[gram]:
            kept.append(term)
    return kept


def aspect_terms(top_terms: list[list[str]], texts: list[str]) -> list[str]:
    """Aspect candidates from the topics' top terms (surface forms) that name things in `texts`, most
    prominent first, no repeats."""
    feelings, seen, out = sentiment_words(), set(), []
    for rank in range(max((len(t) for t in top_terms), default=0)):
        for terms in top_terms:
            if rank >= len(terms):
                continue
            term = terms[rank].lower().strip()
            words = term.split()
            if term in seen or not words or any(w in feelings or w in ENGLISH_STOP_WORDS for w in words):
                continue
            if not all(_WORD.fullmatch(w) for w in words) or len(term) < 3:
                continue
            seen.add(term)
            out.append(term)
    return noun_like(out, texts)


@dataclass(frozen=True)
class Aspects:
    """What the reviews of an offer say: (aspect, reviews) praised and criticised, most first."""

    reviews: int
    avg_rating: float | None
    praise: list[tuple[str, int]] = field(default_factory=list)
    criticism: list[tuple[str, int]] = field(default_factory=list)
    quote: str = ""


def offer_aspects(
    reviews: pd.DataFrame, terms: list[str], total: int | None = None, avg_rating: float | None = None
) -> Aspects:
    """`reviews`: text, rating (newest first; the first MAX_REVIEWS are read). Praise and criticism per aspect
    term, and one quote. `total` and `avg_rating` describe all of the offer's reviews when the caller
    counted them (default: those given)."""
    reviews = reviews.head(MAX_REVIEWS)
    texts = reviews["text"].fillna("").astype(str).tolist()
    ratings = pd.to_numeric(reviews["rating"], errors="coerce")
    if avg_rating is None and ratings.notna().any():
        avg_rating = float(ratings.mean())
    count = len(texts) if total is None else int(total)
    if not texts:
        return Aspects(count, None if avg_rating is None else round(avg_rating, 1))
    pattern = (
        re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")\b")
        if terms
        else None
    )
    sentences = [
        (i, s.strip())
        for i, t in enumerate(texts)
        for s in _SENTENCES.split(t)
        if s.strip() and pattern is not None and pattern.search(s.lower())
    ]  # only sentences naming an aspect are scored: VADER is most of the cost
    scores = vader_compound([s for _, s in sentences])
    praise: dict[str, set[int]] = {}
    criticism: dict[str, set[int]] = {}
    patterns = {t: re.compile(rf"\b{re.escape(t)}\b") for t in terms}
    candidates: list[tuple[str, int, str, float]] = []
    for (review, sentence), score in zip(sentences, scores, strict=True):
        low = sentence.lower()
        for term, term_pattern in patterns.items():
            if not term_pattern.search(low):
                continue
            if score >= TONE:
                praise.setdefault(term, set()).add(review)
                candidates.append((term, review, sentence, score))
            elif score <= -TONE:
                criticism.setdefault(term, set()).add(review)
    ranked_praise = _ranked(praise)
    return Aspects(
        reviews=count,
        avg_rating=None if avg_rating is None else round(avg_rating, 1),
        praise=ranked_praise,
        criticism=_ranked(criticism),
        quote=_quote(candidates, ranked_praise, ratings.to_numpy(dtype=float)),
    )


def _ranked(found: dict[str, set[int]]) -> list[tuple[str, int]]:
    return sorted(((t, len(r)) for t, r in found.items()), key=lambda x: (-x[1], x[0]))


def _quote(candidates: list[tuple[str, int, str, float]], praise: list[tuple[str, int]], ratings: np.ndarray) -> str:
    """A short real sentence praising the most praised aspect, from a review rated 4 or 5 when rated."""
    lo, hi = QUOTE_CHARS
    for term, _ in praise[:3]:
        fitting = [
            (score, sentence)
            for t, review, sentence, score in candidates
            if t == term
            and lo <= len(sentence) <= hi
            and (np.isnan(ratings[review]) or ratings[review] >= 4)
            and '"' not in sentence
        ]
        if fitting:
            quote = max(fitting)[1]
            return quote[:1].upper() + quote[1:]
    return ""


def persona_phrases(reviews: pd.DataFrame, top: int = 8) -> dict[int, list[str]]:
    """`reviews`: persona_id, text. The two-word phrases each persona's reviews use most distinctively."""
    if reviews.empty or reviews["persona_id"].nunique() < 2:
        return {}
    feelings = sentiment_words()
    counter = CountVectorizer(analyzer=_bigrams, binary=True, min_df=MIN_PHRASE_REVIEWS)
    texts = reviews["text"].fillna("").to_numpy(dtype=object)
    try:
        presence = counter.fit_transform(texts)
    except ValueError:  # no phrase is used often enough
        return {}
    vocab = counter.get_feature_names_out()
    personas = reviews["persona_id"].to_numpy()
    overall = np.asarray(presence.sum(axis=0)).ravel() / presence.shape[0]
    out: dict[int, list[str]] = {}
    for pid in np.unique(personas):
        own = presence[personas == pid]
        counts = np.asarray(own.sum(axis=0)).ravel()
        lift = counts / own.shape[0] / np.maximum(overall, 1e-9)
        score = np.where((counts >= MIN_PHRASE_REVIEWS) & (lift >= PHRASE_LIFT), np.log1p(counts) * lift, 0.0)
        phrases = []
        for i in np.argsort(-score):
            if score[i] <= 0 or len(phrases) >= 2 * top:
                break
            words = str(vocab[i]).split()
            if any(w in feelings or w in ENGLISH_STOP_WORDS or len(w) < 3 or w.endswith("n't") for w in words):
                continue
            if any(_overlaps(words, p.split()) for p in phrases):
                continue
            phrases.append(str(vocab[i]))
        out[int(pid)] = noun_like(phrases, texts[personas == pid].tolist(), POSSESSIVES)[:top]
    return out


def _overlaps(a: list[str], b: list[str]) -> bool:
    return bool(set(a) & set(b))


def description_attributes(description: str | None, limit: int = 4) -> list[str]:
    """Short features named in a product description ("fast charging", "a USB-C port")."""
    if not description:
        return []
    found: list[str] = []
    for clause in re.findall(r"\b(?:with|featuring|includes?|including)\s+([^.;:!?]+)", description, flags=re.I):
        for part in re.split(r",\s*|\s+and\s+|\s+plus\s+", clause):
            words = re.sub(r"^(?:a|an|the)\s+", "", part.strip(), flags=re.I).split()
            if 1 <= len(words) <= 5 and all(re.fullmatch(r"[\w'°\-/]+", w) for w in words):
                phrase = " ".join(words)
                if phrase.lower() not in (f.lower() for f in found):
                    found.append(phrase)
    return found[:limit]


def word_counts(texts: list[str]) -> Counter:
    """How often each lower-case word occurs (the vocabulary used to tell names from plain words)."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(_WORD.findall(text.lower()))
    return counts
