"""The campaign journey in a real browser: two scenarios, a discount changes the outcome, the audience downloads."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_compare_scenarios_change_a_discount_and_download_the_audience(
    trained_app_url: str, browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
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
    # each key press may rerun on a slow machine: wait for the last one to finish, since a download button's
    # deferred file is replaced by every rerun (a click on the old one during a rerun finds nothing to download)
    _wait_for_count(page, page.get_by_text(re.compile(r", 20% off$")), 1)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=60_000)

    page.get_by_text("Scenario A: assumptions and the customers to contact first").click()
    button = page.get_by_role("button", name=re.compile(r"^Download [0-9,]+ customers")).first
    reach = int(re.search(r"Download ([0-9,]+)", button.inner_text()).group(1).replace(",", ""))
    with page.expect_download(timeout=60_000) as download:
        button.click()  # one click: the CSV is built when asked for
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
