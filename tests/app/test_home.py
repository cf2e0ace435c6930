"""Home page through AppTest: real KPIs from the demo workspace, helpful empty states."""

from __future__ import annotations

from pathlib import Path

from core.overview import summarize
from core.workspace import Workspace, create_workspace
from tests.app.conftest import open_page


def test_home_shows_the_demo_kpis(demo_ws: Workspace) -> None:
    at = open_page(None)
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
    at = open_page(None)
    assert not at.exception
    assert "no workspace yet" in at.info[0].value
    assert at.button[0].label == "Build the demo workspace"


def test_home_on_an_empty_workspace_says_so(empty_home: Path) -> None:
    create_workspace("fresh")
    at = open_page(None, "fresh")
    assert not at.exception
    assert "has no data yet" in at.info[0].value
    assert not at.metric
