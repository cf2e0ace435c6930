"""The propensity model: how likely each customer is to buy each category (or product) next period.

Gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier) on the features of
`core.whatif.features`, trained on several past cutoffs (the features at the cutoff, the label
from the period after). The fitted trees are exported as plain arrays, so the model is saved
without a pickle and predicts in numpy. A recency-frequency logistic regression is fitted beside
it as the baseline every number is compared against.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from core.errors import PersonaLensError
from core.whatif.features import BASELINE_FEATURES, FEATURES

_NODE_FIELDS = ("value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right", "is_leaf")


@dataclass(frozen=True)
class Calibration:
    """Predicted against observed purchase rates in ten bins of predicted probability."""

    predicted: list[float]
    observed: list[float]
    pairs: list[float]


@dataclass(frozen=True)
class Quality:
    """How well the model ranked and calibrated one held-out period.

    auc / baseline_auc: the model's and the recency-frequency baseline's ROC AUC; brier: mean
    squared error of the probabilities; expected / observed: total predicted and actual buyers;
    segment_error: the relative error of a segment's predicted buyer count beyond chance (used to
    widen campaign intervals).
    """

    auc: float
    baseline_auc: float
    brier: float
    baseline_brier: float
    expected: float
    observed: float
    positives: int
    pairs: int
    segment_error: float
    calibration: Calibration

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict) -> Quality:
        return cls(**{**payload, "calibration": Calibration(**payload["calibration"])})


class PropensityModel:
    """P(customer buys unit in the next period | features), scikit-learn style."""

    def __init__(self, max_iter: int = 150, learning_rate: float = 0.08, seed: int = 42) -> None:
        self.max_iter, self.learning_rate, self.seed = max_iter, learning_rate, seed

    def fit(self, x: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None = None) -> PropensityModel:
        if len(np.unique(y)) < 2:
            raise PersonaLensError(
                "not enough purchase history to learn who buys next: every customer did the same in the "
                "training periods"
            )
        model = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=31,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=self.seed,
        ).fit(_no_empty_columns(x[list(FEATURES)]), y, sample_weight=weight)
        self.features_ = list(FEATURES)
        self._export(model)
        self.baseline_ = _RecencyFrequency().fit(x, y, weight)
        return self

    def _export(self, model: HistGradientBoostingClassifier) -> None:
        trees = [predictors[0] for predictors in model._predictors]  # binary: one tree per iteration
        offsets = np.cumsum([0] + [len(t.nodes) for t in trees])
        nodes = np.concatenate([t.nodes for t in trees])
        self.nodes_ = {f: np.asarray(nodes[f]) for f in _NODE_FIELDS}
        self.nodes_["left"] = self.nodes_["left"] + np.repeat(offsets[:-1], [len(t.nodes) for t in trees])
        self.nodes_["right"] = self.nodes_["right"] + np.repeat(offsets[:-1], [len(t.nodes) for t in trees])
        self.roots_ = offsets[:-1].astype(np.int64)
        self.bias_ = float(np.ravel(model._baseline_prediction)[0])

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        """Probability of buying, one per row of `x` (FEATURES columns)."""
        self._check()
        values = x[self.features_].to_numpy(dtype=np.float64)
        raw = np.full(len(values), self.bias_)
        rows = np.arange(len(values))
        for start in range(0, len(values), 20000):
            chunk = rows[start : start + 20000]
            raw[chunk] += self._raw(values[chunk])
        return 1.0 / (1.0 + np.exp(-raw))

    def _raw(self, values: np.ndarray) -> np.ndarray:
        """Sum over the trees of each row's leaf value: every (row, tree) walks down one level per step,
        and only those not yet at a leaf are carried into the next step."""
        n = self.nodes_
        leaf, missing_left = n["is_leaf"].astype(bool), n["missing_go_to_left"].astype(bool)
        trees = len(self.roots_)
        node = np.tile(self.roots_, len(values))  # (row, tree) pairs, row-major
        row = np.repeat(np.arange(len(values)), trees)
        walking = np.flatnonzero(~leaf[node])
        while walking.size:
            at = node[walking]
            x = values[row[walking], n["feature_idx"][at]]
            go_left = np.where(np.isnan(x), missing_left[at], x <= n["num_threshold"][at])
            node[walking] = np.where(go_left, n["left"][at], n["right"][at])
            walking = walking[~leaf[node[walking]]]
        return n["value"][node].reshape(len(values), trees).sum(axis=1)

    def baseline_proba(self, x: pd.DataFrame) -> np.ndarray:
        self._check()
        return self.baseline_.predict_proba(x)

    def _check(self) -> None:
        if not hasattr(self, "nodes_"):
            raise PersonaLensError("the propensity model has not been trained yet")

    def save(self, folder: Path) -> None:
        self._check()
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "max_iter": self.max_iter,
            "learning_rate": self.learning_rate,
            "seed": self.seed,
            "bias": self.bias_,
            "features": self.features_,
            "baseline": self.baseline_.to_dict(),
        }
        (folder / "propensity.json").write_text(json.dumps(config, indent=1))
        np.savez(folder / "trees.npz", roots=self.roots_, **self.nodes_)

    @classmethod
    def load(cls, folder: Path) -> PropensityModel:
        config = json.loads((folder / "propensity.json").read_text())
        if not set(config["features"]) <= set(FEATURES):
            raise PersonaLensError("this propensity model was trained by an older PersonaLens: retrain it")
        model = cls(config["max_iter"], config["learning_rate"], config["seed"])
        with np.load(folder / "trees.npz", allow_pickle=False) as arrays:
            model.nodes_ = {f: arrays[f] for f in _NODE_FIELDS}
            model.roots_ = arrays["roots"]
        model.bias_ = float(config["bias"])
        model.features_ = list(config["features"])  # a model trained before a feature was added still serves
        model.baseline_ = _RecencyFrequency.from_dict(config["baseline"])
        return model


def _no_empty_columns(x: pd.DataFrame) -> pd.DataFrame:
    """A feature with no value at all in training (e.g. seasonality before a year of history) is set to 0:
    the trees cannot split on it, and scikit-learn's binning refuses an all-missing column."""
    empty = [c for c in x.columns if x[c].isna().all()]
    return x.assign(**{c: 0.0 for c in empty}) if empty else x


