"""Offline evaluation splits, reproducible with a seed.

stratified: per customer, a random 75% of their products to train on and the rest held out (the
protocol of the public Microsoft Recommenders MovieLens benchmark). Customers with a single
product keep it in training and are not scored.
last: per customer, the most recent product is held out (temporal leave-last-out); customers
with fewer than two products, or without timestamps, are not scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import PersonaLensError

PROTOCOLS = ("stratified", "last")
HIDDEN = {  # what each protocol hid from every customer, in the words of the Recommendations page
    "stratified": "a random quarter of their products was hidden",
    "last": "the product they bought last was hidden",
}


def natural_protocol(pairs: pd.DataFrame) -> str:
    """The question a workspace's data asks: orders are sequences, so what comes next ("last");
    ratings are opinions given in any order, so which others they like ("stratified")."""
    dated = pairs["last_ts"].notna().mean() >= 0.9 if len(pairs) else False
    return "last" if dated and pairs["rating"].isna().all() else "stratified"


def split_pairs(pairs: pd.DataFrame, protocol: str = "stratified", ratio: float = 0.75, seed: int = 42):
    """(train, test) pair frames; every test pair is a relevant item for its customer."""
    if protocol == "stratified":
        return stratified_split(pairs, ratio, seed)
    if protocol == "last":
        return last_split(pairs, seed)
    raise PersonaLensError(f"unknown evaluation protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")


def stratified_split(pairs: pd.DataFrame, ratio: float = 0.75, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(pairs)), pairs["user"].to_numpy()))
    shuffled = pairs.iloc[order]
    position = shuffled.groupby("user").cumcount().to_numpy()
    size = shuffled.groupby("user")["user"].transform("size").to_numpy()
    keep = position < np.maximum(np.round(size * ratio), 1)
    return shuffled[keep].sort_index(), shuffled[~keep].sort_index()


def last_split(pairs: pd.DataFrame, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    if pairs["last_ts"].isna().all():
        raise PersonaLensError("the 'last' protocol needs timestamps; these interactions have none")
    rng = np.random.default_rng(seed)
    stamp = pd.to_datetime(pairs["last_ts"]).astype("int64").to_numpy()
    order = np.lexsort((rng.random(len(pairs)), stamp, pairs["user"].to_numpy()))
    ordered = pairs.iloc[order]
    from_end = ordered.groupby("user").cumcount(ascending=False).to_numpy()
    size = ordered.groupby("user")["user"].transform("size").to_numpy()
    held = (from_end == 0) & (size >= 2) & ordered["last_ts"].notna().to_numpy()
    return ordered[~held].sort_index(), ordered[held].sort_index()
