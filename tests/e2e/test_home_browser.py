"""The first journey in a real browser: start the app, see the demo store's real numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.overview import summarize
from core.workspace import Workspace
from tests.e2e.conftest import running_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app_url(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(demo_home, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


def test_home_shows_real_kpis_in_chromium(app_url: str, browser, demo_ws: Workspace, tmp_path: Path) -> None:
    expected = summarize(demo_ws)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url)
    page.get_by_text("Revenue by category").wait_for(timeout=60_000)
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=30_000)
    metrics = page.locator("[data-testid='stMetric']")
    texts = [metrics.nth(i).inner_text() for i in range(metrics.count())]
    assert any(t.startswith("Customers") and f"{expected.customers:,}" in t for t in texts), texts
    assert any(t.startswith("Orders") and f"{expected.orders:,}" in t for t in texts), texts
    assert any(t.startswith("Reviews") and "8,000" in t for t in texts), texts
    assert page.locator("[data-testid='stException']").count() == 0
    assert errors == []
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    page.close()
