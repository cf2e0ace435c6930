"""Segmentation of customer profiles into personas, scikit-learn style.

Each feature group is standardised and weighted so that, by default, every group counts the same
however many columns it has; groups can be switched off. KMeans picks the number of personas by
silhouette unless it is given; on the Spark engine MLlib's KMeans clusters the same standardised,
weighted features (silhouette is still measured here, the same way). Persona ids stay stable across
refits: new clusters are matched to the previous model's centroids (Hungarian assignment), so names
and notes survive a retrain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from core.errors import PersonaLensError
from core.kinds import Progress
from core.personas.profile import CustomerProfiles
from core.spark.engine import LOCAL, SPARK

SILHOUETTE_SAMPLE = 4000
# MLlib starts per candidate k while choosing it, then for the chosen k; the best by within-cluster cost is
# kept, as scikit-learn's n_init does (as many as locally: with 4 for the final fit, MLlib settled in a
# worse optimum on the demo, silhouette 0.25 instead of 0.29).
SPARK_N_INIT = (4, 10)
# What people buy and at what price defines a persona; age and gender sharpen it; recency and
# order counts are a separate lens (RFM) and review words are noisy, so both count for less.
DEFAULT_WEIGHTS = {
    "categories": 2.0,
    "price": 1.0,
    "demographics": 1.0,
    "behaviour": 0.5,
    "text": 0.5,
    "campaigns": 0.5,
}


@dataclass(frozen=True)
class KChoice:
    """Silhouette of one candidate number of personas."""

    k: int
    silhouette: float


class PersonaModel:
    """Cluster customers into personas.

    Parameters
    ----------
    n_personas : fixed number of personas; None picks it from `k_range` by silhouette.
    k_range : candidates (inclusive) when choosing automatically.
    groups : feature groups to use (see core.personas.profile.FEATURE_GROUPS); None: all present.
    weights : group -> weight (default DEFAULT_WEIGHTS; a group not named there counts 1.0).
    random_state : seed for KMeans and the silhouette sample.
    engine : "local" (scikit-learn) or "spark" (MLlib, see core.spark).
    """

    def __init__(
        self,
        n_personas: int | None = None,
        k_range: tuple[int, int] = (3, 10),
        groups: tuple[str, ...] | None = None,
        weights: dict[str, float] | None = None,
        random_state: int = 42,
        engine: str = LOCAL,
    ) -> None:
        self.n_personas = n_personas
        self.engine = engine
        self.k_range = k_range
        self.groups = groups
        self.weights = weights
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------------

    def fit(
        self, profiles: CustomerProfiles, previous: PersonaModel | None = None, progress: Progress | None = None
    ) -> PersonaModel:
        """Learn scaling, pick k, cluster; align persona ids with `previous` when given; `progress` hears
        each number of personas tried."""
        groups = [g for g in (self.groups or profiles.groups) if g in profiles.groups]
        if not groups:
            raise PersonaLensError("no customer features to build personas from: upload orders or customers first")
        frames = [profiles.groups[g] for g in groups]
        self.columns_ = {g: list(f.columns) for g, f in zip(groups, frames, strict=True)}
        raw = pd.concat(frames, axis=1).to_numpy(dtype=float)
        if len(raw) < 10:
            raise PersonaLensError(f"only {len(raw)} customers: personas need at least 10")
        self.mean_ = raw.mean(axis=0)
        self.scale_ = raw.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        self.column_weight_ = np.concatenate(
            [
                np.full(
                    len(self.columns_[g]),
                    (self.weights or DEFAULT_WEIGHTS).get(g, 1.0) / np.sqrt(len(self.columns_[g])),
                )
                for g in groups
            ]
        )
        x = self._embed(raw)
        labels, centroids = self._cluster(x, progress or (lambda _f, _m: None))
        if previous is not None and hasattr(previous, "centroids_") and previous.columns_ == self.columns_:
            labels, centroids = _align(labels, centroids, previous.centroids_)
        self.centroids_ = centroids
        self.labels_ = labels
        self.customer_ids_ = np.asarray(profiles.customer_ids, dtype=object)
        self.silhouette_ = _silhouette(x, labels, self.random_state)
        return self

    def _embed(self, raw: np.ndarray) -> np.ndarray:
        return (raw - self.mean_) / self.scale_ * self.column_weight_

    def _candidates(self, n: int) -> list[int]:
        low, high = self.k_range
        return [] if self.n_personas else list(range(max(2, low), min(high, n - 1) + 1))

    def _cluster(self, x: np.ndarray, report: Progress) -> tuple[np.ndarray, np.ndarray]:
        """Labels and centroids of the chosen k; sets k_scores_ (silhouette of each candidate k)."""
        ks = self._candidates(len(x))
        if self.engine == SPARK:
            from core.spark import fit as spark_fit

            found = spark_fit.kmeans(x, ks, self.random_state, SPARK_N_INIT[0]) if ks else {}
            self.k_scores_ = [KChoice(k, _silhouette(x, found[k][0], self.random_state)) for k in ks]
            k = self.n_personas or max(self.k_scores_, key=lambda c: c.silhouette).k
            return spark_fit.kmeans(x, [k], self.random_state, SPARK_N_INIT[1])[k]
        scores = []
        for i, k in enumerate(ks):
            report(i / (len(ks) + 1), f"trying {k} personas")
            labels = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit_predict(x)
            scores.append(KChoice(k, _silhouette(x, labels, self.random_state)))
        self.k_scores_ = scores
        k = self.n_personas or max(scores, key=lambda c: c.silhouette).k
        report(len(ks) / (len(ks) + 1), f"grouping everyone into {k} personas")
        km = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(x)
        return km.labels_, km.cluster_centers_

    # -- using ---------------------------------------------------------------------------------

    def transform(self, profiles: CustomerProfiles) -> np.ndarray:
        """Customers embedded in the (scaled, weighted) feature space the personas live in."""
        self._check_fitted()
        frames = [profiles.groups[g].reindex(columns=cols, fill_value=0.0) for g, cols in self.columns_.items()]
        return self._embed(pd.concat(frames, axis=1).to_numpy(dtype=float))

    def predict(self, profiles: CustomerProfiles) -> np.ndarray:
        """Persona id of each customer: the nearest persona centroid."""
        x = self.transform(profiles)
        distances = ((x[:, None, :] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return distances.argmin(axis=1)

    def assignments(self) -> pd.DataFrame:
        """customer_id, persona_id for the customers the model was fitted on."""
        self._check_fitted()
        return pd.DataFrame({"customer_id": self.customer_ids_, "persona_id": self.labels_.astype(int)})

    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise PersonaLensError("the persona model has not been trained yet")

    # -- persistence ---------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """config.json (parameters, columns, scores) + arrays.npz (no pickle)."""
        self._check_fitted()
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "n_personas": self.n_personas,
            "k_range": list(self.k_range),
            "groups": list(self.groups) if self.groups else None,
            "weights": self.weights,
            "random_state": self.random_state,
            "engine": self.engine,
            "columns": self.columns_,
            "silhouette": self.silhouette_,
            "k_scores": [[c.k, c.silhouette] for c in self.k_scores_],
        }
        (folder / "config.json").write_text(json.dumps(config, indent=2))
        np.savez(
            folder / "arrays.npz",
            mean=self.mean_,
            scale=self.scale_,
            weight=self.column_weight_,
            centroids=self.centroids_,
            labels=self.labels_,
            customer_ids=self.customer_ids_.astype(str),
        )

    @classmethod
    def load(cls, folder: Path) -> PersonaModel:
        config = json.loads((folder / "config.json").read_text())
        model = cls(
            config["n_personas"],
            tuple(config["k_range"]),
            tuple(config["groups"]) if config["groups"] else None,
            config["weights"],
            config["random_state"],
            config.get("engine", LOCAL),
        )
        with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
            model.mean_, model.scale_ = arrays["mean"], arrays["scale"]
            model.column_weight_, model.centroids_ = arrays["weight"], arrays["centroids"]
            model.labels_, model.customer_ids_ = arrays["labels"], arrays["customer_ids"].astype(object)
        model.columns_ = config["columns"]
        model.silhouette_ = config["silhouette"]
        model.k_scores_ = [KChoice(int(k), float(s)) for k, s in config["k_scores"]]
        return model


def _silhouette(x: np.ndarray, labels: np.ndarray, seed: int) -> float:
    if len(set(labels.tolist())) < 2:
        return 0.0
    size = min(SILHOUETTE_SAMPLE, len(x))
    return float(silhouette_score(x, labels, sample_size=size, random_state=seed))


def _align(labels: np.ndarray, centroids: np.ndarray, old: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters so each keeps the id of the nearest old persona; extra ones get new ids."""
    cost = ((centroids[:, None, :] - old[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    mapping = dict(zip(rows.tolist(), cols.tolist(), strict=True))
    next_id = len(old)
    for r in range(len(centroids)):
        if r not in mapping:
            mapping[r] = next_id
            next_id += 1
    new_centroids = np.zeros((max(mapping.values()) + 1, centroids.shape[1]))
    for r, c in mapping.items():
        new_centroids[c] = centroids[r]
    return np.array([mapping[int(label)] for label in labels]), new_centroids
