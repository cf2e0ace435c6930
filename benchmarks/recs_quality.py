"""Recommenders on real data, every model side by side, through the same code the app runs.

1. MovieLens 100k (u.data + u.item ingested by our pipeline), protocol `stratified`, seed 42,
   k = 10: the protocol of the public MS Recommenders benchmark. Target: best NDCG@10 >= 0.49.
2. Amazon Musical Instruments 5-core (the review file, ingested as is): protocols `stratified`
   and `last`.
3. UCI Online Retail (purchases; returns and rows without a customer dropped by ingest):
   protocol `last`, a check on another real interaction set.
4. Speed on MovieLens: each model's fit on all data + top-10 for every customer; then the whole
   train_recs run, loading the stored version, and the single-customer preview (with reasons)
   as the page calls it.
The baseline measured in the same run is popularity; ratios are best / popularity. Prints JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def _workspace(folder: Path, name: str, files: list[Path]):  # noqa: ANN202 - a Workspace
    from core.ingest.pipeline import ingest
    from core.workspace import create_workspace

    ws = create_workspace(folder / name)
    ingest(ws, files)
    return ws


def _table(evaluation) -> dict:  # noqa: ANN001 - an Evaluation
    frame = evaluation.frame()
    rows = {
        r["model"]: {
            m: round(float(r[m]), 4)
            for m in ("ndcg", "precision", "recall", "map", "hit_rate", "coverage", "novelty", "diversity")
        }
        | {"fit_s": r["fit_seconds"], "top10_s": r["recommend_seconds"]}
        for r in frame.to_dict("records")
        if not isinstance(r["error"], str)
    }
    best = evaluation.best
    return {
        "protocol": evaluation.protocol,
        "users_scored": evaluation.users_scored,
        "items": evaluation.n_items,
        "best": best,
        "best_ndcg": rows[best]["ndcg"],
        "ratio_best_vs_popularity": round(rows[best]["ndcg"] / max(rows["popularity"]["ndcg"], 1e-9), 2),
        "tuned": evaluation.tuned,
        "failed": {r.name: r.error for r in evaluation.results if r.error},
        "models": rows,
    }


def _speed(ws) -> dict:  # noqa: ANN001 - a Workspace
    from core.recs.data import load_interactions
    from core.recs.evaluate import BASE_MODELS, make_model, training_set
    from core.recs.metrics import top_k
    from core.recs.service import load_recs, train_recs

    data = load_interactions(ws)
    full = training_set(data, data.pairs, None)
    users = np.arange(data.n_users)
    per_model = {}
    for name in BASE_MODELS:
        if name == "persona_popularity":
            continue
        started = time.perf_counter()
        model = make_model(name, {}).fit(full)
        fitted = time.perf_counter()
        top_k(model.score(users), 10, full.matrix)
        per_model[name] = {"fit_s": round(fitted - started, 2), "top10_all_s": round(time.perf_counter() - fitted, 3)}
    started = time.perf_counter()
    run = train_recs(ws)
    trained = time.perf_counter() - started
    started = time.perf_counter()
    bundle = load_recs(ws)
    loaded = time.perf_counter() - started
    latencies = []
    for customer in bundle.customers()[:100]:
        started = time.perf_counter()
        bundle.recommend(customer, k=10)
        latencies.append(time.perf_counter() - started)
    return {
        "fit_and_top10_every_customer": per_model,
        "train_recs_s": round(trained, 1),
        "default_model": run.best,
        "load_s": round(loaded, 2),
        "preview_ms_median": round(1000 * float(np.median(latencies)), 1),
        "preview_ms_p95": round(1000 * float(np.percentile(latencies, 95)), 1),
        "preview_target_ms": 200,
    }


def main() -> None:
    from core.recs.data import load_interactions
    from core.recs.evaluate import evaluate_models

    out: dict = {"benchmark": "recs_quality"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ml = _workspace(folder, "ml", [DATA / "movielens-100k" / "u.data", DATA / "movielens-100k" / "u.item"])
        out["movielens_stratified"] = _table(evaluate_models(load_interactions(ml), protocol="stratified", seed=42))
        out["movielens_stratified"]["target_ndcg"] = 0.49
        amazon = _workspace(
            folder, "amazon", [DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz"]
        )
        data = load_interactions(amazon)
        out["amazon_mi_stratified"] = _table(evaluate_models(data, protocol="stratified", seed=42))
        out["amazon_mi_last"] = _table(evaluate_models(data, protocol="last", seed=42))
        retail = _workspace(folder, "retail", [DATA / "uci-online-retail" / "online_retail.csv.gz"])
        out["uci_retail_last"] = _table(evaluate_models(load_interactions(retail), protocol="last", seed=42))
        out["movielens_speed"] = _speed(ml)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
