"""The campaign simulator: who to contact with which offer, and what it is likely to bring.

An audience (personas, RFM segments, category affinity, review tone, demographics) meets an
offer (a category or a product, an optional discount, a cost per contact). Predicted responders
are the sum of the audience's propensities to buy the offer in the coming period. The interval
adds two uncertainties: chance (each customer buys or not) and the model's own error on groups of
that kind, measured on the held-out period.

How contacts respond, stated with every result: when past campaigns with a control group were
uploaded, as they did (`core.whatif.calibration`: the share of customers who buy because of the
message, by discount and persona, fitted with its uncertainty); otherwise by a stated default: the
model learned from organic purchases, so without a discount responders are those likely to buy
anyway, and a discount raises each customer's odds of buying by `discount_lift` per 10% off. Margin
is `margin` of the list price, less the discount.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from core.errors import PersonaLensError
from core.frames import isin
from core.recs.service import RecsBundle
from core.whatif.calibration import MAX_BASE
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
    discount_lift: float = 0.25  # the default assumption: odds of buying multiply by (1 + lift) per 10% off
    use_history: bool = True  # respond as past campaigns did, when a response model was fitted on them

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
    from_message: float  # responders the message adds over those who would buy anyway
    value_per_responder: float
    response_rate: float
    horizon_days: int
    response_model: str
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
    routes = bundle.history.routes("product", offer.target)
    if not routes:
        raise PersonaLensError(f"product {offer.target} is not in the catalogue or purchase history")
    # a product in several categories: the most likely route to it
    p = np.max([bundle.propensity(unit) * share for unit, share in routes], axis=0)
    rows = bundle.history.product_units
    rows = rows[rows["product_id"].astype(str) == str(offer.target)]
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
    """The scenario's predicted outcome. With a response model fitted on past campaigns (and
    `offer.use_history`) contacts respond as those campaigns did; else by the stated default assumption."""
    if not 0 <= offer.discount < 0.9:
        raise PersonaLensError("the discount is a share of the price between 0 and 0.9 (e.g. 0.1 for 10% off)")
    if offer.cost_per_contact < 0:
        raise PersonaLensError("the cost per contact cannot be negative")
    organic, value = offer_propensity(bundle, offer)
    fitted = bundle.learned.calibration if offer.use_history else None
    personas = bundle.customers["persona_id"].to_numpy()
    if fitted is not None:
        everyone = np.ones(len(organic), dtype=bool)
        boosted = fitted.predict(organic, everyone, np.full(len(organic), offer.discount), personas)
        anyway = np.minimum(fitted.scale * organic, MAX_BASE)
        plain = fitted.predict(organic, everyone, np.zeros(len(organic)), personas)
    else:
        boosted, anyway = with_discount(organic, offer.discount, offer.discount_lift), organic
        plain = organic
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
    if fitted is not None:
        n = len(chosen)
        _, chance, params = fitted.responders(
            organic[chosen], np.ones(n, bool), np.full(n, offer.discount), personas[chosen]
        )
        sd, z = fitted.sd(responders, chance, params, error), fitted.quantile
    else:
        sd, z = float(np.sqrt((p * (1 - p)).sum() + (error * responders) ** 2)), Z95
    low, high = max(responders - z * sd, 0.0), responders + z * sd
    price_paid = value * (1 - offer.discount)
    cost = offer.cost_per_contact * reach
    random_responders = reach * float(boosted.mean()) if len(boosted) else 0.0
    table = (
        bundle.customers[["customer_id", "persona_name", "segment", "tone"]]
        .iloc[chosen]
        .assign(propensity=np.round(p, 4), expected_value=np.round(expected_value[chosen], 2))
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
        from_discount=round(float((p - plain[chosen]).sum()), 1),
        from_message=round(float((p - anyway[chosen]).sum()), 1),
        value_per_responder=round(value, 2),
        response_rate=round(responders / reach, 4) if reach else 0.0,
        horizon_days=bundle.horizon_days,
        response_model=response_model(bundle, offer),
        assumptions=assumptions(bundle, offer, value),
        customers=table.sort_values("expected_value", ascending=False, kind="stable").reset_index(drop=True),
    )


def response_model(bundle: PropensityBundle, offer: Offer) -> str:
    """Which response model a scenario uses, in one line for the page."""
    fitted = bundle.learned.calibration
    if fitted is not None and offer.use_history:
        return "Fitted on your past campaigns: " + fitted.describe() + "."
    if fitted is not None:
        return (
            f"Your own assumption (+{offer.discount_lift:.0%} odds per 10% off), not the one fitted on past campaigns."
        )
    return f"Assumed: +{offer.discount_lift:.0%} odds per 10% off ({bundle.learned.reason or 'no past campaigns'})."


def assumptions(bundle: PropensityBundle, offer: Offer, value: float) -> list[str]:
    fitted = bundle.learned.calibration if offer.use_history else None
    out = [
        f"Responders are customers predicted to buy the {offer.kind} in the next {bundle.horizon_days} days"
        + (
            ", as contacted customers of your past campaigns did."
            if fitted is not None
            else "; the model learned from past purchases, not from past campaigns."
        ),
        f"One response is worth {value:,.2f} at list price: "
        + (
            "what a buyer of this category spent in it per period over the last year."
            if offer.kind == "category" or bundle.level == "product"
            else "the product's price."
        ),
        f"Margin is {offer.margin:.0%} of the list price, less the discount; each contact costs "
        f"{offer.cost_per_contact:,.2f}.",
    ]
    if fitted is not None:
        q, low, high = fitted.incremental_share(offer.discount)
        terms = f"{offer.discount:.0%} off" if offer.discount else "no discount"
        out.append(
            f"Of contacted customers who would not have bought anyway, {q:.1%} (95% interval {low:.1%} to "
            f"{high:.1%}) buy because of a message with {terms}, as measured on {fitted.campaigns} past "
            f"campaign(s); each persona's answer to a discount is fitted too."
        )
    elif offer.discount:
        out.append(
            f"A {offer.discount:.0%} discount multiplies each customer's odds of buying by "
            f"{(1 + offer.discount_lift) ** (offer.discount / 0.1):.2f} (assumed: +{offer.discount_lift:.0%} odds "
            "per 10% off)."
        )
    out.append(
        "The 95% interval adds chance to the model's error on groups like this one, measured on the held-out "
        f"period ({bundle.quality.segment_error:.0%} of the prediction)"
        + (", and the uncertainty of the fitted campaign response." if fitted is not None else ".")
    )
    return out


def audience_export(
    result: CampaignResult, titles: pd.Series | None = None, recs: RecsBundle | None = None
) -> pd.DataFrame:
    """The ranked audience, with a `recommended_products` column when `titles` (from `RecsBundle.top_titles`)
    are given; customers missing from them (new since the recommender was trained) get theirs from `recs`."""
    out = result.customers.copy()
    if titles is None or out.empty:
        return out
    missing = out.loc[~isin(out["customer_id"], titles.index), "customer_id"]
    if recs is not None and len(missing):
        titles = pd.concat([titles, recs.top_titles(missing.tolist())])
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
        "Responders from the message": [f"{r.from_message:,.1f}" for r in results],
        "Revenue": [f"{r.expected_revenue:,.0f}" for r in results],
        "Margin after contact costs": [f"{r.expected_margin:,.0f}" for r in results],
        "Margin 95% interval": [f"{r.margin_interval[0]:,.0f} – {r.margin_interval[1]:,.0f}" for r in results],
    }
    table = pd.DataFrame(rows, index=[r.name for r in results]).T
    return table.rename_axis("Measure").reset_index()
