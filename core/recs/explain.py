"""Why a product is recommended, in words a marketer can repeat to a customer.

Reasons are computed for the few products actually shown, never for the whole catalogue:
- "Customers who bought X also bought this": X is the customer's product most often bought by
  the same people as the recommended one (cosine over buyers);
- "Matches their interest in: pedal, tuner": the words shared by the customer's products and
  this one (from the content model);
- "A favourite of the <persona> persona": the product is among the persona's most chosen;
- "Popular with customers overall" when nothing more specific applies.
A short quote from a positive review is attached where the product has one.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.recs.models import ContentRecommender, Recommender
from core.recs.models.popularity import PersonaPopularity
from core.workspace import Workspace

_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_MIN_SHARED_BUYERS = 2
_PERSONA_TOP = 20


class Explainer:
    """Reasons for (customer, product) pairs, from the training data and the fitted models."""

    def __init__(
        self,
        matrix: sp.csr_matrix,
        titles: list[str],
        models: dict[str, Recommender],
        persona_names: dict[int, str],
        quotes: dict[int, str],
    ) -> None:
        self.matrix = matrix
        self.buyers = matrix.T.tocsr()
        self.buyer_counts = np.asarray(matrix.sum(axis=0)).ravel()
        self.titles = titles
        self.content = models.get("content") if isinstance(models.get("content"), ContentRecommender) else None
        persona = models.get("persona_popularity")
        self.persona = persona if isinstance(persona, PersonaPopularity) else None
        self.persona_names = persona_names
        self.quotes = quotes

    def reasons(self, user: int | None, items: np.ndarray, model: str, group: int | None = None) -> list[str]:
        """One sentence per item, with a review quote appended where there is one."""
        return [
            f'{reason}. "{quote}"' if quote else reason
            for reason, quote in zip(*self.reasons_and_quotes(user, items, model, group), strict=True)
        ]

    def reasons_and_quotes(
        self, user: int | None, items: np.ndarray, model: str, group: int | None = None
    ) -> tuple[list[str], list[str]]:
        history = np.array([], dtype=int) if user is None else self.matrix[user].indices
        favourites = self._persona_favourites(group)
        anchors_used: dict[int, int] = {}
        reasons = [self._reason(user, history, int(i), model, favourites, group, anchors_used) for i in items]
        return reasons, [self.quotes.get(int(i), "") for i in items]

    def _reason(
        self,
        user: int | None,
        history: np.ndarray,
        item: int,
        model: str,
        favourites: set[int],
        group: int | None,
        anchors_used: dict[int, int],
    ) -> str:
        persona = f"A favourite of the {self.persona_names.get(group, 'same')} persona"
        if model == "popularity" or user is None and not favourites:
            return "Popular with customers overall"
        if model == "persona_popularity" and item in favourites:
            return persona
        if model != "content" and len(history):
            also = self._bought_together(history, item, anchors_used)
            if also is not None:
                anchors_used[also] = anchors_used.get(also, 0) + 1
                return f"Customers who bought {self.titles[also]} also bought this"
        if self.content is not None and user is not None:
            terms = self.content.shared_terms(user, item)
            if terms:
                return "Matches their interest in: " + ", ".join(terms)
        if item in favourites:
            return persona
        return "Popular with customers overall" if not len(history) else "Similar to what they chose before"

    def _bought_together(self, history: np.ndarray, item: int, anchors_used: dict[int, int]) -> int | None:
        """The customer's product most bought with `item`; one already named in this list counts a little
        less, so a list does not give the same reason ten times when another is nearly as true."""
        shared = (self.buyers[history] @ self.buyers[item].T).toarray().ravel()
        if shared.max(initial=0) < _MIN_SHARED_BUYERS:
            return None
        cosine = shared / np.sqrt(self.buyer_counts[history] * max(self.buyer_counts[item], 1))
        cosine = np.where(shared >= _MIN_SHARED_BUYERS, cosine, 0.0)
        used = np.array([anchors_used.get(int(h), 0) for h in history])
        return int(history[int(np.argmax(cosine * 0.8**used))])

    def _persona_favourites(self, group: int | None) -> set[int]:
        if self.persona is None or group is None or group < 0:
            return set()
        return set(np.argsort(-self.persona.group_scores(group))[:_PERSONA_TOP].tolist())


def positive_quotes(ws: Workspace, item_index: dict[str, int], max_chars: int = 140) -> pd.DataFrame:
    """item, product_id, quote: the most positive short sentence of each product's best reviews."""
    from core.text.vader import vader_compound

    reviews = ws.query("""
        SELECT product_id, text FROM (
            SELECT product_id, text, row_number() OVER (
                PARTITION BY product_id ORDER BY rating DESC, length(text), review_id) AS k
            FROM reviews WHERE rating >= 4 AND text IS NOT NULL AND length(text) > 20)
        WHERE k <= 5""")
    rows = []
    for product_id, text in zip(reviews["product_id"].tolist(), reviews["text"].tolist(), strict=True):
        for sentence in _SENTENCES.split(text.strip()):
            if 25 <= len(sentence) <= max_chars and product_id in item_index:
                rows.append((item_index[product_id], product_id, sentence.strip()))
    candidates = pd.DataFrame(rows, columns=["item", "product_id", "quote"])
    if candidates.empty:
        return candidates
    candidates["sentiment"] = vader_compound(candidates["quote"].tolist())
    best = candidates[candidates["sentiment"] > 0.3].sort_values(["item", "sentiment"], ascending=[True, False])
    return best.drop_duplicates("item")[["item", "product_id", "quote"]].reset_index(drop=True)
