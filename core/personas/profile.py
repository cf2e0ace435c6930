"""Customer profiles: one row per customer from what they buy, what they write and who they are.

`build_profiles(ws)` returns a `CustomerProfiles` whose `table` is readable (for cards, lookups and
exports) and whose `groups` are numeric feature blocks (for segmentation). Every part may be
missing: a customer without reviews still gets a profile, a store without demographics still
gets behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from core.budget import Sample, sample_rows
from core.kinds import Progress
from core.text.embeddings import doc_centroids
from core.text.vader import vader_compound
from core.workspace import Workspace

TEXT_COMPONENTS = 12
OCCUPATIONS = 8  # most common occupations become features; the rest count as none of them
FEATURE_GROUPS = ("behaviour", "categories", "price", "demographics", "text", "campaigns")
PRIOR_CONTACTS = 4  # campaign rates are smoothed towards everyone's as if each customer had this many more contacts


@dataclass
class CustomerProfiles:
    """Profiles of every customer seen in the workspace.

    `table` columns (index customer_id): orders, monetary, recency_days, tenure_days, avg_order_value,
    basket_size, return_share, price_index (mean log of price paid over the category median),
    review_count, avg_rating, age, gender, occupation, location, top_category, keywords (their most distinctive
    review words), avg_sentiment (VADER, -1..1, of their reviews; of a sample of them beyond the
    "persona_tone" budget, missing for a customer none of whose reviews was drawn).
    `groups`: feature group name -> numeric DataFrame on the same index.
    """

    table: pd.DataFrame
    groups: dict[str, pd.DataFrame] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    samples: list[Sample] = field(default_factory=list)  # what the text part learned from, where it sampled

    @property
    def customer_ids(self) -> pd.Index:
        return self.table.index


def build_profiles(
    ws: Workspace, text_components: int = TEXT_COMPONENTS, seed: int = 42, progress: Progress | None = None
) -> CustomerProfiles:
    """Profiles for all customers in `ws` (those in the customers table or with any activity); `progress`
    hears how far it is (the text part, read, learned and toned, takes most of the time)."""
    report = progress or (lambda _f, _m: None)
    report(0.0, "profiling what customers bought")
    behaviour = _behaviour(ws)
    categories = _category_mix(ws)
    people = ws.read_table("customers").drop_duplicates("customer_id").set_index("customer_id")
    ids = behaviour.index.union(people.index).union(categories.index)
    table = behaviour.reindex(ids)
    table[["age", "gender", "occupation", "location"]] = people.reindex(ids)[
        ["age", "gender", "occupation", "location"]
    ]
    mix = categories.reindex(ids).fillna(0.0)
    table["top_category"] = mix.idxmax(axis=1).where(mix.sum(axis=1) > 0) if mix.shape[1] else pd.NA
    text_vectors, keywords, sentiment, samples = _text(
        ws, ids, text_components, seed, lambda f, m: report(0.05 + 0.9 * f, m)
    )
    report(0.95, "profiling campaign responses")
    table["keywords"] = keywords
    table["avg_sentiment"] = sentiment
    table.index.name = "customer_id"
    groups = {
        "behaviour": _behaviour_features(table),
        "categories": categories.reindex(ids).fillna(0.0),
        "price": table[["price_index"]].fillna(0.0),
        "demographics": _demographic_features(table),
        "text": text_vectors,
        "campaigns": _campaign_response(ws, ids),
    }
    groups = {name: g for name, g in groups.items() if g.shape[1] and float(g.abs().to_numpy().sum()) > 0}
    as_of = ws.query("SELECT max(timestamp) AS t FROM interactions")["t"].iloc[0]
    return CustomerProfiles(table, groups, None if pd.isna(as_of) else pd.Timestamp(as_of), samples)


def _campaign_response(ws: Workspace, ids: pd.Index) -> pd.DataFrame:
    """How each customer answered past campaigns: open, click and purchase rates of the messages they
    were sent, smoothed towards everyone's, so one lucky contact does not make a persona. Customers
    never contacted sit at everyone's rates; no columns at all without campaign results."""
    from core.campaigns.readout import TABLE, contacted

    if not ws.has_table(TABLE):
        return pd.DataFrame(index=ids)
    rates = ws.query(f"""
        SELECT customer_id, count(*) AS contacts,
               count(*) FILTER (WHERE opened) AS opened, count(*) FILTER (WHERE clicked) AS clicked,
               count(*) FILTER (WHERE converted) AS converted
        FROM {TABLE} WHERE {contacted()} AND customer_id IS NOT NULL GROUP BY 1""")
    if rates.empty:
        return pd.DataFrame(index=ids)
    rates = rates.set_index("customer_id")
    out = pd.DataFrame(index=ids)
    for name in ("opened", "clicked", "converted"):
        overall = rates[name].sum() / rates["contacts"].sum()
        smoothed = (rates[name] + PRIOR_CONTACTS * overall) / (rates["contacts"] + PRIOR_CONTACTS)
        out[f"{name}_rate"] = smoothed.reindex(ids).fillna(overall).to_numpy(dtype=float)
    return out.loc[:, out.std() > 0]


