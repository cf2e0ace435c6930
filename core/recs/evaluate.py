"""Fit every recommender on a training split, rank the full catalogue for held-out customers, measure.

Tuning never looks at the held-out split: each model's main knobs (its GRID) and the hybrid's
weights are chosen on an inner split of the training data, then every model is refitted on the whole
training split and measured once on the held-out one.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.budget import Sample, sample_rows
from core.errors import PersonaLensError, user_message
from core.recs.data import InteractionData
from core.recs.metrics import METRICS, NdcgJudge, behaviour_vectors, customer_ndcg, ranking_metrics, top_k
from core.recs.models import REGISTRY, Hybrid, Recommender, TrainingSet
from core.recs.models.base import row_normalize
from core.recs.models.hybrid import standardize
from core.recs.side import SideFits, fit_timed, side_fits
from core.recs.split import split_pairs

Progress = Callable[[float, str], None]
BASE_MODELS = (
    "popularity",
    "persona_popularity",
    "content",
    "user_knn",
    "item_knn",
    "ease",
    "rp3beta",
    "als",
    "two_tower",
)
# On the Spark engine these recommenders are trained by their Spark twin instead (same model, MLlib's solver).
SPARK_TWINS = {"als": "spark_als"}
BLENDABLE = (
    "ease",
    "rp3beta",
    "als",
    "spark_als",
    "two_tower",
    "item_knn",
    "user_knn",
    "content",
    "persona_popularity",
)
DEFAULT_BLEND = ("ease", "rp3beta", "als", "two_tower", "item_knn", "content")
WEIGHT_GRID = (0.0, 0.15, 0.35, 0.7, 1.0, 1.5, 2.0, 3.0)
# The blend's weights are searched on NDCG at this depth (or k, if deeper): a customer has more hidden
# products in a top 50 than in a top 10, so the comparison between two weightings is less noisy. On
# MovieLens 100k (4 seeds) searching on NDCG@50 served 1.031x EASE's NDCG@10 against 1.026x on NDCG@10.
SEARCH_DEPTH = 50
BLEND_MARGIN = 1.0  # standard errors a single model must lead the blend by to be served instead (serving_order)
# The stages of a training run that fit models, in order (select_and_fit plans the side fits by them).
STAGES = ("evaluation tuning", "evaluation", "serving tuning", "serving")
_BATCH = 1024
_TUNING_USERS = 2000


@dataclass
class ModelResult:
    """One model's offline quality and cost; error is set (and metrics empty) when it could not train."""

    name: str
    label: str
    metrics: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0
    recommend_seconds: float = 0.0
    params: dict = field(default_factory=dict)
    error: str | None = None


@dataclass
class Evaluation:
    """Every model measured on the same split; `best` has the highest NDCG@k."""

    protocol: str
    k: int
    seed: int
    users_scored: int
    n_users: int
    n_items: int
    results: list[ModelResult]
    tuned: dict
    # model -> NDCG@k of each scored customer (the same customers, in the same order, for every model):
    # kept for the serving order's paired comparison, not saved with a version
    per_customer: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def best(self) -> str:
        scored = [r for r in self.results if r.metrics and not np.isnan(r.metrics["ndcg"])]
        if not scored:
            raise PersonaLensError("no recommender could be trained on this data")
        return max(scored, key=lambda r: r.metrics["ndcg"]).name

    def result(self, name: str) -> ModelResult:
        return next(r for r in self.results if r.name == name)

    def frame(self) -> pd.DataFrame:
        """model, label, one column per metric, fit_seconds, recommend_seconds, error; best first."""
        rows = [
            {
                "model": r.name,
                "label": r.label,
                **r.metrics,
                "fit_seconds": r.fit_seconds,
                "recommend_seconds": r.recommend_seconds,
                "error": r.error,
            }
            for r in self.results
        ]
        frame = pd.DataFrame(rows)
        for metric in METRICS:
            if metric not in frame:
                frame[metric] = np.nan
        return frame.sort_values("ndcg", ascending=False, na_position="last").reset_index(drop=True)

    def to_dict(self) -> dict:
        return {
            **{k: v for k, v in asdict(self).items() if k not in ("results", "per_customer")},
            "best": self.best,
            "models": [asdict(r) for r in self.results],
        }

    @classmethod
    def from_dict(cls, payload: dict) -> Evaluation:
        results = [ModelResult(**r) for r in payload["models"]]
        keep = {k: payload[k] for k in ("protocol", "k", "seed", "users_scored", "n_users", "n_items", "tuned")}
        return cls(results=results, **keep)


