"""Sentiment and topics on real reviews, against baselines measured in the same run.

1. In-domain, Amazon Musical Instruments 5-core: texts ("summary. reviewText") de-duplicated,
   80/20 split stratified by star rating, stars 1-2 vs 4-5. The deployed model is chosen as
   `train` chooses it (macro-F1 on a held-out fifth of the training part), refitted on the whole
   training part; binary macro-F1 with positive = score > 0. Baseline (fixed):
   TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True) + LogisticRegression(C=10,
   class_weight="balanced"), trained on the same training part. Targets: >= 1.02x the baseline,
   above VADER.
2. Cross-domain: the same models on short (<= 30 words), balanced positive (5 stars) / negative
   (1-2 stars) reviews from Amazon Gift Cards. Target: accuracy >= 0.88.
3. Throughput of the deployed model on the Musical Instruments texts, one process and two
   (target 20,000 reviews/s on 2 cores), VADER's beside it.
4. Topics on the Musical Instruments reviews: the chosen model's NPMI against plain gensim LDA with
   the same number of topics (gensim's own top-10 terms), same corpus, same run. Targets: >= 1.2x,
   diversity >= 0.85.
Prints JSON.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def _reviews(path: Path) -> list[dict]:
    with gzip.open(path) as lines:
        return [json.loads(line) for line in lines]


def _baseline(train_texts: list[str], train_positive: np.ndarray):  # noqa: ANN202 - a fitted pipeline
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(C=10, class_weight="balanced", max_iter=3000),
    )
    return model.fit(train_texts, train_positive)


def sentiment() -> dict:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    from core.sentiment.models import MODELS, VaderModel, score_many
    from core.sentiment.service import choose_model, compare_models, stars_to_labels

    rows = _reviews(DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz")
    seen, texts, stars = set(), [], []
    for r in rows:
        text = f"{r.get('summary') or ''}. {r.get('reviewText') or ''}"
        if text not in seen:
            seen.add(text)
            texts.append(text)
            stars.append(float(r["overall"]))
    texts_arr, stars_arr = np.array(texts, dtype=object), np.array(stars)
    train, test = train_test_split(np.arange(len(texts)), test_size=0.2, stratify=stars_arr, random_state=42)
    comparison = compare_models(texts_arr[train].tolist(), stars_arr[train], seed=42)
    chosen = choose_model(comparison)
    model = MODELS[chosen]().fit(texts_arr[train].tolist(), stars_to_labels(stars_arr[train]))
    polar_train = train[stars_arr[train] != 3]
    polar_test = test[stars_arr[test] != 3]
    truth = (stars_arr[polar_test] >= 4).astype(int)
    baseline = _baseline(texts_arr[polar_train].tolist(), (stars_arr[polar_train] >= 4).astype(int))
    vader = VaderModel()
    test_texts = texts_arr[polar_test].tolist()
    f1 = {
        "deployed": f1_score(truth, (model.score(test_texts) > 0).astype(int), average="macro"),
        "baseline": f1_score(truth, baseline.predict(test_texts), average="macro"),
        "vader": f1_score(truth, (vader.score(test_texts) > 0).astype(int), average="macro"),
    }
    gift = _reviews(DATA / "amazon-gift-cards" / "Gift_Cards_5.json.gz")
    short = [
        (r["reviewText"], r["overall"])
        for r in gift
        if r.get("reviewText") and len(r["reviewText"].split()) <= 30 and r["overall"] != 3
    ]
    negative = [t for t, s in short if s <= 2]
    rng = np.random.default_rng(42)
    positive_pool = [t for t, s in short if s == 5]
    positive = [positive_pool[i] for i in rng.choice(len(positive_pool), len(negative), replace=False)]
    cross_texts, cross_truth = negative + positive, np.r_[np.zeros(len(negative)), np.ones(len(positive))]
    cross = {
        "deployed": accuracy_score(cross_truth, model.score(cross_texts) > 0),
        "baseline": accuracy_score(cross_truth, baseline.predict(cross_texts)),
        "vader": accuracy_score(cross_truth, vader.score(cross_texts) > 0),
    }
    many = texts * 3
    started = time.perf_counter()
    model.score(many)
    one_process = len(many) / (time.perf_counter() - started)
    started = time.perf_counter()
    score_many(model, many, processes=2)
    two_processes = len(many) / (time.perf_counter() - started)
    started = time.perf_counter()
    vader.score(texts[:3000])
    vader_rate = 3000 / (time.perf_counter() - started)
    return {
        "reviews": len(texts),
        "test_polar": len(polar_test),
        "chosen": chosen,
        "comparison_macro_f1": {c.name: c.macro_f1 for c in comparison},
        "binary_macro_f1": {k: round(v, 4) for k, v in f1.items()},
        "ratio_vs_baseline": round(f1["deployed"] / f1["baseline"], 3),
        "target_ratio": 1.02,
        "cross_domain": {"sentences": len(cross_texts), **{k: round(v, 4) for k, v in cross.items()}, "target": 0.88},
        "throughput_per_s": {
            "deployed_1_process": round(one_process),
            "deployed_2_processes": round(two_processes),
            "vader_1_process": round(vader_rate),
            "target_2_cores": 20000,
        },
    }


def topics() -> dict:
    from core.topics.models import fit_lda
    from core.topics.quality import diversity, npmi
    from core.topics.service import choose, prepare, search

    rows = _reviews(DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz")
    texts = [f"{r.get('summary') or ''}. {r.get('reviewText') or ''}" for r in rows]
    started = time.perf_counter()
    pipeline, corpus = prepare(texts)
    candidates, fits = search(corpus, seed=42)
    best = choose(candidates)
    seconds = time.perf_counter() - started
    plain = fit_lda(corpus, best.k, seed=42, exclusive=False)
    plain_npmi = float(np.mean(npmi(plain.top_terms, corpus.presence)))
    chosen = fits[(best.method, best.k)]
    return {
        "reviews": len(texts),
        "terms": len(corpus.terms),
        "chosen": {"method": best.method, "k": best.k},
        "npmi": best.npmi,
        "diversity": best.diversity,
        "plain_lda_npmi": round(plain_npmi, 4),
        "plain_lda_diversity": round(diversity(plain.top_terms), 3),
        "ratio_vs_plain_lda": round(best.npmi / plain_npmi, 3),
        "target_ratio": 1.2,
        "target_diversity": 0.85,
        "search_seconds": round(seconds, 1),
        "topics": [[pipeline.surface(corpus.terms[i]) for i in ids] for ids in chosen.top_terms],
        "plain_lda_topics": [[pipeline.surface(corpus.terms[i]) for i in ids] for ids in plain.top_terms],
        "candidates": [c.__dict__ for c in candidates],
    }


def _rated(path: Path) -> tuple[list[str], np.ndarray]:
    """De-duplicated "summary. reviewText" texts and their stars."""
    seen, texts, stars = set(), [], []
    for r in _reviews(path):
        text = f"{r.get('summary') or ''}. {r.get('reviewText') or ''}"
        if text not in seen:
            seen.add(text)
            texts.append(text)
            stars.append(float(r["overall"]))
    return texts, np.array(stars)


def _short_balanced(path: Path, seed: int = 42) -> tuple[list[str], np.ndarray]:
    """Review bodies of at most 30 words: every 1-2 star one and as many random 5-star ones (1 = positive)."""
    short = [
        (r["reviewText"], r["overall"])
        for r in _reviews(path)
        if r.get("reviewText") and len(r["reviewText"].split()) <= 30 and r["overall"] != 3
    ]
    negative = [t for t, s in short if s <= 2]
    positive_pool = [t for t, s in short if s == 5]
    rng = np.random.default_rng(seed)
    positive = [positive_pool[i] for i in rng.choice(len(positive_pool), len(negative), replace=False)]
    return negative + positive, np.r_[np.zeros(len(negative)), np.ones(len(positive))]


def _tweets() -> tuple[list[str], np.ndarray]:
    import pandas as pd

    frame = pd.read_csv(DATA / "twitter-us-airline-sentiment" / "Tweets.csv", dtype=str, keep_default_na=False)
    classes = {"negative": 0, "neutral": 1, "positive": 2}
    return frame["text"].tolist(), frame["airline_sentiment"].map(classes).to_numpy(dtype=int)


def _tweets_polar_balanced(seed: int = 42) -> tuple[list[str], np.ndarray]:
    texts, labels = _tweets()
    negative = [t for t, y in zip(texts, labels, strict=True) if y == 0]
    positive = [t for t, y in zip(texts, labels, strict=True) if y == 2]
    rng = np.random.default_rng(seed)
    negative = [negative[i] for i in rng.choice(len(negative), len(positive), replace=False)]
    return negative + positive, np.r_[np.zeros(len(negative)), np.ones(len(positive))]


RATED = {
    "musical_instruments": DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz",
    "gift_cards": DATA / "amazon-gift-cards" / "Gift_Cards_5.json.gz",
}


def in_domain() -> dict:
    """Every rated set: 80/20 split by stars (seed 42), the model `train` would choose, binary macro-F1
    (stars 1-2 vs 4-5) against the fixed baseline trained on the same part. Target: >= 1.05x on every set."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    from core.sentiment.models import MODELS
    from core.sentiment.service import choose_model, compare_models, stars_to_labels

    out = {}
    for name, path in RATED.items():
        texts, stars = _rated(path)
        train, test = train_test_split(np.arange(len(texts)), test_size=0.2, stratify=stars, random_state=42)
        train_texts = [texts[i] for i in train]
        chosen = choose_model(compare_models(train_texts, stars[train], seed=42))
        model = MODELS[chosen]().fit(train_texts, stars_to_labels(stars[train]))
        polar_train, polar_test = train[stars[train] != 3], test[stars[test] != 3]
        baseline = _baseline([texts[i] for i in polar_train], (stars[polar_train] >= 4).astype(int))
        truth, test_texts = (stars[polar_test] >= 4).astype(int), [texts[i] for i in polar_test]
        served = f1_score(truth, (model.score(test_texts) > 0).astype(int), average="macro")
        fixed = f1_score(truth, baseline.predict(test_texts), average="macro")
        out[name] = {
            "reviews": len(texts),
            "test_polar": len(polar_test),
            "chosen": chosen,
            "served": round(float(served), 4),
            "baseline": round(float(fixed), 4),
            "ratio": round(float(served / fixed), 3),
            "target": 1.05,
            "served_ece": _calibration_error(model.proba(test_texts), truth),
        }
    return out