def _behaviour(ws: Workspace) -> pd.DataFrame:
    return (
        ws.query("""
        WITH lines AS (
            SELECT i.*, coalesce(p.category, '') AS category
            FROM interactions i LEFT JOIN products p USING (product_id)),
        medians AS (
            SELECT category, median(unit_price) AS med FROM lines WHERE unit_price > 0 GROUP BY 1),
        last_day AS (SELECT max(timestamp) AS t FROM interactions)
        SELECT customer_id,
            count(DISTINCT coalesce(order_id, CAST(timestamp AS VARCHAR)))
                FILTER (WHERE coalesce(quantity, 1) > 0) AS orders,
            coalesce(sum(quantity * unit_price), 0) AS monetary,
            date_diff('day', max(timestamp), any_value(last_day.t)) AS recency_days,
            date_diff('day', min(timestamp), any_value(last_day.t)) AS tenure_days,
            count(*) FILTER (WHERE coalesce(quantity, 1) > 0) AS lines,
            count(*) FILTER (WHERE quantity < 0 OR event_type = 'return') / count(*) AS return_share,
            avg(ln(unit_price / med)) FILTER (WHERE unit_price > 0 AND med > 0 AND quantity > 0) AS price_index,
            avg(rating) AS avg_rating_given
        FROM lines LEFT JOIN medians USING (category), last_day
        GROUP BY customer_id
    """)
        .set_index("customer_id")
        .join(
            ws.query(
                "SELECT customer_id, count(*) AS review_count, avg(rating) AS avg_rating FROM reviews "
                "WHERE customer_id IS NOT NULL GROUP BY 1"
            ).set_index("customer_id"),
            how="outer",
        )
        .assign(
            avg_order_value=lambda t: t["monetary"] / t["orders"].where(t["orders"] > 0),
            basket_size=lambda t: t["lines"] / t["orders"].where(t["orders"] > 0),
            avg_rating=lambda t: t["avg_rating"].fillna(t["avg_rating_given"]),
            review_count=lambda t: t["review_count"].fillna(0),
        )
        .drop(columns=["lines", "avg_rating_given"])
    )


def _category_mix(ws: Workspace) -> pd.DataFrame:
    """Share of each customer's purchased units per category (multi-category products split evenly)."""
    long = ws.query("""
        SELECT customer_id, trim(c.category) AS category, sum(coalesce(quantity, 1) / len(c.cats)) AS units
        FROM interactions i JOIN (
            SELECT product_id, string_split(category, '|') AS cats, unnest(string_split(category, '|')) AS category
            FROM products WHERE category IS NOT NULL) c USING (product_id)
        WHERE coalesce(quantity, 1) > 0 GROUP BY 1, 2
    """)
    if long.empty:
        return pd.DataFrame()
    wide = long.pivot_table(index="customer_id", columns="category", values="units", fill_value=0.0)
    return wide.div(wide.sum(axis=1), axis=0)


def _behaviour_features(table: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=table.index)
    out["log_orders"] = np.log1p(table["orders"].fillna(0))
    out["log_monetary"] = np.log1p(table["monetary"].clip(lower=0).fillna(0))
    out["recency"] = table["recency_days"].fillna(table["recency_days"].max())
    out["basket_size"] = table["basket_size"].fillna(0)
    out["return_share"] = table["return_share"].fillna(0)
    out["log_reviews"] = np.log1p(table["review_count"].fillna(0))
    return out.loc[:, out.std() > 0]


