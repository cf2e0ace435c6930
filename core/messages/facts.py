"""The facts a message may use, gathered from the store's own data before a word is written.

A fact sheet is built for one persona (optionally one customer of it) and one offer: a product, or a
category, with an optional discount. Every fact has an id ("product.price", "review.praise.1"), the
words or number copy may quote, and whether it may leave the machine (persona-level and product
facts may, for an optional language model; a customer's facts never do). Generators write only
from these facts and the checker verifies that they did.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from core import registry
from core.errors import PersonaLensError
from core.messages.aspects import aspect_terms, description_attributes, offer_aspects, persona_phrases
from core.personas.describe import PersonaCard
from core.workspace import Workspace

OFFER_KINDS = ("product", "category")
MAX_DISCOUNT = 0.9
MAX_CATEGORY_CHARS = 40
SAMPLE_REVIEWS = 30_000  # enough to tell a persona's phrases apart; bounded for large stores
PHRASES = "message_phrases.json"  # in a personas version: each persona's distinctive two-word phrases
ASPECTS = "message_aspects.json"  # in a topics version: the topics' terms that name things in the reviews
TRAIT_PRIORITIES = {  # what a persona with this trait is told about first
    "premium": ("quality", "build", "design", "material", "finish", "sound", "craft"),
    "budget": ("price", "value", "money", "deal", "bargain"),
    "frequent": ("daily", "everyday", "durability", "lasts"),
    "senior": ("handle", "comfort", "easy", "instructions", "setup"),
    "young": ("style", "colour", "fun", "design", "look"),
}


def currency() -> str:
    """The store's currency symbol for prices in copy: `$PERSONALENS_CURRENCY` (default "$")."""
    return os.environ.get("PERSONALENS_CURRENCY", "$").strip() or "$"


@dataclass(frozen=True)
class Fact:
    """One thing copy may say. `number` is the value a text may quote (a price, a percent, a count)."""

    id: str
    label: str
    text: str
    number: float | None = None
    count: int | None = None  # the evidence behind it: reviews, buyers
    shareable: bool = True  # may be sent to a configured language model


@dataclass(frozen=True)
class OfferSpec:
    kind: str  # "product" or "category"
    target: str  # a product id, or a category name
    discount: float = 0.0  # share off, 0-0.9
    ends: date | None = None  # the last day of the offer: the only ground for "ends Sunday" or "last chance"

    def __post_init__(self) -> None:
        if self.kind not in OFFER_KINDS:
            raise PersonaLensError(f"an offer is a product or a category, not {self.kind!r}")
        if not 0 <= self.discount <= MAX_DISCOUNT:
            raise PersonaLensError(f"a discount is between 0 and {MAX_DISCOUNT:.0%}, not {self.discount:.0%}")

    @classmethod
    def parse(cls, spec: str, discount: float = 0.0, ends: str | None = None) -> OfferSpec:
        """'product=P1001' or 'category=Books'; `ends` as YYYY-MM-DD."""
        kind, sep, target = spec.partition("=")
        if not sep or not target.strip():
            raise PersonaLensError(f"an offer is written product=ID or category=NAME, not {spec!r}")
        try:
            last_day = date.fromisoformat(ends) if ends else None
        except ValueError:
            raise PersonaLensError(f"an end date is written YYYY-MM-DD, not {ends!r}") from None
        return cls(kind.strip(), target.strip(), discount, last_day)


@dataclass(frozen=True)
class FactSheet:
    persona_id: int
    persona_name: str
    customer_id: str | None
    offer: OfferSpec
    suggested_tone: str
    facts: tuple[Fact, ...]

    def get(self, fact_id: str) -> Fact | None:
        return next((f for f in self.facts if f.id == fact_id), None)

    def text(self, fact_id: str) -> str:
        found = self.get(fact_id)
        return found.text if found else ""

    def starting(self, prefix: str) -> list[Fact]:
        return [f for f in self.facts if f.id.startswith(prefix)]

    def shareable(self) -> FactSheet:
        """The facts that may leave the machine: no customer's."""
        return replace(self, customer_id=None, facts=tuple(f for f in self.facts if f.shareable))

    def frame(self) -> pd.DataFrame:
        """id, label, text, number, count, shareable: the sheet as the page and the CLI show it."""
        return pd.DataFrame([f.__dict__ for f in self.facts], columns=list(Fact.__dataclass_fields__))


