"""The messages journey in a real browser: from a persona card to variants, approve one, download the campaign."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_until_still

pytestmark = pytest.mark.e2e


def test_write_for_a_persona_approve_and_download_the_split(trained_app_url: str, browser, tmp_path: Path) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(trained_app_url + "personas")
    link = page.get_by_role("link", name="Write for this persona").first
    link.wait_for(timeout=90_000)
    link.click()
    page.get_by_text("Variant 1").first.wait_for(timeout=90_000)
    assert "persona=" in page.url
    assert page.get_by_text("Grounded").count() >= 3  # a badge per variant

    page.get_by_text("Edit and approve").first.click()
    approve = page.get_by_role("button", name="Approve").first
    wait_until_still(page, approve)
    approve.click()
    page.get_by_text("Approved as").wait_for(timeout=60_000)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=60_000)

    button = page.get_by_role("button", name="Download the audience with its messages").first
    button.wait_for(timeout=60_000)
    wait_until_still(page, button)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    target = tmp_path / "campaign.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows and {"customer_id", "ab_group", "message_id", "subject", "body"} <= set(rows[0])
    assert {r["ab_group"] for r in rows} <= {"A", "control"} and any(r["ab_group"] == "A" for r in rows)
    assert "{{first_name}}" not in "".join(r["body"] for r in rows)  # no sign-in: a local analyst's export is filled
    assert not errors
