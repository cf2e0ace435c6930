"""Training under a data budget: seeded, stratified samples, and trainers that still cover every row."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from core import budget, models_view, registry
from core.personas.profile import build_profiles
from core.topics.service import run_info, train_topics
from core.workspace import Workspace, open_workspace


def test_within_budget_every_row_is_kept_beyond_it_a_seeded_stratified_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(budget.ENV, "100")
    assert budget.budget("topic_search") == 100
    assert np.array_equal(budget.sample_rows(80, "topic_search"), np.arange(80))
    strata = np.array([0] * 950 + [1] * 45 + [2] * 5)
    picked = budget.sample_rows(1000, "topic_search", seed=1, strata=strata)
    assert np.array_equal(picked, budget.sample_rows(1000, "topic_search", seed=1, strata=strata))
    assert len(picked) == pytest.approx(100, abs=2) and np.all(np.diff(picked) > 0)
    assert np.bincount(strata[picked]).tolist() == [95, 4, 1]  # proportional, the rarest kept
    monkeypatch.setenv(budget.ENV, "topic_search=50, persona_tone=7")
    assert (budget.budget("topic_search"), budget.budget("persona_tone")) == (50, 7)
    assert budget.budget("topic_fit") == budget.BUDGETS["topic_fit"]
    monkeypatch.setenv(budget.ENV, "not a number")
    assert budget.budget("topic_search") == budget.BUDGETS["topic_search"]
    sample = budget.Sample("topic_search", "reviews", 100, 1000, "compared")
    assert sample.sampled and sample.in_words() == "compared on 100 of 1,000 reviews"


@pytest.fixture
def ws(small_ws: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of the small store, to train on."""
    shutil.copytree(small_ws.path, tmp_path / "ws")
    return open_workspace(tmp_path / "ws")


def test_topics_searched_on_a_sample_still_weigh_every_review(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(budget.ENV, "topic_search=400,topic_fit=800")
    run = train_topics(ws, n_topics=6)
    reviews = ws.query("SELECT count(*) AS n FROM reviews WHERE text IS NOT NULL")["n"].iloc[0]
    covered = ws.query(f"SELECT count(DISTINCT review_id) AS n FROM {registry.active_rows(ws, 'topics')}")["n"].iloc[0]
    assert reviews == 1200 and covered > 0.9 * reviews  # far beyond the 400 the models were fitted on
    assert [(s["step"], s["used"], s["of"]) for s in run_info(ws)["samples"]] == [
        ("topic_search", 400, 1200),
        ("topic_fit", 800, 1200),
    ]
    assert len(run.topics) == 6 and run.npmi > 0
    said = (
        "Models and topic counts compared on 400 of 1,200 reviews",
        "The chosen topics fitted on 800 of 1,200 reviews",
    )
    assert models_view.sampled(ws, "topics", run.version) == said
    assert next(c for c in models_view.cards(ws) if c.kind == "topics").sampled == said


def test_persona_profiles_record_what_their_text_part_sampled(
    small_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(budget.ENV, "150")
    profiles = build_profiles(small_ws)
    steps = {s.step: s for s in profiles.samples}
    assert steps["persona_words"].used == 150 < steps["persona_words"].of
    assert steps["persona_tone"].used == 150 and steps["persona_tone"].of == 1200
    writers = profiles.table["review_count"] > 0
    vectors = profiles.groups["text"].filter(like="w2v_")[writers]
    assert (vectors.abs().sum(axis=1) > 0).mean() > 0.95  # word vectors for everyone who wrote, not only the sample
    toned = profiles.table["avg_sentiment"]
    assert 0 < toned.notna().sum() < len(toned) and toned.dropna().between(-1, 1).all()


def test_sentiment_models_compared_on_a_sample_still_score_every_review(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.sentiment.service import run_info as sentiment_info
    from core.sentiment.service import train_sentiment

    monkeypatch.setenv(budget.ENV, "300")
    run = train_sentiment(ws, models=("vader", "linear"))
    (sample,) = sentiment_info(ws)["samples"]
    assert sample["step"] == "sentiment_comparison" and abs(sample["used"] - 300) <= 2 < 300 < sample["of"]
    assert f"compared on a sample of {sample['used']:,} of them" in run.note
    assert run.reviews_scored == 1200 == len(ws.query(f"SELECT * FROM {registry.active_rows(ws, 'sentiment')}"))