@dataclass(frozen=True)
class MessageContext:
    """What every fact sheet of a workspace draws on, loaded once (the page caches it per state)."""

    ws: Workspace
    cards: dict[int, PersonaCard]
    assignments: pd.DataFrame  # customer_id, persona_id, persona_name
    catalogue: pd.DataFrame  # product_id, title, description, category, brand, price (index product_id)
    aspect_terms: list[str]
    phrases: dict[int, list[str]] = field(default_factory=dict)
    reasons: object | None = None  # a RecsBundle, for a customer's recommendation reason

    def categories(self) -> list[str]:
        """Category names an offer can name: short plain names (catalogues also hold sentences and markup)."""
        cats = self.catalogue["category"].dropna().astype(str).str.split("|").explode().str.strip()
        return sorted(c for c in cats.unique() if c and len(c) <= MAX_CATEGORY_CHARS and not set(c) & set("<>{}"))


def load_context(ws: Workspace, recs: object | None = None) -> MessageContext:
    """The personas, catalogue, aspect vocabulary and persona phrases of `ws`."""
    from core.personas.service import current_version, load_views
    from core.topics.service import topics

    views = load_views(ws)
    if views is None:
        raise PersonaLensError("messages are written for personas: find personas first (Personas page)")
    catalogue = ws.query(
        "SELECT product_id, title, description, category, brand, price FROM products ORDER BY product_id"
    ).set_index("product_id")
    if catalogue["title"].notna().sum() == 0:
        raise PersonaLensError(
            "messages name the products they offer: upload the product catalogue (titles, and categories if you "
            "have them) first"
        )
    phrases = _stored(ws, "personas", current_version(ws), PHRASES)
    if phrases is None:  # a version trained before phrases were stored with it
        phrases = persona_phrases(persona_reviews(ws, views.assignments))
    terms = _stored(ws, "topics", registry.active_version(ws, "topics"), ASPECTS)
    if terms is None:
        found = topics(ws)
        terms = review_aspects(ws, [list(t) for t in found["top_terms"]]) if len(found) else []
    return MessageContext(
        ws=ws,
        cards={c.persona_id: c for c in views.cards},
        assignments=views.assignments,
        catalogue=catalogue,
        aspect_terms=terms,
        phrases=occasions(
            {int(k): v for k, v in phrases.items()}, terms, catalogue["title"].dropna().astype(str).tolist()
        ),
        reasons=recs,
    )


def _stored(ws: Workspace, kind: str, version: str | None, name: str) -> dict | list | None:
    """What `version` of `kind` stored for messages under `name` (None when it has not)."""
    path = ws.models_dir / kind / str(version) / name
    return json.loads(path.read_text()) if version and path.is_file() else None


def store_phrases(ws: Workspace, folder: Path, assignments: pd.DataFrame) -> None:
    """At personas training: each persona's distinctive phrases, so the Messages page need not read reviews."""
    found = persona_phrases(persona_reviews(ws, assignments))
    (folder / PHRASES).write_text(json.dumps({str(pid): phrases for pid, phrases in found.items()}))


def store_aspects(ws: Workspace, folder: Path, top_terms: list[list[str]]) -> None:
    """At topics training: the aspect words of `top_terms` (topics most mentioned first)."""
    (folder / ASPECTS).write_text(json.dumps(review_aspects(ws, top_terms)))


def review_aspects(ws: Workspace, top_terms: list[list[str]]) -> list[str]:
    """The topics' terms that name things (aspects) in a seeded sample of the store's reviews."""
    texts = ws.query(
        f"SELECT concat_ws('. ', title, text) AS text FROM reviews USING SAMPLE {SAMPLE_REVIEWS} ROWS (reservoir, 42)"
    )["text"].tolist()
    return aspect_terms(top_terms, texts)


