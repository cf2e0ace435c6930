"""Upload journey in chromium: a deep link to /data, drop a real export, review, commit, see it stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.workspace import create_workspace, open_workspace
from tests.conftest import SHARED_DATA
from tests.e2e.conftest import running_app

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs ../shared/data")]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("shop-home")
    create_workspace(home / "shop")
    with running_app(home, home / "streamlit.log") as url:
        yield url, home


def test_upload_review_and_commit_a_real_export(shop: tuple[str, Path], browser) -> None:
    url, home = shop
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url + "data")
    page.get_by_text("Drop the files").wait_for(timeout=60_000)
    assert page.locator("[data-testid='stSidebarNav']").get_by_text("Home").count() == 1, "the frame ran"
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        str(SHARED_DATA / "movielens-100k" / "u.data")
    )
    page.get_by_text("Data health").wait_for(timeout=60_000)
    main = page.locator("[data-testid='stMain']")
    assert "100,000" in main.locator("[data-testid='stMetric']").first.inner_text()
    assert main.get_by_text("Orders, ratings or clicks").count() >= 1
    page.get_by_role("button", name="Commit to workspace").click()
    page.get_by_text("Stored 100,000 rows").wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    ws = open_workspace(home / "shop")
    assert ws.row_counts()["interactions"] == 100_000
    assert ws.raw_files()["original_name"].tolist() == ["u.data"]
    page.close()
