"""The demo store simulator: a seeded online shop whose customers follow latent personas.

`simulate_store(seed)` returns the four canonical tables plus the ground-truth persona of every
customer. Same seed, same tables, byte for byte. Personas differ in age, city, category mix,
price sensitivity, activity, basket size, review habit and vocabulary, so persona discovery,
recommendations and sentiment models all have a known answer to find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.demo.campaigns import simulate_campaigns
from core.demo.catalog import (
    CATEGORIES,
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    PERSONAS,
)
from core.demo.reviews import write_review

START = pd.Timestamp("2025-01-01")
END = pd.Timestamp("2026-06-30 23:59:59")
SIGNUP_FROM = pd.Timestamp("2022-06-01")
TIERS = ("budget", "standard", "premium")
TIER_PRICE = {"budget": 0.6, "standard": 1.0, "premium": 1.8}
TIER_SCORE = {"budget": -1.0, "standard": 0.0, "premium": 1.0}
SUFFIXES = ("", "", "Pro", "Mini", "Classic", "Plus", "Lite", "XL", "Go", "Max", "Essential", "Duo")
MONTH_FACTOR = {1: 0.85, 2: 0.9, 3: 1.0, 4: 1.0, 5: 1.05, 6: 1.0, 7: 0.95, 8: 0.95, 9: 1.0, 10: 1.05, 11: 1.35, 12: 1.6}
STAR_CUTS = (-1.05, -0.7, -0.3, 0.3)  # satisfaction thresholds between 1|2|3|4|5 stars


@dataclass(frozen=True)
class DemoData:
    """The simulated store. Frames use the canonical columns of `core.schema`."""

    customers: pd.DataFrame
    products: pd.DataFrame
    interactions: pd.DataFrame
    reviews: pd.DataFrame
    truth: pd.DataFrame  # customer_id, persona, persona_label
    campaign_results: pd.DataFrame  # past campaigns (see core.demo.campaigns)
    campaign_truth: pd.DataFrame  # their true incremental chance per contacted customer

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "customers": self.customers,
            "products": self.products,
            "interactions": self.interactions,
            "reviews": self.reviews,
            "campaign_results": self.campaign_results,
        }


@dataclass
class _Catalogue:
    table: pd.DataFrame
    category_idx: np.ndarray
    tier: list[str]
    kind: list[str]
    quality: np.ndarray
    aspect_quality: list[np.ndarray]
    popularity: np.ndarray


def simulate_store(seed: int = 42, n_customers: int = 2000, n_reviews: int = 8000) -> DemoData:
    """Simulate 18 months of a store: customers, catalogue, order lines with returns, reviews, and the
    results of eight past campaigns (drawn from their own random stream, so the other tables do not
    depend on them)."""
    rng = np.random.default_rng(seed)
    catalogue = _make_products(rng)
    customers, persona_idx = _make_customers(rng, n_customers)
    lines = _make_order_lines(rng, customers, persona_idx, catalogue)
    interactions = _with_returns(rng, lines)
    reviews = _make_reviews(rng, lines, customers, persona_idx, catalogue, n_reviews)
    truth = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "persona": [PERSONAS[i].key for i in persona_idx],
            "persona_label": [PERSONAS[i].label for i in persona_idx],
        }
    )
    campaigns = simulate_campaigns(customers, interactions, catalogue.table, truth, seed)
    return DemoData(customers, catalogue.table, interactions, reviews, truth, campaigns.results, campaigns.truth)


def _make_products(rng: np.random.Generator) -> _Catalogue:
    rows, cat_idx, tiers, kinds, quality, aspect_q = [], [], [], [], [], []
    seen_titles: set[str] = set()
    for c, cat in enumerate(CATEGORIES):
        for _ in range(cat.product_count):
            kind, base = cat.kinds[int(rng.integers(len(cat.kinds)))]
            b = int(rng.integers(len(cat.brands)))
            brand = cat.brands[b]
            lean = (
                np.array([0.25, 0.5, 0.25])
                + np.array([0.2, -0.1, -0.1]) * (b % 2)
                + np.array([-0.15, -0.05, 0.2]) * (b == 0)
            )
            tier = TIERS[int(rng.choice(3, p=lean / lean.sum()))]
            price = base * TIER_PRICE[tier] * float(rng.lognormal(0, 0.12))
            price = max(round(price) - 0.01, 2.99)
            q = float(rng.normal(0.35, 0.7) + 0.3 * TIER_SCORE[tier])
            title = _unique_title(rng, f"{brand} {kind}", seen_titles)
            features = rng.choice(len(cat.features), size=2, replace=False)
            blurb = {
                "budget": "An affordable everyday pick.",
                "standard": "A dependable all-rounder.",
                "premium": "Our premium choice for people who want the best.",
            }[tier]
            description = (
                f"The {title} is a {kind.lower()} from {brand} with "
                f"{cat.features[features[0]]} and {cat.features[features[1]]}. {blurb}"
            )
            rows.append((f"P{1001 + len(rows)}", title, description, cat.name, brand, price))
            cat_idx.append(c)
            tiers.append(tier)
            kinds.append(kind)
            quality.append(q)
            aspect_q.append(q + rng.normal(0, 0.6, size=len(cat.aspects)))
    table = pd.DataFrame(rows, columns=["product_id", "title", "description", "category", "brand", "price"])
    popularity = rng.lognormal(0, 0.9, size=len(rows))
    return _Catalogue(table, np.array(cat_idx), tiers, kinds, np.array(quality), aspect_q, popularity)


def _unique_title(rng: np.random.Generator, stem: str, seen: set[str]) -> str:
    for _ in range(50):
        suffix = SUFFIXES[int(rng.integers(len(SUFFIXES)))]
        title = f"{stem} {suffix}".strip()
        if title not in seen:
            seen.add(title)
            return title
    title = f"{stem} {len(seen)}"
    seen.add(title)
    return title


def _make_customers(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    shares = np.array([p.share for p in PERSONAS])
    persona_idx = rng.choice(len(PERSONAS), size=n, p=shares / shares.sum())
    rows = []
    span_before = (START - SIGNUP_FROM).days
    span_during = (END - START).days - 45
    for i, p_i in enumerate(persona_idx):
        p = PERSONAS[p_i]
        mean, sd, lo, hi = p.age
        age = int(np.clip(round(rng.normal(mean, sd)), lo, hi))
        u = rng.random()
        gender = "Non-binary" if u < 0.02 else ("Female" if u < 0.02 + 0.98 * p.female_share else "Male")
        names = (
            FIRST_NAMES_F
            if gender == "Female"
            else FIRST_NAMES_M
            if gender == "Male"
            else FIRST_NAMES_F + FIRST_NAMES_M
        )
        first = names[int(rng.integers(len(names)))]
        last = LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
        domain = EMAIL_DOMAINS[int(rng.integers(len(EMAIL_DOMAINS)))]
        email = f"{first}.{last}{i + 7:d}@{domain}".lower()
        city = (
            p.cities[int(rng.integers(len(p.cities)))]
            if rng.random() < 0.75
            else CITIES[int(rng.integers(len(CITIES)))]
        )
        if rng.random() < 0.65:
            signup = SIGNUP_FROM + pd.Timedelta(days=int(rng.integers(span_before)))
        else:
            signup = START + pd.Timedelta(days=int(rng.integers(span_during)))
        signup += pd.Timedelta(seconds=int(rng.integers(86400)))
        rows.append((f"C{10001 + i}", f"{first} {last}", email, age, gender, city, signup))
    cols = ["customer_id", "name", "email", "age", "gender", "location", "signup_date"]
    return pd.DataFrame(rows, columns=cols), persona_idx


def _satisfaction(rng: np.random.Generator, p_i: int, catalogue: _Catalogue, j: int, price_sens: float) -> float:
    persona = PERSONAS[p_i]
    aspects = CATEGORIES[catalogue.category_idx[j]].aspects
    w = np.array([2.0 if a.name in persona.cares_about else 1.0 for a in aspects])
    fit = -0.25 * price_sens * TIER_SCORE[catalogue.tier[j]]
    return float(w @ catalogue.aspect_quality[j] / w.sum() + persona.rating_bias + fit + rng.normal(0, 0.55))


def _make_order_lines(
    rng: np.random.Generator, customers: pd.DataFrame, persona_idx: np.ndarray, catalogue: _Catalogue
) -> pd.DataFrame:
    days = pd.date_range(START.normalize(), END.normalize(), freq="D")
    day_weight = np.array([MONTH_FACTOR[m] for m in days.month])
    n_cat = len(CATEGORIES)
    cat_of = catalogue.category_idx
    log_price = np.log(catalogue.table["price"].to_numpy())
    rel_price = log_price - np.array([np.median(log_price[cat_of == cat_of[j]]) for j in range(len(cat_of))])
    base_utility = np.log(catalogue.popularity) + 0.4 * catalogue.quality
    lines = []
    for i, p_i in enumerate(persona_idx):
        p = PERSONAS[p_i]
        pref = np.array([p.category_pref.get(c.name, 0.0) + 0.012 for c in CATEGORIES])
        pref = rng.dirichlet(pref / pref.sum() * 30)
        price_sens = p.price_sensitivity + rng.normal(0, 0.3)
        activity = p.orders_per_month * rng.gamma(4.0, 0.25)
        first_day = max(0, (customers.at[i, "signup_date"].normalize() - START.normalize()).days)
        active = day_weight[first_day:]
        n_orders = max(1, int(rng.poisson(activity * len(active) / 30.4 * 0.72)))
        order_days = np.sort(rng.choice(len(active), size=n_orders, p=active / active.sum())) + first_day
        bought: list[int] = []
        for order_no, d in enumerate(order_days):
            day = days[d]
            hour = (rng.normal(p.hour_mean, 2.5)) % 24
            ts = day + pd.Timedelta(seconds=int(hour * 3600 + rng.integers(60)))
            season = np.array([1.6 if day.month in c.peak_months else 1.0 for c in CATEGORIES])
            cat_p = pref * season / (pref * season).sum()
            in_order: set[int] = set()
            for _ in range(1 + int(rng.poisson(p.basket_size - 1))):
                c = int(rng.choice(n_cat, p=cat_p))
                earlier = [j for j in bought if cat_of[j] == c]
                if earlier and rng.random() < 0.12:
                    j = earlier[int(rng.integers(len(earlier)))]
                else:
                    members = np.flatnonzero(cat_of == c)
                    utility = base_utility[members] - price_sens * rel_price[members] + rng.gumbel(size=len(members))
                    j = int(members[np.argmax(utility)])
                if j in in_order:
                    continue
                in_order.add(j)
                bought.append(j)
                qty = int(rng.choice([1, 2, 3], p=[0.85, 0.11, 0.04]))
                sale = 0.85 if (day.month == 11 and day.day >= 20 and rng.random() < 0.5) else 1.0
                unit_price = round(float(catalogue.table.at[j, "price"]) * sale, 2)
                lines.append((i, order_no, ts, j, qty, unit_price, _satisfaction(rng, p_i, catalogue, j, price_sens)))
    frame = pd.DataFrame(
        lines, columns=["cust", "order_no", "timestamp", "prod", "quantity", "unit_price", "satisfaction"]
    )
    frame["customer_id"] = customers["customer_id"].to_numpy()[frame["cust"]]
    frame["product_id"] = catalogue.table["product_id"].to_numpy()[frame["prod"]]
    frame = frame.sort_values(["timestamp", "customer_id", "order_no"], kind="stable").reset_index(drop=True)
    order_key = frame["customer_id"] + "#" + frame["order_no"].astype(str)
    order_rank = pd.Series(pd.factorize(order_key)[0], index=frame.index)
    frame["order_id"] = "SO-" + (100001 + order_rank).astype(str)
    return frame


def _with_returns(rng: np.random.Generator, lines: pd.DataFrame) -> pd.DataFrame:
    """Order lines plus the returns that unhappy customers send back (negative quantities)."""
    purchases = lines.assign(rating=np.nan, event_type="purchase")
    p_return = np.where(lines["satisfaction"] < -0.75, 0.22, 0.012)
    returned = lines[rng.random(len(lines)) < p_return].copy()
    returned["timestamp"] = returned["timestamp"] + pd.to_timedelta(rng.integers(3, 21, len(returned)), "D")
    returned = returned[returned["timestamp"] <= END]
    returned = returned.assign(
        order_id="R" + returned["order_id"].str[3:], quantity=-returned["quantity"], rating=np.nan, event_type="return"
    )
    cols = ["order_id", "customer_id", "product_id", "timestamp", "quantity", "unit_price", "rating", "event_type"]
    both = pd.concat([purchases[cols], returned[cols]], ignore_index=True)
    return both.sort_values(["timestamp", "order_id", "product_id"], kind="stable").reset_index(drop=True)


def _make_reviews(
    rng: np.random.Generator,
    lines: pd.DataFrame,
    customers: pd.DataFrame,
    persona_idx: np.ndarray,
    catalogue: _Catalogue,
    n_reviews: int,
) -> pd.DataFrame:
    firsts = lines.drop_duplicates(["customer_id", "product_id"]).reset_index(drop=True)
    written = firsts["timestamp"] + pd.to_timedelta(rng.integers(24 * 60, 30 * 24 * 60, len(firsts)), "min")
    rate = np.array([PERSONAS[p].review_rate for p in persona_idx])[firsts["cust"]]
    weight = rate * (1.0 + 1.2 * np.abs(firsts["satisfaction"].to_numpy())) * (written <= END).to_numpy()
    n = min(n_reviews, len(firsts))
    pick = np.sort(rng.choice(len(firsts), size=n, replace=False, p=weight / weight.sum()))
    rows = []
    for r, k in enumerate(pick):
        line = firsts.iloc[k]
        j, p_i = int(line["prod"]), int(persona_idx[int(line["cust"])])
        stars = 1 + int(np.searchsorted(STAR_CUTS, line["satisfaction"]))
        cat = CATEGORIES[catalogue.category_idx[j]]
        draft = write_review(
            rng,
            PERSONAS[p_i],
            catalogue.kind[j],
            str(catalogue.table.at[j, "brand"]),
            cat.aspects,
            catalogue.aspect_quality[j],
            stars,
            catalogue.tier[j],
        )
        rows.append(
            (
                f"R{200001 + r}",
                line["customer_id"],
                line["product_id"],
                float(stars),
                draft.title,
                draft.text,
                written[k],
            )
        )
    cols = ["review_id", "customer_id", "product_id", "rating", "title", "text", "timestamp"]
    return pd.DataFrame(rows, columns=cols)
