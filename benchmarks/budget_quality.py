"""Does training under a data budget cost quality? Each kind trained the way `train` trains it on every
real set in ../shared/data its budget samples from, once without any budget and once with the kind's
comparison budget set (PERSONALENS_BUDGET) to a fraction of that set, small enough to bite, measured
the same way on data neither run saw. Target: within 2% on every set (ratio >= 0.98: the budgeted
run's quality over the full run's, or for a negative NPMI one plus their difference over its size).

- Sentiment, every star-rated review set (Musical Instruments, Gift Cards; the airline tweets have no
  stars, and the marketer's labels are never sampled): texts de-duplicated, 80/20 split stratified by
  class (stars 1-2 / 3 / 4-5); models compared as `train_sentiment` compares them (vader, adaptive,
  linear: the neural model is left out to keep the run short) on the training part or a stratified
  sample of it, the chosen one refitted on the whole training part; 3-class macro-F1 on the test part.
- Topics, every text set (both review sets and the airline tweets): `find_topics` (what `train_topics`
  runs), the search on every text or a sample, the chosen model refitted and weighing every text;
  NPMI of its topics over every text.
- Personas, every set whose customers write reviews (the budgets sample reviewers and reviews; MovieLens
  and Online Retail have none, so nothing is sampled there): silhouette of the chosen personas, the
  text part's word vectors and tone learned from a sample or from everyone.
- Recommendations, every set with customers and products (MovieLens, both review sets, Online Retail):
  held-out split as `train` would measure it (ratings: 75/25 per customer; dated orders: each
  customer's last); `select_and_fit` on the training part, models compared and tuned on every customer
  or a sample; NDCG@10 of the served model on the held-out part.

    .venv/bin/python benchmarks/budget_quality.py [--parts sentiment,topics,personas,recs]
        [--sets musical_instruments,...] [--seeds 42,1,2,3]   (each ratio a mean over the seeds)
        [--curve 0.05,0.1,0.2,0.5]   (quality at these fractions too: a learning curve)

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DATA = ROOT.parent / "shared" / "data"
SETS: dict[str, tuple[str, list[str]]] = {  # name: (folder in ../shared/data, files a workspace ingests)
    "musical_instruments": ("amazon-musical-instruments", ["reviews_Musical_Instruments_5.json.gz"]),
    "gift_cards": ("amazon-gift-cards", ["Gift_Cards_5.json.gz", "meta_Gift_Cards.json.gz"]),
    "movielens": ("movielens-100k", ["u.data", "u.item"]),
    "online_retail": ("uci-online-retail", ["online_retail.csv.gz"]),
    "airline_tweets": ("twitter-us-airline-sentiment", ["Tweets.csv"]),
}
PARTS: dict[str, tuple[list[str], list[str], float]] = {  # part: (sets its budget samples, steps, fraction)
    "sentiment": (["musical_instruments", "gift_cards"], ["sentiment_comparison"], 0.35),
    "topics": (["musical_instruments", "gift_cards", "airline_tweets"], ["topic_search"], 0.3),
    "personas": (["musical_instruments", "gift_cards"], ["persona_words", "persona_tone"], 0.35),
    "recs": (["movielens", "musical_instruments", "gift_cards", "online_retail"], ["recs_comparison"], 0.5),
}
UNLIMITED = str(10**9)  # every budget above any set here: nothing sampled


@contextmanager
def budget(override: str):
    """PERSONALENS_BUDGET set to `override` while the block runs."""
    from core.budget import ENV

    before = os.environ.pop(ENV, None)
    os.environ[ENV] = override
    try:
        yield
    finally:
        os.environ.pop(ENV, None)
        if before is not None:
            os.environ[ENV] = before


Measure = Callable[[], tuple[float, dict]]


def _both(measure: Measure, part: str, pools: dict[str, int], curve: tuple[float, ...] = ()) -> dict:
    """`measure` without any budget, then with the part's steps set to its fraction of `pools` (rows per
    step), and at each of `curve`'s fractions too when given (a learning curve: where more rows stop helping)."""
    _, steps, fraction = PARTS[part]

    def run(limit: str) -> dict:
        started = time.perf_counter()
        with budget(limit):
            value, details = measure()
        return {"value": round(value, 4), "seconds": round(time.perf_counter() - started, 1), **details}

    def override(share: float) -> str:
        return ",".join(f"{step}={max(1, round(share * pools[step]))}" for step in steps)

    full = run(UNLIMITED)
    out: dict = {"budget_set": override(fraction), "of": {step: pools[step] for step in steps}, "all": full}
    out["budget"] = run(override(fraction))
    out["ratio"] = _relative(out["budget"]["value"], full["value"])
    for share in sorted(set(curve) - {fraction, 1.0}):
        point = run(override(share))
        point["ratio"] = _relative(point["value"], full["value"])
        out.setdefault("curve", []).append({"fraction": share, **point})
    return out