class _RecencyFrequency:
    """The baseline: logistic regression on recency and frequency, overall and for the unit."""

    def fit(self, x: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None) -> _RecencyFrequency:
        design = self._design(x)
        self.mean_, self.scale_ = design.mean(axis=0), design.std(axis=0) + 1e-9
        model = LogisticRegression(C=1.0, max_iter=500).fit(
            (design - self.mean_) / self.scale_, y, sample_weight=weight
        )
        self.coef_, self.intercept_ = model.coef_.ravel(), float(model.intercept_[0])
        return self

    @staticmethod
    def _design(x: pd.DataFrame) -> np.ndarray:
        design = x[list(BASELINE_FEATURES)].to_numpy(dtype=float)
        return np.where(np.isnan(design), np.log1p(3650.0), design)  # never bought: as long ago as it gets

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        z = ((self._design(x) - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict:
        return {
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
        }

    @classmethod
    def from_dict(cls, payload: dict) -> _RecencyFrequency:
        model = cls()
        model.mean_, model.scale_ = np.array(payload["mean"]), np.array(payload["scale"])
        model.coef_, model.intercept_ = np.array(payload["coef"]), float(payload["intercept"])
        return model


def measure(
    model: PropensityModel, x: pd.DataFrame, y: np.ndarray, weight: np.ndarray, segments: np.ndarray
) -> Quality:
    """AUC, Brier and calibration of `model` and its baseline on one held-out period.

    `segments` labels each pair (e.g. persona x unit); the spread of segment totals around their
    predictions, beyond what chance explains, becomes `segment_error`.
    """
    if len(np.unique(y)) < 2:
        raise PersonaLensError("the held-out period has no purchases (or only purchases) to check the model on")
    p, base = model.predict_proba(x), model.baseline_proba(x)
    return Quality(
        auc=round(float(roc_auc_score(y, p, sample_weight=weight)), 4),
        baseline_auc=round(float(roc_auc_score(y, base, sample_weight=weight)), 4),
        brier=round(float(brier_score_loss(y, p, sample_weight=weight)), 5),
        baseline_brier=round(float(brier_score_loss(y, base, sample_weight=weight)), 5),
        expected=round(float(np.sum(p * weight)), 1),
        observed=round(float(np.sum(y * weight)), 1),
        positives=int(y.sum()),
        pairs=int(len(y)),
        segment_error=round(segment_error(p, y, weight, segments), 4),
        calibration=calibration(p, y, weight),
    )


def segment_error(p: np.ndarray, y: np.ndarray, weight: np.ndarray, segments: np.ndarray, min_expected: float = 5.0):
    """Relative error of segment totals beyond Bernoulli noise: sqrt(mean(((obs-exp)^2 - var) / exp^2))."""
    frame = pd.DataFrame({"seg": segments, "exp": p * weight, "obs": y * weight, "var": p * (1 - p) * weight})
    cells = frame.groupby("seg")[["exp", "obs", "var"]].sum()
    cells = cells[cells["exp"] >= min_expected]
    if cells.empty:
        return 0.0
    excess = ((cells["obs"] - cells["exp"]) ** 2 - cells["var"]) / cells["exp"] ** 2
    return float(np.sqrt(max(float(np.average(excess, weights=cells["exp"])), 0.0)))


def calibration(p: np.ndarray, y: np.ndarray, weight: np.ndarray, bins: int = 10) -> Calibration:
    """Weighted mean predicted vs observed rate in bins of equal weight along the predicted probability."""
    order = np.argsort(p, kind="stable")
    cumulative = np.cumsum(weight[order])
    edges = np.searchsorted(cumulative, np.linspace(0, cumulative[-1], bins + 1)[1:-1])
    predicted, observed, sizes = [], [], []
    for chunk in np.split(order, edges):
        if len(chunk) == 0:
            continue
        w = weight[chunk]
        predicted.append(round(float(np.average(p[chunk], weights=w)), 5))
        observed.append(round(float(np.average(y[chunk], weights=w)), 5))
        sizes.append(round(float(w.sum()), 1))
    return Calibration(predicted, observed, sizes)
