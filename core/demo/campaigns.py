"""Past campaigns of the demo store, with a known true effect per persona.

Each campaign offers one category at a discount to a random sample of customers who had bought
before, keeps a control group and splits the rest into variants A and B. A customer converts when
they bought in the category in the `HORIZON_DAYS` after the send anyway (the simulated orders), or,
if contacted and they would not have, with the campaign's incremental chance

    q = sigmoid(BASE_LOGIT + slope(persona) * discount / 0.1 + variant bonus),

where price-sensitive personas answer a discount more (`slope`). The incremental conversions are
those the e-mail tool attributes to the campaign; they are not added to the orders, so every other
table of the demo stays exactly as it was. The truth (q per customer) is returned beside the results
so benchmarks and tests can check what a model recovers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.demo.catalog import PERSONAS

HORIZON_DAYS = 90  # the propensity model's default period: what 'would have bought anyway' is measured over
BASE_LOGIT = -3.2  # about 4% of those who would not have bought buy because they were contacted
CONTROL_SHARE = 0.2


@dataclass(frozen=True)
class CampaignPlan:
    name: str
    sent: str
    category: str
    discount: float
    audience: int = 600
    b_bonus: float = 0.0  # variant B's extra log-odds of an incremental conversion


PLANS: tuple[CampaignPlan, ...] = (
    CampaignPlan("Spring move", "2025-05-05 09:00", "Sports & Fitness", 0.0),
    CampaignPlan("Garden weekend", "2025-06-16 09:00", "Garden", 0.10),
    CampaignPlan("Back to books", "2025-08-18 09:00", "Books", 0.20),
    CampaignPlan("Tech refresh", "2025-09-22 09:00", "Electronics", 0.10, b_bonus=0.5),
    CampaignPlan("Glow week", "2025-10-27 09:00", "Beauty", 0.30),
    CampaignPlan("Toy countdown", "2025-11-24 09:00", "Toys & Games", 0.20),
    CampaignPlan("New year kitchen", "2026-01-19 09:00", "Home & Kitchen", 0.0),
    CampaignPlan("Wardrobe edit", "2026-03-02 09:00", "Fashion", 0.15, b_bonus=0.5),
)


def slope(persona_key: str) -> float:
    """Log-odds per 10% off of an incremental conversion: price-sensitive personas answer discounts more."""
    persona = next(p for p in PERSONAS if p.key == persona_key)
    return 0.35 + 0.15 * persona.price_sensitivity


def incremental_chance(persona_key: str, discount: float, bonus: float = 0.0) -> float:
    z = BASE_LOGIT + slope(persona_key) * discount / 0.1 + bonus
    return float(1.0 / (1.0 + np.exp(-z)))


@dataclass(frozen=True)
class SimulatedCampaigns:
    """results: campaign_results rows (canonical columns, offer and discount included).
    truth: campaign, customer_id, persona, treated, organic (bought anyway), incremental_chance."""

    results: pd.DataFrame
    truth: pd.DataFrame


def simulate_campaigns(
    customers: pd.DataFrame,
    interactions: pd.DataFrame,
    products: pd.DataFrame,
    truth: pd.DataFrame,
    seed: int,
    plans: tuple[CampaignPlan, ...] = PLANS,
) -> SimulatedCampaigns:
    """Results of `plans` on the simulated store (`truth`: customer_id, persona as from simulate_store)."""
    rng = np.random.default_rng([seed, 21])
    persona_of = dict(zip(truth["customer_id"], truth["persona"], strict=True))
    category_of = dict(zip(products["product_id"], products["category"], strict=True))
    prices = products.groupby("category")["price"].apply(lambda s: s.to_numpy(dtype=float))
    bought = interactions[interactions["quantity"] > 0].assign(category=lambda f: f["product_id"].map(category_of))
    frames, truths = [], []
    for number, plan in enumerate(plans):
        sent = pd.Timestamp(plan.sent)
        before = bought[bought["timestamp"] < sent]
        eligible = np.sort(before["customer_id"].unique())
        chosen = rng.choice(eligible, size=min(plan.audience, len(eligible)), replace=False)
        window = bought[
            (bought["timestamp"] > sent)
            & (bought["timestamp"] <= sent + pd.Timedelta(days=HORIZON_DAYS))
            & (bought["category"] == plan.category)
        ]
        organic = np.isin(chosen, window["customer_id"].unique())
        u = rng.random(len(chosen))
        group = np.where(u < CONTROL_SHARE, "control", np.where(u < (1 + CONTROL_SHARE) / 2, "A", "B"))
        treated = group != "control"
        keys = [persona_of[c] for c in chosen]
        bonus = np.where(group == "B", plan.b_bonus, 0.0)
        q = np.array([incremental_chance(k, plan.discount, b) for k, b in zip(keys, bonus, strict=True)])
        converted = organic | (treated & (rng.random(len(chosen)) < q))
        delivered = rng.random(len(chosen)) < 0.97
        opened = treated & delivered & (rng.random(len(chosen)) < np.where(converted, 0.6, 0.25))
        clicked = opened & (rng.random(len(chosen)) < np.where(converted, 0.5, 0.1))
        paid = rng.choice(prices[plan.category], size=len(chosen)) * np.where(treated, 1 - plan.discount, 1.0)
        sent_at = sent + pd.to_timedelta(rng.integers(0, 3600, len(chosen)), "s")
        frames.append(
            pd.DataFrame(
                {
                    "campaign": plan.name,
                    "customer_id": chosen,
                    "message_id": np.where(treated, [f"DEMO-{number + 1}-{g}" for g in group], None),
                    "ab_group": group,
                    "sent_at": sent_at,
                    "delivered": np.where(treated, delivered, False),
                    "opened": opened,
                    "clicked": clicked,
                    "converted": converted,
                    "revenue": np.where(converted, np.round(paid, 2), 0.0),
                    "offer": plan.category,
                    "discount": plan.discount,
                }
            )
        )
        truths.append(
            pd.DataFrame(
                {
                    "campaign": plan.name,
                    "customer_id": chosen,
                    "persona": keys,
                    "treated": treated,
                    "organic": organic,
                    "incremental_chance": np.where(treated, q, 0.0),
                }
            )
        )
    results = pd.concat(frames, ignore_index=True)
    results["message_id"] = results["message_id"].astype("string")
    return SimulatedCampaigns(results, pd.concat(truths, ignore_index=True))
