"""Turn a file's column mapping into SQL that produces canonical rows, with values coerced.

Each canonical field gets one SQL expression over the all-text staging table. Coercion never
drops a row: a value that cannot be read becomes NULL and the validation report counts it.
"""

from __future__ import annotations

import re

import pandas as pd

from core.ingest.detect import Profile

ID_FIELDS = {"customer_id", "product_id", "order_id", "review_id"}
NUMBER_FIELDS = {"rating", "quantity", "unit_price", "price", "age", "revenue"}
FLAG_FIELDS = {"delivered", "opened", "clicked", "converted"}  # yes/no, 1/0, or a time when it happened
SHARE_FIELDS = {"discount"}  # a share of the price
_FALSE = "('', '0', '0.0', 'false', 'no', 'n', 'f', 'none', 'null', 'nan', '-')"
TIME_FIELDS = {"timestamp", "signup_date"}
DATE_FORMATS_MONTH_FIRST = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%y %H:%M", "%m/%d/%y"]
DATE_FORMATS_DAY_FIRST = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y %H:%M", "%d/%m/%y"]
DATE_FORMATS_OTHER = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m %d, %Y",
    "%d-%b-%Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
]

# canonical table -> field feeding each of its columns
TABLE_FIELDS: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "customer_id",
        "name": "name",
        "email": "email",
        "age": "age",
        "gender": "gender",
        "occupation": "occupation",
        "location": "location",
        "signup_date": "signup_date",
    },
    "products": {
        "product_id": "product_id",
        "title": "product_title",
        "description": "description",
        "category": "category",
        "brand": "brand",
        "price": "price",
    },
    "interactions": {
        "order_id": "order_id",
        "customer_id": "customer_id",
        "product_id": "product_id",
        "timestamp": "timestamp",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "rating": "rating",
        "event_type": "event_type",
    },
    "campaign_results": {
        "campaign": "campaign",
        "customer_id": "customer_id",
        "message_id": "message_id",
        "ab_group": "ab_group",
        "sent_at": "timestamp",
        "delivered": "delivered",
        "opened": "opened",
        "clicked": "clicked",
        "converted": "converted",
        "revenue": "revenue",
        "offer": "offer",
        "discount": "discount",
    },
    "reviews": {
        "review_id": "review_id",
        "customer_id": "customer_id",
        "product_id": "product_id",
        "rating": "rating",
        "title": "review_title",
        "text": "text",
        "timestamp": "timestamp",
    },
}
PROFILE_FIELDS = {
    "customers": {"name", "email", "age", "gender", "occupation", "location", "signup_date"},
    "products": {"product_title", "description", "category", "brand", "price"},
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def field_expressions(mapping: dict[str, str], profiles: dict[str, Profile], samples: pd.DataFrame) -> dict[str, str]:
    """field -> SQL expression over the staging table, for every mapped field (and derived ones)."""
    exprs: dict[str, str] = {}
    flags = [c for c, f in mapping.items() if f == "category_flag"]
    for column, field in mapping.items():
        if field == "category_flag" or field in exprs:
            continue
        col = quote(column)
        # Functions wrap the CASE rather than sit in its branches: DuckDB runs a function inside a
        # branch row-selection by row-selection, which made these expressions several times slower.
        if field in ID_FIELDS:  # '17850.0' from a spreadsheet is the id '17850'
            exprs[field] = f"NULLIF(trim(CASE WHEN ends_with({col}, '.0') THEN left({col}, -2) ELSE {col} END), '')"
        elif field in SHARE_FIELDS:  # 0.1, '10%' and 10 all mean a tenth off
            share = rf"TRY_CAST(regexp_replace(trim({col}), '\s*%$', '') AS DOUBLE)"
            exprs[field] = f"({share} / CASE WHEN {share} > 1 THEN 100 ELSE 1 END)"
        elif field in NUMBER_FIELDS:  # plain numbers take the fast cast; '$1,250.00' the slow path
            exprs[field] = (
                f"coalesce(TRY_CAST({col} AS DOUBLE), "
                rf"TRY_CAST(replace(regexp_replace(trim({col}), '^[^0-9+\-.]+', ''), ',', '') AS DOUBLE))"
            )
        elif field in TIME_FIELDS:
            exprs[field] = _time_expr(col, profiles.get(column), samples.get(column))
        elif field in FLAG_FIELDS:  # an empty cell or "no" is false; "yes", 1 or a timestamp is true
            exprs[field] = f"(coalesce(lower(trim({col})), '') NOT IN {_FALSE})"
        elif field in ("text", "description", "product_title", "review_title"):  # strip HTML only where there is some
            exprs[field] = (
                rf"NULLIF(trim(CASE WHEN contains({col}, '<') OR regexp_matches({col}, '\s\s|[\n\r\t]') THEN "
                rf"regexp_replace(regexp_replace({col}, '<[^>]+>', ' ', 'g'), '\s+', ' ', 'g') ELSE {col} END), '')"
            )
        else:
            exprs[field] = f"NULLIF(trim({col}), '')"
    if flags:
        parts = ", ".join(f"CASE WHEN trim({quote(c)}) = '1' THEN '{_flag_label(c)}' END" for c in flags)
        flag_expr = f"NULLIF(concat_ws('|', {parts}), '')"
        exprs["category"] = f"coalesce({exprs['category']}, {flag_expr})" if "category" in exprs else flag_expr
    if "description" in exprs and "description" in mapping.values():
        col = quote(next(c for c, f in mapping.items() if f == "description"))
        exprs["description"] = exprs["description"].replace(col, f"replace({col}, '|', ' ')")
    return exprs


def _flag_label(column: str) -> str:
    label = column if not re.fullmatch(r"column\d+", column) else f"flag {int(column[6:])}"
    return label.replace("'", "''")


def _time_expr(col: str, prof: Profile | None, sample: pd.Series | None) -> str:
    if prof is not None and prof.numeric > 0.98 and prof.unix > 0.9:
        return f"CAST(to_timestamp(TRY_CAST(trim({col}) AS DOUBLE)) AS TIMESTAMP)"
    day_first = False
    if sample is not None:
        firsts = sample.dropna().astype(str).str.extract(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]")
        firsts = firsts.dropna().astype(int)
        day_first = bool(len(firsts)) and bool((firsts[0] > 12).any()) and not bool((firsts[1] > 12).any())
    formats = (
        DATE_FORMATS_DAY_FIRST + DATE_FORMATS_MONTH_FIRST
        if day_first
        else DATE_FORMATS_MONTH_FIRST + DATE_FORMATS_DAY_FIRST
    ) + DATE_FORMATS_OTHER
    fmt_list = ", ".join(f"'{f}'" for f in formats)
    return f"coalesce(TRY_CAST({col} AS TIMESTAMP), try_strptime(trim({col}), [{fmt_list}]))"


def targets_for(role: str, fields: set[str]) -> list[str]:
    """Canonical tables a file feeds: its own, plus profiles of products/customers it carries,
    plus ratings from a review file."""
    tables = [role]
    if role != "products" and "product_id" in fields and fields & PROFILE_FIELDS["products"]:
        tables.append("products")
    if (
        role not in ("customers", "campaign_results")
        and "customer_id" in fields
        and fields & PROFILE_FIELDS["customers"]
    ):
        tables.append("customers")
    if role == "reviews" and {"customer_id", "product_id", "rating"} <= fields:
        tables.append("interactions")
    return tables


def table_select(table: str, role: str, exprs: dict[str, str], source: str) -> str:
    """SELECT producing canonical `table` rows (with `_line`) from the staging `source`."""
    columns = {column: exprs.get(field, "NULL") for column, field in TABLE_FIELDS[table].items()}
    if table == "interactions":
        order, qty, rating = (exprs.get(f, "NULL") for f in ("order_id", "quantity", "rating"))
        derived = (
            f"CASE WHEN {qty} < 0 OR upper({order}) LIKE 'C%' THEN 'return' "
            f"WHEN {qty} IS NULL AND {rating} IS NOT NULL THEN 'rating' ELSE 'purchase' END"
        )
        columns["event_type"] = f"coalesce({columns['event_type']}, {derived})"
    if table == "reviews" and "review_id" not in exprs:
        parts = " || '|' || ".join(
            f"coalesce(CAST({exprs.get(f, 'NULL')} AS VARCHAR), '')"
            for f in ("customer_id", "product_id", "timestamp", "text", "review_title")
        )
        columns["review_id"] = f"'r' || left(md5({parts}), 16)"
    if table == "products" and role != "products" and "price" not in exprs:
        columns["price"] = exprs.get("unit_price", "NULL")
    select = "SELECT _line, " + ", ".join(f"{e} AS {quote(c)}" for c, e in columns.items()) + f" FROM {source}"
    if table == role:
        return select
    if table == "interactions":  # ratings carried by a review file
        return f"SELECT * FROM ({select}) WHERE rating IS NOT NULL"
    key = "product_id" if table == "products" else "customer_id"
    aggs = ", ".join(
        f"{'median' if c == 'price' else 'any_value'}({quote(c)}) AS {quote(c)}"
        for c in TABLE_FIELDS[table]
        if c != key
    )
    return (
        f"SELECT min(_line) AS _line, {quote(key)}, {aggs} FROM ({select}) "
        f"WHERE {quote(key)} IS NOT NULL GROUP BY {quote(key)}"
    )
