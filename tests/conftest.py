"""Shared fixtures: one demo workspace per test session, in a temporary workspaces home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.demo import build_demo_workspace
from core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """bcrypt at its lowest cost factor (4, not 12) in this process: the same $2b$ hashes and checks, in about a
    millisecond instead of 0.2 s each (sign-in fixtures hash three passwords per test). App servers the e2e
    tests start keep the real cost; they check these hashes all the same."""
    import bcrypt

    real = bcrypt.gensalt
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": real(rounds, prefix))
        yield


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
    costs seconds, not half a minute. Trainings that read no model of the others' run side by side in other
    processes, one per core (the storage layer lets programs write one workspace at once): sentiment then
    topics; personas, then recommendations and propensity, which read the personas.
    """
    import shutil

    from core.personas.service import train_personas
    from core.whatif.service import train_propensity
    from core.workspace import open_workspace

    home = tmp_path_factory.mktemp("trained")
    logs = tmp_path_factory.mktemp("trained-logs")
    shutil.copytree(demo_home / "demo", home / "demo")
    ws = open_workspace(home / "demo")
    text = ["from core.sentiment.service import train_sentiment", "from core.topics.service import train_topics"]
    text += ["train_sentiment(ws, models=('vader', 'linear'))", "train_topics(ws, n_topics=10)"]
    recs = ["from core.recs.service import train_recs", f"train_recs(ws, models={FAST_RECS!r})"]
    with _meanwhile_elsewhere(ws, logs / "text.log", text):
        train_personas(ws)
        with _meanwhile_elsewhere(ws, logs / "recs.log", recs):
            train_propensity(ws)
    return home


@contextmanager
def _meanwhile_elsewhere(ws: Workspace, log: Path, lines: list[str]) -> Iterator[None]:
    """Run `lines` (Python, `ws` the workspace) in a new interpreter while the block runs; wait for it at the end."""
    code = ["import sys", "from core.workspace import open_workspace", "ws = open_workspace(sys.argv[1])", *lines]
    with log.open("w") as err:
        process = subprocess.Popen([sys.executable, "-c", "\n".join(code), str(ws.path)], cwd=ROOT, stderr=err)
        try:
            yield
        finally:
            process.wait(timeout=900)
    assert process.returncode == 0, log.read_text()[-3000:]


SMALL_STORE = {"n_customers": 300, "n_reviews": 1200}  # the demo simulator's store at 15% of the demo's size


@pytest.fixture(scope="session")
def small_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small store from the demo simulator (300 customers, 1,200 reviews), no model trained: for tests of what
    a command or page does with a store, where the demo's own numbers are not what is checked. Copy it to write."""
    from core.config import DEMO_SEED
    from core.demo import simulate_store
    from core.workspace import create_workspace

    ws = create_workspace(tmp_path_factory.mktemp("small") / "shop")
    ws.commit(simulate_store(DEMO_SEED, **SMALL_STORE).frames(), mode="replace", note="small demo store")
    return ws


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