def _relative(value: float, full: float) -> float:
    """The budgeted run's quality relative to the full run's: their ratio when it is positive; NPMI may be
    negative, so the difference is taken over its size (1.02 = 2% better, 0.98 = 2% worse either way)."""
    return round(1 + (value - full) / abs(full), 4)


def _texts(name: str) -> list[str]:
    """A text set's texts as `train` reads them: "summary. reviewText" for reviews, the tweet for tweets."""
    from text_quality import _reviews, _tweets

    if name == "airline_tweets":
        return _tweets()[0]
    folder, files = SETS[name]
    return [f"{r.get('summary') or ''}. {r.get('reviewText') or ''}" for r in _reviews(DATA / folder / files[0])]


def _workspace(folder: Path, name: str):  # noqa: ANN202 - a Workspace
    from core.ingest.pipeline import ingest
    from core.workspace import create_workspace, open_workspace

    directory, files = SETS[name]
    path = folder / name
    if not path.exists():
        ingest(create_workspace(path), [DATA / directory / f for f in files])
    return open_workspace(path)


def sentiment(name: str, seed: int, curve: tuple[float, ...] = ()) -> dict:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split
    from text_quality import _rated

    from core.budget import sample_rows
    from core.sentiment.models import MODELS
    from core.sentiment.service import choose_model, compare_labelled, stars_to_labels

    folder, files = SETS[name]
    texts, stars = _rated(DATA / folder / files[0])
    labels = stars_to_labels(stars)
    train, test = train_test_split(np.arange(len(texts)), test_size=0.2, stratify=labels, random_state=seed)
    names = ("vader", "adaptive", "linear")

    def measure() -> tuple[float, dict]:
        picked = train[sample_rows(len(train), "sentiment_comparison", seed, strata=labels[train])]
        chosen = choose_model(compare_labelled([texts[i] for i in picked], labels[picked], seed, None, names))
        model = MODELS[chosen]().fit_with([texts[i] for i in train], labels[train], texts)
        predicted = model.predict([texts[i] for i in test])
        return float(f1_score(labels[test], predicted, average="macro")), {"chosen": chosen, "compared_on": len(picked)}

    return {"reviews": len(texts), **_both(measure, "sentiment", {"sentiment_comparison": len(train)}, curve)}


def topics(name: str, seed: int, curve: tuple[float, ...] = ()) -> dict:
    from core.topics.models import Corpus
    from core.topics.quality import npmi
    from core.topics.service import find_topics

    texts = _texts(name)

    def measure() -> tuple[float, dict]:
        found = find_topics(texts, seed=seed)
        every = Corpus(found.corpus.counts_for(found.pipeline.transform(texts)), found.corpus.terms)
        return float(np.mean(npmi(found.fit.top_terms, every.presence))), {
            "method": found.method,
            "k": found.k,
            "sampled": [s.in_words() for s in found.samples],
            "texts_with_a_topic": round(float((found.doc_topics.sum(axis=1) > 0).mean()), 4),
        }

    return {"texts": len(texts), **_both(measure, "topics", {"topic_search": len(texts)}, curve)}


