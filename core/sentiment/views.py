"""What the Sentiment & Topics page shows, as plain DataFrames.

Every view is a DuckDB query over the stored results of the active versions (reviews joined with
their sentiment, product, persona and topics under the page's filters): a page on a store of
400,000 reviews reads a few small aggregates, and only a drill-down lists reviews (REVIEW_ROWS of
them, the export all).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core import registry
from core.text.pipeline import TextPipeline
from core.workspace import Workspace

TONES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class ReviewFilters:
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    personas: tuple[str, ...] = ()
    ratings: tuple[int, ...] = ()


REVIEW_ROWS = 500  # reviews a drill-down lists (newest first); the CSV export has every one
WORD_SAMPLE = 5_000  # reviews the word clouds are counted on (a seeded sample beyond that)


def _has(ws: Workspace, table: str) -> bool:
    return bool(ws.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?", [table])["n"].iloc[0])


def _scoped(ws: Workspace, f: ReviewFilters) -> tuple[str, list[object]]:
    """SQL of the reviews under the filters, one row each (review_id, timestamp, month, product_id,
    product, category, customer_id, persona, rating, sentiment_label, sentiment_score; no text), and
    its parameters: every view below aggregates it in DuckDB, so a filter change costs a few queries
    over stored results instead of a frame of every review."""
    persona_rows = registry.active_rows(ws, "personas")
    persona = "pn.name" if persona_rows else "NULL"
    persona_join = (
        f"LEFT JOIN {persona_rows} pa USING (customer_id) LEFT JOIN persona_names pn USING (persona_id)"
        if persona_rows
        else ""
    )
    sentiment_rows = registry.active_rows(ws, "sentiment")
    sentiment_join = f"LEFT JOIN {sentiment_rows} s USING (review_id)" if sentiment_rows else ""
    sentiment = (
        "s.sentiment_label, CAST(s.sentiment_score AS DOUBLE) AS sentiment_score"
        if sentiment_join
        else "CAST(NULL AS VARCHAR) AS sentiment_label, CAST(NULL AS DOUBLE) AS sentiment_score"
    )
    where, params = _where(f, persona)
    sql = f"""SELECT r.review_id, r.timestamp, date_trunc('month', r.timestamp) AS month, r.product_id,
                     coalesce(p.title, r.product_id) AS product, p.category, r.customer_id, {persona} AS persona,
                     CAST(r.rating AS DOUBLE) AS rating, {sentiment}
              FROM reviews r LEFT JOIN products p USING (product_id) {sentiment_join} {persona_join} {where}"""
    return sql, params


def _mentions(ws: Workspace) -> str | None:
    """SQL of the active topics' review_id, topic_id rows (a review mentions a topic above PRESENT weight)."""
    return registry.active_rows(ws, "topics") if registry.active_version(ws, "topics") else None


def _picked(
    ws: Workspace, topic_id: int | None, tone: str | None, month: pd.Timestamp | None
) -> tuple[str, list[object]]:
    clauses, params = [], []
    mentions = _mentions(ws)
    if topic_id is not None and mentions:
        clauses.append(f"review_id IN (SELECT review_id FROM {mentions} WHERE topic_id = ?)")
        params.append(int(topic_id))
    if tone:
        clauses.append("sentiment_label = ?")
        params.append(tone)
    if month is not None:
        clauses.append("month = ?")
        params.append(pd.Timestamp(month))
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _selected(
    ws: Workspace, filters: ReviewFilters | None, topic_id: int | None, tone: str | None, month: pd.Timestamp | None
) -> tuple[str, list[object]]:
    """SQL (and parameters) of the scoped reviews about `topic_id`, in `tone`, of `month`."""
    scoped, params = _scoped(ws, filters or ReviewFilters())
    picked, more = _picked(ws, topic_id, tone, month)
    return f"SELECT * FROM ({scoped}) {picked}", params + more


