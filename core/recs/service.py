"""Train, store and serve recommendations for a workspace.

`train_recs` measures every model on a validation split of the workspace's own data (each
customer's latest product for orders, a random quarter of their products for ratings: see
split.natural_protocol), refits them all on everything, and stores them as one version under
`models/recs/VERSION/` (written to a temporary folder, then renamed) with the best model by NDCG@10
(evaluate.serving_order) as the default. `load_recs` reads the active version back for serving:
per-customer lists, target audiences, reasons.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core import registry
from core.errors import PersonaLensError
from core.recs.data import InteractionData, load_interactions
from core.recs.evaluate import Evaluation, engine_models, select_and_fit, serving_order, tuning_table
from core.recs.explain import Explainer, positive_quotes
from core.recs.metrics import top_k
from core.recs.models import REGISTRY, Hybrid, Recommender, TrainingSet
from core.recs.models.base import sparse_from_arrays, sparse_to_arrays
from core.recs.models.popularity import PersonaPopularity
from core.recs.side import SideFits
from core.recs.split import natural_protocol
from core.recs.stored_pairs import StoredInteractionData, StoredPairs, write_pairs
from core.spark.engine import LOCAL, metadata
from core.workspace import Workspace

KIND = "recs"
NEW_PRODUCT_MATCH = 0.15  # content affinity (cosine scale) a never-bought product needs for a slot
Progress = Callable[[float, str], None]
_BATCH = 1024
TOP_TITLES = "top_titles.parquet"  # each customer's TOP_K product titles, listed at training time
TOP_K = 3


@dataclass(frozen=True)
class RecsRun:
    """What a training run produced: the version, the default model and every model's measured quality."""

    version: str
    best: str
    evaluation: Evaluation
    seconds: float


def train_recs(
    ws: Workspace,
    models: Iterable[str] | None = None,
    k: int = 10,
    seed: int = 42,
    progress: Progress | None = None,
    engine: str = LOCAL,
) -> RecsRun:
    """Measure, tune, refit and store the recommenders; on `engine` "spark" ALS trains on Spark (MLlib)."""
    report = progress or (lambda _f, _m: None)
    models = list(models) if models else engine_models(engine)
    started = time.perf_counter()
    report(0.01, "reading interactions")
    side = SideFits(start=any(REGISTRY[n].SIDE_FIT for n in models if n in REGISTRY))
    try:
        data = load_interactions(ws)
        groups = persona_groups(ws, data)
        protocol = natural_protocol(data.pairs)
        chosen = select_and_fit(data, groups, models, protocol, k, seed, report, side)
    finally:
        side.close()
    evaluation, fitted, ranked = chosen.evaluation, chosen.fitted, chosen.ranked
    report(0.94, "finding review quotes")
    quotes = positive_quotes(ws, data.item_index)
    with registry.version_folder(ws, KIND, started) as draft:
        version, partial = draft.version, draft.folder
        _save(partial, data, chosen.training, fitted, quotes, evaluation, ranked[0], chosen.failed)
        report(0.96, "listing each customer's top products")
        listed = _bundle(ws, partial, version).top_titles(progress=lambda f, m: report(0.96 + 0.03 * f, m))
        listed.to_frame().to_parquet(partial / TOP_TITLES)
        with ws.transaction("training (recommendations)") as con:
            draft.record(
                con,
                metrics={r.name: r.metrics for r in evaluation.results if r.metrics},
                summary={
                    "best": ranked[0],
                    "models": ranked,
                    "failed": chosen.failed,
                    "tuned": tuning_table(evaluation.tuned),
                    "samples": [chosen.sample.to_dict()] if chosen.sample.sampled else [],
                    **metadata(engine),
                },
            )
    report(1.0, "done")
    return RecsRun(version, ranked[0], evaluation, round(time.perf_counter() - started, 2))


@dataclass(frozen=True)
class RecFilters:
    """Business rules applied before ranking."""

    categories: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    exclude_seen: bool = True


