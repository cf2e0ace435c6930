"""The Sentiment page's arrival views: stored for the workspace's state, read while it holds, computed otherwise."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pandas as pd

from core import kinds, registry, runs
from core.sentiment import arrival, views
from core.topics.service import rename_topic, topics
from core.workspace import Workspace


def _assert_same(found: pd.DataFrame | dict, live: pd.DataFrame | dict) -> None:
    if isinstance(live, dict):
        assert found == live
    else:
        pd.testing.assert_frame_equal(found, live, check_dtype=False)


def test_stored_views_are_exactly_what_the_page_would_compute(own_trained: Workspace, monkeypatch) -> None:
    arrival.store(own_trained)
    filters = arrival.arrival_filters(own_trained)
    live = {name: compute(own_trained, filters) for name, compute in arrival.VIEWS.items()}
    assert isinstance(live["topics"]["top_terms"].iloc[0], list)
    # once stored, nothing is computed: every view is read back as it was
    monkeypatch.setattr(arrival, "VIEWS", {name: _refuse for name in arrival.VIEWS})
    for name in live:
        found = arrival.view(own_trained, name, filters)
        _assert_same(found, live[name])
    assert isinstance(arrival.view(own_trained, "topics")["top_terms"].iloc[0], list)


def _refuse(_ws: Workspace, _filters: views.ReviewFilters) -> None:
    raise AssertionError("computed although stored")


def test_other_filters_and_a_moved_state_are_computed(own_trained: Workspace) -> None:
    arrival.store(own_trained)
    before = arrival._folder(own_trained)
    narrow = views.ReviewFilters(ratings=(1, 2))
    assert arrival.view(own_trained, "overview", narrow) == views.overview_numbers(own_trained, narrow)
    assert len(list(before.iterdir())) == len(arrival.VIEWS)  # filtered views are not stored
    # a topic renamed moves the labels version: the stored topics no longer hold, the new name shows
    first = topics(own_trained)["id"].iloc[0]
    rename_topic(own_trained, int(first), "Renamed here")
    assert arrival._folder(own_trained) != before
    assert arrival.view(own_trained, "topics")["label"].iloc[0] == "Renamed here"
    arrival.store(own_trained)  # the older state's folder goes
    assert not before.exists() and len(list((own_trained.path / arrival.FOLDER).iterdir())) == 1


def test_a_damaged_stored_view_is_computed_instead(own_trained: Workspace) -> None:
    arrival.store(own_trained)
    (arrival._folder(own_trained) / "tones.parquet").write_bytes(b"not parquet")
    filters = arrival.arrival_filters(own_trained)
    _assert_same(arrival.view(own_trained, "tones"), views.tone_counts(own_trained, filters))


def test_a_training_run_stores_them_for_the_versions_it_activated(own_trained: Workspace, monkeypatch) -> None:
    """Any run that trains a kind the page shows stores them (a stand-in trainer: the real ones take long)."""
    active = registry.active_version(own_trained, "topics")
    trainer = SimpleNamespace(name="topics", engine_for=lambda _o: "local", train=lambda *_a: {"version": active})
    monkeypatch.setattr(kinds, "KINDS", (trainer,))
    shutil.rmtree(own_trained.path / arrival.FOLDER, ignore_errors=True)  # pages the suite showed may have stored them
    runs.train_models(own_trained, ["topics"], kinds.TrainOptions(), promote="always")
    stored = sorted(p.name for p in arrival._folder(own_trained).iterdir())
    assert stored == sorted(arrival._path(arrival._folder(own_trained), n).name for n in arrival.VIEWS)
