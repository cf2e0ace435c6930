"""The campaign simulator: who to contact with which offer, and what it is likely to bring.

An audience (personas, RFM segments, category affinity, review tone, demographics) meets an
offer (a category or a product, an optional discount, a cost per contact). Predicted responders
are the sum of the audience's propensities to buy the offer in the coming period. The interval
adds two uncertainties: chance (each customer buys or not) and the model's own error on groups of
that kind, measured on the held-out period.

Assumptions, stated with every result: the model learned from organic purchases, so without a
discount responders are those likely to buy anyway; a discount raises each customer's odds of
buying by `discount_lift` per 10% off (a marketer's assumption, not measured: the data holds no
past campaigns); margin is `margin` of the list price, less the discount.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from core.errors import PersonaLensError
from core.recs.service import RecsBundle
from core.whatif.service import PropensityBundle

Z95 = 1.959964


@dataclass(frozen=True)
class Audience:
    """Who is contacted: every filter that is set must hold (empty filters select everyone)."""

    personas: tuple[int, ...] = ()
    segments: tuple[str, ...] = ()
    affinity_category: str | None = None  # customers with at least `min_affinity` of purchases here
    min_affinity: float = 0.0
    tones: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    genders: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    top_n: int | None = None  # keep only the n customers with the highest expected value


@dataclass(frozen=True)
class Offer:
    """What is offered and on which terms."""

    kind: str  # "category" or "product"
    target: str
    discount: float = 0.0  # share off the price, 0-0.9
    cost_per_contact: float = 0.0
    margin: float = 0.4  # gross margin as a share of the list price
    discount_lift: float = 0.25  # odds of buying multiply by (1 + lift) per 10% off

    def describe(self) -> str:
        terms = f", {self.discount:.0%} off" if self.discount else ""
        return f"{self.kind} {self.target}{terms}"


@dataclass
class CampaignResult:
    """The predicted outcome of one scenario. Intervals are 95%.

    customers: customer_id, persona_name, segment, tone, propensity, expected_value; highest
    expected value first.
    """

    name: str
    offer: str
    reach: int
    expected_responders: float
    interval: tuple[float, float]
    expected_revenue: float
    revenue_interval: tuple[float, float]
    expected_margin: float
    margin_interval: tuple[float, float]
    random_responders: float
    uplift: float  # responders over a random audience of the same size, minus 1
    from_discount: float  # responders the discount adds
    value_per_responder: float
    response_rate: float
    horizon_days: int
    assumptions: list[str]
    customers: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "customers"}
        out["interval"] = list(self.interval)
        out["revenue_interval"] = list(self.revenue_interval)
        out["margin_interval"] = list(self.margin_interval)
        return out


def audience_mask(bundle: PropensityBundle, audience: Audience) -> np.ndarray:
    people = bundle.customers
    mask = np.ones(len(people), dtype=bool)
    if audience.personas:
        mask &= people["persona_id"].isin(audience.personas).to_numpy()
    if audience.segments:
        mask &= people["segment"].isin(audience.segments).to_numpy()
    if audience.tones:
        mask &= people["tone"].isin(audience.tones).to_numpy()
    if audience.affinity_category:
        mask &= bundle.unit_shares(bundle.unit_index(audience.affinity_category)) >= max(audience.min_affinity, 1e-9)
    age = pd.to_numeric(people["age"], errors="coerce")
    if audience.age_min is not None:
        mask &= (age >= audience.age_min).fillna(False).to_numpy(dtype=bool)
    if audience.age_max is not None:
        mask &= (age <= audience.age_max).fillna(False).to_numpy(dtype=bool)
    if audience.genders:
        mask &= people["gender"].isin(audience.genders).fillna(False).to_numpy(dtype=bool)
    if audience.locations:
        mask &= people["location"].isin(audience.locations).fillna(False).to_numpy(dtype=bool)
    return mask


def offer_propensity(bundle: PropensityBundle, offer: Offer) -> tuple[np.ndarray, float]:
    """Each customer's probability of buying the offer next period (before any discount), and the
    list value of one response."""
    if offer.kind == "category":
        if bundle.level != "category":
            raise PersonaLensError("your catalogue has no categories: make the offer for a product instead")
        unit = bundle.unit_index(offer.target)
        return bundle.propensity(unit), bundle.spend_per_buyer(unit)
    if offer.kind != "product":
        raise PersonaLensError(f"an offer is for a category or a product, not {offer.kind!r}")
    rows = bundle.history.product_units
    rows = rows[rows["product_id"].astype(str) == str(offer.target)]
    if rows.empty:
        raise PersonaLensError(f"product {offer.target} is not in the catalogue or purchase history")
    # a product in several categories: the most likely route to it
    p = np.max([bundle.propensity(int(r.unit)) * float(r.share) for r in rows.itertuples()], axis=0)
    price = pd.to_numeric(rows["price"], errors="coerce").dropna()
    if bundle.level == "product":
        value = bundle.spend_per_buyer(int(rows["unit"].iloc[0]))
    else:
        value = float(price.iloc[0]) if not price.empty else 0.0
    return p, value


def with_discount(p: np.ndarray, discount: float, lift: float) -> np.ndarray:
    """Propensities after a discount: odds multiplied by (1 + lift) per 10% off."""
    if discount <= 0:
        return p
    odds = p / np.maximum(1 - p, 1e-9) * (1 + lift) ** (discount / 0.1)
    return odds / (1 + odds)


def simulate(bundle: PropensityBundle, audience: Audience, offer: Offer, name: str = "Scenario") -> CampaignResult:
    if not 0 <= offer.discount < 0.9:
        raise PersonaLensError("the discount is a share of the price between 0 and 0.9 (e.g. 0.1 for 10% off)")
    if offer.cost_per_contact < 0:
        raise PersonaLensError("the cost per contact cannot be negative")
    organic, value = offer_propensity(bundle, offer)
    boosted = with_discount(organic, offer.discount, offer.discount_lift)
    unit_margin = value * (offer.margin - offer.discount)
    expected_value = boosted * unit_margin - offer.cost_per_contact
    mask = audience_mask(bundle, audience)
    chosen = np.flatnonzero(mask)
    if audience.top_n is not None:
        chosen = chosen[np.argsort(-expected_value[chosen], kind="stable")[: audience.top_n]]
    p = boosted[chosen]
    reach = int(len(chosen))
    responders = float(p.sum())
    error = bundle.quality.segment_error
    sd = float(np.sqrt((p * (1 - p)).sum() + (error * responders) ** 2))
    low, high = max(responders - Z95 * sd, 0.0), responders + Z95 * sd
    price_paid = value * (1 - offer.discount)
    cost = offer.cost_per_contact * reach
    random_responders = reach * float(boosted.mean()) if len(boosted) else 0.0
    table = bundle.customers.iloc[chosen][["customer_id", "persona_name", "segment", "tone"]].assign(
        propensity=np.round(p, 4), expected_value=np.round(expected_value[chosen], 2)
    )
    return CampaignResult(
        name=name,
        offer=offer.describe(),
        reach=reach,
        expected_responders=round(responders, 1),
        interval=(round(low, 1), round(high, 1)),
        expected_revenue=round(responders * price_paid, 2),
        revenue_interval=(round(low * price_paid, 2), round(high * price_paid, 2)),
        expected_margin=round(responders * unit_margin - cost, 2),
        margin_interval=(round(low * unit_margin - cost, 2), round(high * unit_margin - cost, 2)),
        random_responders=round(random_responders, 1),
        uplift=round(responders / random_responders - 1, 3) if random_responders > 0 else 0.0,
        from_discount=round(float((boosted[chosen] - organic[chosen]).sum()), 1),
        value_per_responder=round(value, 2),
        response_rate=round(responders / reach, 4) if reach else 0.0,
        horizon_days=bundle.horizon_days,
        assumptions=assumptions(bundle, offer, value),
        customers=table.sort_values("expected_value", ascending=False, kind="stable").reset_index(drop=True),
    )


def assumptions(bundle: PropensityBundle, offer: Offer, value: float) -> list[str]:
    out = [
        f"Responders are customers predicted to buy the {offer.kind} in the next {bundle.horizon_days} days; the "
        "model learned from past purchases, not from past campaigns.",
        f"One response is worth {value:,.2f} at list price: "
        + (
            "what a buyer of this category spent in it per period over the last year."
            if offer.kind == "category" or bundle.level == "product"
            else "the product's price."
        ),
        f"Margin is {offer.margin:.0%} of the list price, less the discount; each contact costs "
        f"{offer.cost_per_contact:,.2f}.",
    ]
    if offer.discount:
        out.append(
            f"A {offer.discount:.0%} discount multiplies each customer's odds of buying by "
            f"{(1 + offer.discount_lift) ** (offer.discount / 0.1):.2f} (assumed: +{offer.discount_lift:.0%} odds "
            "per 10% off)."
        )
    out.append(
        "The 95% interval adds chance to the model's error on groups like this one, measured on the held-out "
        f"period ({bundle.quality.segment_error:.0%} of the prediction)."
    )
    return out


def recommended_titles(recs: RecsBundle, customer_ids: Iterable[str] | None = None, k: int = 3) -> pd.Series:
    """customer_id -> their top `k` recommended product titles, "; "-joined (everyone by default).

    The slow part of an audience export and independent of the scenario, so a UI builds it once per
    recommender version and every audience after that is a lookup.
    """
    listed = recs.recommend_many(customer_ids, k=k, explain=False)
    titles = recs.product_titles()
    listed["label"] = listed["product_id"].map(lambda p: titles.get(p) or p)
    return (
        listed.sort_values(["customer_id", "rank"])
        .groupby("customer_id")["label"]
        .agg(lambda s: "; ".join(str(v) for v in s))
        .rename("recommended_products")
    )


def audience_export(
    result: CampaignResult, titles: pd.Series | None = None, recs: RecsBundle | None = None
) -> pd.DataFrame:
    """The ranked audience, with a `recommended_products` column when `titles` (from `recommended_titles`)
    are given; customers missing from them (new since the recommender was trained) get theirs from `recs`."""
    out = result.customers.copy()
    if titles is None or out.empty:
        return out
    missing = out.loc[~out["customer_id"].isin(titles.index), "customer_id"]
    if recs is not None and len(missing):
        titles = pd.concat([titles, recommended_titles(recs, missing.tolist())])
    return out.merge(titles.rename("recommended_products"), left_on="customer_id", right_index=True, how="left")


def comparison_table(results: list[CampaignResult]) -> pd.DataFrame:
    """Scenarios side by side: a `Measure` column, then one column of formatted values per scenario."""
    rows = {
        "Offer": [r.offer for r in results],
        "Reach": [f"{r.reach:,}" for r in results],
        "Predicted responders": [f"{r.expected_responders:,.1f}" for r in results],
        "95% interval": [f"{r.interval[0]:,.0f} – {r.interval[1]:,.0f}" for r in results],
        "Response rate": [f"{r.response_rate:.1%}" for r in results],
        "Uplift vs random audience": [f"{r.uplift:+.0%}" for r in results],
        "Responders from the discount": [f"{r.from_discount:,.1f}" for r in results],
        "Revenue": [f"{r.expected_revenue:,.0f}" for r in results],
        "Margin after contact costs": [f"{r.expected_margin:,.0f}" for r in results],
        "Margin 95% interval": [f"{r.margin_interval[0]:,.0f} – {r.margin_interval[1]:,.0f}" for r in results],
    }
    table = pd.DataFrame(rows, index=[r.name for r in results]).T
    return table.rename_axis("Measure").reset_index()