def _calibration_error(proba: np.ndarray, positive: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of P(positive | not neutral) on negative/positive texts: the mean gap,
    weighted by bin size, between the stated probability and the share that is positive (0 = calibrated)."""
    stated = proba[:, 2] / np.maximum(proba[:, 0] + proba[:, 2], 1e-9)
    which = np.minimum((stated * bins).astype(int), bins - 1)
    gaps = [abs(stated[which == b].mean() - positive[which == b].mean()) * (which == b).mean() for b in set(which)]
    return round(float(sum(gaps)), 4)


def cross_domain() -> dict:
    """Train as `train` would on each rated set; accuracy on the other sets' short balanced reviews and the
    airline tweets (negative vs positive, balanced), VADER on the same texts; the served model's domain shift."""
    from sklearn.metrics import accuracy_score

    from core.sentiment.models import MODELS, VaderModel
    from core.sentiment.service import choose_model, compare_models, stars_to_labels

    targets = {name: _short_balanced(path) for name, path in RATED.items()}
    targets["airline_tweets"] = _tweets_polar_balanced()
    vader = VaderModel()
    out = {}
    for source, path in RATED.items():
        texts, stars = _rated(path)
        chosen = choose_model(compare_models(texts, stars, seed=42, names=("vader", "adaptive", "linear")))
        model = MODELS[chosen]().fit(texts, stars_to_labels(stars))
        rows = {}
        for target, (target_texts, truth) in targets.items():
            if target == source:
                continue
            rows[target] = {
                "texts": len(target_texts),
                "served": round(float(accuracy_score(truth, model.score(target_texts) > 0)), 4),
                "served_ece": _calibration_error(model.proba(target_texts), truth),
                "vader": round(float(accuracy_score(truth, vader.score(target_texts) > 0)), 4),
                "domain_shift": round(model.batch_shift(target_texts), 3) if hasattr(model, "batch_shift") else None,
            }
        out[source] = {"chosen": chosen, "targets": rows}
    return out


def teaching(
    budgets: tuple[int, ...] = (0, 100, 200, 500), batch: int = 25, seed: int = 42, explore: float | None = None
) -> dict:
    """Airline tweets, 3-class macro-F1 on a held-out 30% after the marketer labels N tweets of the other 70%:
    chosen by the tool (least certain first, in batches, retraining after each as the page does) or at random.
    Each retrain chooses its model as `train` does with labels (cross-validated on them)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    from core.sentiment.labels import least_certain
    from core.sentiment.models import MODELS, VaderModel
    from core.sentiment.service import MIN_TAUGHT, choose_model, cross_validate_taught

    texts, labels = _tweets()
    pool, test = train_test_split(np.arange(len(texts)), test_size=0.3, stratify=labels, random_state=seed)
    pool_texts, test_texts = [texts[i] for i in pool], [texts[i] for i in test]

    def served(chosen_ids: list[int]):  # noqa: ANN202 - a SentimentModel
        taught = labels[pool][chosen_ids]
        if len(chosen_ids) < MIN_TAUGHT or len(set(taught)) < 2:
            return VaderModel(), "vader"
        chosen_texts = [pool_texts[i] for i in chosen_ids]
        every = np.ones(len(taught), dtype=bool)  # the whole pool is the feedback words are learned from, as in train
        name = choose_model(cross_validate_taught(chosen_texts, taught, every, seed=seed, unlabelled=pool_texts))
        model = VaderModel() if name == "vader" else MODELS[name]().fit_with(chosen_texts, taught, pool_texts)
        return model, name

    def quality(model) -> float:  # noqa: ANN001
        return round(float(f1_score(labels[test], model.predict(test_texts), average="macro")), 4)

    results: dict[str, dict] = {"tool": {}, "random": {}}
    rng = np.random.default_rng(seed)
    random_order = rng.permutation(len(pool)).tolist()
    for budget in budgets:
        model, name = served(random_order[:budget])
        results["random"][str(budget)] = {"macro_f1": quality(model), "model": name}
    chosen: list[int] = []
    model, name = VaderModel(), "vader"
    for budget in budgets:
        while len(chosen) < budget:
            remaining = np.setdiff1d(np.arange(len(pool)), chosen)
            texts_left = [pool_texts[i] for i in remaining]
            order, _, _ = least_certain(
                model, texts_left, min(batch, budget - len(chosen)), explore, seed + len(chosen)
            )
            chosen += remaining[order].tolist()
            model, name = served(chosen)
        results["tool"][str(budget)] = {"macro_f1": quality(model), "model": name}
    return {
        "tweets": len(texts),
        "pool": len(pool),
        "test": len(test),
        "batch": batch,
        **results,
        "targets": {"0": 0.60, "200_tool": 0.70},
    }


def complaints() -> dict:
    """Topics on the airline tweets (no product, no rating), chosen as `train` chooses them, against the human
    complaint reasons of the negative tweets: normalised mutual information between each tweet's main topic and
    its reason, for the served topics and for plain gensim LDA with the same number of topics (same corpus)."""
    import pandas as pd
    from sklearn.metrics import normalized_mutual_info_score

    from core.topics.models import fit_lda
    from core.topics.service import choose, prepare, search

    frame = pd.read_csv(DATA / "twitter-us-airline-sentiment" / "Tweets.csv", dtype=str, keep_default_na=False)
    texts = frame["text"].tolist()
    started = time.perf_counter()
    pipeline, corpus = prepare(texts)
    candidates, fits = search(corpus, seed=42)
    best = choose(candidates)
    seconds = time.perf_counter() - started
    reasons = frame["negativereason"].to_numpy()
    judged = (frame["airline_sentiment"].to_numpy() == "negative") & ~np.isin(reasons, ["", "Can't Tell"])

    def agreement(doc_topics: np.ndarray) -> float:
        has_topic = judged & (doc_topics.sum(axis=1) > 0)
        main = doc_topics[has_topic].argmax(axis=1)
        return round(float(normalized_mutual_info_score(reasons[has_topic], main)), 4)

    chosen = fits[(best.method, best.k)]
    plain = fit_lda(corpus, best.k, seed=42, exclusive=False)
    main = chosen.doc_topics.argmax(axis=1)
    by_reason = {}
    for reason in sorted(set(reasons[judged])):
        mask = judged & (reasons == reason) & (chosen.doc_topics.sum(axis=1) > 0)
        top = int(np.bincount(main[mask], minlength=best.k).argmax())
        by_reason[reason] = {
            "tweets": int(mask.sum()),
            "main_topic": " · ".join(pipeline.surface(corpus.terms[i]) for i in chosen.top_terms[top][:4]),
            "share_in_it": round(float((main[mask] == top).mean()), 3),
        }
    return {
        "tweets": len(texts),
        "judged_negative": int(judged.sum()),
        "chosen": {"method": best.method, "k": best.k, "npmi": best.npmi},
        "nmi_with_reasons": {"served": agreement(chosen.doc_topics), "plain_lda": agreement(plain.doc_topics)},
        "search_seconds": round(seconds, 1),
        "topics": [" · ".join(pipeline.surface(corpus.terms[i]) for i in ids[:6]) for ids in chosen.top_terms],
        "by_reason": by_reason,
    }


if __name__ == "__main__":
    runners = {
        "sentiment": sentiment,
        "in_domain": in_domain,
        "cross_domain": cross_domain,
        "teaching": teaching,
        "complaints": complaints,
        "topics": topics,
    }
    parts = sys.argv[1:] or list(runners)
    print(json.dumps({"benchmark": "text_quality", **{part: runners[part]() for part in parts}}))
