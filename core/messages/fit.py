"""Persona fit, measured: does a copy set written for persona P read as P's?

Each persona's customers are split in two at random (seeded). The copy is written from facts whose
persona phrases come from the first half's reviews only; a classifier (TF-IDF words and word pairs,
logistic regression) learns each persona from the second half: every customer is one document of
their own reviews and the titles and categories of what they bought. Reviews quoted in the copy are
dropped from the classifier's documents. Accuracy is the share of (persona, offer) copy sets, all
channels together, that the classifier assigns to the persona they were written for.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from core.frames import isin
from core.messages.channels import CHANNELS, MERGE_TAG
from core.messages.checks import Grounds
from core.messages.facts import MessageContext, OfferSpec, gather_facts, persona_occasions, persona_reviews
from core.messages.service import CopyRequest, CopySet, write_from_facts


@dataclass(frozen=True)
class FitReport:
    accuracy: float
    sets: int
    personas: int
    chance: float
    confusion: pd.DataFrame  # written-for persona x classified-as persona: counts
    predictions: pd.DataFrame  # persona_id, offer, predicted, probability


def split_customers(assignments: pd.DataFrame, seed: int) -> tuple[set[str], set[str]]:
    """Half of each persona's customers for the facts, the other half for the classifier."""
    facts, judge = set(), set()
    for cid in assignments["customer_id"].astype(str):
        (facts if zlib.crc32(f"{seed}:{cid}".encode()) % 2 == 0 else judge).add(cid)
    return facts, judge


def customer_documents(ctx: MessageContext, customers: set[str], skip: Sequence[str] = ()) -> pd.DataFrame:
    """customer_id, persona_id, text: each customer's reviews (but those containing a `skip` text) and
    the titles and categories of the products they bought."""
    members = ctx.assignments[isin(ctx.assignments["customer_id"], customers)][["customer_id", "persona_id"]]
    reviews = ctx.ws.query_with(
        "SELECT r.customer_id, concat_ws('. ', r.title, r.text) AS text FROM reviews r JOIN m USING (customer_id)",
        {"m": members},
    )
    if skip:
        lowered = reviews["text"].fillna("").str.lower()
        keep = ~lowered.map(lambda t: any(s.lower() in t for s in skip if s))
        reviews = reviews[keep]
    bought = ctx.ws.query_with(
        """SELECT i.customer_id, concat_ws(' ', p.title, replace(p.category, '|', ' ')) AS text
           FROM interactions i JOIN m USING (customer_id) JOIN products p USING (product_id)
           WHERE coalesce(i.quantity, 1) > 0""",
        {"m": members},
    )
    docs = pd.concat([reviews, bought]).groupby("customer_id")["text"].agg(lambda t: " ".join(t.dropna()))
    return members.merge(docs.rename("text").reset_index(), on="customer_id")


def copy_text(copy: CopySet) -> str:
    return "\n".join(MERGE_TAG.sub(" ", c.variant.text()) for c in copy.variants)


def persona_fit(
    ctx: MessageContext,
    grounds: Grounds,
    offers: int = 3,
    variants: int = 5,
    discount: float = 0.0,
    seed: int = 42,
) -> FitReport:
    """Copy for every persona x its top `offers` categories on every channel, classified by persona."""
    facts_half, judge_half = split_customers(ctx.assignments, seed)
    reviews = persona_reviews(ctx.ws, ctx.assignments)
    own = reviews[isin(reviews["customer_id"], facts_half)]
    half_ctx = replace(ctx, phrases=persona_occasions(own, ctx.aspect_terms, ctx.catalogue))
    written: list[tuple[int, str, str]] = []
    quotes: list[str] = []
    for pid, card in sorted(half_ctx.cards.items()):
        for category, _ in card.top_categories[:offers]:
            offer = OfferSpec("category", category, discount)
            sheet = gather_facts(half_ctx, pid, offer)
            texts = []
            for channel in CHANNELS:
                request = CopyRequest(pid, offer, channel, variants=variants, seed=seed)
                texts.append(copy_text(write_from_facts(sheet, grounds, request)))
            if sheet.text("review.quote"):
                quotes.append(sheet.text("review.quote"))
            written.append((pid, category, "\n".join(texts)))
    docs = customer_documents(ctx, judge_half, skip=quotes)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, stop_words="english")
    x = vectorizer.fit_transform(docs["text"].to_numpy(dtype=object))
    model = LogisticRegression(max_iter=2000, C=4.0).fit(x, docs["persona_id"].to_numpy())
    probs = model.predict_proba(vectorizer.transform([t for _, _, t in written]))
    predicted = model.classes_[np.argmax(probs, axis=1)]
    truth = np.array([pid for pid, _, _ in written])
    frame = pd.DataFrame(
        {
            "persona_id": truth,
            "offer": [c for _, c, _ in written],
            "predicted": predicted,
            "probability": probs.max(axis=1).round(3),
        }
    )
    return FitReport(
        accuracy=round(float((predicted == truth).mean()), 4),
        sets=len(written),
        personas=len(half_ctx.cards),
        chance=round(1 / max(len(half_ctx.cards), 1), 4),
        confusion=pd.crosstab(frame["persona_id"], frame["predicted"]),
        predictions=frame,
    )
