"""Personas page through AppTest: the first training from the page, cards, lookup, empty state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.workspace import Workspace, create_workspace
from tests.app.conftest import finish_training, open_page, open_tab


@pytest.fixture
def own_demo(demo_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    shutil.copytree(demo_ws.path, home / "demo")
    monkeypatch.setenv("PERSONALENS_HOME", str(home))
    return home


def test_find_personas_then_read_cards_and_look_up_a_customer(own_demo: Path) -> None:
    at = open_page("pages/personas.py", "demo")
    assert not at.exception
    assert at.button[0].label == "Find personas"
    at.button[0].click().run()
    assert not at.exception
    finish_training(at, own_demo / "demo")
    assert not at.exception
    assert any("new version is serving" in s.value for s in at.success)
    names = [s.value for s in at.subheader]
    assert len(names) == 6 and all(names)
    assert "6 personas over 2,000 customers" in at.caption[0].value
    worth = [m.value for m in at.markdown if m.value.startswith("**Worth**")]
    assert len(worth) == 6 and all("over the next year" in w for w in worth)  # customer value on every card
    open_tab(at, "personas-tab", "Customer lookup")
    at.text_input[-1].input("C10001").run()
    assert not at.exception
    assert any("C10001" in s.value for s in at.subheader)
    assert any(m.label == "Expected value, next 12 months" for m in at.metric)
    at.text_input[-1].input("nobody").run()
    assert "No customer with id 'nobody'" in at.warning[0].value


def test_without_orders_the_page_says_what_to_upload(empty_home: Path) -> None:
    create_workspace("fresh")
    at = open_page("pages/personas.py", "fresh")
    assert not at.exception
    assert "Upload them first" in at.info[0].value
