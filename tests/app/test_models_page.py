"""Models page through AppTest: what serves, a background retrain started from the page, versions, roll back."""

from __future__ import annotations

import pytest

from core import registry, runs
from core.workspace import Workspace
from tests.app.conftest import open_page, open_tab


@pytest.fixture
def own(own_trained: Workspace) -> Workspace:
    return own_trained


def test_cards_then_a_background_retrain_kept_as_candidate_then_promoted(own: Workspace) -> None:
    at = open_page("pages/models.py", "demo")
    assert not at.exception
    assert {m.label for m in at.metric} == {"silhouette", "macro-F1", "NPMI", "NDCG@10", "AUC"}
    before = registry.active_version(own, "topics")

    at.multiselect[0].set_value(["topics"])
    at.radio[0].set_value("never")
    at.select_slider[1].set_value(10)  # Advanced: one topic count, not the search (the run is what is tested)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    started = runs.runs(own, limit=1)[0]
    done = runs.wait(own, started.run_id, timeout=300)
    assert done.status == "done", done.error
    assert registry.active_version(own, "topics") == before  # never: kept as a candidate
    candidate = registry.versions(own, "topics").query("status == 'candidate'")["version"].iloc[0]

    open_tab(at, "models-tab", "Run history")
    assert any("topics · done" in m.value for m in at.markdown)
    open_tab(at, "models-tab", "Versions")
    at.segmented_control(key="models-kind").set_value("topics").run()
    at.selectbox(key="pick-topics").set_value(candidate).run()
    assert any("compared with the active" in m.value for m in at.markdown)
    at.button(key="promote-topics").click().run()
    assert not at.exception
    assert registry.active_version(own, "topics") == candidate
    at.button(key="rollback-topics").click().run()
    assert registry.active_version(own, "topics") == before


def test_rolling_back_without_an_earlier_version_says_so(own: Workspace) -> None:
    at = open_page("pages/models.py", "demo")
    at.button(key="rollback-recs").click().run()
    assert not at.exception
    assert "no earlier recs version" in at.error[0].value


def test_a_recommender_version_lists_the_settings_its_training_chose(own: Workspace) -> None:
    at = open_page("pages/models.py", "demo")
    assert not at.exception
    chosen = next(d.value for d in at.dataframe if "chosen" in d.value.columns)  # Versions opens on recs
    assert {"Linear item model (EASE)", "Hybrid blend"} <= set(chosen["model"])
    ease = chosen.set_index("model").loc["Linear item model (EASE)"]
    assert ease["chosen"].startswith("regularization") and "recency" in ease["chosen"]
    assert ease["tried"] == 4 + 4  # four regularisations as fitted, then the best one at the four other recency weights


def test_retraining_on_apache_spark_from_the_page_and_the_versions_say_so(own: Workspace) -> None:
    at = open_page("pages/models.py", "demo")
    at.multiselect[0].set_value(["personas"])
    at.radio[0].set_value("always")
    at.select_slider[0].set_value(5)  # one persona count: the engine is what is tested
    at.radio(key="retrain-engine").set_value("spark")
    at.text_input(key="retrain-master").set_value("local[2]")
    at.button[0].click().run()
    assert not at.exception and not at.error
    started = runs.runs(own, limit=1)[0]
    done = runs.wait(own, started.run_id, timeout=300)
    assert done.status == "done", done.error
    at.segmented_control(key="models-kind").set_value("personas").run()
    table = next(d.value for d in at.dataframe if "engine" in d.value.columns)
    assert table["engine"].tolist()[0] == "spark" and table["engine"].tolist()[-1] == "local"


def test_choosing_spark_where_it_is_not_installed_says_what_to_install(
    own: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.spark import engine

    monkeypatch.setattr(engine, "unavailable", lambda: engine.INSTALL)
    at = open_page("pages/models.py", "demo")
    at.multiselect[0].set_value(["personas"])
    at.radio(key="retrain-engine").set_value("spark")
    at.button[0].click().run()
    assert not at.exception
    assert "requirements-spark.txt" in at.error[0].value
    assert not runs.runs(own, limit=1)


def test_a_version_trained_on_a_sample_says_so(own: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.budget import ENV
    from core.topics.service import train_topics

    monkeypatch.setenv(ENV, "2000")
    version = train_topics(own, n_topics=6).version
    at = open_page("pages/models.py", "demo")
    assert not at.exception
    said = "Models and topic counts compared on 2,000 of 8,000 reviews"
    assert said in [c.value for c in at.caption]  # on the Topics card
    at.segmented_control(key="models-kind").set_value("topics").run()
    at.selectbox(key="pick-topics").set_value(version).run()
    assert f"{said}; the version itself covers every row." in [c.value for c in at.caption]