def _demographic_features(table: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=table.index)
    age = pd.to_numeric(table["age"], errors="coerce")
    if age.notna().mean() > 0.5:
        out["age"] = age.fillna(age.median())
    gender = table["gender"].astype("string").str.lower().str[:1]
    if gender.notna().mean() > 0.5:
        for code in ("f", "m"):
            out[f"gender_{code}"] = (gender == code).astype(float)
    occupation = table["occupation"].astype("string").str.strip().str.lower()
    if occupation.notna().mean() > 0.5:
        for job in occupation.value_counts().head(OCCUPATIONS).index:
            out[f"occupation_{job}"] = (occupation == job).astype(float)
    return out


def _text(
    ws: Workspace, ids: pd.Index, components: int, seed: int, report: Progress
) -> tuple[pd.DataFrame, pd.Series, pd.Series, list[Sample]]:
    """Per customer: TF-IDF of their reviews reduced to `components` dimensions joined with their
    Word2Vec centroid, their top keywords, and the average VADER sentiment of what they wrote.
    TF-IDF and SVD are linear and cover everyone; the word vectors learn from a sample of
    customers and VADER scores a sample of reviews (see core.budget)."""
    report(0.0, "reading what customers wrote")
    reviews = ws.query(
        "SELECT customer_id, coalesce(title, '') || '. ' || coalesce(text, '') AS doc "
        "FROM reviews WHERE customer_id IS NOT NULL AND text IS NOT NULL"
    )
    docs = reviews.groupby("customer_id", sort=True)["doc"].agg(" ".join).reset_index()
    empty = (pd.DataFrame(index=ids), pd.Series("", index=ids, dtype="string"), pd.Series(np.nan, index=ids), [])
    if len(docs) < 20:
        return empty
    vectorizer = TfidfVectorizer(
        stop_words="english",
        min_df=3,
        max_df=0.5,
        max_features=5000,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",
    )
    report(0.05, f"weighing the words of {len(docs):,} customers' reviews")
    matrix = vectorizer.fit_transform(docs["doc"].to_numpy(dtype=object))
    vocab = np.asarray(vectorizer.get_feature_names_out())
    n = min(components, matrix.shape[1] - 1, len(docs) - 1)
    if n < 2:
        return empty
    reduced = TruncatedSVD(n_components=n, random_state=seed).fit_transform(matrix)
    learners = sample_rows(len(docs), "persona_words", seed)
    words = f"learning word vectors from {len(learners):,} customers' reviews"
    centroids = doc_centroids(
        docs["doc"].tolist(), seed=seed, learn_from=learners, progress=lambda f: report(0.2 + 0.55 * f, words)
    )
    vectors = pd.DataFrame(
        np.hstack([reduced, centroids]),
        index=docs["customer_id"],
        columns=[f"text_{i}" for i in range(n)] + [f"w2v_{i}" for i in range(centroids.shape[1])],
    )
    keywords = pd.Series(_top_terms(matrix.tocsr(), vocab, 5), index=docs["customer_id"])
    toned = reviews.iloc[sample_rows(len(reviews), "persona_tone", seed)]
    tone = f"measuring the tone of {len(toned):,} reviews"
    scores = vader_compound(toned["doc"].tolist(), lambda f: report(0.75 + 0.25 * f, tone))
    sentiment = toned.assign(score=scores).groupby("customer_id")["score"].mean()
    samples = [
        Sample("persona_words", "customers with reviews", len(learners), len(docs), "word vectors learned"),
        Sample("persona_tone", "reviews", len(toned), len(reviews), "tone measured"),
    ]
    return (
        vectors.reindex(ids).fillna(0.0),
        keywords.reindex(ids).fillna("").astype("string"),
        sentiment.reindex(ids),
        [s for s in samples if s.sampled],
    )


def _top_terms(matrix, vocab: np.ndarray, k: int) -> list[str]:
    """The k highest-weighted terms of each row of a CSR matrix, without densifying it."""
    out = []
    for start, end in zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True):
        weights, columns = matrix.data[start:end], matrix.indices[start:end]
        best = columns[np.argsort(-weights)[:k]]
        out.append(", ".join(vocab[best]))
    return out