def persona_reviews(ws: Workspace, assignments: pd.DataFrame) -> pd.DataFrame:
    """customer_id, persona_id, text of (a bounded sample of) the reviews written by persona members."""
    return ws.query_with(
        f"""SELECT r.customer_id, a.persona_id, concat_ws('. ', r.title, r.text) AS text
            FROM reviews r JOIN assigned a USING (customer_id) USING SAMPLE {SAMPLE_REVIEWS} ROWS (reservoir, 42)""",
        {"assigned": assignments[["customer_id", "persona_id"]]},
    )


def persona_occasions(reviews: pd.DataFrame, aspects: list[str], catalogue: pd.DataFrame) -> dict[int, list[str]]:
    """Each persona's occasion phrases from `reviews` (persona_id, text)."""
    return occasions(persona_phrases(reviews), aspects, catalogue["title"].dropna().astype(str).tolist())


def occasions(phrases: dict[int, list[str]], aspects: list[str], titles: list[str]) -> dict[int, list[str]]:
    """The phrases that name a persona's occasions and places ("daily commute", "dorm room"): not a
    product's aspect ("battery life") and not part of a product name ("wireless earbuds")."""
    names = "\n".join(t.lower() for t in titles)
    taken = set(aspects)
    return {pid: [p for p in found if p not in taken and p not in names] for pid, found in phrases.items()}


def suggested_tone(card: PersonaCard) -> str:
    """The tone a persona is most likely to answer: premium buyers premium, bargain hunters urgency."""
    if "premium" in card.traits:
        return "premium"
    if "budget" in card.traits:
        return "urgent"
    if "young" in card.traits:
        return "playful"
    return "friendly"


def gather_facts(ctx: MessageContext, persona_id: int, offer: OfferSpec, customer_id: str | None = None) -> FactSheet:
    """Every fact a message for `persona_id` (or one of its customers) about `offer` may use."""
    card = ctx.cards.get(int(persona_id))
    if card is None:
        known = ", ".join(f"{c.persona_id} ({c.name})" for c in ctx.cards.values())
        raise PersonaLensError(f"no persona {persona_id}; the personas are {known}")
    if customer_id is not None:
        member = ctx.assignments.loc[ctx.assignments["customer_id"] == str(customer_id), "persona_id"]
        if member.empty:
            raise PersonaLensError(f"no customer {customer_id!r} with a persona in this workspace")
        if int(member.iloc[0]) != int(persona_id):
            raise PersonaLensError(
                f"customer {customer_id!r} belongs to persona {int(member.iloc[0])}, not {persona_id}"
            )
    facts = _persona_facts(ctx, card)
    if offer.kind == "product":
        offer_facts, reviews, buyers = _product_facts(ctx, offer)
    else:
        offer_facts, reviews, buyers = _category_facts(ctx, card, offer)
    facts += offer_facts
    if offer.ends is not None:
        facts.append(Fact("offer.ends", "Offer ends", f"{offer.ends:%A} {offer.ends.day} {offer.ends:%B}"))
    total, avg = _review_totals(ctx, offer)
    aspects = offer_aspects(reviews, ctx.aspect_terms, total, avg)
    facts += _review_facts(aspects, _priorities(ctx, card))
    persona_buyers = int(buyers.get(card.persona_id, 0))
    if persona_buyers:
        facts.append(
            Fact(
                "persona.buyers",
                "Customers of this persona who bought it",
                f"{persona_buyers:,}",
                float(persona_buyers),
                persona_buyers,
            )
        )
    if customer_id is not None:
        facts += _customer_facts(ctx, str(customer_id), offer)
    return FactSheet(card.persona_id, card.name, customer_id, offer, suggested_tone(card), tuple(facts))


def _persona_facts(ctx: MessageContext, card: PersonaCard) -> list[Fact]:
    facts = [
        Fact("persona.name", "Persona", card.name),
        Fact("persona.size", "Customers in the persona", f"{card.size:,}", float(card.size), card.size),
    ]
    facts += [Fact(f"persona.category.{i}", "Buys most", c) for i, (c, _) in enumerate(card.top_categories, 1)]
    facts += [
        Fact(f"persona.phrase.{i}", "Their own words", p)
        for i, p in enumerate(ctx.phrases.get(card.persona_id, [])[:6], 1)
    ]
    facts += [Fact(f"persona.word.{i}", "Distinctive word", w) for i, w in enumerate(card.keywords[:6], 1)]
    facts += [
        Fact(f"persona.favourite.{i}", "A favourite of theirs", str(t), count=int(n))
        for i, (t, n) in enumerate(card.top_products[:3], 1)
    ]
    return facts


