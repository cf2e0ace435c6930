"""Does training under a data budget cost quality? Each kind trained the way `train` trains it, once with
the default budgets (which the real sets here fit inside) and once with its comparison budget set by
PERSONALENS_BUDGET small enough to bite (a third to a half of the set), measured the same way on data
neither saw. Target: within 2% (ratio >= 0.98).

- Sentiment, Amazon Musical Instruments: texts de-duplicated, 80/20 split stratified by class (stars
  1-2 / 3 / 4-5), seed 42; models compared as `train_sentiment` compares them (vader, adaptive,
  linear: the neural model is left out to keep the run short) on the training part or a stratified
  sample of it, the chosen one refitted on the whole training part; 3-class macro-F1 on the test part.
- Topics, the same reviews: `find_topics` (what `train_topics` runs), the search on every review or a
  sample, the chosen model refitted and weighing every review; NPMI of its topics over every review.
- Personas, Musical Instruments customers (profiles from what they bought and wrote): silhouette of
  the chosen personas, the text part's word vectors and tone learned from a sample or from everyone.
- Recommendations, MovieLens-100k: 75/25 split per customer (seed 42); `select_and_fit` on the
  training part, models compared and tuned on every customer or a sample; NDCG@10 of the served
  model on the test part.

    .venv/bin/python benchmarks/budget_quality.py [--budget 3000] [--parts sentiment,topics,personas,recs]
        [--seeds 42,1,2,3]   (personas and recs: the ratio as a mean over the seeds, with its spread)

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DATA = ROOT.parent / "shared" / "data"
MI = DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz"


@contextmanager
def budget(override: str | None):
    """PERSONALENS_BUDGET set to `override` (None: the defaults) while the block runs."""
    from core.budget import ENV

    before = os.environ.pop(ENV, None)
    if override is not None:
        os.environ[ENV] = override
    try:
        yield
    finally:
        os.environ.pop(ENV, None)
        if before is not None:
            os.environ[ENV] = before


def _both(measure, override: str) -> dict:  # noqa: ANN001 - a callable returning (value, details)
    out: dict = {"budget_set": override}
    for name, limit in (("all", None), ("budget", override)):
        started = time.perf_counter()
        with budget(limit):
            value, details = measure()
        out[name] = {"value": round(value, 4), "seconds": round(time.perf_counter() - started, 1), **details}
    out["ratio"] = round(out["budget"]["value"] / out["all"]["value"], 4)
    return out


def sentiment(rows: int) -> dict:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split
    from text_quality import _rated

    from core.budget import sample_rows
    from core.sentiment.models import MODELS
    from core.sentiment.service import choose_model, compare_labelled, stars_to_labels

    texts, stars = _rated(MI)
    labels = stars_to_labels(stars)
    train, test = train_test_split(np.arange(len(texts)), test_size=0.2, stratify=labels, random_state=42)
    names = ("vader", "adaptive", "linear")

    def measure() -> tuple[float, dict]:
        picked = train[sample_rows(len(train), "sentiment_comparison", 42, strata=labels[train])]
        chosen = choose_model(compare_labelled([texts[i] for i in picked], labels[picked], 42, None, names))
        model = MODELS[chosen]().fit_with([texts[i] for i in train], labels[train], texts)
        predicted = model.predict([texts[i] for i in test])
        return float(f1_score(labels[test], predicted, average="macro")), {"chosen": chosen, "compared_on": len(picked)}

    return {"reviews": len(texts), **_both(measure, f"sentiment_comparison={rows}")}


def topics(rows: int) -> dict:
    from text_quality import _reviews

    from core.topics.models import Corpus
    from core.topics.quality import npmi
    from core.topics.service import find_topics

    texts = [f"{r.get('summary') or ''}. {r.get('reviewText') or ''}" for r in _reviews(MI)]

    def measure() -> tuple[float, dict]:
        found = find_topics(texts)
        every = Corpus(found.corpus.counts_for(found.pipeline.transform(texts)), found.corpus.terms)
        return float(np.mean(npmi(found.fit.top_terms, every.presence))), {
            "method": found.method,
            "k": found.k,
            "sampled": [s.in_words() for s in found.samples],
            "reviews_with_a_topic": round(float((found.doc_topics.sum(axis=1) > 0).mean()), 4),
        }

    return {"reviews": len(texts), **_both(measure, f"topic_search={rows}")}


def _workspace(folder: Path, directory: str, files: list[str]):  # noqa: ANN202 - a Workspace
    from core.ingest.pipeline import ingest
    from core.workspace import create_workspace, open_workspace

    path = folder / directory
    if not path.exists():
        ingest(create_workspace(path), [DATA / directory / f for f in files])
    return open_workspace(path)


def personas(rows: int, folder: Path, seed: int = 42) -> dict:
    from core.personas.profile import build_profiles
    from core.personas.segment import PersonaModel

    ws = _workspace(folder, "amazon-musical-instruments", ["reviews_Musical_Instruments_5.json.gz"])

    def measure() -> tuple[float, dict]:
        profiles = build_profiles(ws, seed=seed)
        model = PersonaModel(random_state=seed).fit(profiles)
        return float(model.silhouette_), {
            "personas": int(len(set(model.labels_.tolist()))),
            "sampled": [s.in_words() for s in profiles.samples],
        }

    return _both(measure, f"persona_words={rows},persona_tone={rows}")


def recs(rows: int, folder: Path, seed: int = 42) -> dict:
    from recs_vs_ease import _ndcg

    from core.recs.data import InteractionData, load_interactions
    from core.recs.evaluate import engine_models, select_and_fit
    from core.recs.split import natural_protocol, split_pairs

    data = load_interactions(_workspace(folder, "movielens-100k", ["u.data", "u.item"]))
    train_pairs, test_pairs = split_pairs(data.pairs, "stratified", seed=seed)
    workspace = InteractionData(data.users, data.items, train_pairs.reset_index(drop=True), data.items_meta)
    truth, users = data.matrix(test_pairs), np.unique(test_pairs["user"].to_numpy())

    def measure() -> tuple[float, dict]:
        chosen = select_and_fit(workspace, None, engine_models("local"), natural_protocol(workspace.pairs), seed=seed)
        served = chosen.ranked[0]
        return _ndcg(chosen.fitted[served], users, chosen.training, truth), {
            "served": served,
            "compared_on": chosen.sample.used,
        }

    return {"customers": data.n_users, **_both(measure, f"recs_comparison={rows}")}


def _over_seeds(run, seeds: list[int]) -> dict:  # noqa: ANN001 - seed -> one part's result
    """One part's result at each seed; its ratio is their mean (the spread beside it) when there are several."""
    if len(seeds) == 1:
        return run(seeds[0])
    runs = [{"seed": seed, **run(seed)} for seed in seeds]
    ratios = [r["ratio"] for r in runs]
    return {"ratio": round(float(np.mean(ratios)), 4), "spread": round(float(np.std(ratios)), 4), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=3000, help="rows every budget is set to for the sampled run")
    parser.add_argument("--recs-budget", type=int, default=500, help="customers for MovieLens (943 in all)")
    parser.add_argument("--parts", default="sentiment,topics,personas,recs")
    parser.add_argument(
        "--seeds", default="42", help="split and model seeds for personas and recs (mean and spread of the ratio)"
    )
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    parts = args.parts.split(",")
    folder = Path(tempfile.mkdtemp(prefix="pl-budget-"))
    out: dict = {"benchmark": "budget_quality", "budget": args.budget, "target_ratio": 0.98}
    if "sentiment" in parts:
        out["sentiment_macro_f1"] = sentiment(args.budget)
    if "topics" in parts:
        out["topics_npmi"] = topics(args.budget)
    if "personas" in parts:
        out["personas_silhouette"] = _over_seeds(lambda seed: personas(min(args.budget, 500), folder, seed), seeds)
    if "recs" in parts:
        out["recs_ndcg10"] = _over_seeds(lambda seed: recs(args.recs_budget, folder, seed), seeds)
    out["meets_target"] = all(v["ratio"] >= 0.98 for k, v in out.items() if isinstance(v, dict) and "ratio" in v)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
