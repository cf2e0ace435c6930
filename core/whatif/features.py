"""Features of a (customer, unit) pair as they were known at a cutoff, and the label after it.

Everything is computed from purchases up to the cutoff only, so a model trained on one cutoff's
features and the next period's purchases can be checked honestly on a later cutoff. The one
exception is persona membership, which comes from the current personas (found on all data); the
persona's taste for a unit is still measured on purchases before the cutoff.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.whatif.history import PurchaseHistory

FEATURES: dict[str, str] = {
    "recency": "days since the customer's last purchase (log)",
    "orders": "orders so far (log)",
    "spend": "money spent so far (log)",
    "tenure": "days since the first purchase (log)",
    "recent_orders": "orders in the last period (log)",
    "unit_count": "times the customer bought this category/product (log)",
    "unit_share": "share of the customer's purchases in this category/product",
    "unit_recency": "days since the customer last bought this category/product (log; empty if never)",
    "unit_popularity": "share of everyone's purchases last period in this category/product (log)",
    "unit_trend": "last period's purchases against the period before (log ratio)",
    "unit_season": "how much this category/product sold in the same weeks a year earlier, against usual (log)",
    "period_sin": "time of year of the coming period (with period_cos: the store's seasons)",
    "period_cos": "time of year of the coming period",
    "persona_lift": "how much more the customer's persona buys this category/product than everyone (log)",
    "basket_affinity": "recommendation score: how often buyers of what this customer has also bought this",
    "age": "age in years (empty if unknown)",
    "female": "1 when the customer's gender is recorded as female",
    "campaign_response": "share of past campaign messages the customer bought after (empty if never sent one)",
}
BASELINE_FEATURES = ("recency", "orders", "unit_recency", "unit_count")
_NEVER_DAYS = 3650.0


class Snapshot:
    """The state of the store at `cutoff`: per customer, per unit and per pair statistics.

    `features(customers, units)` returns one row per requested pair (FEATURES columns);
    `labels(customers, units, horizon_days)` whether each pair was bought in the period after.
    """

    def __init__(self, history: PurchaseHistory, cutoff: pd.Timestamp, horizon_days: int, personas: np.ndarray | None):
        self.history, self.cutoff, self.horizon = history, pd.Timestamp(cutoff), pd.Timedelta(days=horizon_days)
        lines = history.lines
        before = lines[lines["ts"] <= self.cutoff]
        self.before = before
        n_c, n_u = history.n_customers, history.n_units
        days_ago = self._days_ago()
        cust = before["customer"].to_numpy()
        self.active = np.bincount(cust, minlength=n_c) > 0
        self.last_days = _group_min(cust, days_ago, n_c)
        self.first_days = _group_max(cust, days_ago, n_c)
        order = before["order"].to_numpy(np.int64)
        # each (customer, order)'s first line: np.unique on one integer key (drop_duplicates on two columns took 0.8 s)
        _, first = np.unique(cust.astype(np.int64) * (int(order.max(initial=0)) + 1) + order, return_index=True)
        self.n_orders = np.bincount(cust[first], minlength=n_c).astype(float)
        recent = first[(before["ts"].to_numpy()[first] > np.datetime64(self.cutoff - self.horizon))]
        self.recent_orders = np.bincount(cust[recent], minlength=n_c).astype(float)
        self.spend = np.bincount(cust, weights=before["spend"].to_numpy(), minlength=n_c)
        self.pair_count = sp.csr_matrix(
            (np.ones(len(before), dtype=np.float32), (cust, before["unit"].to_numpy())), shape=(n_c, n_u)
        )  # duplicates are summed
        self.pair_count.sum_duplicates()
        self.line_count = np.asarray(self.pair_count.sum(axis=1)).ravel()
        self.personas = personas
        self._affinity_scores: np.ndarray | None = None
        # The rest is computed on the first `features` call (cached_property below): a What-if page that reads
        # the predictions stored at training needs only the customer statistics above.

    def _days_ago(self) -> np.ndarray:
        return (self.cutoff - self.before["ts"]).dt.total_seconds().to_numpy() / 86400.0

    @cached_property
    def _pair_last(self) -> tuple[np.ndarray, np.ndarray]:
        before = self.before
        return _pair_min_days(
            before["customer"].to_numpy(), before["unit"].to_numpy(), self._days_ago(), self.history.n_units
        )

    @cached_property
    def unit_popularity(self) -> np.ndarray:
        return _window_share(self.before, self.cutoff - self.horizon, self.cutoff, self.history.n_units)

    @cached_property
    def unit_trend(self) -> np.ndarray:
        earlier = _window_share(
            self.before, self.cutoff - 2 * self.horizon, self.cutoff - self.horizon, self.history.n_units
        )
        return np.log((self.unit_popularity + 1e-3) / (earlier + 1e-3))

    @cached_property
    def unit_season(self) -> np.ndarray:
        return self._season(self.before, self.history.n_units)

    @cached_property
    def persona_lift(self) -> np.ndarray | None:
        before = self.before
        return self._persona_lift(
            self.personas, before["customer"].to_numpy(), before["unit"].to_numpy(), self.history.n_units
        )

    @cached_property
    def affinity(self) -> np.ndarray:
        return _basket_affinity(self.pair_count)

    @cached_property
    def age(self) -> np.ndarray:
        ages = pd.to_numeric(self.history.people["age"], errors="coerce").to_numpy(dtype=float)
        return ages if np.isfinite(ages).mean() > 0.3 else np.full(self.history.n_customers, np.nan)

    @cached_property
    def female(self) -> np.ndarray:
        gender = self.history.people["gender"].astype("string").str.lower().str[:1]
        return (gender == "f").fillna(False).to_numpy(dtype=float)

    @cached_property
    def campaign_response(self) -> np.ndarray:
        return self._campaign_response(self.history.n_customers)

    def _campaign_response(self, n_c: int) -> np.ndarray:
        """Answers to campaigns whose buying window had closed by the cutoff (a later send's answer
        would tell the label)."""
        answers = self.history.responses
        closed = answers[answers["sent"] <= self.cutoff - self.horizon]
        who = closed["customer"].to_numpy(dtype=np.int64)
        sent = np.bincount(who, minlength=n_c).astype(float)
        bought = np.bincount(who, weights=closed["converted"].to_numpy(dtype=float), minlength=n_c)
        return np.where(sent > 0, bought / np.maximum(sent, 1), np.nan)

    def _season(self, before: pd.DataFrame, n_u: int) -> np.ndarray:
        year_ago = self.cutoff - pd.Timedelta(days=365)
        if year_ago < self.history.start:
            return np.full(n_u, np.nan)
        same_weeks = _window_share(before, year_ago, year_ago + self.horizon, n_u)
        usual = _window_share(before, self.history.start - pd.Timedelta(days=1), self.cutoff, n_u)
        return np.log((same_weeks + 1e-3) / (usual + 1e-3))

    def _persona_lift(
        self, personas: np.ndarray | None, cust: np.ndarray, unit: np.ndarray, n_u: int
    ) -> np.ndarray | None:
        if personas is None or (personas < 0).all():
            return None
        groups = personas[cust]
        known = groups >= 0
        n_groups = int(personas.max()) + 1
        table = np.zeros((n_groups, n_u))
        np.add.at(table, (groups[known], unit[known]), 1.0)
        overall = (table.sum(axis=0) + 1.0) / (table.sum() + n_u)
        share = (table + 1.0) / (table.sum(axis=1, keepdims=True) + n_u)
        return np.log(share / overall)

    def pairs_all(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (active customer, unit) pair."""
        customers = np.flatnonzero(self.active)
        n_u = self.history.n_units
        return np.repeat(customers, n_u), np.tile(np.arange(n_u), len(customers))

    def features(self, customers: np.ndarray, units: np.ndarray) -> pd.DataFrame:
        count = np.asarray(self.pair_count[customers, units]).ravel()
        unit_last = self._pair_last_days(customers, units)
        persona = (
            np.full(len(customers), np.nan)
            if self.persona_lift is None
            else np.where(
                self.personas[customers] >= 0, self.persona_lift[np.maximum(self.personas[customers], 0), units], np.nan
            )
        )
        out = {
            "recency": np.log1p(self.last_days[customers]),
            "orders": np.log1p(self.n_orders[customers]),
            "spend": np.log1p(np.maximum(self.spend[customers], 0)),
            "tenure": np.log1p(self.first_days[customers]),
            "recent_orders": np.log1p(self.recent_orders[customers]),
            "unit_count": np.log1p(count),
            "unit_share": count / np.maximum(self.line_count[customers], 1),
            "unit_recency": np.log1p(unit_last),
            "unit_popularity": np.log(self.unit_popularity[units] + 1e-4),
            "unit_trend": self.unit_trend[units],
            "unit_season": self.unit_season[units],
            "period_sin": np.full(len(customers), np.sin(self._period_angle())),
            "period_cos": np.full(len(customers), np.cos(self._period_angle())),
            "persona_lift": persona,
            "basket_affinity": self._affinity(customers, units),
            "age": self.age[customers],
            "female": self.female[customers],
            "campaign_response": self.campaign_response[customers],
        }
        return pd.DataFrame(out, columns=list(FEATURES)).astype(np.float32)

    def _period_angle(self) -> float:
        middle = self.cutoff + self.horizon / 2
        return 2 * np.pi * (middle.day_of_year - 1) / 365.25

    def labels(self, customers: np.ndarray, units: np.ndarray) -> np.ndarray:
        """1 where the customer bought the unit in the period after the cutoff."""
        lines = self.history.lines
        after = lines[(lines["ts"] > self.cutoff) & (lines["ts"] <= self.cutoff + self.horizon)]
        bought = np.unique(after["customer"].to_numpy(np.int64) * self.history.n_units + after["unit"].to_numpy())
        keys = customers.astype(np.int64) * self.history.n_units + units
        return np.isin(keys, bought).astype(np.int8)

    def _pair_last_days(self, customers: np.ndarray, units: np.ndarray) -> np.ndarray:
        keys_sorted, days = self._pair_last
        keys = customers.astype(np.int64) * self.history.n_units + units
        pos = np.clip(np.searchsorted(keys_sorted, keys), 0, max(len(keys_sorted) - 1, 0))
        found = len(keys_sorted) > 0
        hit = (keys_sorted[pos] == keys) if found else np.zeros(len(keys), dtype=bool)
        return np.where(hit, days[pos] if found else 0.0, np.nan)

    def _affinity(self, customers: np.ndarray, units: np.ndarray) -> np.ndarray:
        if self._affinity_scores is None:  # customers x units, computed once per snapshot
            bought = (self.pair_count > 0).astype(np.float32)
            per_customer = np.maximum(np.asarray(bought.sum(axis=1)).ravel(), 1.0)
            self._affinity_scores = np.asarray(bought @ self.affinity) / per_customer[:, None]
        return self._affinity_scores[customers, units]