def training_set(data: InteractionData, pairs: pd.DataFrame, groups: np.ndarray | None) -> TrainingSet:
    """The matrix (1 per pair) and weights: ratings where the data has them, else 1 + log(events)."""
    matrix = data.matrix(pairs)
    if pairs["rating"].notna().any():
        strength = pairs["rating"].fillna(pairs["rating"].median()).clip(lower=0.5)
    else:
        strength = 1.0 + np.log(pairs["n"].astype(float).clip(lower=1))
    weights = data.matrix(pairs.assign(strength=strength), values="strength")
    return TrainingSet(matrix, weights, data.items_meta["text"].tolist(), groups, _recency(data, pairs))


def _recency(data: InteractionData, pairs: pd.DataFrame) -> sp.csr_matrix | None:
    """Baskets back from each customer's latest day (1 = that day); None without dates."""
    if pairs.empty or pairs["last_ts"].isna().all():
        return None
    days = pd.to_datetime(pairs["last_ts"]).dt.floor("D")
    back = days.groupby(pairs["user"].to_numpy()).rank(ascending=False, method="dense").fillna(1.0)
    return data.matrix(pairs.assign(back=back.to_numpy(dtype=np.float32)), values="back")


def make_model(name: str, tuned: dict) -> Recommender:
    """The model with the knobs tuning chose (a version from before per-model tuning kept EASE's only)."""
    if name == "hybrid":
        return Hybrid(tuned.get("hybrid_weights") or {"ease": 1.0})
    params = dict(tuned.get("params", {}).get(name, {}))
    if name == "ease" and not params and "ease_regularization" in tuned:
        params = {"regularization": tuned["ease_regularization"]}
    return REGISTRY[name](**params)


def engine_models(engine: str) -> list[str]:
    """The recommenders a training run fits on `engine` (local or spark)."""
    from core.spark.engine import SPARK

    twins = SPARK_TWINS if engine == SPARK else {}
    return [twins.get(n, n) for n in (*BASE_MODELS, "hybrid")]


def available_models(wanted: Iterable[str] | None, groups: np.ndarray | None) -> list[str]:
    names = list(wanted) if wanted else engine_models("local")
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise PersonaLensError(f"unknown recommender {', '.join(unknown)}: choose from {', '.join(REGISTRY)}")
    if groups is None or (groups < 0).all():
        names = [n for n in names if n != "persona_popularity"]
    return names


