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
    from core.sentiment.service import TIE, compare_models, stars_to_labels

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
    scored = [c for c in comparison if c.error is None]
    best = max(c.macro_f1 for c in scored)
    chosen = next(c.name for c in scored if c.macro_f1 >= best - TIE)
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


if __name__ == "__main__":
    print(json.dumps({"benchmark": "text_quality", "sentiment": sentiment(), "topics": topics()}))