def _product_facts(ctx: MessageContext, offer: OfferSpec) -> tuple[list[Fact], pd.DataFrame, pd.Series]:
    if offer.target not in ctx.catalogue.index:
        raise PersonaLensError(f"no product {offer.target!r} in the catalogue")
    row = ctx.catalogue.loc[offer.target]
    title = str(row["title"]) if pd.notna(row["title"]) else offer.target
    facts = [Fact("product.title", "Product", title)]
    if pd.notna(row["brand"]) and str(row["brand"]).strip():
        facts.append(Fact("product.brand", "Brand", str(row["brand"]).strip()))
    if pd.notna(row["category"]):
        facts.append(Fact("product.category", "Category", str(row["category"]).split("|")[0].strip()))
    facts += [
        Fact(f"product.attribute.{i}", "Feature", a)
        for i, a in enumerate(description_attributes(row["description"]), 1)
    ]
    price = float(row["price"]) if pd.notna(row["price"]) else None
    facts += _price_facts(price, offer.discount, "product.price", "Price")
    reviews = ctx.ws.query(
        "SELECT concat_ws('. ', title, text) AS text, rating FROM reviews WHERE product_id = ? "
        "ORDER BY timestamp DESC NULLS LAST LIMIT ?",
        [offer.target, 400],
    )
    buyers = _buyers(ctx, "i.product_id = ?", [offer.target])
    return facts, reviews, buyers


def _category_facts(
    ctx: MessageContext, card: PersonaCard, offer: OfferSpec
) -> tuple[list[Fact], pd.DataFrame, pd.Series]:
    products = ctx.catalogue.loc[_offer_products(ctx, offer)]
    if products.empty:
        raise PersonaLensError(
            f"no product in category {offer.target!r}; the categories are {', '.join(ctx.categories())}"
        )
    facts = [Fact("offer.category", "Category", offer.target)]
    ids = products.index.tolist()
    top = ctx.ws.query_with(  # the category's products this persona buys more than others do, most bought first
        """WITH b AS (SELECT i.product_id, count(DISTINCT i.customer_id) AS buyers,
                             count(DISTINCT i.customer_id) FILTER (WHERE a.persona_id = ?) AS own
                      FROM interactions i JOIN assigned a USING (customer_id) JOIN wanted w USING (product_id)
                      WHERE coalesce(i.quantity, 1) > 0 GROUP BY 1)
           SELECT product_id, own FROM b WHERE own >= 1
           ORDER BY own * own / buyers DESC, own DESC, product_id LIMIT 3""",
        {"assigned": ctx.assignments[["customer_id", "persona_id"]], "wanted": pd.DataFrame({"product_id": ids})},
        [card.persona_id],
    )
    for i, pid in enumerate(top["product_id"].tolist(), 1):
        row = products.loc[pid]
        facts.append(Fact(f"offer.product.{i}", "Popular with this persona", str(row["title"])))
        if pd.notna(row["brand"]) and str(row["brand"]).strip():
            facts.append(Fact(f"offer.brand.{i}", "Brand", str(row["brand"]).strip()))
    prices = pd.to_numeric(products["price"], errors="coerce").dropna()
    if len(prices):
        facts += _price_facts(float(prices.min()), offer.discount, "offer.price_from", "Prices from")
    elif offer.discount:
        facts.append(_discount_fact(offer.discount))
    reviews = ctx.ws.query_with(
        """SELECT concat_ws('. ', r.title, r.text) AS text, r.rating FROM reviews r JOIN wanted w USING (product_id)
           ORDER BY r.timestamp DESC NULLS LAST LIMIT 400""",
        {"wanted": pd.DataFrame({"product_id": ids})},
    )
    placeholders = ", ".join("?" * len(ids))
    buyers = _buyers(ctx, f"i.product_id IN ({placeholders})", ids)
    return facts, reviews, buyers


