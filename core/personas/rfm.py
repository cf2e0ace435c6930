"""RFM segments: the rule-based second lens next to the learned personas.

Recency, frequency and monetary value are scored 1-5 by quintile (5 is best: recent, frequent,
high spend) and named with the usual marketing segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# (segment, rule over r and fm = rounded mean of f and m), checked in order
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("Champions", "r >= 4 and fm >= 4"),
    ("Loyal", "r >= 3 and fm >= 4"),
    ("Potential loyalists", "r >= 4 and fm >= 2"),
    ("New customers", "r >= 4"),
    ("Can't lose them", "r <= 2 and fm >= 4"),
    ("At risk", "r <= 2 and fm >= 3"),
    ("Need attention", "r == 3"),
    ("Hibernating", "r == 2"),
    ("Lost", "r <= 1"),
)


def rfm_scores(profiles: pd.DataFrame) -> pd.DataFrame:
    """Scores and segment per customer with at least one order.

    Input: a profiles table with recency_days, orders, monetary (index customer_id).
    Returns columns: recency_days, orders, monetary, r, f, m (1-5), segment.
    """
    active = profiles.loc[profiles["orders"].fillna(0) > 0, ["recency_days", "orders", "monetary"]].copy()
    if active.empty:
        return active.assign(
            r=pd.Series(dtype=int), f=pd.Series(dtype=int), m=pd.Series(dtype=int), segment=pd.Series(dtype="string")
        )
    active["r"] = _quintile(-active["recency_days"])
    active["f"] = _quintile(active["orders"])
    active["m"] = _quintile(active["monetary"])
    scored = active.assign(fm=np.round((active["f"] + active["m"]) / 2))
    matches = [scored.eval(rule).to_numpy(dtype=bool) for _, rule in SEGMENTS]  # the first rule that matches names it
    names = np.select(matches, [name for name, _ in SEGMENTS], default="Other")
    active["segment"] = pd.Series(names, index=active.index, dtype="string")
    return active


def _quintile(values: pd.Series) -> pd.Series:
    """1-5 by rank, ties sharing a score; a constant column scores 3."""
    if values.nunique() <= 1:
        return pd.Series(3, index=values.index)
    ranks = values.rank(method="average", pct=True)
    return np.ceil(ranks * 5).clip(1, 5).astype(int)


def segment_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per segment: customers, share, revenue, average recency and orders."""
    total = max(len(scores), 1)
    summary = scores.groupby("segment").agg(
        customers=("r", "size"),
        revenue=("monetary", "sum"),
        recency_days=("recency_days", "mean"),
        orders=("orders", "mean"),
    )
    summary["share"] = summary["customers"] / total
    order = [name for name, _ in SEGMENTS if name in summary.index]
    return summary.reindex(order).reset_index()
