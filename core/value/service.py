"""Customer lifetime value from a workspace's orders: fit, check on a held-out period, forecast.

A purchase is what core.whatif.history.PURCHASES says (dated, bought, not returned); customers'
purchases on one day count as one transaction, the usual convention for these models. The check
fits on everything before a cutoff and predicts each customer's transactions in the held-out period
after it; it reports the Spearman correlation of predicted and actual purchases, the mean absolute
error, and the calibration by decile of the prediction, beside a "same as the last period" baseline
(each customer buys in the next period what they bought in the period of the same length just before
the cutoff) measured on the same customers.

Columns of `forecast`: customer_id, p_alive, expected_purchases, purchases_low, purchases_high,
spend_per_purchase, clv, clv_low, clv_high (intervals are 80%, from simulating each customer's
purchases from their posterior; spend uses the Gamma-Gamma expectation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from core import registry
from core.errors import PersonaLensError
from core.frames import isin
from core.value.btyd import BetaGeoModel, GammaGammaModel
from core.whatif.history import PURCHASES
from core.workspace import Workspace

MIN_CUSTOMERS = 50
MIN_REPEAT = 20  # customers with a repeat purchase, for the spend model
DRAWS = 400
CHUNK = 5_000  # customers simulated at once
INTERVAL = (0.1, 0.9)
HORIZON = 365  # days: the year budgets are set by, what the pages show
STORED = "value_forecast"  # .parquet + .json in the propensity version's folder


def purchase_days(ws: Workspace) -> pd.DataFrame:
    """customer_id, day, spend: one row per customer and day with a purchase."""
    days = ws.query(
        f"""SELECT customer_id, CAST(date_trunc('day', ts) AS TIMESTAMP) AS day, sum(spend) AS spend
            FROM ({PURCHASES}) GROUP BY 1, 2 ORDER BY 1, 2"""
    )
    if days.empty:
        raise PersonaLensError("customer value needs dated purchases: upload an order export with dates first")
    days["customer_id"] = days["customer_id"].astype(str)
    return days


def summarise(days: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Per customer (index customer_id): frequency (repeat purchase days), recency (days from the first to the
    last purchase), age (days from the first purchase to `end`), monetary (mean spend of the repeat days)."""
    days = days[days["day"] <= end]
    grouped = days.groupby("customer_id")
    first, last = grouped["day"].min(), grouped["day"].max()
    count = grouped.size()
    first_spend = days.sort_values("day").groupby("customer_id")["spend"].first()
    repeat_spend = grouped["spend"].sum() - first_spend
    frequency = count - 1
    out = pd.DataFrame(
        {
            "frequency": frequency.astype(float),
            "recency": (last - first).dt.days.astype(float),
            "age": (end - first).dt.days.astype(float),
            "monetary": (repeat_spend / frequency.where(frequency > 0)).astype(float),
        }
    )
    return out[out["age"] > 0]


@dataclass(frozen=True)
class ValueModel:
    purchases: BetaGeoModel
    spend: GammaGammaModel
    population_spend: float
    customers: int
    end: pd.Timestamp

    @classmethod
    def fit(cls, summary: pd.DataFrame, end: pd.Timestamp) -> ValueModel:
        if len(summary) < MIN_CUSTOMERS:
            raise PersonaLensError(
                f"customer value needs at least {MIN_CUSTOMERS} customers with purchases; there are {len(summary)}"
            )
        purchases = BetaGeoModel.fit(summary["frequency"], summary["recency"], summary["age"])
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary"] > 0)]
        if len(repeat) < MIN_REPEAT:
            raise PersonaLensError(
                f"customer value needs at least {MIN_REPEAT} customers who bought twice; there are {len(repeat)}"
            )
        spend = GammaGammaModel.fit(repeat["frequency"], repeat["monetary"])
        return cls(purchases, spend, float(repeat["monetary"].mean()), len(summary), end)

    def expected_purchases(self, summary: pd.DataFrame, horizon: float) -> np.ndarray:
        return self.purchases.expected_purchases(horizon, summary["frequency"], summary["recency"], summary["age"])

    def forecast(self, summary: pd.DataFrame, horizon: float, seed: int = 42) -> pd.DataFrame:
        x, t_x, age = summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["age"].to_numpy()
        expected = self.purchases.expected_purchases(horizon, x, t_x, age)
        rng = np.random.default_rng(seed)
        low, high = np.empty(len(x)), np.empty(len(x))
        for start in range(0, len(x), CHUNK):  # bounded memory: CHUNK x DRAWS draws at a time
            part = slice(start, start + CHUNK)
            draws = self.purchases.simulate(horizon, x[part], t_x[part], age[part], DRAWS, rng)
            low[part], high[part] = np.quantile(draws, INTERVAL, axis=1)
        per = self.spend.expected_spend(x, summary["monetary"].to_numpy(), self.population_spend)
        return pd.DataFrame(
            {
                "customer_id": summary.index.astype(str),
                "p_alive": self.purchases.p_alive(x, t_x, age).round(3),
                "expected_purchases": expected.round(3),
                "purchases_low": low,
                "purchases_high": high,
                "spend_per_purchase": per.round(2),
                "clv": (expected * per).round(2),
                "clv_low": (low * per).round(2),
                "clv_high": (high * per).round(2),
            }
        ).sort_values("clv", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class HoldoutCheck:
    cutoff: pd.Timestamp
    holdout_days: int
    customers: int
    spearman: float
    baseline_spearman: float
    mae: float
    baseline_mae: float
    actual_total: float
    predicted_total: float
    deciles: pd.DataFrame  # decile (1 = lowest predicted), customers, predicted, actual, baseline (means)

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "deciles"}
        out["cutoff"] = str(self.cutoff.date())
        out["deciles"] = self.deciles.round(3).to_dict(orient="records")
        return out