def _offer_products(ctx: MessageContext, offer: OfferSpec) -> list[str]:
    if offer.kind == "product":
        return [offer.target]
    cats = ctx.catalogue["category"].fillna("").astype(str).str.split("|")
    return ctx.catalogue.index[cats.map(lambda parts: offer.target in [p.strip() for p in parts])].tolist()


def _review_totals(ctx: MessageContext, offer: OfferSpec) -> tuple[int, float | None]:
    """Every review of the offer and their average stars (aspects read only the newest)."""
    found = ctx.ws.query_with(
        "SELECT count(*) AS n, avg(r.rating) AS stars FROM reviews r JOIN wanted w USING (product_id)",
        {"wanted": pd.DataFrame({"product_id": _offer_products(ctx, offer)}, dtype="string")},
    ).iloc[0]
    return int(found["n"]), None if pd.isna(found["stars"]) else float(found["stars"])


def _price_facts(price: float | None, discount: float, fact_id: str, label: str) -> list[Fact]:
    facts = []
    if price is not None:
        facts.append(Fact(fact_id, label, f"{currency()}{price:,.2f}", round(price, 2)))
    if discount:
        facts.append(_discount_fact(discount))
        if price is not None:
            now = round(price * (1 - discount), 2)
            facts.append(Fact(f"{fact_id}_now", f"{label}, after the discount", f"{currency()}{now:,.2f}", now))
    return facts


def _discount_fact(discount: float) -> Fact:
    pct = round(discount * 100)
    return Fact("offer.discount", "Discount", f"{pct}%", float(pct))


def _buyers(ctx: MessageContext, where: str, params: list) -> pd.Series:
    """Buyers of the offer per persona id."""
    found = ctx.ws.query_with(
        f"""SELECT a.persona_id, count(DISTINCT i.customer_id) AS buyers FROM interactions i
            JOIN assigned a USING (customer_id) WHERE {where} AND coalesce(i.quantity, 1) > 0 GROUP BY 1""",
        {"assigned": ctx.assignments[["customer_id", "persona_id"]]},
        params,
    )
    return found.set_index("persona_id")["buyers"] if len(found) else pd.Series(dtype=int)


def _priorities(ctx: MessageContext, card: PersonaCard) -> set[str]:
    words = {w for p in ctx.phrases.get(card.persona_id, []) for w in p.split()} | set(card.keywords)
    for trait, wanted in TRAIT_PRIORITIES.items():
        if trait in card.traits:
            words |= set(wanted)
    return words


def _review_facts(aspects, priorities: set[str]) -> list[Fact]:  # noqa: ANN001 - an Aspects
    facts = []
    if aspects.reviews:
        facts.append(Fact("review.count", "Reviews", f"{aspects.reviews:,}", float(aspects.reviews), aspects.reviews))
    if aspects.avg_rating is not None:
        facts.append(
            Fact("review.rating", "Average stars", f"{aspects.avg_rating:.1f}", aspects.avg_rating, aspects.reviews)
        )
    cares = sorted(aspects.praise, key=lambda a: (not (set(a[0].split()) & priorities), -a[1]))
    facts += [Fact(f"review.praise.{i}", "Reviewers praise", t, count=n) for i, (t, n) in enumerate(cares[:4], 1)]
    facts += [
        Fact(f"review.criticism.{i}", "Reviewers criticise", t, count=n)
        for i, (t, n) in enumerate(aspects.criticism[:3], 1)
    ]
    if aspects.quote:
        facts.append(Fact("review.quote", "A reviewer wrote", aspects.quote))
    return facts


def _customer_facts(ctx: MessageContext, customer_id: str, offer: OfferSpec) -> list[Fact]:
    """Why this customer gets the offer (stays on this machine)."""
    bundle = ctx.reasons
    if bundle is None or offer.kind != "product":
        return []
    user = bundle.data.user_index.get(customer_id)
    item = bundle.data.item_index.get(offer.target)
    if item is None:
        return []
    import numpy as np

    reason = bundle.explainer.reasons_and_quotes(
        user, np.array([item]), bundle.best, bundle.persona_of.get(customer_id)
    )[0][0]
    return [Fact("customer.reason", "Why this customer", reason, shareable=False)] if reason else []
