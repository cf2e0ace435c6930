"""A team on one server: sessions see each other's renames, and pages keep working while a background
run trains or the CLI imports into the same workspace."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import registry, runs
from core.kinds import TrainOptions
from core.topics.service import rename_topic
from core.workspace import Workspace
from tests.app.conftest import open_page, open_tab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own(own_trained: Workspace) -> Workspace:
    return own_trained


def _topic_options(at) -> list[str]:  # noqa: ANN001 - an AppTest
    return list(next(s for s in at.selectbox if s.label == "Topic").options)


def test_a_rename_in_one_session_reaches_another_on_its_next_rerun(own: Workspace) -> None:
    alice, bob = open_page("pages/personas.py", "demo"), open_page("pages/personas.py", "demo")
    field = next(t for t in alice.text_input if (t.key or "").startswith("name-"))
    persona_id = field.key.removeprefix("name-")
    assert "Weekend gardeners" not in [s.value for s in bob.subheader]
    field.input("Weekend gardeners")
    alice.button(key=f"save-{persona_id}").click().run()
    assert not alice.exception
    assert "Weekend gardeners" in [s.value for s in alice.subheader]
    bob.run()
    assert "Weekend gardeners" in [s.value for s in bob.subheader]

    carol = open_tab(open_page("pages/sentiment.py", "demo"), "text-tab", "Words")
    assert "Delivery worries" not in _topic_options(carol)
    rename_topic(own, 0, "Delivery worries")  # what Alice's "Save names" on the Sentiment page calls
    carol.run()
    assert not carol.exception
    assert "Delivery worries" in _topic_options(carol)


def test_pages_keep_reading_while_a_background_run_trains(own: Workspace) -> None:
    before = registry.active_version(own, "personas")
    run_id = runs.start_run(own, ["personas"], promote="always", options=TrainOptions(n_personas=6))
    pages = [open_page(p, "demo") for p in ("pages/home.py", "pages/sentiment.py", "pages/models.py")]
    reruns = 0
    while not runs.run(own, run_id).finished:
        for at in pages:
            at.run()
            assert not at.exception, at.exception
            reruns += 1
    assert runs.run(own, run_id).status == "done"
    assert reruns >= 3
    after = registry.active_version(own, "personas")
    assert after != before
    models = open_page("pages/models.py", "demo")
    assert any(m.label == "silhouette" for m in models.metric)


def test_pages_keep_reading_while_the_cli_imports(own: Workspace, tmp_path: Path) -> None:
    extra = tmp_path / "new-customers.csv"
    lines = ["customer_id,name,email,age,gender,location,signup_date"]
    lines += [f"N{i:05d},New Customer {i},new{i}@example.org,30,Female,Austin,2026-01-0{1 + i % 9}" for i in range(500)]
    extra.write_text("\n".join(lines) + "\n")
    home = open_page("pages/home.py", "demo")
    assert any(m.label == "Customers" and m.value == "2,000" for m in home.metric)
    cli = subprocess.Popen(
        [sys.executable, "-m", "core", "ingest", "--workspace", str(own.path), str(extra), "--role", "customers"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while cli.poll() is None and time.monotonic() < deadline:
        for page in ("pages/home.py", "pages/data.py", "pages/personas.py"):
            at = open_page(page, "demo")
            assert not at.exception, at.exception
    out, err = cli.communicate(timeout=60)
    assert cli.returncode == 0, err
    home.run()
    assert any(m.label == "Customers" and m.value == "2,500" for m in home.metric)
