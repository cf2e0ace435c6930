"""Key drivers: which topics push star ratings up or down.

An ordinary least-squares regression of each review's stars on, for every topic, whether the
review mentions it positively and whether it mentions it negatively (mention = the topic holds
enough of the review's weight; positive/negative = the review's sentiment score). The
coefficient is the change in stars when a review talks about the topic in that tone, holding the
other topics fixed; the interval is the 95% confidence interval from the usual OLS standard
errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core import registry
from core.workspace import Workspace

MIN_RATED = 50
MIN_MENTIONS = 5
TONE = 0.05


def review_matrix(ws: Workspace) -> pd.DataFrame:
    """review_id, rating, sentiment_score, and one 0/1 column per topic id (mentions)."""
    reviews = ws.query(f"""
        SELECT r.review_id, r.rating, s.sentiment_score
        FROM reviews r JOIN {registry.active_rows(ws, "sentiment")} s USING (review_id) ORDER BY r.review_id""")
    mentions = ws.query(f"SELECT review_id, topic_id FROM {registry.active_rows(ws, 'topics')}")
    wide = pd.crosstab(mentions["review_id"], mentions["topic_id"]).clip(upper=1)
    return reviews.merge(wide, left_on="review_id", right_index=True, how="left").fillna({c: 0 for c in wide.columns})


@dataclass
class DriverFit:
    """The fitted regression: design (intercept first), the (topic_id, tone, mentions) of each other
    column, stars, coefficients, their covariance and the residual degrees of freedom."""

    design: np.ndarray
    names: list[tuple[int, str, int]]
    stars: np.ndarray
    coef: np.ndarray
    covariance: np.ndarray
    dof: int


def fit_drivers(frame: pd.DataFrame, labels: dict[int, str]) -> DriverFit | None:
    """OLS of stars on tone-specific topic mentions, or None when there is too little to fit."""
    rated = frame.dropna(subset=["rating", "sentiment_score"])
    if len(rated) < MIN_RATED:
        return None
    features, names = [], []
    for topic_id in labels:
        if topic_id not in rated.columns:
            continue
        mention = rated[topic_id].to_numpy(dtype=float)
        for tone, sign in (("positive", 1), ("negative", -1)):
            x = mention * (sign * rated["sentiment_score"].to_numpy() > TONE)
            if x.sum() >= MIN_MENTIONS:
                features.append(x)
                names.append((topic_id, tone, int(x.sum())))
    if not features:
        return None
    design = np.column_stack([np.ones(len(rated)), *features])
    y = rated["rating"].to_numpy(dtype=float)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    dof = max(len(y) - design.shape[1], 1)
    sigma2 = residual @ residual / dof
    return DriverFit(design, names, y, coef, sigma2 * np.linalg.pinv(design.T @ design), dof)


def key_drivers(frame: pd.DataFrame, labels: dict[int, str]) -> pd.DataFrame:
    """topic_id, topic, tone (positive|negative), effect (stars), ci_low, ci_high, mentions, p_value.

    `frame` is review_matrix's output; topics/tones with fewer than MIN_MENTIONS rated mentions are
    left out (their effect could not be told apart from noise).
    """
    columns = ["topic_id", "topic", "tone", "effect", "ci_low", "ci_high", "mentions", "p_value"]
    fit = fit_drivers(frame, labels)
    if fit is None:
        return pd.DataFrame(columns=columns)
    coef, dof = fit.coef, fit.dof
    se = np.sqrt(np.clip(np.diag(fit.covariance), 0, None))
    t_crit = stats.t.ppf(0.975, dof)
    rows = []
    for j, (topic_id, tone, n) in enumerate(fit.names, start=1):
        p = 2 * stats.t.sf(abs(coef[j] / se[j]), dof) if se[j] > 0 else 1.0
        rows.append(
            (topic_id, labels[topic_id], tone, coef[j], coef[j] - t_crit * se[j], coef[j] + t_crit * se[j], n, p)
        )
    out = pd.DataFrame(rows, columns=columns)
    out[["effect", "ci_low", "ci_high"]] = out[["effect", "ci_low", "ci_high"]].round(3)
    return out.sort_values("effect").reset_index(drop=True)


def complaint_drivers(frame: pd.DataFrame, labels: dict[int, str]) -> pd.DataFrame:
    """topic_id, topic, mentions, negative_share, lift, ci_low, ci_high: for feedback without stars.

    Without ratings nothing says what moves a rating; what can be said is which topics come with
    negative feedback more often than the rest: `lift` is the topic's share of negative items minus
    the share among the items that do not mention it (percentage points / 100), with a 95% normal
    interval. Topics with fewer than MIN_MENTIONS mentions are left out.
    """
    columns = ["topic_id", "topic", "mentions", "negative_share", "lift", "ci_low", "ci_high"]
    scored = frame.dropna(subset=["sentiment_score"])
    negative = (scored["sentiment_score"].to_numpy() < -TONE).astype(float)
    rows = []
    for topic_id, topic in labels.items():
        if topic_id not in scored.columns:
            continue
        mention = scored[topic_id].to_numpy() > 0
        n_in, n_out = int(mention.sum()), int((~mention).sum())
        if n_in < MIN_MENTIONS or n_out < MIN_MENTIONS:
            continue
        p_in, p_out = negative[mention].mean(), negative[~mention].mean()
        se = np.sqrt(p_in * (1 - p_in) / n_in + p_out * (1 - p_out) / n_out)
        rows.append((topic_id, topic, n_in, p_in, p_in - p_out, p_in - p_out - 1.96 * se, p_in - p_out + 1.96 * se))
    out = pd.DataFrame(rows, columns=columns)
    out[["negative_share", "lift", "ci_low", "ci_high"]] = out[["negative_share", "lift", "ci_low", "ci_high"]].round(3)
    return out.sort_values("lift", ascending=False).reset_index(drop=True)
