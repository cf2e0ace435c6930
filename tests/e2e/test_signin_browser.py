"""Sign-in and uploaded text in a real browser: the session cookie survives a reload, a viewer cannot
upload, and names carrying Markdown or HTML make the browser fetch nothing and show the characters."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import running_app, wait_until_still

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
EVIL = '![x](http://tracker.example/p.png) [Invoice](http://tracker.example/i) <img src="http://tracker.example/h.png">'
ENV = {"PERSONALENS_AUTH": "password", "PERSONALENS_SECRET": "a-browser-test-secret-long-enough"}


@pytest.fixture(scope="module")
def team_home(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained demo with markup in names and titles, and a viewer, an analyst and an admin."""
    from core import auth
    from core.personas.service import rename_persona
    from core.recs.service import train_recs
    from core.topics.service import rename_topic
    from core.workspace import open_workspace
    from tests.conftest import FAST_RECS

    home = tmp_path_factory.mktemp("team")
    shutil.copytree(trained_home / "demo", home / "demo")
    ws = open_workspace(home / "demo")
    rename_persona(ws, 0, "Persona " + EVIL)  # names typed by users are uploaded text too
    rename_topic(ws, 0, "Topic " + EVIL)
    with ws.transaction() as con:  # as if the catalogue export carried it: every title
        con.execute("UPDATE products SET title = ? || product_id", [EVIL + " #"])
    train_recs(ws, models=FAST_RECS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PERSONALENS_HOME", str(home))
        for name, role in (("vera", "viewer"), ("ana", "analyst")):
            auth.add_user(name, PASSWORD, role)
            auth.grant(name, "demo", role)
        auth.add_user("boss", PASSWORD, "admin")
    return home


@pytest.fixture(scope="module")
def team_url(team_home: Path) -> Iterator[str]:
    with running_app(team_home, team_home / "streamlit.log", ENV) as url:
        yield url


def _sign_in(page, url: str, name: str = "vera") -> None:  # noqa: ANN001 - a playwright Page
    page.goto(url)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Revenue by category").wait_for(timeout=60_000)


def test_sign_in_survives_a_reload_and_a_viewer_cannot_upload(team_url: str, team_home: Path, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(team_url)
    page.get_by_label("Password", exact=True).wait_for(timeout=60_000)
    main = page.locator("[data-testid='stApp']").inner_text()
    assert "demo" not in main and page.locator("[data-testid='stPlotlyChart']").count() == 0
    page.get_by_label("User name").fill("vera")
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("do not match").wait_for(timeout=30_000)

    _sign_in(page, team_url)
    assert any(c["name"] == "personalens_session" for c in context.cookies())
    page.reload()
    page.get_by_text("Revenue by category").wait_for(timeout=60_000)  # still signed in
    page.get_by_role("link", name="Personas").click()
    button = page.get_by_role("button", name="Audience CSV").first
    button.wait_for(timeout=60_000)
    wait_until_still(page, button)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    exported = Path(download.value.path()).read_text()
    assert "***@" in exported and "@example" in exported  # e-mails masked, domains kept
    assert not re.search(r"[a-z]{2,}\.[a-z]+\d*@", exported)  # no full local part left
    from core import audit
    from core.workspace import open_workspace

    logged = audit.events(open_workspace(team_home / "demo"))  # newest first; the copy brings older exports
    newest = logged[logged["action"] == "export"].iloc[0]
    assert newest["what"].startswith("audience of persona") and "vera" in newest["user"]  # built on the click
    page.get_by_role("link", name="Data").click()
    page.get_by_text("Browse").first.wait_for(timeout=30_000)
    assert page.get_by_text("Upload", exact=True).count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Password", exact=True).wait_for(timeout=30_000)
    page.reload()
    page.get_by_label("Password", exact=True).wait_for(timeout=60_000)  # the cookie is gone too
    context.close()


def test_markup_in_names_fetches_nothing_and_shows_as_typed(team_url: str, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else outside.append(r.url)
    )
    _sign_in(page, team_url)
    page.get_by_role("link", name="Personas").click()
    page.get_by_text("Persona ![x](http").first.wait_for(timeout=60_000)
    page.get_by_role("link", name="Recommendations").click()
    page.get_by_text("1. ![x](http").first.wait_for(timeout=60_000)  # the first card's title, as typed
    page.get_by_role("link", name="Sentiment & topics").click()
    page.get_by_role("tab", name="What they talk about").click()
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=60_000)
    page.wait_for_timeout(1500)
    body = page.locator("[data-testid='stMain']")
    assert body.locator("a[href*='tracker.example'], img[src*='tracker.example']").count() == 0
    assert outside == [], outside
    context.close()


def test_an_analyst_may_upload_and_an_admin_reads_the_audit_trail(team_url: str, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _sign_in(page, team_url, "ana")
    page.get_by_role("link", name="Data").click()
    page.get_by_text("Your exports").wait_for(timeout=30_000)  # the upload tab is there
    page.get_by_role("link", name="Models").click()
    page.get_by_text("Retrain", exact=True).wait_for(timeout=30_000)  # the retrain form (collapsed)
    assert page.get_by_role("tab", name="Audit trail").count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Password", exact=True).wait_for(timeout=30_000)
    _sign_in(page, team_url, "boss")
    page.get_by_role("link", name="Models").click()
    page.get_by_role("tab", name="Audit trail").click()
    page.get_by_text("Who uploaded").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()
