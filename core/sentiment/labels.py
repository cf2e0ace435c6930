"""What the marketer taught: sentiment labels on feedback items, with who gave them and when.

`sentiment_labels` is append-only: a new answer for the same review is a new row and the newest
counts, so the labels a model version learned from are "every row up to its time" and can always
be read again. The uploaded reviews are never touched. Every later retrain uses the labels
(`training_labels`); `pick_uncertain` chooses what to ask next: the items the serving model is
least sure about (active learning), one per distinct text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from core import audit
from core.auth import User, require, who
from core.errors import PersonaLensError
from core.sentiment.models import LABELS, SentimentModel, VaderModel
from core.workspace import Workspace, bump_labels_version

TABLE = "sentiment_labels"
_DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    review_id VARCHAR, label VARCHAR, labelled_by VARCHAR, labelled_at TIMESTAMP)"""
CANDIDATES = 20_000  # scoring more unlabelled items to pick ten adds time, not better questions
EXPLORE = 0.5  # share of each batch drawn at random (benchmarks/text_quality.py teaching: see RESULTS.md)


def add_labels(ws: Workspace, labels: Mapping[str, str], by: User | None = None) -> int:
    """Store `review_id -> label` answers (labels from LABELS); returns how many were stored."""
    require(by, ws.name, "label")
    bad = sorted({v for v in labels.values() if v not in LABELS})
    if bad:
        raise PersonaLensError(f"a label must be one of {', '.join(LABELS)}; got {', '.join(map(repr, bad))}")
    if not labels:
        return 0
    known = set(
        ws.query_with(
            "SELECT r.review_id FROM reviews r JOIN asked a ON r.review_id = a.review_id",
            {"asked": pd.DataFrame({"review_id": list(labels)})},
        )["review_id"]
    )
    unknown = [r for r in labels if r not in known]
    if unknown:
        raise PersonaLensError(
            f"{len(unknown):,} labelled review id(s) are not in this workspace, e.g. {unknown[0]!r}: nothing was stored"
        )
    rows = pd.DataFrame(
        {
            "review_id": list(labels),
            "label": list(labels.values()),
            "labelled_by": who(by),
            "labelled_at": datetime.now(UTC).replace(tzinfo=None),
        }
    )
    with ws.transaction("saving sentiment labels") as con:
        con.execute(_DDL)
        con.register("new_labels", rows)
        con.execute(f"INSERT INTO {TABLE} SELECT * FROM new_labels")
        bump_labels_version(con)
    audit.record(ws, by, "label", f"{len(rows):,} sentiment labels")
    return len(rows)


def current_labels(ws: Workspace) -> pd.DataFrame:
    """review_id, label, labelled_by, labelled_at, text: the newest answer per review."""
    if not ws.has_table(TABLE):
        return pd.DataFrame(columns=["review_id", "label", "labelled_by", "labelled_at", "text"])
    return ws.query(f"""
        SELECT l.review_id, l.label, l.labelled_by, l.labelled_at,
               trim(concat_ws('. ', nullif(trim(r.title), ''), nullif(trim(r.text), ''))) AS text
        FROM (SELECT * FROM {TABLE} QUALIFY row_number() OVER (PARTITION BY review_id ORDER BY labelled_at DESC) = 1) l
        JOIN reviews r USING (review_id)
        ORDER BY l.labelled_at, l.review_id""")


def label_counts(ws: Workspace) -> dict[str, int]:
    """How many reviews carry each label now (every label in LABELS, 0 when none)."""
    counts = current_labels(ws)["label"].value_counts()
    return {label: int(counts.get(label, 0)) for label in LABELS}


def training_labels(ws: Workspace) -> pd.Series:
    """review_id -> class index (0 negative, 1 neutral, 2 positive) of every labelled review."""
    labels = current_labels(ws)
    return pd.Series(
        [LABELS.index(v) for v in labels["label"]], index=labels["review_id"].tolist(), dtype="int64", name="label"
    )


def pick_uncertain(ws: Workspace, model: SentimentModel | None, n: int = 10, seed: int = 42) -> pd.DataFrame:
    """review_id, text, suggestion, certainty of the `n` unlabelled reviews `model` is least sure about.

    Certainty is the gap between the model's two most likely labels (VADER: the size of its
    compound score). Identical texts are asked about once. At most CANDIDATES random unlabelled
    reviews are scored.
    """
    from core.sentiment.service import review_texts

    reviews = review_texts(ws)
    labelled = set(current_labels(ws)["review_id"])
    pool = reviews[~reviews["review_id"].isin(labelled)].drop_duplicates("text")
    pool = pool[pool["text"].str.len() > 0]
    if len(pool) > CANDIDATES:
        pool = pool.sample(CANDIDATES, random_state=seed)
    if pool.empty:
        return pd.DataFrame(columns=["review_id", "text", "suggestion", "certainty"])
    texts = pool["text"].tolist()
    order, certainty, suggestion = least_certain(model or VaderModel(), texts, n)
    return pd.DataFrame(
        {
            "review_id": pool["review_id"].to_numpy()[order],
            "text": np.asarray(texts, dtype=object)[order],
            "suggestion": np.array(LABELS)[suggestion[order]],
            "certainty": np.round(certainty[order], 3),
        }
    )


def least_certain(
    model: SentimentModel, texts: list[str], n: int, explore: float | None = None, seed: int = 42
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of `n` texts to ask about, and every text's certainty and suggested class.

    Most are the ones `model` is least sure about; an EXPLORE share is drawn at random from the
    rest, so a model that is wrong with confidence (a word list on a new kind of text) still
    meets examples of what it gets wrong.
    """
    explore = EXPLORE if explore is None else explore
    if isinstance(model, VaderModel):
        score = model.score(texts)
        certainty, suggestion = np.abs(score), model.predict(texts)
    else:
        p = model.proba(texts)
        top = np.sort(p, axis=1)
        certainty, suggestion = top[:, -1] - top[:, -2], p.argmax(axis=1)
    ranked = np.argsort(certainty, kind="stable")
    unsure = ranked[: n - int(explore * n)]
    rest = ranked[len(unsure) :]
    drawn = np.random.default_rng(seed).choice(rest, min(n - len(unsure), len(rest)), replace=False)
    return np.r_[unsure, np.sort(drawn)].astype(int), certainty, suggestion


def next_questions(ws: Workspace, n: int = 10) -> pd.DataFrame:
    """What to ask the marketer next: `pick_uncertain` with the workspace's serving model (VADER if none)."""
    from core.sentiment.service import load_sentiment

    return pick_uncertain(ws, load_sentiment(ws), n)