def personas(name: str, seed: int, folder: Path, curve: tuple[float, ...] = ()) -> dict:
    from core.personas.profile import build_profiles
    from core.personas.segment import PersonaModel

    ws = _workspace(folder, name)

    def measure() -> tuple[float, dict]:
        profiles = build_profiles(ws, seed=seed)
        model = PersonaModel(random_state=seed).fit(profiles)
        return float(model.silhouette_), {
            "personas": int(len(set(model.labels_.tolist()))),
            "sampled": [s.in_words() for s in profiles.samples if s.sampled],
        }

    counts = ws.query(  # what core.personas.profile samples from: reviewers (word vectors) and reviews (tone)
        "SELECT count(DISTINCT customer_id) AS reviewers, count(*) AS reviews FROM reviews "
        "WHERE customer_id IS NOT NULL AND text IS NOT NULL"
    ).iloc[0]
    pools = {"persona_words": int(counts["reviewers"]), "persona_tone": int(counts["reviews"])}
    return _both(measure, "personas", pools, curve)


def recs(name: str, seed: int, folder: Path, curve: tuple[float, ...] = ()) -> dict:
    from recs_vs_ease import _ndcg

    from core.recs.data import InteractionData, load_interactions
    from core.recs.evaluate import engine_models, select_and_fit
    from core.recs.split import natural_protocol, split_pairs

    data = load_interactions(_workspace(folder, name))
    protocol = natural_protocol(data.pairs)
    train_pairs, test_pairs = split_pairs(data.pairs, protocol, seed=seed)
    workspace = InteractionData(data.users, data.items, train_pairs.reset_index(drop=True), data.items_meta)
    truth, users = data.matrix(test_pairs), np.unique(test_pairs["user"].to_numpy())

    def measure() -> tuple[float, dict]:
        chosen = select_and_fit(workspace, None, engine_models("local"), natural_protocol(workspace.pairs), seed=seed)
        served = chosen.ranked[0]
        return _ndcg(chosen.fitted[served], users, chosen.training, truth), {
            "served": served,
            "compared_on": chosen.sample.used,
        }

    customers = int(workspace.pairs["user"].nunique())
    measured = _both(measure, "recs", {"recs_comparison": customers}, curve)
    return {"customers": data.n_users, "protocol": protocol, **measured}


def _over_seeds(run: Callable[[int], dict], seeds: list[int]) -> dict:
    """One set's result at each seed; its ratio is their mean (the spread beside it) when there are several."""
    if len(seeds) == 1:
        return run(seeds[0])
    runs = [{"seed": seed, **run(seed)} for seed in seeds]
    ratios = [r["ratio"] for r in runs]
    return {"ratio": round(float(np.mean(ratios)), 4), "spread": round(float(np.std(ratios)), 4), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--sets", default=",".join(SETS), help="only these sets (of those each part applies to)")
    parser.add_argument("--seeds", default="42", help="split, sample and model seeds (mean and spread of the ratio)")
    parser.add_argument("--curve", default="", help="more fractions, e.g. 0.05,0.1,0.2,0.5 (a learning curve)")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    wanted = args.sets.split(",")
    folder = Path(tempfile.mkdtemp(prefix="pl-budget-"))
    curve = tuple(float(f) for f in args.curve.split(",") if f)
    runners: dict[str, Callable[[str, int], dict]] = {
        "sentiment": lambda name, seed: sentiment(name, seed, curve),
        "topics": lambda name, seed: topics(name, seed, curve),
        "personas": lambda name, seed: personas(name, seed, folder, curve),
        "recs": lambda name, seed: recs(name, seed, folder, curve),
    }
    out: dict = {"benchmark": "budget_quality", "target_ratio": 0.98, "seeds": seeds}
    for part in args.parts.split(","):
        sets, steps, fraction = PARTS[part]
        run = runners[part]
        results = {n: _over_seeds(lambda seed, n=n, run=run: run(n, seed), seeds) for n in sets if n in wanted}
        out[part] = {"steps": steps, "fraction": fraction, "sets": results}
        print(json.dumps({part: {n: r["ratio"] for n, r in results.items()}}), file=sys.stderr, flush=True)
    ratios = [r["ratio"] for part in PARTS if part in out for r in out[part]["sets"].values()]
    out["meets_target"] = bool(ratios) and min(ratios) >= 0.98
    print(json.dumps(out))


if __name__ == "__main__":
    main()
