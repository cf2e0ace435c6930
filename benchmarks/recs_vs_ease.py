"""The served recommender against an inner-tuned EASE, on customers neither saw, over four split seeds.

For each set, protocol and seed: the interactions are split per customer (75/25 stratified, or the
last product held out). The training part is what a user's workspace would hold: `train_recs`'s own
steps run on it (every model tuned on an inner split, measured on a validation split of the
training part, the best one served: re-tuned on an inner split of the whole training part and
refitted on all of it). The reference is a plain
EASE whose regularisation is chosen on an inner split of the same training part. Both score the
held-out part once; the ratio served / EASE is reported per seed, then as mean and spread.

Run: `PYTHONPATH=. .venv/bin/python benchmarks/recs_vs_ease.py [--sets ml,amazon,amazon_last,retail]
[--seeds 42,1,2,3]`. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SETS = {
    "ml": ("movielens-100k", ["u.data", "u.item"], "stratified"),
    "amazon": ("amazon-musical-instruments", ["reviews_Musical_Instruments_5.json.gz"], "stratified"),
    "amazon_last": ("amazon-musical-instruments", ["reviews_Musical_Instruments_5.json.gz"], "last"),
    "retail": ("uci-online-retail", ["online_retail.csv.gz"], "last"),
}


def _data(folder: Path, name: str):  # noqa: ANN202 - InteractionData
    from core.ingest.pipeline import ingest
    from core.recs.data import load_interactions
    from core.workspace import create_workspace, open_workspace

    directory, files, _ = SETS[name]
    path = folder / directory
    if not path.exists():
        ingest(create_workspace(path), [DATA / directory / f for f in files])
    return load_interactions(open_workspace(path))


def _ndcg(model, users: np.ndarray, train_set, truth) -> float:  # noqa: ANN001
    from core.recs.metrics import ranking_metrics, top_k

    tops = [top_k(model.score(b), 10, train_set.matrix[b]) for b in np.array_split(users, len(users) // 1024 + 1)]
    return float(ranking_metrics(np.vstack(tops), truth[users], 10, np.ones(train_set.n_items))["ndcg"])


def one_run(data, protocol: str, seed: int) -> dict:  # noqa: ANN001 - InteractionData
    from core.recs.data import InteractionData
    from core.recs.evaluate import engine_models, fit_models, select_and_fit, tune
    from core.recs.split import natural_protocol, split_pairs

    started = time.perf_counter()
    train_pairs, test_pairs = split_pairs(data.pairs, protocol, seed=seed)
    workspace = InteractionData(data.users, data.items, train_pairs.reset_index(drop=True), data.items_meta)
    inner = natural_protocol(workspace.pairs)  # what train_recs measures and tunes on
    selection = select_and_fit(workspace, None, engine_models("local"), inner, 10, seed)  # train's own path
    chosen, served, full, fitted, serving = (
        selection.evaluation,
        selection.ranked[0],
        selection.training,
        selection.fitted,
        selection.tuned,
    )
    quiet = lambda _f, _m: None  # noqa: E731
    ease_trials = tune(data, train_pairs, None, ["ease"], 10, seed, quiet, (0.0, 1.0), inner)["inner_ndcg"]["ease"]
    plain = max((t for t in ease_trials if t["recency"] == 1.0), key=lambda t: t["ndcg"])  # one knob: no recency
    ease_tuned = {"params": {"ease": {"regularization": plain["regularization"]}}}
    ease, _ = fit_models(["ease"], full, ease_tuned, quiet, (0.0, 1.0))
    truth = data.matrix(test_pairs)
    users = np.unique(test_pairs["user"].to_numpy())
    served_ndcg = _ndcg(fitted[served], users, full, truth)
    ease_ndcg = _ndcg(ease["ease"], users, full, truth)
    return {
        "seed": seed,
        "served": served,
        "served_ndcg": round(served_ndcg, 5),
        "ease_ndcg": round(ease_ndcg, 5),
        "ratio": round(served_ndcg / ease_ndcg, 4),
        "ease_regularization": ease_tuned["params"]["ease"]["regularization"],
        "inner_protocol": inner,
        "served_params": serving["params"].get(served),
        "validation": {r.name: r.metrics.get("ndcg") for r in chosen.results if r.metrics},
        "hybrid_weights": serving.get("hybrid_weights"),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--seeds", default="42,1,2,3")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "recs-vs-ease")
    args = parser.parse_args()
    os.environ.setdefault("PERSONALENS_HOME", str(args.cache))
    args.cache.mkdir(parents=True, exist_ok=True)
    out: dict = {
        "benchmark": "recs_vs_ease",
        "date": f"{date.today():%Y-%m-%d}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "sets": {},
    }
    for name in args.sets.split(","):
        data = _data(args.cache, name)
        runs = [one_run(data, SETS[name][2], int(s)) for s in args.seeds.split(",")]
        ratios = np.array([r["ratio"] for r in runs])
        out["sets"][name] = {
            "protocol": SETS[name][2],
            "mean_ratio": round(float(ratios.mean()), 4),
            "spread": round(float(ratios.std(ddof=1)), 4) if len(ratios) > 1 else 0.0,
            "target": 1.03,
            "runs": runs,
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