def fit_models(
    names: list[str],
    data: TrainingSet,
    tuned: dict,
    progress: Progress,
    span: tuple[float, float],
    side: SideFits | None = None,
    stage: str = "fit",
) -> tuple[dict[str, Recommender], dict[str, ModelResult]]:
    """Fit each named model; a model that fails is reported, the others still train. SIDE_FIT models
    come from `side` (the fit planned for `stage`, or one started now), fitting while the others do."""
    base = [n for n in names if n != "hybrid"]
    if "hybrid" in names:
        base += [n for n in tuned.get("hybrid_weights", {}) if n not in base]
    models = {n: make_model(n, tuned) for n in base}
    later = [n for n in base if models[n].SIDE_FIT]
    done: dict[str, tuple[Recommender | None, ModelResult]] = {}
    with side_fits(side) as side:
        for name in later:
            side.plan(stage, models[name], lambda: data)
        for i, name in enumerate([n for n in base if n not in later] + later):
            progress(span[0] + (span[1] - span[0]) * i / max(len(base), 1), f"training {REGISTRY[name].label}")
            model = models[name]
            fitted, seconds, error = side.fitted(stage, model, data) if name in later else fit_timed(model, data)
            result = ModelResult(name, model.label, fit_seconds=seconds, params=model.params(), error=error)
            done[name] = fitted, result
    fitted = {n: done[n][0] for n in base if done[n][0] is not None}
    results = {n: done[n][1] for n in base}
    if "hybrid" in names:
        hybrid = make_model("hybrid", tuned)
        try:
            fitted["hybrid"] = hybrid.fit(data).with_components(fitted)
            seconds = sum(results[c].fit_seconds for c in fitted["hybrid"].components)
            results["hybrid"] = ModelResult(
                "hybrid", hybrid.label, fit_seconds=round(seconds, 3), params=hybrid.params()
            )
        except Exception as exc:
            results["hybrid"] = ModelResult("hybrid", hybrid.label, params=hybrid.params(), error=user_message(exc))
    return fitted, results


def fit_for_serving(
    data: InteractionData,
    groups: np.ndarray | None,
    names: list[str],
    k: int,
    seed: int,
    progress: Progress,
    span: tuple[float, float],
    protocol: str = "stratified",
    tuning: tuple[InteractionData, np.ndarray | None] | None = None,
    side: SideFits | None = None,
) -> tuple[TrainingSet, dict[str, Recommender], dict[str, ModelResult], dict]:
    """Every model refitted on all the pairs, its knobs re-tuned on an inner split of all of them, or of
    `tuning` (a sample of the customers and their groups), with the knobs that grow with the number of
    customers scaled up to all of them.

    Knobs tuned for the evaluation (on 60% of the data) do not carry over: EASE's regularisation, for
    one, grows with the number of customers, and the blend's weights with its components. Returns the
    training set, the fitted models, their results and the tuning used.
    """
    mid = span[0] + (span[1] - span[0]) * 0.5
    tune_data, tune_groups = tuning or (data, groups)
    with side_fits(side) as side:
        tuned = tune(
            tune_data, tune_data.pairs, tune_groups, names, k, seed, progress, (span[0], mid), protocol, side, STAGES[2]
        )
        if tune_data is not data:
            tuned = per_customer_scaled(tuned, data.n_users / tune_data.n_users)
        full = training_set(data, data.pairs, groups)
        fitted, results = fit_models(names, full, tuned, progress, (mid, span[1]), side, STAGES[3])
    return full, fitted, results, tuned


def evaluation_split(
    data: InteractionData, groups: np.ndarray | None, protocol: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None]:
    """The evaluation's training and held-out pairs, and the personas re-derived from the training pairs."""
    train_pairs, test_pairs = split_pairs(data.pairs, protocol, seed=seed)
    return train_pairs, test_pairs, groups_from_history(data.matrix(train_pairs), groups)