def _group_min(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    np.minimum.at(out, groups, values)
    return np.where(np.isfinite(out), out, _NEVER_DAYS)


def _group_max(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, groups, values)
    return np.where(np.isfinite(out), out, 0.0)


def _pair_min_days(cust: np.ndarray, unit: np.ndarray, days: np.ndarray, n_u: int) -> tuple[np.ndarray, np.ndarray]:
    keys = cust.astype(np.int64) * n_u + unit
    frame = pd.DataFrame({"key": keys, "days": days}).groupby("key")["days"].min()
    return frame.index.to_numpy(np.int64), frame.to_numpy(float)


def _window_share(lines: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, n_u: int) -> np.ndarray:
    window = lines[(lines["ts"] > start) & (lines["ts"] <= end)]
    counts = np.bincount(window["unit"].to_numpy(), minlength=n_u).astype(float)
    return counts / max(counts.sum(), 1.0)


def _basket_affinity(pair_count: sp.csr_matrix) -> np.ndarray:
    """units x units cosine similarity of who bought them (diagonal zeroed), dense."""
    bought = (pair_count > 0).astype(np.float32)
    co = (bought.T @ bought).toarray()
    norms = np.sqrt(np.diag(co))
    sim = co / np.maximum(np.outer(norms, norms), 1e-9)
    np.fill_diagonal(sim, 0.0)
    return sim.astype(np.float32)