@dataclass
class RecsBundle:
    """A stored version, loaded for serving.

    models are ordered best first (by NDCG@10 on the validation split); persona_of maps a
    customer id to its persona id, persona_names a persona id to its name.
    """

    version: str
    data: InteractionData
    training: TrainingSet
    models: dict[str, Recommender]
    best: str
    evaluation: Evaluation
    explainer: Explainer
    persona_of: dict[str, int] = field(default_factory=dict)
    persona_names: dict[int, str] = field(default_factory=dict)
    problem: str | None = None  # why an earlier version serves instead of the active one
    folder: Path | None = None  # where the version is stored (its top lists are read from there)

    def labels(self) -> dict[str, str]:
        return {name: model.label for name, model in self.models.items()}

    def recommend(
        self, customer_id: str, k: int = 10, model: str | None = None, filters: RecFilters | None = None
    ) -> pd.DataFrame:
        """rank, product_id, title, category, price, score, reason, quote (from a positive review, or "")
        for one customer, best first."""
        name = self._model(model)
        filters = filters or RecFilters()
        user = self.data.user_index.get(str(customer_id))
        group = self.persona_of.get(str(customer_id))
        if user is None:
            scores, name = self._cold_scores(group)
            seen = None
        else:
            scores = self.models[name].score(np.array([user]))[0]
            seen = self.training.matrix[user] if filters.exclude_seen else None
        items = self._rank(scores[None, :], k, seen, filters)[0]
        items, fresh = self._expose_new(user, items, k, self._never_bought(filters))
        reasons, quotes = self.explainer.reasons_and_quotes(user, items, name, group)
        reasons = [self._new_reason(user, i) if i == fresh else r for i, r in zip(items, reasons, strict=True)]
        meta = self.data.items_meta.iloc[items]
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(items) + 1),
                "product_id": meta["product_id"].tolist(),
                "title": meta["title"].tolist(),
                "category": meta["category"].tolist(),
                "price": meta["price"].tolist(),
                "score": np.round(scores[items], 4),
                "reason": reasons,
                "quote": quotes,
            }
        )

    def recommend_many(
        self,
        customer_ids: Iterable[str] | None = None,
        k: int = 10,
        model: str | None = None,
        filters: RecFilters | None = None,
        progress: Progress | None = None,
        explain: bool = True,
    ) -> pd.DataFrame:
        """customer_id, product_id, rank, score, reason for many customers (everyone by default).

        `explain=False` leaves `reason` empty for customers with history: explaining is most of the cost,
        and a list of product names (an audience export) does not show it.
        """
        name, filters, report = self._model(model), filters or RecFilters(), progress or (lambda _f, _m: None)
        wanted = self.data.users.tolist() if customer_ids is None else [str(c) for c in customer_ids]
        known = [c for c in wanted if c in self.data.user_index]
        frames = [
            _with_quotes(self.recommend(c, k, name, filters).assign(customer_id=c))
            for c in wanted
            if c not in self.data.user_index
        ]
        columns: dict[str, list] = {"customer_id": [], "product_id": [], "rank": [], "score": [], "reason": []}
        users = np.array([self.data.user_index[c] for c in known], dtype=int)
        never_bought = self._never_bought(filters)  # once: it sums the whole matrix
        for start in range(0, len(users), _BATCH):
            batch = users[start : start + _BATCH]
            report(start / max(len(users), 1), f"recommending for customers {start + 1:,}-{start + len(batch):,}")
            seen = self.training.matrix[batch] if filters.exclude_seen else None
            scores = self.models[name].score(batch)
            tops = self._rank(scores, k, seen, filters)
            for row, (user, items) in enumerate(zip(batch, tops, strict=True)):
                customer = self.data.users[user]
                items, fresh = self._expose_new(int(user), items, k, never_bought)
                if explain:
                    reasons = self.explainer.reasons(int(user), items, name, self.persona_of.get(customer))
                    reasons = [
                        self._new_reason(int(user), i) if i == fresh else r for i, r in zip(items, reasons, strict=True)
                    ]
                else:
                    reasons = [""] * len(items)
                columns["customer_id"] += [customer] * len(items)
                columns["product_id"] += self.data.items[items].tolist()
                columns["rank"] += range(1, len(items) + 1)
                columns["score"] += np.round(scores[row, items], 4).tolist()
                columns["reason"] += reasons
        report(1.0, "done")
        if columns["customer_id"]:
            frames.append(pd.DataFrame(columns))
        if not frames:
            return pd.DataFrame(columns=list(columns))
        return pd.concat(frames, ignore_index=True)[list(columns)]

    def top_titles(
        self, customer_ids: Iterable[str] | None = None, k: int = TOP_K, progress: Progress | None = None
    ) -> pd.Series:
        """customer_id -> their top `k` recommended product titles, "; "-joined (everyone by default).

        Everyone's TOP_K are listed at training time (TOP_TITLES), so an audience export on a page is a
        lookup; other asks (some customers, another k, versions trained before) are recommended here.
        """
        stored = None if self.folder is None else self.folder / TOP_TITLES
        if customer_ids is None and k == TOP_K and stored is not None and stored.is_file():
            return pd.read_parquet(stored)["recommended_products"]
        listed = self.recommend_many(customer_ids, k=k, explain=False, progress=progress)
        titles = self.product_titles()
        listed["label"] = listed["product_id"].map(lambda p: titles.get(p) or p)
        return (
            listed.sort_values(["customer_id", "rank"])
            .groupby("customer_id")["label"]
            .agg(lambda s: "; ".join(str(v) for v in s))
            .rename("recommended_products")
        )

    def audience(self, product_id: str, n: int = 100, model: str | None = None, exclude_owners: bool = True):
        """rank, customer_id, score, persona_name, products: who is most likely to want `product_id`."""
        item = self.data.item_index.get(str(product_id))
        if item is None:
            raise PersonaLensError(f"product {product_id} is not in the catalogue")
        name = self._model(model)
        column = np.concatenate(
            [
                self.models[name].score(np.arange(s, min(s + _BATCH, self.data.n_users)))[:, item]
                for s in range(0, self.data.n_users, _BATCH)
            ]
        )
        owners = self.training.matrix[:, item].toarray().ravel() > 0
        if exclude_owners:
            column = np.where(owners, -np.inf, column)
        order = np.argsort(-column, kind="stable")[:n]
        order = order[np.isfinite(column[order])]
        customers = self.data.users[order].tolist()
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(order) + 1),
                "customer_id": customers,
                "score": np.round(column[order], 4),
                "persona_name": [self.persona_names.get(self.persona_of.get(c, -1), "") for c in customers],
                "products": np.diff(self.training.matrix.indptr)[order],
            }
        )

    def history(self, customer_id: str) -> pd.DataFrame:
        """product_id, title, category, times, rating, last_ts: what the customer has, most recent first."""
        user = self.data.user_index.get(str(customer_id))
        pairs = self.data.pairs_of(-1 if user is None else user)
        meta = self.data.items_meta.iloc[pairs["item"].to_numpy()]
        return (
            pd.DataFrame(
                {
                    "product_id": meta["product_id"].tolist(),
                    "title": meta["title"].tolist(),
                    "category": meta["category"].tolist(),
                    "times": pairs["n"].to_numpy(),
                    "rating": pairs["rating"].to_numpy(),
                    "last_ts": pairs["last_ts"].to_numpy(),
                }
            )
            .sort_values("last_ts", ascending=False, na_position="last")
            .reset_index(drop=True)
        )

    def customers(self, persona_id: int | None = None) -> list[str]:
        """Customer ids with history, optionally only those of one persona."""
        ids = self.data.users.tolist()
        return ids if persona_id is None else [c for c in ids if self.persona_of.get(c) == persona_id]

    def _never_bought(self, filters: RecFilters) -> np.ndarray:
        """Products nobody has bought yet that the filters allow."""
        cold = np.asarray(self.training.matrix.sum(axis=0)).ravel() == 0
        allowed = self._allowed(filters)
        return cold if allowed is None else cold & allowed

    def _expose_new(
        self, user: int | None, items: np.ndarray, k: int, cold: np.ndarray
    ) -> tuple[np.ndarray, int | None]:
        """Give one slot (the last) to the product nobody has bought yet (`cold`) that best matches the
        customer's words, when it matches well enough: collaborative models can never rank such products."""
        content = self.models.get("content")
        if content is None or user is None or not cold.any() or len(items) < k or k < 3:
            return items, None
        affinity = np.where(cold, content.score(np.array([user]))[0], -np.inf)
        best = int(np.argmax(affinity))
        if affinity[best] < NEW_PRODUCT_MATCH or best in set(items.tolist()):
            return items, None
        return np.r_[items[:-1], best], best

    def _new_reason(self, user: int | None, item: int) -> str:
        content = self.models.get("content")
        terms = content.shared_terms(user, item) if content is not None and user is not None else []
        return "New in the catalogue" + (", matching their interest in: " + ", ".join(terms) if terms else "")

    def product_titles(self) -> dict[str, str]:
        return dict(
            zip(self.data.items_meta["product_id"].tolist(), self.data.items_meta["title"].tolist(), strict=True)
        )

    def price_range(self) -> tuple[float, float] | None:
        """Lowest and highest list price in the catalogue, or None without (distinct) prices."""
        prices = pd.to_numeric(self.data.items_meta["price"], errors="coerce").dropna()
        return None if prices.empty or prices.min() == prices.max() else (float(prices.min()), float(prices.max()))

    def categories(self) -> list[str]:
        values = self.data.items_meta["category"].dropna().astype(str).str.split("|").explode().str.strip()
        return sorted(v for v in values.unique().tolist() if v)

    def _model(self, model: str | None) -> str:
        name = model or self.best
        if name not in self.models:
            raise PersonaLensError(f"no trained recommender called {name!r}: available are {', '.join(self.models)}")
        return name

    def _cold_scores(self, group: int | None) -> tuple[np.ndarray, str]:
        persona = self.models.get("persona_popularity")
        if isinstance(persona, PersonaPopularity) and group is not None:
            return persona.group_scores(group), "persona_popularity"
        counts = np.asarray(self.training.matrix.sum(axis=0)).ravel().astype(float)
        return counts / max(counts.max(), 1), "popularity"

    def _rank(self, scores: np.ndarray, k: int, seen: sp.csr_matrix | None, filters: RecFilters) -> np.ndarray:
        allowed = self._allowed(filters)
        if allowed is not None:
            scores = np.where(allowed[None, :], scores, -np.inf)
        top = top_k(scores, k, seen)
        finite = np.isfinite(np.take_along_axis(np.asarray(scores, dtype=float), top, axis=1))
        if seen is not None:
            finite &= ~np.take_along_axis(seen.toarray() > 0, top, axis=1)
        return [row[ok] for row, ok in zip(top, finite, strict=True)]

    def _allowed(self, filters: RecFilters) -> np.ndarray | None:
        meta = self.data.items_meta
        mask = np.ones(len(meta), dtype=bool)
        if filters.categories:
            wanted = set(filters.categories)
            mask &= (
                meta["category"]
                .fillna("")
                .astype(str)
                .map(lambda c: bool(wanted & {p.strip() for p in c.split("|")}))
                .to_numpy(dtype=bool)
            )
        price = pd.to_numeric(meta["price"], errors="coerce").to_numpy(dtype=float)
        if filters.price_min is not None:
            mask &= price >= filters.price_min
        if filters.price_max is not None:
            mask &= price <= filters.price_max
        return None if mask.all() else mask