def scored_reviews(
    ws: Workspace,
    filters: ReviewFilters | None = None,
    topic_id: int | None = None,
    tone: str | None = None,
    month: pd.Timestamp | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """review_id, timestamp, month, product_id, product, category, customer_id, persona, rating,
    sentiment_label, sentiment_score, topic_ids (list), topics ("a; b"), text; newest first: the
    reviews under `filters` (and about `topic_id`, in `tone`, of `month`), at most `limit` of them."""
    selected, params = _selected(ws, filters, topic_id, tone, month)
    cap = f"LIMIT {int(limit)}" if limit is not None else ""
    version_param: list[object] = []
    topic_join, topic_cols = "", "[]::INTEGER[] AS topic_ids, '' AS topics"
    mentions, version = _mentions(ws), registry.active_version(ws, "topics")
    if mentions:
        topic_join = f"""LEFT JOIN (SELECT t.review_id, list(t.topic_id ORDER BY t.weight DESC) AS topic_ids,
                                          string_agg(n.name, '; ' ORDER BY t.weight DESC) AS topics
                                   FROM {mentions} t JOIN topic_names n ON n.topic_id = t.topic_id AND n.version = ?
                                   WHERE t.review_id IN (SELECT review_id FROM picked)
                                   GROUP BY t.review_id) tt USING (review_id)"""
        topic_cols = "coalesce(tt.topic_ids, []::INTEGER[]) AS topic_ids, coalesce(tt.topics, '') AS topics"
        version_param = [version]
    return ws.query(
        f"""WITH picked AS ({selected} ORDER BY timestamp DESC NULLS LAST, review_id {cap})
            SELECT picked.*, {topic_cols},
                   trim(concat_ws('. ', nullif(trim(r.title), ''), nullif(trim(r.text), ''))) AS text
            FROM picked JOIN reviews r USING (review_id) {topic_join}
            ORDER BY picked.timestamp DESC NULLS LAST, picked.review_id""",
        params + version_param,
    )


def count_reviews(
    ws: Workspace,
    filters: ReviewFilters | None = None,
    topic_id: int | None = None,
    tone: str | None = None,
    month: pd.Timestamp | None = None,
) -> int:
    """How many reviews `scored_reviews` would list without a limit."""
    selected, params = _selected(ws, filters, topic_id, tone, month)
    return int(ws.query(f"SELECT count(*) AS n FROM ({selected})", params)["n"].iloc[0])


def _where(f: ReviewFilters, persona: str) -> tuple[str, list[object]]:
    clauses, params = [], []
    if f.date_from:
        clauses.append("r.timestamp >= ?")
        params.append(pd.Timestamp(f.date_from))
    if f.date_to:
        clauses.append("r.timestamp < ?")
        params.append(pd.Timestamp(f.date_to) + pd.Timedelta(days=1))
    if f.categories:
        clauses.append("list_has_any(string_split(coalesce(p.category, ''), '|'), ?)")
        params.append(list(f.categories))
    if f.personas and persona != "NULL":
        clauses.append(f"{persona} IN (SELECT unnest(?))")
        params.append(list(f.personas))
    if f.ratings:
        clauses.append("round(r.rating) IN (SELECT unnest(?))")
        params.append([float(r) for r in f.ratings])
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def tone_counts(ws: Workspace, filters: ReviewFilters) -> pd.DataFrame:
    """sentiment_label, reviews, share: one row per tone, negative to positive."""
    scoped, params = _scoped(ws, filters)
    found = ws.query(f"SELECT sentiment_label, count(*) AS n FROM ({scoped}) GROUP BY 1", params)
    counts = found.set_index("sentiment_label")["n"].reindex(list(TONES), fill_value=0).astype(int)
    return pd.DataFrame(
        {"sentiment_label": TONES, "reviews": counts.to_numpy(), "share": counts.to_numpy() / max(counts.sum(), 1)}
    )


def tone_by_month(ws: Workspace, filters: ReviewFilters) -> pd.DataFrame:
    """month, sentiment_label, reviews, share (of the month's reviews), avg_score."""
    scoped, params = _scoped(ws, filters)
    return ws.query(
        f"""SELECT month, sentiment_label, count(*) AS reviews,
                   count(*) / sum(count(*)) OVER (PARTITION BY month) AS share,
                   sum(sum(sentiment_score)) OVER (PARTITION BY month)
                     / sum(count(sentiment_score)) OVER (PARTITION BY month) AS avg_score
            FROM ({scoped}) WHERE month IS NOT NULL AND sentiment_label IS NOT NULL
            GROUP BY month, sentiment_label ORDER BY month, sentiment_label""",
        params,
    )


def _topic_names(ws: Workspace) -> pd.DataFrame:
    from core.topics.service import topics

    return topics(ws)


def topic_table(ws: Workspace, filters: ReviewFilters) -> pd.DataFrame:
    """id, label, top_terms, mentions, share (of these reviews), avg_sentiment, positive, negative; by share."""
    named = _topic_names(ws)[["id", "label", "top_terms"]]
    scoped, params = _scoped(ws, filters)
    mentions = _mentions(ws)
    stats = pd.DataFrame(columns=["id", "mentions", "avg_sentiment", "positive", "negative"])
    if mentions:
        stats = ws.query(
            f"""SELECT t.topic_id AS id, count(DISTINCT s.review_id) AS mentions,
                       avg(s.sentiment_score) AS avg_sentiment,
                       avg(CAST(s.sentiment_label = 'positive' AS DOUBLE)) AS positive,
                       avg(CAST(s.sentiment_label = 'negative' AS DOUBLE)) AS negative
                FROM ({scoped}) s JOIN {mentions} t USING (review_id) GROUP BY t.topic_id""",
            params,
        )
    total = count_reviews(ws, filters)
    out = named.merge(stats.astype({"id": int}), on="id", how="left")
    out["mentions"] = out["mentions"].fillna(0).astype(int)
    out["share"] = out["mentions"] / max(total, 1)
    return out.sort_values("share", ascending=False).reset_index(drop=True)


def topic_by_month(ws: Workspace, filters: ReviewFilters) -> pd.DataFrame:
    """label, month, share: the share of each month's reviews that mention each topic."""
    per_month = "JOIN (SELECT month, count(*) AS reviews FROM scoped GROUP BY month) m USING (month)"
    found = _per_topic(ws, filters, "month", "count(*) / any_value(m.reviews)", "share", per_month)
    return found[["label", "month", "share"]]


def topic_by_tone(ws: Workspace, filters: ReviewFilters) -> pd.DataFrame:
    """label, sentiment_label, mentions."""
    return _per_topic(ws, filters, "sentiment_label", "count(*)", "mentions")[["label", "sentiment_label", "mentions"]]


def _per_topic(ws: Workspace, filters: ReviewFilters, by: str, value: str, name: str, join: str = "") -> pd.DataFrame:
    """topic_id, label, `by`, `name`: `value` (SQL) per topic and value of `by` (a scoped column)."""
    mentions = _mentions(ws)
    if not mentions:
        return pd.DataFrame(columns=["topic_id", "label", by, name])
    scoped, params = _scoped(ws, filters)
    found = ws.query(
        f"""WITH scoped AS ({scoped})
            SELECT t.topic_id, s.{by}, {value} AS {name}
            FROM scoped s JOIN {mentions} t USING (review_id) {join}
            WHERE s.{by} IS NOT NULL
            GROUP BY t.topic_id, s.{by} ORDER BY t.topic_id, s.{by}""",
        params,
    )
    return found.assign(label=found["topic_id"].map(topic_labels(_topic_names(ws))))


def load_pipeline(ws: Workspace) -> TextPipeline | None:
    version = registry.active_version(ws, "topics")
    if version is None:
        return None
    return TextPipeline.from_dict(json.loads((ws.models_dir / "topics" / version / "pipeline.json").read_text()))


@dataclass(frozen=True)
class ReviewWords:
    """The words the Sentiment page draws as clouds: surface term -> weight."""

    most_used: dict[str, float]  # the most frequent terms (documents containing them)
    positive: dict[str, float]  # said much more in positive than in negative reviews
    negative: dict[str, float]  # said much more in negative than in positive reviews


def cloud_reviews(ws: Workspace, filters: ReviewFilters) -> pd.DataFrame:
    """text, sentiment_label of the reviews under `filters`, a seeded sample of WORD_SAMPLE beyond that
    (word counts settle long before; tokenising every review of a big store would hold the page)."""
    scoped, params = _scoped(ws, filters)
    return ws.query(
        f"""SELECT trim(concat_ws('. ', nullif(trim(r.title), ''), nullif(trim(r.text), ''))) AS text,
                   s.sentiment_label
            FROM ({scoped}) s JOIN reviews r USING (review_id)
            ORDER BY hash(s.review_id) LIMIT {WORD_SAMPLE}""",
        params,
    )


def review_words(reviews: pd.DataFrame, pipeline: TextPipeline, top: int = 80, top_distinct: int = 60) -> ReviewWords:
    """Every cloud of `reviews` (columns text, sentiment_label) from one pass of the text pipeline."""
    docs = [set(doc) for doc in pipeline.transform(reviews["text"].tolist())]
    tone = reviews["sentiment_label"].to_numpy(dtype=object)
    positive = [d for d, t in zip(docs, tone, strict=True) if t == "positive"]
    negative = [d for d, t in zip(docs, tone, strict=True) if t == "negative"]
    counts = Counter(t for doc in docs for t in doc)
    return ReviewWords(
        {pipeline.surface(t): float(n) for t, n in counts.most_common(top)},
        _distinctive(positive, negative, pipeline, top_distinct),
        _distinctive(negative, positive, pipeline, top_distinct),
    )


def _distinctive(docs: list[set[str]], others: list[set[str]], pipeline: TextPipeline, top: int) -> dict[str, float]:
    """Terms much more frequent in `docs` than in `others` (count x log ratio of smoothed rates)."""
    mine = Counter(t for doc in docs for t in doc)
    theirs = Counter(t for doc in others for t in doc)
    n_mine, n_theirs = max(len(docs), 1), max(len(others), 1)
    scored = {}
    for term, n in mine.items():
        if n < 3:
            continue
        ratio = ((n + 1) / n_mine) / ((theirs.get(term, 0) + 1) / n_theirs)
        if ratio > 1.5:
            scored[pipeline.surface(term)] = n * math.log(ratio)
    best = sorted(scored.items(), key=lambda kv: -kv[1])[:top]
    return dict(best)


def topic_words(topics: pd.DataFrame, topic_id: int) -> dict[str, float]:
    row = topics[topics["id"] == topic_id]
    if row.empty:
        return {}
    terms = row["top_terms"].iloc[0]
    return {t: float(len(terms) - i) for i, t in enumerate(terms)}


def date_bounds(ws: Workspace) -> tuple[date | None, date | None]:
    found = ws.query("SELECT min(timestamp) AS lo, max(timestamp) AS hi FROM reviews")
    lo, hi = found["lo"].iloc[0], found["hi"].iloc[0]
    return (None, None) if pd.isna(lo) else (pd.Timestamp(lo).date(), pd.Timestamp(hi).date())


def review_categories(ws: Workspace) -> list[str]:
    found = ws.query("""SELECT DISTINCT trim(unnest(string_split(category, '|'))) AS c FROM products
                        WHERE category IS NOT NULL ORDER BY c""")
    return [c for c in found["c"].tolist() if c]


def rating_values(ws: Workspace) -> list[int]:
    """The star ratings the reviews use (empty for feedback without stars: no Stars filter then)."""
    found = ws.query(
        "SELECT DISTINCT CAST(round(rating) AS INTEGER) AS r FROM reviews WHERE rating IS NOT NULL ORDER BY r"
    )
    return found["r"].tolist()


def persona_names(ws: Workspace) -> list[str]:
    if not _has(ws, "persona_names"):
        return []
    return ws.query("SELECT name FROM persona_names ORDER BY persona_id")["name"].tolist()


def overview_numbers(ws: Workspace, filters: ReviewFilters) -> dict[str, float | int | None]:
    """reviews, positive, negative (shares), avg_score, avg_rating."""
    scoped, params = _scoped(ws, filters)
    row = ws.query(
        f"""SELECT count(*) AS reviews,
                   coalesce(avg(CAST(sentiment_label = 'positive' AS DOUBLE)), 0) AS positive,
                   coalesce(avg(CAST(sentiment_label = 'negative' AS DOUBLE)), 0) AS negative,
                   avg(sentiment_score) AS avg_score, avg(rating) AS avg_rating
            FROM ({scoped})""",
        params,
    ).iloc[0]
    return {
        "reviews": int(row["reviews"]),
        **{k: float(row[k]) for k in ("positive", "negative")},
        **{k: None if pd.isna(row[k]) else float(row[k]) for k in ("avg_score", "avg_rating")},
    }


def topic_labels(topics: pd.DataFrame) -> dict[int, str]:
    """Topic id -> name, largest topic first."""
    return dict(zip(topics["id"].astype(int).tolist(), topics["label"].tolist(), strict=True))
