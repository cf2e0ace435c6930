"""The customer x product matrix every recommender learns from, read from a workspace.

One row per customer-product pair ("pairs"): how often the customer bought or rated it, the
mean rating and the last time. Returns and cancellations are left out: a returned product is not
a signal of interest. The catalogue is every product that appears in the products table or in an
interaction, so products nobody has bought yet can still be recommended by content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.errors import PersonaLensError
from core.workspace import Workspace

MIN_INTERACTIONS = 20


@dataclass
class InteractionData:
    """Interactions as integer-indexed pairs plus the id lookups and item metadata.

    users, items: ids exactly as uploaded, in row / column order.
    pairs: user (int), item (int), n (events), rating (mean, NaN when none), last_ts (timestamp or NaT).
    items_meta: product_id, title, category, price, text (one row per item, in column order).
    """

    users: np.ndarray
    items: np.ndarray
    pairs: pd.DataFrame
    items_meta: pd.DataFrame
    user_index: dict[str, int] = field(init=False, repr=False)
    item_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.user_index = {u: i for i, u in enumerate(self.users.tolist())}
        self.item_index = {p: i for i, p in enumerate(self.items.tolist())}

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def pairs_of(self, user: int) -> pd.DataFrame:
        """One user's pairs (a stored version reads only the part of its file that holds them)."""
        return self.pairs[self.pairs["user"] == user]

    def of_users(self, rows: np.ndarray) -> InteractionData:
        """The same catalogue with only the customers at `rows` (re-indexed in that order) and their pairs."""
        renumber = np.full(self.n_users, -1, dtype=np.int64)
        renumber[rows] = np.arange(len(rows))
        pairs = self.pairs[renumber[self.pairs["user"].to_numpy()] >= 0]
        kept = InteractionData(self.users[rows], self.items, pairs.iloc[:0], self.items_meta)
        kept.pairs = pairs.assign(user=renumber[pairs["user"].to_numpy()]).reset_index(drop=True)
        return kept

    def matrix(self, pairs: pd.DataFrame | None = None, values: str | None = None) -> sp.csr_matrix:
        """users x items; 1.0 per pair, or the given pairs column (e.g. "rating") as the value."""
        chosen = self.pairs if pairs is None else pairs
        data = np.ones(len(chosen), dtype=np.float32) if values is None else chosen[values].to_numpy(np.float32)
        return sp.csr_matrix(
            (data, (chosen["user"].to_numpy(), chosen["item"].to_numpy())),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )


def interaction_data_from_pairs(pairs: pd.DataFrame, items_meta: pd.DataFrame | None = None) -> InteractionData:
    """Index a frame with customer_id, product_id (and optionally n, rating, last_ts)."""
    frame = pairs.copy()
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["product_id"] = frame["product_id"].astype(str)
    for column, default in (("n", 1), ("rating", np.nan), ("last_ts", pd.NaT)):
        if column not in frame:
            frame[column] = default
    users = np.array(sorted(frame["customer_id"].unique()), dtype=object)
    catalogue = set(frame["product_id"])
    if items_meta is not None and not items_meta.empty:
        catalogue |= set(items_meta["product_id"].astype(str))
    items = np.array(sorted(catalogue), dtype=object)
    meta = _complete_meta(items, items_meta)
    data = InteractionData(users, items, frame.iloc[:0], meta)
    frame["user"] = frame["customer_id"].map(data.user_index).astype(np.int64)
    frame["item"] = frame["product_id"].map(data.item_index).astype(np.int64)
    frame = frame.sort_values(["user", "item"], kind="stable")  # one order whatever the database returned
    data.pairs = frame[["user", "item", "n", "rating", "last_ts"]].reset_index(drop=True)
    return data


def load_interactions(ws: Workspace) -> InteractionData:
    """Every customer-product pair with a purchase, rating or click, and the catalogue."""
    pairs = ws.query("""
        SELECT customer_id, product_id, count(*) AS n, avg(rating) AS rating, max(timestamp) AS last_ts
        FROM interactions
        WHERE coalesce(quantity, 1) > 0 AND coalesce(event_type, 'purchase') <> 'return'
          AND customer_id IS NOT NULL AND product_id IS NOT NULL
        GROUP BY customer_id, product_id""")
    if len(pairs) < MIN_INTERACTIONS:
        raise PersonaLensError(
            f"recommendations need at least {MIN_INTERACTIONS} customer-product interactions "
            f"(orders, ratings or clicks); this workspace has {len(pairs)}. Upload an orders or ratings file first."
        )
    return interaction_data_from_pairs(pairs, load_item_meta(ws))


def load_item_meta(ws: Workspace) -> pd.DataFrame:
    """product_id, title, category, price, text: the words that describe each product.

    text joins the title, category, description and the first reviews (capped so one product with
    thousands of reviews does not drown the others).
    """
    return ws.query("""
        WITH review_text AS (
            SELECT product_id, string_agg(coalesce(title, '') || ' ' || coalesce(text, ''), ' ') AS words
            FROM (SELECT *, row_number() OVER (PARTITION BY product_id ORDER BY review_id) AS k FROM reviews)
            WHERE k <= 20 GROUP BY product_id
        )
        , ids AS (SELECT product_id FROM products UNION SELECT product_id FROM review_text)
        SELECT ids.product_id, p.title, p.category, p.price,
               concat_ws(' ', p.title, replace(coalesce(p.category, ''), '|', ' '), p.brand, p.description,
                         r.words) AS text
        FROM ids LEFT JOIN products p USING (product_id) LEFT JOIN review_text r USING (product_id)""")


def _complete_meta(items: np.ndarray, meta: pd.DataFrame | None) -> pd.DataFrame:
    base = pd.DataFrame({"product_id": items.tolist()})
    if meta is None or meta.empty:
        meta = pd.DataFrame(columns=["product_id", "title", "category", "price", "text"])
    meta = meta.assign(product_id=meta["product_id"].astype(str)).drop_duplicates("product_id")
    out = base.merge(meta, on="product_id", how="left")
    out["title"] = out["title"].fillna(out["product_id"]).astype(str)
    out["text"] = out["text"].fillna(out["title"]).astype(str)
    return out[["product_id", "title", "category", "price", "text"]]