def inner_split(train_pairs: pd.DataFrame, protocol: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The split tuning learns (80%) and measures on, made the way the evaluation's is."""
    return split_pairs(train_pairs, protocol, 0.8, seed + 1)


def tune(
    data: InteractionData,
    train_pairs: pd.DataFrame,
    groups: np.ndarray | None,
    names: list[str],
    k: int,
    seed: int,
    progress: Progress,
    span: tuple[float, float],
    protocol: str = "stratified",
    side: SideFits | None = None,
    stage: str = "tuning",
) -> dict:
    """Each model's main knobs (its GRID, and its SCORE_GRID on each fit) and the hybrid's weights, chosen on an
    inner split of the training pairs made the way the evaluation's is (`protocol`, `inner_split`).
    SIDE_FIT models come from `side` (the fit planned for `stage`).

    Returns params (model -> chosen knobs), inner_ndcg (model -> every combination tried and its
    NDCG@k) and hybrid_weights.
    """
    inner_train, inner_val = inner_split(train_pairs, protocol, seed)
    train_set = training_set(data, inner_train, groups)
    truth = data.matrix(inner_val)
    users = _sample_users(inner_val, seed)
    judge = NdcgJudge(users, train_set.matrix, truth)
    tuned: dict = {"params": {}, "inner_ndcg": {}}
    mid = span[0] + (span[1] - span[0]) * 0.5
    blend = blend_candidates(names)
    needed = set(names) | (set(blend) if "hybrid" in names else set())
    grids = [n for n in REGISTRY if n in needed and REGISTRY[n].GRID]
    trials = [(n, combo) for n in grids for combo in _combinations(REGISTRY[n].GRID)]
    best: dict[str, tuple[float, Recommender]] = {}
    # the blend's models without knobs fit meanwhile (their fit does not depend on the grid's choices)
    untuned = [n for n in blend if not REGISTRY[n].GRID] if "hybrid" in names else []
    helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="personalens-tune")
    later = helper.submit(fit_models, untuned, train_set, {}, lambda _f, _m: None, (0.0, 1.0), side, stage)
    helper.shutdown(wait=False)

    def measure(name: str, model: Recommender, knobs: dict) -> None:
        score = judge.ndcg(model.score(users), k)
        tuned["inner_ndcg"].setdefault(name, []).append({**knobs, "ndcg": round(score, 5)})
        if name not in best or score > best[name][0]:
            best[name], tuned["params"][name] = (score, model), knobs

    for i, (name, combo) in enumerate(trials):
        progress(span[0] + (mid - span[0]) * i / len(trials), f"tuning {REGISTRY[name].label} ({_describe(combo)})")
        try:
            model = REGISTRY[name](**combo).fit(train_set)
        except Exception:  # noqa: BLE001 - too large for this store, or broken: fitting reports it the same way
            continue
        first, *_ = _combinations(REGISTRY[name].SCORE_GRID)
        _apply(model, first)
        measure(name, model, {**combo, **first})
    for name, (_, model) in list(best.items()):
        # Scoring knobs are tried on the best fit only (a setting at scoring time: no refit). Against trying
        # them on every fit, served / inner-tuned EASE over 4 sets x 4 seeds moved by at most 0.011 (UCI seed 42).
        chosen = dict(tuned["params"][name])
        for scoring in _combinations(REGISTRY[name].SCORE_GRID)[1:]:
            _apply(model, scoring)
            measure(name, model, {**chosen, **scoring})
        _apply(model, {key: tuned["params"][name][key] for key in REGISTRY[name].SCORE_GRID})
    if "hybrid" in names:
        progress(mid, "weighing the blend")
        kept = {n: best[n][1] for n in blend if n in best}  # the grid's best fits, not fitted twice
        rest, _ = later.result()
        fitted = {n: kept[n] if n in kept else rest[n] for n in blend if n in kept or n in rest}
        standardized = {n: standardize(m.score(users)).astype(np.float32) for n, m in fitted.items()}
        tuned["hybrid_weights"] = _search_weights(standardized, judge, min(SEARCH_DEPTH, train_set.n_items), k)
    return tuned


def blend_candidates(names: Iterable[str]) -> list[str]:
    """The models the hybrid's weights are searched over: the blendable ones trained, else the default blend."""
    names = list(names)
    return [n for n in BLENDABLE if n in names] or [n for n in BLENDABLE if n in DEFAULT_BLEND]


def _apply(model: Recommender, scoring: dict) -> None:
    """Set knobs that act at scoring time (a model's SCORE_GRID) without refitting."""
    for key, value in scoring.items():
        setattr(model, key, value)


