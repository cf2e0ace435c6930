"""Train, store and serve the propensity model of a workspace (registry kind "propensity").

`train_propensity` backtests on a held-out period, refits on everything and stores the model under
`models/propensity/VERSION/`. `load_propensity` returns a `PropensityBundle`: the model with the
store as it is now, ready to say how likely each customer is to buy each category or product in
the coming period, and who the customers are (persona, RFM segment, tone, demographics) so that
campaigns can target them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core import registry
from core.budget import budget
from core.campaigns.contacts import load_contacts
from core.errors import PersonaLensError
from core.personas.rfm import rfm_scores
from core.personas.stored import assignments, current_version
from core.recs.models.base import sparse_from_arrays, sparse_to_arrays
from core.value.service import store_forecast
from core.whatif.calibration import REPLAY_COLUMNS, CampaignLearning, ResponseCalibration, learn
from core.whatif.features import Snapshot
from core.whatif.history import PurchaseHistory, load_history, store_history, stored_history
from core.whatif.propensity import PropensityModel, Quality
from core.whatif.training import Backtest, backtest, campaign_check
from core.workspace import Workspace

KIND = "propensity"
TONE = 0.05
PREDICTIONS = "predictions"  # .npy: today's probabilities (customers x units), .json: what they were made from
# Stored beside them, for the same data and personas: today's customer table (with the tone of the sentiment
# version active at training, recomputed when another is active) and each customer's purchase counts per unit,
# so a page builds neither.
TODAY_CUSTOMERS, TODAY_COUNTS = "today_customers.parquet", "today_counts.npz"
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PropensityRun:
    version: str
    level: str
    horizon_days: int
    quality: Quality
    seconds: float


def persona_array(ws: Workspace, customers: np.ndarray) -> tuple[np.ndarray | None, dict[int, str]]:
    """Each customer's persona id (-1 unknown) in `customers` order, or None without personas; and names."""
    found = assignments(ws)
    if found.empty:
        return None, {}
    lookup = dict(zip(found["customer_id"].astype(str), found["persona_id"].astype(int), strict=True))
    names = dict(zip(found["persona_id"].astype(int), found["persona_name"].fillna("").astype(str), strict=False))
    return np.array([lookup.get(c, -1) for c in customers.tolist()], dtype=int), names


def train_propensity(
    ws: Workspace, horizon_days: int | None = None, seed: int = 42, progress: Progress | None = None
) -> PropensityRun:
    report = progress or (lambda _f, _m: None)
    started = time.perf_counter()
    report(0.01, "reading purchases")
    data_version = ws.data_version()  # before reading: what the stored history and predictions were made from
    history = load_history(ws)
    persona_version = current_version(ws)
    personas, names = persona_array(ws, history.customers)
    # the shares below follow where the time goes on a 100,000-customer store (the ETA is read from them)
    result = backtest(history, personas, horizon_days, seed, lambda f, m: report(0.04 + 0.23 * f, m))
    report(0.27, "replaying campaigns on the held-out period")
    replay = campaign_check(
        history, personas, result.horizon_days, seed, progress=lambda f, m: report(0.27 + 0.38 * f, m)
    )
    report(0.65, "learning from past campaigns")
    learned = learn(
        load_contacts(ws), history, personas, result.model, result.horizon_days, result.quality.segment_error
    )
    report(0.66, "saving")
    with registry.version_folder(ws, KIND, started) as draft:
        result.model.save(draft.folder)
        (draft.folder / "quality.json").write_text(json.dumps(result.quality.to_dict(), indent=1))
        replay.to_parquet(draft.folder / "replay.parquet")
        _save_learning(draft.folder, learned)
        report(0.67, "forecasting what each customer is worth")
        store_forecast(ws, draft.folder)
        predicting = (
            "predicting today's buyers of every category"
            if history.level == "category"
            else "predicting today's buyers of the most bought products"
        )
        report(0.78, predicting)
        made_from = _stamp(data_version, persona_version, result.horizon_days)
        _store_predictions(
            ws,
            draft.folder,
            made_from,
            result.model,
            history,
            personas,
            names,
            lambda f: report(0.78 + 0.21 * f, predicting),
        )
        store_history(history, draft.folder, data_version)
        metrics = {
            **_metrics(result),
            "interval_coverage": round(float(replay["inside"].mean()), 3) if len(replay) else None,
            "campaign_replay_coverage": learned.replay_coverage,
        }
        summary = {
            **_summary(history, result),
            "response_model": "fitted on " + learned.calibration.describe()
            if learned.calibration
            else f"assumed ({learned.reason})",
        }
        with ws.transaction("training (propensity)") as con:
            draft.record(con, metrics=metrics, summary=summary)
    report(1.0, "done")
    return PropensityRun(
        draft.version, history.level, result.horizon_days, result.quality, round(time.perf_counter() - started, 2)
    )


