"""The campaign journey in a real browser: two scenarios, a discount changes the outcome, the audience downloads."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import wait_until_still

pytestmark = pytest.mark.e2e


def test_compare_scenarios_change_a_discount_and_download_the_audience(
    trained_app_url: str, browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    seen: list[str] = []  # what the browser did, told when the download does not come
    page.on("console", lambda m: seen.append(f"console {m.type}: {m.text[:200]}"))
    page.on("requestfinished", lambda r: seen.append(f"GET {r.url}") if "/media/" in r.url else None)
    page.goto(trained_app_url + "whatif")
    page.get_by_text("Predicted outcome over the next").wait_for(timeout=90_000)

    # the offer row names each discount (the table is a canvas: its cells are in the DOM, hidden)
    discounted = page.get_by_text(re.compile(r", [1-9][0-9]*% off$"))
    _wait_for_count(page, discounted, 1)  # scenario B starts with 10% off, scenario A with none
    slider = page.get_by_role("slider", name="Discount").first  # scenario A
    slider.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    _wait_for_count(page, discounted, 2)  # scenario A's offer has a discount now
    # each key press may rerun on a slow machine: wait for the last one to finish, since every rerun replaces
    # a download button's file (a click on the old one during a rerun finds nothing to download)
    _wait_for_count(page, page.get_by_text(re.compile(r", 20% off$")), 1)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=60_000)

    page.get_by_text("Scenario A: assumptions and the customers to contact first").click()
    button = page.get_by_role("button", name=re.compile(r"^Download [0-9,]+ customers")).first
    reach = int(re.search(r"Download ([0-9,]+)", button.inner_text()).group(1).replace(",", ""))
    wait_until_still(page, button)
    try:
        with page.expect_download(timeout=60_000) as download:
            button.click()
    except PlaywrightTimeout as exc:
        state = page.locator("[data-testid='stApp']").get_attribute("data-test-script-state")
        raise AssertionError(f"no download; script {state}; the browser saw: {seen[-20:]}") from exc
    saved = tmp_path / "audience.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(saved.open()))
    assert len(rows) == reach
    assert {"customer_id", "propensity", "expected_value", "recommended_products"} <= set(rows[0])
    assert all(row["recommended_products"] for row in rows)
    assert page.locator("[data-testid='stException']").count() == 0
    assert errors == []
    page.close()


def _wait_for_count(page, locator, n: int, seconds: float = 30) -> None:  # noqa: ANN001 - Playwright objects
    for _ in range(int(seconds * 2)):
        if locator.count() == n:
            return
        page.wait_for_timeout(500)
    assert locator.count() == n