def per_customer_scaled(tuned: dict, ratio: float) -> dict:
    """The tuning with each model's PER_CUSTOMER knobs multiplied by `ratio` (customers served / tuned on)."""
    params = {
        name: {key: value * ratio if key in REGISTRY[name].PER_CUSTOMER else value for key, value in knobs.items()}
        for name, knobs in tuned.get("params", {}).items()
    }
    return {**tuned, "params": params}


def tuning_table(tuned: dict) -> list[dict]:
    """One row per tuned model: model (label), chosen (its knobs, or the blend), inner_ndcg (the chosen
    combination's NDCG on the inner split), tried (combinations tried): what a version's summary records."""
    rows = []
    for name, trials in tuned.get("inner_ndcg", {}).items():
        chosen = tuned.get("params", {}).get(name, {})
        score = max(t["ndcg"] for t in trials)
        rows.append(
            {"model": REGISTRY[name].label, "chosen": _describe(chosen), "inner_ndcg": score, "tried": len(trials)}
        )
    weights = tuned.get("hybrid_weights") or {}
    if weights:
        blend = ", ".join(f"{REGISTRY[n].label} x{w:g}" for n, w in sorted(weights.items(), key=lambda x: -x[1]))
        rows.append({"model": Hybrid.label, "chosen": blend, "inner_ndcg": None, "tried": None})
    return rows


def _combinations(grid: dict[str, tuple]) -> list[dict]:
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def _describe(combo: dict) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in combo.items())


def _search_weights(scores: dict[str, np.ndarray], judge: NdcgJudge, depth: int, k: int) -> dict[str, float]:
    """Greedy coordinate search: start from the best single model, then add what helps."""
    if not scores:
        return {}
    k = max(k, depth)
    single = {n: judge.ndcg(s, k) for n, s in scores.items()}
    weights = {n: 0.0 for n in scores}
    lead = max(single, key=single.get)
    weights[lead] = 1.0
    best = single[lead]
    for _ in range(2):
        for name in sorted(scores, key=single.get, reverse=True):
            if name == lead:
                continue
            for w in WEIGHT_GRID:
                if w == weights[name]:
                    continue  # the current blend, already measured
                trial = {**weights, name: w}
                value = judge.ndcg(sum(trial[n] * s for n, s in scores.items() if trial[n]), k)
                if value > best + 1e-4:
                    best, weights = value, trial
    return {n: w for n, w in weights.items() if w}


