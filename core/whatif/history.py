"""Purchase history as the propensity model sees it: who bought which unit (category or product) when.

A "unit" is what an offer targets. When the catalogue has categories, units are categories (a
product listed under "A|B" counts for both); otherwise units are products, the most bought
MAX_PRODUCT_UNITS of them. Returns, cancellations and lines without a time are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import PersonaLensError
from core.workspace import Workspace

MAX_PRODUCT_UNITS = 2000
MIN_CATEGORY_COVERAGE = 0.5  # share of purchase lines whose product has a category
MAX_CATEGORIES = 100
STORED = "history"  # the folder a training run stores the history it read in, for pages to load instead
_LINE_COLUMNS = ("customer", "unit", "ts", "order", "spend")


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


CATEGORISED = "trim(coalesce(category, '')) <> ''"
CATEGORY_LINES = f"""
    SELECT customer_id, order_key, ts, product_id, spend / len(string_split(category, '|')) AS spend,
           trim(unnest(string_split(category, '|'))) AS unit_name
    FROM purchases WHERE {CATEGORISED}"""  # a line listed under "A|B" counts half for each
PRODUCT_LINES = f"""
    SELECT customer_id, order_key, ts, product_id, spend, product_id AS unit_name FROM purchases
    WHERE product_id IN (SELECT product_id FROM purchases GROUP BY 1
                         ORDER BY count(DISTINCT customer_id) DESC, product_id LIMIT {MAX_PRODUCT_UNITS})"""
CODED_LINES = """
    SELECT dense_rank() OVER (ORDER BY customer_id) - 1 AS customer, dense_rank() OVER (ORDER BY unit_name) - 1 AS unit,
           ts, dense_rank() OVER (ORDER BY order_key) - 1 AS "order", spend
    FROM lines ORDER BY ts, customer, unit, "order", spend
"""  # ids sorted, so codes index `customers` and `units`; every column in the order: the same lines, same order


def load_history(ws: Workspace) -> PurchaseHistory:
    """Read purchases from the workspace; raises a clear error when there is nothing to learn from.

    The splitting, filtering and integer coding run in DuckDB: at 2M lines pandas string work took
    most of a What-if page's first visit.
    """
    with ws.connect() as con:

        def run(sql: str) -> pd.DataFrame:
            return con.execute(f"WITH purchases AS ({PURCHASES}) {sql}").df()

        shape = run(f"""{_lines(CATEGORY_LINES)}
            SELECT count(*) AS n, count(*) FILTER (WHERE {CATEGORISED}) AS categorised,
                   (SELECT count(DISTINCT unit_name) FROM lines) AS categories
            FROM purchases""").iloc[0]
        if int(shape["n"]) == 0:
            raise PersonaLensError(
                "what-if needs dated purchases (orders or ratings with a timestamp): upload an order export first"
            )
        by_category = (
            shape["categorised"] / shape["n"] >= MIN_CATEGORY_COVERAGE and 2 <= shape["categories"] <= MAX_CATEGORIES
        )
        level, long = ("category", CATEGORY_LINES) if by_category else ("product", PRODUCT_LINES)
        lines = run(_lines(long) + CODED_LINES)
        customers = _ids(run(_lines(long) + "SELECT DISTINCT customer_id AS id FROM lines ORDER BY 1"))
        units = _ids(run(_lines(long) + "SELECT DISTINCT unit_name AS id FROM lines ORDER BY 1"))
        seen = run("""
            SELECT product_id, median(spend) AS price_paid, count(*) AS lines,
                   count(*) FILTER (WHERE ts > (SELECT max(ts) FROM purchases) - INTERVAL 180 DAY) AS recent_lines
            FROM purchases GROUP BY 1""")
    lines = pd.DataFrame(
        {
            "customer": lines["customer"].to_numpy(dtype=np.int32),
            "unit": lines["unit"].to_numpy(dtype=np.int32),
            "ts": pd.to_datetime(lines["ts"]).to_numpy(),
            "order": lines["order"].to_numpy(dtype=np.int64),
            "spend": lines["spend"].to_numpy(dtype=float),
        }
    )
    return PurchaseHistory(
        lines,
        customers,
        units,
        level,
        _product_units(ws, seen, units, level),
        _people(ws, customers),
        _responses(ws, customers),
    )


def _lines(long: str) -> str:
    """The `lines` table of a query on `purchases`: CATEGORY_LINES or PRODUCT_LINES, empty names left out."""
    return f", lines AS (SELECT * FROM ({long}) WHERE unit_name <> '') "


def _ids(frame: pd.DataFrame) -> np.ndarray:
    return frame["id"].to_numpy(dtype=object).astype(str)


def _product_units(ws: Workspace, seen: pd.DataFrame, units: np.ndarray, level: str) -> pd.DataFrame:
    """product_id, unit, share, price for every product an offer could name.

    `seen`: product_id, price_paid (median line spend), lines, recent_lines (lines in the last 180 days).
    """
    index = {u: i for i, u in enumerate(units.tolist())}
    catalogue = ws.query("SELECT DISTINCT ON (product_id) product_id, title, category, price FROM products")
    products = seen.merge(catalogue, on="product_id", how="outer")
    products["price"] = pd.to_numeric(products["price"], errors="coerce").fillna(products["price_paid"])
    products["recent"] = products["recent_lines"].fillna(0.0).astype(float) + 0.5  # no zero shares
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


def store_history(history: PurchaseHistory, folder: Path, data_version: int) -> None:
    """Save the history under `folder`/STORED, stamped with the data version it was read from: at 2M lines
    reading it back takes a fraction of a second, building it from the workspace seconds."""
    target = folder / STORED
    target.mkdir()
    lines = {name: history.lines[name].to_numpy() for name in _LINE_COLUMNS}  # numeric: saved as they are
    np.savez(target / "lines.npz", **lines)
    pd.DataFrame({"id": history.customers}).to_parquet(target / "customers.parquet")
    history.product_units.to_parquet(target / "product_units.parquet")
    history.people.to_parquet(target / "people.parquet")
    history.responses.to_parquet(target / "responses.parquet")
    meta = {"data_version": data_version, "level": history.level, "units": history.units.tolist()}
    (target / "meta.json").write_text(json.dumps(meta))


def stored_history(folder: Path, data_version: int) -> PurchaseHistory | None:
    """The history `store_history` saved, when it was read from data version `data_version`; else None."""
    target = folder / STORED
    meta_file = target / "meta.json"
    if not meta_file.is_file():
        return None
    meta = json.loads(meta_file.read_text())
    if meta["data_version"] != data_version:
        return None
    with np.load(target / "lines.npz") as arrays:
        # copy=False: the loaded arrays are this frame's own; stacking them into one block copied 62 MB
        # at 50x (0.5 s of What-if's first visit)
        lines = pd.DataFrame({name: arrays[name] for name in _LINE_COLUMNS}, copy=False)
    return PurchaseHistory(
        lines,
        _ids(pd.read_parquet(target / "customers.parquet")),
        np.array(meta["units"], dtype=object).astype(str),
        meta["level"],
        pd.read_parquet(target / "product_units.parquet"),
        pd.read_parquet(target / "people.parquet"),
        pd.read_parquet(target / "responses.parquet"),
    )
