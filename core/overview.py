"""Headline numbers of a workspace: what the Home page and `python -m core info` show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from core.workspace import Workspace


@dataclass(frozen=True)
class WorkspaceSummary:
    """KPIs over the canonical tables. Money is net of returns; None where data is missing."""

    workspace: str
    path: str
    tables: dict[str, int]
    customers: int
    products: int
    orders: int
    order_lines: int
    returns: int
    revenue: float | None
    reviews: int
    average_rating: float | None
    date_start: str | None
    date_end: str | None
    categories: list[dict[str, object]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(self.tables.values())

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def summarize(ws: Workspace) -> WorkspaceSummary:
    """Row counts, distinct customers/products/orders, revenue, ratings and the date range."""
    tables = ws.row_counts()
    with ws.connect() as con:
        customers, products = con.execute("""
            SELECT
              (SELECT count(DISTINCT customer_id) FROM (
                  SELECT customer_id FROM customers UNION ALL SELECT customer_id FROM interactions
                  UNION ALL SELECT customer_id FROM reviews WHERE customer_id IS NOT NULL)),
              (SELECT count(DISTINCT product_id) FROM (
                  SELECT product_id FROM products UNION ALL SELECT product_id FROM interactions
                  UNION ALL SELECT product_id FROM reviews WHERE product_id IS NOT NULL))
        """).fetchall()[0]
        orders, lines, returns, revenue = con.execute("""
            SELECT count(DISTINCT coalesce(order_id, customer_id || '@' || CAST(timestamp AS VARCHAR)))
                     FILTER (WHERE coalesce(quantity, 1) > 0 AND coalesce(event_type, 'purchase') = 'purchase'),
                   count(*) FILTER (WHERE coalesce(quantity, 1) > 0),
                   count(*) FILTER (WHERE quantity < 0 OR event_type = 'return'),
                   sum(quantity * unit_price)
            FROM interactions
        """).fetchall()[0]
        reviews, avg_rating = con.execute("SELECT count(*), avg(rating) FROM reviews").fetchall()[0]
        if not reviews:
            avg_rating = con.execute("SELECT avg(rating) FROM interactions").fetchall()[0][0]
        start, end = con.execute("""
            SELECT min(ts), max(ts) FROM (
              SELECT timestamp AS ts FROM interactions UNION ALL SELECT timestamp FROM reviews)
        """).fetchall()[0]
        categories = con.execute("""
            SELECT category, count(*) AS products FROM (
              SELECT trim(unnest(string_split(category, '|'))) AS category FROM products
              WHERE category IS NOT NULL)
            WHERE category <> '' GROUP BY category ORDER BY products DESC, category
        """).df()
    return WorkspaceSummary(
        workspace=ws.name,
        path=str(ws.path),
        tables=tables,
        customers=int(customers),
        products=int(products),
        orders=int(orders or 0),
        order_lines=int(lines or 0),
        returns=int(returns or 0),
        revenue=None if revenue is None else round(float(revenue), 2),
        reviews=int(reviews),
        average_rating=None if avg_rating is None else round(float(avg_rating), 3),
        date_start=_day(start),
        date_end=_day(end),
        categories=[{"category": r.category, "products": int(r.products)} for r in categories.itertuples()],
    )


def monthly_activity(ws: Workspace) -> pd.DataFrame:
    """One row per calendar month with activity.

    Returns columns: month (timestamp, first day), orders, revenue (net), active_customers, reviews.
    """
    return ws.query("""
        WITH o AS (
          SELECT date_trunc('month', timestamp) AS month,
                 count(DISTINCT coalesce(order_id, customer_id || '@' || CAST(timestamp AS VARCHAR)))
                     FILTER (WHERE coalesce(quantity, 1) > 0) AS orders,
                 coalesce(sum(quantity * unit_price), 0) AS revenue,
                 count(DISTINCT customer_id) AS active_customers
          FROM interactions WHERE timestamp IS NOT NULL GROUP BY 1),
        r AS (SELECT date_trunc('month', timestamp) AS month, count(*) AS reviews
              FROM reviews WHERE timestamp IS NOT NULL GROUP BY 1)
        SELECT CAST(coalesce(o.month, r.month) AS TIMESTAMP) AS month,
               coalesce(o.orders, 0) AS orders, coalesce(o.revenue, 0) AS revenue,
               coalesce(o.active_customers, 0) AS active_customers, coalesce(r.reviews, 0) AS reviews
        FROM o FULL OUTER JOIN r ON o.month = r.month ORDER BY 1
    """)


def category_revenue(ws: Workspace) -> pd.DataFrame:
    """Net revenue and units per product category. Columns: category, revenue, units, customers."""
    return ws.query("""
        SELECT coalesce(p.category, 'Unknown') AS category,
               coalesce(sum(i.quantity * i.unit_price), 0) AS revenue,
               coalesce(sum(i.quantity), 0) AS units,
               count(DISTINCT i.customer_id) AS customers
        FROM interactions i LEFT JOIN products p USING (product_id)
        GROUP BY 1 ORDER BY revenue DESC, units DESC
    """)


def _day(value: object) -> str | None:
    return None if value is None else pd.Timestamp(value).strftime("%Y-%m-%d")
