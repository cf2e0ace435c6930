"""Home page through AppTest: real KPIs from the demo workspace, helpful empty states."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.overview import summarize
from core.workspace import Workspace, create_workspace

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _run(workspace: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if workspace:
        at.session_state["workspace"] = workspace
    return at.run()


def test_home_shows_the_demo_kpis(demo_ws: Workspace) -> None:
    at = _run()
    assert not at.exception
    expected = summarize(demo_ws)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers"] == f"{expected.customers:,}"
    assert metrics["Orders"] == f"{expected.orders:,}"
    assert metrics["Reviews"] == "8,000"
    assert metrics["Products"] == "300"
    assert metrics["Revenue"].endswith("M")
    assert metrics["Average rating"] == f"{expected.average_rating:.2f} ★"
    assert metrics["First activity"] == "2025-01-01"
    assert at.sidebar.selectbox[0].value == "demo"
    assert len(at.get("plotly_chart")) == 2


def test_home_without_any_workspace_offers_the_demo(empty_home: Path) -> None:
    at = _run()
    assert not at.exception
    assert "no workspace yet" in at.info[0].value
    assert at.button[0].label == "Build the demo workspace"


def test_home_on_an_empty_workspace_says_so(empty_home: Path) -> None:
    create_workspace("fresh")
    at = _run("fresh")
    assert not at.exception
    assert "has no data yet" in at.info[0].value
    assert not at.metric
