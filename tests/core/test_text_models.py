"""The text pipeline, sentiment models and topic quality on small inputs and on real reviews."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from core.sentiment.models import MODELS, LinearModel, mark_negation
from core.sentiment.service import compare_models, stars_to_labels
from core.text.pipeline import TextPipeline, tokenize
from core.topics.models import Corpus, exclusive_top_terms, fit_lda, fit_nmf
from core.topics.quality import diversity, npmi
from tests.conftest import SHARED_DATA


def test_negation_scope_ends_at_punctuation_and_but() -> None:
    assert tokenize("This isn't good at all, but the sound is great!", negation=True) == [
        "this",
        "is",
        "not",
        "good_NEG",
        "at_NEG",
        "all_NEG",
        "but",
        "the",
        "sound",
        "is",
        "great",
    ]
    assert mark_negation("I won't buy it. Love the rest") == "i will not neg_buy neg_it. love the rest"


def test_pipeline_finds_phrases_and_shows_surface_forms() -> None:
    texts = ["The sound quality is superb and the cables are sturdy"] * 6 + ["Sound quality matters"] * 3
    texts += ["A tuner, a pedal and a strap in the gig bag"] * 30
    pipeline = TextPipeline(min_phrase_count=3, phrase_threshold=1).fit(texts)
    terms = pipeline.transform_one("Great sound quality, sturdy cables")
    assert "sound_qualiti" in terms
    assert pipeline.surface("sound_qualiti") == "sound quality"
    assert pipeline.surface("cabl") == "cables"
    assert "great" not in terms  # generic words do not make topics
    again = TextPipeline.from_dict(json.loads(json.dumps(pipeline.to_dict())))
    assert again.transform_one("Great sound quality, sturdy cables") == terms


def test_npmi_and_diversity_on_a_known_matrix() -> None:
    presence = sp.csc_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]], dtype=float))
    always, never = npmi([[0, 1], [0, 2]], presence)
    assert always == pytest.approx(1.0) and never == pytest.approx(-1.0)
    assert diversity([[0, 1], [1, 2]]) == pytest.approx(0.75)
    weights = np.array([[5.0, 4.0, 0.1, 0.0], [4.0, 0.0, 3.0, 2.0]])
    assert exclusive_top_terms(weights, n=2).tolist() == [[0, 1], [2, 3]]


@pytest.fixture(scope="module")
def instrument_reviews() -> tuple[list[str], np.ndarray]:
    with gzip.open(SHARED_DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz") as lines:
        rows = [json.loads(line) for line in lines]
    texts = [f"{r.get('summary', '')}. {r.get('reviewText', '')}" for r in rows]
    return texts, np.array([r["overall"] for r in rows])


def test_linear_model_beats_vader_on_real_reviews_and_survives_save(instrument_reviews, tmp_path: Path) -> None:
    texts, stars = instrument_reviews
    scores = {s.name: s for s in compare_models(texts[:6000], stars[:6000], names=("vader", "linear"))}
    assert scores["linear"].macro_f1 > scores["vader"].macro_f1 + 0.1
    assert scores["linear"].binary_f1 > 0.75
    model = LinearModel().fit(texts[:3000], stars_to_labels(stars[:3000]))
    model.save(tmp_path / "m")
    assert not list((tmp_path / "m").glob("*.pkl"))
    loaded = MODELS["linear"].load(tmp_path / "m")
    np.testing.assert_allclose(loaded.score(texts[3000:3100]), model.score(texts[3000:3100]), atol=1e-6)
    assert model.score(["Terrible, it broke after a day."])[0] < 0 < model.score(["Works great, love it!"])[0]


def test_word_slots_are_scikit_learns_and_older_models_keep_their_hashing(instrument_reviews) -> None:
    texts, stars = instrument_reviews
    model = LinearModel().fit(texts[:2000], stars_to_labels(stars[:2000]))
    words = ["great", "neg_good", "tone"]
    single = model._counts(words)  # one word per document: no pairs
    assert single.indices.tolist() == model._hasher(analyzer=lambda w: [w]).transform(words).indices.tolist()
    counts = model._counts(["Not good. Great tone"])
    assert counts.sum() == 4 + 3  # not, neg_good, great, tone and the three pairs between them
    assert model._counts(["good great"]).indices.tolist() != model._counts(["great good"]).indices.tolist()

    before = LinearModel()  # a model saved before pair slots were mixed: no "scheme" in its params
    before.restore(model.arrays(), {k: v for k, v in model.params().items() if k != "scheme"})
    assert before.scheme == 1
    sample = texts[2000:2050]
    assert (before._counts(sample) != before.hasher_.transform(sample)).nnz == 0


def test_nmf_topics_are_more_coherent_than_lda_on_real_reviews(instrument_reviews) -> None:
    texts, _ = instrument_reviews
    pipeline = TextPipeline().fit(texts)
    corpus = Corpus.from_tokens(pipeline.transform(texts))
    nmf, lda = fit_nmf(corpus, 10), fit_lda(corpus, 10)
    presence = corpus.presence
    assert np.mean(npmi(nmf.top_terms, presence)) > np.mean(npmi(lda.top_terms, presence))
    assert diversity(nmf.top_terms) >= 0.85
    labels = {pipeline.surface(corpus.terms[ids[0]]) for ids in nmf.top_terms}
    assert {"strings", "tuner", "cable"} <= labels | {
        pipeline.surface(corpus.terms[i]) for t in nmf.top_terms for i in t[:3]
    }
    assert np.allclose(nmf.doc_topics.sum(axis=1)[nmf.doc_topics.sum(axis=1) > 0], 1.0)
