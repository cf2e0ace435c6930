"""Persona cards: what a marketer reads about each persona.

Names come from the persona's most distinctive traits (age, price band, the category it buys
far more than others, how often it orders); keywords are the words its reviews use more than
other personas' reviews; quotes are real reviews that use those words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from core.personas.profile import CustomerProfiles
from core.workspace import Workspace


@dataclass(frozen=True)
class PersonaCard:
    persona_id: int
    name: str
    size: int
    share: float  # of customers
    revenue_share: float
    avg_orders: float
    avg_monetary: float
    avg_recency_days: float
    avg_age: float | None
    female_share: float | None
    price_index: float  # mean log price paid over category median: > 0 pays more than typical
    avg_rating: float | None
    avg_sentiment: float | None  # VADER compound of their reviews, -1..1
    top_categories: list[tuple[str, float]] = field(default_factory=list)  # (category, share of units)
    top_products: list[tuple[str, int]] = field(default_factory=list)  # (title, buyers)
    top_locations: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    traits: list[str] = field(default_factory=list)
    offer: str = ""


def describe_personas(ws: Workspace, profiles: CustomerProfiles, assignments: pd.DataFrame) -> list[PersonaCard]:
    """One card per persona. `assignments`: customer_id, persona_id."""
    table = profiles.table.join(assignments.set_index("customer_id")["persona_id"], how="inner")
    mix = profiles.groups.get("categories", pd.DataFrame(index=profiles.table.index))
    overall_mix = mix.mean() if not mix.empty else pd.Series(dtype=float)
    revenue = max(float(table["monetary"].clip(lower=0).sum()), 1e-9)
    keywords, quotes = _words(ws, assignments)
    products = _top_products(ws, assignments)
    base = {"age": table["age"].mean(), "price": table["price_index"].mean(), "orders": table["orders"].mean()}
    cards = []
    for pid, members in table.groupby("persona_id"):
        cats = (
            mix.loc[mix.index.intersection(members.index)].mean().sort_values(ascending=False)
            if not mix.empty
            else pd.Series(dtype=float)
        )
        traits = _traits(members, cats, overall_mix, base)
        words = keywords.get(int(pid), [])
        gender = members["gender"].astype("string").str.lower().str[:1]
        cards.append(
            PersonaCard(
                persona_id=int(pid),
                name=_name(traits, words),
                size=len(members),
                share=len(members) / len(table),
                revenue_share=float(members["monetary"].clip(lower=0).sum()) / revenue,
                avg_orders=float(members["orders"].mean()),
                avg_monetary=float(members["monetary"].mean()),
                avg_recency_days=float(members["recency_days"].mean()),
                avg_age=_maybe(members["age"].mean()),
                female_share=_maybe((gender == "f").sum() / gender.notna().sum()) if gender.notna().any() else None,
                price_index=float(members["price_index"].mean()) if members["price_index"].notna().any() else 0.0,
                avg_rating=_maybe(members["avg_rating"].mean()),
                avg_sentiment=_maybe(members["avg_sentiment"].mean()) if "avg_sentiment" in members else None,
                top_categories=[(str(c), float(s)) for c, s in cats.head(3).items() if s > 0],
                top_products=products.get(int(pid), []),
                top_locations=members["location"].dropna().value_counts().head(3).index.astype(str).tolist(),
                keywords=words,
                quotes=quotes.get(int(pid), []),
                traits=traits,
                offer=_offer(traits, cats),
            )
        )
    return _unique_names(cards)


def _maybe(value: float) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _traits(members: pd.DataFrame, cats: pd.Series, overall: pd.Series, base: dict[str, float]) -> list[str]:
    traits = []
    age = members["age"].mean()
    if pd.notna(age) and pd.notna(base["age"]):
        if age < 30:
            traits.append("young")
        elif age >= 55:
            traits.append("senior")
    price = members["price_index"].mean()
    if pd.notna(price) and pd.notna(base["price"]):
        if price > base["price"] + 0.2:
            traits.append("premium")
        elif price < base["price"] - 0.2:
            traits.append("budget")
    if members["orders"].mean() > 1.4 * base["orders"]:
        traits.append("frequent")
    if not cats.empty:
        lift = (cats / overall.reindex(cats.index).replace(0, np.nan)).where(cats > 0.12).dropna()
        for category in lift.sort_values(ascending=False).index[:2]:
            traits.append(f"category:{category}")
    return traits


def _name(traits: list[str], keywords: list[str]) -> str:
    words = [t.capitalize() for t in ("young", "senior") if t in traits]
    words += [t for t in ("premium", "budget") if t in traits]
    cats = [t.split(":", 1)[1] for t in traits if t.startswith("category:")]
    noun = "regulars" if "frequent" in traits else "shoppers"
    subject = f"{cats[0]} {noun}" if cats else noun
    if not cats and len(keywords) >= 2:  # no catalogue to go by: say what they talk about
        subject = f"{noun} talking {keywords[0]} and {keywords[1]}"
    name = " ".join([*words, subject]).strip()
    return name[0].upper() + name[1:]


def _unique_names(cards: list[PersonaCard]) -> list[PersonaCard]:
    """Where two personas would share a name, the second category tells them apart."""
    seen: dict[str, int] = {}
    out = []
    for card in sorted(cards, key=lambda c: -c.size):
        name = card.name
        cats = [t.split(":", 1)[1] for t in card.traits if t.startswith("category:")]
        if name in seen and len(cats) > 1:
            name = f"{name} ({cats[1]})"
        if name in seen:
            name = f"{name} #{card.persona_id}"
        seen[name] = card.persona_id
        out.append(PersonaCard(**{**card.__dict__, "name": name}))
    return sorted(out, key=lambda c: c.persona_id)


def _offer(traits: list[str], cats: pd.Series) -> str:
    category = next(
        (t.split(":", 1)[1] for t in traits if t.startswith("category:")),
        str(cats.index[0]) if not cats.empty else "their favourite products",
    )
    if "budget" in traits:
        return f"Bundle deals and a free-shipping threshold on {category}; lead with price and value."
    if "premium" in traits:
        return f"Early access to new {category} lines; lead with quality and craftsmanship, not discounts."
    if "frequent" in traits:
        return f"Loyalty points and replenishment reminders for {category}."
    if "senior" in traits:
        return f"Clear, practical guides and easy returns on {category}; phone support in the message."
    return f"Personal picks from {category} with a small first-order incentive."


def _words(ws: Workspace, assignments: pd.DataFrame) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Distinctive review words per persona and two real reviews that use them."""
    title = r"coalesce(regexp_replace(trim(title), '([^.!?])$', '\1.'), '')"  # 'Great' -> 'Great.'
    reviews = ws.query(
        f"SELECT customer_id, rating, ltrim({title} || ' ' || text) AS doc FROM reviews WHERE text IS NOT NULL"
    )
    reviews = reviews.merge(assignments, on="customer_id")
    if reviews.empty or reviews["persona_id"].nunique() < 2:
        return {}, {}
    counter = CountVectorizer(
        stop_words="english", binary=True, min_df=5, max_df=0.3, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]{2,}\b"
    )
    try:
        presence = counter.fit_transform(reviews["doc"].to_numpy(dtype=object))
    except ValueError:  # too few reviews for any word to reach min_df
        return {}, {}
    vocab = counter.get_feature_names_out()
    personas = np.sort(reviews["persona_id"].unique())
    member = sparse.csr_matrix(
        (np.ones(len(reviews)), (np.searchsorted(personas, reviews["persona_id"]), np.arange(len(reviews))))
    )
    counts = np.asarray((member @ presence).todense())  # persona x term: reviews using the term
    per_persona = np.asarray(member.sum(axis=1)).ravel()
    overall = np.asarray(presence.sum(axis=0)).ravel() / len(reviews)
    lift = counts / per_persona[:, None] / np.maximum(overall, 1e-9)
    score = np.where(counts >= np.maximum(5, 0.02 * per_persona[:, None]), lift * np.log1p(counts), 0.0)
    keywords, quotes = {}, {}
    for row, pid in enumerate(personas):
        words = [str(vocab[i]) for i in np.argsort(-score[row])[:12] if score[row, i] > 0 and lift[row, i] > 1.2]
        keywords[int(pid)] = words
        own = reviews[(reviews["persona_id"] == pid) & reviews["doc"].str.len().between(60, 260)]
        if own.empty:
            continue
        hits = own["doc"].str.lower().map(lambda d, w=words[:8]: sum(word in d for word in w))
        ranked = own.assign(hits=hits).sort_values(["hits", "rating"], ascending=False)
        picks = [ranked[ranked["rating"] >= 4].head(1), ranked[ranked["rating"] <= 2].head(1)]
        quotes[int(pid)] = [q.strip(". ") for q in pd.concat(picks)["doc"].tolist()]
    return keywords, quotes


def _top_products(ws: Workspace, assignments: pd.DataFrame) -> dict[int, list[tuple[str, int]]]:
    """The three products most customers of each persona bought."""
    top = ws.query_with(
        """
        SELECT * FROM (
            SELECT a.persona_id, coalesce(p.title, i.product_id) AS title, count(DISTINCT i.customer_id) AS buyers
            FROM interactions i JOIN assigned a USING (customer_id) LEFT JOIN products p USING (product_id)
            WHERE coalesce(i.quantity, 1) > 0 GROUP BY 1, 2)
        QUALIFY row_number() OVER (PARTITION BY persona_id ORDER BY buyers DESC, title) <= 3
    """,
        {"assigned": assignments},
    )
    return {
        int(pid): list(zip(g["title"], g["buyers"].astype(int), strict=True)) for pid, g in top.groupby("persona_id")
    }
