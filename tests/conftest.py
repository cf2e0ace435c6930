"""Shared fixtures: one demo workspace per test session, in a temporary workspaces home."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.demo import build_demo_workspace
from core.workspace import Workspace

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A workspaces home holding the demo workspace; PERSONALENS_HOME points at it meanwhile."""
    home = tmp_path_factory.mktemp("home")
    build_demo_workspace(home / "demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PERSONALENS_HOME", str(home))
        yield home


@pytest.fixture(scope="session")
def demo_ws(demo_home: Path) -> Workspace:
    from core.workspace import open_workspace

    return open_workspace(demo_home / "demo")


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspaces home with nothing in it."""
    home = tmp_path / "home"
    monkeypatch.setenv("PERSONALENS_HOME", str(home))
    return home


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(candidate):
            return candidate
    return None


FAST_RECS = ("popularity", "persona_popularity", "content", "item_knn", "user_knn", "ease", "hybrid")


@pytest.fixture(scope="session")
def trained_home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspaces home (tests opt in to it) with a demo workspace whose models are all trained.

    Only the quick models (TensorFlow and ALS have their own tests; topics use a fixed k), so the fixture
    costs seconds, not half a minute.
    """
    import shutil

    from core.personas.service import train_personas
    from core.recs.service import train_recs
    from core.sentiment.service import train_sentiment
    from core.topics.service import train_topics
    from core.whatif.service import train_propensity
    from core.workspace import open_workspace

    home = tmp_path_factory.mktemp("trained")
    shutil.copytree(demo_home / "demo", home / "demo")
    ws = open_workspace(home / "demo")
    train_personas(ws)
    train_sentiment(ws, models=("vader", "linear"))
    train_topics(ws, n_topics=10)
    train_recs(ws, models=FAST_RECS)
    train_propensity(ws)
    return home


@pytest.fixture(scope="session")
def trained_ws(trained_home: Path) -> Workspace:
    from core.workspace import open_workspace

    return open_workspace(trained_home / "demo")


@pytest.fixture
def own_trained(trained_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A private copy of the trained demo in a fresh home (PERSONALENS_HOME points at it): for tests that write."""
    import shutil

    from core.workspace import open_workspace

    home = tmp_path / "home"
    shutil.copytree(trained_ws.path, home / "demo")
    monkeypatch.setenv("PERSONALENS_HOME", str(home))
    return open_workspace(home / "demo")
