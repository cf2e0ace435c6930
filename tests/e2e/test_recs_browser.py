"""The recommendation journey in a real browser: a customer's picks with reasons, then a brand-new customer."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_picks_with_reasons_then_a_new_customer_gets_fallbacks(trained_app_url: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(trained_app_url + "recommendations")
    page.get_by_text("Default model:").wait_for(timeout=60_000)
    page.get_by_text("1. ", exact=False).first.wait_for(timeout=30_000)
    reasons = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="persona").count()
    assert reasons >= 1
    picker = page.get_by_role("combobox", name="Customer")
    picker.click()
    picker.fill("walk-in-42")
    page.keyboard.press("Enter")
    page.get_by_text("No history yet").wait_for(timeout=30_000)
    assert page.get_by_text("walk-in-42").count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0
    assert errors == []
    page.screenshot(path=str(tmp_path / "recs.png"), full_page=True)
    page.close()