def load_recs(ws: Workspace, version: str | None = None) -> RecsBundle | None:
    """The active (or given) version ready to serve, or None when recommendations were never trained."""
    problem = None
    if version is None:
        serving = registry.serving_or_none(ws, KIND)
        if serving is None:
            return None
        version, problem = serving.version, serving.problem
    registry.verify(ws, KIND, version)
    return _bundle(ws, ws.models_dir / KIND / version, version, problem)


def _bundle(ws: Workspace, folder: Path, version: str, problem: str | None = None) -> RecsBundle:
    """A version's folder read back for serving (training reads its own draft to list the top products)."""
    meta = json.loads((folder / "meta.json").read_text())
    users = pd.read_parquet(folder / "users.parquet")["customer_id"].to_numpy(dtype=object)
    items_meta = pd.read_parquet(folder / "items.parquet")
    with np.load(folder / "training.npz", allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    stored = StoredPairs(folder / "pairs.parquet")
    data = StoredInteractionData(users, items_meta["product_id"].to_numpy(dtype=object), items_meta, stored)
    groups = arrays.get("groups")
    training = TrainingSet(
        sparse_from_arrays("matrix", arrays),
        sparse_from_arrays("weights", arrays),
        items_meta["text"].tolist(),
        None if groups is None or not len(groups) else groups,
        sparse_from_arrays("recency", arrays) if "recency_data" in arrays else None,  # older versions have none
    )
    models: dict[str, Recommender] = {}
    for name in meta["models"]:
        if name != Hybrid.name:
            models[name] = REGISTRY[name].load(folder / "models" / name, training)
    if Hybrid.name in meta["models"]:
        models[Hybrid.name] = Hybrid.load(folder / "models" / Hybrid.name, training).with_components(models)
    models = {name: models[name] for name in meta["models"]}
    quotes = pd.read_parquet(folder / "quotes.parquet")
    persona_of, persona_names = _personas(ws)
    explainer = Explainer(
        training.matrix,
        items_meta["title"].tolist(),
        models,
        persona_names,
        dict(zip(quotes["item"].tolist(), quotes["quote"].tolist(), strict=True)),
    )
    evaluation = Evaluation.from_dict(json.loads((folder / "evaluation.json").read_text()))
    return RecsBundle(
        version,
        data,
        training,
        models,
        meta["best"],
        evaluation,
        explainer,
        persona_of,
        persona_names,
        problem,
        folder,
    )


def _save(
    folder: Path,
    data: InteractionData,
    full: TrainingSet,
    fitted: dict[str, Recommender],
    quotes: pd.DataFrame,
    evaluation: Evaluation,
    best: str,
    failed: dict[str, str],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ranked = serving_order(evaluation, fitted)
    for name, model in fitted.items():
        model.save(folder / "models" / name)
    groups = full.user_groups if full.user_groups is not None else np.array([], dtype=int)
    np.savez_compressed(
        folder / "training.npz",
        groups=groups,
        **sparse_to_arrays("matrix", full.matrix),
        **sparse_to_arrays("weights", full.weights),
        **({} if full.recency is None else sparse_to_arrays("recency", full.recency)),
    )
    pd.DataFrame({"customer_id": data.users.tolist()}).to_parquet(folder / "users.parquet")
    data.items_meta.to_parquet(folder / "items.parquet")
    write_pairs(data.pairs, folder / "pairs.parquet")
    quotes.to_parquet(folder / "quotes.parquet")
    (folder / "evaluation.json").write_text(json.dumps(evaluation.to_dict(), indent=1, default=float))
    (folder / "meta.json").write_text(json.dumps({"best": best, "models": ranked, "failed": failed}, indent=1))


def persona_groups(ws: Workspace, data: InteractionData) -> np.ndarray | None:
    persona_of, _ = _personas(ws)
    if not persona_of:
        return None
    return np.array([persona_of.get(u, -1) for u in data.users.tolist()], dtype=np.int64)


def _personas(ws: Workspace) -> tuple[dict[str, int], dict[int, str]]:
    from core.personas.stored import assignments

    current = assignments(ws)
    persona_of = dict(
        zip(current["customer_id"].astype(str).tolist(), current["persona_id"].astype(int).tolist(), strict=True)
    )
    names = current.drop_duplicates("persona_id")
    return persona_of, dict(
        zip(names["persona_id"].astype(int).tolist(), names["persona_name"].astype(str).tolist(), strict=True)
    )


def _with_quotes(recs: pd.DataFrame) -> pd.DataFrame:
    """One reason column, the quote appended, as in the CSV export."""
    quoted = recs["quote"].astype(str).str.len() > 0
    return recs.assign(reason=np.where(quoted, recs["reason"] + '. "' + recs["quote"] + '"', recs["reason"]))
