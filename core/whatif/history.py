"""Purchase history as the propensity model sees it: who bought which unit (category or product) when.

A "unit" is what an offer targets. When the catalogue has categories, units are categories (a
product listed under "A|B" counts for both); otherwise units are products, the most bought
MAX_PRODUCT_UNITS of them. Returns, cancellations and lines without a time are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import PersonaLensError
from core.workspace import Workspace

MAX_PRODUCT_UNITS = 2000
MIN_CATEGORY_COVERAGE = 0.5  # share of purchase lines whose product has a category
MAX_CATEGORIES = 100


@dataclass
class PurchaseHistory:
    """Purchase lines indexed by integers, plus what an offer needs to know about units.

    lines: customer (int), unit (int), ts (datetime64), order (int), spend (float, split evenly across
    a product's categories). customers / units: ids and names in index order. level: "category" or
    "product". product_units: product_id, unit (int), share (the product's part of its unit's recent
    purchases), price, title, recent (purchase lines in the last 180 days): how a product offer maps
    onto units. people: customer_id, age, gender, location (index order of `customers`, missing
    values where unknown). responses: customer (int), sent (datetime64), converted (bool): every
    message past campaigns sent (control groups left out), so answers feed the next training.
    """

    lines: pd.DataFrame
    customers: np.ndarray
    units: np.ndarray
    level: str
    product_units: pd.DataFrame  # best sellers (last 180 days) first
    people: pd.DataFrame
    responses: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"customer": [], "sent": [], "converted": []}))

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.lines["ts"].min())

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.lines["ts"].max())

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    @property
    def n_units(self) -> int:
        return len(self.units)

    def routes(self, kind: str | None, target: str) -> list[tuple[int, float]]:
        """The units an offer of `target` reaches and the share of each unit's buying it stands for.

        A category is one unit, whole; a product is its share of each of its categories (or its own
        unit when units are products). `kind` None: a category name if there is one, else a product id.
        Empty when the offer is not in the purchase history.
        """
        target = str(target)
        if kind in (None, "category") and self.level == "category":
            found = np.flatnonzero(self.units == target)
            if len(found):
                return [(int(found[0]), 1.0)]
        if kind == "category":
            return []
        rows = self.product_units[self.product_units["product_id"].astype(str) == target]
        return [(int(r.unit), float(r.share)) for r in rows.itertuples()]

    def until(self, cutoff: pd.Timestamp) -> PurchaseHistory:
        """The history as it was known at `cutoff` (later lines dropped, ids unchanged)."""
        return PurchaseHistory(
            self.lines[self.lines["ts"] <= cutoff],
            self.customers,
            self.units,
            self.level,
            self.product_units,
            self.people,
            self.responses[self.responses["sent"] <= cutoff],
        )


PURCHASES = """
    SELECT i.customer_id, i.product_id, i.timestamp AS ts,
           coalesce(i.order_id, CAST(i.timestamp AS VARCHAR)) AS order_key,
           greatest(coalesce(i.quantity, 1), 0) * coalesce(i.unit_price, p.price, 0) AS spend,
           p.category
    FROM interactions i LEFT JOIN (SELECT DISTINCT ON (product_id) * FROM products) p USING (product_id)
    WHERE i.timestamp IS NOT NULL AND coalesce(i.quantity, 1) > 0
      AND coalesce(lower(i.event_type), '') NOT IN ('return', 'cancellation', 'cancel', 'view', 'click')
      AND i.customer_id IS NOT NULL AND i.product_id IS NOT NULL"""  # a purchase: dated, bought, not returned


def load_history(ws: Workspace) -> PurchaseHistory:
    """Read purchases from the workspace; raises a clear error when there is nothing to learn from."""
    raw = ws.query(PURCHASES)
    if raw.empty:
        raise PersonaLensError(
            "what-if needs dated purchases (orders or ratings with a timestamp): upload an order export first"
        )
    has_category = raw["category"].notna() & (raw["category"].astype(str).str.strip() != "")
    categories = raw.loc[has_category, "category"].astype(str).str.split("|").explode().str.strip()
    n_categories = categories[categories != ""].nunique()
    if has_category.mean() >= MIN_CATEGORY_COVERAGE and 2 <= n_categories <= MAX_CATEGORIES:
        level, long = "category", _by_category(raw[has_category])
    else:
        level, long = "product", _by_product(raw)
    customers, customer_codes = np.unique(long["customer_id"].to_numpy(dtype=object).astype(str), return_inverse=True)
    units, unit_codes = np.unique(long["unit_name"].to_numpy(dtype=object).astype(str), return_inverse=True)
    _, order_codes = np.unique(long["order_key"].to_numpy(dtype=object).astype(str), return_inverse=True)
    lines = pd.DataFrame(
        {
            "customer": customer_codes.astype(np.int32),
            "unit": unit_codes.astype(np.int32),
            "ts": pd.to_datetime(long["ts"]).to_numpy(),
            "order": order_codes.astype(np.int64),
            "spend": long["spend"].to_numpy(dtype=float),
        }
    ).sort_values("ts", kind="stable", ignore_index=True)
    return PurchaseHistory(
        lines,
        customers,
        units,
        level,
        _product_units(ws, raw, units, level),
        _people(ws, customers),
        _responses(ws, customers),
    )


def _by_category(raw: pd.DataFrame) -> pd.DataFrame:
    cats = raw["category"].astype(str).str.split("|")
    long = raw.assign(unit_name=cats, n=cats.str.len()).explode("unit_name")
    long["unit_name"] = long["unit_name"].astype(str).str.strip()
    long = long[long["unit_name"] != ""]
    return long.assign(spend=long["spend"] / long["n"])


def _by_product(raw: pd.DataFrame) -> pd.DataFrame:
    buyers = raw.groupby("product_id")["customer_id"].nunique().sort_values(ascending=False, kind="stable")
    keep = set(buyers.index[:MAX_PRODUCT_UNITS].tolist())
    return raw[raw["product_id"].isin(keep)].assign(unit_name=lambda f: f["product_id"].astype(str))


def _product_units(ws: Workspace, raw: pd.DataFrame, units: np.ndarray, level: str) -> pd.DataFrame:
    """product_id, unit, share, price for every product an offer could name."""
    index = {u: i for i, u in enumerate(units.tolist())}
    catalogue = ws.query("SELECT DISTINCT ON (product_id) product_id, title, category, price FROM products")
    seen = raw.groupby("product_id", as_index=False).agg(price_paid=("spend", "median"), lines=("ts", "size"))
    products = seen.merge(catalogue, on="product_id", how="outer")
    products["price"] = pd.to_numeric(products["price"], errors="coerce").fillna(products["price_paid"])
    recent = raw[pd.to_datetime(raw["ts"]) > pd.to_datetime(raw["ts"]).max() - pd.Timedelta(days=180)]
    recent_lines = recent.groupby("product_id").size()
    products["recent"] = products["product_id"].map(recent_lines).fillna(0.0) + 0.5  # no zero shares
    if level == "product":
        products["unit"] = products["product_id"].astype(str).map(index)
        products["share"] = 1.0
    else:
        products["unit_name"] = products["category"].astype("string").str.split("|")
        products = products.explode("unit_name")
        products["unit"] = products["unit_name"].astype("string").str.strip().map(index)
        products = products.dropna(subset=["unit"])
        products["share"] = products["recent"] / products.groupby("unit")["recent"].transform("sum")
    products = products.dropna(subset=["unit"])
    products = products.assign(
        unit=products["unit"].astype(int), title=products["title"].fillna(products["product_id"])
    )
    products = products.sort_values("recent", ascending=False, kind="stable")  # best sellers first
    return products[["product_id", "title", "unit", "share", "price", "recent"]].reset_index(drop=True)


def _responses(ws: Workspace, customers: np.ndarray) -> pd.DataFrame:
    from core.campaigns.readout import TABLE, contacted

    if not ws.has_table(TABLE):
        return PurchaseHistory.__dataclass_fields__["responses"].default_factory()
    found = ws.query(f"""
        SELECT customer_id, sent_at AS sent, converted FROM {TABLE}
        WHERE {contacted()} AND sent_at IS NOT NULL AND converted IS NOT NULL""")
    ids = found["customer_id"].astype(str).to_numpy(dtype=object)
    pos = np.minimum(np.searchsorted(customers, ids), len(customers) - 1)
    known = customers[pos] == ids
    return pd.DataFrame(
        {
            "customer": pos[known].astype(np.int32),
            "sent": pd.to_datetime(found["sent"][known]).to_numpy(),
            "converted": found["converted"][known].to_numpy(dtype=bool),
        }
    )


def _people(ws: Workspace, customers: np.ndarray) -> pd.DataFrame:
    people = ws.query("SELECT DISTINCT ON (customer_id) customer_id, age, gender, location FROM customers")
    people["customer_id"] = people["customer_id"].astype(str)
    frame = pd.DataFrame({"customer_id": customers.tolist()}).merge(people, on="customer_id", how="left")
    return frame.reset_index(drop=True)
