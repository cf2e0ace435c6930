"""The canonical tables of a workspace: the one place that names their columns.

Every reader maps a user's file onto these columns; every model reads them. Column order here
is the order in the database.

customers     one row per customer
  customer_id   text, key          the id exactly as in the uploaded data
  name          text               display name (personal data)
  email         text               e-mail address (personal data, masked in the UI)
  age           integer            years
  gender        text
  occupation    text
  location      text               city, region or country
  signup_date   timestamp          when the customer joined

products      one row per product
  product_id    text, key
  title         text               product name
  description   text
  category      text               a single category or "A|B|C" for several
  brand         text
  price         double             list price in the store's currency

interactions  one row per order line, rating or click
  order_id      text               invoice / order number; order lines share it
  customer_id   text, required
  product_id    text, required
  timestamp     timestamp
  quantity      double             negative for returns and cancellations
  unit_price    double             price paid per unit
  rating        double             explicit rating (e.g. 1-5 stars) when the event is a rating
  event_type    text               purchase, return, rating, view, ...

campaign_results  one row per customer and message of a campaign (created with the first import)
  campaign      text, required     campaign name or id
  customer_id   text, required
  message_id    text               the message sent (PersonaLens's export carries it)
  ab_group      text               A, B, ... or control
  sent_at       timestamp
  delivered, opened, clicked, converted   boolean (unknown when the tool did not export it)
  revenue       double             revenue attributed to the message

reviews       one row per written review
  review_id     text, key
  customer_id   text
  product_id    text
  rating        double             star rating given with the review
  title         text               the review's headline or summary
  text          text               the review body
  timestamp     timestamp
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, DuckDB type and whether a row needs it."""

    name: str
    sql_type: str
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    """One canonical table and its natural key (used to de-duplicate appended rows)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def ddl(self) -> str:
        cols = ", ".join(f'"{c.name}" {c.sql_type}' for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" ({cols})'


TEXT, INT, FLOAT, TS, BOOL = "VARCHAR", "INTEGER", "DOUBLE", "TIMESTAMP", "BOOLEAN"

CUSTOMERS = Table(
    "customers",
    (
        Column("customer_id", TEXT, True, "customer id as in the uploaded data"),
        Column("name", TEXT, description="display name (personal data)"),
        Column("email", TEXT, description="e-mail address (personal data)"),
        Column("age", INT, description="age in years"),
        Column("gender", TEXT),
        Column("occupation", TEXT),
        Column("location", TEXT, description="city, region or country"),
        Column("signup_date", TS, description="when the customer joined"),
    ),
    key=("customer_id",),
    description="who the customers are",
)

PRODUCTS = Table(
    "products",
    (
        Column("product_id", TEXT, True, "product id as in the uploaded data"),
        Column("title", TEXT, description="product name"),
        Column("description", TEXT),
        Column("category", TEXT, description='one category, or "A|B|C" for several'),
        Column("brand", TEXT),
        Column("price", FLOAT, description="list price"),
    ),
    key=("product_id",),
    description="the product catalogue",
)

INTERACTIONS = Table(
    "interactions",
    (
        Column("order_id", TEXT, description="order or invoice number"),
        Column("customer_id", TEXT, True),
        Column("product_id", TEXT, True),
        Column("timestamp", TS),
        Column("quantity", FLOAT, description="negative for returns"),
        Column("unit_price", FLOAT, description="price paid per unit"),
        Column("rating", FLOAT, description="explicit rating, when the event is a rating"),
        Column("event_type", TEXT, description="purchase, return, rating, view, ..."),
    ),
    key=("order_id", "customer_id", "product_id", "timestamp", "event_type"),
    description="orders, ratings and clicks: who did what with which product, when",
)

REVIEWS = Table(
    "reviews",
    (
        Column("review_id", TEXT, True),
        Column("customer_id", TEXT),
        Column("product_id", TEXT),
        Column("rating", FLOAT, description="star rating given with the review"),
        Column("title", TEXT, description="headline or summary"),
        Column("text", TEXT, description="review body"),
        Column("timestamp", TS),
    ),
    key=("review_id",),
    description="what customers wrote",
)

CAMPAIGN_RESULTS = Table(
    "campaign_results",
    (
        Column("campaign", TEXT, True, "campaign name or id, as in the e-mail or ad tool"),
        Column("customer_id", TEXT, True),
        Column("message_id", TEXT, description="the message or creative sent (PersonaLens exports it)"),
        Column("ab_group", TEXT, description="variant or group: A, B, ..., control"),
        Column("sent_at", TS, description="when it was sent"),
        Column("delivered", BOOL),
        Column("opened", BOOL),
        Column("clicked", BOOL),
        Column("converted", BOOL, description="bought (or did what the campaign asked)"),
        Column("revenue", FLOAT, description="revenue attributed to the message"),
        Column("offer", TEXT, description="the category or product id offered (else read from the approved message)"),
        Column("discount", FLOAT, description="share off the price offered: 0.1 for 10% off (else from the message)"),
    ),
    key=("campaign", "customer_id", "message_id"),
    description="what customers did after a campaign: sent, opened, clicked, bought",
)

TABLES: dict[str, Table] = {t.name: t for t in (CUSTOMERS, PRODUCTS, INTERACTIONS, REVIEWS, CAMPAIGN_RESULTS)}


def table(name: str) -> Table:
    """The canonical table called `name` (KeyError names the valid ones)."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; canonical tables: {', '.join(TABLES)}") from None
