"""Frames the Personas page draws: the customer map, trait comparison, RFM by persona, one customer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from core.personas.profile import CustomerProfiles
from core.personas.rfm import rfm_scores
from core.personas.segment import PersonaModel
from core.text.vader import vader_compound
from core.workspace import Workspace

TRAITS = {
    "age": "Age",
    "orders": "Orders",
    "monetary": "Spend",
    "avg_order_value": "Order value",
    "recency_days": "Days since last order",
    "price_index": "Price paid vs typical",
    "basket_size": "Items per order",
    "return_share": "Returns",
    "review_count": "Reviews written",
    "avg_rating": "Average rating",
}
MAP_POINTS = 5000


def customer_map(
    model: PersonaModel, profiles: CustomerProfiles, assigned: pd.DataFrame, seed: int = 42
) -> pd.DataFrame:
    """2-D PCA of the persona feature space. Columns: customer_id, x, y, persona_name, top_category, age, orders."""
    coords = PCA(n_components=2, random_state=seed).fit_transform(model.transform(profiles))
    frame = pd.DataFrame({"customer_id": profiles.customer_ids, "x": coords[:, 0], "y": coords[:, 1]})
    frame = frame.merge(assigned, on="customer_id").join(
        profiles.table[["top_category", "age", "orders"]], on="customer_id"
    )
    return frame.sample(min(MAP_POINTS, len(frame)), random_state=seed).sort_values("persona_id")


def trait_comparison(profiles: CustomerProfiles, assigned: pd.DataFrame) -> pd.DataFrame:
    """Persona x trait: standardised mean (0 = the average customer). Index: persona_name."""
    table = profiles.table[[c for c in TRAITS if c in profiles.table]].apply(pd.to_numeric, errors="coerce")
    mix = profiles.groups.get("categories", pd.DataFrame(index=table.index)).add_prefix("Buys ")
    table = table.rename(columns=TRAITS).join(mix)
    table = table.loc[:, table.notna().mean() > 0.5]
    z = (table - table.mean()) / table.std().replace(0, np.nan)
    z = z.join(assigned.set_index("customer_id")["persona_name"], how="inner")
    return z.groupby("persona_name").mean().round(2)


def rfm_by_persona(profiles: CustomerProfiles, assigned: pd.DataFrame) -> pd.DataFrame:
    """Customers per persona and RFM segment. Columns: persona_name, segment, customers."""
    scores = rfm_scores(profiles.table).join(assigned.set_index("customer_id")["persona_name"], how="inner")
    return scores.groupby(["persona_name", "segment"]).size().rename("customers").reset_index()


@dataclass(frozen=True)
class CustomerStory:
    """Everything the customer lookup shows about one customer."""

    customer_id: str
    profile: dict[str, object]
    persona_name: str | None
    rfm_segment: str | None
    purchases: pd.DataFrame  # timestamp, title, category, quantity, unit_price, event_type
    reviews: pd.DataFrame  # timestamp, title, rating, text, sentiment


def customer_story(
    ws: Workspace, profiles: pd.DataFrame, assigned: pd.DataFrame, customer_id: str
) -> CustomerStory | None:
    """The lookup card for `customer_id` (profiles: a profile table), or None when it is unknown."""
    if customer_id not in profiles.index:
        return None
    row = profiles.loc[customer_id]
    persona = assigned.loc[assigned["customer_id"] == customer_id, "persona_name"]
    rfm = rfm_scores(profiles)["segment"]  # quintiles need everyone, not just this customer
    purchases = ws.query(
        """SELECT i.timestamp, coalesce(p.title, i.product_id) AS title, p.category, i.quantity,
                                   i.unit_price, i.event_type
                            FROM interactions i LEFT JOIN products p USING (product_id)
                            WHERE i.customer_id = ? ORDER BY i.timestamp""",
        [customer_id],
    )
    reviews = ws.query(
        "SELECT timestamp, title, rating, text FROM reviews WHERE customer_id = ? ORDER BY timestamp", [customer_id]
    )
    reviews["sentiment"] = vader_compound(reviews["text"].fillna("").tolist()) if len(reviews) else []
    return CustomerStory(
        customer_id=customer_id,
        profile={k: (None if pd.isna(v) else v) for k, v in row.items()},
        persona_name=None if persona.empty else str(persona.iloc[0]),
        rfm_segment=str(rfm.loc[customer_id]) if customer_id in rfm.index else None,
        purchases=purchases,
        reviews=reviews,
    )


def audience(ws: Workspace, assigned: pd.DataFrame, persona_id: int, value: pd.DataFrame | None = None) -> pd.DataFrame:
    """A persona's customers as a campaign audience: customer_id, name, email, location, persona_id,
    persona_name, and with `value` (core.value's forecast) clv and p_alive, most valuable first."""
    members = assigned.loc[assigned["persona_id"] == persona_id, ["customer_id", "persona_id", "persona_name"]]
    out = ws.query_with(  # only the members' rows are read (a store has 100,000 customers, a persona a sixth)
        """SELECT m.customer_id, c.name, c.email, c.location, m.persona_id, m.persona_name
           FROM members m LEFT JOIN customers c USING (customer_id) ORDER BY m.position""",
        {"members": members.assign(position=np.arange(len(members)))},
    )
    if value is None:
        return out
    out = out.merge(value[["customer_id", "clv", "p_alive"]], on="customer_id", how="left")
    return out.sort_values("clv", ascending=False, na_position="last", ignore_index=True)
