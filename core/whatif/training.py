"""Time-split training of the propensity model.

The last `horizon` days are held out: the model is trained on earlier cutoffs (features at each
cutoff, purchases in the period after it) and measured once on the held-out period. Then it is
refitted with the held-out period included, to serve predictions for the period after the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.budget import budget
from core.errors import PersonaLensError
from core.whatif.features import Snapshot
from core.whatif.history import PurchaseHistory
from core.whatif.propensity import PropensityModel, Quality, measure

Progress = Callable[[float, str], None]
DEFAULT_HORIZON = 90
MAX_TRAINING_CUTOFFS = 4
_PREDICT_CHUNK = 100_000  # customer x unit pairs predicted between two progress reports


@dataclass
class Backtest:
    """The held-out measurement and the model refitted on everything."""

    horizon_days: int
    cutoffs: list[pd.Timestamp]  # training cutoffs, oldest first; the last one is the held-out cutoff
    quality: Quality
    model: PropensityModel


def choose_horizon(history: PurchaseHistory, wanted: int | None = None) -> int:
    span = (history.end - history.start).days
    horizon = wanted or DEFAULT_HORIZON
    if span < 3 * horizon:
        horizon = span // 3
    if horizon < 7:
        raise PersonaLensError(
            f"the purchases span only {span} days: what-if needs a few weeks of history to learn who buys next"
        )
    return int(horizon)


def cutoffs_for(history: PurchaseHistory, horizon: int) -> list[pd.Timestamp]:
    """Training cutoffs oldest first, each with at least half a period of history before it; the last
    is where the held-out period starts."""
    held_out = history.end - pd.Timedelta(days=horizon)
    found = [held_out]
    for k in range(1, MAX_TRAINING_CUTOFFS + 1):
        cutoff = held_out - pd.Timedelta(days=k * horizon)
        if cutoff - history.start < pd.Timedelta(days=horizon / 2):
            break
        found.append(cutoff)
    return sorted(found)


def training_pairs(
    snapshot: Snapshot, rng: np.random.Generator, max_pairs: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """customers, units, weights: every active pair, or (past core.budget's "propensity_pairs" per cutoff)
    a weighted sample: buyers and non-buyers each drawn at their own rate and weighted up by it, buyers
    taking at most half of the budget (a busy store's buyers alone can fill it, and a model that has
    seen a few non-buyers ranks nobody well)."""
    max_pairs = max_pairs or budget("propensity_pairs")
    n_u = snapshot.history.n_units
    active = np.flatnonzero(snapshot.active)
    total = len(active) * n_u
    if total <= max_pairs:
        customers, units = snapshot.pairs_all()
        return customers, units, np.ones(len(customers))
    lines = snapshot.history.lines
    after = lines[(lines["ts"] > snapshot.cutoff) & (lines["ts"] <= snapshot.cutoff + snapshot.horizon)]
    after = after[snapshot.active[after["customer"].to_numpy()]]
    buyers = np.unique(after["customer"].to_numpy(np.int64) * n_u + after["unit"].to_numpy())
    positive = buyers
    if len(buyers) > max_pairs // 2:
        positive = rng.choice(buyers, size=max_pairs // 2, replace=False)
    n_negative = max(max_pairs - len(positive), 1000)
    drawn = active[rng.integers(len(active), size=n_negative)].astype(np.int64) * n_u + rng.integers(
        n_u, size=n_negative
    )
    negative = drawn[~np.isin(drawn, buyers)]
    rate = len(negative) / max(total - len(buyers), 1)
    keys = np.concatenate([positive, negative])
    weights = np.concatenate([np.full(len(positive), len(buyers) / len(positive)), np.full(len(negative), 1.0 / rate)])
    return keys // n_u, keys % n_u, weights


def stack(
    snapshots: list[Snapshot], rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """features, labels, weights, customers, units over the training pairs of several snapshots."""
    parts = []
    for snap in snapshots:
        customers, units, weights = training_pairs(snap, rng)
        parts.append((snap.features(customers, units), snap.labels(customers, units), weights, customers, units))
    return (
        pd.concat([p[0] for p in parts], ignore_index=True),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
        np.concatenate([p[4] for p in parts]),
    )


def backtest(
    history: PurchaseHistory,
    personas: np.ndarray | None,
    horizon_days: int | None = None,
    seed: int = 42,
    progress: Progress | None = None,
) -> Backtest:
    """Train on the earlier cutoffs, measure on the held-out period, refit on every cutoff."""
    report = progress or (lambda _f, _m: None)
    horizon = choose_horizon(history, horizon_days)
    cutoffs = cutoffs_for(history, horizon)
    if len(cutoffs) < 2:
        raise PersonaLensError("not enough history for a time split: what-if needs at least two periods of purchases")
    rng = np.random.default_rng(seed)
    snapshots = []
    for i, cutoff in enumerate(cutoffs):
        report(0.05 + 0.45 * i / len(cutoffs), f"features as of {cutoff:%d %b %Y}")
        snapshots.append(Snapshot(history, cutoff, horizon, personas))
    x, y, w, customers, units = stack(snapshots[:-1], rng)
    report(0.55, "training on the earlier periods")
    model = PropensityModel(seed=seed).fit(x, y, w)
    report(0.7, "measuring on the held-out period")
    hx, hy, hw, hc, hu = stack(snapshots[-1:], rng)
    quality = measure(model, hx, hy, hw, segment_labels(snapshots[-1], hc, hu))
    report(0.8, "refitting on every period")
    fx = pd.concat([x, hx], ignore_index=True)
    final = PropensityModel(seed=seed).fit(fx, np.concatenate([y, hy]), np.concatenate([w, hw]))
    return Backtest(horizon, cutoffs, quality, final)


def segment_labels(snapshot: Snapshot, customers: np.ndarray, units: np.ndarray) -> np.ndarray:
    """persona x unit (or order-count band x unit without personas): the groups a campaign targets."""
    if snapshot.personas is not None and (snapshot.personas >= 0).any():
        group = snapshot.personas[customers]
    else:
        group = np.minimum(snapshot.n_orders[customers], 5).astype(int)
    return group.astype(np.int64) * snapshot.history.n_units + units


def campaign_check(
    history: PurchaseHistory,
    personas: np.ndarray | None,
    horizon_days: int | None = None,
    seed: int = 42,
    max_units: int = 20,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Replay campaigns on the last period: a model trained only on what came before predicts every
    persona x unit group's buyers, with the 95% interval a campaign would show, next to the buyers
    there really were.

    Returns group (persona id, or order-count band without personas), unit, predicted, low, high,
    actual, inside; groups predicted fewer than 5 buyers are left out. Units: all categories, or
    the `max_units` most bought products.
    """
    report = progress or (lambda _f, _m: None)
    horizon = choose_horizon(history, horizon_days)
    cutoff = history.end - pd.Timedelta(days=horizon)
    # the backtest about half the time, predicting every customer x unit of the last period the other half
    trained = backtest(history.until(cutoff), personas, horizon, seed, lambda f, m: report(0.5 * f, m))
    snapshot = Snapshot(history, cutoff, horizon, personas)
    customers, units = snapshot.pairs_all()
    if history.n_units > max_units:
        top = np.argsort(-np.bincount(snapshot.before["unit"], minlength=history.n_units), kind="stable")[:max_units]
        keep = np.isin(units, top)
        customers, units = customers[keep], units[keep]
    p = np.empty(len(customers))
    message = f"predicting {len(customers):,} customer x unit pairs of the held-out period"
    for start in range(0, len(customers), _PREDICT_CHUNK):
        report(0.5 + 0.5 * start / len(customers), message)
        part = slice(start, start + _PREDICT_CHUNK)
        p[part] = trained.model.predict_proba(snapshot.features(customers[part], units[part]))
    frame = pd.DataFrame(
        {
            "segment": segment_labels(snapshot, customers, units),
            "predicted": p,
            "variance": p * (1 - p),
            "actual": snapshot.labels(customers, units),
        }
    )
    cells = frame.groupby("segment")[["predicted", "variance", "actual"]].sum()
    cells = cells[cells["predicted"] >= 5]
    sd = np.sqrt(cells["variance"] + (trained.quality.segment_error * cells["predicted"]) ** 2)
    out = pd.DataFrame(
        {
            "group": (cells.index // history.n_units).astype(int),
            "unit": history.units[cells.index % history.n_units],
            "predicted": cells["predicted"].round(1),
            "low": (cells["predicted"] - 1.959964 * sd).clip(lower=0).round(1),
            "high": (cells["predicted"] + 1.959964 * sd).round(1),
            "actual": cells["actual"].astype(int),
        }
    ).reset_index(drop=True)
    out["inside"] = (out["actual"] >= out["low"]) & (out["actual"] <= out["high"])
    return out
