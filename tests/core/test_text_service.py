"""Sentiment and topics on a workspace: training, storage, names kept, key drivers, CLI, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import registry
from core.errors import PersonaLensError
from core.sentiment import views
from core.sentiment.service import run_info, train_sentiment
from core.topics.drivers import key_drivers, review_matrix
from core.topics.service import rename_topic, topics, train_topics
from core.workspace import Workspace, create_workspace, open_workspace
from tests.core.test_cli import _cli


def test_every_review_is_scored_and_the_model_was_chosen_on_ratings(trained_ws: Workspace) -> None:
    scored = trained_ws.query("SELECT * FROM review_sentiment")
    assert len(scored) == 8000 and scored["sentiment_score"].between(-1, 1).all()
    info = run_info(trained_ws)
    assert info["chosen"] == "linear" and {c["name"] for c in info["comparison"]} == {"vader", "linear"}
    by_stars = trained_ws.query("""SELECT r.rating >= 4 AS good, avg(s.sentiment_score) AS score
                                   FROM reviews r JOIN review_sentiment s USING (review_id) GROUP BY 1""")
    good = dict(zip(by_stars["good"], by_stars["score"], strict=True))
    assert good[True] > 0.5 > -0.3 > good[False]


def test_topics_have_readable_labels_shares_and_tones(trained_ws: Workspace) -> None:
    found = topics(trained_ws)
    assert len(found) == 10 and found["share"].between(0.02, 1).all()
    assert all(len(t) == 10 and all("_" not in w for w in t) for t in found["top_terms"])
    assert found["label"].str.contains(" · ").all() and found["avg_sentiment"].between(-1, 1).all()
    words = {w for terms in found["top_terms"] for w in terms}
    assert len(words) >= 85  # diversity >= 0.85


def test_key_drivers_find_negative_mentions_pulling_ratings_down(trained_ws: Workspace) -> None:
    found = topics(trained_ws)
    drivers = key_drivers(review_matrix(trained_ws), dict(zip(found["id"], found["label"], strict=True)))
    negative = drivers[drivers["tone"] == "negative"]
    positive = drivers[drivers["tone"] == "positive"]
    assert len(negative) >= 5 and (negative["ci_high"] < 0).mean() > 0.8
    assert (positive["effect"] > negative["effect"].max()).all()
    assert (drivers["ci_low"] <= drivers["effect"]).all() and (drivers["effect"] <= drivers["ci_high"]).all()


def test_views_aggregate_in_the_database_what_the_reviews_say(trained_ws: Workspace) -> None:
    every, none = views.scored_reviews(trained_ws), views.ReviewFilters()
    garden_only = views.ReviewFilters(categories=("Garden",), ratings=(1, 2))
    garden = views.scored_reviews(trained_ws, garden_only)
    assert 0 < len(garden) < len(every) and set(garden["category"]) == {"Garden"} and garden["rating"].max() <= 2
    assert views.count_reviews(trained_ws, garden_only) == len(garden)
    numbers = views.overview_numbers(trained_ws, garden_only)
    assert numbers["reviews"] == len(garden) and numbers["avg_rating"] == pytest.approx(garden["rating"].mean())
    tones = views.tone_counts(trained_ws, garden_only).set_index("sentiment_label")["reviews"]
    assert tones.to_dict() == garden["sentiment_label"].value_counts().reindex(views.TONES, fill_value=0).to_dict()
    months = views.tone_by_month(trained_ws, none)
    assert months.groupby("month")["share"].sum().round(6).eq(1).all()
    mean = every.dropna(subset=["month"]).groupby("month")["sentiment_score"].mean()
    np.testing.assert_allclose(months.groupby("month")["avg_score"].first().to_numpy(), mean.to_numpy(), atol=1e-9)

    table = views.topic_table(trained_ws, none)
    first = int(table["id"].iloc[0])
    about = every["topic_ids"].map(lambda ids: first in list(ids)).to_numpy(dtype=bool)
    assert table["mentions"].iloc[0] == about.sum() and table["share"].iloc[0] == pytest.approx(about.mean())
    by_tone = views.topic_by_tone(trained_ws, none)
    assert by_tone.loc[by_tone["label"] == table["label"].iloc[0], "mentions"].sum() == about.sum()
    assert views.topic_by_month(trained_ws, none)["share"].between(0, 1).all()

    drilled = views.scored_reviews(trained_ws, none, topic_id=first, tone="negative", limit=50)
    assert len(drilled) == 50 and all(first in list(ids) for ids in drilled["topic_ids"])
    assert set(drilled["sentiment_label"]) == {"negative"} and drilled["timestamp"].is_monotonic_decreasing
    negative = (every["sentiment_label"] == "negative").to_numpy(dtype=bool)
    assert views.count_reviews(trained_ws, none, first, "negative") == (about & negative).sum()


def test_renamed_topics_keep_their_names_after_retraining(trained_ws: Workspace, tmp_path: Path) -> None:
    shutil.copytree(trained_ws.path, tmp_path / "ws")
    ws = open_workspace(tmp_path / "ws")
    first = topics(ws).iloc[0]
    rename_topic(ws, int(first["id"]), "Gym gear")
    train_topics(ws, n_topics=10)
    assert "Gym gear" in topics(ws)["label"].tolist()
    with pytest.raises(PersonaLensError, match="needs a name"):
        rename_topic(ws, 0, "  ")


def test_without_ratings_vader_scores_alone_and_says_why(empty_home: Path) -> None:
    ws = create_workspace("unrated")
    reviews = pd.DataFrame(
        {
            "review_id": [f"r{i}" for i in range(60)],
            "product_id": "p1",
            "text": ["Love it, works great"] * 30 + ["Awful, broke in a day"] * 30,
        }
    )
    ws.commit({"reviews": reviews}, mode="append")
    run = train_sentiment(ws)
    assert run.chosen == "vader" and "VADER word list scores sentiment on its own" in run.note
    assert set(ws.query("SELECT sentiment_label FROM review_sentiment")["sentiment_label"]) == {"positive", "negative"}
    with pytest.raises(PersonaLensError, match="too few distinct words"):
        train_topics(ws)
    assert registry.active_version(ws, "topics") is None


def test_no_reviews_is_a_clear_message(empty_home: Path) -> None:
    ws = create_workspace("empty")
    with pytest.raises(PersonaLensError, match="Upload reviews first"):
        train_sentiment(ws)
    with pytest.raises(PersonaLensError, match="at least 50 reviews"):
        train_topics(ws)


def test_cli_scores_a_file_and_lists_topics(
    trained_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "feedback.csv"
    source.write_text('id,comment\n1,"Not good at all, it broke"\n2,Absolutely love it!\n3,\n', encoding="utf-8")
    out = tmp_path / "scored.csv"
    ws = str(trained_ws.path)
    monkeypatch.setenv("PERSONALENS_HOME", str(tmp_path))
    score = ["sentiment", "--workspace", ws, "--input", str(source), "--output", str(out)]
    done = _cli(capsys, *score, "--text-column", "comment")
    assert done.returncode == 0, done.stderr
    scored = pd.read_csv(out, keep_default_na=False)
    assert scored["sentiment_label"].tolist() == ["negative", "positive", "neutral"]
    assert scored["sentiment_score"].iloc[0] < 0 < scored["sentiment_score"].iloc[1]
    wrong = _cli(capsys, *score, "--text-column", "body")
    assert wrong.returncode == 2 and "has no column 'body'" in wrong.stderr
    listed = _cli(capsys, "topics", "--workspace", ws, "--json")
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert len(found) == 10 and set(found[0]) == {"id", "label", "top_terms", "share", "avg_sentiment"}
    assert len(found[0]["top_terms"]) == 10


def test_cli_evaluates_sentiment_and_topic_models(
    small_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The topic search on the small store's reviews: what the command reports is tested, not the demo's topics."""
    monkeypatch.setenv("PERSONALENS_HOME", str(tmp_path))
    topics_report = _cli(capsys, "evaluate", "--workspace", str(small_ws.path), "--task", "topics", "--json")
    assert topics_report.returncode == 0, topics_report.stderr
    report = json.loads(topics_report.stdout)
    assert {c["method"] for c in report["candidates"]} == {"nmf", "lda"} and report["chosen"]["diversity"] >= 0.85
