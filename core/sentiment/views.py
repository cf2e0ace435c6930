"""What the Sentiment & Topics page shows, as plain DataFrames.

`scored_reviews` joins every review with its sentiment, product, persona and topics under the
page's filters; the other functions summarise that frame (so a filter change costs one query).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np
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


def _has(ws: Workspace, table: str) -> bool:
    return bool(ws.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?", [table])["n"].iloc[0])


def scored_reviews(ws: Workspace, filters: ReviewFilters | None = None) -> pd.DataFrame:
    """review_id, timestamp, month, product_id, product, category, customer_id, persona, rating,
    sentiment_label, sentiment_score, topic_ids (list), topics ("a; b"), text; newest first."""
    f = filters or ReviewFilters()
    topics_version = registry.active_version(ws, "topics")
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
        "s.sentiment_label, s.sentiment_score" if sentiment_join else "NULL AS sentiment_label, NULL AS sentiment_score"
    )
    topic_join, topic_cols = "", "[]::INTEGER[] AS topic_ids, '' AS topics"
    params: list[object] = []
    topic_rows = registry.active_rows(ws, "topics")
    if topics_version and topic_rows:
        topic_join = f"""LEFT JOIN (SELECT t.review_id, list(t.topic_id ORDER BY t.weight DESC) AS topic_ids,
                                          string_agg(n.name, '; ' ORDER BY t.weight DESC) AS topics
                                   FROM {topic_rows} t JOIN topic_names n ON n.topic_id = t.topic_id AND n.version = ?
                                   GROUP BY t.review_id) tt USING (review_id)"""
        topic_cols = "coalesce(tt.topic_ids, []::INTEGER[]) AS topic_ids, coalesce(tt.topics, '') AS topics"
        params.append(topics_version)
    where, more = _where(f, persona)
    frame = ws.query(
        f"""SELECT r.review_id, r.timestamp, date_trunc('month', r.timestamp) AS month, r.product_id,
                   coalesce(p.title, r.product_id) AS product, p.category, r.customer_id, {persona} AS persona,
                   r.rating, {sentiment}, {topic_cols},
                   trim(concat_ws('. ', nullif(trim(r.title), ''), nullif(trim(r.text), ''))) AS text
            FROM reviews r LEFT JOIN products p USING (product_id) {sentiment_join} {persona_join} {topic_join}
            {where} ORDER BY r.timestamp DESC NULLS LAST, r.review_id""",
        params + more,
    )
    return frame


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


def tone_counts(reviews: pd.DataFrame) -> pd.DataFrame:
    """sentiment_label, reviews, share: one row per tone, negative to positive."""
    counts = reviews["sentiment_label"].value_counts().reindex(list(TONES), fill_value=0)
    return pd.DataFrame(
        {"sentiment_label": TONES, "reviews": counts.to_numpy(), "share": counts.to_numpy() / max(counts.sum(), 1)}
    )


def tone_by_month(reviews: pd.DataFrame) -> pd.DataFrame:
    """month, sentiment_label, reviews, share (of the month's reviews), avg_score."""
    dated = reviews.dropna(subset=["month"])
    if dated.empty:
        return pd.DataFrame(columns=["month", "sentiment_label", "reviews", "share", "avg_score"])
    counts = dated.groupby(["month", "sentiment_label"]).size().rename("reviews").reset_index()
    totals = counts.groupby("month")["reviews"].transform("sum")
    avg = dated.groupby("month")["sentiment_score"].mean().rename("avg_score")
    return counts.assign(share=counts["reviews"] / totals).merge(avg, on="month")


def topic_table(reviews: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """id, label, mentions, share (of these reviews), avg_sentiment, positive, negative; by share."""
    exploded = reviews[["review_id", "topic_ids", "sentiment_score", "sentiment_label"]].explode("topic_ids")
    exploded = exploded.dropna(subset=["topic_ids"]).astype({"topic_ids": int})
    stats = exploded.groupby("topic_ids").agg(
        mentions=("review_id", "nunique"),
        avg_sentiment=("sentiment_score", "mean"),
        positive=("sentiment_label", lambda s: (s == "positive").mean()),
        negative=("sentiment_label", lambda s: (s == "negative").mean()),
    )
    out = topics[["id", "label", "top_terms"]].merge(stats, left_on="id", right_index=True, how="left")
    out["mentions"] = out["mentions"].fillna(0).astype(int)
    out["share"] = out["mentions"] / max(len(reviews), 1)
    return out.sort_values("share", ascending=False).reset_index(drop=True)


def topic_by_month(reviews: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """label, month, share: the share of each month's reviews that mention each topic."""
    dated = reviews.dropna(subset=["month"])
    per_month = dated.groupby("month").size()
    exploded = dated[["month", "topic_ids"]].explode("topic_ids").dropna().astype({"topic_ids": int})
    counts = exploded.groupby(["topic_ids", "month"]).size().rename("mentions").reset_index()
    counts["share"] = counts["mentions"] / counts["month"].map(per_month)
    labels = dict(zip(topics["id"], topics["label"], strict=True))
    return counts.assign(label=counts["topic_ids"].map(labels))[["label", "month", "share"]]


def topic_by_tone(reviews: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """label, sentiment_label, mentions."""
    exploded = reviews[["topic_ids", "sentiment_label"]].explode("topic_ids").dropna().astype({"topic_ids": int})
    counts = exploded.groupby(["topic_ids", "sentiment_label"]).size().rename("mentions").reset_index()
    labels = dict(zip(topics["id"], topics["label"], strict=True))
    return counts.assign(label=counts["topic_ids"].map(labels))[["label", "sentiment_label", "mentions"]]


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


def ensure_numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Scores as floats (NULL-only columns come back as objects)."""
    return (
        frame.assign(sentiment_score=pd.to_numeric(frame["sentiment_score"], errors="coerce").astype(float)).assign(
            rating=pd.to_numeric(frame["rating"], errors="coerce").astype(float)
        )
        if len(frame)
        else frame.assign(sentiment_score=np.array([], dtype=float))
    )


def drill(
    reviews: pd.DataFrame, topic_id: int | None = None, tone: str | None = None, month: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The reviews behind one point of a chart: a topic, a tone and/or a month."""
    mask = np.ones(len(reviews), dtype=bool)
    if topic_id is not None:
        mask &= reviews["topic_ids"].map(lambda ids: topic_id in list(ids)).to_numpy(dtype=bool)
    if tone:
        mask &= (reviews["sentiment_label"] == tone).to_numpy(dtype=bool)
    if month is not None:
        mask &= (reviews["month"] == pd.Timestamp(month)).to_numpy(dtype=bool)
    return reviews[mask]


def overview_numbers(reviews: pd.DataFrame) -> dict[str, float | int | None]:
    """reviews, positive, negative (shares), avg_score, avg_rating."""
    n = len(reviews)
    rating = reviews["rating"].dropna()
    return {
        "reviews": n,
        "positive": float((reviews["sentiment_label"] == "positive").mean()) if n else 0.0,
        "negative": float((reviews["sentiment_label"] == "negative").mean()) if n else 0.0,
        "avg_score": float(reviews["sentiment_score"].mean()) if n else None,
        "avg_rating": float(rating.mean()) if len(rating) else None,
    }


def topic_labels(topics: pd.DataFrame) -> dict[int, str]:
    """Topic id -> name, largest topic first."""
    return dict(zip(topics["id"].astype(int).tolist(), topics["label"].tolist(), strict=True))
