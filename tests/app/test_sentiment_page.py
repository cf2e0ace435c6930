"""Sentiment & topics page through AppTest: numbers, charts, filters, drill-down, empty states."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.workspace import create_workspace
from tests.app.conftest import open_page, open_tab


@pytest.fixture
def trained(trained_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PERSONALENS_HOME", str(trained_home))
    return trained_home


def _metric(at, label: str) -> str:  # noqa: ANN001 - an AppTest
    return next(m.value for m in at.metric if m.label == label)


def test_numbers_charts_filters_and_drill_down(trained: Path) -> None:
    at = open_page("pages/sentiment.py", "demo")
    assert not at.exception
    assert _metric(at, "Reviews") == "8,000"
    assert 0.6 < float(_metric(at, "Positive").rstrip("%")) / 100 < 0.95
    assert len(at.get("plotly_chart")) == 2  # only the open tab runs
    open_tab(at, "text-tab", "What they talk about")
    assert not at.exception and len(at.get("plotly_chart")) >= 3
    open_tab(at, "text-tab", "Words")
    assert not at.exception and any("Most used words" in m.value for m in at.markdown)
    open_tab(at, "text-tab", "What moves ratings")
    assert not at.exception and len(at.get("plotly_chart")) == 1
    open_tab(at, "text-tab", "Reviews")

    at.multiselect[0].set_value(["Garden"]).run()  # categories
    assert not at.exception
    garden = int(_metric(at, "Reviews").replace(",", ""))
    assert 0 < garden < 8000

    tone = next(s for s in at.selectbox if s.label == "Sentiment")
    tone.set_value("negative").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "sentiment_score" in d.value)
    assert len(table) and (table["sentiment_score"] < 0.2).all()


def test_without_reviews_the_page_says_what_to_upload(empty_home: Path) -> None:
    create_workspace("fresh")
    at = open_page("pages/sentiment.py", "fresh")
    assert not at.exception
    assert "upload a reviews file" in at.info[0].value


def test_before_analysis_the_page_offers_it(trained: Path, demo_ws) -> None:
    import shutil

    shutil.copytree(demo_ws.path, trained / "fresh-demo")
    at = open_page("pages/sentiment.py", "fresh-demo")
    assert not at.exception
    assert at.button(key="train-text").label == "Analyse"
    assert not at.metric


def test_teach_asks_about_uncertain_reviews_stores_answers_and_retrains(own_trained) -> None:  # noqa: ANN001
    from core import runs
    from core.sentiment.labels import current_labels

    at = open_page("pages/sentiment.py", "demo")
    open_tab(at, "text-tab", "Teach PersonaLens")
    assert not at.exception
    assert _metric(at, "Labelled by your team") == "0"
    radios = [r for r in at.radio if r.key and r.key.startswith("teach-")]
    assert len(radios) == 10 and all(r.value == "skip" for r in radios)
    for radio, label in zip(radios[:3], ("negative", "positive", "neutral"), strict=True):
        radio.set_value(label)
    next(b for b in at.button if b.label == "Save these labels and retrain").click().run()
    assert not at.exception
    stored = current_labels(own_trained)
    assert sorted(stored["label"]) == ["negative", "neutral", "positive"]
    assert set(stored["review_id"]) == {r.key.removeprefix("teach-") for r in radios[:3]}
    started = runs.latest(own_trained, ("sentiment",))
    assert started is not None and started.models == ["sentiment"]
    assert runs.wait(own_trained, started.run_id, timeout=300).status == "done"
    at.run()
    assert _metric(at, "Labelled by your team") == "3"
    asked_again = {r.key for r in at.radio if r.key and r.key.startswith("teach-")}
    assert not asked_again & {r.key for r in radios[:3]}  # labelled reviews are not asked again
    assert any(b.label == "Download your labels (CSV)" for b in at.get("download_button"))


def test_feedback_without_stars_shows_complaint_topics_and_no_star_filter(empty_home: Path) -> None:
    import pandas as pd

    from core.sentiment.service import train_sentiment
    from core.topics.service import train_topics
    from tests.conftest import SHARED_DATA

    tweets = pd.read_csv(SHARED_DATA / "twitter-us-airline-sentiment" / "Tweets.csv", dtype=str, keep_default_na=False)
    tweets = tweets.drop_duplicates("text").sample(1500, random_state=3)
    ws = create_workspace(empty_home / "airline")
    ws.commit({"reviews": tweets.assign(review_id=[f"t{i}" for i in range(len(tweets))])[["review_id", "text"]]})
    train_sentiment(ws)
    train_topics(ws, n_topics=6)
    at = open_page("pages/sentiment.py", "airline")
    assert not at.exception
    assert not [m for m in at.multiselect if m.label in ("Stars", "Categories", "Personas")]
    assert any("VADER word list" in c.value for c in at.caption)
    open_tab(at, "text-tab", "What moves ratings")
    assert not at.exception
    assert any("Which topics come with complaints" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 1