def evaluate_models(
    data: InteractionData,
    groups: np.ndarray | None = None,
    models: Iterable[str] | None = None,
    protocol: str = "stratified",
    k: int = 10,
    seed: int = 42,
    progress: Progress | None = None,
    tuned: dict | None = None,
    side: SideFits | None = None,
) -> Evaluation:
    """Measure every model on one split of the data (see the module docstring); SIDE_FIT models come
    from `side` (the fits select_and_fit planned)."""
    report = progress or (lambda _f, _m: None)
    names = available_models(models, groups)
    train_pairs, test_pairs, groups = evaluation_split(data, groups, protocol, seed)
    if test_pairs.empty:
        raise PersonaLensError("no customer has enough interactions to hold some out for evaluation")
    with side_fits(side) as side:
        if tuned is None:
            tuned = tune(data, train_pairs, groups, names, k, seed, report, (0.0, 0.45), protocol, side, STAGES[0])
        tuned = dict(tuned)
        train_set = training_set(data, train_pairs, groups)
        fitted, results = fit_models(names, train_set, tuned, report, (0.45, 0.85), side, STAGES[1])
    truth = data.matrix(test_pairs)
    users = np.unique(test_pairs["user"].to_numpy())
    held_out = truth[users]  # the same rows for every model
    vectors = behaviour_vectors(train_set.matrix, seed=seed)
    popularity = np.asarray(train_set.matrix.sum(axis=0)).ravel()
    report(0.9, "measuring every model on held-out customers")
    per_customer: dict[str, np.ndarray] = {}
    for name in names:
        if name not in fitted:
            continue
        started = time.perf_counter()
        top = np.vstack(
            [
                top_k(fitted[name].score(batch), k, train_set.matrix[batch])
                for batch in np.array_split(users, max(1, len(users) // _BATCH + 1))
            ]
        )
        results[name].recommend_seconds = round(time.perf_counter() - started, 3)
        results[name].metrics = {
            m: round(v, 5) for m, v in ranking_metrics(top, held_out, k, popularity, vectors).items()
        }
        per_customer[name] = customer_ndcg(top, held_out, k)
    report(1.0, "evaluation done")
    ordered = [results[n] for n in names if n in results]
    return Evaluation(protocol, k, seed, int(len(users)), data.n_users, data.n_items, ordered, tuned, per_customer)


@dataclass
class Selection:
    """What a training run serves: every model measured (`evaluation`), refitted on all the pairs
    (`training`, `fitted`), best first (`ranked`), the ones that failed or were not trained and why
    (`failed`), the knobs serving used (`tuned`), and the customers compared on (`sample`)."""

    evaluation: Evaluation
    training: TrainingSet
    fitted: dict[str, Recommender]
    ranked: list[str]
    failed: dict[str, str]
    tuned: dict
    sample: Sample


def select_and_fit(
    data: InteractionData,
    groups: np.ndarray | None,
    models: list[str],
    protocol: str,
    k: int = 10,
    seed: int = 42,
    progress: Progress | None = None,
    side: SideFits | None = None,
) -> Selection:
    """Measure and tune the models, then refit them on every customer: the one path `train` takes.

    A model whose pairwise matrix outgrows the store is not trained (its reason is kept). Models are
    compared and tuned on a sample of customers (their whole histories, core.budget's
    "recs_comparison"); the chosen knobs then serve a refit on every customer.
    """
    report = progress or (lambda _f, _m: None)
    skipped = {n: reason for n in models if (reason := REGISTRY[n].too_large(data.n_users, data.n_items))}
    rows = sample_rows(data.n_users, "recs_comparison", seed)
    compared = Sample("recs_comparison", "customers", len(rows), data.n_users, "models compared and tuned")
    sample = (data.of_users(rows), None if groups is None else groups[rows]) if compared.sampled else None
    wanted = [n for n in models if n not in skipped]
    with side_fits(side) as side:
        _plan_side_fits(side, wanted, sample or (data, groups), (data, groups), protocol, seed)
        evaluation = evaluate_models(
            *(sample or (data, groups)),
            wanted,
            protocol,
            k,
            seed,
            progress=lambda f, m: report(0.03 + 0.52 * f, m),
            side=side,
        )
        evaluation.results += [ModelResult(n, REGISTRY[n].label, error=reason) for n, reason in skipped.items()]
        names = [r.name for r in evaluation.results if r.error is None]
        full, fitted, results, serving = fit_for_serving(
            data, groups, names, k, seed, report, (0.55, 0.93), protocol, tuning=sample, side=side
        )
    failed = {n: r.error for n, r in results.items() if r.error} | skipped
    ranked = serving_order(evaluation, fitted)
    if not ranked:
        raise PersonaLensError("no recommender could be trained: " + "; ".join(f"{n}: {e}" for n, e in failed.items()))
    return Selection(evaluation, full, fitted, ranked, failed, serving, compared)


def _plan_side_fits(
    side: SideFits,
    names: list[str],
    compared: tuple[InteractionData, np.ndarray | None],
    every: tuple[InteractionData, np.ndarray | None],
    protocol: str,
    seed: int,
) -> None:
    """Start the SIDE_FIT models' fits for every stage of a run, each on the set that stage will build
    (made on the side thread, the way the stage makes it: a stage whose set differs fits its own)."""
    (data, groups), (all_data, all_groups) = compared, every
    side_models = [n for n in names if REGISTRY[n].SIDE_FIT and not REGISTRY[n].GRID]
    if not side_models:
        return

    @functools.cache  # the two evaluation stages' sets share it; built once, on the side thread
    def split() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None]:
        return evaluation_split(data, groups, protocol, seed)

    def evaluation_tuning() -> TrainingSet:
        train_pairs, _, train_groups = split()
        return training_set(data, inner_split(train_pairs, protocol, seed)[0], train_groups)

    def evaluation() -> TrainingSet:
        train_pairs, _, train_groups = split()
        return training_set(data, train_pairs, train_groups)

    builds = {
        STAGES[0]: evaluation_tuning,
        STAGES[1]: evaluation,
        STAGES[2]: lambda: training_set(data, inner_split(data.pairs, protocol, seed)[0], groups),
        STAGES[3]: lambda: training_set(all_data, all_data.pairs, all_groups),
    }
    tuned_blend = "hybrid" in names
    for stage, build in builds.items():
        for name in side_models:
            if stage in (STAGES[0], STAGES[2]) and not (tuned_blend and name in blend_candidates(names)):
                continue  # tuning fits a model without knobs only for the blend
            side.plan(stage, make_model(name, {}), build)


def serving_order(evaluation: Evaluation, fitted: Iterable[str]) -> list[str]:
    """The `fitted` models best first by NDCG on the validation split, except that the blend leads
    unless the best single model beats it by more than BLEND_MARGIN standard errors of their paired
    per-customer difference.

    The blend's weights start from the best single model on the inner split and only add what helps
    there, so it holds the single models; a lead smaller than the noise of the customers compared
    on says nothing. Musical Instruments (each customer's last product), models compared on half the
    customers: user k-NN led the blend by 0.0010 (0.0555 vs 0.0545, seed 1) and was served at 0.0926
    held-out NDCG against the blend's 0.1004; Gift Cards likewise (seed 42).
    """
    fitted = set(fitted)
    ranked = [r.name for r in sorted(evaluation.results, key=validation_ndcg, reverse=True) if r.name in fitted]
    blend, per_customer = Hybrid.name, evaluation.per_customer
    if not ranked or ranked[0] == blend or blend not in ranked or blend not in per_customer:
        return ranked
    lead = per_customer[ranked[0]] - per_customer[blend]
    noise = lead.std(ddof=1) / np.sqrt(len(lead)) if len(lead) > 1 else 0.0
    if lead.mean() > BLEND_MARGIN * noise:
        return ranked
    return [blend, *(n for n in ranked if n != blend)]


def validation_ndcg(result: ModelResult) -> float:
    """A model's NDCG@k on the validation split, -1 when it has none (failed): the order models are served in."""
    value = result.metrics.get("ndcg", float("nan")) if result.metrics else float("nan")
    return -1.0 if np.isnan(value) else value


def groups_from_history(matrix: sp.csr_matrix, groups: np.ndarray | None) -> np.ndarray | None:
    """Personas re-derived from the training split only.

    Stored personas were found from every purchase, held-out ones included; evaluating persona
    favourites with them would let the model peek at the answers. Each customer is instead given
    the persona whose average basket (over the training split) is closest to their own training
    basket.
    """
    if groups is None or (groups < 0).all():
        return groups
    labels = np.unique(groups[groups >= 0])
    rows = row_normalize(matrix.astype(np.float64))
    centroids = np.vstack([np.asarray(rows[groups == g].mean(axis=0)).ravel() for g in labels])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    nearest = labels[np.asarray(rows @ centroids.T).argmax(axis=1)]
    return np.where(np.diff(matrix.indptr) > 0, nearest, -1)


def _sample_users(pairs: pd.DataFrame, seed: int) -> np.ndarray:
    users = np.unique(pairs["user"].to_numpy())
    if len(users) > _TUNING_USERS:
        users = np.sort(np.random.default_rng(seed).choice(users, _TUNING_USERS, replace=False))
    return users