def holdout_check(days: pd.DataFrame, holdout_days: int | None = None) -> HoldoutCheck:
    """Fit before a cutoff, predict the held-out period (default: the last quarter of the history, at most a
    year), and compare with what happened and with the same-as-last-period baseline."""
    start, end = days["day"].min(), days["day"].max()
    span = (end - start).days
    horizon = int(holdout_days or min(365, max(span // 4, 7)))
    cutoff = end - pd.Timedelta(days=horizon)
    if (cutoff - start).days < horizon:
        raise PersonaLensError("the purchase history is too short to hold out a period and still fit on one as long")
    summary = summarise(days, cutoff)
    model = ValueModel.fit(summary, cutoff)
    predicted = model.expected_purchases(summary, horizon)
    after = days[(days["day"] > cutoff) & (days["day"] <= end)].groupby("customer_id").size()
    before = (
        days[(days["day"] > cutoff - pd.Timedelta(days=horizon)) & (days["day"] <= cutoff)]
        .groupby("customer_id")
        .size()
    )
    actual = after.reindex(summary.index, fill_value=0).to_numpy(dtype=float)
    baseline = before.reindex(summary.index, fill_value=0).to_numpy(dtype=float)
    frame = pd.DataFrame({"predicted": predicted, "actual": actual, "baseline": baseline})
    frame["decile"] = pd.qcut(frame["predicted"].rank(method="first"), 10, labels=range(1, 11)).astype(int)
    deciles = (
        frame.groupby("decile")
        .agg(
            customers=("actual", "size"),
            predicted=("predicted", "mean"),
            actual=("actual", "mean"),
            baseline=("baseline", "mean"),
        )
        .reset_index()
    )
    return HoldoutCheck(
        cutoff=cutoff,
        holdout_days=horizon,
        customers=len(frame),
        spearman=round(float(spearmanr(predicted, actual).statistic), 4),
        baseline_spearman=round(float(spearmanr(baseline, actual).statistic), 4),
        mae=round(float(np.abs(predicted - actual).mean()), 4),
        baseline_mae=round(float(np.abs(baseline - actual).mean()), 4),
        actual_total=float(actual.sum()),
        predicted_total=round(float(predicted.sum()), 1),
        deciles=deciles,
    )


def customer_value(ws: Workspace, horizon: int = 365, seed: int = 42) -> tuple[ValueModel, pd.DataFrame]:
    """The model fitted on every purchase, and each customer's forecast over the next `horizon` days."""
    if horizon <= 0:
        raise PersonaLensError("the horizon is a number of days, at least 1")
    days = purchase_days(ws)
    end = days["day"].max()
    summary = summarise(days, end + pd.Timedelta(days=1))
    model = ValueModel.fit(summary, end)
    return model, model.forecast(summary, horizon, seed)


def value_by_persona(forecast: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """persona_id, customers, clv (mean), clv_low, clv_high (means of the members' 80% bounds), clv_total,
    p_alive (mean): what each persona is expected to be worth over the forecast's horizon."""
    joined = forecast.merge(assignments[["customer_id", "persona_id"]], on="customer_id")
    return (
        joined.groupby("persona_id")
        .agg(
            customers=("clv", "size"),
            clv=("clv", "mean"),
            clv_low=("clv_low", "mean"),
            clv_high=("clv_high", "mean"),
            clv_total=("clv", "sum"),
            p_alive=("p_alive", "mean"),
        )
        .round(3)
        .reset_index()
    )


def audience_value(forecast: pd.DataFrame, customer_ids: pd.Series) -> tuple[float, float, float]:
    """The summed expected value of an audience over the forecast's horizon, and the sums of its members'
    80% bounds (a conservative range: members' bounds do not all come true at once)."""
    rows = forecast[isin(forecast["customer_id"], customer_ids)]
    return float(rows["clv"].sum()), float(rows["clv_low"].sum()), float(rows["clv_high"].sum())


def store_forecast(ws: Workspace, folder: Path, horizon: int = HORIZON) -> bool:
    """Forecast every customer now (a training run) into `folder`, so pages read it instead of simulating
    100,000 customers' purchases on a first visit. False when the data cannot support a forecast."""
    data_version = ws.data_version()
    try:
        forecast = customer_value(ws, horizon)[1]
    except PersonaLensError:
        return False
    forecast.to_parquet(folder / f"{STORED}.parquet")
    (folder / f"{STORED}.json").write_text(json.dumps({"horizon": horizon, "data_version": data_version}))
    return True


def current_forecast(ws: Workspace, horizon: int = HORIZON) -> pd.DataFrame:
    """The forecast the active purchase-propensity version stored, when it was made on today's data for
    this horizon; else a fresh one (raises PersonaLensError when the data cannot support it)."""
    version = registry.active_version(ws, "propensity")
    folder = ws.models_dir / "propensity" / str(version)
    stamp = folder / f"{STORED}.json"
    if version and stamp.is_file():
        made = json.loads(stamp.read_text())
        if made == {"horizon": horizon, "data_version": ws.data_version()}:
            return pd.read_parquet(folder / f"{STORED}.parquet")
    return customer_value(ws, horizon)[1]