def _stamp(data_version: int, persona_version: str | None, horizon: int) -> dict:
    """What today's predictions depend on besides the model: the data and the personas (a feature)."""
    return {"data_version": data_version, "personas": persona_version, "horizon": horizon}


def _store_predictions(
    ws: Workspace,
    folder: Path,
    made_from: dict,
    model: PropensityModel,
    history: PurchaseHistory,
    personas: np.ndarray | None,
    names: dict[int, str],
    progress: Callable[[float], None] | None = None,
) -> None:
    """Every customer's probability of buying each unit from today, so a What-if first visit reads them
    instead of predicting 100,000 customers per offer; units most bought first, up to the budget. With
    them, today's customer table (with the active sentiment version's tone) and purchase counts
    (TODAY_CUSTOMERS, TODAY_COUNTS), and each unit's spend per buyer."""
    snapshot = Snapshot(history, history.end, made_from["horizon"], personas)
    today = _todays_table(history, snapshot, personas, names)
    rows = today.rows
    if not len(rows):
        return
    bought = np.bincount(history.lines["unit"].to_numpy(), minlength=history.n_units)
    units = np.argsort(-bought, kind="stable")[: max(budget("propensity_stored") // len(rows), 0)]
    table = np.empty((len(rows), len(units)))
    for column, unit in enumerate(units):
        table[:, column] = model.predict_proba(snapshot.features(rows, np.full(len(rows), unit)))
        if progress:
            progress((column + 1) / len(units))
    np.save(folder / f"{PREDICTIONS}.npy", table)
    tone_from = registry.active_version(ws, "sentiment")
    _with_tone(ws, today.customers).to_parquet(folder / TODAY_CUSTOMERS)
    np.savez(folder / TODAY_COUNTS, rows=rows, line_count=today.line_count, **sparse_to_arrays("counts", today.counts))
    made = {
        **made_from,
        "rows": len(rows),
        "units": units.tolist(),
        "names": {str(k): v for k, v in names.items()},
        "tone_from": tone_from,
        "spend_per_buyer": spend_per_buyer(history, made_from["horizon"])
        .reindex(range(history.n_units), fill_value=0.0)
        .tolist(),
    }
    (folder / f"{PREDICTIONS}.json").write_text(json.dumps(made))


@dataclass(frozen=True)
class _Today:
    """What training stored for today's data and personas (see `_store_predictions`)."""

    customers: pd.DataFrame  # with the tone of sentiment version `tone_from`, or without tone (None)
    rows: np.ndarray
    counts: sp.csr_matrix
    line_count: np.ndarray
    names: dict[int, str]
    predicted: dict[int, np.ndarray]
    spend: dict[int, float] = field(default_factory=dict)  # unit -> spend per buyer, all units when stored
    tone_from: str | None = None


def _todays_table(
    history: PurchaseHistory, snapshot: Snapshot, personas: np.ndarray | None, names: dict[int, str]
) -> _Today:
    """Today's customer table and purchase counts, for the customers with purchases (no predictions yet)."""
    rows = np.flatnonzero(snapshot.active)
    frame = _customer_frame(history, snapshot, rows, personas, names)
    return _Today(frame, rows, snapshot.pair_count[rows].tocsr(), snapshot.line_count[rows], names, {})


def _stored_today(ws: Workspace, folder: Path, horizon: int) -> _Today | None:
    """Today's table, counts and predictions stored at training, when made from today's data and personas."""
    stamp = folder / f"{PREDICTIONS}.json"
    if not stamp.is_file() or not (folder / TODAY_COUNTS).is_file():
        return None  # never stored, or stored before the customer table was (its predictions are read anew)
    made = json.loads(stamp.read_text())
    units, names = made.pop("units"), made.pop("names", {})
    spend, tone_from = made.pop("spend_per_buyer", []), made.pop("tone_from", None)  # older versions lack them
    made.pop("rows")
    if made != _stamp(ws.data_version(), current_version(ws), horizon):
        return None
    with np.load(folder / TODAY_COUNTS) as arrays:
        rows, line_count, counts = arrays["rows"], arrays["line_count"], sparse_from_arrays("counts", arrays)
    table = np.load(folder / f"{PREDICTIONS}.npy")
    return _Today(
        pd.read_parquet(folder / TODAY_CUSTOMERS),
        rows,
        counts,
        line_count,
        {int(k): v for k, v in names.items()},
        {int(unit): table[:, column] for column, unit in enumerate(units)},
        dict(enumerate(spend)),
        tone_from,
    )


def _save_learning(folder: Path, learned: CampaignLearning) -> None:
    learned.replay.to_parquet(folder / "campaign_replay.parquet")
    payload = {
        "calibration": learned.calibration.to_dict() if learned.calibration else None,
        "skipped": learned.skipped,
        "reason": learned.reason,
    }
    (folder / "campaign_learning.json").write_text(json.dumps(payload, indent=1))


def load_learning(ws: Workspace, version: str) -> CampaignLearning:
    """What propensity `version` learned from past campaigns, without loading the model."""
    return _load_learning(ws.models_dir / KIND / version)


def _load_learning(folder: Path) -> CampaignLearning:
    """A version trained before campaigns were learned from reads as 'assumed'."""
    path = folder / "campaign_learning.json"
    if not path.exists():
        return CampaignLearning(
            None, pd.DataFrame(columns=REPLAY_COLUMNS), {}, "trained before campaign results were learned from"
        )
    payload = json.loads(path.read_text())
    found = payload["calibration"]
    return CampaignLearning(
        ResponseCalibration.from_dict(found) if found else None,
        pd.read_parquet(folder / "campaign_replay.parquet"),
        payload["skipped"],
        payload["reason"],
    )


def _metrics(result: Backtest) -> dict:
    q = result.quality
    return {"auc": q.auc, "baseline_auc": q.baseline_auc, "brier": q.brier, "segment_error": q.segment_error}


def _summary(history: PurchaseHistory, result: Backtest) -> dict:
    return {
        "level": history.level,
        "units": int(history.n_units),
        "horizon_days": result.horizon_days,
        "held_out_from": f"{result.cutoffs[-1]:%Y-%m-%d}",
        "training_cutoffs": [f"{c:%Y-%m-%d}" for c in result.cutoffs[:-1]],
        "features": result.model.features_,
        "campaign_feedback": f"{len(history.responses):,} past campaign messages (who bought after them)"
        if len(history.responses)
        else None,
    }


@dataclass
class PropensityBundle:
    """The serving propensity model applied to the store as it is now.

    customers: one row per customer with purchases: customer_id, persona_id, persona_name, segment
    (RFM), tone (positive|neutral|negative|no reviews), age, gender, location, orders, monetary,
    recency_days. `propensity(unit)` is each of those customers' probability of buying the unit
    in the next `horizon_days`.
    """

    version: str
    model: PropensityModel
    history: PurchaseHistory
    make_snapshot: Callable[[], Snapshot]  # today's features, built on the first offer with no stored prediction
    quality: Quality
    horizon_days: int
    customers: pd.DataFrame
    rows: np.ndarray  # history index of each customers row
    counts: sp.csr_matrix  # customers rows x units: purchase lines so far
    line_count: np.ndarray  # each customers row's purchase lines
    persona_names: dict[int, str]
    replay: pd.DataFrame  # campaign_check's output: persona x unit groups replayed on the held-out period
    learned: CampaignLearning  # the response model fitted on past campaigns, if any, and its replay
    problem: str | None = None
    predicted: dict[int, np.ndarray] = field(default_factory=dict, repr=False)  # unit -> `propensity(unit)`
    _spend: dict[int, float] = field(default_factory=dict, repr=False)
    _snapshot: list[Snapshot] = field(default_factory=list, repr=False)
    _snapshot_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def snapshot(self) -> Snapshot:
        """Today's Snapshot, built once (the bundle is shared by every session)."""
        with self._snapshot_lock:
            if not self._snapshot:
                self._snapshot.append(self.make_snapshot())
            return self._snapshot[0]

    @property
    def level(self) -> str:
        return self.history.level

    @property
    def units(self) -> list[str]:
        return self.history.units.tolist()

    def unit_index(self, name: str) -> int:
        try:
            return self.units.index(str(name))
        except ValueError:
            kind = "category" if self.level == "category" else "product"
            raise PersonaLensError(f"no {kind} called {name!r} in the purchase history") from None

    def propensity(self, unit: int) -> np.ndarray:
        """P(buy `unit` in the next period) for every row of `customers`."""
        if unit not in self.predicted:  # stored at training for today's data, else predicted on the first ask
            features = self.snapshot.features(self.rows, np.full(len(self.rows), unit))
            self.predicted[unit] = self.model.predict_proba(features)
        return self.predicted[unit]

    def unit_shares(self, unit: int) -> np.ndarray:
        """Share of each customer's purchases that fell in `unit` (category affinity)."""
        column = self.counts[:, unit].toarray().ravel()
        return column / np.maximum(self.line_count, 1)

    def product_titles(self) -> dict[str, str]:
        """Product id -> title, best sellers first (products without a title show their id)."""
        catalogue = self.history.product_units.drop_duplicates("product_id")
        return dict(zip(catalogue["product_id"].astype(str), catalogue["title"].astype(str), strict=True))

    def favourite_unit(self, persona_id: int | None) -> int:
        """The unit a persona's customers buy most of (or everyone's when None): a sensible default offer."""
        counts = (
            self.counts if persona_id is None else self.counts[self.customers["persona_id"].to_numpy() == persona_id]
        )
        totals = np.asarray(counts.sum(axis=0)).ravel()
        return int(np.argmax(totals)) if totals.any() else 0

    @property
    def replay_coverage(self) -> float | None:
        """Share of replayed campaigns whose real buyer count fell inside the simulator's interval."""
        return float(self.replay["inside"].mean()) if len(self.replay) else None

    def spend_per_buyer(self, unit: int) -> float:
        """Average spend of a customer who bought `unit` in one period (over the last year of periods)."""
        if unit not in self._spend:  # stored at training for today's data, else one scan of the lines per unit
            self._spend[unit] = float(spend_per_buyer(self.history, self.horizon_days, [unit]).get(unit, 0.0))
        return self._spend[unit]


def spend_per_buyer(history: PurchaseHistory, horizon_days: int, units: list[int] | None = None) -> pd.Series:
    """unit -> average spend per buyer and `horizon_days` period over the last year (units nobody bought in
    that year are missing); only `units`' when given (one scan of the lines each time)."""
    lines = history.lines
    recent = lines[lines["ts"] > history.end - pd.Timedelta(days=365)]
    if units is not None:
        recent = recent[recent["unit"].isin(units)]
    period = ((history.end - recent["ts"]).dt.days // horizon_days).to_numpy()
    per_buyer = recent.assign(period=period).groupby(["unit", "customer", "period"])["spend"].sum()
    return per_buyer.groupby(level="unit").mean()


def load_propensity(ws: Workspace) -> PropensityBundle | None:
    """The serving model with today's features, or None when it was never trained."""
    serving = registry.serving_or_none(ws, KIND)
    if serving is None:
        return None
    folder = ws.models_dir / KIND / serving.version
    model = PropensityModel.load(folder)
    quality = Quality.from_dict(json.loads((folder / "quality.json").read_text()))
    summary = json.loads(registry.versions(ws, KIND).set_index("version").loc[serving.version, "summary"])
    history = stored_history(folder, ws.data_version()) or load_history(ws)
    horizon = int(summary["horizon_days"])
    today, built = _stored_today(ws, folder, horizon), None
    if today is None:
        today, built = _today(ws, history, horizon)

    def make_snapshot() -> Snapshot:
        return (
            built
            if built is not None
            else Snapshot(history, history.end, horizon, persona_array(ws, history.customers)[0])
        )

    replay = pd.read_parquet(folder / "replay.parquet")
    replay["group_name"] = replay["group"].map(today.names).fillna("") if today.names else ""
    return PropensityBundle(
        serving.version,
        model,
        history,
        make_snapshot,
        quality,
        horizon,
        _with_tone(ws, today.customers, today.tone_from),
        today.rows,
        today.counts,
        today.line_count,
        today.names,
        replay,
        _load_learning(folder),
        serving.problem,
        predicted=today.predicted,
        _spend=today.spend,
    )


def _today(ws: Workspace, history: PurchaseHistory, horizon: int) -> tuple[_Today, Snapshot]:
    """Today's customer table and counts built from the history (nothing stored for today's data), and the
    Snapshot they came from (its features will be asked for: no prediction is stored)."""
    personas, names = persona_array(ws, history.customers)
    snapshot = Snapshot(history, history.end, horizon, personas)
    return _todays_table(history, snapshot, personas, names), snapshot


def _customer_frame(
    history: PurchaseHistory,
    snapshot: Snapshot,
    rows: np.ndarray,
    personas: np.ndarray | None,
    names: dict[int, str],
) -> pd.DataFrame:
    frame = history.people.iloc[rows].reset_index(drop=True)
    frame["persona_id"] = personas[rows] if personas is not None else -1
    frame["persona_name"] = frame["persona_id"].map(names).astype("string").fillna("")
    frame["orders"] = snapshot.n_orders[rows]
    frame["monetary"] = snapshot.spend[rows]
    frame["recency_days"] = snapshot.last_days[rows].round()
    scores = rfm_scores(frame.set_index("customer_id")[["recency_days", "orders", "monetary"]])
    frame["segment"] = frame["customer_id"].map(scores["segment"]).fillna("Other").astype(str)
    return frame[[c for c in CUSTOMER_COLUMNS if c != "tone"]]


CUSTOMER_COLUMNS = (
    "customer_id",
    "persona_id",
    "persona_name",
    "segment",
    "tone",
    "age",
    "gender",
    "location",
    "orders",
    "monetary",
    "recency_days",
)


def _with_tone(ws: Workspace, frame: pd.DataFrame, stored_from: str | None = None) -> pd.DataFrame:
    """The customer table with each customer's review tone from the active sentiment model: the one in `frame`
    when it holds the tone of that very version (`stored_from`, stored at training: 0.2 s at 100,000
    customers), else computed."""
    if stored_from is not None and "tone" in frame and stored_from == registry.active_version(ws, "sentiment"):
        return frame[list(CUSTOMER_COLUMNS)]
    tone = frame["customer_id"].map(_tones(ws)).astype("string").fillna("no reviews").astype(str)
    return frame.assign(tone=tone)[list(CUSTOMER_COLUMNS)]


def _tones(ws: Workspace) -> pd.Series:
    """Each reviewer's average review sentiment as positive / neutral / negative."""
    scored = registry.active_rows(ws, "sentiment")
    if scored is None:
        return pd.Series(dtype=str)
    found = ws.query(f"""
        SELECT r.customer_id, avg(s.sentiment_score) AS score
        FROM reviews r JOIN {scored} s USING (review_id) WHERE r.customer_id IS NOT NULL GROUP BY 1""")
    tone = np.where(found["score"] > TONE, "positive", np.where(found["score"] < -TONE, "negative", "neutral"))
    return pd.Series(tone, index=found["customer_id"].astype(str))
